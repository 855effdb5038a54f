//! lanctl: Docker ipvlan/macvlan networks and per-tenant containers with their own LAN
//! addresses, composed as `docker` and `ip` commands. See ARCHITECTURE.md.

// The layers, lowest first (ARCHITECTURE.md; tests/testsuite/layers.rs holds each module to
// importing only those before it): exec, engine, target, then lan and state, shim, checks,
// launch and provision, the commands net, tenant, fleet, conflict and export, then cli (clap, strings) and input (lowered from it).
pub mod checks;
pub mod cli;
pub mod conflict;
pub mod engine;
pub mod exec;
pub mod export;
pub mod fleet;
pub mod input;
pub mod lan;
pub mod launch;
pub mod net;
pub mod provision;
pub mod shim;
pub mod state;
pub mod target;
pub mod tenant;

use exec::error::Result;
use input::Request;
use target::ctx::Ctx;

/// Runs one parsed command line: lowered into validated input first, then the command,
/// then the exit 3 a dry run owes for checks it went past.
pub fn run(cli: cli::Cli) -> Result<()> {
    let input = input::lower(cli)?;
    let ctx = Ctx::new(&input.config)?;
    match &input.request {
        Request::Doctor(a) => checks::doctor(&ctx, a)?,
        Request::DoctorAll(a) => checks::all::doctor_all(&input.config, a)?,
        Request::NetCreate(a) => net::create(&ctx, a)?,
        Request::NetCreateHosts(m) => provision::multi::create(&ctx, &input.config, m)?,
        Request::NetCreateSwarm(m) => net::swarm::create(&ctx, &input.config, m)?,
        Request::NetLs => net::ls(&ctx)?,
        Request::NetLsAll => net::ls_all(&input.config)?,
        Request::NetShow(name) => net::show(&ctx, name)?,
        Request::NetRm(name) => net::rm(&ctx, name)?,
        Request::Up(a) => tenant::up::up(&ctx, a)?,
        Request::UpOnHosts(a) => tenant::place::up(&input.config, a)?,
        Request::Down(a) => tenant::down::down(&ctx, a)?,
        Request::Ls(net) => tenant::ls::ls(&ctx, net.as_deref())?,
        Request::LsAll(net) => tenant::ls::ls_all(&input.config, net.as_deref())?,
        Request::Update(a) => tenant::update::update(&ctx, a)?,
        Request::HostAccess(a) => shim::host_access(&ctx, a)?,
        Request::Apply(a) => fleet::apply(&ctx, a)?,
        Request::ApplyHosts(a) => fleet::by_host::apply(&ctx, &input.config, a)?,
        Request::Completions(shell) => cli::generate::completions(*shell)?,
        Request::Man(dir) => cli::generate::man(dir.as_deref())?,
        Request::Logs(a) => tenant::logs::logs(&ctx, a)?,
        Request::Restart(a) => tenant::restart::restart(&ctx, a)?,
        Request::Stop(a) => tenant::stop::stop(&ctx, a)?,
        Request::Check(a) => conflict::check(&ctx, a)?,
        Request::Export(a) => export::export(&ctx, a)?,
    }
    ctx.finish()
}

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
use input::{Hosts, Order, Request};
use target::ctx::Ctx;

/// Runs one parsed command line: lowered into validated input first, then the command,
/// then the exit 3 a dry run owes for checks it went past.
pub fn run(cli: cli::Cli) -> Result<()> {
    let input = input::lower(cli)?;
    let ctx = Ctx::new(&input.config)?;
    let Request { hosts, order } = &input.request;
    let (all, named) = (*hosts == Hosts::All, *hosts == Hosts::Named);
    match order {
        Order::Doctor(a) if all => checks::all::doctor_all(&input.config, a)?,
        Order::Doctor(a) => checks::doctor(&ctx, a)?,
        Order::NetCreate(a) => net::create(&ctx, a)?,
        Order::NetCreateIpv6Only(subnet) => return Err(checks::ipv6_only(&ctx, subnet)),
        Order::NetCreateShared { net: m, swarm: false } => provision::multi::create(&ctx, &input.config, m)?,
        Order::NetCreateShared { net: m, swarm: true } => net::swarm::create(&ctx, &input.config, m)?,
        Order::NetLs if all => net::ls_all(&input.config)?,
        Order::NetLs => net::ls(&ctx)?,
        Order::NetShow(name) => net::show(&ctx, name)?,
        Order::NetRm(name) => net::rm(&ctx, name)?,
        Order::Up(a) => tenant::up::up(&ctx, a)?,
        Order::UpPlaced(a) => tenant::place::up(&input.config, a)?,
        Order::Down(a) => tenant::down::down(&ctx, a)?,
        Order::Ls(net) if all => tenant::ls::ls_all(&input.config, net.as_deref())?,
        Order::Ls(net) => tenant::ls::ls(&ctx, net.as_deref())?,
        Order::Update(a) => tenant::update::update(&ctx, a)?,
        Order::HostAccess(a) => shim::host_access(&ctx, a)?,
        Order::Apply(a) if named => fleet::by_host::apply(&ctx, &input.config, a)?,
        Order::Apply(a) => fleet::apply(&ctx, a)?,
        Order::Completions(shell) => cli::generate::completions(*shell)?,
        Order::Man(dir) => cli::generate::man(dir.as_deref())?,
        Order::Logs(a) => tenant::logs::logs(&ctx, a)?,
        Order::Restart(a) => tenant::restart::restart(&ctx, a)?,
        Order::Stop(a) => tenant::stop::stop(&ctx, a)?,
        Order::Check(a) => conflict::check(&ctx, a)?,
        Order::Export(a) => export::export(&ctx, a)?,
        Order::Presets => launch::preset::list(input.config.json)?,
    }
    ctx.finish()
}

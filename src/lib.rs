//! lanctl: Docker ipvlan/macvlan networks and per-tenant containers with their own LAN
//! addresses, composed as `docker` and `ip` commands. See ARCHITECTURE.md.

pub mod arp;
pub mod arping;
pub mod checks;
pub mod cli;
pub mod cmd;
pub mod ctx;
pub mod dhcp;
pub mod docker;
pub mod error;
pub mod fleet;
pub mod generate;
pub mod hint;
pub mod host;
pub mod hostaccess;
pub mod hosts;
pub mod input;
pub mod iproute;
pub mod labels;
pub mod lanprobe;
pub mod lock;
pub mod model;
pub mod net;
pub mod netspec;
pub mod out;
pub mod packet;
pub mod plan;
pub mod pool;
pub mod quote;
pub mod reference;
pub mod restart;
pub mod runner;
pub mod state;
pub mod table;
pub mod tenant;

use ctx::Ctx;
use error::Result;
use input::Request;

/// Runs one parsed command line: lowered into validated input first, then the command,
/// then the exit 3 a dry run owes for checks it went past.
pub fn run(cli: cli::Cli) -> Result<()> {
    let input = input::lower(cli)?;
    let ctx = Ctx::new(&input.config)?;
    match &input.request {
        Request::Doctor(a) => checks::doctor(&ctx, a)?,
        Request::DoctorAll(a) => checks::all::doctor_all(&input.config, a)?,
        Request::NetCreate(a) => net::create(&ctx, a)?,
        Request::NetCreateHosts(m) => net::multi::create(&ctx, &input.config, m)?,
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
        Request::HostAccess(a) => hostaccess::host_access(&ctx, a)?,
        Request::Apply(a) => fleet::apply(&ctx, a)?,
        Request::ApplyHosts(a) => fleet::hosts::apply(&ctx, &input.config, a)?,
        Request::Completions(shell) => generate::completions(*shell)?,
        Request::Man(dir) => generate::man(dir.as_deref())?,
        Request::Logs(a) => tenant::logs::logs(&ctx, a)?,
        Request::Restart(a) => tenant::restart::restart(&ctx, a)?,
        Request::Stop(a) => tenant::stop::stop(&ctx, a)?,
    }
    ctx.finish()
}

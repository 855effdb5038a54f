//! lanctl: Docker ipvlan/macvlan networks and per-tenant containers with their own LAN
//! addresses, composed as `docker` and `ip` commands. See ARCHITECTURE.md.

pub mod arping;
pub mod checks;
pub mod cli;
pub mod cmd;
pub mod ctx;
pub mod docker;
pub mod error;
pub mod fleet;
pub mod hostaccess;
pub mod iproute;
pub mod labels;
pub mod lock;
pub mod model;
pub mod net;
pub mod netspec;
pub mod pool;
pub mod quote;
pub mod reference;
pub mod restart;
pub mod runner;
pub mod state;
pub mod table;
pub mod tenant;

use cli::{Cli, Command, NetCommand};
use ctx::Ctx;
use error::Result;

/// Runs one parsed command line: config first, then the command, then the exit-3 a dry
/// run owes for checks it went past.
pub fn run(cli: Cli) -> Result<()> {
    let ctx = Ctx::from_cli(&cli)?;
    match &cli.command {
        Command::Doctor(a) => checks::doctor(&ctx, a)?,
        Command::Net(NetCommand::Create(a)) => net::create(&ctx, a)?,
        Command::Net(NetCommand::Ls) => net::ls(&ctx)?,
        Command::Net(NetCommand::Show { name }) => net::show(&ctx, name)?,
        Command::Net(NetCommand::Rm { name }) => net::rm(&ctx, name)?,
        Command::Up(a) => tenant::up::up(&ctx, a)?,
        Command::Down(a) => tenant::down::down(&ctx, a)?,
        Command::Ls(a) => tenant::ls::ls(&ctx, a)?,
        Command::Update(a) => tenant::update::update(&ctx, a)?,
        Command::HostAccess(a) => hostaccess::host_access(&ctx, a)?,
        Command::Apply(a) => fleet::apply(&ctx, a)?,
    }
    ctx.finish()
}

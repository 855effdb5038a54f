//! `lanctl logs`: a tenant's log as docker keeps it, straight to the terminal.

use crate::exec::error::{Error, Result};
use crate::launch::tenants_named;
use crate::target::ctx::Ctx;

/// `lanctl logs`, lowered: a valid tenant name, how many lines, whether to follow.
pub struct LogsInput {
    pub name: String,
    pub tail: Option<u64>,
    pub follow: bool,
}

/// A read, so it runs under `--dry-run` too. docker writes the lines itself, the
/// container's stdout to stdout and its stderr to stderr, as they come.
pub fn logs(ctx: &Ctx, a: &LogsInput) -> Result<()> {
    let (found, _) = tenants_named(ctx, std::slice::from_ref(&a.name), "logs")?;
    if found.is_empty() {
        return Err(Error::usage(format!("no tenant named {}; list the tenants with `lanctl ls`", a.name)));
    }
    ctx.runner.query_streamed(&ctx.docker.logs(&a.name, a.tail, a.follow))
}

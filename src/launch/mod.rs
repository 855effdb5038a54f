//! A tenant's container, from its validated input to a container that runs as asked: the
//! input (`draft`), its environment (`env`), the spec it carries (`spec`), the presets, the
//! `docker run` line (`docker_run`), batch address planning and starts (`start`, with
//! `overlap` for the probe window), the watch after a start (`health`), what ready means
//! (`ready`) and the wait for it (`readiness`) with what it says meanwhile (`progress`), the recreation of
//! a tenant with rollback (`recreate`), what an interrupted update parked (`parked`), and
//! the API `up` and `apply` share (`converge`). This file holds the helpers they all use.
//!
//! Architecture invariant: nothing here knows the commands above it (`tenant`, `fleet`,
//! `input`, `cli`); they lower their arguments into `TenantInput` and call in.

pub mod announce;
pub mod batch;
pub mod converge;
pub mod docker_run;
pub mod draft;
pub mod env;
pub mod health;
pub mod overlap;
pub mod parked;
pub mod preset;
pub mod progress;
pub mod readiness;
pub mod ready;
pub mod recreate;
pub mod run_error;
pub mod spec;
pub mod start;

use crate::engine::labels;
use crate::engine::model::Container;
use crate::exec::error::Result;
use crate::state;
use crate::target::ctx::Ctx;

/// lanctl's own environment, the only source of secret values besides env files.
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// The container with exactly this name, if any.
pub fn find_container(ctx: &Ctx, name: &str) -> Result<Option<Container>> {
    // `docker inspect` also matches ID prefixes; only an exact name counts.
    Ok(state::containers_named(ctx, &[name])?.into_iter().find(|c| c.name() == name))
}

pub fn is_tenant(c: &Container) -> bool {
    c.label(labels::TENANT).is_some()
}

/// The tenants named, read in one call, in the order given (each once), and the names
/// no container has. A container that is not a tenant refuses the whole command, so
/// `verb` (`stop`, `restart`, `logs`) never reaches one lanctl did not make.
pub fn tenants_named(ctx: &Ctx, names: &[String], verb: &str) -> Result<(Vec<Container>, Vec<String>)> {
    let found = state::containers_named(ctx, names)?;
    let (mut tenants, mut missing) = (Vec::new(), Vec::new());
    for name in names {
        match found.iter().find(|c| c.name() == name) {
            None if !missing.contains(name) => missing.push(name.clone()),
            None => {}
            Some(c) if !is_tenant(c) => {
                return Err(crate::exec::error::Error::usage(format!(
                    "container {name} is not a lanctl tenant; lanctl {verb} acts on its own only (use `docker {verb} {name}` if you mean it)"
                )))
            }
            Some(_) if tenants.iter().any(|t: &Container| t.name() == name) => {}
            Some(c) => tenants.push(c.clone()),
        }
    }
    Ok((tenants, missing))
}

/// Removes a container this call created and that failed, so no `Created` orphan stays.
pub fn remove_orphan(ctx: &Ctx, name: &str) {
    if let Ok(Some(_)) = find_container(ctx, name) {
        if let Err(e) = ctx.runner.change(&ctx.docker.rm_force(name)) {
            ctx.note(format!("warning: could not remove the failed container {name}: {e}"));
        }
    }
}

/// Stops and removes tenants: one `docker stop` for all (docker stops them in parallel,
/// each with its grace period: `timeout`, or docker's own), then one `docker rm`, however many there are.
pub fn remove(ctx: &Ctx, names: &[String], timeout: Option<u64>) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    ctx.runner.change(&ctx.docker.stop_many(names, timeout))?;
    ctx.runner.change(&ctx.docker.rm_many(names))?;
    Ok(())
}

/// The default number of concurrent `docker run`s: the daemon does the work, so a
/// little more than the cores, but not so many that it thrashes.
pub fn default_parallel() -> usize {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    (cores * 2).clamp(2, 8)
}

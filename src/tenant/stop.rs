//! `lanctl stop`: stop tenants and keep them stopped.
//!
//! A tenant's restart policy (`unless-stopped` by default) is what brings it back after a
//! daemon crash, and `ls` and `doctor` point at a tenant whose policy says run but which
//! is stopped. A tenant stopped on purpose must not look like that, nor come back at the
//! next reboot (`always` would), so its policy becomes `no` first; `lanctl restart` and
//! `lanctl up` give the spec's policy back.

use crate::exec::error::Result;
use crate::launch::tenants_named;
use crate::target::ctx::Ctx;

/// `lanctl stop`, lowered: valid tenant names, each once.
pub struct StopInput {
    pub names: Vec<String>,
    /// `--timeout`: docker's stop grace period; `None` keeps docker's.
    pub timeout: Option<u64>,
}

pub fn stop(ctx: &Ctx, a: &StopInput) -> Result<()> {
    let (found, missing) = tenants_named(ctx, &a.names, "stop")?;
    for name in &missing {
        ctx.note(format!("tenant {name} does not exist; nothing to do for it"));
    }
    let policy_on: Vec<&str> =
        found.iter().filter(|c| !matches!(c.host_config.restart_policy.name.as_str(), "" | "no")).map(|c| c.name()).collect();
    let running: Vec<&str> = found.iter().filter(|c| c.state.running).map(|c| c.name()).collect();
    if policy_on.is_empty() && running.is_empty() {
        for c in &found {
            ctx.note(format!("tenant {} is already stopped; nothing to do", c.name()));
        }
        return Ok(());
    }
    // The policy first: docker must not restart one between its stop and the change.
    if !policy_on.is_empty() {
        ctx.runner.change(&ctx.docker.update_restart("no", &policy_on))?;
    }
    if !running.is_empty() {
        ctx.runner.change(&ctx.docker.stop_many(&running, a.timeout))?;
    }
    if !ctx.dry_run() {
        let names: Vec<&str> = found.iter().map(|c| c.name()).collect();
        ctx.note(format!("stopped {0}; they stay stopped, also across reboots, until `lanctl restart {0}`", names.join(" ")));
    }
    Ok(())
}

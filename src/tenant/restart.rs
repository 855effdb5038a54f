//! `lanctl restart`: restart tenants, stopped ones too, on their own addresses, and wait
//! for them to be ready as `up` does (their image's HEALTHCHECK, else still running).

use std::net::IpAddr;
use std::time::Duration;

use crate::engine::labels;
use crate::engine::model::Container;
use crate::exec::error::{Error, Result};
use crate::launch::converge::restart_to_restore;
use crate::launch::readiness::{self, Item, Verdict};
use crate::launch::ready::Ready;
use crate::launch::spec::TenantSpec;
use crate::launch::tenants_named;
use crate::target::ctx::Ctx;

/// `lanctl restart`, lowered: valid tenant names, each once, and the most each is then
/// waited for (`wait_given`: from `--wait`, else each check's default, as for `up`).
pub struct RestartInput {
    pub names: Vec<String>,
    pub wait: Duration,
    pub wait_given: bool,
}

pub fn restart(ctx: &Ctx, a: &RestartInput) -> Result<()> {
    let (found, missing) = tenants_named(ctx, &a.names, "restart")?;
    if !missing.is_empty() {
        return Err(Error::usage(format!(
            "no tenant named {}; nothing was restarted; list the tenants with `lanctl ls`",
            missing.join(" or ")
        )));
    }
    // A tenant `lanctl stop` parked gets its spec's restart policy back first.
    let mut restore: Vec<(String, Vec<&str>)> = Vec::new();
    for c in &found {
        let Some(spec) = TenantSpec::of_container(c) else { continue };
        if let Some(policy) = restart_to_restore(c, &spec) {
            match restore.iter_mut().find(|(p, _)| p == policy) {
                Some((_, names)) => names.push(c.name()),
                None => restore.push((policy.to_string(), vec![c.name()])),
            }
        }
    }
    for (policy, names) in &restore {
        ctx.runner.change(&ctx.docker.update_restart(policy, names))?;
    }
    // `docker restart` takes one container after the other, each with its stop grace
    // period; `docker stop` stops them all at once, and the start that follows is quick.
    let names: Vec<&str> = found.iter().map(|c| c.name()).collect();
    ctx.runner.change(&ctx.docker.stop_many(&names, None))?;
    ctx.runner.change(&ctx.docker.start_many(&names))?;
    if ctx.dry_run() {
        return Ok(());
    }
    // The check is the one the tenant keeps in its spec (`--ready`, its preset's), else the
    // image's.
    let kept: Vec<Option<Ready>> = found.iter().map(|c| TenantSpec::of_container(c).and_then(|s| s.kept_ready())).collect();
    let items: Vec<Item> =
        found.iter().zip(&kept).map(|(c, asked)| Item { name: c.name(), ip: ip(c), asked: asked.as_ref() }).collect();
    let verdicts = if a.wait.is_zero() {
        vec![Verdict::Ready; names.len()]
    } else {
        readiness::wait_ready(ctx, &items, a.wait, a.wait_given)?
    };
    let mut bad = Vec::new();
    for (c, verdict) in found.iter().zip(verdicts) {
        match verdict {
            Verdict::Ready => crate::exec::out::line(format!("{} {}", c.name(), address(c))),
            Verdict::Down(down) => bad.push((c.name(), down.why().to_string())),
            Verdict::NotReady(why) => bad.push((c.name(), format!("not ready: {why}"))),
        }
    }
    match bad.as_slice() {
        [] => {
            ctx.note(format!("restarted {}", names.join(" ")));
            Ok(())
        }
        [(name, why)] if names.len() == 1 => Err(Error::failed(format!(
            "tenant {name}: {why}; it was left as it is; see `lanctl logs {name}`, fix what it says, then `lanctl restart {name}`"
        ))),
        _ => {
            for (name, why) in &bad {
                ctx.note(format!("tenant {name}: {why}"));
            }
            let failed: Vec<&str> = bad.iter().map(|(n, _)| *n).collect();
            Err(Error::failed(format!(
                "{} of {} tenants were not ready after the restart: {}; they were left as they are; \
                 see `lanctl logs NAME`, fix what it says, then `lanctl restart NAME`",
                bad.len(),
                names.len(),
                failed.join(" ")
            )))
        }
    }
}

/// The tenant's address on its network, as `up` prints it.
fn address(c: &Container) -> String {
    let ip6 = c.address6_on(c.label(labels::NETWORK).unwrap_or_default()).map(|a| format!(" {a}")).unwrap_or_default();
    ip(c).map(|ip| format!("{ip}{ip6}")).unwrap_or_default()
}

fn ip(c: &Container) -> Option<IpAddr> {
    c.address_on(c.label(labels::NETWORK).unwrap_or_default())
}

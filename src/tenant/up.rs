//! `lanctl up`: tenants with the lowest free addresses of the range, or a given one.

use crate::exec::error::{Error, Result};
use crate::launch::batch::{BatchOpts, Outcome, What};
use crate::launch::converge::{self, launch, settle, Existing, Expect, Launch};
use crate::launch::draft::TenantInput;
use crate::target::ctx::Ctx;

/// `lanctl up`, lowered: every tenant asked for (one, listed, or `--count`), all on the
/// same network with the same spec.
pub struct UpInput {
    pub tenants: Vec<TenantInput>,
    pub opts: BatchOpts,
}

pub fn up(ctx: &Ctx, input: &UpInput) -> Result<()> {
    // Warnings are the same for every tenant of one command line: say them once.
    if let Some(first) = input.tenants.first() {
        for w in &first.warnings {
            ctx.note(format!("warning: {w}"));
        }
    }
    let wants: Vec<&TenantInput> = input.tenants.iter().collect();
    let launched = {
        // Choosing addresses and starting the containers that take them is one step for
        // every lanctl on this host.
        let _lock = ctx.lock()?;
        let net = wants.first().and_then(|t| t.net.as_deref());
        let (spec, pool, existing) = converge::read(ctx, net, &wants, Expect::New)?;
        launch(ctx, Launch { net: &spec, pool, wants: &wants, existing: &existing, opts: &input.opts, policy: Existing::Refuse })?
    };
    // The new containers hold their addresses now, so the wait for them to stay up
    // needs no lock: other lanctl runs go on meanwhile.
    let results = settle(ctx, launched, &wants, &input.opts);
    report(ctx, &results)
}

fn report(ctx: &Ctx, results: &[Outcome]) -> Result<()> {
    for r in results.iter().filter(|r| r.what == What::Unchanged) {
        ctx.note(format!("tenant {} is already up with this spec; nothing to do", r.name));
    }
    let bad: Vec<&Outcome> = results.iter().filter(|r| r.error.is_some()).collect();
    if ctx.dry_run() {
        // Only a dry run speaks of what would happen; a real run says what did.
        for r in results {
            match (r.what, r.address) {
                (What::Created, Some(ip)) => {
                    let and6 = r.address6.map(|a| format!(" and {a}")).unwrap_or_default();
                    ctx.note(format!("{} would get {ip}{and6} on {}", r.name, r.network))
                }
                (What::Started, _) => ctx.note(format!("the stopped tenant {} would be started", r.name)),
                _ => {}
            }
        }
    } else {
        for r in results.iter().filter(|r| r.what == What::Started) {
            let on = r.address.map(|ip| format!(" on {ip}")).unwrap_or_default();
            ctx.note(format!("started the stopped tenant {}{on}", r.name));
        }
        if ctx.json {
            ctx.print_json(&results);
        } else {
            for r in results.iter().filter(|r| r.error.is_none()) {
                let ip6 = r.address6.map(|a| format!(" {a}")).unwrap_or_default();
                crate::exec::out::line(format!("{} {}{ip6}", r.name, r.address.map(|a| a.to_string()).unwrap_or_default()));
            }
        }
    }
    match bad.as_slice() {
        [] => {
            if results.len() > 1 && !ctx.dry_run() {
                ctx.note(format!("{} tenants up", results.len()));
            }
            Ok(())
        }
        [one] if results.len() == 1 => Err(Error::failed(format!("tenant {}: {}", one.name, one.error.as_deref().unwrap_or("")))),
        _ => {
            for r in &bad {
                ctx.note(format!("tenant {}: {}", r.name, r.error.as_deref().unwrap_or("")));
            }
            let names: Vec<&str> = bad.iter().map(|r| r.name.as_str()).collect();
            Err(Error::failed(format!(
                "{} of {} tenants failed: {}; the others are up, and `lanctl up` again retries only the failed ones",
                bad.len(),
                results.len(),
                names.join(" ")
            )))
        }
    }
}

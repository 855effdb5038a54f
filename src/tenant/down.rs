//! `lanctl down`: stop and remove tenants (with what an interrupted update parked of
//! them), and nothing that is not one.

use crate::exec::at_once;
use std::io::{BufRead, IsTerminal, Write};

use crate::engine::labels;
use crate::exec::error::{Error, Result};
use crate::launch::{is_tenant, parked, remove as remove_tenants};
use crate::state;
use crate::target::ctx::Ctx;

/// `lanctl down`, lowered: validated tenant names, or every tenant.
pub struct DownInput {
    pub names: Vec<String>,
    pub all: bool,
    /// `--timeout`: docker's stop grace period; `None` keeps docker's.
    pub timeout: Option<u64>,
}

pub fn down(ctx: &Ctx, a: &DownInput) -> Result<()> {
    // Without a person to ask and without --yes, the answer is known before any read.
    if a.all && !ctx.dry_run() && !ctx.yes && !std::io::stdin().is_terminal() {
        return Err(Error::usage("down --all removes every tenant; confirm with --yes"));
    }
    let names: Vec<String> = if a.all {
        // A parked container goes with its tenant, below; it is not one.
        let all: Vec<String> = state::containers(ctx, &[format!("label={}", labels::TENANT)])?
            .iter()
            .filter(|c| parked::tenant_of(c).is_none())
            .map(|c| c.name().to_string())
            .collect();
        if all.is_empty() {
            ctx.note("there are no tenants; nothing to do");
            if ctx.json && !ctx.dry_run() {
                ctx.print_json(&serde_json::json!({ "removed": [] }));
            }
            return Ok(());
        }
        if !ctx.dry_run() {
            confirm(ctx, &all)?;
        }
        all
    } else {
        a.names.clone()
    };
    // Under the host-wide lock, `down` never interleaves with an `up`, `update` or another
    // `down` of the same host: a concurrent `down` finds the tenant gone (a note, exit 0),
    // and an `up` cannot start it again between its stop and its rm. A dry run takes none.
    let _lock = ctx.lock()?;
    let (found, parked) = at_once::two(|| state::containers_named(ctx, &names), || parked::find(ctx, &names));
    let (found, parked) = (found?, parked?);
    let mut remove = Vec::new();
    for name in &names {
        let parked_too = parked.iter().find(|p| parked::tenant_of(p) == Some(name)).map(|p| p.name().to_string());
        match found.iter().find(|c| c.name() == name) {
            None if parked_too.is_some() => {}
            None => ctx.note(format!("tenant {name} does not exist; nothing to do for it")),
            Some(c) if !is_tenant(c) => {
                return Err(Error::usage(format!(
                    "container {name} is not a lanctl tenant; nothing was removed (use `docker rm -f {name}` if you mean it)"
                )))
            }
            Some(_) if remove.contains(name) => {}
            Some(_) => remove.push(name.clone()),
        }
        remove.extend(parked_too.filter(|p| !remove.contains(p)));
    }
    if !remove.is_empty() {
        remove_tenants(ctx, &remove, a.timeout)?;
        if !ctx.dry_run() {
            ctx.note(format!("removed {}", remove.join(" ")));
        }
    }
    // A dry run's stdout is its plan; a run's, with --json, what it removed.
    if ctx.json && !ctx.dry_run() {
        ctx.print_json(&serde_json::json!({ "removed": remove }));
    }
    Ok(())
}

/// `--all` needs `--yes`, or a typed yes when a person is at the terminal.
fn confirm(ctx: &Ctx, names: &[String]) -> Result<()> {
    if ctx.yes {
        return Ok(());
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(Error::usage("down --all removes every tenant; confirm with --yes"));
    }
    eprint!("lanctl: remove all {} tenants ({})? [y/N] ", names.len(), names.join(" "));
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    stdin.lock().read_line(&mut answer).map_err(|e| Error::usage(format!("cannot read the answer: {e}; pass --yes")))?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(Error::usage("down --all was not confirmed; nothing was removed"))
    }
}

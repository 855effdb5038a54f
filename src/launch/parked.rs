//! The previous container of an update waits as `NAME.lanctl-prev` while its successor
//! proves itself. A lanctl killed in between leaves it behind, on the tenant's address.
//! Every command that meets one settles it here, by one rule, keeping the address:
//!
//! - the new container runs and has not restarted: the update is finished, the parked
//!   one is removed;
//! - the new container is missing, stopped or restarting: the update is undone, the new
//!   one removed, the parked one renamed back and started.
//!
//! An update in progress parks a container too, so settling happens only under the
//! host-wide lock, which every update holds from its first read to its last change, and
//! on containers read under that lock.

use crate::engine::labels;
use crate::engine::model::{Container, PsLine};
use crate::exec::error::{Error, Result};
use crate::exec::plan::{Action, Plan};
use crate::launch::find_container;
use crate::state;
use crate::target::ctx::Ctx;
use crate::target::lock::Lock;

/// What follows a tenant's name in its parked container's name. A tenant name has no
/// '.', so a parked name is never a tenant's.
pub const SUFFIX: &str = ".lanctl-prev";

/// The name the previous container of `name` waits under during an update.
pub fn parked_name(name: &str) -> String {
    format!("{name}{SUFFIX}")
}

/// The tenant `c` is the parked container of: named like one and labelled with that
/// tenant's name. Anything else (a container someone else named so) is not lanctl's.
pub fn tenant_of(c: &Container) -> Option<&str> {
    let base = c.name().strip_suffix(SUFFIX)?;
    (c.label(labels::TENANT) == Some(base)).then_some(base)
}

/// How an interrupted update ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The new container stays; the parked one goes.
    Finish,
    /// The new container (if any) goes; the parked one comes back.
    Undo,
}

/// The one rule: a new container that runs and never restarted finishes the update.
pub fn verdict(current: Option<&Container>) -> Verdict {
    match current {
        Some(c) if c.state.running && !c.state.restarting && c.restart_count == 0 => Verdict::Finish,
        _ => Verdict::Undo,
    }
}

/// The commands that settle `name`, given its current container.
pub fn plan(ctx: &Ctx, name: &str, current: Option<&Container>, verdict: Verdict) -> Plan {
    let parked = parked_name(name);
    let d = &ctx.docker;
    match verdict {
        Verdict::Finish => Plan::new().then(Action::Change(d.rm_many(&[parked]))),
        Verdict::Undo => {
            let plan = match current {
                Some(_) => Plan::new().then(Action::Change(d.rm_force(name))),
                None => Plan::new(),
            };
            plan.then(Action::Change(d.rename(&parked, name))).then(Action::Change(d.start(name)))
        }
    }
}

/// Settles tenant `name`, whose parked container is `parked`; `current` is the container
/// named `name`, if any. Both must have been read under the lock the caller holds.
/// Returns the tenant's container as it is afterwards (in a dry run: as it would be).
pub fn settle(ctx: &Ctx, name: &str, current: Option<Container>, parked: &Container) -> Result<Option<Container>> {
    let pname = parked.name();
    if let Some(c) = current.as_ref().filter(|c| c.label(labels::TENANT) != Some(name)) {
        return Err(Error::failed(format!(
            "container {} is not lanctl's tenant {name}, yet {pname}, left by an interrupted update, waits for that name; \
             rename or remove {}, then retry",
            c.name(),
            c.name()
        )));
    }
    let verdict = verdict(current.as_ref());
    let address = parked.label(labels::NETWORK).and_then(|n| parked.address_on(n));
    plan(ctx, name, current.as_ref(), verdict).run(&ctx.runner).map_err(|f| {
        let e = f.into_error();
        Error::failed(format!("settling the interrupted update of {name} failed: {e}")).hint(format!(
            "look at both with `docker ps -a --filter name={name}`, then remove the one to drop and name the other {name}"
        ))
    })?;
    if ctx.dry_run() {
        return Ok(match verdict {
            Verdict::Finish => current,
            Verdict::Undo => Some(started_as(parked, name)),
        });
    }
    match verdict {
        Verdict::Finish => ctx.note(format!("finished the interrupted update of {name}: removed its previous container {pname}")),
        Verdict::Undo => ctx.note(format!(
            "undid the interrupted update of {name}: its previous container is back{}",
            address.map(|a| format!(" on {a}")).unwrap_or_default()
        )),
    }
    find_container(ctx, name)
}

/// The parked container as it is once renamed back and started, for a dry run's plan.
fn started_as(parked: &Container, name: &str) -> Container {
    let mut c = parked.clone();
    c.raw_name = format!("/{name}");
    c.state.running = true;
    c.state.restarting = false;
    c.state.status = "running".into();
    c.state.exit_code = 0;
    c.restart_count = 0;
    c
}

/// The parked containers of the tenants named `names`, in one `docker ps` (and an inspect
/// only when there are some).
pub fn find<S: AsRef<str>>(ctx: &Ctx, names: &[S]) -> Result<Vec<Container>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    // docker matches a name filter anywhere in the name; the suffix is checked below.
    let filters = [format!("label={}", labels::TENANT), format!("name={}", SUFFIX.trim_start_matches('.'))];
    let lines: Vec<PsLine> = ctx.runner.query_lines(&ctx.docker.ps_all(&filters))?;
    among(ctx, &lines, names)
}

/// The containers parked for `names` among `lines` (a `docker ps` listing), inspected; no
/// call when there are none.
pub fn among<S: AsRef<str>>(ctx: &Ctx, lines: &[PsLine], names: &[S]) -> Result<Vec<Container>> {
    let wanted: Vec<String> = names.iter().map(|n| parked_name(n.as_ref())).collect();
    let ids: Vec<&str> = lines.iter().filter(|l| wanted.contains(&l.names)).map(|l| l.id.as_str()).collect();
    let found = state::containers_named(ctx, &ids)?;
    Ok(found.into_iter().filter(|c| tenant_of(c).is_some()).collect())
}

/// Settles the parked containers among `listed` (a listing of tenants) when no update is
/// running, and never lists one as a tenant. `reread` lists again once something changed.
pub fn settle_listed(ctx: &Ctx, listed: Vec<Container>, reread: impl Fn() -> Result<Vec<Container>>) -> Result<Vec<Container>> {
    let parked: Vec<&Container> = listed.iter().filter(|c| tenant_of(c).is_some()).collect();
    if parked.is_empty() {
        return Ok(listed);
    }
    // Listing waits for no one: when an update holds the lock, its parked container is
    // part of it, and the tenant is shown as what it was until the update ends.
    let _lock = match ctx.dry_run() {
        true => None,
        false => match Lock::try_acquire() {
            Ok(Some(l)) => Some(l),
            Ok(None) => return Ok(hide(listed)),
            // Listing needs no lock: a caller who may not take it still gets the list.
            Err(e) => {
                ctx.note(format!("warning: an interrupted update is left unsettled: {e}"));
                return Ok(hide(listed));
            }
        },
    };
    let names: Vec<String> = parked.iter().filter_map(|c| tenant_of(c)).map(str::to_string).collect();
    let mut settled = Vec::new();
    for name in &names {
        // Read again under the lock: an update may have ended since the listing.
        let both = state::containers_named(ctx, &[name.clone(), parked_name(name)])?;
        let current = both.iter().find(|c| c.name() == name).cloned();
        if let Some(p) = both.iter().find(|c| c.name() == parked_name(name) && tenant_of(c).is_some()) {
            settled.push((name.clone(), settle(ctx, name, current, p)?));
        }
    }
    if !ctx.dry_run() {
        return Ok(hide(reread()?));
    }
    // A dry run changed nothing: the rows show what the printed plan would leave.
    let mut rows: Vec<Container> = hide(listed).into_iter().filter(|c| !settled.iter().any(|(n, _)| n == c.name())).collect();
    rows.extend(settled.into_iter().filter_map(|(_, c)| c));
    Ok(rows)
}

/// A listing without parked containers; a tenant missing from it while its update runs
/// is shown by its parked container, under its own name.
fn hide(listed: Vec<Container>) -> Vec<Container> {
    let (parked, mut rows): (Vec<Container>, Vec<Container>) = listed.into_iter().partition(|c| tenant_of(c).is_some());
    for p in parked {
        let name = tenant_of(&p).unwrap_or_default().to_string();
        if !rows.iter().any(|c| c.name() == name) {
            let mut c = p.clone();
            c.raw_name = format!("/{name}");
            rows.push(c);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::ContainerState;

    fn container(name: &str, tenant: &str, running: bool, restarts: i64) -> Container {
        let mut c = Container {
            raw_name: format!("/{name}"),
            state: ContainerState { status: if running { "running" } else { "exited" }.into(), running, ..Default::default() },
            restart_count: restarts,
            ..Default::default()
        };
        c.config.labels.insert(labels::TENANT.into(), tenant.into());
        c
    }

    #[test]
    fn only_a_labelled_container_named_after_its_tenant_is_parked() {
        assert_eq!(tenant_of(&container("web.lanctl-prev", "web", false, 0)), Some("web"));
        assert_eq!(tenant_of(&container("web.lanctl-prev", "other", false, 0)), None);
        assert_eq!(tenant_of(&container("web", "web", false, 0)), None);
        let mut unlabelled = container("web.lanctl-prev", "web", false, 0);
        unlabelled.config.labels.clear();
        assert_eq!(tenant_of(&unlabelled), None);
    }

    #[test]
    fn a_new_container_that_runs_and_never_restarted_finishes_the_update() {
        assert_eq!(verdict(Some(&container("web", "web", true, 0))), Verdict::Finish);
        assert_eq!(verdict(Some(&container("web", "web", true, 1))), Verdict::Undo);
        assert_eq!(verdict(Some(&container("web", "web", false, 0))), Verdict::Undo);
        let mut restarting = container("web", "web", true, 0);
        restarting.state.restarting = true;
        assert_eq!(verdict(Some(&restarting)), Verdict::Undo);
        assert_eq!(verdict(None), Verdict::Undo);
    }

    #[test]
    fn the_plans_keep_the_parked_container_on_its_name_and_address() {
        let ctx = Ctx::new(&crate::target::ctx::Config { docker: "docker".into(), ..Default::default() }).expect("a local ctx");
        let new = container("web", "web", false, 0);
        assert_eq!(plan(&ctx, "web", Some(&new), Verdict::Finish).to_string(), "docker rm -- web.lanctl-prev");
        assert_eq!(
            plan(&ctx, "web", Some(&new), Verdict::Undo).to_string(),
            "(\ndocker rm --force -- web || exit 1\ndocker rename -- web.lanctl-prev web || exit 1\n\
             docker start -- web || exit 1\n)"
        );
        assert_eq!(
            plan(&ctx, "web", None, Verdict::Undo).to_string(),
            "(\ndocker rename -- web.lanctl-prev web || exit 1\ndocker start -- web || exit 1\n)"
        );
    }

    #[test]
    fn a_busy_listing_shows_the_tenant_by_its_parked_container() {
        let rows = hide(vec![container("a", "a", true, 0), container("a.lanctl-prev", "a", false, 0)]);
        assert_eq!(rows.iter().map(|c| c.name()).collect::<Vec<_>>(), ["a"]);
        assert!(rows[0].state.running);
        let rows = hide(vec![container("b.lanctl-prev", "b", false, 0)]);
        assert_eq!(rows.iter().map(|c| (c.name(), c.state.running)).collect::<Vec<_>>(), [("b", false)]);
    }
}

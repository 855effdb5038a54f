//! The tenant API that `up` and `apply` share: bring a set of tenants of one network to
//! what was asked. A missing tenant is started; one with the same spec is left alone (or
//! started, if stopped); one with another spec is refused (`up`) or recreated in place
//! (`apply`), as the caller's `Existing` says.

use crate::exec::at_once;

use crate::engine::model::{Container, IpLink, Network, PsLine};
use crate::engine::netspec::NetSpec;
use crate::exec::error::{Error, Result};
use crate::launch::batch::{BatchOpts, Outcome, What};
use crate::launch::draft::TenantInput;
use crate::launch::health::{self, Down};
use crate::launch::readiness::{self, Item, Verdict};
use crate::launch::recreate::{env_value, recreate, Recreate};
use crate::launch::spec::TenantSpec;
use crate::launch::start::start_batch;
use crate::launch::{is_tenant, parked};
use crate::state;
use crate::state::pool::Pool;
use crate::target::ctx::Ctx;

/// What to do with a tenant that exists with another spec.
#[derive(Clone, Copy, Debug)]
pub enum Existing {
    /// Refuse, pointing at `lanctl update` (what `up` does).
    Refuse,
    /// Recreate it on its address; the new one must be ready within the batch's wait
    /// (what `apply` does).
    Update,
}

/// One batch to bring about on one network: what `up` and `apply` hand to [`converge`]
/// and [`launch`]. `existing` holds the containers already read under the wanted names.
pub struct Launch<'a> {
    pub net: &'a NetSpec,
    pub pool: Pool,
    pub wants: &'a [&'a TenantInput],
    pub existing: &'a [Container],
    pub opts: &'a BatchOpts,
    pub policy: Existing,
}

/// Brings `wants`, all on network `net`, to what they ask for, and waits until the
/// containers it started have stayed up for `opts.wait`: [`launch`], then [`settle`].
/// `existing` holds the containers already read under the wanted names. Results come in
/// the order of `wants`.
pub fn converge(ctx: &Ctx, batch: Launch) -> Result<Vec<Outcome>> {
    let (wants, opts) = (batch.wants, batch.opts);
    let launched = launch(ctx, batch)?;
    Ok(settle(ctx, launched, wants, opts))
}

/// The starting half of [`converge`]: what needs the lock (choosing addresses and
/// starting the containers that take them). The wait that follows does not, so a caller
/// that holds the lock for this alone lets other lanctl runs go on while it waits.
pub fn launch(ctx: &Ctx, batch: Launch) -> Result<Vec<Outcome>> {
    let Launch { net, pool, wants, existing, opts, policy } = batch;
    let mut results: Vec<Option<Outcome>> = vec![None; wants.len()];
    let mut fresh = Vec::new();
    for (i, t) in wants.iter().enumerate() {
        match existing.iter().find(|c| c.name() == t.name) {
            Some(c) => {
                results[i] = Some(match already_there(ctx, t, net, c, opts, policy) {
                    Ok(out) => out,
                    // `apply` goes on with the rest of the file; `up` stops at the first.
                    Err(e) if matches!(policy, Existing::Update) => {
                        Outcome::failed_by(&t.name, &net.name, c.address_on(&net.name), &e)
                    }
                    Err(e) => return Err(e),
                })
            }
            None => fresh.push(i),
        }
    }
    if !fresh.is_empty() {
        let new: Vec<&TenantInput> = fresh.iter().map(|&i| wants[i]).collect();
        for (k, out) in start_batch(ctx, net, pool, &new, opts)?.into_iter().enumerate() {
            results[fresh[k]] = Some(out);
        }
    }
    Ok(results.into_iter().map(|r| r.expect("every tenant has a result")).collect())
}

/// Waits, once for the whole batch, until every container `launch` created or started
/// is ready by its check (`readiness`), each for at most its own wait. One that stopped
/// becomes a failure that says how and what it logged last; a container this run created
/// is then removed, like one whose `docker run` failed, so its address is free and `up`
/// again retries it; a tenant that existed and was only started is left as it is, for
/// `lanctl logs`. One that runs but did not turn ready is left as it is too (a server
/// slower than its wait still serves later), and the failure says how to remove it. A dry
/// run prints each wait as a comment after the `docker run`s.
pub fn settle(ctx: &Ctx, mut results: Vec<Outcome>, wants: &[&TenantInput], opts: &BatchOpts) -> Vec<Outcome> {
    let watched: Vec<usize> = (0..results.len()).filter(|&i| matches!(results[i].what, What::Created | What::Started)).collect();
    if watched.is_empty() || opts.wait.is_zero() {
        return results;
    }
    let asked = |name: &str| wants.iter().find(|t| t.name == name).and_then(|t| t.ready.as_ref());
    if ctx.dry_run() {
        for &i in &watched {
            let r = &results[i];
            if let Some(line) = readiness::plan_line(r.address, asked(&r.name), opts.wait, opts.wait_given) {
                crate::exec::out::line(line);
            }
        }
        return results;
    }
    let items: Vec<Item> = watched
        .iter()
        .map(|&i| Item { name: &results[i].name, ip: results[i].address, asked: asked(&results[i].name) })
        .collect();
    let verdicts = match readiness::wait_ready(ctx, &items, opts.wait, opts.wait_given) {
        Ok(v) => v.into_iter().map(Ok).collect(),
        // Not knowing is not success: each says why it is unconfirmed and stays.
        Err(e) => vec![Err(format!("lanctl could not tell whether it is ready: {e}")); items.len()],
    };
    let mut removed = Vec::new();
    for (&i, verdict) in watched.iter().zip(verdicts) {
        let r = &results[i];
        let error = match verdict {
            Ok(Verdict::Ready) => continue,
            Err(why) => why,
            Ok(Verdict::Down(Down::Gone(why))) => format!("{why}; retry"),
            Ok(Verdict::Down(Down::Stopped(why))) if r.what == What::Created => {
                removed.push(r.name.clone());
                let freed = r.address.map(|ip| format!(", so {ip} is free again")).unwrap_or_default();
                format!("{why}; it was removed{freed}; fix what its log says, then retry")
            }
            Ok(Verdict::Down(Down::Stopped(why))) => {
                format!("{why}; it was left as it is; see `lanctl logs {0}`, fix what it says, then `lanctl restart {0}`", r.name)
            }
            Ok(Verdict::NotReady(why)) => format!(
                "not ready: {why}; it was left running as it is: see `lanctl logs {0}`, or remove it with `lanctl down {0}`",
                r.name
            ),
        };
        results[i] = Outcome::failed(&r.name, &r.network, r.address, error);
    }
    if !removed.is_empty() {
        if let Err(e) = ctx.runner.change(&ctx.docker.rm_force_many(&removed)) {
            ctx.note(format!("warning: could not remove the failed containers {}: {e}", removed.join(" ")));
        }
    }
    results
}

/// Whether a batch's tenants are likely to exist already, which decides what is read at
/// once: `apply` of a fleet mostly finds its tenants (inspected alongside the other
/// reads), `up` mostly starts new ones (inspected only when the listing has them, and the
/// engine's version, which a new macvlan tenant's MAC depends on, asked alongside).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    New,
    Existing,
}

/// Reads the network's pool, the containers named like `wants` and their parked
/// containers, then settles what an interrupted update left (the caller holds the lock).
/// One `docker ps` of the host serves the names, the parked containers and the network's
/// holders; it runs at the same time as the network's inspect and the host's addresses.
pub fn read(ctx: &Ctx, net: Option<&str>, wants: &[&TenantInput], expect: Expect) -> Result<(NetSpec, Pool, Vec<Container>)> {
    let names: Vec<&str> = wants.iter().map(|t| t.name.as_str()).collect();
    let (found, lines, links, early) = at_once::four(
        || state::resolve_network(ctx, net),
        || state::ps_all(ctx),
        || state::host_links(ctx),
        || match expect {
            Expect::Existing => Some(state::containers_named(ctx, &names)),
            Expect::New => {
                // Kept by the context for `Pinning::of`; a failure there is asked again and told.
                let _ = ctx.server_api();
                None
            }
        },
    );
    let (spec, network) = found?;
    let lines = lines?;
    let links = links?;
    parent_is_up(ctx, &spec, &links)?;
    let pool = state::pool_from(ctx, &spec, &network, &lines, &links)?;
    let mut existing = match early {
        Some(read) => read?,
        None => {
            let listed: Vec<&str> = names.iter().copied().filter(|n| lines.iter().any(|l| l.names == *n)).collect();
            state::containers_named(ctx, &listed)?
        }
    };
    // Settling keeps each tenant's address, so the pool read above stays true.
    settle_parked(ctx, &lines, &names, &mut existing)?;
    Ok((spec, pool, existing))
}

/// A parent that is down would fail the LAN probe with the kernel's words, or start
/// tenants nobody reaches: a prerequisite, told with the command that brings it up, from
/// the host's links already read (a parent not among them is docker's to judge).
fn parent_is_up(ctx: &Ctx, spec: &NetSpec, links: &[IpLink]) -> Result<()> {
    let Some(link) = links.iter().find(|l| l.ifname == spec.parent) else { return Ok(()) };
    if link.is_up() || ctx.skip_checks {
        return Ok(());
    }
    let (parent, name) = (&spec.parent, &spec.name);
    let line = format!("parent {parent} of network {name} is down; run `ip link set {parent} up`");
    if ctx.dry_run() {
        ctx.note(format!("warning: {line}"));
        ctx.defer_check(line);
        return Ok(());
    }
    Err(Error::check(line))
}

/// [`read`] from reads already made for a whole fleet at once (`apply`): the network as
/// inspected, every container's `docker ps` line, and the fleet's containers (`found`,
/// which may hold other networks' tenants), each inspected or, for a tenant that runs as
/// asked, read from its `docker ps` line (`Container::from_ps`). Only a tenant to start
/// takes an address, so the host's addresses are read, and the pool built, only when one
/// of `wants` has no container; otherwise the pool stays empty and unused.
pub fn read_seen(
    ctx: &Ctx,
    spec: NetSpec,
    network: &Network,
    wants: &[&TenantInput],
    lines: &[PsLine],
    found: &[Container],
) -> Result<(NetSpec, Pool, Vec<Container>)> {
    let names: Vec<&str> = wants.iter().map(|t| t.name.as_str()).collect();
    let mut existing: Vec<Container> = found.iter().filter(|c| names.contains(&c.name())).cloned().collect();
    settle_parked(ctx, lines, &names, &mut existing)?;
    // The same test `launch` makes to choose what it starts.
    let pool = if wants.iter().all(|t| existing.iter().any(|c| c.name() == t.name)) {
        Pool::of(&spec, &[], &[])
    } else {
        state::pool_from(ctx, &spec, network, lines, &state::host_links(ctx)?)?
    };
    Ok((spec, pool, existing))
}

/// Settles what an interrupted update left of the tenants `names` (their parked
/// containers among `lines`), keeping each tenant's address; `existing` becomes their
/// containers as they are afterwards.
fn settle_parked(ctx: &Ctx, lines: &[PsLine], names: &[&str], existing: &mut Vec<Container>) -> Result<()> {
    for p in parked::among(ctx, lines, names)? {
        let name = parked::tenant_of(&p).unwrap_or_default().to_string();
        let current = existing.iter().position(|c| c.name() == name).map(|i| existing.remove(i));
        existing.extend(parked::settle(ctx, &name, current, &p)?);
    }
    Ok(())
}

/// A tenant that exists: unchanged, started, or (by `policy`) refused or recreated.
fn already_there(
    ctx: &Ctx,
    t: &TenantInput,
    net: &NetSpec,
    c: &Container,
    opts: &BatchOpts,
    policy: Existing,
) -> Result<Outcome> {
    let name = t.name.as_str();
    if !is_tenant(c) {
        return Err(Error::failed(format!(
            "a container named {name} exists and is not a lanctl tenant; choose another name or remove it with `docker rm {name}`"
        )));
    }
    let address = c.address_on(&net.name);
    let mut placement = Vec::new();
    if address.is_none() {
        placement.push(format!("it is not on network {}", net.name));
    }
    let address6 = c.address6_on(&net.name);
    for (want, have) in [(t.ip, address), (t.ip6, address6)] {
        if let (Some(want), Some(have)) = (want, have) {
            if want != have {
                placement.push(format!("address is {have}, not {want}"));
            }
        }
    }
    let mut want = t.clone();
    let (spec, carry) = wanted(t, c);
    want.spec = spec;
    let have = TenantSpec::of_container(c).unwrap_or_default();
    let diff = have.differences(&want.spec);
    // Up to the unchanged tenant's return below, only the name, labels, state and endpoint
    // are read (`wanted` reads the environment only for a variable lanctl's environment
    // lacks): all that `Container::from_ps` fills for a tenant `apply` did not inspect,
    // which always ends there.
    if placement.is_empty() && diff.is_empty() {
        if c.state.restarting {
            // Running, to docker, but not up: it dies and is restarted in a loop.
            let log = health::last_logs(ctx, name);
            return Ok(Outcome::failed(
                name,
                &net.name,
                address,
                format!(
                    "it exists with this spec but keeps crashing (exit code {}, docker keeps restarting it); {log}; \
                     fix what it says, then `lanctl update {name} ...` or `lanctl down {name}`",
                    c.state.exit_code
                ),
            ));
        }
        if c.state.running {
            return Ok(Outcome::done(ctx, name, &net.name, address, What::Unchanged).and6(address6));
        }
        if let Some(policy) = restart_to_restore(c, &want.spec) {
            ctx.runner.change(&ctx.docker.update_restart(policy, &[name]))?;
        }
        ctx.runner.change(&ctx.docker.start(name))?;
        return Ok(Outcome::done(ctx, name, &net.name, address, What::Started).and6(address6));
    }
    let (Existing::Update, true, Some(ip)) = (policy, placement.is_empty(), address) else {
        let all: Vec<String> = placement.into_iter().chain(diff).collect();
        let how = match policy {
            Existing::Refuse => format!("change it with `lanctl update {name} ...` or remove it with `lanctl down {name}`"),
            Existing::Update => format!("move it with `lanctl down {name}` and apply again"),
        };
        return Err(Error::usage(format!("tenant {name} exists with another spec: {}; {how}", all.join(", "))));
    };
    let require: Vec<String> = want.secrets.iter().map(|(k, _)| k.clone()).collect();
    let r = Recreate {
        network: &net.name,
        ip,
        ip6: address6,
        spec: &want.spec,
        carry: &carry,
        require: &require,
        env_file: want.env_file.as_ref().map(|f| f.path.as_path()),
        pull: None,
        wait: opts.update_wait,
        wait_given: opts.wait_given,
        ready: t.ready.as_ref(),
        stop_timeout: None,
    };
    recreate(ctx, c, &r)?;
    Ok(Outcome::done(ctx, name, &net.name, Some(ip), What::Updated).and6(address6))
}

/// The restart policy to give back to a tenant before it starts again: `lanctl stop`
/// sets `no`, so that neither docker nor a reboot starts a tenant stopped on purpose;
/// starting it again restores the policy its spec asks for.
pub fn restart_to_restore<'a>(c: &Container, spec: &'a TenantSpec) -> Option<&'a str> {
    let have = c.host_config.restart_policy.name.as_str();
    let want = spec.restart.split(':').next().unwrap_or_default();
    (matches!(have, "" | "no") && !matches!(want, "" | "no")).then_some(spec.restart.as_str())
}

/// The spec `t` asks of its existing container `c`, and the secrets it carries over: a
/// secret asked for but missing from lanctl's environment keeps its current value, so a
/// run without the secrets at hand does not strip them (the recreation reads it from the
/// old container when it runs). `apply`'s diff uses the same rule.
pub fn wanted(t: &TenantInput, c: &Container) -> (TenantSpec, Vec<String>) {
    let mut spec = t.spec.clone();
    // A MAC not asked for is the one the container was pinned to: it stays.
    if spec.mac.is_none() {
        spec.mac = TenantSpec::of_container(c).and_then(|s| s.mac);
    }
    let carry: Vec<String> = t.unset.iter().filter(|k| env_value(c, k).is_some()).cloned().collect();
    spec.secrets.extend(carry.iter().cloned());
    (spec, carry)
}

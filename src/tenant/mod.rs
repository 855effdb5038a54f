//! Tenants: one container each, with its own address on a lanctl network.
//! `up`, `down`, `ls` and `update` live in their own files; this one holds what they share.

pub mod down;
pub mod ls;
pub mod preset;
pub mod run;
pub mod spec;
pub mod up;
pub mod update;

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::labels;
use crate::model::{Container, Network};
use crate::netspec::NetSpec;
use crate::pool::Pool;
use crate::state;

/// lanctl's own environment, the only source of secret values besides env files.
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// The network a tenant goes on: the one named, or the only lanctl network.
pub fn resolve_network(ctx: &Ctx, wanted: Option<&str>) -> Result<NetSpec> {
    resolve(ctx, wanted).map(|(spec, _)| spec)
}

/// `resolve_network`, with the network as docker showed it.
fn resolve(ctx: &Ctx, wanted: Option<&str>) -> Result<(NetSpec, Network)> {
    let spec_of = |n: Network| NetSpec::from_network(&n).filter(|_| n.labels.contains_key(labels::MANAGED)).map(|s| (s, n));
    // A named network costs one query; the full listing is only for what to say.
    if let Some(w) = wanted {
        let found = state::inspect_networks(ctx, &[w]).ok().into_iter().flatten().find(|n| n.name == w);
        if let Some(found) = found.and_then(spec_of) {
            return Ok(found);
        }
    }
    let all: Vec<(NetSpec, Network)> = state::lanctl_networks(ctx)?.into_iter().filter_map(spec_of).collect();
    let names = || all.iter().map(|(n, _)| n.name.as_str()).collect::<Vec<_>>().join(", ");
    let Some(w) = wanted else {
        return match all.len() {
            1 => Ok(all[0].clone()),
            0 => Err(Error::usage("there is no lanctl network; create one with `lanctl net create` first")),
            _ => Err(Error::usage(format!("several lanctl networks exist ({}); choose one with --net", names()))),
        };
    };
    all.iter().find(|(n, _)| n.name == w).cloned().ok_or_else(|| {
        if all.is_empty() {
            Error::usage(format!("--net {w} is not a lanctl network, and there is none; create one with `lanctl net create`"))
        } else {
            Error::usage(format!("--net {w} is not a lanctl network; use one of {}", names()))
        }
    })
}

/// The pool of `spec`'s network as it is now: every attached container, running or
/// stopped, and the host's own addresses.
pub fn load_pool(ctx: &Ctx, spec: &NetSpec) -> Result<Pool> {
    let (attached, links) = std::thread::scope(|s| {
        let links = s.spawn(|| state::host_links(ctx));
        (state::attached(ctx, &spec.name), links.join().expect("query thread"))
    });
    Ok(Pool::of(spec, &attached?, &state::host_addrs(&links?)))
}

/// The network a tenant goes on (see `resolve_network`) and its pool. When the network is
/// named, the network, its containers and the host's addresses are read at the same time:
/// these reads cost mostly process start-up, and `up` waits for all of them.
pub fn load_network(ctx: &Ctx, wanted: Option<&str>) -> Result<(NetSpec, Pool)> {
    let Some(name) = wanted else {
        let spec = resolve_network(ctx, None)?;
        let pool = load_pool(ctx, &spec)?;
        return Ok((spec, pool));
    };
    let (found, lines, links) = std::thread::scope(|s| {
        let lines = s.spawn(|| state::ps_on(ctx, name));
        let links = s.spawn(|| state::host_links(ctx));
        (resolve(ctx, wanted), lines.join().expect("query thread"), links.join().expect("query thread"))
    });
    let (spec, net) = found?;
    let attached = state::attached_from(ctx, &spec.name, &lines?, Some(&net))?;
    let pool = Pool::of(&spec, &attached, &state::host_addrs(&links?));
    Ok((spec, pool))
}

/// The container with exactly this name, if any.
pub fn find_container(ctx: &Ctx, name: &str) -> Result<Option<Container>> {
    // `docker inspect` also matches ID prefixes; only an exact name counts.
    Ok(state::containers_named(ctx, &[name])?.into_iter().find(|c| c.name() == name))
}

pub fn is_tenant(c: &Container) -> bool {
    c.label(labels::TENANT).is_some()
}

/// Removes a container this call created and that failed, so no `Created` orphan stays.
pub fn remove_orphan(ctx: &Ctx, name: &str) {
    if let Ok(Some(_)) = find_container(ctx, name) {
        if let Err(e) = ctx.runner.change(&ctx.docker.rm_force(name)) {
            ctx.note(format!("warning: could not remove the failed container {name}: {e}"));
        }
    }
}

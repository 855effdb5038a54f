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
use crate::model::Container;
use crate::netspec::NetSpec;
use crate::pool::Pool;
use crate::state;

/// lanctl's own environment, the only source of secret values besides env files.
pub fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

/// The network a tenant goes on: the one named, or the only lanctl network.
pub fn resolve_network(ctx: &Ctx, wanted: Option<&str>) -> Result<NetSpec> {
    // A named network costs one query; the full listing is only for what to say.
    if let Some(w) = wanted {
        let found = state::inspect_networks(ctx, &[w]).ok().into_iter().flatten().find(|n| n.name == w);
        if let Some(spec) = found.filter(|n| n.labels.contains_key(labels::MANAGED)).as_ref().and_then(NetSpec::from_network) {
            return Ok(spec);
        }
    }
    let nets: Vec<NetSpec> = state::lanctl_networks(ctx)?.iter().filter_map(NetSpec::from_network).collect();
    let names = || nets.iter().map(|n| n.name.as_str()).collect::<Vec<_>>().join(", ");
    match wanted {
        Some(w) => nets.iter().find(|n| n.name == w).cloned().ok_or_else(|| {
            if nets.is_empty() {
                Error::usage(format!("--net {w} is not a lanctl network, and there is none; create one with `lanctl net create`"))
            } else {
                Error::usage(format!("--net {w} is not a lanctl network; use one of {}", names()))
            }
        }),
        None => match nets.len() {
            1 => Ok(nets[0].clone()),
            0 => Err(Error::usage("there is no lanctl network; create one with `lanctl net create` first")),
            _ => Err(Error::usage(format!("several lanctl networks exist ({}); choose one with --net", names()))),
        },
    }
}

/// The pool of `spec`'s network as it is now: every attached container, running or
/// stopped, and the host's own addresses.
pub fn load_pool(ctx: &Ctx, spec: &NetSpec) -> Result<Pool> {
    read_with_spec(ctx, &spec.name, || Ok(spec.clone())).map(|(_, pool)| pool)
}

/// The network a tenant goes on (see `resolve_network`) and its pool. When the network is
/// named, its spec, its containers and the host's addresses are read at the same time:
/// these reads cost mostly process start-up, and `up` waits for all of them.
pub fn load_network(ctx: &Ctx, wanted: Option<&str>) -> Result<(NetSpec, Pool)> {
    match wanted {
        Some(name) => read_with_spec(ctx, name, || resolve_network(ctx, wanted)),
        None => {
            let spec = resolve_network(ctx, None)?;
            read_with_spec(ctx, &spec.name, || Ok(spec.clone()))
        }
    }
}

/// Reads the containers on network `name` and the host's addresses while `spec` runs.
fn read_with_spec(ctx: &Ctx, name: &str, spec: impl FnOnce() -> Result<NetSpec>) -> Result<(NetSpec, Pool)> {
    let (spec, containers, links) = std::thread::scope(|s| {
        let containers = s.spawn(|| state::containers_on(ctx, &[name]));
        let links = s.spawn(|| state::host_links(ctx));
        (spec(), containers.join().expect("query thread"), links.join().expect("query thread"))
    });
    let spec = spec?;
    let pool = Pool::new(&spec, &containers?, &state::host_addrs(&links?));
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

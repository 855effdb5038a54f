//! Read-only views of the host: lanctl networks, the containers attached to them
//! (running or stopped), and the host's own addresses. Every function here issues a fixed
//! number of queries, however many networks or containers there are.

pub mod hint;
pub mod order;
pub mod pool;

use crate::exec::at_once;
use std::net::IpAddr;

use crate::engine::labels;
use crate::engine::model::{self, Container, IpLink, Network, NetworkLine};
use crate::engine::netspec::{AddrRange, NetSpec, CLUSTER_SUFFIX, CONFIG_SUFFIX};
use crate::exec::error::{Error, Result};
use crate::exec::runner;
use crate::state::pool::{Attached, Pool};
use crate::target::ctx::Ctx;

/// Every network on the engine, by exact name.
pub fn network_lines(ctx: &Ctx) -> Result<Vec<NetworkLine>> {
    ctx.runner.query_lines(&ctx.docker.network_ls())
}

/// Inspects networks by name or ID; none asked, none returned (and nothing runs). A
/// network removed since it was listed is left out, not an error.
pub fn inspect_networks<S: AsRef<str>>(ctx: &Ctx, names: &[S]) -> Result<Vec<Network>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let q = ctx.docker.network_inspect(names);
    let out = ctx.runner.query_output(&q)?;
    // docker prints what it found and exits 1 when any name is missing; anything else on
    // stderr is a real failure.
    if !out.success() && !only_missing_networks(&out.stderr) {
        return Err(runner::failure(&q.0, out));
    }
    if out.stdout.trim().is_empty() {
        return Ok(Vec::new());
    }
    model::parse(&q.to_string(), &out.stdout)
}

/// Whether `docker network inspect` complained only of networks that do not exist:
/// "No such network: X" (newer CLIs), "network X not found" (Engine 20.10).
fn only_missing_networks(stderr: &str) -> bool {
    stderr
        .lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.contains("No such network") || (l.contains("network ") && l.ends_with(" not found")))
}

/// The network called `name`, whoever made it.
pub fn find_network(ctx: &Ctx, name: &str) -> Result<Option<Network>> {
    let lines = network_lines(ctx)?;
    match lines.iter().find(|l| l.name == name) {
        Some(l) => Ok(inspect_networks(ctx, &[l.id.as_str()])?.into_iter().next()),
        None => Ok(None),
    }
}

/// Every network lanctl made, inspected.
pub fn lanctl_networks(ctx: &Ctx) -> Result<Vec<Network>> {
    let lines: Vec<NetworkLine> = ctx.runner.query_lines(&ctx.docker.network_ls_managed())?;
    let ids: Vec<String> = lines.into_iter().map(|l| l.id).collect();
    let all = inspect_networks(ctx, &ids)?;
    Ok(all.into_iter().filter(|n| n.labels.contains_key(labels::MANAGED)).collect())
}

/// Containers, running or stopped, matching any of `filters`, inspected.
///
/// `docker network inspect` omits stopped containers, so attachment is read from each
/// container's own settings, which keep their static address while stopped.
pub fn containers<S: AsRef<str>>(ctx: &Ctx, filters: &[S]) -> Result<Vec<Container>> {
    let lines: Vec<model::PsLine> = ctx.runner.query_lines(&ctx.docker.ps_all(filters))?;
    let ids: Vec<&str> = lines.iter().map(|l| l.id.as_str()).collect();
    // A container removed between the two reads is gone, not an error.
    let mut found = containers_named(ctx, &ids)?;
    for c in &mut found {
        if let Some(l) = lines.iter().find(|l| l.id == c.id) {
            c.ps_status = l.status.clone();
            c.ps_state = l.state.clone();
        }
    }
    Ok(found)
}

/// Containers by exact name or ID, running or stopped; absent ones are left out.
pub fn containers_named<S: AsRef<str>>(ctx: &Ctx, names: &[S]) -> Result<Vec<Container>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let q = ctx.docker.container_inspect(names);
    let out = ctx.runner.query_output(&q)?;
    // docker prints what it found and exits 1 when any name is missing; anything else
    // on stderr is a real failure.
    let missing_only = out.stderr.lines().all(|l| l.trim().is_empty() || l.contains("No such"));
    if !out.success() && !missing_only {
        return Err(runner::failure(&q.0, out));
    }
    if out.stdout.trim().is_empty() {
        return Ok(Vec::new());
    }
    let found: Vec<Container> = model::parse(&q.to_string(), &out.stdout)?;
    Ok(found)
}

/// Containers attached to any of `networks`, running or stopped.
pub fn containers_on<S: AsRef<str>>(ctx: &Ctx, networks: &[S]) -> Result<Vec<Container>> {
    if networks.is_empty() {
        return Ok(Vec::new());
    }
    let filters: Vec<String> = networks.iter().map(|n| format!("network={}", n.as_ref())).collect();
    containers(ctx, &filters)
}

/// `docker ps` of the containers attached to `network`, running or stopped.
pub fn ps_on(ctx: &Ctx, network: &str) -> Result<Vec<model::PsLine>> {
    ctx.runner.query_lines(&ctx.docker.ps_all(&[format!("network={network}")]))
}

/// The addresses of the containers `docker ps` listed on `network`.
///
/// A running container's address is in `docker network inspect` (`net`, read at the same
/// time as `docker ps`); only the containers missing there (stopped ones, or any that
/// changed in between) are inspected, in one further call. `docker ps` is the list of
/// record, so none is missed, and the common case costs no extra call.
pub fn attached_from(ctx: &Ctx, network: &str, lines: &[model::PsLine], net: Option<&Network>) -> Result<Vec<Attached>> {
    Ok(attached_each(ctx, &[(network, net)], lines)?.pop().unwrap_or_default())
}

/// The containers attached to each of `networks` (all inspected in `nets`), from the
/// `docker ps` lines of all of them: as [`attached_from`], a running container's address is
/// read from its network's inspect, and only the containers found in none of them
/// (stopped ones) are inspected, in one call for all the networks. The answer is in the
/// order of `networks`.
pub fn attached_to_each<S: AsRef<str>>(
    ctx: &Ctx,
    networks: &[S],
    lines: &[model::PsLine],
    nets: &[Network],
) -> Result<Vec<Vec<Attached>>> {
    let pairs: Vec<(&str, Option<&Network>)> =
        networks.iter().map(|n| (n.as_ref(), nets.iter().find(|x| x.name == n.as_ref()))).collect();
    attached_each(ctx, &pairs, lines)
}

/// The one rule of [`attached_from`] and [`attached_to_each`]: each network by name with
/// its inspect, if read.
fn attached_each(ctx: &Ctx, networks: &[(&str, Option<&Network>)], lines: &[model::PsLine]) -> Result<Vec<Vec<Attached>>> {
    let mut each: Vec<Vec<Attached>> = vec![Vec::new(); networks.len()];
    let mut unknown = Vec::new();
    for l in lines {
        let mut found = false;
        for (i, (_, net)) in networks.iter().enumerate() {
            let ep = net.and_then(|n| n.containers.get(&l.id));
            if let Some(ip) = ep.and_then(|c| c.ip()).filter(|_| l.state == "running") {
                let mac = ep.map(|c| c.mac.to_ascii_lowercase()).unwrap_or_default();
                let ip6 = ep.and_then(|c| c.ip6());
                each[i].push(Attached { name: l.names.clone(), state: l.state.clone(), ip, ip6, mac });
                found = true;
            }
        }
        // A network without its inspect (a swarm network seen through its config-only
        // part) may hold any line: such lines are inspected too.
        if !found || networks.iter().any(|(_, n)| n.is_none()) {
            unknown.push(l.id.as_str());
        }
    }
    // One removed in between is simply gone.
    let inspected = containers_named(ctx, &unknown)?;
    for (i, (name, _)) in networks.iter().enumerate() {
        for a in Attached::of(&inspected, name) {
            if !each[i].iter().any(|b| b.name == a.name) {
                each[i].push(a);
            }
        }
    }
    Ok(each)
}

/// The host's interfaces with their addresses.
pub fn host_links(ctx: &Ctx) -> Result<Vec<IpLink>> {
    ctx.runner.query_json(&ctx.ip.addr_show())
}

/// Every IPv4 address the host has, with the interface that holds it, and its global
/// IPv6 ones (a host-access shim's on a dual-stack network among them).
pub fn host_addrs(links: &[IpLink]) -> Vec<(IpAddr, String)> {
    let v4 = links.iter().flat_map(|l| l.ipv4().map(move |(ip, _)| (IpAddr::V4(ip), l.ifname.clone())));
    v4.chain(links.iter().flat_map(|l| l.ipv6().map(move |ip| (IpAddr::V6(ip), l.ifname.clone())))).collect()
}

/// A lanctl network's spec from docker's view of it: only networks lanctl made count.
fn spec_of(n: &Network) -> Option<NetSpec> {
    NetSpec::from_network(n).filter(|_| n.labels.contains_key(labels::MANAGED))
}

/// The lanctl network called `name` among networks already inspected, with its spec:
/// what [`resolve_network`] answers from its first query, when that is enough.
pub fn named_among(networks: &[Network], name: &str) -> Option<(NetSpec, Network)> {
    let n = networks.iter().find(|n| n.name == name)?;
    Some((spec_of(n)?, n.clone()))
}

/// The lanctl network a command is for: the one named, or the only one there is.
pub fn resolve_network(ctx: &Ctx, wanted: Option<&str>) -> Result<(NetSpec, Network)> {
    // A named network costs one query; the full listing is only for what to say.
    if let Some(w) = wanted {
        let inspected = inspect_networks(ctx, &[w]).unwrap_or_default();
        if let Some(found) = named_among(&inspected, w) {
            return Ok(found);
        }
        let found = inspected.iter().find(|n| n.name == w);
        // A swarm network: its spec on this node is the node's config-only part (a
        // worker may not even see the swarm network before a container of it runs).
        if found.is_none_or(|n| n.scope == "swarm") {
            let part = format!("{w}{CONFIG_SUFFIX}");
            let config = inspect_networks(ctx, &[&part]).ok().into_iter().flatten().find(|n| n.name == part);
            if let Some(found) = config.and_then(|n| Some((spec_of(&n)?, n))) {
                return Ok(found);
            }
        }
    }
    let all: Vec<(NetSpec, Network)> = lanctl_networks(ctx)?.into_iter().filter_map(|n| Some((spec_of(&n)?, n))).collect();
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
            Error::usage(format!("network {w} is not a lanctl network, and there is none; create one with `lanctl net create`"))
        } else {
            Error::usage(format!("network {w} is not a lanctl network; use one of {}", names()))
        }
    })
}

/// Every container of the host, running or stopped, one `docker ps` line each: what a
/// batch needs to know of names, parked containers and a network's holders, in one process.
pub fn ps_all(ctx: &Ctx) -> Result<Vec<model::PsLine>> {
    ctx.runner.query_lines(&ctx.docker.ps_all::<&str>(&[]))
}

/// The slice of network `net`'s range given to a cluster (`export cni|k8s`), read from its
/// cluster record (`NET.lanctl-cluster`): one inspect, none when there is no record.
pub fn cluster_slice(ctx: &Ctx, net: &str) -> Result<Option<AddrRange>> {
    let name = format!("{net}{CLUSTER_SUFFIX}");
    let found = inspect_networks(ctx, &[name.as_str()])?;
    Ok(cluster_slice_among(&found, net))
}

/// [`cluster_slice`] from networks already inspected.
pub fn cluster_slice_among(networks: &[Network], net: &str) -> Option<AddrRange> {
    let name = format!("{net}{CLUSTER_SUFFIX}");
    let record = networks.iter().find(|n| n.name == name && n.labels.get(labels::CLUSTER_OF).map(String::as_str) == Some(net))?;
    record.labels.get(labels::CLUSTER_SLICE).and_then(|s| AddrRange::parse(s))
}

/// The pool of network `spec` (inspected as `net`) from reads already made: `docker ps`
/// lines (of the host, [`ps_all`], or of the network) and the host's interfaces.
pub fn pool_from(ctx: &Ctx, spec: &NetSpec, net: &Network, lines: &[model::PsLine], links: &[IpLink]) -> Result<Pool> {
    let on: Vec<model::PsLine> = lines.iter().filter(|l| l.attached_to(&spec.name)).cloned().collect();
    let (attached, cluster) = at_once::two(|| attached_from(ctx, &spec.name, &on, Some(net)), || cluster_slice(ctx, &spec.name));
    Ok(Pool::of(spec, &attached?, &host_addrs(links)).with_cluster(cluster?))
}

/// A network's address pool on its own (`up --hosts` asks each host this): every attached
/// container, running or stopped, and the host's own addresses. The network, its
/// containers and the host's addresses are read at the same time: these reads cost mostly
/// process start-up. A batch reads more at once and builds the pool with [`pool_from`].
pub fn network_pool(ctx: &Ctx, name: &str) -> Result<(NetSpec, Pool)> {
    let (found, lines, links) = at_once::three(|| resolve_network(ctx, Some(name)), || ps_on(ctx, name), || host_links(ctx));
    let (spec, net) = found?;
    let pool = pool_from(ctx, &spec, &net, &lines?, &links?)?;
    Ok((spec, pool))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_networks_in_both_wordings() {
        assert!(only_missing_networks("Error response from daemon: network ltgone not found\n"));
        assert!(only_missing_networks("Error: No such network: ltgone\n\n"));
        assert!(!only_missing_networks("Cannot connect to the Docker daemon at unix:///var/run/docker.sock\n"));
        assert!(!only_missing_networks("Error: No such network: a\ncontext \"x\" not found\n"));
    }
}

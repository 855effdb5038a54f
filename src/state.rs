//! Read-only views of the host: lanctl networks, the containers attached to them
//! (running or stopped), and the host's own addresses. Every function here issues a fixed
//! number of queries, however many networks or containers there are.

use std::net::Ipv4Addr;

use crate::ctx::Ctx;
use crate::error::Result;
use crate::labels;
use crate::model::{self, Container, IpLink, Network, NetworkLine};
use crate::pool::Attached;

/// Every network on the engine, by exact name.
pub fn network_lines(ctx: &Ctx) -> Result<Vec<NetworkLine>> {
    let q = ctx.docker.network_ls();
    model::parse_lines(&q.to_string(), &ctx.runner.query(&q)?)
}

/// Inspects networks by name or ID; none asked, none returned (and nothing runs).
pub fn inspect_networks<S: AsRef<str>>(ctx: &Ctx, names: &[S]) -> Result<Vec<Network>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let q = ctx.docker.network_inspect(names);
    model::parse(&q.to_string(), &ctx.runner.query(&q)?)
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
    let q = ctx.docker.network_ls_managed();
    let lines: Vec<NetworkLine> = model::parse_lines(&q.to_string(), &ctx.runner.query(&q)?)?;
    let ids: Vec<String> = lines.into_iter().map(|l| l.id).collect();
    let all = inspect_networks(ctx, &ids)?;
    Ok(all.into_iter().filter(|n| n.labels.contains_key(labels::MANAGED)).collect())
}

/// Containers, running or stopped, matching any of `filters`, inspected.
///
/// `docker network inspect` omits stopped containers, so attachment is read from each
/// container's own settings, which keep their static address while stopped.
pub fn containers<S: AsRef<str>>(ctx: &Ctx, filters: &[S]) -> Result<Vec<Container>> {
    let q = ctx.docker.ps_all(filters);
    let lines = model::parse_lines::<model::PsLine>(&q.to_string(), &ctx.runner.query(&q)?)?;
    if lines.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = lines.iter().map(|l| l.id.as_str()).collect();
    let q = ctx.docker.container_inspect(&ids);
    let mut found: Vec<Container> = model::parse(&q.to_string(), &ctx.runner.query(&q)?)?;
    for c in &mut found {
        if let Some(l) = lines.iter().find(|l| l.id == c.id) {
            c.ps_status = l.status.clone();
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
        return Err(crate::error::Error::command(crate::error::Failure {
            line: q.to_string(),
            status: out.code,
            stderr: out.stderr,
        }));
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

/// Every container attached to `network`, running or stopped, with its address there.
pub fn attached(ctx: &Ctx, network: &str) -> Result<Vec<Attached>> {
    let (lines, net) = std::thread::scope(|s| {
        let net = s.spawn(|| inspect_networks(ctx, &[network]));
        (ps_on(ctx, network), net.join().expect("query thread"))
    });
    // An unreadable network (just removed, say) only means every container is inspected.
    let net = net.ok().and_then(|n| n.into_iter().find(|n| n.name == network));
    attached_from(ctx, network, &lines?, net.as_ref())
}

/// `docker ps` of the containers attached to `network`, running or stopped.
pub fn ps_on(ctx: &Ctx, network: &str) -> Result<Vec<model::PsLine>> {
    let q = ctx.docker.ps_all(&[format!("network={network}")]);
    model::parse_lines(&q.to_string(), &ctx.runner.query(&q)?)
}

/// The addresses of the containers `docker ps` listed on `network`.
///
/// A running container's address is in `docker network inspect` (`net`, read at the same
/// time as `docker ps`); only the containers missing there (stopped ones, or any that
/// changed in between) are inspected, in one further call. `docker ps` is the list of
/// record, so none is missed, and the common case costs no extra call.
pub fn attached_from(ctx: &Ctx, network: &str, lines: &[model::PsLine], net: Option<&Network>) -> Result<Vec<Attached>> {
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    for l in lines {
        let ip = net.and_then(|n| n.containers.get(&l.id)).and_then(|c| c.ipv4.split('/').next()?.parse().ok());
        match ip {
            Some(ip) if l.state == "running" => found.push(Attached { name: l.names.clone(), state: l.state.clone(), ip }),
            _ => unknown.push(l.id.as_str()),
        }
    }
    // One removed in between is simply gone.
    found.extend(Attached::of(&containers_named(ctx, &unknown)?, network));
    Ok(found)
}

/// The host's interfaces with their addresses.
pub fn host_links(ctx: &Ctx) -> Result<Vec<IpLink>> {
    let q = ctx.ip.addr_show();
    model::parse(&q.to_string(), &ctx.runner.query(&q)?)
}

/// Every IPv4 address the host has, with the interface that holds it.
pub fn host_addrs(links: &[IpLink]) -> Vec<(Ipv4Addr, String)> {
    links.iter().flat_map(|l| l.ipv4().map(move |(ip, _)| (ip, l.ifname.clone()))).collect()
}

//! `lanctl net ls` and `net show`: each lanctl network with its pool, on one host or
//! (`--all-hosts`) on every host at once.

use crate::exec::at_once;
use std::net::IpAddr;

use serde::Serialize;

use crate::engine::model::PsLine;
use crate::engine::netspec::{LanRoute, NetSpec, CLUSTER_SUFFIX};
use crate::exec::error::Result;
use crate::exec::table;
use crate::state;
use crate::state::pool::{Holder, Pool};
use crate::target::ctx::{Config, Ctx};
use crate::target::fanout;

/// One lanctl network with its pool, as `net ls` and `net show` report it.
struct Loaded {
    spec: NetSpec,
    pool: Pool,
    tenants: usize,
    route: Option<LanRoute>,
}

fn load_all(ctx: &Ctx) -> Result<Vec<Loaded>> {
    // The host's containers and addresses are read while its lanctl networks are listed
    // and inspected (two reads, one after the other): each read is mostly a process
    // start-up, and a network's running containers are in its inspect.
    let (networks, lines, links) =
        at_once::three(|| state::lanctl_networks(ctx), || state::ps_all(ctx), || state::host_links(ctx));
    let (networks, lines, links) = (networks?, lines?, links?);
    let all: Vec<NetSpec> = networks.iter().filter_map(NetSpec::from_network).collect();
    // Once a container of a swarm network runs on a node, the node's view of it carries
    // its part's labels and addresses: the network is then listed once, as itself.
    let shown = |s: &&NetSpec| !s.config_only || !all.iter().any(|o| !o.config_only && o.name == s.name);
    let specs: Vec<NetSpec> = all.iter().filter(shown).cloned().collect();
    // By the spec's name: a swarm node's tenants are on the swarm network, not its part.
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let lines: Vec<PsLine> = lines.into_iter().filter(|l| names.iter().any(|n| l.attached_to(n))).collect();
    // The slices given to clusters, from their records (one inspect of every network's, none
    // found being none given), beside the stopped holders.
    let records: Vec<String> = names.iter().map(|n| format!("{n}{CLUSTER_SUFFIX}")).collect();
    let (attached, records) =
        at_once::two(|| state::attached_to_each(ctx, &names, &lines, &networks), || state::inspect_networks(ctx, &records));
    let (attached, records) = (attached?, records?);
    let host = state::host_addrs(&links);
    Ok(specs
        .into_iter()
        .zip(attached)
        .map(|(spec, on)| {
            let labelled = |name: &str| lines.iter().any(|l| l.names == name && l.network == spec.name);
            let tenants = on.iter().filter(|a| labelled(&a.name)).count();
            let pool = Pool::of(&spec, &on, &host).with_cluster(state::cluster_slice_among(&records, &spec.name));
            Loaded { pool, route: spec.lan_route(&links), spec, tenants }
        })
        .collect())
}

#[derive(Clone, Serialize)]
struct NetRow {
    /// With `--all-hosts`: the host (docker context) the network is on.
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<String>,
    name: String,
    driver: String,
    mode: String,
    parent: String,
    subnet: String,
    range: String,
    /// On a network of several hosts: the whole reservation `range` is a slice of.
    #[serde(skip_serializing_if = "Option::is_none")]
    reservation: Option<String>,
    gateway: String,
    /// On a dual-stack network: its IPv6 subnet and reserved IPv6 range.
    #[serde(skip_serializing_if = "Option::is_none")]
    subnet6: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    range6: Option<String>,
    tenants: usize,
    free: u64,
}

pub fn ls(ctx: &Ctx) -> Result<()> {
    print_rows(ctx.json, &net_rows(ctx)?, false);
    Ok(())
}

/// `net ls --all-hosts`: every context's networks, asked at once, with the host first.
pub fn ls_all(config: &Config) -> Result<()> {
    let got = fanout::ask_all(config, net_rows)?;
    let rows: Vec<NetRow> = got
        .answers
        .iter()
        .flat_map(|(host, rows)| rows.iter().map(|r| NetRow { host: Some(host.clone()), ..r.clone() }))
        .collect();
    print_rows(config.json, &rows, true);
    got.owed()
}

fn net_rows(ctx: &Ctx) -> Result<Vec<NetRow>> {
    Ok(load_all(ctx)?
        .into_iter()
        .map(|l| NetRow {
            host: None,
            free: l.pool.free_count(),
            name: l.spec.name,
            driver: l.spec.driver.to_string(),
            mode: l.spec.mode,
            parent: l.spec.parent,
            subnet: l.spec.subnet.to_string(),
            range: l.spec.range.to_string(),
            reservation: l.spec.reservation.map(|r| r.to_string()),
            gateway: l.spec.gateway.to_string(),
            subnet6: l.spec.v6.as_ref().map(|v| v.subnet.to_string()),
            range6: l.spec.v6.as_ref().map(|v| v.range.to_string()),
            tenants: l.tenants,
        })
        .collect())
}

/// The rows as JSON or a table, with a HOST column first when they come from every host.
fn print_rows(json: bool, rows: &[NetRow], with_host: bool) {
    if json {
        crate::exec::out::json(rows);
        return;
    }
    // The IPv6 columns only when a network is dual-stack, so IPv4-only tables stay as they were.
    let dual = rows.iter().any(|r| r.subnet6.is_some());
    let cells = rows.iter().map(|r| {
        let mut row = vec![
            r.name.clone(),
            r.driver.clone(),
            r.mode.clone(),
            r.parent.clone(),
            r.subnet.clone(),
            r.range.clone(),
            r.gateway.clone(),
            r.tenants.to_string(),
            r.free.to_string(),
        ];
        if dual {
            row.push(r.subnet6.clone().unwrap_or_else(|| "-".into()));
            row.push(r.range6.clone().unwrap_or_else(|| "-".into()));
        }
        (r.host.clone(), row)
    });
    let mut header = vec!["NAME", "DRIVER", "MODE", "PARENT", "SUBNET", "RANGE", "GATEWAY", "TENANTS", "FREE"];
    if dual {
        header.extend(["SUBNET6", "RANGE6"]);
    }
    crate::exec::out::print(&table::render_by_host(&header, cells.collect(), with_host));
}

#[derive(Serialize)]
struct Held {
    address: IpAddr,
    #[serde(flatten)]
    holder: Holder,
}

#[derive(Serialize)]
struct Show {
    name: String,
    driver: String,
    mode: String,
    parent: String,
    subnet: String,
    gateway: IpAddr,
    range: String,
    /// On a network of several hosts: the whole reservation `range` is this host's slice of.
    #[serde(skip_serializing_if = "Option::is_none")]
    reservation: Option<String>,
    /// The slice of `range` given to a cluster (`export cni|k8s`), which no Docker tenant gets.
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster_slice: Option<String>,
    range_size: u128,
    /// The range's addresses a tenant could ever get (`range_size` less the reserved and
    /// the host's own).
    usable: u128,
    docker_ip_range: String,
    /// On a dual-stack network: its IPv6 part.
    #[serde(skip_serializing_if = "Option::is_none")]
    ipv6: Option<Show6>,
    reserved: Vec<Held>,
    used: Vec<Held>,
    free: u64,
    next_free: Option<IpAddr>,
    /// ipvlan l3/l3s only: the route the LAN's router needs (`via` is null while the
    /// parent has no address).
    #[serde(skip_serializing_if = "Option::is_none")]
    route: Option<LanRoute>,
}

/// The IPv6 part of a dual-stack network as `net show` reports it.
#[derive(Serialize)]
struct Show6 {
    subnet: String,
    gateway: IpAddr,
    range: String,
    range_size: u128,
    docker_ip_range: String,
}

/// One lanctl network by name, read as `up` reads it: the network itself (one inspect), its
/// containers and the host's addresses, all at once; only stopped containers are inspected.
fn load_one(ctx: &Ctx, name: &str) -> Result<Loaded> {
    let (found, lines, links) =
        at_once::three(|| state::resolve_network(ctx, Some(name)), || state::ps_on(ctx, name), || state::host_links(ctx));
    let (spec, net) = found?;
    let (lines, links) = (lines?, links?);
    let (attached, cluster) =
        at_once::two(|| state::attached_from(ctx, &spec.name, &lines, Some(&net)), || state::cluster_slice(ctx, &spec.name));
    let attached = attached?;
    let tenants = attached.iter().filter(|a| lines.iter().any(|l| l.names == a.name && l.network == spec.name)).count();
    let pool = Pool::of(&spec, &attached, &state::host_addrs(&links)).with_cluster(cluster?);
    Ok(Loaded { pool, route: spec.lan_route(&links), spec, tenants })
}

pub fn show(ctx: &Ctx, name: &str) -> Result<()> {
    let l = load_one(ctx, name)?;
    let (reserved, used): (Vec<Held>, Vec<Held>) = l
        .pool
        .held
        .iter()
        .map(|(ip, h)| Held { address: *ip, holder: h.clone() })
        .partition(|h| !matches!(h.holder, Holder::Container { .. }));
    let s = &l.spec;
    let show = Show {
        name: s.name.clone(),
        driver: s.driver.to_string(),
        mode: s.mode.clone(),
        parent: s.parent.clone(),
        subnet: s.subnet.to_string(),
        gateway: s.gateway,
        range: s.range.to_string(),
        reservation: s.reservation.map(|r| r.to_string()),
        cluster_slice: l.pool.cluster.map(|r| r.to_string()),
        range_size: s.range.len(),
        usable: l.pool.usable(),
        docker_ip_range: s.docker_range.to_string(),
        ipv6: s.v6.as_ref().map(|v| Show6 {
            subnet: v.subnet.to_string(),
            gateway: v.gateway,
            range: v.range.to_string(),
            range_size: v.range.len(),
            docker_ip_range: v.docker_range.to_string(),
        }),
        reserved,
        used,
        free: l.pool.free_count(),
        next_free: l.pool.free().next(),
        route: l.route.clone(),
    };
    if ctx.json {
        ctx.print_json(&show);
        return Ok(());
    }
    crate::exec::out::line(format!("network   {} ({} {} on {})", show.name, show.driver, show.mode, show.parent));
    crate::exec::out::line(format!("subnet    {} gateway {}", show.subnet, show.gateway));
    crate::exec::out::line(format!(
        "range     {} ({} usable of {} addresses; docker --ip-range {})",
        show.range, show.usable, show.range_size, show.docker_ip_range
    ));
    if let Some(v) = &show.ipv6 {
        crate::exec::out::line(format!("subnet6   {} gateway {}", v.subnet, v.gateway));
        crate::exec::out::line(format!(
            "range6    {} ({} addresses; docker --ip-range {})",
            v.range, v.range_size, v.docker_ip_range
        ));
    }
    if let Some(whole) = &show.reservation {
        crate::exec::out::line(format!("slice of  {whole}, shared with other hosts"));
    }
    if let Some(c) = &show.cluster_slice {
        crate::exec::out::line(format!("cluster   {c}, a cluster's IPAM hands it out (lanctl export); no Docker tenant gets it"));
    }
    for h in &show.reserved {
        crate::exec::out::line(format!("reserved  {:<15} {}", h.address, h.holder));
    }
    for h in &show.used {
        crate::exec::out::line(format!("used      {:<15} {}", h.address, h.holder));
    }
    match show.next_free {
        Some(ip) => crate::exec::out::line(format!("free      {} (next {ip})", show.free)),
        None => crate::exec::out::line("free      0"),
    }
    if let Some(r) = &show.route {
        crate::exec::out::line(format!("route     {}", r.advice()));
        if let Some(a6) = r.advice6() {
            crate::exec::out::line(format!("route6    {a6}"));
        }
    }
    Ok(())
}

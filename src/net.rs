//! `lanctl net create | ls | show | rm`.

pub mod multi;
pub mod swarm;

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::checks::{self, Scope};
use crate::ctx::{Config, Ctx};
use crate::error::{Error, Result};
use crate::hostaccess::{self, leftover, leftover::Leftovers};
use crate::hosts;
use crate::labels;
use crate::model::{IpLink, Network};
use crate::netspec::{LanRoute, NetSpec, CONFIG_SUFFIX};
use crate::pool::{Holder, Pool};
use crate::runner;
use crate::state;
use crate::table;

pub fn create(ctx: &Ctx, spec: &NetSpec) -> Result<()> {
    // Under the host-wide lock, two lanctl processes creating the same network take turns:
    // the second reads the first one's network and has nothing to do.
    let _lock = ctx.lock()?;
    if let Ensured::Created { route } = ensure(ctx, spec)? {
        if !ctx.dry_run() {
            ctx.note(format!("created {} network {} on {} (range {})", spec.driver, spec.name, spec.parent, spec.range));
        }
        if let Some(r) = route {
            ctx.note(route_note(spec, &r));
        }
    }
    Ok(())
}

/// What `ensure` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ensured {
    /// The network was there with this spec.
    Exists,
    /// It was created (or, in a dry run, would be); a routed network comes with the
    /// route the LAN needs to reach it.
    Created { route: Option<LanRoute> },
}

/// Makes sure a network with this spec exists. A network that is already there is only
/// compared, with no prerequisite check; only a network to create is checked first (unless
/// `--skip-checks`).
pub fn ensure(ctx: &Ctx, spec: &NetSpec) -> Result<Ensured> {
    let prepared = prepare(ctx, spec)?;
    make(ctx, spec, prepared)
}

/// What `prepare` found: the network is there with this spec, or it is to be created on a
/// host with these links.
pub enum Prepared {
    Exists,
    Create { links: Vec<IpLink> },
}

/// Everything `ensure` does before it changes anything: the network read and compared,
/// the range checked against the host's own addresses, the prerequisite checks run. A
/// network made on several hosts is prepared on every host before it is made on any.
pub fn prepare(ctx: &Ctx, spec: &NetSpec) -> Result<Prepared> {
    if let Some(existing) = state::find_network(ctx, &create_name(spec))? {
        return already_exists(ctx, &existing, spec).map(|_| Prepared::Exists);
    }
    let links = state::host_links(ctx)?;
    if let Some((ip, ifname)) = state::host_addrs(&links).into_iter().find(|(ip, _)| spec.range.contains(*ip)) {
        return Err(Error::usage(format!(
            "--ip-range {} contains {ip}, the host's own address on {ifname}; choose a range that leaves it out",
            spec.range
        )));
    }
    if !ctx.skip_checks {
        let scope = Scope { driver: Some(spec.driver), parent: Some(&spec.parent), network: Some(&spec.name) };
        checks::gate(ctx, &checks::run(ctx, scope))?;
    }
    Ok(Prepared::Create { links })
}

/// Creates what `prepare` found missing.
pub fn make(ctx: &Ctx, spec: &NetSpec, prepared: Prepared) -> Result<Ensured> {
    let Prepared::Create { links } = prepared else { return Ok(Ensured::Exists) };
    let create = ctx.docker.network_create(spec);
    match ctx.runner.change_output(&create)? {
        None => {}
        Some(out) if out.success() => {}
        // Another process created it since it was read: the same spec is what was asked.
        // Racing docker answers "already exists", or, when the other create registered
        // the subnet first, "Pool overlaps"; either way the network read back decides.
        Some(out) if lost_race(&out.stderr) => match state::find_network(ctx, &create_name(spec))? {
            Some(existing) => return already_exists(ctx, &existing, spec).map(|_| Ensured::Exists),
            None => return Err(runner::failure(&create.0, out)),
        },
        Some(out) => return Err(runner::failure(&create.0, out)),
    }
    Ok(Ensured::Created { route: spec.lan_route(&links) })
}

/// The name `docker network create` gives: a swarm node's part is its config-only network.
fn create_name(spec: &NetSpec) -> String {
    if spec.config_only {
        spec.config_name()
    } else {
        spec.name.clone()
    }
}

/// Whether `docker network create` may have failed for a concurrent create of the name.
fn lost_race(stderr: &str) -> bool {
    stderr.contains("already exists") || stderr.contains("Pool overlaps")
}

/// What the LAN needs to reach a routed network's tenants, said when it is created.
pub fn route_note(spec: &NetSpec, r: &LanRoute) -> String {
    let (name, mode, parent, subnet) = (&spec.name, &spec.mode, &spec.parent, spec.subnet);
    match r.via {
        Some(via) => format!(
            "ipvlan {mode} network {name} is routed through this host: on the LAN's router (or each client) add \
             `ip route add {subnet} via {via}`"
        ),
        None => format!(
            "warning: ipvlan {mode} network {name} is routed through this host, but {parent} has no IPv4 address; \
             give it one on the LAN, then add `ip route add {subnet} via THAT_ADDRESS` on the LAN's router"
        ),
    }
}

fn already_exists(ctx: &Ctx, existing: &Network, spec: &NetSpec) -> Result<()> {
    // A swarm node's part is named for what it is, its config-only network.
    let name = &existing.name;
    if !existing.labels.contains_key(labels::MANAGED) {
        return Err(Error::failed(format!(
            "a network named {name} exists and was not made by lanctl; choose another name or remove it with `docker network rm {name}`"
        )));
    }
    let Some(have) = NetSpec::from_network(existing) else {
        return Err(Error::failed(format!(
            "network {name} exists but is not an IPv4 ipvlan/macvlan network; choose another name"
        )));
    };
    let diff = have.differences(spec);
    if diff.is_empty() {
        ctx.note(format!("network {name} already exists with this spec; nothing to do"));
        return Ok(());
    }
    Err(Error::failed(format!(
        "network {name} already exists with another spec: {}; remove it with `lanctl net rm {name}` first, or use another name",
        diff.join(", ")
    )))
}

/// One lanctl network with its pool, as `net ls` and `net show` report it.
struct Loaded {
    spec: NetSpec,
    pool: Pool,
    tenants: usize,
    route: Option<LanRoute>,
}

fn load_all(ctx: &Ctx) -> Result<Vec<Loaded>> {
    let all: Vec<NetSpec> = state::lanctl_networks(ctx)?.iter().filter_map(NetSpec::from_network).collect();
    // Once a container of a swarm network runs on a node, the node's view of it carries
    // its part's labels and addresses: the network is then listed once, as itself.
    let shown = |s: &&NetSpec| !s.config_only || !all.iter().any(|o| !o.config_only && o.name == s.name);
    let specs: Vec<NetSpec> = all.iter().filter(shown).cloned().collect();
    // By the spec's name: a swarm node's tenants are on the swarm network, not its part.
    let names: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    let containers = state::containers_on(ctx, &names)?;
    let links = state::host_links(ctx)?;
    let host = state::host_addrs(&links);
    Ok(specs
        .into_iter()
        .map(|spec| {
            let on: Vec<_> = containers.iter().filter(|c| c.address_on(&spec.name).is_some()).cloned().collect();
            let tenants = on.iter().filter(|c| c.label(labels::NETWORK) == Some(spec.name.as_str())).count();
            Loaded { pool: Pool::new(&spec, &on, &host), route: spec.lan_route(&links), spec, tenants }
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
    tenants: usize,
    free: u64,
}

pub fn ls(ctx: &Ctx) -> Result<()> {
    print_rows(ctx.json, &net_rows(ctx)?, false);
    Ok(())
}

/// `net ls --all-hosts`: every context's networks, asked at once, with the host first.
pub fn ls_all(config: &Config) -> Result<()> {
    let got = hosts::ask_all(config, net_rows)?;
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
            tenants: l.tenants,
        })
        .collect())
}

/// The rows as JSON or a table, with a HOST column first when they come from every host.
fn print_rows(json: bool, rows: &[NetRow], with_host: bool) {
    if json {
        crate::out::json(rows);
        return;
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            r.host
                .iter()
                .cloned()
                .chain([
                    r.name.clone(),
                    r.driver.clone(),
                    r.mode.clone(),
                    r.parent.clone(),
                    r.subnet.clone(),
                    r.range.clone(),
                    r.gateway.clone(),
                    r.tenants.to_string(),
                    r.free.to_string(),
                ])
                .collect()
        })
        .collect();
    let header = ["HOST", "NAME", "DRIVER", "MODE", "PARENT", "SUBNET", "RANGE", "GATEWAY", "TENANTS", "FREE"];
    crate::out::print(&table::render(&header[usize::from(!with_host)..], &cells));
}

#[derive(Serialize)]
struct Held {
    address: Ipv4Addr,
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
    gateway: Ipv4Addr,
    range: String,
    /// On a network of several hosts: the whole reservation `range` is this host's slice of.
    #[serde(skip_serializing_if = "Option::is_none")]
    reservation: Option<String>,
    range_size: u64,
    /// The range's addresses a tenant could ever get (`range_size` less the reserved and
    /// the host's own).
    usable: u64,
    docker_ip_range: String,
    reserved: Vec<Held>,
    used: Vec<Held>,
    free: u64,
    next_free: Option<Ipv4Addr>,
    /// ipvlan l3/l3s only: the route the LAN's router needs (`via` is null while the
    /// parent has no address).
    #[serde(skip_serializing_if = "Option::is_none")]
    route: Option<LanRoute>,
}

/// Finds one lanctl network by name, with an error that says what to do.
fn load_one(ctx: &Ctx, name: &str) -> Result<Loaded> {
    load_all(ctx)?
        .into_iter()
        .find(|l| l.spec.name == name)
        .ok_or_else(|| Error::failed(format!("no lanctl network named {name}; list them with `lanctl net ls`")))
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
        range_size: s.range.len(),
        usable: l.pool.usable(),
        docker_ip_range: s.docker_range.to_string(),
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
    crate::out::line(format!("network   {} ({} {} on {})", show.name, show.driver, show.mode, show.parent));
    crate::out::line(format!("subnet    {} gateway {}", show.subnet, show.gateway));
    crate::out::line(format!(
        "range     {} ({} usable of {} addresses; docker --ip-range {})",
        show.range, show.usable, show.range_size, show.docker_ip_range
    ));
    if let Some(whole) = &show.reservation {
        crate::out::line(format!("slice of  {whole}, shared with other hosts"));
    }
    for h in &show.reserved {
        crate::out::line(format!("reserved  {:<15} {}", h.address, h.holder));
    }
    for h in &show.used {
        crate::out::line(format!("used      {:<15} {}", h.address, h.holder));
    }
    match show.next_free {
        Some(ip) => crate::out::line(format!("free      {} (next {ip})", show.free)),
        None => crate::out::line("free      0"),
    }
    if let Some(r) = &show.route {
        crate::out::line(format!("route     {}", r.advice()));
    }
    Ok(())
}

/// Removes a network and what it left on the host: its host-access shim (address and
/// routes go with the link) and, with `--yes`, the files that would bring the shim back
/// at boot. Without `--yes`, such files stop it before anything changes, named.
pub fn rm(ctx: &Ctx, name: &str) -> Result<()> {
    let (net, links) = std::thread::scope(|s| {
        let links = s.spawn(|| hostaccess::load_links(ctx));
        (state::find_network(ctx, name), links.join().expect("query thread"))
    });
    let net = net?;
    // A node of a swarm network holds its config-only part: removed after the swarm
    // network (on a manager), or alone (where the swarm network is gone or not seen).
    let part = match &net {
        Some(n) if n.scope != "swarm" => None,
        _ => state::find_network(ctx, &format!("{name}{CONFIG_SUFFIX}"))?.filter(|p| p.config_only),
    };
    let layers: Vec<Network> = net.into_iter().chain(part).collect();
    if layers.is_empty() {
        let left = leftover::of_gone(ctx, name, &links?, None).unwrap_or_default();
        if left.is_empty() {
            ctx.note(format!("network {name} does not exist; nothing to do"));
        } else {
            ctx.note(format!(
                "network {name} does not exist, but it left {}; remove it with `lanctl host-access {name} --remove`",
                left.describe()
            ));
        }
        return Ok(());
    }
    if let Some(n) = layers.iter().find(|n| !NetSpec::is_lanctl(n)) {
        let other = &n.name;
        return Err(Error::failed(format!(
            "network {other} was not made by lanctl; remove it with `docker network rm {other}` if you mean to"
        )));
    }
    // Containers are attached to the network itself; a node's part alone has none, and
    // its node's tenants are found by the swarm network's name.
    let on = if layers[0].name == name { layers[0].id.clone() } else { name.to_string() };
    let attached = state::containers_on(ctx, &[on.as_str()])?;
    if !attached.is_empty() {
        let list: Vec<String> = attached.iter().map(|c| format!("{} ({})", c.name(), c.state.status)).collect();
        let names: Vec<&str> = attached.iter().map(|c| c.name()).collect();
        return Err(Error::failed(format!(
            "network {name} still has containers attached: {}; remove them first, e.g. `lanctl down {}`",
            list.join(", "),
            names.join(" ")
        )));
    }
    let left = match layers.iter().find_map(NetSpec::from_network) {
        Some(spec) => leftover::of_network(ctx, &spec, &links?, None)?,
        None => Leftovers::default(),
    };
    left.check(ctx)?;
    for n in &layers {
        ctx.runner.change(&ctx.docker.network_rm(&n.name))?;
        if !ctx.dry_run() {
            ctx.note(format!("removed network {}", n.name));
        }
    }
    left.remove(ctx)
}

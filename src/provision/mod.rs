//! Making a lanctl network: read and compare what is there, check the host, create it,
//! on one host (`ensure`, `prepare` then `make`) or on several (`multi`). Shared by
//! `net create` and `apply`.
//!
//! Architecture invariant: nothing here knows the commands that call it (`net`, `fleet`,
//! `input`); they hand it a validated `NetSpec`.

pub mod multi;
pub mod slices;

use ipnet::IpNet;

use crate::checks::{self, Scope};
use crate::engine::labels;
use crate::engine::model::{IpLink, Network};
use crate::engine::netspec::{LanRoute, NetSpec};
use crate::exec::error::{Error, Result};
use crate::exec::runner;
use crate::state;
use crate::target::ctx::Ctx;

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
    ensure_checked(ctx, spec, false)
}

/// `ensure` of a network already read (`seen`, from `state::lanctl_networks`), so a
/// network that is there costs no second read; one not seen is read and made as `ensure`
/// does.
pub fn ensure_seen(ctx: &Ctx, spec: &NetSpec, seen: &[Network]) -> Result<Ensured> {
    match seen.iter().find(|n| n.name == create_name(spec)) {
        Some(existing) => already_exists(ctx, existing, spec).map(|_| Ensured::Exists),
        None => ensure(ctx, spec),
    }
}

/// `ensure`, with the DHCP pool check among the prerequisite checks when `check_dhcp`.
pub fn ensure_checked(ctx: &Ctx, spec: &NetSpec, check_dhcp: bool) -> Result<Ensured> {
    let prepared = prepare(ctx, spec, check_dhcp)?;
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
pub fn prepare(ctx: &Ctx, spec: &NetSpec, check_dhcp: bool) -> Result<Prepared> {
    // Every network is inspected in one read: the one of this name is compared, and the
    // others are looked at for a subnet this one would overlap, which docker would refuse
    // with "Pool overlaps" only after the checks.
    let ids: Vec<String> = state::network_lines(ctx)?.into_iter().map(|l| l.id).collect();
    let networks = state::inspect_networks(ctx, &ids)?;
    if let Some(existing) = networks.iter().find(|n| n.name == create_name(spec)) {
        return already_exists(ctx, existing, spec).map(|_| Prepared::Exists);
    }
    if let Some(line) = overlap(spec, &networks) {
        return Err(Error::usage(line));
    }
    let links = state::host_links(ctx)?;
    if let Some((ip, ifname)) = state::host_addrs(&links).into_iter().find(|(ip, _)| spec.range.contains(*ip)) {
        return Err(Error::usage(format!(
            "--ip-range {} contains {ip}, the host's own address on {ifname}; choose a range that leaves it out",
            spec.range
        )));
    }
    if !ctx.skip_checks {
        let scope =
            Scope { driver: Some(spec.driver), mode: Some(&spec.mode), parent: Some(&spec.parent), network: Some(&spec.name) };
        let mut report = checks::run(ctx, scope);
        if check_dhcp {
            let range6 = spec.v6.as_ref().map(|v6| v6.range);
            let target = checks::dhcp_pool::Target { parent: spec.parent.clone(), range: spec.range, range6 };
            report.checks.push(checks::dhcp_pool::check(ctx, &checks::Host::of(ctx), &target));
        }
        checks::gate(ctx, &report)?;
    }
    Ok(Prepared::Create { links })
}

/// The refusal of a spec whose subnet (either family) overlaps another network's, any
/// driver's, or is the same subnet on another parent. The network's own other half (a
/// swarm network and its config-only part) is not another network.
fn overlap(spec: &NetSpec, networks: &[Network]) -> Option<String> {
    let own = [spec.name.clone(), spec.config_name()];
    let mine: Vec<IpNet> = std::iter::once(spec.subnet).chain(spec.v6.as_ref().map(|v| v.subnet)).collect();
    networks.iter().filter(|n| !own.contains(&n.name)).find_map(|n| {
        n.ipam.config.iter().filter_map(|c| c.subnet.parse::<IpNet>().ok()).find_map(|theirs| {
            mine.iter().find(|m| m.contains(&theirs) || theirs.contains(*m)).map(|m| {
                let name = &n.name;
                format!(
                    "--subnet {m} overlaps network {name}'s subnet {theirs}; choose a subnet of its own, or remove {name} first"
                )
            })
        })
    })
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
        Some(out) if lost_race(&out.stderr) => match raced_network(ctx, spec, &out.stderr)? {
            Some(existing) => return already_exists(ctx, &existing, spec).map(|_| Ensured::Exists),
            None => return Err(runner::failure(&create.0, out)),
        },
        Some(out) => return Err(runner::failure(&create.0, out)),
    }
    Ok(Ensured::Created { route: spec.lan_route(&links) })
}

/// The network a racing create made, read back. Docker answers "Pool overlaps" as soon as
/// the other create has reserved the subnet, which can be before its network is listed
/// (seen on Engine 20.10 with four creates at once): so that answer is read again a few
/// times, 100 ms apart, before it counts as an overlap with some other network.
fn raced_network(ctx: &Ctx, spec: &NetSpec, stderr: &str) -> Result<Option<Network>> {
    let tries = if stderr.contains("Pool overlaps") { RACE_READS } else { 1 };
    for i in 0..tries {
        if i > 0 {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        if let Some(n) = state::find_network(ctx, &create_name(spec))? {
            return Ok(Some(n));
        }
    }
    Ok(None)
}

/// How many times a "Pool overlaps" answer is read back: a second at most.
const RACE_READS: usize = 10;

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
    let four = match r.via {
        Some(via) => format!(
            "ipvlan {mode} network {name} is routed through this host: on the LAN's router (or each client) add \
             `ip route add {subnet} via {via}`"
        ),
        None => format!(
            "warning: ipvlan {mode} network {name} is routed through this host, but {parent} has no IPv4 address; \
             give it one on the LAN, then add `ip route add {subnet} via THAT_ADDRESS` on the LAN's router"
        ),
    };
    // A dual-stack network's IPv6 route beside it.
    match r.ipv6.as_ref().map(|r6| (r6.subnet, r6.via)) {
        None => four,
        Some((subnet6, Some(via6))) => format!("{four}, and `ip -6 route add {subnet6} via {via6}`"),
        Some((subnet6, None)) => format!(
            "{four}; for IPv6, {parent} has no global IPv6 address: give it one, then add `ip -6 route add {subnet6} via THAT_ADDRESS`"
        ),
    }
}

fn already_exists(ctx: &Ctx, existing: &Network, spec: &NetSpec) -> Result<()> {
    // A swarm node's part is named for what it is, its config-only network.
    let name = &existing.name;
    if !existing.labels.contains_key(labels::MANAGED) {
        return Err(Error::usage(format!(
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
    Err(Error::usage(format!(
        "network {name} already exists with another spec: {}; remove it with `lanctl net rm {name}` first, or use another name",
        diff.join(", ")
    )))
}

//! `lanctl host-access`: a shim interface on the parent so the host can reach its own
//! tenants, which ipvlan and macvlan otherwise hide from it.

pub mod commands;
pub mod leftover;
pub mod persist;

use crate::exec::at_once;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::Serialize;

use crate::engine::model::{IpLink, Route};
use crate::engine::netspec::NetSpec;
use crate::exec::error::{Error, Exit, Result};
use crate::lan::prober::Prober;
use crate::state;
use crate::state::pool::Pool;
use crate::target::ctx::Ctx;

/// What `host-access` is asked to do with a network's shim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShimAction {
    Ensure,
    Remove,
    Status,
    /// Print (or with `write`, write) the configuration that recreates it at boot.
    Persist {
        system: String,
        write: bool,
    },
}

/// `lanctl host-access`, lowered.
#[derive(Clone, Debug)]
pub struct HostAccessInput {
    pub net: String,
    pub address: Option<IpAddr>,
    pub ifname: Option<String>,
    pub action: ShimAction,
    pub no_probe: bool,
}

/// The default shim name: `lc-NET` when it fits the kernel's 15 bytes, else a shortened
/// name with a hash of the network name so two long names do not collide.
pub fn default_ifname(net: &str) -> String {
    let plain = format!("lc-{net}");
    if plain.len() <= 15 {
        return plain;
    }
    let hash = net.bytes().fold(0x811c9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x01000193));
    let head: String = net.chars().take(6).collect();
    format!("lc-{head}-{:05x}", hash & 0xfffff)
}

/// The CIDR blocks that together cover the reserved range exactly: the shim's routes.
pub fn range_routes(spec: &NetSpec) -> Vec<IpNet> {
    spec.range.blocks()
}

/// The same for the IPv6 range of a dual-stack network (none on an IPv4-only one): the
/// shim's `ip -6` routes.
pub fn range_routes6(spec: &NetSpec) -> Vec<IpNet> {
    spec.v6.as_ref().map(|v| v.range.blocks()).unwrap_or_default()
}

/// Both families' routes, IPv4 first.
fn all_routes(spec: &NetSpec) -> Vec<IpNet> {
    [range_routes(spec), range_routes6(spec)].concat()
}

/// A shim found on the host: a macvlan/ipvlan child of the parent holding an address in
/// the subnet, or the interface named by `--ifname`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Shim {
    pub ifname: String,
    pub kind: String,
    pub parent: String,
    pub address: Option<IpAddr>,
    /// Its address in the IPv6 subnet of a dual-stack network.
    pub address6: Option<IpAddr>,
    pub up: bool,
}

/// Whether a link is of a kind a shim is: macvlan or ipvlan.
pub fn is_shim_kind(l: &IpLink) -> bool {
    matches!(l.linkinfo.as_ref().map(|k| k.info_kind.as_str()), Some("macvlan" | "ipvlan"))
}

/// A link as a shim, with its address in `subnet` (any address for 0.0.0.0/0) and in
/// `subnet6`, when there is one.
pub fn shim_of_link(l: &IpLink, subnet: IpNet, subnet6: Option<IpNet>) -> Shim {
    Shim {
        ifname: l.ifname.clone(),
        kind: l.linkinfo.as_ref().map(|k| k.info_kind.clone()).unwrap_or_default(),
        parent: l.link.clone().unwrap_or_default(),
        address: l.ipv4().map(|(ip, _)| IpAddr::V4(ip)).find(|ip| subnet.contains(ip)),
        address6: l.ipv6().map(IpAddr::V6).find(|ip| subnet6.is_some_and(|s| s.contains(ip))),
        up: l.is_up(),
    }
}

fn subnet6(spec: &NetSpec) -> Option<IpNet> {
    spec.v6.as_ref().map(|v| v.subnet)
}

/// The network's shim: a macvlan/ipvlan child of the parent with an address in the
/// subnet, `lc-NET` first; or, with `ifname`, the child of that name (a link of another
/// kind is never a shim).
pub fn find_shim(links: &[IpLink], spec: &NetSpec, ifname: Option<&str>) -> Option<Shim> {
    let is_child = |l: &&IpLink| is_shim_kind(l) && l.link.as_deref() == Some(spec.parent.as_str());
    let in_subnet = |l: &&IpLink| l.ipv4().any(|(ip, _)| spec.subnet.contains(&IpAddr::V4(ip)));
    let own = default_ifname(&spec.name);
    let found = match ifname {
        Some(name) => links.iter().filter(is_child).find(|l| l.ifname == name),
        None => {
            let mut children = links.iter().filter(is_child).filter(in_subnet);
            children.clone().find(|l| l.ifname == own).or_else(|| children.next())
        }
    }?;
    Some(shim_of_link(found, spec.subnet, subnet6(spec)))
}

/// Every host interface with link details (kind, lower device) and addresses.
pub fn load_links(ctx: &Ctx) -> Result<Vec<IpLink>> {
    ctx.runner.query_json(&commands::addr_show_details(&ctx.ip))
}

pub(crate) fn routes(ctx: &Ctx, dev: &str) -> Result<Vec<IpNet>> {
    let routes: Vec<Route> = ctx.runner.query_json(&commands::routes_of(&ctx.ip, dev))?;
    // IPv4 routes only, as `ip route show` lists them (IPv6 ones are `ip -6`'s).
    let v4 = |r: &Route| r.dst.parse::<ipnet::Ipv4Net>().ok().or_else(|| r.dst.parse::<Ipv4Addr>().ok().map(Into::into));
    Ok(routes.iter().filter_map(|r| v4(r).map(IpNet::V4)).collect())
}

/// The IPv6 routes of `dev`, read only for a dual-stack network (an IPv4-only one has
/// none to look for, and costs no extra process).
fn routes6(ctx: &Ctx, spec: &NetSpec, dev: &str) -> Result<Vec<IpNet>> {
    if spec.v6.is_none() {
        return Ok(Vec::new());
    }
    let routes: Vec<Route> = ctx.runner.query_json(&commands::routes6_of(&ctx.ip, dev))?;
    let v6 = |r: &Route| r.dst.parse::<ipnet::Ipv6Net>().ok().or_else(|| r.dst.parse::<Ipv6Addr>().ok().map(Into::into));
    // Not the link-local fe80::/64 every IPv6 link has: the link's own, no part of a range.
    let link_local = |n: &ipnet::Ipv6Net| n.addr().segments()[0] & 0xffc0 == 0xfe80;
    Ok(routes.iter().filter_map(v6).filter(|n| !link_local(n)).map(IpNet::V6).collect())
}

/// Both families' routes of `dev`, IPv4 first.
fn all_routes_of(ctx: &Ctx, spec: &NetSpec, dev: &str) -> Result<Vec<IpNet>> {
    Ok([routes(ctx, dev)?, routes6(ctx, spec, dev)?].concat())
}

/// The routes to a network's range(s) that its shim `dev` should hold and does not: the
/// host sends to those tenants by its default route instead, and reaches none of them.
pub fn missing_routes(ctx: &Ctx, spec: &NetSpec, dev: &str) -> Result<Vec<IpNet>> {
    let have = all_routes_of(ctx, spec, dev)?;
    Ok(all_routes(spec).into_iter().filter(|r| !have.contains(r)).collect())
}

pub fn host_access(ctx: &Ctx, a: &HostAccessInput) -> Result<()> {
    if matches!(a.action, ShimAction::Persist { .. }) && !ctx.transport.is_local() {
        // persist reads and writes this machine's network configuration files.
        return Err(Error::check(
            "host-access --persist configures this machine only; run it on the other host itself, or drop --persist",
        ));
    }
    if a.action == ShimAction::Remove {
        return remove(ctx, &a.net, a.ifname.as_deref());
    }
    // `--address` is either family's: the other family's address is chosen.
    let (wanted_addr, wanted6) = match a.address {
        Some(ip @ IpAddr::V6(_)) => (None, Some(ip)),
        other => (other, None),
    };
    let (spec, _) = state::resolve_network(ctx, Some(&a.net))?;
    let links = load_links(ctx)?;
    let shim = find_shim(&links, &spec, a.ifname.as_deref());
    if a.action == ShimAction::Status {
        return status(ctx, &spec, shim);
    }
    let ifname =
        shim.as_ref().map(|s| s.ifname.clone()).or_else(|| a.ifname.clone()).unwrap_or_else(|| default_ifname(&spec.name));
    let address = match (&shim, wanted_addr) {
        (Some(Shim { address: Some(have), .. }), Some(want)) if *have != want => {
            return Err(Error::usage(format!(
                "the shim {ifname} already has {have}, not {want}; remove it with `lanctl host-access {} --remove` first",
                spec.name
            )))
        }
        (Some(Shim { address: Some(have), .. }), _) => *have,
        (_, want) => choose_address(ctx, &spec, &links, want, a.no_probe)?,
    };
    let address6 = match (&spec.v6, &shim, wanted6) {
        (None, _, Some(want)) => {
            return Err(Error::usage(format!(
                "--address {want} is IPv6 but network {} has no IPv6 subnet; give an IPv4 address, or leave --address out",
                spec.name
            )))
        }
        (None, _, None) => None,
        (Some(_), Some(Shim { address6: Some(have), .. }), Some(want)) if *have != want => {
            return Err(Error::usage(format!(
                "the shim {ifname} already has {have}, not {want}; remove it with `lanctl host-access {} --remove` first",
                spec.name
            )))
        }
        (Some(_), Some(Shim { address6: Some(have), .. }), _) => Some(*have),
        (Some(_), _, want) => Some(choose_address6(ctx, &spec, &links, want, a.no_probe)?),
    };
    if let ShimAction::Persist { system, write } = &a.action {
        let address = crate::engine::range::v4_of(address)
            .ok_or_else(|| Error::usage(format!("--address {address} is not IPv4; give the shim's IPv4 address")))?;
        let address6 = address6.and_then(|a| if let IpAddr::V6(a) = a { Some(a) } else { None });
        let c = persist::ShimConfig { spec: &spec, ifname: &ifname, address, address6 };
        return persist::emit(ctx, system, &c, *write);
    }
    create(ctx, &spec, shim.as_ref(), &ifname, address, address6)
}

/// How many IPv6 candidates the shim's address is probed among at once, from the top of
/// the subnet down: a LAN rarely holds more than a few there, and one batch is one wait.
const CANDIDATES6: usize = 8;

/// The shim's IPv6 address: `--address`, or the highest free address of the IPv6 subnet
/// outside range6 (never the gateway nor an address a tenant or host interface holds)
/// that no LAN device claims, by the NDP probe as IPv4's is by ARP.
fn choose_address6(ctx: &Ctx, spec: &NetSpec, links: &[IpLink], want: Option<IpAddr>, no_probe: bool) -> Result<IpAddr> {
    let v6 = spec.v6.as_ref().expect("a dual-stack network");
    let containers = state::containers_on(ctx, &[spec.name.as_str()])?;
    let pool = Pool::new(spec, &containers, &state::host_addrs(links));
    let prober = Prober::new(ctx, &spec.parent, no_probe)?;
    let answers = |ips: &[IpAddr]| match &prober {
        Some(p) => p.answers(ctx, ips),
        None => Ok(vec![None; ips.len()]),
    };
    if let Some(ip) = want {
        if v6.range.contains(ip) {
            return Err(Error::usage(format!(
                "--address {ip} is inside the tenant range {}; give an address outside it",
                v6.range
            )));
        }
        if let Some(why) = pool.refuse(ip) {
            return Err(Error::usage(format!("--address {why}; choose another address")));
        }
        if let Some(mac) = answers(&[ip])?.pop().flatten() {
            return Err(Error::failed(format!("--address {ip} is already used on the LAN by {mac}; choose another address")));
        }
        return Ok(ip);
    }
    let top = crate::engine::range::ordinal(v6.subnet.broadcast());
    let bottom = crate::engine::range::ordinal(v6.subnet.network());
    let candidates: Vec<IpAddr> = (bottom..=top)
        .rev()
        .filter_map(|n| crate::engine::range::from_ordinal(v6.subnet.addr(), n))
        .filter(|ip| !v6.range.contains(*ip) && !pool.held.contains_key(ip))
        .take(CANDIDATES6)
        .collect();
    for (ip, mac) in candidates.iter().zip(answers(&candidates)?) {
        match mac {
            None => return Ok(*ip),
            Some(mac) => ctx.note(format!("skipping {ip}: a LAN device ({mac}) already uses it")),
        }
    }
    Err(Error::failed(format!(
        "no free address outside the range {} at the top of {} for the shim; give one with --address",
        v6.range, v6.subnet
    )))
}

/// `--address`, or the highest free subnet address outside the range that no container,
/// host interface or LAN device uses: the top of a subnet is where routers and shims
/// usually sit, far from the DHCP pool at the bottom.
fn choose_address(ctx: &Ctx, spec: &NetSpec, links: &[IpLink], want: Option<IpAddr>, no_probe: bool) -> Result<IpAddr> {
    let containers = state::containers_on(ctx, &[spec.name.as_str()])?;
    let pool = Pool::new(spec, &containers, &state::host_addrs(links));
    let prober = Prober::new(ctx, &spec.parent, no_probe)?;
    let answered = |ip| prober.as_ref().map(|p| p.answer(ctx, ip)).transpose().map(Option::flatten);
    if let Some(ip) = want {
        if spec.range.contains(ip) {
            return Err(Error::usage(format!(
                "--address {ip} is inside the tenant range {}; give an address outside it",
                spec.range
            )));
        }
        if let Some(why) = pool.refuse(ip) {
            return Err(Error::usage(format!("--address {why}; choose another address")));
        }
        if let Some(mac) = answered(ip)? {
            return Err(Error::failed(format!("--address {ip} is already used on the LAN by {mac}; choose another address")));
        }
        return Ok(ip);
    }
    for ip in spec.subnet.hosts().collect::<Vec<_>>().into_iter().rev() {
        if spec.range.contains(ip) || pool.held.contains_key(&ip) {
            continue;
        }
        match answered(ip)? {
            None => return Ok(ip),
            Some(mac) => ctx.note(format!("skipping {ip}: a LAN device ({mac}) already uses it")),
        }
    }
    Err(Error::failed(format!(
        "no free address outside the range {} in {} for the shim; give one with --address",
        spec.range, spec.subnet
    )))
}

/// Runs only the steps that are missing, so a correct shim means nothing runs.
fn create(ctx: &Ctx, spec: &NetSpec, shim: Option<&Shim>, ifname: &str, address: IpAddr, address6: Option<IpAddr>) -> Result<()> {
    let mut steps = Vec::new();
    if shim.is_none() {
        steps.push(commands::link_add(&ctx.ip, ifname, &spec.parent, spec.driver));
    }
    if shim.and_then(|s| s.address).is_none() {
        steps.push(commands::addr_add(&ctx.ip, ifname, address));
    }
    if let (Some(a6), None) = (address6, shim.and_then(|s| s.address6)) {
        steps.push(commands::addr_add(&ctx.ip, ifname, a6));
    }
    if !shim.is_some_and(|s| s.up) {
        steps.push(commands::link_up(&ctx.ip, ifname));
    }
    let lost = if shim.is_some() { missing_routes(ctx, spec, ifname)? } else { all_routes(spec) };
    for net in lost {
        steps.push(commands::route_add(&ctx.ip, net, ifname));
    }
    let address = match address6 {
        Some(a6) => format!("{address} {a6}"),
        None => address.to_string(),
    };
    if steps.is_empty() {
        ctx.note(format!("the shim {ifname} ({address}) already gives the host access to {}; nothing to do", spec.name));
        return Ok(());
    }
    for step in &steps {
        ctx.runner.change(step)?;
    }
    if !ctx.dry_run() {
        ctx.note(format!("the host reaches the tenants of {} through {ifname} ({address})", spec.name));
    }
    Ok(())
}

/// Removes a network's shim and, with `--yes`, the files that bring it back at boot. A
/// network that is gone still has its shim removed when one can be told by its name.
fn remove(ctx: &Ctx, net: &str, ifname: Option<&str>) -> Result<()> {
    let (found, links) = at_once::two(|| state::resolve_network(ctx, Some(net)), || load_links(ctx));
    let links = links?;
    let left = match found {
        Ok((spec, _)) => leftover::of_network(ctx, &spec, &links, ifname)?,
        // Not a lanctl network (any more): what it left is found by name.
        Err(e) if e.exit == Exit::Usage => {
            let left = leftover::of_gone(ctx, net, &links, ifname)?;
            if left.is_empty() {
                let name = ifname.map(str::to_string).unwrap_or_else(|| default_ifname(net));
                ctx.note(format!(
                    "network {net} does not exist and left no host-access shim (no macvlan/ipvlan link {name}); nothing to do"
                ));
                return Ok(());
            }
            left
        }
        Err(e) => return Err(e),
    };
    if left.is_empty() {
        ctx.note(format!("network {net} has no host-access shim; nothing to do"));
        return Ok(());
    }
    left.check(ctx)?;
    left.remove(ctx)
}

#[derive(Serialize)]
struct Status {
    network: String,
    shim: Option<Shim>,
    routes: Vec<String>,
    missing_routes: Vec<String>,
}

fn status(ctx: &Ctx, spec: &NetSpec, shim: Option<Shim>) -> Result<()> {
    let have = match &shim {
        Some(s) => all_routes_of(ctx, spec, &s.ifname)?,
        None => Vec::new(),
    };
    let missing: Vec<String> = all_routes(spec).into_iter().filter(|n| !have.contains(n)).map(|n| n.to_string()).collect();
    let st = Status {
        network: spec.name.clone(),
        routes: have.iter().map(|n| n.to_string()).collect(),
        missing_routes: missing,
        shim,
    };
    if ctx.json {
        ctx.print_json(&st);
        return Ok(());
    }
    match &st.shim {
        None => crate::exec::out::line(format!(
            "{}: no host-access shim; create one with `lanctl host-access {}`",
            st.network, st.network
        )),
        Some(s) => {
            let mut addr = s.address.map(|a| a.to_string()).unwrap_or_else(|| "no address".to_string());
            if let Some(a6) = s.address6 {
                addr = format!("{addr} {a6}");
            }
            let state = if s.up { "up" } else { "down" };
            crate::exec::out::line(format!("{}: shim {} ({} on {}) {addr}, {state}", st.network, s.ifname, s.kind, s.parent));
            crate::exec::out::line(format!(
                "routes: {}",
                if st.routes.is_empty() { "none".to_string() } else { st.routes.join(" ") }
            ));
            if !st.missing_routes.is_empty() {
                crate::exec::out::line(format!(
                    "missing routes: {}; run `lanctl host-access {}` to add them",
                    st.missing_routes.join(" "),
                    st.network
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;

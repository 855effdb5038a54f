//! `check`'s findings of a network rather than of a tenant: an address of its reserved
//! range that a DHCP server offers (`--dhcp`: the discovers of `doctor --dhcp`, no lease
//! taken), and a host-access shim that was set up to come back at boot but is missing,
//! down, or without its address or a route to the range. Each is a row of its own
//! (`verdict::Status::Dhcp`, `NoShim`), and a problem (exit 1).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::tenants::{Reserved, Tenant};
use super::verdict::{Row, Status};
use crate::exec::at_once;
use crate::exec::error::{Error, Result};
use crate::lan::dhcp;
use crate::shim::{self, persist};
use crate::target::ctx::Ctx;

/// A network finding's row: `name` is the shim's, or the tenant that holds the address.
fn row(r: &Reserved, name: String, address: String, status: Status, detail: String) -> Row {
    Row {
        name,
        network: r.network.clone(),
        address,
        mac: String::new(),
        status,
        answered: false,
        others: Vec::new(),
        parent: r.parent.clone(),
        ready: None,
        detail,
    }
}

/// Every address of a reserved range that a DHCP server offers, one row each, from one
/// exchange per parent (all at once; networks on one parent share it, so one client MAC
/// never talks in two exchanges at once): `dhcp::MAX_REQUESTS` discovers spread over the
/// ranges, offers collected until one falls inside a range, or none came for `dhcp::IDLE`.
/// A parent that does not exist (a VLAN docker has yet to make) is a warning, and so is a
/// parent where no server answered at all.
pub fn dhcp_offers(ctx: &Ctx, reserved: &[Reserved], tenants: &[Tenant]) -> Result<Vec<Row>> {
    let mut parents: Vec<(&str, Vec<&Reserved>)> = Vec::new();
    for r in reserved.iter().filter(|r| r.range.v4().is_some()) {
        match parents.iter_mut().find(|(p, _)| *p == r.parent) {
            Some((_, nets)) => nets.push(r),
            None => parents.push((&r.parent, vec![r])),
        }
    }
    let log = |line: String| {
        if ctx.runner.verbose {
            crate::exec::out::trace(line);
        }
    };
    let found = at_once::each(&parents, |(parent, nets)| {
        let of = |ip: Ipv4Addr| nets.iter().copied().find(|r| r.range.contains(ip.into()));
        let inside = |o: &dhcp::Offer| of(o.yiaddr).is_some();
        let each = (dhcp::MAX_REQUESTS / nets.len()).max(1);
        let requested: Vec<Ipv4Addr> = nets.iter().flat_map(|r| dhcp::sample(r.range, each)).collect();
        let ex = match dhcp::exchange(parent, &requested, (dhcp::IDLE, dhcp::MAX_WAIT), &inside, &log) {
            Ok(ex) => ex,
            Err(e) if e.raw_os_error() == Some(libc::ENODEV) => {
                let names: Vec<&str> = nets.iter().map(|r| r.network.as_str()).collect();
                ctx.note(format!(
                    "warning: check --dhcp: {parent} does not exist, so the DHCP servers of {} were not asked",
                    names.join(", ")
                ));
                return Ok(Vec::new());
            }
            Err(e) => {
                return Err(Error::check(format!("check --dhcp: could not send DHCP discovers on {parent}: {e}"))
                    .hint(format!("check that {parent} is up, or leave out --dhcp")))
            }
        };
        // Silence is no all-clear: the discovers may never have reached a server (another
        // VLAN, no relay), as `doctor --dhcp` warns too.
        if ex.offers.is_empty() {
            ctx.note(format!(
                "warning: check --dhcp: no DHCP server answered {} discovers on {parent} in {} s; {}",
                ex.sent.len(),
                dhcp::IDLE.as_secs(),
                dhcp::unanswered_hint(parent)
            ));
        }
        // One row per address offered inside a range, naming every server that offers it.
        let mut offered: BTreeMap<Ipv4Addr, Vec<Ipv4Addr>> = BTreeMap::new();
        for o in ex.offers.iter().filter(|o| inside(o)) {
            let servers = offered.entry(o.yiaddr).or_default();
            if !servers.contains(&o.server) {
                servers.push(o.server);
            }
        }
        Ok(offered
            .into_iter()
            .filter_map(|(ip, servers)| {
                let r = of(ip)?;
                let servers: Vec<String> = servers.iter().map(ToString::to_string).collect();
                let holder = tenants.iter().find(|t| t.network == r.network && t.ip == Some(ip.into()));
                let held = holder.map(|t| format!("; tenant {} holds it", t.name)).unwrap_or_default();
                let detail = format!(
                    "DHCP server {} offers it on {parent}, inside {}'s reserved range {}{held}: take the range out of the \
                     server's pool",
                    servers.join(", "),
                    r.network,
                    r.range
                );
                Some(row(r, holder.map(|t| t.name.clone()).unwrap_or_default(), ip.to_string(), Status::Dhcp, detail))
            })
            .collect::<Vec<Row>>())
    });
    let mut rows = Vec::new();
    for f in found {
        rows.extend(f?);
    }
    Ok(rows)
}

/// A shim whose boot files (`host-access --persist ... --write`) say the host should reach
/// a network's tenants, but that is not there, is down, or lost its address or a route.
/// Without boot files nothing says a shim is wanted (`doctor` warns of a network without
/// one), and nothing is read.
pub fn missing_shims(ctx: &Ctx, reserved: &[Reserved]) -> Result<Vec<Row>> {
    let files = persist::persisted_on(ctx);
    // Each network's shims, by name, with their boot files.
    let mut wanted: Vec<(&Reserved, String, Vec<String>, Option<Ipv4Addr>)> = Vec::new();
    for f in &files {
        let Some(r) = reserved.iter().find(|r| r.network == f.network) else { continue };
        match wanted.iter_mut().find(|(w, ifname, _, _)| w.network == r.network && *ifname == f.ifname) {
            Some((_, _, paths, address)) => {
                paths.push(f.path.display().to_string());
                *address = address.or(f.address);
            }
            None => wanted.push((r, f.ifname.clone(), vec![f.path.display().to_string()], f.address)),
        }
    }
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let links = shim::load_links(ctx)?;
    let mut rows = Vec::new();
    for (r, ifname, paths, address) in wanted {
        let net = &r.network;
        // The command gives the shim the boot files' address, so that the shim it brings
        // back now is the one the next boot brings back.
        let mut how = format!("lanctl host-access {net}");
        if shim::default_ifname(net) != ifname {
            how.push_str(&format!(" --ifname {ifname}"));
        }
        if let Some(a) = address {
            how.push_str(&format!(" --address {a}"));
        }
        let how = format!("`{how}`");
        let boot = paths.join(", ");
        let detail = match shim::find_shim(&links, &r.spec, Some(&ifname)) {
            Some(s) if s.up && s.address.is_some() => {
                let lost = shim::missing_routes(ctx, &r.spec, &ifname)?;
                if lost.is_empty() {
                    continue;
                }
                let lost: Vec<String> = lost.iter().map(ToString::to_string).collect();
                format!(
                    "shim {ifname} has lost its route to {}: the host cannot reach those tenants; bring it back \
                     with {how}",
                    lost.join(", ")
                )
            }
            Some(s) if !s.up => {
                format!("shim {ifname} is down: the host cannot reach {net}'s tenants; bring it back with {how}")
            }
            Some(_) => format!(
                "shim {ifname} has no address in {}: the host cannot reach {net}'s tenants; bring it back with {how}",
                r.spec.subnet
            ),
            None => format!(
                "shim {ifname} is missing, though its boot files ({boot}) bring it back at boot: the host cannot reach \
                 {net}'s tenants; bring it back with {how}"
            ),
        };
        rows.push(row(r, ifname, String::new(), Status::NoShim, detail));
    }
    Ok(rows)
}

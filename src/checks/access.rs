//! Doctor-only checks about reaching tenants: whether the LAN duplicate-address probe
//! can run, and whether the host can reach the tenants of each lanctl network.

use crate::arping;
use crate::checks::{Check, Status};
use crate::ctx::Ctx;
use crate::hostaccess::{self, find_shim};
use crate::labels;
use crate::model::IpLink;
use crate::netspec::{LanRoute, NetSpec};
use crate::state;

pub fn lan_probe() -> Check {
    match arping::program() {
        Some(p) => Check::new("lan.probe", Status::Ok, format!("{p} probes addresses on the LAN before they are used"), ""),
        None => Check::new(
            "lan.probe",
            Status::Warn,
            "arping is not installed: a LAN device with a static address inside the range would go unnoticed",
            arping::INSTALL_HINT,
        ),
    }
}

/// One check per lanctl network with tenants: warn when the host has no shim on it.
pub fn shims(ctx: &Ctx) -> Vec<Check> {
    let read = || -> crate::error::Result<(Vec<NetSpec>, Vec<String>, Vec<IpLink>)> {
        let nets: Vec<NetSpec> = state::lanctl_networks(ctx)?.iter().filter_map(NetSpec::from_network).collect();
        let tenants = state::containers(ctx, &[format!("label={}", labels::TENANT)])?;
        let with_tenants = tenants.iter().filter_map(|c| c.label(labels::NETWORK).map(str::to_string)).collect();
        Ok((nets, with_tenants, hostaccess::load_links(ctx)?))
    };
    let (nets, with_tenants, links) = match read() {
        Ok(r) => r,
        Err(e) => return vec![Check::new("host-access", Status::Skip, format!("cannot read networks and tenants: {e}"), "")],
    };
    let routes = nets.iter().filter_map(|n| Some((n, n.lan_route(&links)?))).map(|(n, r)| route_check(n, &r));
    let shims = nets.iter().filter(|n| with_tenants.contains(&n.name)).map(|n| {
        let id = format!("host-access.{}", n.name);
        match find_shim(&links, n, None) {
            Some(s) => Check::new(id, Status::Ok, format!("the host reaches the tenants of {} through {}", n.name, s.ifname), ""),
            None => Check::new(
                id,
                Status::Warn,
                format!("network {} has tenants, but this host cannot reach them (no shim on {})", n.name, n.parent),
                format!("run `lanctl host-access {}`", n.name),
            ),
        }
    });
    shims.chain(routes).collect()
}

/// `lan.route.NET` for a routed (ipvlan l3/l3s) network: the LAN reaches its tenants only
/// through a route via the host's address on the parent, so the parent needs one.
fn route_check(n: &NetSpec, r: &LanRoute) -> Check {
    let id = format!("lan.route.{}", n.name);
    let (name, mode, parent) = (&n.name, &n.mode, &n.parent);
    match r.via {
        Some(_) => Check::new(
            id,
            Status::Ok,
            format!("ipvlan {mode} network {name} is routed through this host; the LAN's router needs: {}", r.advice()),
            "",
        ),
        None => Check::new(
            id,
            Status::Warn,
            format!("ipvlan {mode} network {name} is routed through this host, but {parent} has no IPv4 address: nothing on the LAN can reach its tenants"),
            format!("give {parent} an address on the LAN, then add `ip route add {} via THAT_ADDRESS` on the LAN's router", r.subnet),
        ),
    }
}

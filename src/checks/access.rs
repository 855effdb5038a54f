//! Doctor-only checks about reaching tenants: whether the LAN duplicate-address probe
//! can run, and whether the host can reach the tenants of each lanctl network.

use crate::checks::{Check, Status};
use crate::engine::labels;
use crate::engine::model::{Container, IpLink};
use crate::engine::netspec::{LanRoute, NetSpec};
use crate::lan::prober;
use crate::shim::leftover::{self, Orphan};
use crate::shim::{self, find_shim, persist};
use crate::state;
use crate::state::order::{natural, should_run};
use crate::target::ctx::Ctx;

pub fn lan_probe(ctx: &Ctx) -> Check {
    match prober::method(ctx) {
        Ok(prober::Method::Native) => Check::new(
            "lan.probe",
            Status::Ok,
            format!(
                "native ARP probes (RFC 5227, {} per address over {} ms) ask the LAN before an address is used",
                crate::lan::native::PROBE_NUM,
                crate::lan::native::PROBE_WAIT.as_millis()
            ),
            "",
        ),
        Ok(prober::Method::Arping { program, ndisc6: Some(ndisc6), why }) if ctx.transport.is_local() => Check::new(
            "lan.probe",
            Status::Ok,
            format!(
                "{program} probes addresses on the LAN before they are used, and {ndisc6} the IPv6 ones, a second each \
                 when nothing answers ({why})"
            ),
            "",
        ),
        // Only a dual-stack network has IPv6 addresses to probe: said, but no warning.
        Ok(prober::Method::Arping { program, ndisc6: None, why }) if ctx.transport.is_local() => Check::new(
            "lan.probe",
            Status::Ok,
            format!(
                "{program} probes IPv4 addresses on the LAN before they are used, a second each when nothing answers \
                 ({why}); IPv6 ones go unprobed: {}",
                crate::lan::ndisc6::INSTALL_HINT
            ),
            "",
        ),
        Ok(prober::Method::Arping { .. }) => Check::new(
            "lan.probe",
            Status::Skip,
            "not checked on another host: its own arping probes when an address is chosen",
            "",
        ),
        Ok(prober::Method::Unavailable(why)) => Check::new(
            "lan.probe",
            Status::Warn,
            format!("no LAN probe can run: a LAN device with a static address inside the range would go unnoticed ({why})"),
            "run lanctl as root for the native probe, or install iputils' arping (apt-get install iputils-arping)",
        ),
        Err(e) => Check::new("lan.probe", Status::Fail, e.msg.clone(), "set LANCTL_PROBE to native or arping, or unset it"),
    }
}

/// The checks that read the tenants, from one read of networks, tenants and links: one
/// `host-access.NET` per lanctl network with tenants (warn when the host has no shim on
/// it), one `lan.route.NET` per routed network, one `host-access.orphan.IFNAME` per shim
/// or boot file left by a network that is gone, and `tenants.stopped` (warn when a tenant
/// should run but does not).
pub fn shims(ctx: &Ctx) -> Vec<Check> {
    let read = || -> crate::exec::error::Result<(Vec<NetSpec>, Vec<Container>, Vec<IpLink>)> {
        let nets: Vec<NetSpec> = state::lanctl_networks(ctx)?.iter().filter_map(NetSpec::from_network).collect();
        let tenants = state::containers(ctx, &[format!("label={}", labels::TENANT)])?;
        Ok((nets, tenants, shim::load_links(ctx)?))
    };
    let (nets, tenants, links) = match read() {
        Ok(r) => r,
        Err(e) => {
            let why = format!("cannot read networks and tenants: {e}");
            return vec![
                Check::new("host-access", Status::Skip, why.clone(), ""),
                Check::new("tenants.stopped", Status::Skip, why, ""),
            ];
        }
    };
    let with_tenants: Vec<&str> = tenants.iter().filter_map(|c| c.label(labels::NETWORK)).collect();
    let mut checks: Vec<Check> = nets
        .iter()
        .filter(|n| with_tenants.contains(&n.name.as_str()))
        .map(|n| {
            let id = format!("host-access.{}", n.name);
            match find_shim(&links, n, None) {
                Some(s) => {
                    Check::new(id, Status::Ok, format!("the host reaches the tenants of {} through {}", n.name, s.ifname), "")
                }
                None => Check::new(
                    id,
                    Status::Warn,
                    format!("network {} has tenants, but this host cannot reach them (no shim on {})", n.name, n.parent),
                    format!("run `lanctl host-access {}`", n.name),
                ),
            }
        })
        .collect();
    checks.extend(nets.iter().filter_map(|n| Some((n, n.lan_route(&links)?))).map(|(n, r)| route_check(n, &r)));
    let files = persist::persisted_on(ctx);
    checks.extend(leftover::orphans(&nets, &links, &files).iter().map(orphan_check));
    checks.push(stopped(&tenants));
    checks
}

/// `tenants.stopped`: tenants whose restart policy says run but that are exited, as
/// after a daemon crash docker did not recover from.
fn stopped(tenants: &[Container]) -> Check {
    let mut names: Vec<&str> =
        tenants.iter().filter(|c| should_run(&c.host_config.restart_policy.name, &c.state.status)).map(|c| c.name()).collect();
    names.sort_by(|a, b| natural(a, b));
    match names.as_slice() {
        [] => Check::new("tenants.stopped", Status::Ok, "every tenant whose restart policy says run is running", ""),
        [one] => Check::new(
            "tenants.stopped",
            Status::Warn,
            format!("tenant {one} should run but does not (its restart policy says run, yet it is exited)"),
            format!("start it on its own address with `lanctl restart {one}`"),
        ),
        _ => Check::new(
            "tenants.stopped",
            Status::Warn,
            format!(
                "{} tenants should run but do not (their restart policy says run, yet they are exited): {}",
                names.len(),
                names.join(" ")
            ),
            format!("start them on their own addresses with `lanctl restart {}`", names.join(" ")),
        ),
    }
}

/// `host-access.orphan.IFNAME`: a shim, or its boot files, whose network does not exist.
fn orphan_check(o: &Orphan) -> Check {
    let id = format!("host-access.orphan.{}", o.ifname);
    let files = o.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ");
    let of = match &o.network {
        Some(n) => format!("network {n}, which does not exist"),
        None => "no lanctl network".to_string(),
    };
    let mut detail = match &o.shim {
        Some(s) => {
            let addr = s.address.map(|a| format!(", {a}")).unwrap_or_default();
            format!("shim {} ({} on {}{addr}) belongs to {of}", s.ifname, s.kind, s.parent)
        }
        None => format!("boot files for the shim {} of {of}: {files}", o.ifname),
    };
    if o.shim.is_some() && !o.files.is_empty() {
        detail.push_str(&format!("; it comes back at every boot from {files}"));
    }
    let yes = if o.files.is_empty() { "" } else { " --yes" };
    let hint = match &o.network {
        Some(n) if shim::default_ifname(n) == o.ifname => format!("remove it with `lanctl host-access {n} --remove{yes}`"),
        Some(n) => format!("remove it with `lanctl host-access {n} --remove --ifname {}{yes}`", o.ifname),
        None => format!("remove it with `ip link delete {}`", o.ifname),
    };
    Check::new(id, Status::Warn, detail, hint)
}

/// `lan.route.NET` for a routed (ipvlan l3/l3s) network: the LAN reaches its tenants only
/// through a route via the host's address on the parent, so the parent needs one.
fn route_check(n: &NetSpec, r: &LanRoute) -> Check {
    let id = format!("lan.route.{}", n.name);
    let (name, mode, parent) = (&n.name, &n.mode, &n.parent);
    match (r.via, r.ipv6.as_ref().map(|r6| (r6.subnet, r6.via))) {
        (Some(_), Some((subnet6, None))) => Check::new(
            id,
            Status::Warn,
            format!(
                "ipvlan {mode} network {name} is routed through this host, but {parent} has no global IPv6 address: \
                 nothing on the LAN can reach its tenants over IPv6 (IPv4: {})",
                r.advice()
            ),
            format!("give {parent} an IPv6 address on the LAN, then add `ip -6 route add {subnet6} via THAT_ADDRESS` on the LAN's router"),
        ),
        (Some(_), _) => {
            let six = r.advice6().map(|a| format!(" and {a}")).unwrap_or_default();
            Check::new(
                id,
                Status::Ok,
                format!("ipvlan {mode} network {name} is routed through this host; the LAN's router needs: {}{six}", r.advice()),
                "",
            )
        }
        (None, _) => Check::new(
            id,
            Status::Warn,
            format!("ipvlan {mode} network {name} is routed through this host, but {parent} has no IPv4 address: nothing on the LAN can reach its tenants"),
            format!("give {parent} an address on the LAN, then add `ip route add {} via THAT_ADDRESS` on the LAN's router", r.subnet),
        ),
    }
}

//! Doctor-only checks about reaching tenants: whether the LAN duplicate-address probe
//! can run, and whether the host can reach the tenants of each lanctl network.

use crate::arping;
use crate::checks::{Check, Status};
use crate::ctx::Ctx;
use crate::hostaccess::{self, find_shim};
use crate::labels;
use crate::model::{Container, IpLink};
use crate::netspec::NetSpec;
use crate::state;
use crate::tenant::ls::{natural, should_run};

pub fn lan_probe(ctx: &Ctx) -> Check {
    if !ctx.transport.is_local() {
        return Check::new(
            "lan.probe",
            Status::Skip,
            "not checked on another host: its own arping probes when an address is chosen",
            "",
        );
    }
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

/// The checks that read the tenants, from one read of networks, tenants and links: one
/// `host-access.NET` per lanctl network with tenants (warn when the host has no shim on
/// it), and `tenants.stopped` (warn when a tenant should run but does not).
pub fn shims(ctx: &Ctx) -> Vec<Check> {
    let read = || -> crate::error::Result<(Vec<NetSpec>, Vec<Container>, Vec<IpLink>)> {
        let nets: Vec<NetSpec> = state::lanctl_networks(ctx)?.iter().filter_map(NetSpec::from_network).collect();
        let tenants = state::containers(ctx, &[format!("label={}", labels::TENANT)])?;
        Ok((nets, tenants, hostaccess::load_links(ctx)?))
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

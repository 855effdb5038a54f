//! The gratuitous ARP after a start, from the MACs docker gave the tenants: native only,
//! never in a dry run, and a failure only warns.

use std::net::IpAddr;

use crate::engine::model::Container;
use crate::engine::netspec::{Driver, NetSpec};
use crate::lan::arp::Mac;
use crate::target::ctx::Ctx;

/// Announces the addresses of tenants that just started, from the MACs docker gave them
/// (one read for the batch), with `arping::announce`: native only, never in a dry run, a
/// failure only warns. Skipped with a note under `-v` where it cannot run.
pub fn announce(ctx: &Ctx, net: &NetSpec, names: &[&str]) {
    if announcing(ctx, names) {
        announce_read(ctx, net, names);
    }
}

/// Like `announce` for tenants of the network named `network` (`update`, which knows only
/// the name): the network's parent is read only when the announcement can run.
pub fn announce_on(ctx: &Ctx, network: &str, names: &[&str]) {
    if !announcing(ctx, names) {
        return;
    }
    match crate::state::resolve_network(ctx, Some(network)) {
        Ok((net, _)) => announce_read(ctx, &net, names),
        Err(e) => ctx.note(format!("warning: cannot read network {network} to announce {}: {e}", names.join(" "))),
    }
}

pub fn announcing(ctx: &Ctx, names: &[&str]) -> bool {
    if ctx.dry_run() || names.is_empty() {
        return false;
    }
    match crate::lan::prober::cannot_announce(ctx) {
        None => true,
        Some(why) => {
            if ctx.runner.verbose {
                ctx.note(format!("no ARP announcement for {}: {why}", names.join(" ")));
            }
            false
        }
    }
}

fn announce_read(ctx: &Ctx, net: &NetSpec, names: &[&str]) {
    let containers = match crate::state::containers_named(ctx, names) {
        Ok(c) => c,
        Err(e) => return ctx.note(format!("warning: cannot read the MACs of {} to announce them: {e}", names.join(" "))),
    };
    let parent_mac = if net.driver == Driver::Ipvlan { crate::lan::prober::mac_of(&net.parent) } else { None };
    crate::lan::prober::announce(ctx, &net.parent, &announced(net, &containers, parent_mac));
}

/// The `(address, MAC)` pairs to announce for tenants on `net`: each address at the MAC
/// docker gave the tenant, or on ipvlan at `parent_mac`, since ipvlan tenants all use the
/// parent's MAC and docker does not report it (Engine 20.10 leaves an ipvlan endpoint's
/// MAC empty, which left ipvlan tenants unannounced). A dual-stack tenant's IPv6 address
/// is at the same MAC (an unsolicited NA for it).
fn announced(net: &NetSpec, containers: &[Container], parent_mac: Option<Mac>) -> Vec<(IpAddr, Mac)> {
    containers
        .iter()
        .filter_map(|c| {
            let ep = c.network_settings.networks.get(&net.name)?;
            let mac = if net.driver == Driver::Ipvlan { parent_mac? } else { ep.mac_address.parse().ok()? };
            Some(std::iter::once((c.address_on(&net.name)?, mac)).chain(c.address6_on(&net.name).map(|a| (a, mac))))
        })
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::{Network, NetworkContainer, PsLine};
    use crate::engine::netspec::AddrRange;

    /// Network `lan` of `driver` on the documentation subnet.
    fn sample_spec(driver: Driver) -> NetSpec {
        NetSpec {
            name: "lan".into(),
            driver,
            parent: "enp0s3".into(),
            subnet: "192.0.2.0/24".parse().unwrap(),
            gateway: "192.0.2.1".parse().unwrap(),
            range: AddrRange::parse("192.0.2.100-192.0.2.131").unwrap(),
            docker_range: "192.0.2.96/27".parse().unwrap(),
            mode: if driver == Driver::Macvlan { "bridge" } else { "l2" }.into(),
            aux: Vec::new(),
            reservation: None,
            config_only: false,
            v6: None,
        }
    }

    /// A running tenant as `docker ps` and the network's inspect show it, with docker's MAC
    /// for it (empty for an ipvlan endpoint on Engine 20.10).
    fn tenant(ip6: &str, mac: &str) -> Container {
        let line = PsLine { id: "0e31".into(), names: "room-1".into(), state: "running".into(), ..Default::default() };
        let ep = NetworkContainer { name: "room-1".into(), ipv4: "192.0.2.100/24".into(), ipv6: ip6.into(), mac: mac.into() };
        let net = Network { name: "lan".into(), containers: [("0e31".to_string(), ep)].into(), ..Default::default() };
        Container::from_ps(&line, &net).unwrap()
    }

    fn pairs(list: &[(IpAddr, Mac)]) -> Vec<String> {
        list.iter().map(|(ip, mac)| format!("{ip} {mac}")).collect()
    }

    #[test]
    fn a_macvlan_tenants_addresses_are_announced_at_the_mac_docker_gave_it() {
        let c = tenant("2001:db8:51:100::100/64", "02:42:c0:00:02:64");
        let parent: Mac = "e6:de:02:8f:df:55".parse().unwrap();
        assert_eq!(
            pairs(&announced(&sample_spec(Driver::Macvlan), &[c], Some(parent))),
            ["192.0.2.100 02:42:c0:00:02:64", "2001:db8:51:100::100 02:42:c0:00:02:64"]
        );
    }

    #[test]
    fn an_ipvlan_tenants_addresses_are_announced_at_the_parents_mac_which_docker_does_not_report() {
        let c = tenant("2001:db8:51:100::100/64", "");
        let parent: Mac = "e6:de:02:8f:df:55".parse().unwrap();
        assert_eq!(
            pairs(&announced(&sample_spec(Driver::Ipvlan), std::slice::from_ref(&c), Some(parent))),
            ["192.0.2.100 e6:de:02:8f:df:55", "2001:db8:51:100::100 e6:de:02:8f:df:55"]
        );
        // The parent's MAC unread: nothing to announce, rather than a wrong MAC.
        assert!(announced(&sample_spec(Driver::Ipvlan), &[c], None).is_empty());
    }
}

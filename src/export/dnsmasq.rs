//! `export dnsmasq`: a file for dnsmasq's conf-dir. Each tenant with a MAC of its own gets a
//! `dhcp-host=MAC,IP,NAME` (dnsmasq then never leases that address to another device, and
//! answers the tenant itself with it), and every tenant a `host-record=NAME,IP` (its name
//! resolves whether or not it ever asks for a lease, which a tenant with a static address
//! never does). A tenant without a MAC of its own gets the host-record alone, with a
//! comment saying why.

use super::list::Export;

pub fn render(e: &Export) -> String {
    let mut out = format!("# lanctl export dnsmasq: {}\n", e.describe());
    out.push_str(&format!(
        "# Keep {} out of every dhcp-range's dynamic pool: the tenants set these addresses themselves.\n",
        e.reserved()
    ));
    for t in &e.entries {
        match (&t.mac, t.no_mac) {
            (Some(mac), _) => out.push_str(&format!("dhcp-host={mac},{},{}\n", t.address, t.name)),
            (None, Some(why)) => out.push_str(&format!("# {}: no dhcp-host, {}\n", t.name, why.why(&e.parent))),
            (None, None) => {}
        }
        out.push_str(&format!("host-record={},{}\n", t.name, t.address));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::netspec::Driver;
    use crate::export::list::tests::sample;

    #[test]
    fn dhcp_host_and_host_record_lines_by_address() {
        assert_eq!(
            render(&sample(Driver::Macvlan)),
            "# lanctl export dnsmasq: network lan (macvlan bridge on enp0s3, subnet 192.0.2.0/24, range \
             192.0.2.100-192.0.2.131), read 2026-12-07T09:00:00Z\n\
             # Keep 192.0.2.100-192.0.2.131 out of every dhcp-range's dynamic pool: the tenants set these addresses themselves.\n\
             dhcp-host=f6:0a:c0:00:02:65,192.0.2.101,room-2\n\
             host-record=room-2,192.0.2.101\n\
             dhcp-host=f6:0a:c0:00:02:6e,192.0.2.110,room-10\n\
             host-record=room-10,192.0.2.110\n\
             # old: no dhcp-host, docker reports no MAC for it and none is pinned (stopped, made before lanctl pinned \
             MACs); start it and export again\n\
             host-record=old,192.0.2.120\n"
        );
    }

    #[test]
    fn ipvlan_tenants_get_a_host_record_only() {
        let text = render(&sample(Driver::Ipvlan));
        assert!(!text.contains("dhcp-host="), "{text}");
        assert!(
            text.ends_with(
                "# room-2: no dhcp-host, ipvlan shares the parent's MAC (enp0s3), so a reservation for it would go to the host\n\
                 host-record=room-2,192.0.2.101\n\
                 # room-10: no dhcp-host, ipvlan shares the parent's MAC (enp0s3), so a reservation for it would go to the host\n\
                 host-record=room-10,192.0.2.110\n\
                 # old: no dhcp-host, ipvlan shares the parent's MAC (enp0s3), so a reservation for it would go to the host\n\
                 host-record=old,192.0.2.120\n"
            ),
            "{text}"
        );
    }
}

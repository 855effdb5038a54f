//! The `ip` lines that make, inspect and remove a host-access shim. Pure builders.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::engine::ip::Ip;
use crate::engine::netspec::Driver;
use crate::exec::cmd::{Change, Query};

/// Every interface with link details and addresses: the shim is found by what it is
/// (a macvlan/ipvlan child of the parent with an address in the subnet), not by a name.
pub fn addr_show_details(i: &Ip) -> Query {
    i.query(i.cmd().args(["-j", "-d", "addr", "show"]))
}

pub fn routes_of(i: &Ip, dev: &str) -> Query {
    i.query(i.cmd().args(["-j", "route", "show", "dev", dev]))
}

/// The IPv6 routes of `dev`: `ip route show` lists IPv4 ones alone.
pub fn routes6_of(i: &Ip, dev: &str) -> Query {
    i.query(i.cmd().args(["-6", "-j", "route", "show", "dev", dev]))
}

/// A shim of the same kind as the network: macvlan bridge, or ipvlan l2.
/// The shim's link kind and mode for a network's driver: the one table both the live
/// shim and its boot-time configuration read.
pub fn kind_mode(driver: Driver) -> (&'static str, &'static str) {
    match driver {
        Driver::Macvlan => ("macvlan", "bridge"),
        Driver::Ipvlan => ("ipvlan", "l2"),
    }
}

pub fn link_add(i: &Ip, shim: &str, parent: &str, driver: Driver) -> Change {
    let (kind, mode) = kind_mode(driver);
    i.change(i.cmd().args(["link", "add", shim, "link", parent, "type", kind, "mode", mode]))
}

/// The address alone, as a host route of its family (`/32`, `/128`).
pub fn addr_add(i: &Ip, shim: &str, addr: IpAddr) -> Change {
    i.change(i.cmd().args(["addr", "add", &IpNet::from(addr).to_string(), "dev", shim]))
}

pub fn link_up(i: &Ip, shim: &str) -> Change {
    i.change(i.cmd().args(["link", "set", shim, "up"]))
}

/// A route to part of the range, `ip -6 route` for an IPv6 block (the family said, as
/// the kernel's tables are per family).
pub fn route_add(i: &Ip, net: IpNet, shim: &str) -> Change {
    let family: &[&str] = if net.addr().is_ipv6() { &["-6"] } else { &[] };
    i.change(i.cmd().args(family.iter().copied()).args(["route", "add", &net.to_string(), "dev", shim]))
}

/// Deleting the link takes its address and routes with it.
pub fn link_del(i: &Ip, shim: &str) -> Change {
    i.change(i.cmd().args(["link", "delete", shim]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_shim_lines() {
        let i = Ip::new("ip");
        assert_eq!(
            link_add(&i, "lc-lan", "enp0s3", Driver::Macvlan).to_string(),
            "ip link add lc-lan link enp0s3 type macvlan mode bridge"
        );
        assert_eq!(
            link_add(&i, "lc-lan", "enp0s3", Driver::Ipvlan).to_string(),
            "ip link add lc-lan link enp0s3 type ipvlan mode l2"
        );
        assert_eq!(
            addr_add(&i, "lc-lan", "192.168.23.254".parse().unwrap()).to_string(),
            "ip addr add 192.168.23.254/32 dev lc-lan"
        );
        assert_eq!(link_up(&i, "lc-lan").to_string(), "ip link set lc-lan up");
        assert_eq!(
            route_add(&i, "192.168.23.96/27".parse().unwrap(), "lc-lan").to_string(),
            "ip route add 192.168.23.96/27 dev lc-lan"
        );
        assert_eq!(
            addr_add(&i, "lc-lan", "2001:db8:51:100::ffff".parse().unwrap()).to_string(),
            "ip addr add 2001:db8:51:100::ffff/128 dev lc-lan"
        );
        assert_eq!(
            route_add(&i, "2001:db8:51:100::100/120".parse().unwrap(), "lc-lan").to_string(),
            "ip -6 route add 2001:db8:51:100::100/120 dev lc-lan"
        );
        assert_eq!(routes6_of(&i, "lc-lan").to_string(), "ip -6 -j route show dev lc-lan");
        assert_eq!(link_del(&i, "lc-lan").to_string(), "ip link delete lc-lan");
        assert_eq!(addr_show_details(&i).to_string(), "ip -j -d addr show");
    }
}

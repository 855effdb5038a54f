//! Pure builders for `ip` (iproute2) commands. Reads use `-j` so they parse as JSON.

use crate::cmd::{Change, Cmd, Query};

#[derive(Clone, Debug)]
pub struct Ip {
    pub program: String,
}

impl Ip {
    pub fn new(program: impl Into<String>) -> Self {
        Ip { program: program.into() }
    }

    fn cmd(&self) -> Cmd {
        Cmd::new(&self.program)
    }

    /// Every interface with its addresses.
    pub fn addr_show(&self) -> Query {
        self.cmd().args(["-j", "addr", "show"]).query()
    }

    /// One interface with its addresses.
    pub fn addr_show_dev(&self, dev: &str) -> Query {
        self.cmd().args(["-j", "addr", "show", "dev", dev]).query()
    }

    /// One interface with link details (kind, lower device).
    pub fn link_show(&self, dev: &str) -> Query {
        self.cmd().args(["-j", "-d", "link", "show", "dev", dev]).query()
    }

    pub fn route_show(&self) -> Query {
        self.cmd().args(["-j", "route", "show"]).query()
    }

    pub fn netns_add(&self, ns: &str) -> Change {
        self.cmd().args(["netns", "add", ns]).change()
    }

    pub fn netns_del(&self, ns: &str) -> Change {
        self.cmd().args(["netns", "delete", ns]).change()
    }

    /// `ip [-n NS] link add NAME type veth peer name PEER`
    pub fn veth_add(&self, ns: Option<&str>, name: &str, peer: &str) -> Change {
        self.cmd().opt("-n", ns).args(["link", "add", name, "type", "veth", "peer", "name", peer]).change()
    }

    /// `ip [-n NS] link add NAME link PARENT type KIND mode MODE` (macvlan, ipvlan).
    pub fn sublink_add(&self, ns: Option<&str>, name: &str, parent: &str, kind: &str, mode: &str) -> Change {
        self.cmd().opt("-n", ns).args(["link", "add", name, "link", parent, "type", kind, "mode", mode]).change()
    }

    /// `ip [-n NS] link add link PARENT name NAME type vlan id VID`
    pub fn vlan_add(&self, ns: Option<&str>, name: &str, parent: &str, vid: u16) -> Change {
        self.cmd()
            .opt("-n", ns)
            .args(["link", "add", "link", parent, "name", name, "type", "vlan", "id"])
            .arg(vid.to_string())
            .change()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_probe_lines() {
        let ip = Ip::new("ip");
        assert_eq!(ip.veth_add(Some("ns1"), "a", "b").to_string(), "ip -n ns1 link add a type veth peer name b");
        assert_eq!(
            ip.sublink_add(Some("ns1"), "p", "a", "ipvlan", "l2").to_string(),
            "ip -n ns1 link add p link a type ipvlan mode l2"
        );
        assert_eq!(ip.vlan_add(None, "a.5", "a", 5).to_string(), "ip link add link a name a.5 type vlan id 5");
        assert_eq!(ip.addr_show().to_string(), "ip -j addr show");
        assert_eq!(ip.addr_show_dev("eth0").to_string(), "ip -j addr show dev eth0");
        assert_eq!(ip.link_show("eth0.10").to_string(), "ip -j -d link show dev eth0.10");
        assert_eq!(ip.netns_add("lanctl-probe-1-0").to_string(), "ip netns add lanctl-probe-1-0");
        assert_eq!(ip.netns_del("lanctl-probe-1-0").to_string(), "ip netns delete lanctl-probe-1-0");
    }
}

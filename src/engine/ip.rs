//! Pure builders for `ip` (iproute2) commands. Reads use `-j` so they parse as JSON.
//! Every command is for the host lanctl drives: its transport wraps it (in `ssh` for
//! another host), so callers never see a bare local `ip` for a remote host.

use crate::exec::cmd::{Change, Cmd, Query};
use crate::exec::transport::Transport;

#[derive(Clone, Debug)]
pub struct Ip {
    pub program: String,
    pub transport: Transport,
}

impl Ip {
    /// `ip` on this machine.
    pub fn new(program: impl Into<String>) -> Self {
        Ip::on(program, Transport::Local)
    }

    /// `ip` on the host `transport` reaches.
    pub fn on(program: impl Into<String>, transport: Transport) -> Self {
        Ip { program: program.into(), transport }
    }

    pub fn cmd(&self) -> Cmd {
        Cmd::new(&self.program)
    }

    /// `cmd` as a read on the host.
    pub fn query(&self, cmd: Cmd) -> Query {
        self.transport.wrap(cmd).query()
    }

    /// `cmd` as a change of the host.
    pub fn change(&self, cmd: Cmd) -> Change {
        self.transport.wrap(cmd).change()
    }

    /// Every interface with its addresses.
    pub fn addr_show(&self) -> Query {
        self.query(self.cmd().args(["-j", "addr", "show"]))
    }

    /// One interface with its addresses.
    pub fn addr_show_dev(&self, dev: &str) -> Query {
        self.query(self.cmd().args(["-j", "addr", "show", "dev", dev]))
    }

    /// One interface with its IPv6 addresses alone (`[]` when it has none).
    pub fn addr6_show_dev(&self, dev: &str) -> Query {
        self.query(self.cmd().args(["-j", "-6", "addr", "show", "dev", dev]))
    }

    /// One interface with link details (kind, lower device).
    pub fn link_show(&self, dev: &str) -> Query {
        self.query(self.cmd().args(["-j", "-d", "link", "show", "dev", dev]))
    }

    pub fn route_show(&self) -> Query {
        self.query(self.cmd().args(["-j", "route", "show"]))
    }

    pub fn netns_add(&self, ns: &str) -> Change {
        self.change(self.cmd().args(["netns", "add", ns]))
    }

    pub fn netns_del(&self, ns: &str) -> Change {
        self.change(self.cmd().args(["netns", "delete", ns]))
    }

    /// `ip [-n NS] link add NAME type veth peer name PEER`
    pub fn veth_add(&self, ns: Option<&str>, name: &str, peer: &str) -> Change {
        self.change(self.cmd().opt("-n", ns).args(["link", "add", name, "type", "veth", "peer", "name", peer]))
    }

    /// `ip [-n NS] link add NAME link PARENT type KIND mode MODE` (macvlan, ipvlan).
    pub fn sublink_add(&self, ns: Option<&str>, name: &str, parent: &str, kind: &str, mode: &str) -> Change {
        self.change(self.cmd().opt("-n", ns).args(["link", "add", name, "link", parent, "type", kind, "mode", mode]))
    }

    /// `ip link add NAME link PARENT netns PID up type KIND mode MODE`: a macvlan or
    /// ipvlan child of `parent` made straight inside the network namespace of task `pid`
    /// (a thread of lanctl's own, `lan::observer`), up at once. It never exists in the
    /// host's namespace, and it goes with that namespace, which goes with lanctl: nothing
    /// of it outlives the run, so it is a read, like the LAN probe it serves.
    pub fn observer_add(&self, name: &str, parent: &str, pid: u32, kind: &str, mode: &str) -> Query {
        self.query(
            self.cmd()
                .args(["link", "add", name, "link", parent, "netns"])
                .arg(pid.to_string())
                .args(["up", "type", kind, "mode", mode]),
        )
    }

    /// `ip [-n NS] link add link PARENT name NAME type vlan id VID`
    pub fn vlan_add(&self, ns: Option<&str>, name: &str, parent: &str, vid: u16) -> Change {
        self.change(
            self.cmd()
                .opt("-n", ns)
                .args(["link", "add", "link", parent, "name", name, "type", "vlan", "id"])
                .arg(vid.to_string()),
        )
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
        assert_eq!(ip.addr6_show_dev("eth0").to_string(), "ip -j -6 addr show dev eth0");
        assert_eq!(ip.link_show("eth0.10").to_string(), "ip -j -d link show dev eth0.10");
        assert_eq!(ip.netns_add("lanctl-probe-1-0").to_string(), "ip netns add lanctl-probe-1-0");
        assert_eq!(ip.netns_del("lanctl-probe-1-0").to_string(), "ip netns delete lanctl-probe-1-0");
        assert_eq!(
            ip.observer_add("lanctl-obs", "enp0s3", 4242, "macvlan", "bridge").to_string(),
            "ip link add lanctl-obs link enp0s3 netns 4242 up type macvlan mode bridge"
        );
    }
}

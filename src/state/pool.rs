//! The address pool of one network: which addresses of the subnet are held, by whom,
//! and which of the reserved range are free. Pure: it is built from state read earlier.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

use crate::engine::model::Container;
use crate::engine::netspec::{AddrRange, NetSpec};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Holder {
    /// Network, broadcast, gateway or an aux address.
    Reserved { what: String },
    /// An address of the host itself, on the named interface (a host-access shim too).
    Host { ifname: String },
    /// A container attached to the network, running or stopped.
    Container { name: String, state: String },
    /// A device on the LAN that answered the duplicate-address probe.
    Lan { mac: String },
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holder::Reserved { what } => write!(f, "the {what}"),
            Holder::Host { ifname } => write!(f, "the host ({ifname})"),
            Holder::Container { name, state } => write!(f, "container {name} ({state})"),
            Holder::Lan { mac } => write!(f, "a LAN device ({mac})"),
        }
    }
}

/// A container attached to a network, with the address it holds there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attached {
    pub name: String,
    pub state: String,
    pub ip: IpAddr,
    /// On a dual-stack network: its IPv6 address there.
    pub ip6: Option<IpAddr>,
    /// Its MAC there, lower case (empty when docker does not say).
    pub mac: String,
}

impl Attached {
    /// The attachments of inspected containers to `network`.
    pub fn of(containers: &[Container], network: &str) -> Vec<Attached> {
        containers
            .iter()
            .filter_map(|c| {
                let mac =
                    c.network_settings.networks.get(network).map(|e| e.mac_address.to_ascii_lowercase()).unwrap_or_default();
                Some(Attached {
                    ip: c.address_on(network)?,
                    ip6: c.address6_on(network),
                    name: c.name().to_string(),
                    state: c.state.status.clone(),
                    mac,
                })
            })
            .collect()
    }
}

#[derive(Clone, Debug)]
pub struct Pool {
    pub spec: NetSpec,
    pub held: BTreeMap<IpAddr, Holder>,
    /// The MACs containers have on the network, lower case, with who has each.
    pub macs: BTreeMap<String, String>,
    /// The slice of the range a cluster's IPAM hands out (`export cni|k8s --slice`, recorded
    /// on the network's cluster record): never given to a Docker tenant.
    pub cluster: Option<AddrRange>,
}

impl Pool {
    /// Builds the pool from the network's spec, every container attached to it (running
    /// or stopped) and the host's own addresses.
    pub fn new(spec: &NetSpec, containers: &[Container], host: &[(IpAddr, String)]) -> Pool {
        Pool::of(spec, &Attached::of(containers, &spec.name), host)
    }

    /// Like `new`, from attachments already read.
    pub fn of(spec: &NetSpec, attached: &[Attached], host: &[(IpAddr, String)]) -> Pool {
        let mut held = BTreeMap::new();
        for (ip, what) in spec.reserved() {
            held.insert(ip, Holder::Reserved { what });
        }
        let v6 = spec.v6.as_ref().map(|v| v.subnet);
        for (ip, ifname) in host.iter().filter(|(ip, _)| spec.subnet.contains(ip) || v6.is_some_and(|s| s.contains(ip))) {
            held.entry(*ip).or_insert(Holder::Host { ifname: ifname.clone() });
        }
        let mut macs = BTreeMap::new();
        for a in attached {
            for ip in std::iter::once(a.ip).chain(a.ip6) {
                held.entry(ip).or_insert(Holder::Container { name: a.name.clone(), state: a.state.clone() });
            }
            if !a.mac.is_empty() {
                macs.insert(a.mac.clone(), a.name.clone());
            }
        }
        Pool { spec: spec.clone(), held, macs, cluster: None }
    }

    /// The pool with `slice` given to a cluster (`state::cluster_slice`): its addresses
    /// are no Docker tenant's, free or not.
    pub fn with_cluster(mut self, slice: Option<AddrRange>) -> Pool {
        self.cluster = slice;
        self
    }

    fn in_cluster(&self, ip: IpAddr) -> bool {
        self.cluster.is_some_and(|c| c.contains(ip))
    }

    /// Free addresses of the reserved range, lowest first.
    pub fn free(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.spec.range.iter().filter(|ip| !self.held.contains_key(ip) && !self.in_cluster(*ip))
    }

    /// Free addresses of the reserved IPv6 range of a dual-stack network, lowest first
    /// (none on an IPv4-only one).
    pub fn free6(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.spec.v6.iter().flat_map(|v| v.range.iter()).filter(|ip| !self.held.contains_key(ip))
    }

    pub fn free_count(&self) -> u64 {
        self.free().count() as u64
    }

    /// How many addresses of the range a tenant could ever get: the range less its network,
    /// broadcast, gateway and aux addresses and the host's own (a /25 range of 128 holds
    /// 125). Containers and LAN devices only borrow theirs.
    pub fn usable(&self) -> u128 {
        let never =
            self.used_in_range().filter(|(_, h)| matches!(h, Holder::Reserved { .. } | Holder::Host { .. })).count() as u128;
        // The cluster's addresses that are not already counted above.
        let cluster = self.cluster.map_or(0, |c| {
            self.spec.range.iter().filter(|ip| c.contains(*ip)).filter(|ip| !self.held.contains_key(ip)).count() as u128
        });
        self.spec.range.len() - never - cluster
    }

    /// Held addresses that lie inside the reserved range.
    pub fn used_in_range(&self) -> impl Iterator<Item = (&IpAddr, &Holder)> {
        self.held.iter().filter(|(ip, _)| self.spec.range.contains(**ip))
    }

    /// Marks an address as taken, for allocating several addresses in one plan.
    pub fn take(&mut self, ip: IpAddr, name: &str) {
        self.held.insert(ip, Holder::Container { name: name.to_string(), state: "planned".to_string() });
    }

    /// Marks an address that a LAN device answered for.
    pub fn take_lan(&mut self, ip: IpAddr, mac: &str) {
        self.held.insert(ip, Holder::Lan { mac: mac.to_string() });
    }

    /// Why `ip` cannot be given to a tenant, if it cannot.
    pub fn refuse(&self, ip: IpAddr) -> Option<String> {
        // The subnet of the address's family.
        let subnet = match (ip, &self.spec.v6) {
            (IpAddr::V6(_), Some(v6)) if self.spec.subnet.addr().is_ipv4() => v6.subnet,
            _ => self.spec.subnet,
        };
        if !subnet.contains(&ip) {
            return Some(format!("{ip} is outside the subnet {subnet} of network {}", self.spec.name));
        }
        if let Some(h) = self.held.get(&ip) {
            return Some(format!("{ip} is held by {h} on network {}", self.spec.name));
        }
        let name = &self.spec.name;
        self.cluster.filter(|c| c.contains(ip)).map(|c| {
            format!("{ip} is in the cluster slice {c} of network {name} (lanctl export cni|k8s), which no Docker tenant gets")
        })
    }

    /// The message for an exhausted range, naming it and its size.
    pub fn exhausted(&self) -> String {
        format!(
            "no free address in the range {} ({} usable of {} addresses) of network {}; remove a tenant with \
             `lanctl down`, or create a network with a larger --ip-range",
            self.spec.range,
            self.usable(),
            self.spec.range.len(),
            self.spec.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::netspec::{parse_range_alone, validate, Driver, NetInput};

    fn spec(range: &str, aux: &[String]) -> NetSpec {
        let mut s = validate(&NetInput {
            name: "lan",
            driver: Driver::Macvlan,
            parent: "veth0",
            subnet: "198.51.100.0/24",
            gateway: "198.51.100.1",
            ip_range: "198.51.100.250-198.51.100.251",
            mode: None,
            aux,
            vlan: None,
            v6: None,
        })
        .unwrap();
        // A network made by hand may hold its gateway in its range, which validate refuses.
        (s.range, s.docker_range) = parse_range_alone(range).unwrap();
        s
    }

    fn container(name: &str, ip: &str, state: &str) -> Container {
        crate::engine::model::parse(
            "t",
            &format!(
                r#"{{"Name":"/{name}","State":{{"Status":"{state}"}},"NetworkSettings":{{"Networks":{{"lan":{{"IPAMConfig":{{"IPv4Address":"{ip}"}},"IPAddress":""}}}}}}}}"#
            ),
        )
        .unwrap()
    }

    #[test]
    fn the_cluster_slice_is_never_free_nor_usable_and_refused_by_name() {
        let s = spec("198.51.100.0-198.51.100.7", &[]);
        let cs = [container("t1", "198.51.100.5", "running")];
        let p = Pool::new(&s, &cs, &[]).with_cluster(AddrRange::parse("198.51.100.4-198.51.100.6"));
        let free: Vec<String> = p.free().map(|ip| ip.to_string()).collect();
        assert_eq!(free, ["198.51.100.2", "198.51.100.3", "198.51.100.7"]);
        // 8 less the network address, the gateway and the slice's .4 and .6; .5 is t1's, which
        // a container only borrows, so the slice costs what is not held otherwise.
        assert_eq!(p.usable(), 4);
        assert_eq!(
            p.refuse("198.51.100.4".parse().unwrap()).unwrap(),
            "198.51.100.4 is in the cluster slice 198.51.100.4-198.51.100.6 of network lan (lanctl export cni|k8s), which no \
             Docker tenant gets"
        );
        assert_eq!(
            p.refuse("198.51.100.5".parse().unwrap()).unwrap(),
            "198.51.100.5 is held by container t1 (running) on network lan"
        );
    }

    #[test]
    fn skips_gateway_aux_host_and_stopped_holders() {
        let aux = vec!["printer=198.51.100.2".to_string()];
        let s = spec("198.51.100.0-198.51.100.7", &aux);
        let cs = [container("t1", "198.51.100.3", "exited"), container("t2", "198.51.100.5", "running")];
        let host = [("198.51.100.4".parse().unwrap(), "shim0".to_string()), ("192.0.2.2".parse().unwrap(), "eth0".into())];
        let p = Pool::new(&s, &cs, &host);
        let free: Vec<String> = p.free().map(|ip| ip.to_string()).collect();
        assert_eq!(free, ["198.51.100.6", "198.51.100.7"]);
        assert_eq!(
            p.refuse("198.51.100.3".parse().unwrap()).unwrap(),
            "198.51.100.3 is held by container t1 (exited) on network lan"
        );
        assert_eq!(p.refuse("198.51.100.4".parse().unwrap()).unwrap(), "198.51.100.4 is held by the host (shim0) on network lan");
        assert_eq!(p.refuse("198.51.100.1".parse().unwrap()).unwrap(), "198.51.100.1 is held by the gateway on network lan");
        assert!(p.refuse("198.51.101.1".parse().unwrap()).unwrap().contains("outside the subnet"));
        assert_eq!(p.refuse("198.51.100.200".parse().unwrap()), None);
    }

    #[test]
    fn exhaustion_names_the_range_and_its_size() {
        let s = spec("198.51.100.10-198.51.100.11", &[]);
        let mut p = Pool::new(&s, &[container("t1", "198.51.100.10", "running")], &[]);
        p.take("198.51.100.11".parse().unwrap(), "t2");
        assert_eq!(p.free().next(), None);
        assert_eq!(
            p.exhausted(),
            "no free address in the range 198.51.100.10-198.51.100.11 (2 usable of 2 addresses) of network lan; \
             remove a tenant with `lanctl down`, or create a network with a larger --ip-range"
        );
    }

    #[test]
    fn an_ipv6_pool_is_searched_not_listed() {
        // No input makes one yet (IPv6 is refused with exit 2); the pool already holds it.
        let subnet: ipnet::IpNet = "2001:db8::/64".parse().unwrap();
        let s = NetSpec {
            gateway: "2001:db8::1".parse().unwrap(),
            range: crate::engine::netspec::AddrRange::of_net(subnet),
            docker_range: subnet,
            subnet,
            aux: Vec::new(),
            ..spec("198.51.100.0-198.51.100.7", &[])
        };
        let held = Attached {
            name: "t1".into(),
            state: "running".into(),
            ip: "2001:db8::2".parse().unwrap(),
            ip6: None,
            mac: String::new(),
        };
        let p = Pool::of(&s, &[held], &[("198.51.100.4".parse().unwrap(), "shim0".to_string())]);
        let free: Vec<String> = p.free().take(2).map(|ip| ip.to_string()).collect();
        assert_eq!(free, ["2001:db8::3", "2001:db8::4"]);
        // The range keeps its size; its first, gateway and last addresses are never a tenant's.
        assert_eq!(p.usable(), (1u128 << 64) - 3);
        assert_eq!(
            p.refuse("2001:db8::2".parse().unwrap()).unwrap(),
            "2001:db8::2 is held by container t1 (running) on network lan"
        );
        assert!(p.refuse("198.51.100.5".parse().unwrap()).unwrap().contains("outside the subnet 2001:db8::/64"));
    }

    #[test]
    fn usable_leaves_out_what_no_tenant_can_ever_get() {
        let aux = vec!["printer=198.51.100.2".to_string()];
        // A /25 of 128 addresses holding the network address, the gateway and an aux address.
        let s = spec("198.51.100.0-198.51.100.127", &aux);
        let p = Pool::new(&s, &[container("t1", "198.51.100.3", "running")], &[]);
        assert_eq!((p.usable(), p.free_count()), (125, 124));
        // The broadcast address, and the host's own address inside the range.
        let s = spec("198.51.100.128-198.51.100.255", &aux);
        let host = [("198.51.100.200".parse().unwrap(), "shim0".to_string())];
        let p = Pool::new(&s, &[], &host);
        assert_eq!((p.usable(), p.free_count()), (126, 126));
    }
}

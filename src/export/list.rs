//! What an export holds: a lanctl network and its tenants' names, addresses and MACs, in
//! address order, built from reads already made (`docker ps` lines and the network's
//! attachments). Pure, so every format renders from one value and is tested on its text.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::engine::model::PsLine;
use crate::engine::netspec::{AddrRange, Driver, NetSpec};
use crate::launch::spec::{valid_tenant_name, TenantSpec};
use crate::state::pool::Attached;

/// A lanctl network as an export names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    pub network: String,
    pub driver: Driver,
    pub mode: String,
    pub parent: String,
    pub subnet: IpNet,
    pub gateway: IpAddr,
    /// This host's range (its slice, on a network of several hosts).
    pub range: AddrRange,
    /// On a network of several hosts, the whole reservation, of which this host's tenants
    /// hold a slice only.
    pub reservation: Option<AddrRange>,
    /// When it was read, RFC 3339 in UTC, for the header of the text formats.
    pub at: String,
    /// The tenants, by address.
    pub entries: Vec<Entry>,
}

/// One tenant: what `--json` prints of it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub name: String,
    pub address: IpAddr,
    /// Its own MAC, lower case; `None` when it has none a DHCP server could tell apart.
    pub mac: Option<String>,
    #[serde(skip)]
    pub no_mac: Option<NoMac>,
}

/// Why a tenant has no MAC of its own in an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoMac {
    /// ipvlan: every tenant answers with the parent's MAC, which is the host's own, so a
    /// reservation for it would hand the tenant's address to the host.
    Ipvlan,
    /// macvlan, but docker reports no MAC and none is pinned in its spec (a stopped
    /// tenant made before lanctl pinned MACs).
    Unknown,
}

impl NoMac {
    /// Why, as a phrase that follows the tenant's name.
    pub fn why(self, parent: &str) -> String {
        match self {
            NoMac::Ipvlan => format!("ipvlan shares the parent's MAC ({parent}), so a reservation for it would go to the host"),
            NoMac::Unknown => "docker reports no MAC for it and none is pinned (stopped, made before lanctl pinned MACs); start it and export again".to_string(),
        }
    }
}

/// The export of network `spec` at time `at`: the containers of `lines` that carry
/// lanctl's tenant label, with their attachment (`attached`) to the network. Containers
/// without the label are not tenants and are left out; so is a name that is no hostname
/// (a label set by hand), whose name is returned, to be said.
pub fn build(spec: &NetSpec, lines: &[PsLine], attached: &[Attached], at: String) -> (Export, Vec<String>) {
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    for a in attached {
        let Some(line) = lines.iter().find(|l| l.names == a.name && !l.tenant.is_empty()) else { continue };
        if !valid_tenant_name(&a.name) {
            skipped.push(a.name.clone());
            continue;
        }
        let pinned = serde_json::from_str::<TenantSpec>(&line.spec).ok().and_then(|s| s.mac).map(|m| m.to_ascii_lowercase());
        let (mac, no_mac) = match spec.driver {
            Driver::Ipvlan => (None, Some(NoMac::Ipvlan)),
            Driver::Macvlan => match Some(a.mac.clone()).filter(|m| !m.is_empty()).or(pinned) {
                Some(m) => (Some(m), None),
                None => (None, Some(NoMac::Unknown)),
            },
        };
        entries.push(Entry { name: a.name.clone(), address: a.ip, mac, no_mac });
    }
    entries.sort_by(|a, b| a.address.cmp(&b.address).then_with(|| a.name.cmp(&b.name)));
    let export = Export {
        network: spec.name.clone(),
        driver: spec.driver,
        mode: spec.mode.clone(),
        parent: spec.parent.clone(),
        subnet: spec.subnet,
        gateway: spec.gateway,
        range: spec.range,
        reservation: spec.reservation,
        at,
        entries,
    };
    (export, skipped)
}

impl Export {
    /// The header's description of the network, shared by the text formats.
    pub fn describe(&self) -> String {
        let range = match self.reservation {
            Some(r) => format!("this host's slice {} of the reservation {r}: its tenants only", self.range),
            None => format!("range {}", self.range),
        };
        format!(
            "network {} ({} {} on {}, subnet {}, {range}), read {}",
            self.network, self.driver, self.mode, self.parent, self.subnet, self.at
        )
    }

    /// What the LAN's DHCP server must never hand out: the whole reservation.
    pub fn reserved(&self) -> AddrRange {
        self.reservation.unwrap_or(self.range)
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// The network of the samples, on the documentation subnet.
    pub fn sample_spec(driver: Driver) -> NetSpec {
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

    fn line(name: &str, tenant: bool, spec: &str) -> PsLine {
        PsLine {
            names: name.into(),
            tenant: if tenant { name.into() } else { String::new() },
            spec: spec.into(),
            ..PsLine::default()
        }
    }

    fn at(name: &str, ip: &str, mac: &str) -> Attached {
        Attached { name: name.into(), state: "running".into(), ip: ip.parse().unwrap(), ip6: None, mac: mac.into() }
    }

    /// A network with a running tenant, a stopped one whose MAC is pinned in its spec, one
    /// without any MAC, and a container that is no tenant.
    pub fn sample(driver: Driver) -> Export {
        let spec = sample_spec(driver);
        let lines = vec![
            line("room-10", true, r#"{"image":"i"}"#),
            line("room-2", true, r#"{"image":"i","mac":"F6:0A:C0:00:02:65"}"#),
            line("old", true, r#"{"image":"i"}"#),
            line("plain", false, ""),
        ];
        let attached = vec![
            at("room-10", "192.0.2.110", "f6:0a:c0:00:02:6e"),
            at("room-2", "192.0.2.101", ""),
            at("old", "192.0.2.120", ""),
            at("plain", "192.0.2.130", "02:00:00:00:00:01"),
        ];
        build(&spec, &lines, &attached, "2026-12-07T09:00:00Z".into()).0
    }

    #[test]
    fn tenants_by_address_with_their_own_macs() {
        let e = sample(Driver::Macvlan);
        let rows: Vec<(&str, String, Option<&str>, Option<NoMac>)> =
            e.entries.iter().map(|e| (e.name.as_str(), e.address.to_string(), e.mac.as_deref(), e.no_mac)).collect();
        assert_eq!(
            rows,
            [
                ("room-2", "192.0.2.101".into(), Some("f6:0a:c0:00:02:65"), None),
                ("room-10", "192.0.2.110".into(), Some("f6:0a:c0:00:02:6e"), None),
                ("old", "192.0.2.120".into(), None, Some(NoMac::Unknown)),
            ]
        );
        assert_eq!(
            serde_json::to_string(&e.entries[0]).unwrap(),
            r#"{"name":"room-2","address":"192.0.2.101","mac":"f6:0a:c0:00:02:65"}"#
        );
    }

    #[test]
    fn ipvlan_tenants_have_no_mac_of_their_own() {
        let e = sample(Driver::Ipvlan);
        assert!(e.entries.iter().all(|e| e.mac.is_none() && e.no_mac == Some(NoMac::Ipvlan)), "{e:?}");
        assert_eq!(serde_json::to_string(&e.entries[0]).unwrap(), r#"{"name":"room-2","address":"192.0.2.101","mac":null}"#);
    }

    #[test]
    fn a_shared_network_names_this_hosts_slice_and_keeps_the_whole_reservation() {
        let mut spec = sample_spec(Driver::Macvlan);
        spec.reservation = AddrRange::parse("192.0.2.100-192.0.2.163");
        let (e, _) = build(&spec, &[], &[], "2026-12-07T09:00:00Z".into());
        assert_eq!(
            e.describe(),
            "network lan (macvlan bridge on enp0s3, subnet 192.0.2.0/24, this host's slice 192.0.2.100-192.0.2.131 of the \
             reservation 192.0.2.100-192.0.2.163: its tenants only), read 2026-12-07T09:00:00Z"
        );
        assert_eq!(e.reserved().to_string(), "192.0.2.100-192.0.2.163");
    }

    #[test]
    fn a_name_that_is_no_hostname_is_left_out_and_said() {
        let lines = [line("Room_1", true, "{}"), line("room-1", true, "{}")];
        let attached = [at("Room_1", "192.0.2.100", "02:00:00:00:00:01"), at("room-1", "192.0.2.101", "02:00:00:00:00:02")];
        let (e, skipped) = build(&sample_spec(Driver::Macvlan), &lines, &attached, String::new());
        assert_eq!(skipped, ["Room_1"]);
        assert_eq!(e.entries.len(), 1);
    }
}

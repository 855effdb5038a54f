//! `export cni --slice START-END`: a CNI network configuration list for the network's
//! driver, mode and parent (the `macvlan` or `ipvlan` plugin, `master` the parent), with
//! `host-local` IPAM limited to a slice of the reserved range, so a cluster's pods take
//! addresses of the LAN that no Docker tenant holds. `k8s.rs` wraps the same list.
//!
//! No route is in it: on a pod the LAN interface is a second one, and a default route
//! through it would take the pod's traffic off its cluster network; the gateway is in the
//! IPAM range, where a runtime that wants it finds it.

use serde_json::json;

use super::list::Export;
use crate::engine::netspec::{AddrRange, Driver};

/// The CNI spec version the list is written in (Debian 12's plugins speak up to 1.0.0).
pub const CNI_VERSION: &str = "1.0.0";

/// Why `slice` cannot be given to a cluster, if it cannot: it must lie in this host's
/// range and hold no tenant's address (host-local knows only its own allocations).
pub fn refuse_slice(e: &Export, slice: AddrRange) -> Option<String> {
    if !(e.range.contains(slice.start) && e.range.contains(slice.end)) {
        return Some(format!(
            "export: --slice {slice} is not inside network {}'s range {}; give a slice of it",
            e.network, e.range
        ));
    }
    let held: Vec<String> =
        e.entries.iter().filter(|t| slice.contains(t.address)).map(|t| format!("{} ({})", t.address, t.name)).collect();
    if !held.is_empty() {
        return Some(format!(
            "export: --slice {slice} holds the address of a tenant: {}; give a slice no tenant holds (see `lanctl net show {}`)",
            held.join(", "),
            e.network
        ));
    }
    None
}

/// The conflist as JSON.
pub fn conflist(e: &Export, slice: AddrRange) -> serde_json::Value {
    json!({
        "cniVersion": CNI_VERSION,
        "name": e.network,
        "plugins": [{
            "type": plugin(e),
            "master": e.parent,
            "mode": e.mode,
            "ipam": {
                "type": "host-local",
                "ranges": [[{
                    "subnet": e.subnet.to_string(),
                    "rangeStart": slice.start.to_string(),
                    "rangeEnd": slice.end.to_string(),
                    "gateway": e.gateway.to_string(),
                }]],
            },
        }],
    })
}

/// The conflist of a tenant's address taken to a cluster: the same plugin, with the
/// address (and MAC) the runtime passes (`ips` and `mac` capabilities: Multus hands them
/// over from a pod's annotation) through `static` IPAM, so one network serves every
/// tenant moved over, each on its own address.
pub fn static_conflist(e: &Export) -> serde_json::Value {
    let mut caps = json!({"ips": true});
    if e.driver == Driver::Macvlan {
        caps["mac"] = true.into();
    }
    json!({
        "cniVersion": CNI_VERSION,
        "name": static_name(e),
        "plugins": [{
            "type": plugin(e),
            "master": e.parent,
            "mode": e.mode,
            "capabilities": caps,
            "ipam": {"type": "static"},
        }],
    })
}

/// The name of [`static_conflist`]'s network.
pub fn static_name(e: &Export) -> String {
    format!("{}-static", e.network)
}

fn plugin(e: &Export) -> &'static str {
    match e.driver {
        Driver::Macvlan => "macvlan",
        Driver::Ipvlan => "ipvlan",
    }
}

/// `value` pretty-printed, with a newline.
pub fn pretty(value: &serde_json::Value) -> String {
    format!("{}\n", serde_json::to_string_pretty(value).expect("a conflist serializes"))
}

/// The conflist, pretty-printed, with a newline.
pub fn render(e: &Export, slice: AddrRange) -> String {
    pretty(&conflist(e, slice))
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use crate::export::list::tests::sample;

    pub fn slice() -> AddrRange {
        AddrRange::parse("192.0.2.124-192.0.2.131").unwrap()
    }

    #[test]
    fn a_macvlan_conflist_with_host_local_on_the_slice() {
        assert_eq!(
            render(&sample(Driver::Macvlan), slice()),
            r#"{
  "cniVersion": "1.0.0",
  "name": "lan",
  "plugins": [
    {
      "ipam": {
        "ranges": [
          [
            {
              "gateway": "192.0.2.1",
              "rangeEnd": "192.0.2.131",
              "rangeStart": "192.0.2.124",
              "subnet": "192.0.2.0/24"
            }
          ]
        ],
        "type": "host-local"
      },
      "master": "enp0s3",
      "mode": "bridge",
      "type": "macvlan"
    }
  ]
}
"#
        );
    }

    #[test]
    fn the_static_conflist_takes_addresses_and_macs_from_the_runtime() {
        assert_eq!(
            static_conflist(&sample(Driver::Macvlan)).to_string(),
            r#"{"cniVersion":"1.0.0","name":"lan-static","plugins":[{"capabilities":{"ips":true,"mac":true},"ipam":{"type":"static"},"master":"enp0s3","mode":"bridge","type":"macvlan"}]}"#
        );
        // An ipvlan link has the parent's MAC: there is none to pass.
        assert_eq!(static_conflist(&sample(Driver::Ipvlan))["plugins"][0]["capabilities"].to_string(), r#"{"ips":true}"#);
    }

    #[test]
    fn ipvlan_is_the_ipvlan_plugin_in_its_mode() {
        let v = conflist(&sample(Driver::Ipvlan), slice());
        assert_eq!((v["plugins"][0]["type"].as_str(), v["plugins"][0]["mode"].as_str()), (Some("ipvlan"), Some("l2")));
    }

    #[test]
    fn a_slice_outside_the_range_or_over_a_tenant_is_refused() {
        let e = sample(Driver::Macvlan);
        assert_eq!(refuse_slice(&e, slice()), None);
        assert_eq!(
            refuse_slice(&e, AddrRange::parse("192.0.2.130-192.0.2.140").unwrap()).as_deref(),
            Some("export: --slice 192.0.2.130-192.0.2.140 is not inside network lan's range 192.0.2.100-192.0.2.131; give a slice of it")
        );
        assert_eq!(
            refuse_slice(&e, AddrRange::parse("192.0.2.105-192.0.2.125").unwrap()).as_deref(),
            Some(
                "export: --slice 192.0.2.105-192.0.2.125 holds the address of a tenant: 192.0.2.110 (room-10), 192.0.2.120 \
                 (old); give a slice no tenant holds (see `lanctl net show lan`)"
            )
        );
    }
}

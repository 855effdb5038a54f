//! `export k8s --slice START-END`: a Multus NetworkAttachmentDefinition whose `config` is
//! the conflist of `cni.rs`, byte for byte, as a YAML literal block (JSON needs no
//! escaping there, and `kubectl apply -f` takes it as it is). A pod joins the LAN with the
//! annotation `k8s.v1.cni.cncf.io/networks: NET`.
//!
//! When the network has tenants, a second definition follows (`NET-static`, static IPAM
//! fed by the pod's annotation), and before it, per tenant, the annotation that gives a
//! pod that tenant's address and MAC: how a tenant moves to the cluster and keeps both.

use serde_json::json;

use super::cni;
use super::list::Export;
use crate::engine::netspec::AddrRange;

pub fn render(e: &Export, slice: AddrRange) -> String {
    let mut out = format!("# lanctl export k8s: {}; pods get addresses of {slice}\n", e.describe());
    out.push_str(&definition(&e.network, &cni::render(e, slice)));
    if e.entries.is_empty() {
        return out;
    }
    let name = cni::static_name(e);
    out.push_str(
        "---\n# A tenant moved to the cluster keeps its address and MAC: remove it from Docker first \
         (lanctl down NAME), then give its pod this annotation:\n",
    );
    let prefix = e.subnet.prefix_len();
    for t in &e.entries {
        let mut one = json!({"name": name, "ips": [format!("{}/{prefix}", t.address)]});
        if let Some(mac) = &t.mac {
            one["mac"] = mac.clone().into();
        }
        out.push_str(&format!("#   {}: k8s.v1.cni.cncf.io/networks: '{}'\n", t.name, json!([one])));
    }
    out.push_str(&definition(&name, &cni::pretty(&cni::static_conflist(e))));
    out
}

/// Why network `name` cannot name a NetworkAttachmentDefinition, if it cannot: Kubernetes
/// names are lower-case DNS subdomains, and docker's allow capitals and `_`.
pub fn refuse_name(name: &str) -> Option<String> {
    let ok = name.len() <= 243 // room for "-static"
        && name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        && name.bytes().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.bytes().last().is_some_and(|c| c.is_ascii_alphanumeric());
    (!ok).then(|| {
        format!(
            "export k8s: network name {name} is no Kubernetes object name (lower-case letters, digits, '-' and '.'); \
             export cni and name the NetworkAttachmentDefinition yourself"
        )
    })
}

/// A NetworkAttachmentDefinition named `name` with `config`, indented as a literal block.
fn definition(name: &str, config: &str) -> String {
    let config: String = config.lines().map(|l| format!("    {l}\n")).collect();
    format!(
        "apiVersion: k8s.cni.cncf.io/v1\n\
         kind: NetworkAttachmentDefinition\n\
         metadata:\n  name: {name}\n\
         spec:\n  config: |\n{config}"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::netspec::Driver;
    use crate::export::cni::tests::slice;
    use crate::export::list::tests::sample;

    #[test]
    fn a_docker_name_that_kubernetes_refuses_is_said() {
        assert_eq!(refuse_name("lan-2.office"), None);
        assert_eq!(
            refuse_name("My_Lan").as_deref(),
            Some(
                "export k8s: network name My_Lan is no Kubernetes object name (lower-case letters, digits, '-' and '.'); \
                 export cni and name the NetworkAttachmentDefinition yourself"
            )
        );
        assert!(refuse_name("lan-").is_some());
    }

    #[test]
    fn a_network_attachment_definition_around_the_conflist() {
        let e = sample(Driver::Macvlan);
        let text = render(&e, slice());
        let (first, second) = text.split_once("---\n").unwrap();
        let (head, config) = first.split_once("  config: |\n").unwrap();
        assert_eq!(
            head,
            "# lanctl export k8s: network lan (macvlan bridge on enp0s3, subnet 192.0.2.0/24, range \
             192.0.2.100-192.0.2.131), read 2026-12-07T09:00:00Z; pods get addresses of 192.0.2.124-192.0.2.131\n\
             apiVersion: k8s.cni.cncf.io/v1\n\
             kind: NetworkAttachmentDefinition\n\
             metadata:\n  name: lan\n\
             spec:\n"
        );
        let unindented: String = config.lines().map(|l| format!("{}\n", l.strip_prefix("    ").unwrap())).collect();
        assert_eq!(unindented, cni::render(&e, slice()));
        let (notes, static_def) = second.split_once("apiVersion").unwrap();
        assert_eq!(
            notes,
            "# A tenant moved to the cluster keeps its address and MAC: remove it from Docker first (lanctl down NAME), \
             then give its pod this annotation:\n\
             #   room-2: k8s.v1.cni.cncf.io/networks: '[{\"ips\":[\"192.0.2.101/24\"],\"mac\":\"f6:0a:c0:00:02:65\",\"name\":\"lan-static\"}]'\n\
             #   room-10: k8s.v1.cni.cncf.io/networks: '[{\"ips\":[\"192.0.2.110/24\"],\"mac\":\"f6:0a:c0:00:02:6e\",\"name\":\"lan-static\"}]'\n\
             #   old: k8s.v1.cni.cncf.io/networks: '[{\"ips\":[\"192.0.2.120/24\"],\"name\":\"lan-static\"}]'\n"
        );
        assert_eq!(format!("apiVersion{static_def}"), definition("lan-static", &cni::pretty(&cni::static_conflist(&e))));
        assert!(
            static_def.starts_with(": k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata:\n  name: lan-static\n")
        );
    }
}

//! `export k8s --slice START-END`: a Multus NetworkAttachmentDefinition whose `config` is
//! the conflist of `cni.rs`, byte for byte, as a YAML literal block (JSON needs no
//! escaping there, and `kubectl apply -f` takes it as it is). A pod joins the LAN with the
//! annotation `k8s.v1.cni.cncf.io/networks: NET`.

use super::cni;
use super::list::Export;
use crate::engine::netspec::AddrRange;

pub fn render(e: &Export, slice: AddrRange) -> String {
    let config: String = cni::render(e, slice).lines().map(|l| format!("    {l}\n")).collect();
    format!(
        "# lanctl export k8s: {}; pods get addresses of {slice}\n\
         apiVersion: k8s.cni.cncf.io/v1\n\
         kind: NetworkAttachmentDefinition\n\
         metadata:\n  name: {}\n\
         spec:\n  config: |\n{config}",
        e.describe(),
        e.network
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::netspec::Driver;
    use crate::export::cni::tests::slice;
    use crate::export::list::tests::sample;

    #[test]
    fn a_network_attachment_definition_around_the_conflist() {
        let e = sample(Driver::Macvlan);
        let text = render(&e, slice());
        let (head, config) = text.split_once("  config: |\n").unwrap();
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
    }
}

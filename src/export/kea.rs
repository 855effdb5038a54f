//! `export kea`: the `reservations` of a Kea DHCPv4 `subnet4` entry, as one JSON object
//! (`{"reservations": [...]}`) to merge into the subnet of the network: each tenant with a
//! MAC of its own as `hw-address`, `ip-address` and `hostname`. Kea reserves by an
//! identifier of the client, so a tenant without a MAC of its own has no reservation; it
//! is said on stderr (JSON has no comments, and stdout stays what a tool can parse).

use serde::Serialize;

use super::list::Export;

#[derive(Serialize)]
struct Reservations<'a> {
    reservations: Vec<Reservation<'a>>,
}

#[derive(Serialize)]
struct Reservation<'a> {
    #[serde(rename = "hw-address")]
    hw_address: &'a str,
    #[serde(rename = "ip-address")]
    ip_address: String,
    hostname: &'a str,
}

/// The JSON, pretty-printed and ending with a newline, and a line per tenant left out.
pub fn render(e: &Export) -> (String, Vec<String>) {
    let mut left_out = Vec::new();
    let mut reservations = Vec::new();
    for t in &e.entries {
        match (&t.mac, t.no_mac) {
            (Some(mac), _) => {
                reservations.push(Reservation { hw_address: mac, ip_address: t.address.to_string(), hostname: &t.name })
            }
            (None, why) => left_out.push(format!(
                "export kea: {} ({}) has no reservation: {}",
                t.name,
                t.address,
                why.map(|w| w.why(&e.parent)).unwrap_or_default()
            )),
        }
    }
    let text = serde_json::to_string_pretty(&Reservations { reservations }).expect("reservations serialize");
    (format!("{text}\n"), left_out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::netspec::Driver;
    use crate::export::list::tests::sample;

    #[test]
    fn reservations_of_the_tenants_with_a_mac() {
        let (text, left_out) = render(&sample(Driver::Macvlan));
        assert_eq!(
            text,
            r#"{
  "reservations": [
    {
      "hw-address": "f6:0a:c0:00:02:65",
      "ip-address": "192.0.2.101",
      "hostname": "room-2"
    },
    {
      "hw-address": "f6:0a:c0:00:02:6e",
      "ip-address": "192.0.2.110",
      "hostname": "room-10"
    }
  ]
}
"#
        );
        assert_eq!(
            left_out,
            ["export kea: old (192.0.2.120) has no reservation: docker reports no MAC for it and none is pinned (stopped, \
              made before lanctl pinned MACs); start it and export again"]
        );
    }

    #[test]
    fn ipvlan_tenants_have_no_reservation() {
        let (text, left_out) = render(&sample(Driver::Ipvlan));
        assert_eq!(text, "{\n  \"reservations\": []\n}\n");
        assert_eq!(left_out.len(), 3);
        assert_eq!(
            left_out[0],
            "export kea: room-2 (192.0.2.101) has no reservation: ipvlan shares the parent's MAC (enp0s3), so a reservation \
             for it would go to the host"
        );
    }
}

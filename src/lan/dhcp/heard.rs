//! DHCP heard passively, for `check --watch`: what hands out an address or asks for one.
//! A server's DHCPOFFER and DHCPACK name the address they hand out (`yiaddr`), and a
//! client's DHCPREQUEST the address it is about to take (option 50, else `ciaddr`): the
//! REQUEST is broadcast in every exchange that takes a new lease (RFC 2131, 4.4.1), so it
//! is heard on a switched LAN where the server's offer and ack, sent to the client's MAC,
//! never reach this host. Pure: bytes in, what they say out.

use std::net::Ipv4Addr;

use serde::Serialize;

use super::frame;
use super::message::{Bootp, MessageType};

/// The three messages of an exchange that name an address; in JSON `offer`, `request`,
/// `ack`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Said {
    Offer,
    Request,
    Ack,
}

impl Said {
    /// The message's name as DHCP spells it, for the event line.
    pub fn upper(self) -> &'static str {
        match self {
            Said::Offer => "DHCPOFFER",
            Said::Request => "DHCPREQUEST",
            Said::Ack => "DHCPACK",
        }
    }
}

/// One DHCP message that names an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heard {
    pub said: Said,
    /// The address offered, acknowledged or requested.
    pub address: Ipv4Addr,
    /// The server that offers or acknowledges it (its identifier, else `siaddr`, else the
    /// packet's source), or the one a request is for (option 54), when it names one.
    pub server: Option<Ipv4Addr>,
    /// The client the address is for.
    pub client_mac: [u8; 6],
}

/// What an IPv4 packet (as `frame::DHCP_EITHER_WAY` lets it through) says, or `None`
/// when it names no address: another message type, a request without an address, a
/// reply sent the wrong way, bytes that are not DHCP.
pub fn heard(packet: &[u8]) -> Option<Heard> {
    let udp = frame::udp_dhcp(packet)?;
    let msg = Bootp::parse(udp.payload)?;
    if msg.reply != udp.to_client {
        return None;
    }
    let known = |a: Ipv4Addr| Some(a).filter(|a| !a.is_unspecified());
    let (said, address, server) = match msg.message_type? {
        MessageType::Offer => (Said::Offer, msg.yiaddr, msg.server_id.or(known(msg.siaddr)).or(known(udp.source))),
        MessageType::Ack => (Said::Ack, msg.yiaddr, msg.server_id.or(known(msg.siaddr)).or(known(udp.source))),
        MessageType::Request => (Said::Request, msg.requested.or(known(msg.ciaddr))?, msg.server_id),
        _ => return None,
    };
    // An ack to an INFORM hands out nothing (yiaddr 0.0.0.0).
    known(address)?;
    Some(Heard { said, address, server, client_mac: msg.chaddr })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    const CLIENT: [u8; 6] = [0x3c, 0x22, 0xfb, 0x10, 0x20, 0x30];

    /// A message: op (1 request, 2 reply), ciaddr, yiaddr, siaddr, then options.
    fn message(op: u8, ciaddr: &str, yiaddr: &str, siaddr: &str, options: &[u8]) -> Vec<u8> {
        let mut m = vec![0u8; 236];
        m[..4].copy_from_slice(&[op, 1, 6, 0]);
        m[4..8].copy_from_slice(&0x0102_0304u32.to_be_bytes());
        m[12..16].copy_from_slice(&ip(ciaddr).octets());
        m[16..20].copy_from_slice(&ip(yiaddr).octets());
        m[20..24].copy_from_slice(&ip(siaddr).octets());
        m[28..34].copy_from_slice(&CLIENT);
        m.extend_from_slice(&[99, 130, 83, 99]);
        m.extend_from_slice(options);
        m.push(255);
        m
    }

    /// `payload` in an IPv4/UDP packet from `source`, to the client port when `to_client`.
    fn packet(source: &str, to_client: bool, payload: &[u8]) -> Vec<u8> {
        let mut p = frame::udp_broadcast(payload);
        p[12..16].copy_from_slice(&ip(source).octets());
        if to_client {
            p[20..24].copy_from_slice(&[0, 67, 0, 68]);
        }
        p
    }

    #[test]
    fn an_offer_and_an_ack_name_the_address_and_the_server() {
        let offer = message(2, "0.0.0.0", "198.51.100.20", "0.0.0.0", &[53, 1, 2, 54, 4, 198, 51, 100, 2]);
        assert_eq!(
            heard(&packet("198.51.100.2", true, &offer)),
            Some(Heard { said: Said::Offer, address: ip("198.51.100.20"), server: Some(ip("198.51.100.2")), client_mac: CLIENT })
        );
        // No server identifier: siaddr, then the source.
        let ack = message(2, "0.0.0.0", "198.51.100.21", "198.51.100.3", &[53, 1, 5]);
        assert_eq!(heard(&packet("198.51.100.2", true, &ack)).unwrap().server, Some(ip("198.51.100.3")));
        let ack = message(2, "0.0.0.0", "198.51.100.21", "0.0.0.0", &[53, 1, 5]);
        let h = heard(&packet("198.51.100.2", true, &ack)).unwrap();
        assert_eq!((h.said, h.address, h.server), (Said::Ack, ip("198.51.100.21"), Some(ip("198.51.100.2"))));
    }

    #[test]
    fn a_request_names_the_address_it_asks_for() {
        // Selecting: from 0.0.0.0, option 50 and the chosen server's identifier.
        let req = message(1, "0.0.0.0", "0.0.0.0", "0.0.0.0", &[53, 1, 3, 50, 4, 198, 51, 100, 22, 54, 4, 198, 51, 100, 2]);
        assert_eq!(
            heard(&packet("0.0.0.0", false, &req)),
            Some(Heard {
                said: Said::Request,
                address: ip("198.51.100.22"),
                server: Some(ip("198.51.100.2")),
                client_mac: CLIENT
            })
        );
        // Renewing: the client's own address in ciaddr, no server named.
        let renew = message(1, "198.51.100.23", "0.0.0.0", "0.0.0.0", &[53, 1, 3]);
        let h = heard(&packet("198.51.100.23", false, &renew)).unwrap();
        assert_eq!((h.said, h.address, h.server), (Said::Request, ip("198.51.100.23"), None));
    }

    #[test]
    fn what_names_no_address_is_not_heard() {
        let discover = message(1, "0.0.0.0", "0.0.0.0", "0.0.0.0", &[53, 1, 1, 50, 4, 198, 51, 100, 22]);
        assert_eq!(heard(&packet("0.0.0.0", false, &discover)), None, "a discover takes nothing");
        let bare_request = message(1, "0.0.0.0", "0.0.0.0", "0.0.0.0", &[53, 1, 3]);
        assert_eq!(heard(&packet("0.0.0.0", false, &bare_request)), None);
        let inform_ack = message(2, "198.51.100.30", "0.0.0.0", "0.0.0.0", &[53, 1, 5]);
        assert_eq!(heard(&packet("198.51.100.2", true, &inform_ack)), None, "an ack to an INFORM");
        let nak = message(2, "0.0.0.0", "198.51.100.20", "0.0.0.0", &[53, 1, 6]);
        assert_eq!(heard(&packet("198.51.100.2", true, &nak)), None);
        let offer = message(2, "0.0.0.0", "198.51.100.20", "0.0.0.0", &[53, 1, 2]);
        assert_eq!(heard(&packet("198.51.100.2", false, &offer)), None, "a reply sent to the server port");
        let no_type = message(2, "0.0.0.0", "198.51.100.20", "0.0.0.0", &[]);
        assert_eq!(heard(&packet("198.51.100.2", true, &no_type)), None, "BOOTP without a message type");
        assert_eq!(heard(b"noise"), None);
    }
}

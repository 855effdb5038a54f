//! The IPv4 and UDP headers around a DHCP message, as a client without an address sends
//! them (RFC 2131, 4.1: from 0.0.0.0, to the limited broadcast 255.255.255.255) and as
//! the packet socket (`packet.rs`) hands back what it heard, and the socket filter that
//! keeps everything else out of it. The link layer (Ethernet) is the kernel's.

use std::net::Ipv4Addr;

use crate::lan::packet::{insn, Insn};

/// The EtherType of IPv4, which the socket sends and hears.
pub const ETH_P_IP: u16 = 0x0800;

pub const CLIENT_PORT: u16 = 68;
pub const SERVER_PORT: u16 = 67;

const IP_HEADER: usize = 20;
const UDP_HEADER: usize = 8;
const UDP: u8 = 17;

/// An IPv4 packet from 0.0.0.0:68 to 255.255.255.255:67 holding `payload`, with both
/// checksums.
pub fn udp_broadcast(payload: &[u8]) -> Vec<u8> {
    let (src, dst) = (Ipv4Addr::UNSPECIFIED, Ipv4Addr::BROADCAST);
    let udp_len = UDP_HEADER + payload.len();
    let total = IP_HEADER + udp_len;
    let mut p = Vec::with_capacity(total);
    p.extend_from_slice(&[0x45, 0x00]); // version 4, 5 words of header; no TOS
    p.extend_from_slice(&(total as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0, 0, 0]); // identification, no flags, no fragment offset
    p.extend_from_slice(&[64, UDP, 0, 0]); // TTL, protocol, checksum (below)
    p.extend_from_slice(&src.octets());
    p.extend_from_slice(&dst.octets());
    let ip_sum = checksum(&[&p[..IP_HEADER]]);
    p[10..12].copy_from_slice(&ip_sum.to_be_bytes());

    p.extend_from_slice(&CLIENT_PORT.to_be_bytes());
    p.extend_from_slice(&SERVER_PORT.to_be_bytes());
    p.extend_from_slice(&(udp_len as u16).to_be_bytes());
    p.extend_from_slice(&[0, 0]);
    p.extend_from_slice(payload);
    let mut pseudo = Vec::with_capacity(12);
    pseudo.extend_from_slice(&src.octets());
    pseudo.extend_from_slice(&dst.octets());
    pseudo.extend_from_slice(&[0, UDP]);
    pseudo.extend_from_slice(&(udp_len as u16).to_be_bytes());
    // A computed 0 is sent as 0xffff: 0 means "no checksum" in UDP over IPv4.
    let udp_sum = match checksum(&[&pseudo, &p[IP_HEADER..]]) {
        0 => 0xffff,
        s => s,
    };
    p[IP_HEADER + 6..IP_HEADER + 8].copy_from_slice(&udp_sum.to_be_bytes());
    p
}

/// Classic BPF over the IPv4 header (a packet socket that hands back payloads filters
/// from the network header): accept UDP (protocol 17) that is not a fragment and goes to
/// port 68, so a busy interface cannot crowd an offer out of the socket's buffer.
/// `udp_to_client` still reads every packet whole.
pub const TO_CLIENT: [Insn; 9] = [
    insn(0x30, 0, 0, 9),      // 0: ldb [9]            protocol
    insn(0x15, 0, 6, 17),     // 1: jeq #17, 2, 8      UDP, else drop
    insn(0x28, 0, 0, 6),      // 2: ldh [6]            flags and fragment offset
    insn(0x45, 4, 0, 0x1fff), // 3: jset #0x1fff, 8, 4 a later fragment: drop
    insn(0xb1, 0, 0, 0),      // 4: ldxb 4*([0]&0xf)   X = IP header length
    insn(0x48, 0, 0, 2),      // 5: ldh [x + 2]        UDP destination port
    insn(0x15, 0, 1, 68),     // 6: jeq #68, 7, 8
    insn(0x06, 0, 0, 0xffff), // 7: ret #65535         accept the whole packet
    insn(0x06, 0, 0, 0),      // 8: ret #0             drop
];

/// The source address and UDP payload of an IPv4 packet from port 67 to port 68, or
/// `None` for anything else (another protocol or port, a fragment, a truncated packet).
pub fn udp_to_client(packet: &[u8]) -> Option<(Ipv4Addr, &[u8])> {
    let first = *packet.first()?;
    let ihl = usize::from(first & 0x0f) * 4;
    if first >> 4 != 4 || ihl < IP_HEADER || packet.len() < ihl + UDP_HEADER {
        return None;
    }
    let total = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
    let fragment = u16::from_be_bytes([packet[6], packet[7]]) & 0x3fff; // MF flag, offset
    if packet[9] != UDP || fragment != 0 || total < ihl + UDP_HEADER || total > packet.len() {
        return None;
    }
    let source = Ipv4Addr::new(packet[12], packet[13], packet[14], packet[15]);
    let udp = &packet[ihl..total];
    let (sport, dport) = (u16::from_be_bytes([udp[0], udp[1]]), u16::from_be_bytes([udp[2], udp[3]]));
    let len = usize::from(u16::from_be_bytes([udp[4], udp[5]]));
    if sport != SERVER_PORT || dport != CLIENT_PORT || len < UDP_HEADER || len > udp.len() {
        return None;
    }
    Some((source, &udp[UDP_HEADER..len]))
}

/// The internet checksum (RFC 1071) over the concatenation of `parts`, each of even
/// length but the last.
pub fn checksum(parts: &[&[u8]]) -> u16 {
    let mut sum: u32 = 0;
    for part in parts {
        for pair in part.chunks(2) {
            let word = u16::from_be_bytes([pair[0], pair.get(1).copied().unwrap_or(0)]);
            sum += u32::from(word);
        }
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_headers_and_checksums() {
        let p = udp_broadcast(b"hello");
        assert_eq!(p.len(), 20 + 8 + 5);
        assert_eq!(&p[..4], &[0x45, 0, 0, 33]);
        assert_eq!(&p[8..10], &[64, 17]);
        assert_eq!(&p[12..20], &[0, 0, 0, 0, 255, 255, 255, 255]);
        // A correct header sums to zero with its checksum in place.
        assert_eq!(checksum(&[&p[..20]]), 0);
        assert_eq!(&p[20..26], &[0, 68, 0, 67, 0, 13]);
        let pseudo = [0, 0, 0, 0, 255, 255, 255, 255, 0, 17, 0, 13];
        assert_eq!(checksum(&[&pseudo, &p[20..]]), 0);
        assert_eq!(&p[28..], b"hello");
    }

    #[test]
    fn checksum_matches_rfc_1071_example() {
        // RFC 1071, 3: the words 0001 f203 f4f5 f6f7 sum to ddf2; the checksum is its
        // complement.
        assert_eq!(checksum(&[&[0x00, 0x01, 0xf2, 0x03], &[0xf4, 0xf5, 0xf6, 0xf7]]), !0xddf2);
        assert_eq!(checksum(&[&[0xff]]), !0xff00);
    }

    /// A packet from a server to a client: `udp_broadcast` with the addresses and ports
    /// swapped, as a server's offer arrives.
    fn reply(payload: &[u8]) -> Vec<u8> {
        let mut p = udp_broadcast(payload);
        p[12..16].copy_from_slice(&[198, 51, 100, 2]);
        p[20..24].copy_from_slice(&[0, 67, 0, 68]);
        p
    }

    #[test]
    fn reads_the_payload_of_a_reply_to_the_client_port() {
        let p = reply(b"offer");
        assert_eq!(udp_to_client(&p), Some((Ipv4Addr::new(198, 51, 100, 2), &b"offer"[..])));
        // Ethernet padding after the IP packet is not payload.
        let mut padded = p.clone();
        padded.extend_from_slice(&[0; 10]);
        assert_eq!(udp_to_client(&padded).unwrap().1, b"offer");
    }

    #[test]
    fn ignores_what_is_not_a_reply_to_the_client() {
        assert_eq!(udp_to_client(&udp_broadcast(b"discover")), None, "our own discover, to port 67");
        let p = reply(b"offer");
        let mut tcp = p.clone();
        tcp[9] = 6;
        assert_eq!(udp_to_client(&tcp), None);
        let mut fragment = p.clone();
        fragment[6] = 0x20; // more fragments
        assert_eq!(udp_to_client(&fragment), None);
        let mut v6 = p.clone();
        v6[0] = 0x65;
        assert_eq!(udp_to_client(&v6), None);
        assert_eq!(udp_to_client(&p[..30]), None, "truncated");
        let mut long_udp = p.clone();
        long_udp[25] = 200; // UDP length past the packet
        assert_eq!(udp_to_client(&long_udp), None);
        assert_eq!(udp_to_client(&[]), None);
        assert_eq!(udp_to_client(&[0x4f; 24]), None, "header length past the packet");
    }
}

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

/// Classic BPF over the IPv4 header, as `TO_CLIENT`, for `check --watch`: UDP that is
/// not a fragment and goes to port 67 or 68, both halves of DHCP (a client's request, a
/// server's offer or ack).
pub const DHCP_EITHER_WAY: [Insn; 10] = [
    insn(0x30, 0, 0, 9),      // 0: ldb [9]            protocol
    insn(0x15, 0, 7, 17),     // 1: jeq #17, 2, 9      UDP, else drop
    insn(0x28, 0, 0, 6),      // 2: ldh [6]            flags and fragment offset
    insn(0x45, 5, 0, 0x1fff), // 3: jset #0x1fff, 9, 4 a later fragment: drop
    insn(0xb1, 0, 0, 0),      // 4: ldxb 4*([0]&0xf)   X = IP header length
    insn(0x48, 0, 0, 2),      // 5: ldh [x + 2]        UDP destination port
    insn(0x15, 1, 0, 67),     // 6: jeq #67, 8, 7
    insn(0x15, 0, 1, 68),     // 7: jeq #68, 8, 9
    insn(0x06, 0, 0, 0xffff), // 8: ret #65535         accept the whole packet
    insn(0x06, 0, 0, 0),      // 9: ret #0             drop
];

/// A DHCP packet as heard: its IPv4 source, its direction and its UDP payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Udp<'a> {
    pub source: Ipv4Addr,
    /// From the server port to the client port; else from the client port to the server's.
    pub to_client: bool,
    pub payload: &'a [u8],
}

/// The source address and UDP payload of an IPv4 packet from port 67 to port 68, or
/// `None` for anything else (another protocol or port, a fragment, a truncated packet).
pub fn udp_to_client(packet: &[u8]) -> Option<(Ipv4Addr, &[u8])> {
    udp_dhcp(packet).filter(|u| u.to_client).map(|u| (u.source, u.payload))
}

/// An IPv4 packet between the DHCP ports, either way (67 to 68, or 68 to 67), or `None`
/// for anything else (another protocol or port, a fragment, a truncated packet).
pub fn udp_dhcp(packet: &[u8]) -> Option<Udp<'_>> {
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
    let to_client = match (sport, dport) {
        (SERVER_PORT, CLIENT_PORT) => true,
        (CLIENT_PORT, SERVER_PORT) => false,
        _ => return None,
    };
    if len < UDP_HEADER || len > udp.len() {
        return None;
    }
    Some(Udp { source, to_client, payload: &udp[UDP_HEADER..len] })
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

    #[test]
    fn reads_dhcp_either_way_and_nothing_else() {
        let discover = udp_broadcast(b"request");
        assert_eq!(udp_dhcp(&discover), Some(Udp { source: Ipv4Addr::UNSPECIFIED, to_client: false, payload: &b"request"[..] }));
        let p = reply(b"ack");
        assert_eq!(udp_dhcp(&p), Some(Udp { source: Ipv4Addr::new(198, 51, 100, 2), to_client: true, payload: &b"ack"[..] }));
        let mut dns = p.clone();
        dns[20..24].copy_from_slice(&[0, 53, 0, 68]);
        assert_eq!(udp_dhcp(&dns), None, "from port 53");
        let mut both_67 = p.clone();
        both_67[22..24].copy_from_slice(&[0, 67]);
        assert_eq!(udp_dhcp(&both_67), None, "server to server (a relay) is not a client's");
    }

    /// Runs a classic BPF program of the instructions these filters use over `packet`: what
    /// the kernel would do, so a wrong jump offset fails here and not on the wire.
    fn bpf(prog: &[Insn], packet: &[u8]) -> u32 {
        let (mut a, mut x, mut pc) = (0u32, 0u32, 0usize);
        let byte = |at: usize| u32::from(packet[at]);
        loop {
            let i = prog[pc];
            pc += 1;
            let k = i.k as usize;
            match i.code {
                0x30 => a = byte(k),
                0x28 => a = byte(k) << 8 | byte(k + 1),
                0x48 => a = byte(x as usize + k) << 8 | byte(x as usize + k + 1),
                0xb1 => x = 4 * (byte(k) & 0xf),
                0x15 => pc += usize::from(if a == i.k { i.jt } else { i.jf }),
                0x45 => pc += usize::from(if a & i.k != 0 { i.jt } else { i.jf }),
                0x06 => return i.k,
                c => panic!("instruction {c:#x} not modelled"),
            }
        }
    }

    #[test]
    fn the_filters_accept_what_they_say_and_drop_the_rest() {
        let to_server = udp_broadcast(b"request");
        let to_client = reply(b"offer");
        let mut dns = to_client.clone();
        dns[22..24].copy_from_slice(&[0, 53]);
        let mut tcp = to_client.clone();
        tcp[9] = 6;
        let mut fragment = to_client.clone();
        fragment[7] = 1; // offset 8 bytes: a later fragment
        assert_eq!(bpf(&TO_CLIENT, &to_client), 0xffff);
        assert_eq!(bpf(&TO_CLIENT, &to_server), 0);
        assert_eq!(bpf(&DHCP_EITHER_WAY, &to_client), 0xffff);
        assert_eq!(bpf(&DHCP_EITHER_WAY, &to_server), 0xffff);
        for (what, p) in [("port 53", &dns), ("tcp", &tcp), ("a later fragment", &fragment)] {
            assert_eq!(bpf(&TO_CLIENT, p), 0, "{what}");
            assert_eq!(bpf(&DHCP_EITHER_WAY, p), 0, "{what}");
        }
    }
}

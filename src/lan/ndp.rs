//! NDP frames as bytes, IPv6's counterpart of `arp.rs`: the RFC 4862 duplicate address
//! detection probe (a Neighbor Solicitation from `::` to the target's solicited-node
//! multicast address), the unsolicited Neighbor Advertisement that announces an address
//! after a start (the IPv6 gratuitous ARP, RFC 4861 section 7.2.6), parsing, and what
//! counts as a claim. Pure: the socket is `native.rs`'s.

use std::net::Ipv6Addr;

use crate::lan::arp::Mac;
use crate::lan::packet::{insn, Insn};

/// The EtherType of IPv6.
pub const ETH_P_IPV6: u16 = 0x86dd;
/// ICMPv6's IPv6 next-header number.
const IPPROTO_ICMPV6: u8 = 58;
const NEIGHBOR_SOLICITATION: u8 = 135;
const NEIGHBOR_ADVERTISEMENT: u8 = 136;
/// The option that carries a link-layer address: the source's (in an NS), the target's
/// (in an NA).
const OPT_TARGET_LLADDR: u8 = 2;
/// Every NDP message is sent with hop limit 255, and one received with less came through
/// a router and is discarded (RFC 4861 section 7.1.1).
const HOP_LIMIT: u8 = 255;
/// Ethernet (14) + IPv6 (40) headers: where ICMPv6 starts.
const ICMP_AT: usize = 54;
/// An NS or NA without options: type, code, checksum, 4 bytes of flags or reserved, target.
const ND_LEN: usize = 24;
/// The NA's Override flag: the advertised MAC replaces what neighbours cache for the address.
const FLAG_OVERRIDE: u8 = 0x20;

/// `ff02::1:ffXX:XXXX`: the multicast group of every address that ends in the same 24
/// bits, which a host holding (or probing for) the address has joined.
pub fn solicited_node(target: Ipv6Addr) -> Ipv6Addr {
    let o = target.octets();
    Ipv6Addr::from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, o[13], o[14], o[15]])
}

/// The Ethernet address of IPv6 multicast group `group` (RFC 2464): `33:33` and its last
/// 32 bits.
pub fn multicast_mac(group: Ipv6Addr) -> Mac {
    let o = group.octets();
    Mac([0x33, 0x33, o[12], o[13], o[14], o[15]])
}

/// The ICMPv6 checksum of `icmp` (its checksum field zero) sent from `src` to `dst`: the
/// one's complement sum over the IPv6 pseudo-header (source, destination, upper-layer
/// length, next header) and the message (RFC 8200 section 8.1).
pub fn checksum(src: Ipv6Addr, dst: Ipv6Addr, icmp: &[u8]) -> u16 {
    let mut pseudo = Vec::with_capacity(40 + icmp.len());
    pseudo.extend_from_slice(&src.octets());
    pseudo.extend_from_slice(&dst.octets());
    pseudo.extend_from_slice(&(icmp.len() as u32).to_be_bytes());
    pseudo.extend_from_slice(&[0, 0, 0, IPPROTO_ICMPV6]);
    pseudo.extend_from_slice(icmp);
    let mut sum: u32 = pseudo.chunks(2).map(|c| u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// An Ethernet frame of one ICMPv6 message `icmp` (checksum filled in) from `src` at
/// `eth_src` to `dst` at `eth_dst`.
fn frame(eth_dst: Mac, eth_src: Mac, src: Ipv6Addr, dst: Ipv6Addr, mut icmp: Vec<u8>) -> Vec<u8> {
    let sum = checksum(src, dst, &icmp);
    icmp[2..4].copy_from_slice(&sum.to_be_bytes());
    let mut f = Vec::with_capacity(ICMP_AT + icmp.len());
    f.extend_from_slice(&eth_dst.0);
    f.extend_from_slice(&eth_src.0);
    f.extend_from_slice(&ETH_P_IPV6.to_be_bytes());
    // Version 6, traffic class 0, flow label 0.
    f.extend_from_slice(&[0x60, 0, 0, 0]);
    f.extend_from_slice(&(icmp.len() as u16).to_be_bytes());
    f.extend_from_slice(&[IPPROTO_ICMPV6, HOP_LIMIT]);
    f.extend_from_slice(&src.octets());
    f.extend_from_slice(&dst.octets());
    f.extend_from_slice(&icmp);
    f
}

/// An NS or NA for `target` without options, its checksum still zero.
fn nd(kind: u8, flags: u8, target: Ipv6Addr) -> Vec<u8> {
    let mut m = vec![kind, 0, 0, 0, flags, 0, 0, 0];
    m.extend_from_slice(&target.octets());
    m
}

/// The RFC 4862 duplicate address detection probe for `target` from `mac`: a Neighbor
/// Solicitation from the unspecified address `::` (so no neighbour learns anything from
/// it) to the target's solicited-node group, without a source link-layer address option
/// (section 5.4.2 forbids one from `::`). A holder answers with an NA to all nodes.
pub fn probe(mac: Mac, target: Ipv6Addr) -> Vec<u8> {
    let group = solicited_node(target);
    frame(multicast_mac(group), mac, Ipv6Addr::UNSPECIFIED, group, nd(NEIGHBOR_SOLICITATION, 0, target))
}

/// All nodes on the link, where an unsolicited NA goes.
const ALL_NODES: Ipv6Addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 1);

/// An unsolicited Neighbor Advertisement that `ip` is at `mac` (RFC 4861 section 7.2.6),
/// the IPv6 gratuitous ARP: from `ip` to all nodes, Override set (Solicited and Router
/// not), with the target link-layer address option, so every neighbour that caches `ip`
/// moves it to `mac` at once.
pub fn announce(mac: Mac, ip: Ipv6Addr) -> Vec<u8> {
    let mut m = nd(NEIGHBOR_ADVERTISEMENT, FLAG_OVERRIDE, ip);
    m.extend_from_slice(&[OPT_TARGET_LLADDR, 1]);
    m.extend_from_slice(&mac.0);
    frame(multicast_mac(ALL_NODES), mac, ip, ALL_NODES, m)
}

/// The kind of a Neighbor Discovery message the probe reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Solicitation,
    Advertisement,
}

/// The fields of a received NS or NA that the probe reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nd {
    pub kind: Kind,
    /// The Ethernet source.
    pub mac: Mac,
    /// The IPv6 source (`::` for another host's DAD probe).
    pub src: Ipv6Addr,
    pub target: Ipv6Addr,
}

/// The NS or NA in an Ethernet frame, if it is one: IPv6 whose next header is ICMPv6
/// (no extension headers: NDP carries none), hop limit 255, code 0.
pub fn parse(frame: &[u8]) -> Option<Nd> {
    if frame.len() < ICMP_AT + ND_LEN || frame[12..14] != ETH_P_IPV6.to_be_bytes() {
        return None;
    }
    let ip = &frame[14..ICMP_AT];
    if ip[0] >> 4 != 6 || ip[6] != IPPROTO_ICMPV6 || ip[7] != HOP_LIMIT {
        return None;
    }
    let icmp = &frame[ICMP_AT..];
    let kind = match (icmp[0], icmp[1]) {
        (NEIGHBOR_SOLICITATION, 0) => Kind::Solicitation,
        (NEIGHBOR_ADVERTISEMENT, 0) => Kind::Advertisement,
        _ => return None,
    };
    let addr = |b: &[u8]| Ipv6Addr::from(<[u8; 16]>::try_from(b).expect("16 bytes"));
    let mut mac = [0u8; 6];
    mac.copy_from_slice(&frame[6..12]);
    Some(Nd { kind, mac: Mac(mac), src: addr(&ip[8..24]), target: addr(&icmp[8..24]) })
}

impl Nd {
    /// Which of `targets` this message says is in use, by whom, under RFC 4862 (section
    /// 5.4.3 and 5.4.4): an advertisement for a target (an answer to the probe, or a
    /// holder's unsolicited one), or another host's DAD probe for a target (an NS from
    /// `::`), which means it is about to take it. An NS from a unicast source only asks
    /// where the target is (address resolution): its sender holds another address, so it
    /// is no claim. Messages from a MAC in `ours` are not foreign and count for nothing.
    pub fn claims(&self, targets: &[Ipv6Addr], ours: &[Mac]) -> Option<(Ipv6Addr, Mac)> {
        if ours.contains(&self.mac) || !targets.contains(&self.target) {
            return None;
        }
        match self.kind {
            Kind::Advertisement => Some((self.target, self.mac)),
            Kind::Solicitation if self.src.is_unspecified() => Some((self.target, self.mac)),
            Kind::Solicitation => None,
        }
    }
}

/// The socket's filter: only ICMPv6 NS and NA frames are queued (of every IPv6 frame the
/// parent carries), read at fixed offsets since NDP has no extension headers.
pub const FILTER: [Insn; 7] = [
    insn(0x30, 0, 0, 20),                            // 0: ldb [20]          next header
    insn(0x15, 0, 4, IPPROTO_ICMPV6 as u32),         // 1: jeq #58, 2, 6
    insn(0x30, 0, 0, ICMP_AT as u32),                // 2: ldb [54]          ICMPv6 type
    insn(0x15, 1, 0, NEIGHBOR_SOLICITATION as u32),  // 3: jeq #135, 5, 4
    insn(0x15, 0, 1, NEIGHBOR_ADVERTISEMENT as u32), // 4: jeq #136, 5, 6
    insn(0x06, 0, 0, 0xffff),                        // 5: ret #65535        accept
    insn(0x06, 0, 0, 0),                             // 6: ret #0            drop
];

#[cfg(test)]
mod tests {
    use super::*;

    const ME: Mac = Mac([0x02, 0, 0, 0, 0, 0x01]);
    const HOLDER: Mac = Mac([0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee]);

    fn v6(s: &str) -> Ipv6Addr {
        s.parse().unwrap()
    }

    #[test]
    fn solicited_node_group_and_its_mac() {
        let t = v6("2001:db8:51:100::1:2345");
        assert_eq!(solicited_node(t), v6("ff02::1:ff01:2345"));
        assert_eq!(multicast_mac(solicited_node(t)).to_string(), "33:33:ff:01:23:45");
        assert_eq!(multicast_mac(ALL_NODES).to_string(), "33:33:00:00:00:01");
    }

    #[test]
    fn the_dad_probe_is_these_bytes() {
        let f = probe(ME, v6("2001:db8:51:100::100"));
        #[rustfmt::skip]
        let want: Vec<u8> = [
            // Ethernet: to the solicited-node group's MAC, from ours, IPv6.
            &[0x33, 0x33, 0xff, 0x00, 0x01, 0x00, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xdd][..],
            // IPv6: version 6, payload 24, ICMPv6, hop limit 255, from ::, to ff02::1:ff00:100.
            &[0x60, 0, 0, 0, 0, 24, 58, 255],
            &[0; 16],
            &[0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0x00, 0x01, 0x00],
            // ICMPv6: Neighbor Solicitation, code 0, checksum, reserved, the target.
            &[135, 0, 0x49, 0x9e, 0, 0, 0, 0],
            &[0x20, 0x01, 0x0d, 0xb8, 0x00, 0x51, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0x01, 0x00],
        ]
        .concat();
        assert_eq!(f, want);
        // The checksum field makes the whole sum, pseudo-header included, all ones.
        assert_eq!(checksum(Ipv6Addr::UNSPECIFIED, v6("ff02::1:ff00:100"), &f[ICMP_AT..]), 0);
    }

    #[test]
    fn the_announcement_is_an_unsolicited_override_na_with_our_mac() {
        let ip = v6("2001:db8:51:100::100");
        let f = announce(ME, ip);
        assert_eq!(f.len(), ICMP_AT + 32);
        assert_eq!(&f[0..6], &[0x33, 0x33, 0, 0, 0, 1]);
        assert_eq!(&f[22..38], &ip.octets());
        assert_eq!(&f[38..54], &ALL_NODES.octets());
        assert_eq!(&f[ICMP_AT..ICMP_AT + 2], &[136, 0]);
        assert_eq!(f[ICMP_AT + 4], 0x20, "Override only: not Solicited, not Router");
        assert_eq!(&f[ICMP_AT + 24..], &[2, 1, 0x02, 0, 0, 0, 0, 0x01]);
        assert_eq!(checksum(ip, ALL_NODES, &f[ICMP_AT..]), 0);
        // It reads back as what it says.
        let nd = parse(&f).unwrap();
        assert_eq!((nd.kind, nd.mac, nd.src, nd.target), (Kind::Advertisement, ME, ip, ip));
    }

    #[test]
    fn a_holder_s_answer_or_dad_probe_claims_and_address_resolution_does_not() {
        let t = v6("2001:db8:51:100::100");
        let other = v6("2001:db8:51:100::7");
        let targets = [t];
        // A holder's NA (as a kernel answers a DAD probe): a claim, by its MAC.
        let na = parse(&announce(HOLDER, t)).unwrap();
        assert_eq!(na.claims(&targets, &[ME]), Some((t, HOLDER)));
        // Another host's DAD probe for the target: it is about to take it.
        let dad = parse(&probe(HOLDER, t)).unwrap();
        assert_eq!(dad.claims(&targets, &[ME]), Some((t, HOLDER)));
        // Our own probe, heard back, and messages for other addresses: nothing.
        assert_eq!(parse(&probe(ME, t)).unwrap().claims(&targets, &[ME]), None);
        assert_eq!(parse(&announce(HOLDER, other)).unwrap().claims(&targets, &[ME]), None);
        // An NS from a unicast source asks where the target is: no claim.
        let mut resolve = probe(HOLDER, t);
        resolve[22..38].copy_from_slice(&other.octets());
        assert_eq!(parse(&resolve).unwrap().claims(&targets, &[ME]), None);
        // Through a router (hop limit below 255), cut short, or not ICMPv6: not NDP.
        let mut routed = announce(HOLDER, t);
        routed[21] = 64;
        assert_eq!(parse(&routed), None);
        assert_eq!(parse(&announce(HOLDER, t)[..60]), None);
        let mut udp = announce(HOLDER, t);
        udp[20] = 17;
        assert_eq!(parse(&udp), None);
    }
}

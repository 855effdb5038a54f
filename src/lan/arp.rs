//! ARP frames as bytes: the RFC 5227 probe and announcement lanctl sends on a parent, and
//! what a received frame says about the addresses being probed. Pure: no socket here
//! (that is `lanprobe.rs`), so every byte is unit-tested.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

/// An Ethernet (MAC) address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

impl Mac {
    pub const BROADCAST: Mac = Mac([0xff; 6]);
    pub const ZERO: Mac = Mac([0; 6]);

    /// Whether the group bit (the lowest bit of the first octet) is clear: an address one
    /// interface can have, not a multicast or broadcast one.
    pub fn is_unicast(&self) -> bool {
        self.0[0] & 1 == 0
    }

    /// Whether the locally administered bit (the second-lowest of the first octet) is set.
    pub fn is_local(&self) -> bool {
        self.0[0] & 2 != 0
    }
}

impl fmt::Display for Mac {
    /// Lower case, colon separated: how `ip` and docker print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(f, "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3], b[4], b[5])
    }
}

impl std::str::FromStr for Mac {
    type Err = String;

    /// Six hex octets separated by `:` (or `-`), either case.
    fn from_str(s: &str) -> Result<Mac, String> {
        let parts: Vec<&str> = s.split([':', '-']).collect();
        if parts.len() != 6 {
            return Err(format!("{s:?} is not a MAC address (six hex octets, e.g. 02:42:c6:33:64:10)"));
        }
        let mut mac = [0u8; 6];
        for (i, p) in parts.iter().enumerate() {
            if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!("{s:?} is not a MAC address (six hex octets, e.g. 02:42:c6:33:64:10)"));
            }
            mac[i] = u8::from_str_radix(p, 16).expect("two hex digits");
        }
        Ok(Mac(mac))
    }
}

/// The MAC lanctl pins for a macvlan tenant: stable for a network and an address, so a
/// recreated tenant (`update`, a rollback, a new `up` on the same address) keeps it and the
/// LAN's caches stay right. The first two octets come from a 64-bit FNV-1a hash of the
/// network's name, with the locally administered bit set and the group bit clear (a
/// unicast address no vendor assigns); the last four are the IPv4 address (of an IPv6
/// address, its last four octets). Two tenants of one IPv4 network can never share it
/// (their addresses differ), and `02:42`, the prefix of docker's own MACs, is avoided.
pub fn derived_mac(network: &str, ip: IpAddr) -> Mac {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in network.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    let [a, b, ..] = h.to_be_bytes();
    let mut first = (a & 0xfc) | 0x02;
    let mut second = b;
    if (first, second) == (0x02, 0x42) {
        second ^= 0x01;
    }
    if first == 0 {
        first = 0x02;
    }
    let [c, d, e, f] = match ip {
        IpAddr::V4(a) => a.octets(),
        IpAddr::V6(a) => {
            let o = a.octets();
            [o[12], o[13], o[14], o[15]]
        }
    };
    Mac([first, second, c, d, e, f])
}

/// Why `mac` cannot be a tenant's MAC, if it cannot: a multicast or broadcast address, or
/// all zeros.
pub fn refuse_tenant_mac(mac: Mac) -> Option<&'static str> {
    if mac == Mac::ZERO {
        Some("is all zeros")
    } else if !mac.is_unicast() {
        Some("is a multicast or broadcast address (the lowest bit of its first octet is set)")
    } else {
        None
    }
}

/// The EtherType of ARP.
pub const ETH_P_ARP: u16 = 0x0806;
const ETH_P_IP: u16 = 0x0800;
const HTYPE_ETHERNET: u16 = 1;
const OP_REQUEST: u16 = 1;
const OP_REPLY: u16 = 2;
/// Ethernet header (14) + ARP for IPv4 over Ethernet (28).
const ARP_LEN: usize = 42;
/// The shortest Ethernet frame without its checksum: shorter frames are padded with zeros.
pub const FRAME_LEN: usize = 60;

/// One ARP request over Ethernet, padded to the minimum frame size.
fn request(eth_src: Mac, sha: Mac, spa: Ipv4Addr, tpa: Ipv4Addr) -> [u8; FRAME_LEN] {
    let mut f = [0u8; FRAME_LEN];
    f[0..6].copy_from_slice(&Mac::BROADCAST.0);
    f[6..12].copy_from_slice(&eth_src.0);
    f[12..14].copy_from_slice(&ETH_P_ARP.to_be_bytes());
    f[14..16].copy_from_slice(&HTYPE_ETHERNET.to_be_bytes());
    f[16..18].copy_from_slice(&ETH_P_IP.to_be_bytes());
    f[18] = 6;
    f[19] = 4;
    f[20..22].copy_from_slice(&OP_REQUEST.to_be_bytes());
    f[22..28].copy_from_slice(&sha.0);
    f[28..32].copy_from_slice(&spa.octets());
    // The target hardware address stays zero (bytes 32..38), as RFC 5227 asks.
    f[38..42].copy_from_slice(&tpa.octets());
    f
}

/// An RFC 5227 ARP probe for `target` from `mac`: a broadcast request whose sender
/// address is 0.0.0.0, so no neighbour learns anything from it, asking who has `target`.
pub fn probe(mac: Mac, target: Ipv4Addr) -> [u8; FRAME_LEN] {
    request(mac, mac, Ipv4Addr::UNSPECIFIED, target)
}

/// An RFC 5227 ARP announcement (gratuitous ARP): a broadcast request from `mac` whose
/// sender and target address are both `ip`, so every neighbour that has an entry for
/// `ip` updates it to `mac` at once, without sending anything itself.
pub fn announce(mac: Mac, ip: Ipv4Addr) -> [u8; FRAME_LEN] {
    request(mac, mac, ip, ip)
}

/// The ARP fields of a received frame that the probe reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arp {
    pub op: u16,
    pub sha: Mac,
    pub spa: Ipv4Addr,
    pub tpa: Ipv4Addr,
}

/// The ARP message in an Ethernet frame, if it is IPv4-over-Ethernet ARP.
pub fn parse(frame: &[u8]) -> Option<Arp> {
    if frame.len() < ARP_LEN || frame[12..14] != ETH_P_ARP.to_be_bytes() {
        return None;
    }
    let a = &frame[14..];
    if a[0..2] != HTYPE_ETHERNET.to_be_bytes() || a[2..4] != ETH_P_IP.to_be_bytes() || a[4] != 6 || a[5] != 4 {
        return None;
    }
    let ip = |at: usize| Ipv4Addr::new(a[at], a[at + 1], a[at + 2], a[at + 3]);
    let mut sha = [0u8; 6];
    sha.copy_from_slice(&a[8..14]);
    Some(Arp { op: u16::from_be_bytes([a[6], a[7]]), sha: Mac(sha), spa: ip(14), tpa: ip(24) })
}

impl Arp {
    /// Which of `targets` this message says is in use, by whom, under RFC 5227 (section
    /// 2.1.1): any ARP message whose sender address is a target (a reply to the probe, or
    /// a request or announcement of a host that uses it), or another host's probe for a
    /// target (sender 0.0.0.0), which means it is about to take it. Messages from a MAC in
    /// `ours` (the parent's own, a tenant's pinned one) are not foreign and count for nothing.
    pub fn claims(&self, targets: &[Ipv4Addr], ours: &[Mac]) -> Option<(Ipv4Addr, Mac)> {
        if ours.contains(&self.sha) || !matches!(self.op, OP_REQUEST | OP_REPLY) {
            return None;
        }
        if targets.contains(&self.spa) {
            return Some((self.spa, self.sha));
        }
        if self.op == OP_REQUEST && self.spa.is_unspecified() && targets.contains(&self.tpa) {
            return Some((self.tpa, self.sha));
        }
        None
    }
}

/// How an ARP message claims an address (see [`Arp::claim`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Said {
    /// A reply: "the address is at my MAC".
    Reply,
    /// A gratuitous ARP (RFC 5227 announcement): a request whose sender and target are
    /// the address, which moves every neighbour's entry for it.
    Gratuitous,
    /// A request from the address for another one: its sender uses the address.
    Request,
    /// An RFC 5227 probe (sender 0.0.0.0) for the address: its sender is about to take it.
    Probe,
}

impl Said {
    pub fn as_str(self) -> &'static str {
        match self {
            Said::Reply => "reply",
            Said::Gratuitous => "gratuitous",
            Said::Request => "request",
            Said::Probe => "probe",
        }
    }
}

impl Arp {
    /// Which of `targets` this message says its sender holds (or, a probe, is about to
    /// take), and how: the same messages as [`Arp::claims`], from any MAC, for an
    /// observer that wants every holder of an address, the owner's own answer included.
    pub fn claim(&self, targets: &[Ipv4Addr]) -> Option<(Ipv4Addr, Said)> {
        match self.op {
            OP_REPLY if targets.contains(&self.spa) => Some((self.spa, Said::Reply)),
            OP_REQUEST if targets.contains(&self.spa) => {
                Some((self.spa, if self.tpa == self.spa { Said::Gratuitous } else { Said::Request }))
            }
            OP_REQUEST if self.spa.is_unspecified() && targets.contains(&self.tpa) => Some((self.tpa, Said::Probe)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: Mac = Mac([0x02, 0, 0, 0, 0, 0x01]);
    const OTHER: Mac = Mac([0xa6, 0xb7, 0x0e, 0xd5, 0xa2, 0x1b]);

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    #[test]
    fn a_probe_is_a_broadcast_request_from_zero() {
        let f = probe(ME, ip("198.51.100.16"));
        let want: [u8; 42] = [
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x06, // Ethernet
            0, 1, 0x08, 0, 6, 4, 0, 1, // htype, ptype, hlen, plen, op = request
            0x02, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, // sha, spa 0.0.0.0
            0, 0, 0, 0, 0, 0, 198, 51, 100, 16, // tha zero, tpa
        ];
        assert_eq!(f[..42], want);
        assert_eq!(f[42..], [0u8; 18], "padded with zeros to 60 bytes");
    }

    #[test]
    fn an_announcement_names_the_address_twice() {
        let f = announce(OTHER, ip("198.51.100.17"));
        assert_eq!(f[0..6], [0xff; 6]);
        assert_eq!(f[6..12], OTHER.0);
        assert_eq!(f[20..22], [0, 1], "a request, as RFC 5227 recommends");
        assert_eq!(f[22..28], OTHER.0);
        assert_eq!(f[28..32], [198, 51, 100, 17]);
        assert_eq!(f[32..38], [0; 6]);
        assert_eq!(f[38..42], [198, 51, 100, 17]);
    }

    #[test]
    fn parses_what_it_builds_and_nothing_else() {
        let a = parse(&probe(ME, ip("198.51.100.16"))).unwrap();
        assert_eq!(a, Arp { op: 1, sha: ME, spa: ip("0.0.0.0"), tpa: ip("198.51.100.16") });
        assert_eq!(parse(&probe(ME, ip("198.51.100.16"))[..41]), None, "too short");
        let mut ipv6 = probe(ME, ip("198.51.100.16"));
        ipv6[12..14].copy_from_slice(&[0x86, 0xdd]);
        assert_eq!(parse(&ipv6), None);
        let mut other_hw = probe(ME, ip("198.51.100.16"));
        other_hw[15] = 6;
        assert_eq!(parse(&other_hw), None);
    }

    /// A reply as Linux sends it to a probe: unicast to the prober, from the owner.
    fn reply(from: Mac, spa: &str, to: Mac) -> [u8; FRAME_LEN] {
        let mut f = request(from, from, ip(spa), ip("0.0.0.0"));
        f[0..6].copy_from_slice(&to.0);
        f[21] = 2;
        f[32..38].copy_from_slice(&to.0);
        f
    }

    #[test]
    fn what_counts_as_a_claim() {
        let targets = [ip("198.51.100.16"), ip("198.51.100.17")];
        let claim = |f: &[u8]| parse(f).unwrap().claims(&targets, &[ME]);
        // A reply for a target.
        assert_eq!(claim(&reply(OTHER, "198.51.100.17", ME)), Some((ip("198.51.100.17"), OTHER)));
        // A reply for another address says nothing.
        assert_eq!(claim(&reply(OTHER, "198.51.100.18", ME)), None);
        // Another host probing for a target is about to take it.
        assert_eq!(claim(&probe(OTHER, ip("198.51.100.16"))), Some((ip("198.51.100.16"), OTHER)));
        // Another host announcing a target, or asking from it, uses it.
        assert_eq!(claim(&announce(OTHER, ip("198.51.100.16"))), Some((ip("198.51.100.16"), OTHER)));
        // A host using another address asking who has a target: nothing said about it.
        assert_eq!(claim(&request(OTHER, OTHER, ip("198.51.100.40"), ip("198.51.100.16"))), None);
        // Our own frames, and a tenant's own MAC, are not foreign.
        assert_eq!(claim(&probe(ME, ip("198.51.100.16"))), None);
        let tenant = Mac([0x02, 0x4c, 0, 0, 0, 9]);
        let a = parse(&announce(tenant, ip("198.51.100.16"))).unwrap();
        assert_eq!(a.claims(&targets, &[ME, tenant]), None);
        assert_eq!(a.claims(&targets, &[ME]), Some((ip("198.51.100.16"), tenant)));
    }

    #[test]
    fn every_claim_says_how() {
        let targets = [ip("198.51.100.16")];
        let claim = |f: &[u8]| parse(f).unwrap().claim(&targets);
        assert_eq!(claim(&reply(OTHER, "198.51.100.16", ME)), Some((ip("198.51.100.16"), Said::Reply)));
        assert_eq!(claim(&announce(OTHER, ip("198.51.100.16"))), Some((ip("198.51.100.16"), Said::Gratuitous)));
        assert_eq!(
            claim(&request(OTHER, OTHER, ip("198.51.100.16"), ip("198.51.100.1"))),
            Some((ip("198.51.100.16"), Said::Request))
        );
        assert_eq!(claim(&probe(OTHER, ip("198.51.100.16"))), Some((ip("198.51.100.16"), Said::Probe)));
        // Our own MAC is a holder like any other: the observer wants the owner's answer too.
        assert_eq!(claim(&reply(ME, "198.51.100.16", OTHER)), Some((ip("198.51.100.16"), Said::Reply)));
        assert_eq!(claim(&reply(OTHER, "198.51.100.17", ME)), None, "another address");
        assert_eq!(claim(&request(OTHER, OTHER, ip("198.51.100.40"), ip("198.51.100.16"))), None, "a question");
        let mut rarp = reply(OTHER, "198.51.100.16", ME);
        rarp[21] = 3;
        assert_eq!(claim(&rarp), None, "neither request nor reply");
    }

    #[test]
    fn a_derived_mac_is_stable_local_unicast_and_carries_the_address() {
        let m = derived_mac("ltfix-net", ip("198.51.100.100").into());
        assert_eq!(m, derived_mac("ltfix-net", ip("198.51.100.100").into()), "stable");
        assert!(m.is_unicast() && m.is_local());
        assert_eq!(m.0[2..], [198, 51, 100, 100]);
        assert_eq!(m.to_string(), "f6:0a:c6:33:64:64", "FNV-1a of ltfix-net, then the address");
        assert_ne!(m, derived_mac("ltfix-net", ip("198.51.100.101").into()));
        assert_ne!(m.0[..2], derived_mac("other-net", ip("198.51.100.100").into()).0[..2]);
        for n in 0..2000 {
            let m = derived_mac(&format!("net{n}"), ip("198.51.100.100").into());
            assert!(m.is_unicast() && m.is_local() && m.0[..2] != [0x02, 0x42], "{m}");
        }
    }

    #[test]
    fn a_tenant_mac_must_be_unicast_and_not_zero() {
        assert_eq!(refuse_tenant_mac(Mac::ZERO), Some("is all zeros"));
        assert!(refuse_tenant_mac(Mac::BROADCAST).is_some());
        assert!(refuse_tenant_mac("01:00:5e:00:00:01".parse().unwrap()).is_some());
        assert_eq!(refuse_tenant_mac("02:00:00:00:00:01".parse().unwrap()), None);
    }

    #[test]
    fn macs_print_and_parse() {
        assert_eq!(OTHER.to_string(), "a6:b7:0e:d5:a2:1b");
        assert_eq!("A6:B7:0E:D5:A2:1B".parse::<Mac>().unwrap(), OTHER);
        assert_eq!("a6-b7-0e-d5-a2-1b".parse::<Mac>().unwrap(), OTHER);
        for bad in ["", "a6:b7:0e:d5:a2", "a6:b7:0e:d5:a2:1b:00", "a6:b7:0e:d5:a2:1", "g6:b7:0e:d5:a2:1b", "a6:b7:0e:d5:a2:+1"] {
            assert!(bad.parse::<Mac>().is_err(), "{bad}");
        }
        assert!(ME.is_unicast() && ME.is_local());
        assert!(!Mac::BROADCAST.is_unicast());
        assert!(!"00:1b:21:0a:0b:0c".parse::<Mac>().unwrap().is_local(), "a vendor (OUI) address");
    }
}

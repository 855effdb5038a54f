use super::message::Bootp;
use super::*;

fn range(a: &str, b: &str) -> AddrRange {
    AddrRange { start: a.parse().unwrap(), end: b.parse().unwrap() }
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

#[test]
fn a_small_range_is_requested_whole() {
    let r = range("198.51.100.16", "198.51.100.47");
    assert_eq!(sample(r, MAX_REQUESTS), r.iter().collect::<Vec<_>>());
    assert_eq!(sample(range("198.51.100.5", "198.51.100.5"), MAX_REQUESTS), [ip("198.51.100.5")]);
}

#[test]
fn a_large_range_is_sampled_evenly_from_first_to_last() {
    let s = sample(range("10.0.0.0", "10.0.0.255"), 4);
    assert_eq!(s, [ip("10.0.0.0"), ip("10.0.0.85"), ip("10.0.0.170"), ip("10.0.0.255")]);
    let s = sample(range("198.51.100.1", "198.51.100.254"), MAX_REQUESTS);
    assert_eq!(s.len(), MAX_REQUESTS);
    assert_eq!((s[0], s[31]), (ip("198.51.100.1"), ip("198.51.100.254")));
    let gaps: Vec<u32> = s.windows(2).map(|w| u32::from(w[1]) - u32::from(w[0])).collect();
    assert!(gaps.iter().all(|&g| g == 8 || g == 9), "{gaps:?}");
    // The whole address space: still 32, still first and last.
    let s = sample(range("0.0.0.0", "255.255.255.255"), MAX_REQUESTS);
    assert_eq!((s.len(), s[0], s[31]), (32, ip("0.0.0.0"), ip("255.255.255.255")));
    assert!(s.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn discover_is_a_broadcast_from_the_fixed_mac_requesting_one_address() {
    let bytes = discover(0x1234_5678, ip("198.51.100.20"));
    assert_eq!(bytes.len(), 300, "padded to the BOOTP minimum");
    let msg = Bootp::parse(&bytes).unwrap();
    assert!(!msg.reply);
    assert_eq!(msg.xid, 0x1234_5678);
    assert_eq!(msg.chaddr, CLIENT_MAC);
    assert_eq!(msg.message_type, Some(MessageType::Discover));
    // The fixed header (236 bytes), the magic cookie, then the options in order.
    assert_eq!(&bytes[0..4], &[1, 1, 6, 0], "BOOTREQUEST, Ethernet, 6-byte address, 0 hops");
    assert_eq!(&bytes[4..8], &[0x12, 0x34, 0x56, 0x78]);
    assert_eq!(&bytes[8..12], &[0, 0, 0x80, 0], "0 seconds, the broadcast flag");
    assert!(bytes[12..28].iter().all(|&b| b == 0), "ciaddr, yiaddr, siaddr, giaddr: 0.0.0.0");
    assert_eq!(&bytes[28..34], &CLIENT_MAC);
    assert!(bytes[34..236].iter().all(|&b| b == 0), "the rest of chaddr, sname and file are empty");
    assert_eq!(&bytes[236..240], &[99, 130, 83, 99]);
    assert_eq!(&bytes[240..256], &[53, 1, 1, 50, 4, 198, 51, 100, 20, 55, 2, 1, 3, 255, 0, 0]);
    assert!(bytes[254..].iter().all(|&b| b == 0), "padded with pad options");
    // Never anything but a discover: no DHCPREQUEST, so no lease.
    assert!(!bytes.windows(3).any(|w| w == [53, 1, 3]));
}

#[test]
fn discover_mac_is_locally_administered_unicast() {
    assert_eq!(CLIENT_MAC[0] & 0b11, 0b10);
    assert_eq!(mac_string(&CLIENT_MAC), "02:6c:61:6e:63:74");
}

/// A reply as a server sends it: op 2, the fields, the cookie, option 53 of `kind`
/// (2 offer, 5 ack), option 54 when given, the end option.
fn offer(xid: u32, yiaddr: &str, server_id: Option<&str>, siaddr: &str, chaddr: &[u8], kind: u8) -> Vec<u8> {
    let mut m = vec![0u8; 236];
    m[..4].copy_from_slice(&[2, 1, 6, 0]);
    m[4..8].copy_from_slice(&xid.to_be_bytes());
    m[16..20].copy_from_slice(&ip(yiaddr).octets());
    m[20..24].copy_from_slice(&ip(siaddr).octets());
    m[28..28 + chaddr.len()].copy_from_slice(chaddr);
    m.extend_from_slice(&[99, 130, 83, 99, 53, 1, kind]);
    if let Some(id) = server_id {
        m.extend_from_slice(&[54, 4]);
        m.extend_from_slice(&ip(id).octets());
    }
    // dnsmasq's lease time and subnet mask, which are read past.
    m.extend_from_slice(&[51, 4, 0, 0, 0x0e, 0x10, 1, 4, 255, 255, 255, 0, 255]);
    m
}

const OFFER: u8 = 2;
const ACK: u8 = 5;

#[test]
fn reads_an_offer_and_its_server() {
    let src = ip("198.51.100.9");
    let o = offer(7, "198.51.100.20", Some("198.51.100.2"), "0.0.0.0", &CLIENT_MAC, OFFER);
    assert_eq!(parse_offer(&o, src), Some(Offer { xid: 7, yiaddr: ip("198.51.100.20"), server: ip("198.51.100.2") }));
    // No server identifier: siaddr, then the packet's source.
    let o = offer(7, "198.51.100.20", None, "198.51.100.3", &CLIENT_MAC, OFFER);
    assert_eq!(parse_offer(&o, src).unwrap().server, ip("198.51.100.3"));
    let o = offer(7, "198.51.100.20", None, "0.0.0.0", &CLIENT_MAC, OFFER);
    assert_eq!(parse_offer(&o, src).unwrap().server, src);
}

#[test]
fn ignores_what_is_not_an_offer_to_this_client() {
    let src = ip("198.51.100.9");
    let other = [0x02, 0, 0, 0, 0, 1];
    assert_eq!(parse_offer(&offer(7, "198.51.100.20", None, "0.0.0.0", &other, OFFER), src), None);
    assert_eq!(parse_offer(&offer(7, "198.51.100.20", None, "0.0.0.0", &CLIENT_MAC, ACK), src), None);
    assert_eq!(parse_offer(&discover(7, ip("198.51.100.20")), src), None, "a discover, ours or another client's");
    assert_eq!(parse_offer(b"not dhcp", src), None);
    assert_eq!(parse_offer(&[], src), None);
    // A truncated offer is not read as one.
    let o = offer(7, "198.51.100.20", Some("198.51.100.2"), "0.0.0.0", &CLIENT_MAC, OFFER);
    assert_eq!(parse_offer(&o[..200], src), None);
    // An option that runs past the end: not a message.
    let mut cut = offer(7, "198.51.100.20", None, "0.0.0.0", &CLIENT_MAC, OFFER);
    cut.truncate(cut.len() - 1);
    cut.extend_from_slice(&[54, 4, 198, 51]);
    assert_eq!(parse_offer(&cut, src), None);
}

/// Untrusted bytes never panic: every truncation of a real offer, and noise of every
/// length a packet could have up to a few options, from a fixed-seed generator.
#[test]
fn no_bytes_make_the_reader_panic() {
    let o = offer(7, "198.51.100.20", Some("198.51.100.2"), "198.51.100.3", &CLIENT_MAC, OFFER);
    for n in 0..=o.len() {
        let _ = parse_offer(&o[..n], ip("198.51.100.9"));
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u8
    };
    for len in [0, 1, 239, 240, 241, 242, 243, 300, 576, 1500] {
        for _ in 0..200 {
            let mut b: Vec<u8> = (0..len).map(|_| next()).collect();
            // Mostly valid headers, so the option walk is what gets the noise.
            if len >= 240 {
                b[..3].copy_from_slice(&[2, 1, 6]);
                b[236..240].copy_from_slice(&[99, 130, 83, 99]);
            }
            let _ = Bootp::parse(&b);
        }
    }
}

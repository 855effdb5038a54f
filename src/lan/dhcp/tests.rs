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
    let msg = Message::decode(&mut Decoder::new(&bytes)).unwrap();
    assert_eq!(msg.opcode(), Opcode::BootRequest);
    assert_eq!(msg.xid(), 0x1234_5678);
    assert_eq!(msg.chaddr(), CLIENT_MAC);
    assert!(msg.flags().broadcast());
    assert_eq!(msg.ciaddr(), Ipv4Addr::UNSPECIFIED);
    assert_eq!(msg.opts().msg_type(), Some(MessageType::Discover));
    assert_eq!(msg.opts().get(OptionCode::RequestedIpAddress), Some(&DhcpOption::RequestedIpAddress(ip("198.51.100.20"))));
    // The fixed header (236 bytes), the magic cookie, then the message type first.
    assert_eq!(&bytes[0..4], &[1, 1, 6, 0], "BOOTREQUEST, Ethernet, 6-byte address, 0 hops");
    assert_eq!(&bytes[28..34], &CLIENT_MAC);
    assert_eq!(&bytes[236..240], &[99, 130, 83, 99]);
    // Never anything but a discover: no DHCPREQUEST, so no lease.
    assert!(!bytes.windows(3).any(|w| w == [53, 1, 3]));
}

#[test]
fn discover_mac_is_locally_administered_unicast() {
    assert_eq!(CLIENT_MAC[0] & 0b11, 0b10);
    assert_eq!(mac_string(&CLIENT_MAC), "02:6c:61:6e:63:74");
}

/// An offer as a server sends it.
fn offer(xid: u32, yiaddr: &str, server_id: Option<&str>, siaddr: &str, chaddr: &[u8], kind: MessageType) -> Vec<u8> {
    let zero = Ipv4Addr::UNSPECIFIED;
    let mut msg = Message::new_with_id(xid, zero, ip(yiaddr), ip(siaddr), zero, chaddr);
    msg.set_opcode(Opcode::BootReply);
    msg.opts_mut().insert(DhcpOption::MessageType(kind));
    if let Some(id) = server_id {
        msg.opts_mut().insert(DhcpOption::ServerIdentifier(ip(id)));
    }
    let mut buf = Vec::new();
    msg.encode(&mut Encoder::new(&mut buf)).unwrap();
    buf
}

#[test]
fn reads_an_offer_and_its_server() {
    let src = ip("198.51.100.9");
    let o = offer(7, "198.51.100.20", Some("198.51.100.2"), "0.0.0.0", &CLIENT_MAC, MessageType::Offer);
    assert_eq!(parse_offer(&o, src), Some(Offer { xid: 7, yiaddr: ip("198.51.100.20"), server: ip("198.51.100.2") }));
    // No server identifier: siaddr, then the packet's source.
    let o = offer(7, "198.51.100.20", None, "198.51.100.3", &CLIENT_MAC, MessageType::Offer);
    assert_eq!(parse_offer(&o, src).unwrap().server, ip("198.51.100.3"));
    let o = offer(7, "198.51.100.20", None, "0.0.0.0", &CLIENT_MAC, MessageType::Offer);
    assert_eq!(parse_offer(&o, src).unwrap().server, src);
}

#[test]
fn ignores_what_is_not_an_offer_to_this_client() {
    let src = ip("198.51.100.9");
    let other = [0x02, 0, 0, 0, 0, 1];
    assert_eq!(parse_offer(&offer(7, "198.51.100.20", None, "0.0.0.0", &other, MessageType::Offer), src), None);
    assert_eq!(parse_offer(&offer(7, "198.51.100.20", None, "0.0.0.0", &CLIENT_MAC, MessageType::Ack), src), None);
    assert_eq!(parse_offer(&discover(7, ip("198.51.100.20")), src), None, "a discover, ours or another client's");
    assert_eq!(parse_offer(b"not dhcp", src), None);
    assert_eq!(parse_offer(&[], src), None);
    // A truncated offer is not read as one.
    let o = offer(7, "198.51.100.20", Some("198.51.100.2"), "0.0.0.0", &CLIENT_MAC, MessageType::Offer);
    assert_eq!(parse_offer(&o[..200], src), None);
}

use super::*;

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

fn range(s: &str) -> AddrRange {
    AddrRange::parse(s).unwrap()
}

#[test]
fn ordinals_are_the_families_own_numbers_and_stop_at_the_last_address() {
    assert_eq!(ordinal(ip("0.0.0.1")), 1);
    assert_eq!(ordinal(ip("255.255.255.255")), u128::from(u32::MAX));
    assert_eq!(ordinal(ip("::1")), 1);
    assert_eq!(ordinal(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")), u128::MAX);
    assert_eq!(offset(ip("198.51.100.255"), 1), Some(ip("198.51.101.0")));
    assert_eq!(offset(ip("2001:db8::ffff"), 1), Some(ip("2001:db8::1:0")));
    // Past the last address of a family there is none: IPv4 does not run into IPv6.
    assert_eq!(offset(ip("255.255.255.255"), 1), None);
    assert_eq!(offset(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 1), None);
}

#[test]
fn a_range_is_of_one_family_and_never_ends_before_it_starts() {
    assert_eq!(AddrRange::parse("198.51.100.1-2001:db8::1"), None);
    assert_eq!(AddrRange::new(ip("198.51.100.1"), ip("2001:db8::1")), None);
    assert_eq!(AddrRange::new(ip("198.51.100.2"), ip("198.51.100.1")), None);
    assert_eq!(AddrRange::new(ip("2001:db8::1"), ip("2001:db8::1")), Some(range("2001:db8::1-2001:db8::1")));
    // Addresses of the other family are never inside, nor do ranges of two families meet.
    let v4 = range("0.0.0.0-255.255.255.255");
    assert!(!v4.contains(ip("::1")));
    assert!(!v4.overlaps(&range("::-::ffff:ffff")));
}

#[test]
fn a_range_of_one_holds_one_address_in_both_families() {
    for s in ["198.51.100.7-198.51.100.7", "2001:db8::7-2001:db8::7"] {
        let r = range(s);
        assert_eq!(r.len(), 1, "{s}");
        assert_eq!(r.iter().collect::<Vec<_>>(), [r.start], "{s}");
        assert_eq!(r.split(1), Some(vec![r]), "{s}");
        assert_eq!(r.split(2), None, "{s}");
        assert_eq!(r.largest_block().to_string(), format!("{}/{}", r.start, if r.start.is_ipv4() { 32 } else { 128 }));
    }
}

#[test]
fn the_last_address_of_a_family_ends_a_range_and_its_walk() {
    let top4 = range("255.255.255.253-255.255.255.255");
    assert_eq!(top4.iter().map(|a| a.to_string()).collect::<Vec<_>>(), ["255.255.255.253", "255.255.255.254", "255.255.255.255"]);
    assert_eq!(top4.split(3).unwrap()[2].to_string(), "255.255.255.255-255.255.255.255");
    let top6 = range("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
    assert_eq!(top6.len(), 2);
    assert_eq!(top6.iter().last(), Some(top6.end));
    assert_eq!(top6.split(2).unwrap()[1].start, top6.end);
    assert!(top6.contains(top6.end));
    // The whole IPv6 space is one address more than u128 counts; it saturates.
    assert_eq!(AddrRange::of_net("::/0".parse().unwrap()).len(), u128::MAX);
    assert_eq!(AddrRange::of_net("0.0.0.0/0".parse().unwrap()).len(), 1 << 32);
}

#[test]
fn ipv6_ranges_split_and_block_as_ipv4_ones_do() {
    let r = range("2001:db8::100-2001:db8::131");
    let show = |parts: u64| r.split(parts).map(|v| v.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" "));
    assert_eq!(show(2).unwrap(), "2001:db8::100-2001:db8::118 2001:db8::119-2001:db8::131");
    assert_eq!(show(0x32).unwrap().split(' ').next_back(), Some("2001:db8::131-2001:db8::131"));
    assert_eq!(show(0x33), None);
    assert_eq!(r.largest_block().to_string(), "2001:db8::100/123");
    assert_eq!(range("198.51.100.100-198.51.100.131").largest_block().to_string(), "198.51.100.112/28");
    assert_eq!(AddrRange::of_net("2001:db8::/126".parse().unwrap()).to_string(), "2001:db8::-2001:db8::3");
}

#[test]
fn a_walk_stops_after_two_to_the_32_addresses_and_the_range_keeps_its_size() {
    // A whole IPv4 space is exactly the bound: walked to its last address.
    let all4 = AddrRange::of_net("0.0.0.0/0".parse().unwrap());
    assert_eq!(all4.scanned(), all4);
    // A /64 is a reservation, not a list: its size stays, its walk is the first 2^32.
    let net64 = AddrRange::of_net("2001:db8::/64".parse().unwrap());
    assert_eq!(net64.len(), 1 << 64);
    let walked = net64.scanned();
    assert_eq!(walked.len(), MAX_SCAN);
    assert_eq!(walked.to_string(), "2001:db8::-2001:db8::ffff:ffff");
    // One address more than the bound is walked to the bound, one less to its end.
    let over = AddrRange::new(ip("2001:db8::"), ip("2001:db8::1:0:0")).unwrap();
    assert_eq!((over.len(), over.scanned().end), (MAX_SCAN + 1, ip("2001:db8::ffff:ffff")));
    let under = AddrRange::new(ip("2001:db8::"), ip("2001:db8::ffff:fffe")).unwrap();
    assert_eq!(under.scanned(), under);
    assert_eq!(net64.iter().take(2).collect::<Vec<_>>(), [ip("2001:db8::"), ip("2001:db8::1")]);
}

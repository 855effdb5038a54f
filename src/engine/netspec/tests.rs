use super::*;

fn input<'a>(subnet: &'a str, gateway: &'a str, ip_range: &'a str, aux: &'a [String]) -> NetInput<'a> {
    NetInput {
        name: "lan",
        driver: Driver::Macvlan,
        parent: "enp0s3",
        subnet,
        gateway,
        ip_range,
        mode: None,
        aux,
        vlan: None,
        v6: None,
    }
}

fn err(i: &NetInput) -> String {
    let e = validate(i).unwrap_err();
    assert_eq!(e.exit, crate::exec::error::Exit::Usage);
    e.to_string()
}

#[test]
fn accepts_the_quickstart() {
    let s = validate(&input("192.168.23.0/24", "192.168.23.1", "192.168.23.96/27", &[])).unwrap();
    assert_eq!(s.range.to_string(), "192.168.23.96-192.168.23.127");
    assert_eq!(s.docker_range.to_string(), "192.168.23.96/27");
    assert_eq!(s.mode, "bridge");
}

#[test]
fn ipv6_is_refused_flag_by_flag_before_anything_runs() {
    let aux = ["printer=fd00::2".to_string()];
    let cases = [
        (input("fd00::/64", "192.168.23.1", "192.168.23.96/27", &[]), "--subnet fd00::/64 is IPv6"),
        (input("192.168.23.0/24", "fd00::1", "192.168.23.96/27", &[]), "--gateway fd00::1 is IPv6"),
        (input("192.168.23.0/24", "192.168.23.1", "fd00::/80", &[]), "--ip-range fd00::/80 is IPv6"),
        (input("192.168.23.0/24", "192.168.23.1", "fd00::10-fd00::20", &[]), "--ip-range fd00::10-fd00::20 is IPv6"),
        (input("192.168.23.0/24", "192.168.23.1", "192.168.23.96/27", &aux), "--aux-address fd00::2 is IPv6"),
    ];
    for (i, says) in cases {
        let m = err(&i);
        assert!(m.starts_with(says) && m.contains("not support") && !m.contains('\n'), "{m}");
    }
}

#[test]
fn non_canonical_range_says_what_docker_would_take() {
    let m = err(&input("192.168.23.0/24", "192.168.23.1", "192.168.23.100/27", &[]));
    assert_eq!(
        m,
        "--ip-range 192.168.23.100/27 is not canonical: Docker would silently take it as 192.168.23.96/27, \
         which spans 192.168.23.96-192.168.23.127; use --ip-range 192.168.23.96/27, or the exact range \
         --ip-range 192.168.23.100-192.168.23.131"
    );
}

#[test]
fn start_end_range_gives_docker_a_block_inside_it() {
    let s = validate(&input("192.168.23.0/24", "192.168.23.1", "192.168.23.100-192.168.23.131", &[])).unwrap();
    assert_eq!(s.range.len(), 32);
    assert_eq!(s.docker_range.to_string(), "192.168.23.112/28");
    assert!(s.range.contains(s.docker_range.network()) && s.range.contains(s.docker_range.broadcast()));
    let one = validate(&input("192.168.23.0/24", "192.168.23.1", "192.168.23.77-192.168.23.77", &[])).unwrap();
    assert_eq!(one.docker_range.to_string(), "192.168.23.77/32");
}

#[test]
fn rejects_bad_subnets_gateways_and_ranges() {
    assert!(err(&input("192.168.23.5/24", "192.168.23.1", "192.168.23.96/27", &[])).contains("use --subnet 192.168.23.0/24"));
    assert!(err(&input("fd00::/64", "fd00::1", "fd00::/80", &[])).contains("IPv6"));
    assert!(err(&input("192.168.23.0/24", "fd00::1", "192.168.23.96/27", &[])).contains("IPv6"));
    assert!(err(&input("192.168.23.0/24", "192.168.24.1", "192.168.23.96/27", &[])).contains("outside --subnet"));
    assert!(err(&input("192.168.23.0/24", "192.168.23.0", "192.168.23.96/27", &[])).contains("network address"));
    assert!(err(&input("192.168.23.0/24", "192.168.23.255", "192.168.23.96/27", &[])).contains("broadcast address"));
    assert!(err(&input("192.168.23.0/24", "192.168.23.1", "192.168.24.96/27", &[])).contains("not inside --subnet"));
    assert!(err(&input("192.168.23.0/24", "192.168.23.1", "192.168.23.200-192.168.24.3", &[])).contains("not inside"));
    assert!(err(&input("192.168.23.0/24", "192.168.23.1", "192.168.23.131-192.168.23.100", &[])).contains("ends before"));
    assert!(err(&input("192.168.23.0/24", "192.168.23.1", "nonsense", &[])).contains("not an IPv4 CIDR"));
    assert!(err(&input("192.168.23.0/24", "gw", "192.168.23.96/27", &[])).contains("not an IPv4 address"));
    assert!(err(&input("192.168.23.0/31", "192.168.23.1", "192.168.23.0/31", &[])).contains("too small"));
}

#[test]
fn checks_aux_addresses_modes_and_names() {
    let aux = vec!["printer=192.168.24.9".to_string()];
    assert!(err(&input("192.168.23.0/24", "192.168.23.1", "192.168.23.96/27", &aux)).contains("outside --subnet"));
    let aux = vec!["printer".to_string()];
    assert!(err(&input("192.168.23.0/24", "192.168.23.1", "192.168.23.96/27", &aux)).contains("HOST=IP"));
    let aux = vec!["a=192.168.23.9".to_string(), "a=192.168.23.10".to_string()];
    assert!(err(&input("192.168.23.0/24", "192.168.23.1", "192.168.23.96/27", &aux)).contains("twice"));
    let mut i = input("192.168.23.0/24", "192.168.23.1", "192.168.23.96/27", &[]);
    i.mode = Some("l2");
    assert_eq!(err(&i), "--mode l2 is not a macvlan mode; use one of bridge, private, vepa, passthru");
    i.driver = Driver::Ipvlan;
    assert_eq!(validate(&i).unwrap().mode, "l2");
    i.name = "-bad";
    assert!(err(&i).starts_with("network name \"-bad\" is invalid"));
    i.name = "lan";
    i.parent = "a/b";
    assert!(err(&i).contains("--parent"));
}

#[test]
fn reads_back_an_inspected_network_and_lists_differences() {
    let n: Vec<Network> = crate::engine::model::parse(
        "t",
        r#"[{"Name":"lan","Driver":"macvlan","Options":{"parent":"enp0s3","macvlan_mode":"bridge"},
        "IPAM":{"Config":[{"Subnet":"192.168.23.0/24","Gateway":"192.168.23.1","IPRange":"192.168.23.112/28"}]},
        "Labels":{"io.lanctl.managed":"true","io.lanctl.range":"192.168.23.100-192.168.23.131"}}]"#,
    )
    .unwrap();
    let have = NetSpec::from_network(&n[0]).unwrap();
    let want = validate(&input("192.168.23.0/24", "192.168.23.1", "192.168.23.100-192.168.23.131", &[])).unwrap();
    assert_eq!(have.differences(&want), Vec::<String>::new());
    let other = validate(&input("192.168.23.0/24", "192.168.23.254", "192.168.23.96/27", &[])).unwrap();
    assert_eq!(
        have.differences(&other),
        vec![
            "gateway is 192.168.23.1, not 192.168.23.254".to_string(),
            "ip-range is 192.168.23.100-192.168.23.131, not 192.168.23.96-192.168.23.127".to_string()
        ]
    );
}

#[test]
fn vlan_parents() {
    let mut i = input("192.168.23.0/24", "192.168.23.1", "192.168.23.96/27", &[]);
    i.vlan = Some(100);
    assert_eq!(validate(&i).unwrap().parent, "enp0s3.100");
    i.vlan = Some(4095);
    assert_eq!(err(&i), "--vlan: VLAN ID 4095 is out of range; use 1 to 4094");
    i.vlan = Some(5);
    i.parent = "enp0s3.7";
    assert!(err(&i).contains("already names a VLAN"));
    i.vlan = None;
    assert_eq!(validate(&i).unwrap().parent, "enp0s3.7");
    i.parent = "enp0s3.0";
    assert_eq!(
        err(&i),
        "--parent enp0s3.0: 0 in enp0s3.0 is not a VLAN id (1-4094); give IF.VID with one dot and a VLAN id from 1 to 4094"
    );
    i.parent = "br.lan.10";
    assert!(err(&i).starts_with("--parent br.lan.10: br.lan.10 is not of the form IF.VID"), "{}", err(&i));
    // A dotted name that is not meant as IF.VID may be an existing interface: the parent
    // check decides, with the same parser.
    i.parent = "br.lan";
    assert_eq!(validate(&i).unwrap().parent, "br.lan");
    i.parent = "enp0s3";
    i.vlan = Some(4000);
    i.parent = "averylongname";
    assert!(err(&i).contains("not an interface name"));
    // The one parser, as the parent check also reads it.
    assert_eq!(vlan_form("eth0.100"), Some(Ok(("eth0".into(), 100))));
    assert_eq!(vlan_form("eth0"), None);
    assert!(vlan_form("br.lan").unwrap().is_err());
    assert!(vlan_form("eth0.x").unwrap().is_err());
}

#[test]
fn routed_networks_name_the_route_via_the_hosts_address_on_the_parent() {
    let l3 = |mode: &str| {
        validate(&NetInput {
            driver: Driver::Ipvlan,
            mode: Some(mode),
            ..input("198.51.100.0/24", "198.51.100.1", "198.51.100.100-198.51.100.131", &[])
        })
        .unwrap()
    };
    let links: Vec<IpLink> = crate::engine::model::parse(
        "t",
        r#"[{"ifname":"enp0s3","addr_info":[{"family":"inet","local":"198.51.100.9","prefixlen":24},
                                          {"family":"inet","local":"192.0.2.2","prefixlen":24}]},
            {"ifname":"eth1","addr_info":[{"family":"inet","local":"192.0.2.77","prefixlen":24}]}]"#,
    )
    .unwrap();
    let r = l3("l3").lan_route(&links).unwrap();
    assert_eq!(r.advice(), "ip route add 198.51.100.0/24 via 192.0.2.2");
    assert_eq!(l3("l3s").lan_route(&links[..0]).unwrap().advice(),
        "none yet: enp0s3 has no IPv4 address; give it one on the LAN, then add `ip route add 198.51.100.0/24 via THAT_ADDRESS` on the LAN's router");
    assert_eq!(l3("l2").lan_route(&links), None);
    let mac = validate(&input("198.51.100.0/24", "198.51.100.1", "198.51.100.100-198.51.100.131", &[])).unwrap();
    assert_eq!(mac.lan_route(&links), None);
}

#[test]
fn a_range_splits_evenly_the_first_parts_one_longer() {
    let r = AddrRange::parse("198.51.100.100-198.51.100.131").unwrap();
    let show = |parts: u64| r.split(parts).map(|v| v.iter().map(|p| p.to_string()).collect::<Vec<_>>().join(" "));
    assert_eq!(show(2).unwrap(), "198.51.100.100-198.51.100.115 198.51.100.116-198.51.100.131");
    assert_eq!(show(3).unwrap(), "198.51.100.100-198.51.100.110 198.51.100.111-198.51.100.121 198.51.100.122-198.51.100.131");
    assert_eq!(show(32).unwrap().split(' ').next(), Some("198.51.100.100-198.51.100.100"));
    assert_eq!(show(33), None);
    assert_eq!(show(0), None);
    let top = AddrRange::parse("255.255.255.254-255.255.255.255").unwrap();
    assert_eq!(top.split(2).unwrap()[1].to_string(), "255.255.255.255-255.255.255.255");
    assert!(r.overlaps(&AddrRange::parse("198.51.100.131-198.51.100.140").unwrap()));
    assert!(!r.overlaps(&AddrRange::parse("198.51.100.132-198.51.100.140").unwrap()));
}

#[test]
fn a_config_only_part_reads_back_under_the_swarm_networks_name_with_its_driver() {
    let n: Network = crate::engine::model::parse(
        "t",
        r#"[{"Name":"lan.lanctl-config","Driver":"null","ConfigOnly":true,"Scope":"local",
            "Options":{"parent":"eno1","ipvlan_mode":"l2"},
            "IPAM":{"Config":[{"Subnet":"192.168.23.0/24","Gateway":"192.168.23.1","IPRange":"192.168.23.120/29"}]},
            "Labels":{"io.lanctl.managed":"true","io.lanctl.range":"192.168.23.116-192.168.23.131",
                      "io.lanctl.reservation":"192.168.23.100-192.168.23.131"}}]"#,
    )
    .map(|v: Vec<Network>| v.into_iter().next().unwrap())
    .unwrap();
    let spec = NetSpec::from_network(&n).unwrap();
    assert_eq!((spec.name.as_str(), spec.driver, spec.config_only), ("lan", Driver::Ipvlan, true));
    assert_eq!(spec.config_name(), "lan.lanctl-config");
    assert_eq!(spec.range.to_string(), "192.168.23.116-192.168.23.131");
    // A network with no driver that is not config-only is not lanctl's.
    let plain: Vec<Network> = crate::engine::model::parse(
        "t",
        r#"[{"Name":"x","Driver":"null","Options":{"ipvlan_mode":"l2"},"IPAM":{"Config":[{"Subnet":"192.168.23.0/24"}]}}]"#,
    )
    .unwrap();
    assert_eq!(NetSpec::from_network(&plain[0]), None);
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn dual(subnet6: &str, gateway6: &str, range6: &str) -> std::result::Result<NetSpec, String> {
    let (s, g, r) =
        (strings(&["192.168.23.0/24", subnet6]), strings(&["192.168.23.1", gateway6]), strings(&["192.168.23.96/27", range6]));
    let f = families(&s, &g, &r).map_err(|e| e.to_string())?;
    let i = NetInput { subnet: f.subnet, gateway: f.gateway, ip_range: f.ip_range, v6: f.v6, ..input("", "", "", &[]) };
    validate(&i).map_err(|e| {
        assert_eq!(e.exit, crate::exec::error::Exit::Usage);
        e.to_string()
    })
}

#[test]
fn a_dual_stack_spec_holds_an_ipv6_part_beside_the_ipv4_one() {
    let s = dual("2001:db8:23::/64", "2001:db8:23::1", "2001:db8:23::100-2001:db8:23::1ff").unwrap();
    assert_eq!(s.range.to_string(), "192.168.23.96-192.168.23.127");
    let v6 = s.v6.as_ref().unwrap();
    assert_eq!(v6.subnet.to_string(), "2001:db8:23::/64");
    assert_eq!(v6.range.to_string(), "2001:db8:23::100-2001:db8:23::1ff");
    assert_eq!(v6.docker_range.to_string(), "2001:db8:23::100/120");
    assert!(s.reserved().iter().any(|(ip, w)| ip.to_string() == "2001:db8:23::1" && w == "IPv6 gateway"));
    let cidr = dual("2001:db8:23::/64", "2001:db8:23::1", "2001:db8:23::1:0/112").unwrap();
    assert_eq!(cidr.v6.unwrap().range.to_string(), "2001:db8:23::1:0-2001:db8:23::1:ffff");
}

#[test]
fn dual_stack_flags_are_refused_one_line_each() {
    let cases = [
        (("2001:db8:23::/64", "2001:db8:23::1", "2001:db8:24::/120"), "--ip-range 2001:db8:24::/120 is not inside --subnet 2001:db8:23::/64; choose a range between 2001:db8:23:: and 2001:db8:23:0:ffff:ffff:ffff:ffff"),
        (("2001:db8:23::/64", "2001:db8:23::10", "2001:db8:23::/120"), "--gateway 2001:db8:23::10 is inside --ip-range 2001:db8:23::/120; give the router's address, or a range that leaves it out"),
        (("2001:db8:23::/64", "2001:db8:24::1", "2001:db8:23::100/120"), "--gateway 2001:db8:24::1 is outside --subnet 2001:db8:23::/64; give the router's IPv6 address on that subnet"),
        (("2001:db8:23::1/64", "2001:db8:23::1", "2001:db8:23::100/120"), "--subnet 2001:db8:23::1/64 is not canonical; use --subnet 2001:db8:23::/64"),
        (("fe80::/64", "fe80::1", "fe80::100/120"), "--subnet fe80::/64 is link-local or multicast; give the LAN's global or unique local prefix"),
        (("2001:db8:23::/64", "2001:db8:23::", "2001:db8:23::100/120"), "--gateway 2001:db8:23:: is the subnet-router anycast address of 2001:db8:23::/64; give the router's address, like 2001:db8:23::1"),
        (("2001:db8:23::/64", "2001:db8:23::1", "2001:db8:23::1ff-2001:db8:23::100"), "--ip-range 2001:db8:23::1ff-2001:db8:23::100 ends before it starts; write START-END with START <= END"),
    ];
    for ((s, g, r), says) in cases {
        assert_eq!(dual(s, g, r).unwrap_err(), says);
    }
}

#[test]
fn each_flag_is_taken_once_per_family_and_every_network_has_an_ipv4_part() {
    let f = |s: &[&str], g: &[&str], r: &[&str]| {
        let (s, g, r) = (strings(s), strings(g), strings(r));
        families(&s, &g, &r).err().map(|e| e.to_string())
    };
    let v4 = ["192.168.23.0/24"];
    assert_eq!(
        f(&["192.168.23.0/24", "192.168.24.0/24"], &["192.168.23.1"], &["192.168.23.96/27"]).unwrap(),
        "--subnet is given twice for IPv4 (192.168.23.0/24 and 192.168.24.0/24); give it once per family"
    );
    assert_eq!(
        f(&["2001:db8:23::/64", "192.168.23.0/24", "2001:db8:24::/64"], &["192.168.23.1"], &["192.168.23.96/27"]).unwrap(),
        "--subnet is given twice for IPv6 (2001:db8:23::/64 and 2001:db8:24::/64); give it once per family"
    );
    assert_eq!(
        f(&["2001:db8:23::/64"], &["2001:db8:23::1"], &["2001:db8:23::100/120"]).unwrap(),
        "--subnet 2001:db8:23::/64: IPv6-only networks are not supported yet; give an IPv4 --subnet, --gateway and --ip-range beside the IPv6 ones"
    );
    assert_eq!(
        f(&["192.168.23.0/24", "2001:db8:23::/64"], &["192.168.23.1"], &["192.168.23.96/27", "2001:db8:23::100/120"]).unwrap(),
        "--gateway has no IPv6 value; give the router's IPv6 address on --subnet 2001:db8:23::/64"
    );
    assert_eq!(
        f(&v4, &["192.168.23.1"], &["192.168.23.96/27", "fd00::/64"]).unwrap(),
        "--ip-range fd00::/64 is IPv6 but no IPv6 --subnet is given; give the IPv6 --subnet beside the IPv4 one, or leave --ip-range fd00::/64 out"
    );
    assert_eq!(
        f(&v4, &[], &["192.168.23.96/27"]).unwrap(),
        "--gateway has no IPv4 value; give the router's IPv4 address on 192.168.23.0/24"
    );
    assert_eq!(f(&v4, &["192.168.23.1"], &["192.168.23.96/27"]), None);
}

#[test]
fn an_inspected_dual_stack_network_reads_both_ipam_configs() {
    let n: crate::engine::model::Network = serde_json::from_str(
        r#"{"Name":"lan","Driver":"macvlan","Options":{"parent":"enp0s3","macvlan_mode":"bridge"},
            "Labels":{"io.lanctl.managed":"true","io.lanctl.range":"192.168.23.96-192.168.23.127",
                      "io.lanctl.range6":"2001:db8:23::100-2001:db8:23::17f"},
            "IPAM":{"Config":[{"Subnet":"2001:db8:23::/64","Gateway":"2001:db8:23::1","IPRange":"2001:db8:23::100/121"},
                              {"Subnet":"192.168.23.0/24","Gateway":"192.168.23.1","IPRange":"192.168.23.96/27"}]}}"#,
    )
    .unwrap();
    let s = NetSpec::from_network(&n).unwrap();
    assert_eq!(s.subnet.to_string(), "192.168.23.0/24");
    assert_eq!(s.gateway.to_string(), "192.168.23.1");
    let v6 = s.v6.clone().unwrap();
    assert_eq!((v6.subnet.to_string(), v6.gateway.to_string()), ("2001:db8:23::/64".into(), "2001:db8:23::1".into()));
    assert_eq!(v6.range.to_string(), "2001:db8:23::100-2001:db8:23::17f");
    assert_eq!(v6.docker_range.to_string(), "2001:db8:23::100/121");
    let v4_only = NetSpec { v6: None, ..s.clone() };
    assert_eq!(
        v4_only.differences(&s),
        [
            "IPv6 subnet is none, not 2001:db8:23::/64",
            "IPv6 gateway is none, not 2001:db8:23::1",
            "IPv6 ip-range is none, not 2001:db8:23::100-2001:db8:23::17f"
        ]
    );
}

#[test]
fn a_routed_dual_stack_network_names_the_ipv6_route_too() {
    let spec = validate(&NetInput {
        driver: Driver::Ipvlan,
        mode: Some("l3"),
        v6: Some(V6Input { subnet: "2001:db8:51:100::/64", gateway: "2001:db8:51:100::1", ip_range: "2001:db8:51:100::100/120" }),
        ..input("198.51.100.0/24", "198.51.100.1", "198.51.100.100-198.51.100.131", &[])
    })
    .unwrap();
    let links: Vec<IpLink> = crate::engine::model::parse(
        "t",
        r#"[{"ifname":"enp0s3","addr_info":[{"family":"inet","local":"192.0.2.2","prefixlen":24},
                                          {"family":"inet6","local":"fe80::1","prefixlen":64},
                                          {"family":"inet6","local":"2001:db8:1::2","prefixlen":64}]}]"#,
    )
    .unwrap();
    let r = spec.lan_route(&links).unwrap();
    assert_eq!(r.advice(), "ip route add 198.51.100.0/24 via 192.0.2.2");
    assert_eq!(r.advice6().unwrap(), "ip -6 route add 2001:db8:51:100::/64 via 2001:db8:1::2");
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        serde_json::json!({"subnet": "198.51.100.0/24", "via": "192.0.2.2",
            "ipv6": {"subnet": "2001:db8:51:100::/64", "via": "2001:db8:1::2"}})
    );
    // Only a link-local address: no route a router can use yet.
    let link_local: Vec<IpLink> = crate::engine::model::parse(
        "t",
        r#"[{"ifname":"enp0s3","addr_info":[{"family":"inet","local":"192.0.2.2","prefixlen":24},
                                          {"family":"inet6","local":"fe80::1","prefixlen":64}]}]"#,
    )
    .unwrap();
    let r = spec.lan_route(&link_local).unwrap();
    assert_eq!(
        r.advice6().unwrap(),
        "none yet: enp0s3 has no global IPv6 address; give it one on the LAN, then add `ip -6 route add 2001:db8:51:100::/64 via THAT_ADDRESS` on the LAN's router"
    );
    let ipv4_only = validate(&NetInput { v6: None, ..spec_input_l3() }).unwrap();
    assert_eq!(ipv4_only.lan_route(&links).unwrap().advice6(), None);
}

fn spec_input_l3() -> NetInput<'static> {
    NetInput {
        driver: Driver::Ipvlan,
        mode: Some("l3"),
        ..input("198.51.100.0/24", "198.51.100.1", "198.51.100.100-198.51.100.131", &[])
    }
}

use super::*;
use crate::engine::netspec::{validate, Driver, NetInput};

fn input() -> NetInput<'static> {
    NetInput {
        name: "lan",
        driver: Driver::Macvlan,
        parent: "enp0s3",
        subnet: "192.168.23.0/24",
        gateway: "192.168.23.1",
        ip_range: "192.168.23.100-192.168.23.131",
        mode: None,
        aux: &[],
        vlan: None,
        v6: None,
    }
}

fn spec(driver: Driver) -> NetSpec {
    validate(&NetInput {
        name: "lan",
        driver,
        parent: "enp0s3",
        subnet: "192.168.23.0/24",
        gateway: "192.168.23.1",
        ip_range: "192.168.23.100-192.168.23.131",
        mode: None,
        aux: &[],
        vlan: None,
        v6: None,
    })
    .unwrap()
}

#[test]
fn default_names_fit_the_kernel_limit_and_differ() {
    assert_eq!(default_ifname("lan"), "lc-lan");
    let a = default_ifname("streamers-east-1");
    let b = default_ifname("streamers-east-2");
    assert!(a.len() <= 15 && b.len() <= 15 && a != b, "{a} {b}");
}

#[test]
fn routes_cover_the_range_exactly() {
    let r: Vec<String> = range_routes(&spec(Driver::Macvlan)).iter().map(|n| n.to_string()).collect();
    assert_eq!(r, ["192.168.23.100/30", "192.168.23.104/29", "192.168.23.112/28", "192.168.23.128/30"]);
}

#[test]
fn finds_the_shim_by_what_it_is() {
    let links: Vec<IpLink> = crate::engine::model::parse(
        "t",
        r#"[{"ifname":"enp0s3","flags":["UP"],"addr_info":[{"family":"inet","local":"192.168.23.5","prefixlen":24}]},
            {"ifname":"other","link":"enp0s3","flags":["UP"],"linkinfo":{"info_kind":"macvlan"},"addr_info":[]},
            {"ifname":"shim9","link":"enp0s3","flags":["UP","LOWER_UP"],"linkinfo":{"info_kind":"macvlan"},
             "addr_info":[{"family":"inet","local":"192.168.23.254","prefixlen":32}]}]"#,
    )
    .unwrap();
    let s = find_shim(&links, &spec(Driver::Macvlan), None).unwrap();
    assert_eq!((s.ifname.as_str(), s.address, s.up), ("shim9", Some("192.168.23.254".parse().unwrap()), true));
    assert!(find_shim(&links, &spec(Driver::Macvlan), Some("nope")).is_none());
}

#[test]
fn persist_renders_ifupdown_and_networkd() {
    let s = spec(Driver::Macvlan);
    let c = persist::ShimConfig { spec: &s, ifname: "lc-lan", address: "192.168.23.254".parse().unwrap(), address6: None };
    let f = persist::ifupdown(std::path::Path::new("/"), &c);
    assert_eq!(f[0].path, std::path::Path::new("/etc/network/interfaces.d/lanctl-lc-lan"));
    assert!(f[0].text.contains("iface lc-lan inet static\n    address 192.168.23.254/32\n    pre-up ip link add lc-lan link enp0s3 type macvlan mode bridge\n"));
    assert!(f[0].text.contains("    up ip route add 192.168.23.112/28 dev lc-lan\n"));
    let dir = tempfile::tempdir().unwrap();
    let net_dir = dir.path().join("etc/systemd/network");
    std::fs::create_dir_all(&net_dir).unwrap();
    std::fs::write(net_dir.join("10-lan.network"), "[Match]\nName=enp0s3\n").unwrap();
    let parent = persist::find_parent_network_file(dir.path(), "enp0s3").unwrap();
    let f = persist::networkd(dir.path(), &c, Some(&parent));
    assert!(f[0].text.contains("[NetDev]\nName=lc-lan\nKind=macvlan\n\n[MACVLAN]\nMode=bridge\n"));
    assert!(f[1].text.contains("[Network]\nAddress=192.168.23.254/32\n"));
    assert_eq!(f[2].path, net_dir.join("10-lan.network.d/lanctl-lc-lan.conf"));
    assert!(f[2].text.ends_with("[Network]\nMACVLAN=lc-lan\n"));
    let s = spec(Driver::Ipvlan);
    let c = persist::ShimConfig { spec: &s, ifname: "lc-lan", address: "192.168.23.254".parse().unwrap(), address6: None };
    let f = persist::networkd(dir.path(), &c, None);
    assert!(f[0].text.contains("Kind=ipvlan\n\n[IPVLAN]\nMode=L2\n"));
    assert_eq!(f.len(), 2, "no drop-in without the parent's .network file");
}

#[test]
fn the_parents_network_file_may_live_in_run_and_its_drop_in_goes_in_etc() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run/systemd/network");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("10-netplan-enp0s3.network"), "[Match]\nName=enp0s3\n").unwrap();
    let parent = persist::find_parent_network_file(dir.path(), "enp0s3").unwrap();
    assert_eq!(parent, run.join("10-netplan-enp0s3.network"));
    let s = spec(Driver::Macvlan);
    let c = persist::ShimConfig { spec: &s, ifname: "lc-lan", address: "192.168.23.254".parse().unwrap(), address6: None };
    let f = persist::networkd(dir.path(), &c, Some(&parent));
    assert_eq!(f[2].path, dir.path().join("etc/systemd/network/10-netplan-enp0s3.network.d/lanctl-lc-lan.conf"));
}

#[test]
fn boot_files_are_found_by_their_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let s = spec(Driver::Macvlan);
    let c = persist::ShimConfig { spec: &s, ifname: "lc-lan", address: "192.168.23.254".parse().unwrap(), address6: None };
    let net_dir = dir.path().join("etc/systemd/network");
    std::fs::create_dir_all(&net_dir).unwrap();
    std::fs::write(net_dir.join("10-lan.network"), "[Match]\nName=enp0s3\n").unwrap();
    let parent = persist::find_parent_network_file(dir.path(), "enp0s3").unwrap();
    let mut files = persist::ifupdown(dir.path(), &c);
    files.extend(persist::networkd(dir.path(), &c, Some(&parent)));
    for f in &files {
        std::fs::create_dir_all(f.path.parent().unwrap()).unwrap();
        std::fs::write(&f.path, &f.text).unwrap();
    }
    // Someone else's file with a lanctl-like name is not lanctl's.
    std::fs::write(dir.path().join("etc/network/interfaces.d/lanctl-other"), "auto other\n").unwrap();
    let found = persist::persisted(dir.path());
    let paths: Vec<_> = found.iter().map(|p| p.path.strip_prefix(dir.path()).unwrap().display().to_string()).collect();
    assert_eq!(
        paths,
        [
            "etc/network/interfaces.d/lanctl-lc-lan",
            "etc/systemd/network/10-lan.network.d/lanctl-lc-lan.conf",
            "etc/systemd/network/50-lanctl-lc-lan.netdev",
            "etc/systemd/network/50-lanctl-lc-lan.network",
        ]
    );
    assert!(found.iter().all(|p| p.network == "lan" && p.ifname == "lc-lan"));
    // The address is read where the file gives one: not the drop-in's, not the netdev's.
    let addresses: Vec<Option<String>> = found.iter().map(|p| p.address.map(|a| a.to_string())).collect();
    assert_eq!(addresses, [Some("192.168.23.254".to_string()), None, None, Some("192.168.23.254".to_string())]);
}

#[test]
fn persist_of_a_dual_stack_shim_adds_the_ipv6_address_and_routes() {
    let s = validate(&NetInput {
        v6: Some(crate::engine::netspec::V6Input {
            subnet: "2001:db8:51:100::/64",
            gateway: "2001:db8:51:100::1",
            ip_range: "2001:db8:51:100::100/120",
        }),
        ..input()
    })
    .unwrap();
    let c = persist::ShimConfig {
        spec: &s,
        ifname: "lc-lan",
        address: "192.168.23.254".parse().unwrap(),
        address6: Some("2001:db8:51:100::ffff".parse().unwrap()),
    };
    let f = persist::ifupdown(std::path::Path::new("/"), &c);
    assert!(f[0].text.ends_with(
        "    post-down ip link delete lc-lan\niface lc-lan inet6 static\n    address 2001:db8:51:100::ffff/128\n    \
         up ip -6 route add 2001:db8:51:100::100/120 dev lc-lan\n"
    ));
    let f = persist::networkd(std::path::Path::new("/"), &c, None);
    assert!(f[1].text.contains("Address=192.168.23.254/32\nAddress=2001:db8:51:100::ffff/128\n"));
    assert!(f[1].text.ends_with("\n[Route]\nDestination=192.168.23.128/30\n\n[Route]\nDestination=2001:db8:51:100::100/120\n"));
}

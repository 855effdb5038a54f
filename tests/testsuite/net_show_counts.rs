//! `net show` counts only the addresses a tenant can get, and a routed (ipvlan l3/l3s)
//! network says the route the LAN needs, in `net show` and when `net create` makes it.
//! Against the fake docker and ip.

use crate::common::*;
use crate::support::*;

/// The fixture network as ipvlan in `mode` (l2, l3, l3s).
fn ipvlan(mode: &str) -> String {
    network_with_range("198.51.100.100-198.51.100.131")
        .replace(r#""Driver": "macvlan""#, r#""Driver": "ipvlan""#)
        .replace(r#""macvlan_mode": "bridge""#, &format!(r#""ipvlan_mode": "{mode}""#))
}

const PARENT_WITH_ADDRESS: &str = r#"[{"ifname":"ltfixp","addr_info":[{"family":"inet","local":"192.0.2.50","prefixlen":24}]}]"#;

#[test]
fn a_range_counts_only_the_addresses_a_tenant_can_get() {
    // A /25 range holding the network address, the gateway and the aux address router2.
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &network_with_range("198.51.100.0-198.51.100.127")));
    let out = lanctl(&f).args(["net", "show", NET]).output().unwrap();
    assert_eq!((out.status.code(), lossy(&out.stderr)), (Some(0), String::new()));
    assert_eq!(
        lossy(&out.stdout),
        format!(
            "{SHOW_NETWORK}\
             range     198.51.100.0-198.51.100.127 (125 usable of 128 addresses; docker --ip-range 198.51.100.112/28)\n\
             {SHOW_HELD}\
             free      123 (next 198.51.100.3)\n"
        )
    );
    let out = lanctl(&f).args(["--json", "net", "show", NET]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((v["range_size"].as_u64(), v["usable"].as_u64(), v["free"].as_u64()), (Some(128), Some(125), Some(123)));
    assert_eq!(v.get("route"), None, "a bridged network needs no route");
}

#[test]
fn the_hosts_own_address_in_the_range_is_not_usable() {
    let f = lan_with(|f| {
        f.on(
            "ip",
            "-j addr show",
            0,
            r#"[{"ifname":"lc-x","addr_info":[{"family":"inet","local":"198.51.100.120","prefixlen":32}]}]"#,
        )
    });
    let out = lanctl(&f).args(["net", "show", NET]).output().unwrap();
    let text = lossy(&out.stdout);
    assert_eq!(
        text.lines().nth(2),
        Some("range     198.51.100.100-198.51.100.131 (31 usable of 32 addresses; docker --ip-range 198.51.100.112/28)"),
        "{text}"
    );
    assert_eq!(text.lines().last(), Some("free      29 (next 198.51.100.100)"));
}

#[test]
fn net_show_of_a_routed_network_says_the_route_the_lan_needs() {
    let f = lan_with(|f| {
        f.on("docker", "network inspect*", 0, &ipvlan("l3"));
        f.on("ip", "-j addr show", 0, PARENT_WITH_ADDRESS);
    });
    let out = lanctl(&f).args(["net", "show", NET]).output().unwrap();
    let text = lossy(&out.stdout);
    assert_eq!(text.lines().next(), Some("network   ltfix-net (ipvlan l3 on ltfixp)"));
    assert_eq!(text.lines().last(), Some("route     ip route add 198.51.100.0/24 via 192.0.2.50"), "{text}");
    let out = lanctl(&f).args(["--json", "net", "show", NET]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["route"], serde_json::json!({"subnet": "198.51.100.0/24", "via": "192.0.2.50"}));

    // Without an address on the parent there is no route to give yet.
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &ipvlan("l3s")));
    let out = lanctl(&f).args(["net", "show", NET]).output().unwrap();
    assert_eq!(
        lossy(&out.stdout).lines().last(),
        Some(
            "route     none yet: ltfixp has no IPv4 address; give it one on the LAN, then add \
             `ip route add 198.51.100.0/24 via THAT_ADDRESS` on the LAN's router"
        )
    );
    // l2 answers ARP on the LAN itself: no route line.
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &ipvlan("l2")));
    let out = lanctl(&f).args(["net", "show", NET]).output().unwrap();
    assert!(lossy(&out.stdout).lines().last().unwrap().starts_with("free "), "{}", lossy(&out.stdout));
}

fn create_l3() -> Vec<String> {
    let driver = ["--driver", "ipvlan", "--mode", "l3", "--parent", "ltfixp"];
    let create = net_create("lan3", &driver, &["--ip-range", "198.51.100.100-198.51.100.131"]);
    ["--skip-checks".to_string()].into_iter().chain(create).collect()
}

#[test]
fn net_create_of_a_routed_network_says_the_route_the_lan_needs() {
    let f = lan_with(|f| {
        without_fixture_network(f);
        f.on("ip", "-j addr show", 0, PARENT_WITH_ADDRESS);
    });
    let out = lanctl(&f).args(create_l3()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        lossy(&out.stderr),
        "lanctl: created ipvlan network lan3 on ltfixp (range 198.51.100.100-198.51.100.131)\n\
         lanctl: ipvlan l3 network lan3 is routed through this host: on the LAN's router (or each client) add \
         `ip route add 198.51.100.0/24 via 192.0.2.50`\n"
    );
    let f = lan_without_networks();
    let out = lanctl(&f).args(create_l3()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        lossy(&out.stderr),
        "lanctl: created ipvlan network lan3 on ltfixp (range 198.51.100.100-198.51.100.131)\n\
         lanctl: warning: ipvlan l3 network lan3 is routed through this host, but ltfixp has no IPv4 address; \
         give it one on the LAN, then add `ip route add 198.51.100.0/24 via THAT_ADDRESS` on the LAN's router\n"
    );
}

#[test]
fn net_ls_and_show_inspect_only_the_stopped_containers() {
    // Running tenants' addresses come from the network's own inspect; only the stopped
    // one is inspected, since only its own settings keep its static address.
    let f = lan();
    let ps = format!("docker ps --all --no-trunc --filter network=ltfix-net --format {}", PS_FORMAT.trim_matches('\''));
    // `net ls` reads every container of the host, alongside the listing of its networks.
    let calls = |args: &[&str]| {
        let done = Run::new(&f).args(args).stdout_unchecked().check();
        let mut calls: Vec<String> = done.calls.iter().map(|c| c.argv.join(" ")).collect();
        calls.sort();
        calls
    };
    // `net show NET` reads the one network it names, at the same time as the rest, and its
    // cluster record (the slice `export cni|k8s` gave a cluster) beside its stopped holders.
    assert_eq!(
        calls(&["net", "show", NET]),
        [
            format!("docker container inspect -- {STOPPED_FULL_ID}"),
            format!("docker network inspect -- {NET}"),
            format!("docker network inspect -- {NET}.lanctl-cluster"),
            ps.clone(),
            "ip -j addr show".to_string(),
        ]
    );
    assert_eq!(
        calls(&["net", "ls"]),
        [
            format!("docker container inspect -- {STOPPED_FULL_ID}"),
            format!("docker network inspect -- {NETWORK_IDS}"),
            // The networks' cluster records, in one inspect.
            format!("docker network inspect -- {NET}.lanctl-cluster"),
            "docker network ls --no-trunc --filter label=io.lanctl.managed --format {{json .}}".to_string(),
            format!("docker ps --all --no-trunc --format {}", PS_FORMAT.trim_matches('\'')),
            "ip -j addr show".to_string(),
        ]
    );
}

#[test]
fn net_ls_reads_the_containers_while_it_lists_the_networks() {
    // Two rounds, not three: `docker ps` of the host does not wait for the networks'
    // names. Each of the two reads waits for the other to start before it answers. (The
    // fixture's ps lines predate the network label, so no container counts as a tenant.)
    let met = tempfile::tempdir().unwrap();
    let f = lan_with(|f| {
        f.on_script(
            "docker",
            "network ls --no-trunc --filter label=io.lanctl.managed *",
            &answer_once_all_started(met.path(), "netls", 2, &fixture("docker-network-ls.jsonl")),
        );
        f.on_script(
            "docker",
            "ps --all --no-trunc --format *",
            &answer_once_all_started(met.path(), "ps", 2, &fixture("docker-ps-a.jsonl")),
        );
    });
    Run::new(&f).args(["net", "ls"]).stdout(NET_LS_FIXTURE).check();
}

/// The routed fixture made dual-stack.
fn ipvlan_dual(mode: &str) -> String {
    dual_stack(&ipvlan(mode))
}

#[test]
fn net_show_and_doctor_of_a_routed_dual_stack_network_name_the_ipv6_route_too() {
    let parent = r#"[{"ifname":"ltfixp","addr_info":[{"family":"inet","local":"192.0.2.50","prefixlen":24},
        {"family":"inet6","local":"fe80::50","prefixlen":64},{"family":"inet6","local":"2001:db8:2::50","prefixlen":64}]}]"#;
    let f = lan_with(|f| {
        f.on("docker", "network inspect*", 0, &ipvlan_dual("l3"));
        f.on("ip", "-j addr show", 0, parent);
    });
    let out = lanctl(&f).args(["net", "show", NET]).output().unwrap();
    let text = lossy(&out.stdout);
    let tail: Vec<&str> = text.lines().rev().take(2).collect();
    assert_eq!(
        tail,
        [
            "route6    ip -6 route add 2001:db8:51:100::/64 via 2001:db8:2::50",
            "route     ip route add 198.51.100.0/24 via 192.0.2.50"
        ],
        "{text}"
    );
    let out = lanctl(&f).args(["--json", "net", "show", NET]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["route"],
        serde_json::json!({"subnet": "198.51.100.0/24", "via": "192.0.2.50",
            "ipv6": {"subnet": "2001:db8:51:100::/64", "via": "2001:db8:2::50"}})
    );
    // A parent with a link-local IPv6 address only: no IPv6 route to give yet.
    let f = lan_with(|f| {
        f.on("docker", "network inspect*", 0, &ipvlan_dual("l3"));
        f.on("ip", "-j addr show", 0, PARENT_WITH_ADDRESS);
    });
    let out = lanctl(&f).args(["net", "show", NET]).output().unwrap();
    assert_eq!(
        lossy(&out.stdout).lines().last(),
        Some(
            "route6    none yet: ltfixp has no global IPv6 address; give it one on the LAN, then add \
             `ip -6 route add 2001:db8:51:100::/64 via THAT_ADDRESS` on the LAN's router"
        )
    );
}

#[test]
fn net_create_of_a_routed_dual_stack_network_names_the_ipv6_route_too() {
    let parent = r#"[{"ifname":"ltfixp","addr_info":[{"family":"inet","local":"192.0.2.50","prefixlen":24},
        {"family":"inet6","local":"2001:db8:2::50","prefixlen":64}]}]"#;
    let f = lan_with(|f| {
        without_fixture_network(f);
        f.on("ip", "-j addr show", 0, parent);
    });
    let mut args = create_l3();
    args.extend(
        ["--subnet", "2001:db8:51:100::/64", "--gateway", "2001:db8:51:100::1", "--ip-range", "2001:db8:51:100::100/120"]
            .map(String::from),
    );
    let out = lanctl(&f).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    assert_eq!(
        lossy(&out.stderr).lines().last(),
        Some(
            "lanctl: ipvlan l3 network lan3 is routed through this host: on the LAN's router (or each client) add \
             `ip route add 198.51.100.0/24 via 192.0.2.50`, and `ip -6 route add 2001:db8:51:100::/64 via 2001:db8:2::50`"
        )
    );
}

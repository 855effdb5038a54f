//! `net create` of a network whose subnet overlaps another network's (any driver, either
//! family), or is the same subnet on another parent: lanctl refuses it itself, exit 2, one
//! line naming the other network, before docker would answer "Pool overlaps". Against the
//! fake docker and ip.

use crate::common::*;
use crate::support::*;

/// The calls of a refused create: every network listed, then inspected at once; nothing else.
fn reads() -> Vec<Vec<String>> {
    let ls = ["docker", "network", "ls", "--no-trunc", "--format", "{{json .}}"].map(String::from).to_vec();
    let inspect = format!("docker network inspect -- {NETWORK_IDS}").split(' ').map(String::from).collect();
    vec![ls, inspect]
}

#[test]
fn a_subnet_inside_another_networks_subnet_is_refused_naming_it() {
    let f = lan();
    let args = [
        "net",
        "create",
        "lt26",
        "--driver",
        "macvlan",
        "--parent",
        "ltfixp",
        "--subnet",
        "198.51.100.0/26",
        "--gateway",
        "198.51.100.1",
        "--ip-range",
        "198.51.100.16-198.51.100.31",
    ];
    for dry in [false, true] {
        f.clear_calls();
        Run::new(&f)
            .args(dry.then_some("--dry-run"))
            .args(args)
            .code(2)
            .stderr(
                "lanctl: --subnet 198.51.100.0/26 overlaps network ltfix-net's subnet 198.51.100.0/24; choose a subnet \
                 of its own, or remove ltfix-net first\n",
            )
            .changes(&[])
            .check();
        assert_eq!(f.calls(), reads(), "dry run: {dry}");
    }
}

#[test]
fn the_same_subnet_on_another_parent_is_refused_naming_the_other_network() {
    let f = lan();
    let args =
        net_create("ltother", &["--driver", "ipvlan", "--parent", "ltfixq"], &["--ip-range", "198.51.100.200-198.51.100.215"]);
    Run::new(&f)
        .args(&args)
        .code(2)
        .stderr(
            "lanctl: --subnet 198.51.100.0/24 overlaps network ltfix-net's subnet 198.51.100.0/24; choose a subnet of \
             its own, or remove ltfix-net first\n",
        )
        .changes(&[])
        .check();
    assert_eq!(f.calls(), reads());
}

#[test]
fn an_ipv6_subnet_inside_a_bridge_networks_is_refused_too() {
    // A plain bridge network of docker's own with an IPv6 subnet, no lanctl label.
    let bridge = r#"[{"Name":"ltbr6","Id":"br6","Driver":"bridge","Scope":"local","IPAM":{"Config":[{"Subnet":"2001:db8:51::/48"}]},"Labels":{}}]"#;
    let f = lan_with(|f| {
        f.on("docker", &format!("network inspect -- {OTHER_IDS}"), 0, bridge);
        without_fixture_network(f);
    });
    let mut args =
        net_create("lt6", &["--driver", "macvlan", "--parent", "ltfixp"], &["--ip-range", "198.51.100.100-198.51.100.131"]);
    args.extend(
        ["--subnet", "2001:db8:51:100::/64", "--gateway", "2001:db8:51:100::1", "--ip-range", "2001:db8:51:100::100/120"]
            .map(String::from),
    );
    Run::new(&f)
        .args(&args)
        .code(2)
        .stderr(
            "lanctl: --subnet 2001:db8:51:100::/64 overlaps network ltbr6's subnet 2001:db8:51::/48; choose a subnet of \
             its own, or remove ltbr6 first\n",
        )
        .changes(&[])
        .check();
}

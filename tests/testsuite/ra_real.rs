//! `doctor --dhcp`'s router advertisement check (`lan.ra`) against a real router: Debian's
//! dnsmasq advertising a prefix from the RealEnv's peer namespace (the stand-in LAN), and
//! cross-checked with `rdisc6` (Debian's ndisc6), which solicits the same router from the
//! host side. The prefix is 2001:db8:51:1a0::/64 (documentation), blackholed on the host
//! for the test; the host's side of the veth ignores advertisements (`accept_ra=0`), and
//! dnsmasq announces no default router (lifetime 0), so nothing the test hears changes
//! the host's routes. Nothing leaves the veth pair.
//!
//! Run with `cargo test --test testsuite ra_real:: -- --include-ignored`.

use std::time::{Duration, Instant};

use crate::common::*;

const RDISC6: &str = "/usr/bin/rdisc6";
const PREFIX: &str = "2001:db8:51:1a0::/64";
const INSIDE: &str = "2001:db8:51:1a0::100-2001:db8:51:1a0::1ff";
const OUTSIDE: &str = "2001:db8:51:1b0::100-2001:db8:51:1b0::1ff";

/// `ip -6 route add blackhole PREFIX` for the test's life, after checking that no route of
/// the host overlaps 2001:db8:51:1a0::/60 (the prefix and the range outside it).
struct Blackhole6;

impl Blackhole6 {
    fn hold() -> Blackhole6 {
        let routes = sh_ok("ip", &["-6", "route", "show", "table", "all"]);
        let near: Vec<&str> = routes.lines().filter(|l| l.contains("2001:db8:51:1a") || l.contains("2001:db8:51:1b")).collect();
        assert!(near.is_empty(), "the host already routes the test's IPv6 prefixes: {near:?}");
        for p in [PREFIX, "2001:db8:51:1b0::/64"] {
            sh_ok("ip", &["-6", "route", "add", "blackhole", p]);
        }
        Blackhole6
    }
}

impl Drop for Blackhole6 {
    fn drop(&mut self) {
        for p in [PREFIX, "2001:db8:51:1b0::/64"] {
            let _ = sh("ip", &["-6", "route", "del", "blackhole", p]);
        }
    }
}

/// dnsmasq as a router in `env`'s peer namespace, advertising `dhcp_range`; killed on drop.
fn advertise(env: &RealEnv, dhcp_range: &str) -> Dnsmasq {
    let range = format!("--dhcp-range={dhcp_range}");
    // Every 60 s, and a router lifetime of 0: it is no default router.
    let every = format!("--ra-param={},60,0", env.peer());
    Dnsmasq::spawn(env, None, &["--enable-ra", &range, &every], "router advertisement on")
}

/// The env with IPv6 on both ends of its veth: the host's end ignores advertisements and
/// neither end waits for DAD; the LAN's end holds 2001:db8:51:1a0::2 and a link-local.
fn ipv6_env() -> (RealEnv, Blackhole6, String) {
    let env = RealEnv::new();
    let hole = Blackhole6::hold();
    for (ns, dev) in [(None, env.parent()), (Some(env.netns()), env.peer())] {
        for (key, v) in [("disable_ipv6", "0"), ("accept_dad", "0"), ("accept_ra", "0")] {
            let set = format!("net.ipv6.conf.{dev}.{key}={v}");
            match ns {
                None => sh_ok("sysctl", &["-qw", &set]),
                Some(ns) => sh_ok("ip", &["netns", "exec", ns, "sysctl", "-qw", &set]),
            };
        }
    }
    // A link-local address of each end, now that DAD is off (a flap makes the kernel add it).
    for (ns, dev) in [(None, env.parent()), (Some(env.netns()), env.peer())] {
        let mut a: Vec<&str> = ns.map(|n| vec!["-n", n]).unwrap_or_default();
        a.extend(["link", "set", dev, "down"]);
        sh_ok("ip", &a);
        let last = a.len() - 1;
        a[last] = "up";
        sh_ok("ip", &a);
    }
    sh_ok("ip", &["-n", env.netns(), "-6", "addr", "add", "2001:db8:51:1a0::2/64", "dev", env.peer(), "nodad"]);
    let deadline = Instant::now() + Duration::from_secs(5);
    let router = loop {
        let out = sh_ok("ip", &["-n", env.netns(), "-6", "-o", "addr", "show", "dev", env.peer(), "scope", "link"]);
        if let Some(ll) = out.split_whitespace().skip_while(|w| *w != "inet6").nth(1) {
            break ll.split('/').next().unwrap().to_string();
        }
        assert!(Instant::now() < deadline, "no link-local address on the LAN's end: {out}");
        std::thread::sleep(Duration::from_millis(50));
    };
    (env, hole, router)
}

/// The `lan.ra` check of `doctor --dhcp --ip-range RANGE` on the env's parent.
fn ra_check(env: &RealEnv, range: &str) -> serde_json::Value {
    let out = env
        .lanctl()
        .args(["--json", "doctor", "--driver", "macvlan", "--parent", env.parent(), "--dhcp", "--ip-range", range])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", lossy(&out.stdout)));
    assert_documented("lanctl doctor", &v);
    let checks = v["checks"].as_array().unwrap();
    let dhcp = checks.iter().find(|c| c["id"] == "dhcp.pool").expect("a dhcp.pool check");
    assert_eq!(dhcp["status"], "skip", "{dhcp}");
    checks.iter().find(|c| c["id"] == "lan.ra").unwrap_or_else(|| panic!("no lan.ra check: {v}")).clone()
}

/// What `rdisc6` says of the router: (prefix, autonomous, managed).
fn rdisc6(env: &RealEnv) -> (String, bool, bool) {
    assert!(std::path::Path::new(RDISC6).exists(), "{RDISC6} is missing: install ndisc6 (scripts/test.sh does)");
    let out = sh_ok(RDISC6, &["-1", "-w", "1500", env.parent()]);
    let field = |name: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(name))
            .and_then(|l| l.split(':').nth(1).map(|v| v.trim().to_string()))
            .unwrap_or_else(|| panic!("rdisc6 printed no {name}: {out}"))
    };
    let prefix = out
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("Prefix").map(|r| r.trim_start_matches([' ', ':']).trim().to_string()))
        .unwrap_or_else(|| panic!("rdisc6 printed no prefix: {out}"));
    (prefix, field("Autonomous address conf.") == "Yes", field("Stateful address conf.") == "Yes")
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_range_inside_an_autonomous_prefix_warns_and_rdisc6_hears_the_same() {
    let (env, _hole, router) = ipv6_env();
    let _dnsmasq = advertise(&env, "2001:db8:51:1a0::,ra-only,64");
    let c = ra_check(&env, INSIDE);
    assert_eq!(c["status"], "warn", "{c}");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!(
            "on {}: hosts autoconfigure addresses (SLAAC) in {PREFIX} ({router}), which holds the reserved range {INSIDE}",
            env.parent()
        )),
        "{detail}"
    );
    assert!(
        detail.contains(&format!("router {router} (M=0 O=0, not a default router) advertises {PREFIX} on-link autonomous")),
        "{detail}"
    );
    // The same router, heard by the tool sysadmins already have.
    assert_eq!(rdisc6(&env), (PREFIX.to_string(), true, false));
    // A range outside every advertised prefix is fine.
    let c = ra_check(&env, OUTSIDE);
    assert_eq!(c["status"], "ok", "{c}");
    assert!(
        c["detail"].as_str().unwrap().ends_with(&format!("the reserved range {OUTSIDE} is in no autoconfigured prefix")),
        "{c}"
    );
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_dhcpv6_server_on_the_prefix_warns_and_silence_is_ok() {
    let (env, _hole, router) = ipv6_env();
    // Nothing advertises yet.
    let c = ra_check(&env, INSIDE);
    assert_eq!(c["status"], "ok", "{c}");
    assert_eq!(
        c["detail"],
        format!(
            "no router advertised on {} within 1.2 s: no host there autoconfigures an IPv6 address from a router",
            env.parent()
        )
    );
    // A DHCPv6 range: the M flag, and the prefix without A.
    let _dnsmasq = advertise(&env, "2001:db8:51:1a0::1000,2001:db8:51:1a0::1fff,64");
    let c = ra_check(&env, INSIDE);
    assert_eq!(c["status"], "warn", "{c}");
    assert!(
        c["detail"].as_str().unwrap().contains(&format!("a DHCPv6 server assigns addresses there (M flag from {router})")),
        "{c}"
    );
    let (prefix, autonomous, managed) = rdisc6(&env);
    assert_eq!((prefix.as_str(), autonomous, managed), (PREFIX, false, true));
}

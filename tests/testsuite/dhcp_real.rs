//! `doctor --dhcp` and `net create --check-dhcp` against a real DHCP server: Debian's
//! dnsmasq, run in the RealEnv's peer namespace (the stand-in LAN, behind the veth
//! parent; `common/dnsmasq.rs`).
//! Nothing leaves the test's veth pair: the discovers are broadcast on the parent, whose
//! only other end is that namespace. The server holds host 2 of the test slot; the
//! reserved range is the env's (hosts 16-47).
//!
//! Run with `cargo test --test testsuite dhcp_real:: -- --include-ignored`.

use std::fs;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use crate::common::*;

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// `--json doctor --dhcp` for the env's range on its parent: (exit code, the dhcp.pool
/// check, stderr).
fn doctor_dhcp(env: &RealEnv, extra: &[&str]) -> (Option<i32>, serde_json::Value, String) {
    let out = env
        .lanctl()
        .args(extra)
        .args(["--json", "doctor", "--driver", "macvlan", "--parent", env.parent(), "--dhcp", "--ip-range", &env.range()])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", lossy(&out.stdout)));
    let checks = v["checks"].as_array().unwrap();
    let dhcp: Vec<&serde_json::Value> = checks.iter().filter(|c| c["id"] == "dhcp.pool").collect();
    assert_eq!(dhcp.len(), 1, "one dhcp.pool check: {v}");
    // Every other check passes here (doctor_passes_on_a_host_set_up_with_lanctl): the
    // exit code is the DHCP check's.
    let others: Vec<String> =
        checks.iter().filter(|c| c["id"] != "dhcp.pool" && c["status"] == "fail").map(|c| c.to_string()).collect();
    assert_eq!(others, Vec::<String>::new());
    (out.status.code(), dhcp[0].clone(), lossy(&out.stderr))
}

/// What dnsmasq saw: `count` discovers (at least, when `at_least`), all from lanctl's
/// fixed MAC, no request, and no lease taken.
fn assert_only_discovers(server: &Dnsmasq, env: &RealEnv, count: usize, at_least: bool) {
    let log = server.log();
    let discovers = log.lines().filter(|l| l.contains(&format!("DHCPDISCOVER({}) ", env.peer()))).count();
    if at_least {
        assert!((1..=count).contains(&discovers), "{discovers} discovers: {log}");
    } else {
        assert_eq!(discovers, count, "{log}");
    }
    assert!(log.lines().filter(|l| l.contains("DHCPDISCOVER(")).all(|l| l.contains("02:6c:61:6e:63:74")), "{log}");
    assert!(!log.contains("DHCPREQUEST"), "a request was sent: {log}");
    assert_eq!(fs::read_to_string(server.leases()).unwrap_or_default(), "", "a lease was taken");
}

/// The one address a failed check names: `DHCP server S offered X, inside ...`, with `X`
/// between hosts `lo` and `hi` of the slot.
fn offered_inside(env: &RealEnv, detail: &str, lo: u32, hi: u32) -> Ipv4Addr {
    let rest = detail.strip_prefix(&format!("DHCP server {} offered ", env.host(2))).unwrap_or_else(|| panic!("{detail}"));
    let (addr, rest) = rest.split_once(", ").unwrap_or_else(|| panic!("{detail}"));
    assert_eq!(
        rest,
        format!(
            "inside the reserved range {}: it will hand them out (asked on {}: each of its 32 addresses requested)",
            env.range(),
            env.parent()
        )
    );
    let addr = ip(addr);
    assert!((ip(&env.host(lo))..=ip(&env.host(hi))).contains(&addr), "{detail}");
    addr
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_pool_overlapping_the_range_fails_naming_the_address_and_the_server() {
    let env = RealEnv::new();
    // The pool, hosts 20-30, lies inside the reserved range, hosts 16-47.
    let server = Dnsmasq::start(&env, 20, 30);
    let started = Instant::now();
    // Under --dry-run too: the check only reads the LAN. -v lists every discover.
    let (code, check, stderr) = doctor_dhcp(&env, &["--dry-run", "-v"]);
    assert_eq!((code, check["status"].as_str()), (Some(3), Some("fail")), "{check}");
    // dnsmasq pings an address for 3 s before it offers it; the first offer inside the
    // range decides, whichever discover it answers.
    let addr = offered_inside(&env, check["detail"].as_str().unwrap(), 20, 30);
    assert_eq!(check["hint"], format!("take {} out of the DHCP server's pool, or reserve a range outside the pool", env.range()));
    let sent: Vec<&str> = stderr.lines().filter(|l| l.starts_with("+ dhcp: DHCPDISCOVER")).collect();
    assert_eq!(sent.len(), 32, "{stderr}");
    for (line, n) in sent.iter().zip(16..) {
        let want = format!("+ dhcp: DHCPDISCOVER on {} from 02:6c:61:6e:63:74 requesting {} (xid 0x", env.parent(), env.host(n));
        assert!(line.starts_with(&want), "{line}");
    }
    assert!(stderr.contains(&format!("+ dhcp: DHCPOFFER of {addr} from server {} (xid 0x", env.host(2))), "{stderr}");
    assert_only_discovers(&server, &env, 32, true);
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_pool_outside_the_range_passes_naming_what_was_offered() {
    let env = RealEnv::new();
    let server = Dnsmasq::start(&env, 50, 60);
    let (code, check, _) = doctor_dhcp(&env, &[]);
    assert_eq!((code, check["status"].as_str()), (Some(0), Some("ok")), "{check}");
    // Every request is outside the pool: dnsmasq offers the client an address of its pool.
    let detail = check["detail"].as_str().unwrap();
    let offered = detail
        .strip_prefix("no reserved address offered: ")
        .and_then(|d| {
            d.strip_suffix(&format!(
                " from {}, all outside {} (asked on {}: each of its 32 addresses requested)",
                env.host(2),
                env.range(),
                env.parent()
            ))
        })
        .unwrap_or_else(|| panic!("{detail}"));
    let pool = ip(&env.host(50))..=ip(&env.host(60));
    assert!(offered.split(", ").all(|a| pool.contains(&ip(a))), "{detail}");
    // Every discover was answered before the check passed.
    assert_only_discovers(&server, &env, 32, false);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn no_server_is_a_warning() {
    let env = RealEnv::new();
    let started = Instant::now();
    let (code, check, _) = doctor_dhcp(&env, &[]);
    assert_eq!(
        (code, check["status"].as_str(), check["detail"].as_str()),
        (
            Some(0),
            Some("warn"),
            Some(
                format!("no DHCP server answered 32 discovers on {} in 4 s (each of its 32 addresses requested)", env.parent())
                    .as_str()
            )
        )
    );
    // Bounded: 32 discovers 5 ms apart, then 4 s of quiet, and doctor's own checks.
    assert!(started.elapsed() < Duration::from_secs(15), "{:?}", started.elapsed());
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn net_create_check_dhcp_refuses_an_overlapping_pool_before_any_change() {
    let env = RealEnv::new();
    let server = Dnsmasq::start(&env, 40, 60);
    let net = env.name("net");
    env.track_network(&net);
    let create = |extra: &[&str]| env.macvlan_create(&net).args(extra).output().unwrap();
    let out = create(&["--check-dhcp"]);
    let stderr = lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    // The pool, hosts 40-60, overlaps the range's last eight addresses.
    let line =
        stderr.lines().find_map(|l| l.strip_prefix("lanctl: check failed: dhcp.pool: ")).unwrap_or_else(|| panic!("{stderr}"));
    let (detail, hint) = line.split_once("; ").unwrap();
    offered_inside(&env, detail, 40, 47);
    assert_eq!(hint, format!("take {} out of the DHCP server's pool, or reserve a range outside the pool", env.range()));
    assert!(!sh("docker", &["network", "inspect", &net]).status.success(), "the network was created");
    assert_only_discovers(&server, &env, 32, true);
    // With a pool outside the range, the check passes and the network is created.
    drop(server);
    let server = Dnsmasq::start(&env, 50, 60);
    let out = create(&["--check-dhcp"]);
    let stderr = lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("dhcp.pool"), "{stderr}");
    assert!(
        stderr.ends_with(&format!("lanctl: created macvlan network {net} on {} (range {})\n", env.parent(), env.range())),
        "{stderr}"
    );
    assert_only_discovers(&server, &env, 32, false);
}

//! Every `--json` output against the README's "JSON output" table (common/schema.rs), on
//! the fixture host. The outputs of other hosts, the IPv6 parts, a shim and `check` are
//! held to the same table where their own tests read them (all_hosts.rs, cli_net.rs,
//! real_engine.rs, check_real.rs, export_fake.rs).

use serde_json::Value;

use crate::common::*;
use crate::support::*;

fn json_of(f: &Fake, args: &[&str]) -> Value {
    let o = lanctl(f).arg("--json").args(args).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {}", lossy(&o.stdout)))
}

#[test]
fn every_json_output_is_the_one_the_readme_writes() {
    let f = lan();
    assert_documented("lanctl ls", &json_of(&f, &["ls"]));
    assert_documented("lanctl net ls", &json_of(&f, &["net", "ls"]));
    assert_documented("lanctl net show NET", &json_of(&f, &["net", "show", "ltfix-net"]));
    assert_documented("lanctl down NAME...", &json_of(&f, &["down", "ltfix-stop"]));
    assert_documented("lanctl doctor", &json_of(&f, &["doctor", "--driver", "macvlan"]));
    assert_documented("lanctl host-access NET --status", &json_of(&f, &["host-access", "ltfix-net", "--status"]));
    let up = json_of(&f, &["up", "x1", "x2", "--image", "img", "--no-probe", "--wait", "0"]);
    assert_eq!(up.as_array().map(Vec::len), Some(2), "{up}");
    assert_documented("lanctl up NAME...", &up);
}

/// A failed tenant's `error`, and a dry run's `planned`.
#[test]
fn a_failed_up_is_written_too() {
    let f = lan_with(|f| f.on_err("docker", "run *", 125, "docker: Error response from daemon: no such image.\n"));
    let o = lanctl(&f).args(["--json", "up", "x1", "--image", "img", "--no-probe", "--wait", "0"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", lossy(&o.stderr));
    let rows: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rows[0]["state"], "failed", "{rows}");
    assert_documented("lanctl up NAME...", &rows);
}

/// The checker fails on what the table does not write, and on what it writes without `?`
/// that is missing: it can fail.
#[test]
#[should_panic(expected = "$[0].colour is printed but not in the README")]
fn a_key_the_readme_does_not_write_fails() {
    assert_documented("lanctl down NAME...", &serde_json::json!({"removed": []}));
    assert_documented(
        "lanctl export FORMAT NET",
        &serde_json::json!([{"name": "a", "address": "198.51.100.1", "mac": null, "colour": "red"}]),
    );
}

#[test]
#[should_panic(expected = "$.removed is in the README but not printed")]
fn a_key_the_readme_writes_that_is_missing_fails() {
    assert_documented("lanctl down NAME...", &serde_json::json!({}));
}

/// `check --watch` prints an event per line (its real test reads them as text; the
/// same value is serialized for `--json`).
#[test]
fn a_watch_event_is_the_one_the_readme_writes() {
    let e = lanctl::conflict::watch::Event {
        time: "2026-12-07T06:19:21.123Z".into(),
        event: "conflict",
        tenant: "room-1".into(),
        network: "lan".into(),
        address: "198.51.100.16".into(),
        mac: "a6:b7:0e:d5:a2:1b".into(),
        mac_tenant: None,
        tenant_mac: "f6:0a:c6:33:64:10".into(),
        arp: Some("gratuitous"),
        ndp: None,
        parent: "enp0s3".into(),
        words: String::new(),
    };
    assert_documented("lanctl check --watch", &serde_json::to_value(&e).unwrap());
    // An NDP claim on a dual-stack tenant's IPv6 address: `arp` is null, `ndp` says which.
    let e6 = lanctl::conflict::watch::Event { arp: None, ndp: Some("advertisement"), address: "2001:db8:51:100::10".into(), ..e };
    assert_documented("lanctl check --watch", &serde_json::to_value(&e6).unwrap());
    // A DHCP message inside a reserved range; `server` and `tenant` may be null.
    let d = lanctl::conflict::watch::DhcpEvent {
        time: "2026-12-07T06:19:30.002Z".into(),
        event: "dhcp",
        network: "lan".into(),
        address: "198.51.100.20".into(),
        dhcp: lanctl::lan::dhcp::heard::Said::Request,
        server: None,
        client_mac: "3c:22:fb:10:20:30".into(),
        range: "198.51.100.16-198.51.100.47".into(),
        tenant: None,
        parent: "lt0a".into(),
    };
    assert_documented("lanctl check --watch DHCP", &serde_json::to_value(&d).unwrap());
}

/// The progress events of a wait, as `--json` prints them before the result.
#[test]
fn a_progress_event_is_the_one_the_readme_writes() {
    let check = lanctl::launch::ready::Ready::Tcp(vec![8443]);
    let who = lanctl::launch::progress::Who { name: "room-3", ip: Some("198.51.100.103".parse().unwrap()), asked: Some(&check) };
    let e = lanctl::launch::progress::event("ready", &who, Some(&check), std::time::Duration::from_millis(11_200));
    assert_documented("lanctl up NAME... progress (also of apply, update, restart), before the result", &e);
}

//! `lanctl export` against the fake docker: each format's exact text for the fixture
//! network (ltfix-run running at .113 with docker's MAC, ltfix-stop stopped at .114 with
//! none), `--json`, the same under `--dry-run`, and the refusals (exit 2): an unknown
//! format, before docker runs, and a network that is not lanctl's. `SOURCE_DATE_EPOCH`
//! fixes the header's time.

use crate::common::*;
use crate::support::*;

/// 2026-12-07T09:00:00Z.
const AT: &str = "1796634000";

/// The fixture host with its tenants labelled as lanctl labels them.
fn host() -> Fake {
    lan_with(|f| f.on("docker", "ps --all*", 0, &ps_with_spec(r#"{"image":"lanctl-test/media:latest"}"#, "running")))
}

fn export<'f>(f: &'f Fake, args: &[&str]) -> Run<'f> {
    Run::new(f).env("SOURCE_DATE_EPOCH", AT).args(args)
}

/// The header's description of the fixture network.
const ABOUT: &str = "network ltfix-net (macvlan bridge on ltfixp, subnet 198.51.100.0/24, range \
                     198.51.100.100-198.51.100.131), read 2026-12-07T09:00:00Z";

const NO_MAC: &str = "docker reports no MAC for it and none is pinned (stopped, made before lanctl pinned MACs); start it \
                      and export again";

fn dnsmasq_text() -> String {
    format!(
        "# lanctl export dnsmasq: {ABOUT}\n\
         # Keep 198.51.100.100-198.51.100.131 out of every dhcp-range's dynamic pool: the tenants set these addresses \
         themselves.\n\
         dhcp-host=02:42:c6:33:64:71,198.51.100.113,ltfix-run\n\
         host-record=ltfix-run,198.51.100.113\n\
         # ltfix-stop: no dhcp-host, {NO_MAC}\n\
         host-record=ltfix-stop,198.51.100.114\n"
    )
}

#[test]
fn dnsmasq_gives_dhcp_host_to_a_tenant_with_a_mac_and_host_record_to_each() {
    let f = host();
    export(&f, &["export", "dnsmasq", NET]).stdout(dnsmasq_text()).check();
}

#[test]
fn the_export_is_a_read_and_runs_under_dry_run() {
    let f = host();
    let done = export(&f, &["--dry-run", "export", "dnsmasq", NET]).stdout(dnsmasq_text()).check();
    assert!(done.calls.iter().all(|c| c.kind == Kind::Query), "{:?}", done.calls);
}

#[test]
fn hosts_is_a_block_of_every_tenant_for_the_only_network() {
    let f = host();
    export(&f, &["export", "hosts"])
        .stdout(format!(
            "# BEGIN lanctl ltfix-net\n\
             # lanctl export hosts: {ABOUT}\n\
             198.51.100.113  ltfix-run\n\
             198.51.100.114  ltfix-stop\n\
             # END lanctl ltfix-net\n"
        ))
        .check();
}

#[test]
fn kea_reserves_for_the_tenants_with_a_mac_and_says_who_is_left_out() {
    let f = host();
    export(&f, &["export", "kea", NET])
        .stdout(
            r#"{
  "reservations": [
    {
      "hw-address": "02:42:c6:33:64:71",
      "ip-address": "198.51.100.113",
      "hostname": "ltfix-run"
    }
  ]
}
"#,
        )
        .stderr(format!("lanctl: export kea: ltfix-stop (198.51.100.114) has no reservation: {NO_MAC}\n"))
        .check();
}

#[test]
fn json_is_the_raw_list_by_address() {
    let f = host();
    export(&f, &["--json", "export", "hosts", NET])
        .stdout(
            r#"[
  {
    "name": "ltfix-run",
    "address": "198.51.100.113",
    "mac": "02:42:c6:33:64:71"
  },
  {
    "name": "ltfix-stop",
    "address": "198.51.100.114",
    "mac": null
  }
]
"#,
        )
        .check();
}

#[test]
fn an_ipvlan_network_gets_host_records_only_and_says_why() {
    let ipvlan = std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json"))
        .unwrap()
        .replace(r#""Driver": "macvlan""#, r#""Driver": "ipvlan""#)
        .replace(r#""macvlan_mode": "bridge""#, r#""ipvlan_mode": "l2""#);
    let f = lan_with(|f| {
        f.on("docker", "network inspect*", 0, &ipvlan);
        f.on("docker", "ps --all*", 0, &ps_with_spec(r#"{"image":"lanctl-test/media:latest"}"#, "running"));
    });
    let why = "no dhcp-host, ipvlan shares the parent's MAC (ltfixp), so a reservation for it would go to the host";
    export(&f, &["export", "dnsmasq", NET])
        .stdout(format!(
            "# lanctl export dnsmasq: {}\n\
             # Keep 198.51.100.100-198.51.100.131 out of every dhcp-range's dynamic pool: the tenants set these addresses \
             themselves.\n\
             # ltfix-run: {why}\n\
             host-record=ltfix-run,198.51.100.113\n\
             # ltfix-stop: {why}\n\
             host-record=ltfix-stop,198.51.100.114\n",
            ABOUT.replace("macvlan bridge", "ipvlan l2")
        ))
        .check();
}

#[test]
fn an_unknown_format_exits_2_with_the_formats_before_docker_runs() {
    let f = host();
    let done = export(&f, &["export", "bind", NET])
        .stderr("lanctl: export: unknown format \"bind\"; give one of dnsmasq, hosts, kea\n")
        .code(2)
        .check();
    assert!(done.calls.is_empty(), "{:?}", done.calls);
}

#[test]
fn a_network_lanctl_did_not_make_is_refused_with_exit_2() {
    let foreign = std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json"))
        .unwrap()
        .replace(r#""Name": "ltfix-net""#, r#""Name": "foreign""#)
        .replace(r#""io.lanctl.managed": "true","#, "");
    let f = lan_with(|f| f.on("docker", "network inspect -- foreign", 0, &foreign));
    export(&f, &["export", "hosts", "foreign"])
        .stderr("lanctl: network foreign is not a lanctl network; use one of ltfix-net\n")
        .code(2)
        .check();
}

#[test]
fn a_bad_source_date_epoch_exits_2() {
    let f = host();
    Run::new(&f)
        .env("SOURCE_DATE_EPOCH", "yesterday")
        .args(["export", "hosts"])
        .stderr("lanctl: SOURCE_DATE_EPOCH \"yesterday\" is not a number of seconds since 1970; unset it or give one\n")
        .code(2)
        .check();
}

//! `lanctl export` against the fake docker: each format's exact text for the fixture
//! network (ltfix-run running at .113 with docker's MAC, ltfix-stop stopped at .114 with
//! none), `--json`, the same under `--dry-run`, and the refusals (exit 2): an unknown
//! format, before docker runs, a network that is not lanctl's, and a `--slice` that is
//! missing, not asked for, outside the range or over a tenant. `SOURCE_DATE_EPOCH`
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
    let done = export(&f, &["--json", "export", "hosts", NET])
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
    assert_documented("lanctl export FORMAT NET", &serde_json::from_str(&done.stdout).unwrap());
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
        .stderr("lanctl: export: unknown format \"bind\"; give one of dnsmasq, hosts, kea, cni, k8s\n")
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

/// What `cni` and `k8s` say until the slice is recorded.
const RECORDED: &str = "lanctl: export: recorded 198.51.100.124-198.51.100.131 as network ltfix-net's cluster slice; \
                        `lanctl up` gives no Docker tenant an address of it\n";
/// The change that records the slice the cluster is given.
const RECORD: &str = "docker network create --config-only --label io.lanctl.cluster-of=ltfix-net --label \
                      io.lanctl.cluster-slice=198.51.100.124-198.51.100.131 -- ltfix-net.lanctl-cluster";

const CONFLIST: &str = r#"{
  "cniVersion": "1.0.0",
  "name": "ltfix-net",
  "plugins": [
    {
      "ipam": {
        "ranges": [
          [
            {
              "gateway": "198.51.100.1",
              "rangeEnd": "198.51.100.131",
              "rangeStart": "198.51.100.124",
              "subnet": "198.51.100.0/24"
            }
          ]
        ],
        "type": "host-local"
      },
      "master": "ltfixp",
      "mode": "bridge",
      "type": "macvlan"
    }
  ]
}
"#;

#[test]
fn cni_is_a_conflist_of_the_driver_with_host_local_on_the_slice() {
    let f = host();
    export(&f, &["export", "cni", NET, "--slice", "198.51.100.124-198.51.100.131"])
        .stdout(CONFLIST)
        .stderr(RECORDED)
        .change_lines([RECORD])
        .check();
    // A dry run prints the record's line before the text, and runs it not.
    export(&f, &["--dry-run", "export", "cni", NET, "--slice", "198.51.100.124-198.51.100.131"])
        .stdout(format!("{RECORD}\n{CONFLIST}"))
        .check();
}

#[test]
fn k8s_wraps_the_same_conflist_and_gives_each_tenant_an_annotation_to_keep_its_address() {
    let f = host();
    let indent = |text: &str| -> String { text.lines().map(|l| format!("    {l}\n")).collect() };
    let static_list = r#"{
  "cniVersion": "1.0.0",
  "name": "ltfix-net-static",
  "plugins": [
    {
      "capabilities": {
        "ips": true,
        "mac": true
      },
      "ipam": {
        "type": "static"
      },
      "master": "ltfixp",
      "mode": "bridge",
      "type": "macvlan"
    }
  ]
}
"#;
    export(&f, &["export", "k8s", NET, "--slice", "198.51.100.124-198.51.100.131"])
        .stdout(format!(
            "# lanctl export k8s: {ABOUT}; pods get addresses of 198.51.100.124-198.51.100.131\n\
             apiVersion: k8s.cni.cncf.io/v1\n\
             kind: NetworkAttachmentDefinition\n\
             metadata:\n  name: ltfix-net\n\
             spec:\n  config: |\n{}\
             ---\n\
             # A tenant moved to the cluster keeps its address and MAC: remove it from Docker first (lanctl down NAME), \
             then give its pod this annotation:\n\
             #   ltfix-run: k8s.v1.cni.cncf.io/networks: \
             '[{{\"ips\":[\"198.51.100.113/24\"],\"mac\":\"02:42:c6:33:64:71\",\"name\":\"ltfix-net-static\"}}]'\n\
             #   ltfix-stop: k8s.v1.cni.cncf.io/networks: '[{{\"ips\":[\"198.51.100.114/24\"],\"name\":\"ltfix-net-static\"}}]'\n\
             apiVersion: k8s.cni.cncf.io/v1\n\
             kind: NetworkAttachmentDefinition\n\
             metadata:\n  name: ltfix-net-static\n\
             spec:\n  config: |\n{}",
            indent(CONFLIST),
            indent(static_list)
        ))
        .stderr(RECORDED)
        .change_lines([RECORD])
        .check();
}

#[test]
fn a_slice_is_needed_by_cni_and_k8s_only_and_checked() {
    let f = host();
    let refused = |args: &[&str], stderr: &str| {
        export(&f, args).stderr(stderr).code(2).check();
    };
    refused(
        &["export", "cni", NET],
        "lanctl: export cni: needs --slice START-END, the addresses of the range the cluster may hand out\n",
    );
    refused(
        &["export", "hosts", NET, "--slice", "198.51.100.124-198.51.100.131"],
        "lanctl: export hosts: --slice is for cni and k8s, which hand addresses out; leave it out\n",
    );
    refused(
        &["export", "k8s", NET, "--slice", "198.51.100.131-198.51.100.124"],
        "lanctl: --slice \"198.51.100.131-198.51.100.124\" is not START-END, two IPv4 addresses with the lower first; give \
         one like 192.168.23.124-192.168.23.131\n",
    );
    refused(
        &["export", "cni", NET, "--slice", "198.51.100.124-198.51.100.140"],
        "lanctl: export: --slice 198.51.100.124-198.51.100.140 is not inside network ltfix-net's range \
         198.51.100.100-198.51.100.131; give a slice of it\n",
    );
    refused(
        &["export", "cni", NET, "--slice", "198.51.100.110-198.51.100.120"],
        "lanctl: export: --slice 198.51.100.110-198.51.100.120 holds the address of a tenant: 198.51.100.113 (ltfix-run), \
         198.51.100.114 (ltfix-stop); give a slice no tenant holds (see `lanctl net show ltfix-net`)\n",
    );
}

#[test]
fn a_network_of_several_hosts_exports_this_hosts_tenants_and_keeps_the_whole_reservation_out_of_the_pool() {
    let mut v: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap()).unwrap();
    v[0]["Labels"]["io.lanctl.reservation"] = "198.51.100.100-198.51.100.163".into();
    let shared = serde_json::to_string(&v).unwrap();
    let f = lan_with(|f| {
        f.on("docker", "network inspect*", 0, &shared);
        f.on("docker", "ps --all*", 0, &ps_with_spec(r#"{"image":"lanctl-test/media:latest"}"#, "running"));
    });
    let done = export(&f, &["export", "dnsmasq", NET]).stdout_unchecked().check();
    let head: Vec<&str> = done.stdout.lines().take(2).collect();
    assert_eq!(
        head,
        [
            "# lanctl export dnsmasq: network ltfix-net (macvlan bridge on ltfixp, subnet 198.51.100.0/24, this host's slice \
             198.51.100.100-198.51.100.131 of the reservation 198.51.100.100-198.51.100.163: its tenants only), read \
             2026-12-07T09:00:00Z",
            "# Keep 198.51.100.100-198.51.100.163 out of every dhcp-range's dynamic pool: the tenants set these addresses \
             themselves.",
        ]
    );
}

/// The cluster record of the fixture network giving a cluster `slice`, as `docker network
/// inspect` shows it.
fn cluster_record(slice: &str) -> String {
    serde_json::json!([{
        "Name": "ltfix-net.lanctl-cluster", "Id": "c".repeat(64), "Driver": "null", "Scope": "local", "ConfigOnly": true,
        "IPAM": {"Config": []}, "Options": {},
        "Labels": {"io.lanctl.cluster-of": "ltfix-net", "io.lanctl.cluster-slice": slice},
    }])
    .to_string()
}

/// A fake host whose network gives a cluster `slice` (an earlier `export cni --slice`).
fn host_with_cluster(slice: &str) -> Fake {
    let record = cluster_record(slice);
    lan_with(|f| {
        f.on("docker", "network inspect -- ltfix-net.lanctl-cluster", 0, &record);
        f.on("docker", "ps --all*", 0, &ps_with_spec(r#"{"image":"lanctl-test/media:latest"}"#, "running"));
    })
}

/// The slice recorded, exporting it again changes nothing; another slice is refused while
/// the record stands (pods may hold addresses of the first).
#[test]
fn the_same_slice_again_changes_nothing_and_another_is_refused() {
    let f = host_with_cluster("198.51.100.124-198.51.100.131");
    export(&f, &["export", "cni", NET, "--slice", "198.51.100.124-198.51.100.131"]).stdout(CONFLIST).check();
    export(&f, &["export", "k8s", NET, "--slice", "198.51.100.120-198.51.100.131"])
        .code(2)
        .stderr(
            "lanctl: export: network ltfix-net already gives a cluster 198.51.100.124-198.51.100.131 (recorded on \
             ltfix-net.lanctl-cluster); export with --slice 198.51.100.124-198.51.100.131, or once no pod holds an address \
             of it, remove the record with `docker network rm ltfix-net.lanctl-cluster`\n",
        )
        .check();
}

/// `up` never gives a Docker tenant an address of the cluster's slice: the lowest free
/// address is past it, `--ip` inside it is refused, and `net show` lists it (and counts it
/// out of the usable and the free addresses).
#[test]
fn up_skips_the_cluster_slice_and_net_show_lists_it() {
    let f = host_with_cluster("198.51.100.100-198.51.100.111");
    let line = "docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.112 --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart \
                unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label \
                'io.lanctl.spec={\"image\":\"img\",\"env\":{},\"secrets\":[],\"ip_env\":[],\"labels\":{},\"restart\":\"unless-stopped\",\"args\":[]}' \
                -- img";
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.112\n")
        .change_lines([line])
        .check();
    Run::new(&f)
        .args(["up", "room-1", "--image", "img", "--ip", "198.51.100.105"])
        .code(2)
        .stderr(
            "lanctl: room-1: --ip 198.51.100.105 is in the cluster slice 198.51.100.100-198.51.100.111 of network ltfix-net \
             (lanctl export cni|k8s), which no Docker tenant gets; choose another address, or leave --ip out to take the \
             next free one\n",
        )
        .check();
    Run::new(&f)
        .args(["net", "show", NET])
        .stdout(format!(
            "{SHOW_NETWORK}\
             range     198.51.100.100-198.51.100.131 (20 usable of 32 addresses; docker --ip-range 198.51.100.112/28)\n\
             cluster   198.51.100.100-198.51.100.111, a cluster's IPAM hands it out (lanctl export); no Docker tenant gets it\n\
             {SHOW_HELD}\
             free      18 (next 198.51.100.112)\n",
        ))
        .check();
    let json = Run::new(&f).args(["--json", "net", "show", NET]).stdout_unchecked().check().stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["cluster_slice"], "198.51.100.100-198.51.100.111");
    // `net ls` counts it out of FREE too (30 without the slice; this host's ps lines carry
    // the network label, so its one running container counts as a tenant).
    Run::new(&f).args(["net", "ls"]).stdout(NET_LS_FIXTURE.replace("0        30\n", "1        18\n")).check();
}

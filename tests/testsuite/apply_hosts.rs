//! `apply` of a fleet file that names hosts: the file's `hosts`, a network's `hosts`,
//! `slices` and `parents`, a tenant's `host`. Fake contexts: `default` is the fixture
//! host; h2 is the same fake engine reached with `--context h2` over a fake ssh, with no
//! networks and no tenants unless a test says so.

use crate::common::*;
use crate::support::*;

fn two_hosts(h2_rules: impl FnOnce(&Fake)) -> Fake {
    lan_with(|f| {
        h2_rules(f);
        without_fixture_network(f);
        f.on("docker", "--context h2 network ls *", 0, "");
        f.on_script(
            "arping",
            "-D -c 1 -w 1 -I eth1 198.51.100.*",
            r#"printf 'ARPING %s from 0.0.0.0 eth1\nSent 1 probes (1 broadcast(s))\nReceived 0 response(s)\n' "${@: -1}""#,
        );
        f.on("docker", "--context h2 ps --all *", 0, "");
        fake_ssh(f);
        fake_context(f, "h2", "ssh://root@h2");
    })
}

/// A fleet file in a temporary directory (kept while the value lives).
struct File(tempfile::TempDir);

impl File {
    fn new(json: &str) -> File {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("fleet.json"), json).unwrap();
        File(d)
    }
    fn path(&self) -> String {
        self.0.path().join("fleet.json").display().to_string()
    }
}

const NETWORK: &str = r#"{"name":"ltmh","driver":"macvlan","parent":"ltfixp","parents":{"h2":"eth1"},
    "subnet":"198.51.100.0/24","gateway":"198.51.100.1","ip_range":"198.51.100.140-198.51.100.171"}"#;

fn fleet(tenants: &str) -> String {
    format!(r#"{{"hosts":["default","h2"],"networks":[{NETWORK}],"tenants":[{tenants}]}}"#)
}

fn create_line(context: &str, parent: &str, block: &str, slice: &str) -> String {
    format!(
        "docker {context}network create --driver macvlan --opt parent={parent} --opt macvlan_mode=bridge --subnet \
         198.51.100.0/24 --gateway 198.51.100.1 --ip-range {block} --label io.lanctl.managed=true --label \
         io.lanctl.range={slice} --label io.lanctl.reservation=198.51.100.140-198.51.100.171 -- ltmh"
    )
}

fn run_line(context: &str, name: &str, ip: &str) -> String {
    format!(
        "docker {context}run --detach --name {name} --hostname {name} --network ltmh --ip {ip} --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart unless-stopped \
         --label io.lanctl.tenant={name} --label io.lanctl.network=ltmh --label 'io.lanctl.spec={{\"image\":\"img\",\
         \"env\":{{}},\"secrets\":[],\"ip_env\":[],\"labels\":{{}},\"restart\":\"unless-stopped\",\"args\":[]}}' -- img"
    )
}

const TENANTS: &str =
    r#"{"name":"t1","host":"h2","image":"img"},{"name":"t2","host":"default","image":"img","ip":"198.51.100.141"}"#;

fn default_net() -> String {
    create_line("", "ltfixp", "198.51.100.144/29", "198.51.100.140-198.51.100.155")
}

fn h2_net() -> String {
    create_line("--context h2 ", "eth1", "198.51.100.160/29", "198.51.100.156-198.51.100.171")
}

#[test]
fn a_dry_run_plans_each_host_in_turn_with_its_slice_and_its_tenants() {
    let f = two_hosts(|_| {});
    let file = File::new(&fleet(TENANTS));
    Run::new(&f)
        .args(["-n", "--skip-checks", "apply", &file.path()])
        .stdout(format!(
            "{}\n{}\n# then wait up to 500 ms for running on 198.51.100.141 (up to 2 min for healthy if its image has a HEALTHCHECK)\n{}\n{}\n# then wait up to 500 ms for running on 198.51.100.156 (up to 2 min for healthy if its image has a HEALTHCHECK)\n",
            default_net(),
            run_line("", "t2", "198.51.100.141"),
            h2_net(),
            run_line("--context h2 ", "t1", "198.51.100.156")
        ))
        .stderr("lanctl: host default: would be created: network ltmh t2\nlanctl: host h2: would be created: network ltmh t1\n")
        .check();
}

/// The fixture network as one host's slice of 198.51.100.100-198.51.100.163.
fn slice_of_fixture(range: &str, parent: &str) -> String {
    let mut v: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap()).unwrap();
    v[0]["Labels"]["io.lanctl.range"] = range.into();
    v[0]["Labels"]["io.lanctl.reservation"] = "198.51.100.100-198.51.100.163".into();
    v[0]["Options"]["parent"] = parent.into();
    serde_json::to_string(&v).unwrap()
}

#[test]
fn a_file_every_host_already_matches_changes_nothing_and_says_so_per_host() {
    let f = two_hosts(|f| {
        f.on_file("docker", "--context h2 network ls *", 0, fixture("docker-network-ls.jsonl"));
        f.on("docker", "--context h2 network inspect*", 0, &slice_of_fixture("198.51.100.132-198.51.100.163", "eth1"));
        f.on("docker", "network inspect*", 0, &slice_of_fixture("198.51.100.100-198.51.100.131", "ltfixp"));
    });
    let file = File::new(
        r#"{"hosts":["default","h2"],"networks":[{"name":"ltfix-net","driver":"macvlan","parent":"ltfixp",
            "parents":{"h2":"eth1"},"subnet":"198.51.100.0/24","gateway":"198.51.100.1",
            "ip_range":"198.51.100.100-198.51.100.163","aux_addresses":{"router2":"198.51.100.2"},
            "slices":{"default":"198.51.100.100-198.51.100.131","h2":"198.51.100.132-198.51.100.163"}}]}"#,
    );
    Run::new(&f)
        .args(["apply", &file.path()])
        .stderr(
            "lanctl: host default: network ltfix-net already exists with this spec; nothing to do\n\
             lanctl: host default: the host already matches the fleet file; nothing to do\n\
             lanctl: host h2: network ltfix-net already exists with this spec; nothing to do\n\
             lanctl: host h2: the host already matches the fleet file; nothing to do\n",
        )
        .check();
}

#[test]
fn a_tenant_on_another_host_of_its_network_is_refused_before_any_change() {
    let f = two_hosts(|f| {
        let line = std::fs::read_to_string(fixture("docker-ps-a.jsonl")).unwrap().lines().nth(1).unwrap().to_string();
        f.on("docker", "--context h2 ps --all --no-trunc --filter label=io.lanctl.network=ltmh *", 0, &format!("{line}\n"));
        f.on(
            "docker",
            "--context h2 container inspect -- 0e31*",
            0,
            &running_tenant_with_spec("{}").replace("ltfix-net", "ltmh"),
        );
    });
    let file = File::new(&fleet(r#"{"name":"ltfix-run","host":"default","image":"img"}"#));
    Run::new(&f)
        .args(["--skip-checks", "apply", &file.path()])
        .code(2)
        .stderr(
            "lanctl: tenant ltfix-run of network ltmh is on host h2, and the file puts it on host default; a tenant name \
             lives on one host of a network: set its \"host\" to h2, or remove it there first (`lanctl --host h2 down \
             ltfix-run`)\n",
        )
        .check();
}

#[test]
fn a_slice_overlapping_another_hosts_network_is_refused_before_any_change() {
    let f = two_hosts(|_| {});
    let net = NETWORK.replace("198.51.100.140-198.51.100.171", "198.51.100.120-198.51.100.151").replace(
        r#""parents""#,
        r#""slices":{"default":"198.51.100.140-198.51.100.151","h2":"198.51.100.120-198.51.100.131"},"parents""#,
    );
    let file = File::new(&format!(r#"{{"hosts":["default","h2"],"networks":[{net}]}}"#));
    Run::new(&f)
        .args(["--skip-checks", "apply", &file.path()])
        .code(2)
        .stderr(slice_overlaps_fixture("198.51.100.120-198.51.100.131", "h2", "default"))
        .check();
}

#[test]
fn bad_host_fields_exit_2_before_anything_runs() {
    let f = two_hosts(|_| {});
    let cases: Vec<(String, String)> = vec![
        (
            fleet(r#"{"name":"t1","image":"img"}"#),
            "tenant t1: network ltmh is on hosts default, h2; give the tenant a \"host\"".into(),
        ),
        (
            fleet(r#"{"name":"t1","host":"h9","image":"img"}"#),
            "tenant t1: \"host\" h9 is not a host of network ltmh (default, h2); give one of them".into(),
        ),
        (
            fleet(r#"{"name":"t1","host":"h2","image":"img","ip":"198.51.100.141"}"#),
            "tenant t1: \"ip\" 198.51.100.141 is outside host h2's slice 198.51.100.156-198.51.100.171 of network ltmh; \
             choose one inside it"
                .into(),
        ),
        (
            format!(r#"{{"networks":[{NETWORK}],"tenants":[{{"name":"t1","host":"h2","image":"img"}}]}}"#),
            "network ltmh: \"hosts\" is missing; give the network's hosts, or the file's \"hosts\"".into(),
        ),
        (
            format!(r#"{{"hosts":["default","h2","default"],"networks":[{NETWORK}]}}"#),
            "\"hosts\" names default twice; name each host once".into(),
        ),
        (
            format!(r#"{{"hosts":["default","h2"],"networks":[{}]}}"#, NETWORK.replace(r#""h2":"eth1""#, r#""h3":"eth1""#)),
            "network ltmh: \"parent\" h3=eth1 names host \"h3\", which is not in \"hosts\" default,h2; name a host of \"hosts\""
                .into(),
        ),
        (
            format!(r#"{{"hosts":["default","h2"],"networks":[{}]}}"#, NETWORK.replace(r#""parents""#, r#""slices":{"h2":"198.51.100.170-198.51.100.180"},"parents""#)),
            "network ltmh: \"slices\" h2=198.51.100.170-198.51.100.180 is not inside \"ip_range\" 198.51.100.140-198.51.100.171; \
             give a part of it"
                .into(),
        ),
        (
            format!(r#"{{"hosts":["default","-oProxyCommand=x"],"networks":[{NETWORK}]}}"#),
            "\"hosts\" \"-oProxyCommand=x\" is not a docker context name; list them with `docker context ls`".into(),
        ),
        (
            fleet(r#"{"name":"t1","host":"-H","image":"img"}"#),
            "tenant t1: \"host\" -H is not a host of network ltmh (default, h2); give one of them".into(),
        ),
        (
            format!(r#"{{"hosts":["default","h2"],"networks":[{}]}}"#, NETWORK.replace(r#""h2":"eth1""#, r#""h2":"--x""#)),
            "network ltmh: \"parent\" \"--x\" is not an interface name (at most 15 characters, no '/' or spaces, not \
             starting with '-'); give one like enp0s3"
                .into(),
        ),
        (
            format!(r#"{{"networks":[{}]}}"#, NETWORK.replace(r#""parent":"ltfixp","parents":{"h2":"eth1"},"#, "")),
            "network ltmh: \"parent\" is missing; give the LAN interface".into(),
        ),
        (
            format!(r#"{{"networks":[{}]}}"#, NETWORK.replace(r#""parents":{"h2":"eth1"},"#, r#""slices":{"h2":"198.51.100.140-198.51.100.150"},"#)),
            "network ltmh: \"slices\" and \"parents\" are for a network of several hosts; give it \"hosts\"".into(),
        ),
    ];
    for (json, says) in cases {
        let file = File::new(&json);
        let path = file.path();
        let done = Run::new(&f).args(["apply", &path]).code(2).stderr(format!("lanctl: {path}: {says}\n")).check();
        assert!(done.calls.is_empty(), "{json} ran {:?}", done.calls);
    }
    let file = File::new(&fleet(TENANTS));
    let path = file.path();
    Run::new(&f)
        .args(["--host", "h2", "apply", &path])
        .code(2)
        .stderr(format!("lanctl: {path} names its hosts, and --host h2 names one; leave --host out\n"))
        .check();
}

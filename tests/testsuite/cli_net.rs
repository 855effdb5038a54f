//! `net create | ls | show | rm`, `host-access` and `apply` against a fake docker and ip.

use crate::common::*;
use crate::support::*;

fn create_args(range: &str) -> Vec<String> {
    net_create("lan", &["--driver", "macvlan", "--parent", "ltfixp"], &["--skip-checks", "--ip-range", range])
}

const CREATE_LINE: &str = "docker network create --driver macvlan --opt parent=ltfixp --opt macvlan_mode=bridge \
     --subnet 198.51.100.0/24 --gateway 198.51.100.1 --ip-range 198.51.100.112/28 --label io.lanctl.managed=true \
     --label io.lanctl.range=198.51.100.100-198.51.100.131 -- lan";

/// The changes of a real `net create lan --skip-checks`: the create alone (no check runs,
/// so neither the live probe nor the shared-parent warning).
fn create_changes() -> Vec<Vec<String>> {
    vec![argv_of_line(CREATE_LINE)]
}

#[test]
fn dry_run_of_net_create_is_the_real_run() {
    let f = lan_without_networks();
    Run::new(&f).arg("-n").args(create_args("198.51.100.100-198.51.100.131")).stdout(format!("{CREATE_LINE}\n")).check();
    // With the checks on the fixture host, ltfix-net owns the subnet: a dry run refuses it
    // as the run does (tests/testsuite/net_overlap.rs).
    Run::new(&f)
        .args(create_args("198.51.100.100-198.51.100.131"))
        .stderr("lanctl: created macvlan network lan on ltfixp (range 198.51.100.100-198.51.100.131)\n")
        .change_patterns(&create_changes())
        .check();
}

#[test]
fn bad_input_exits_2_before_any_command_runs() {
    for (range, says) in [
        (
            "198.51.100.100/27",
            "lanctl: --ip-range 198.51.100.100/27 is not canonical: Docker would silently take it as 198.51.100.96/27, \
             which spans 198.51.100.96-198.51.100.127; use --ip-range 198.51.100.96/27, or the exact range --ip-range \
             198.51.100.100-198.51.100.131\n",
        ),
        (
            "198.51.101.0/27",
            "lanctl: --ip-range 198.51.101.0/27 is not inside --subnet 198.51.100.0/24; choose a range between 198.51.100.0 \
             and 198.51.100.255\n",
        ),
        (
            "fd00::/64",
            "lanctl: --ip-range fd00::/64 is IPv6 but no IPv6 --subnet is given; give the IPv6 --subnet beside the IPv4 one, \
             or leave --ip-range fd00::/64 out\n",
        ),
    ] {
        let f = lan();
        let done = Run::new(&f).args(create_args(range)).code(2).stderr(says).check();
        assert!(done.calls.is_empty(), "something ran: {:?}", done.calls);
    }
}

/// The IPv6 flags of a dual-stack `net create` in 2001:db8::/32, beside the fixture's IPv4 ones.
const DUAL: [&str; 6] =
    ["--subnet", "2001:db8:51:100::/64", "--gateway", "2001:db8:51:100::1", "--ip-range", "2001:db8:51:100::100/120"];

#[test]
fn a_dual_stack_net_create_gives_docker_both_families() {
    let f = lan_without_networks();
    let mut args = create_args("198.51.100.100-198.51.100.131");
    args.extend(DUAL.iter().map(|s| s.to_string()));
    let line = "docker network create --driver macvlan --opt parent=ltfixp --opt macvlan_mode=bridge \
         --subnet 198.51.100.0/24 --gateway 198.51.100.1 --ip-range 198.51.100.112/28 \
         --ipv6 --subnet 2001:db8:51:100::/64 --gateway 2001:db8:51:100::1 --ip-range 2001:db8:51:100::100/120 \
         --label io.lanctl.managed=true --label io.lanctl.range=198.51.100.100-198.51.100.131 \
         --label io.lanctl.range6=2001:db8:51:100::100-2001:db8:51:100::1ff -- lan";
    Run::new(&f).arg("-n").args(&args).stdout(format!("{line}\n")).check();
}

#[test]
fn dual_stack_flags_are_refused_before_anything_runs() {
    let cases: [(Vec<&str>, &str); 4] = [
        (
            vec!["--subnet", "2001:db8:51:100::/64", "--subnet", "2001:db8:51:101::/64"],
            "lanctl: --subnet is given twice for IPv6 (2001:db8:51:100::/64 and 2001:db8:51:101::/64); give it once per family\n",
        ),
        (
            vec!["--subnet", "2001:db8:51:100::/64", "--gateway", "2001:db8:51:100::1", "--ip-range", "2001:db8:51:100::/120"],
            "lanctl: --gateway 2001:db8:51:100::1 is inside --ip-range 2001:db8:51:100::/120; give the router's address, or a \
             range that leaves it out\n",
        ),
        (
            vec!["--subnet", "2001:db8:51:100::/64", "--gateway", "2001:db8:51:100::1", "--ip-range", "2001:db8:51:200::/120"],
            "lanctl: --ip-range 2001:db8:51:200::/120 is not inside --subnet 2001:db8:51:100::/64; choose a range between \
             2001:db8:51:100:: and 2001:db8:51:100:ffff:ffff:ffff:ffff\n",
        ),
        (
            vec!["--gateway", "198.51.100.2"],
            "lanctl: --gateway is given twice for IPv4 (198.51.100.1 and 198.51.100.2); give it once per family\n",
        ),
    ];
    for (more, says) in cases {
        let f = lan();
        let mut args = create_args("198.51.100.100-198.51.100.131");
        args.extend(more.iter().map(|s| s.to_string()));
        let done = Run::new(&f).args(&args).code(2).stderr(says).check();
        assert!(done.calls.is_empty(), "something ran: {:?}", done.calls);
    }
}

#[test]
fn an_ipv6_only_network_is_refused_by_the_engines_version_before_anything_changes() {
    let args = ["net", "create", "lan", "--driver", "macvlan", "--parent", "ltfixp"].into_iter().chain(DUAL).collect::<Vec<_>>();
    // An engine before 27.0 has no --ipv4=false: exit 3, naming its version; only `docker
    // version` ran, in a dry run too.
    for dry in [false, true] {
        let f = lan_with(|f| f.on("docker", "version*", 0, r#"{"Server": {"Version": "20.10.24+dfsg1", "ApiVersion": "1.41"}}"#));
        let args: Vec<&str> = if dry { [&["-n"][..], &args].concat() } else { args.clone() };
        let done = Run::new(&f)
            .args(&args)
            .code(3)
            .stderr(
                "lanctl: --subnet 2001:db8:51:100::/64: IPv6-only networks (docker's --ipv4=false) need Docker Engine 27.0 \
                 or newer; this engine is 20.10.24+dfsg1; give an IPv4 --subnet, --gateway and --ip-range beside the IPv6 \
                 ones, or upgrade the engine\n",
            )
            .check();
        let argv: Vec<&[String]> = done.calls.iter().map(|c| &c.argv[..]).collect();
        assert_eq!(argv.len(), 1, "only docker version runs: {argv:?}");
        assert_eq!(argv[0], ["docker", "version", "--format", "{{json .}}"]);
    }
    // A newer engine could; lanctl does not make them yet: exit 2.
    let f = lan_with(|f| f.on("docker", "version*", 0, r#"{"Server": {"Version": "27.3.1", "ApiVersion": "1.47"}}"#));
    Run::new(&f)
        .args(&args)
        .code(2)
        .stderr(
            "lanctl: --subnet 2001:db8:51:100::/64: IPv6-only networks are not supported by lanctl yet; give an IPv4 \
             --subnet, --gateway and --ip-range beside the IPv6 ones\n",
        )
        .check();
}

#[test]
fn the_hosts_own_address_inside_the_range_is_refused() {
    let f = lan_with(|f| {
        without_fixture_network(f);
        f.on(
            "ip",
            "-j addr show",
            0,
            r#"[{"ifname":"ltfixp","flags":["UP"],"addr_info":[{"family":"inet","local":"198.51.100.120","prefixlen":24}]}]"#,
        )
    });
    Run::new(&f)
        .args(create_args("198.51.100.100-198.51.100.131"))
        .code(2)
        .stderr(
            "lanctl: --ip-range 198.51.100.100-198.51.100.131 contains 198.51.100.120, the host's own address on ltfixp; \
             choose a range that leaves it out\n",
        )
        .check();
}

#[test]
fn failed_checks_exit_3_and_a_dry_run_still_prints_the_plan() {
    let unreachable = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n";
    let f = lan_with(|f| {
        without_fixture_network(f);
        f.on_err("docker", "version*", 1, unreachable);
    });
    let args: Vec<String> = create_args("198.51.100.100-198.51.100.131").into_iter().filter(|a| a != "--skip-checks").collect();
    let daemon = "docker.daemon: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon \
                  running?; start the daemon: systemctl start docker (or dockerd)";
    // The probe runs (as root) before the gate: a throwaway namespace, no lasting change.
    Run::new(&f)
        .args(&args)
        .code(3)
        .stderr(format!("lanctl: check failed: {daemon}\n"))
        .ignoring_stderr_lines(KERNEL_WARNINGS)
        .change_patterns(&probe_changes("macvlan"))
        .check();
    Run::new(&f)
        .arg("--dry-run")
        .args(&args)
        .code(3)
        .stdout(format!("{CREATE_LINE}\n"))
        .stderr(format!(
            "lanctl: warning: check failed: {daemon}\nlanctl: check failed: {daemon} (the plan above would not run here; \
             pass --skip-checks to plan anyway)\n"
        ))
        .ignoring_stderr_lines(KERNEL_WARNINGS)
        .check();
    Run::new(&f).arg("--dry-run").arg("--skip-checks").args(&args).stdout(format!("{CREATE_LINE}\n")).check();
}

#[test]
fn same_spec_changes_nothing_and_another_spec_says_what_differs() {
    let f = lan();
    let mut same = create_args("198.51.100.100-198.51.100.131");
    same[2] = NET.to_string();
    same.extend(["--aux-address".to_string(), "router2=198.51.100.2".to_string()]);
    Run::new(&f).args(&same).stderr("lanctl: network ltfix-net already exists with this spec; nothing to do\n").check();
    let mut other = create_args("198.51.100.96/27");
    other[2] = NET.to_string();
    Run::new(&f)
        .args(&other)
        .code(2)
        .stderr(
            "lanctl: network ltfix-net already exists with another spec: ip-range is 198.51.100.100-198.51.100.131, not \
             198.51.100.96-198.51.100.127, aux-address is router2=198.51.100.2, not none; remove it with `lanctl net rm \
             ltfix-net` first, or use another name\n",
        )
        .check();
}

#[test]
fn a_failing_docker_command_exits_1_naming_the_line_and_dockers_words() {
    let f = lan_with(|f| {
        without_fixture_network(f);
        f.on_err(
            "docker",
            "network create*",
            1,
            "Error response from daemon: pool overlaps with other one on this address space\n",
        )
    });
    Run::new(&f)
        .args(create_args("198.51.100.100-198.51.100.131"))
        .code(1)
        .stderr(format!(
            "lanctl: `{}` failed (exit 1): Error response from daemon: pool overlaps with other one on this \
             address space\n",
            CREATE_LINE.split_whitespace().collect::<Vec<_>>().join(" ")
        ))
        .ignoring_stderr_lines(KERNEL_WARNINGS)
        .change_patterns(&create_changes())
        .check();
}

const NET_SHOW_JSON: &str = r#"{
  "name": "ltfix-net",
  "driver": "macvlan",
  "mode": "bridge",
  "parent": "ltfixp",
  "subnet": "198.51.100.0/24",
  "gateway": "198.51.100.1",
  "range": "198.51.100.100-198.51.100.131",
  "range_size": 32,
  "usable": 32,
  "docker_ip_range": "198.51.100.112/28",
  "reserved": [
    {
      "address": "198.51.100.0",
      "kind": "reserved",
      "what": "network address"
    },
    {
      "address": "198.51.100.1",
      "kind": "reserved",
      "what": "gateway"
    },
    {
      "address": "198.51.100.2",
      "kind": "reserved",
      "what": "aux address router2"
    },
    {
      "address": "198.51.100.255",
      "kind": "reserved",
      "what": "broadcast address"
    }
  ],
  "used": [
    {
      "address": "198.51.100.113",
      "kind": "container",
      "name": "ltfix-run",
      "state": "running"
    },
    {
      "address": "198.51.100.114",
      "kind": "container",
      "name": "ltfix-stop",
      "state": "exited"
    }
  ],
  "free": 30,
  "next_free": "198.51.100.100"
}
"#;

#[test]
fn net_show_reports_the_pool() {
    let f = lan();
    Run::new(&f).args(["--json", "net", "show", NET]).stdout(NET_SHOW_JSON).check();
    Run::new(&f)
        .args(["net", "show", NET])
        .stdout(format!(
            "{SHOW_NETWORK}\
             range     198.51.100.100-198.51.100.131 (32 usable of 32 addresses; docker --ip-range 198.51.100.112/28)\n\
             {SHOW_HELD}\
             free      30 (next 198.51.100.100)\n",
        ))
        .check();
    // TENANTS counts containers labelled io.lanctl.network=ltfix-net; the captured
    // containers carry only io.lanctl.tenant, so none count, though both hold addresses.
    Run::new(&f).args(["net", "ls"]).stdout(NET_LS_FIXTURE).check();
}

#[test]
fn net_rm_refuses_while_containers_are_attached_running_or_stopped() {
    let f = lan();
    Run::new(&f)
        .args(["net", "rm", NET])
        .code(2)
        .stderr(
            "lanctl: network ltfix-net still has containers attached: ltfix-stop (exited), ltfix-run (running); remove \
             them first, e.g. `lanctl down ltfix-stop ltfix-run`\n",
        )
        .check();
    let f = lan_with(|f| f.on("docker", "ps --all*", 0, ""));
    Run::new(&f)
        .args(["net", "rm", NET])
        .stderr("lanctl: removed network ltfix-net\n")
        .changes(&[&["docker", "network", "rm", "--", NET]])
        .check();
}

const HOST_ACCESS_LINES: &str = "ip link add lc-ltfix-net link ltfixp type macvlan mode bridge\n\
     ip addr add 198.51.100.254/32 dev lc-ltfix-net\n\
     ip link set lc-ltfix-net up\n\
     ip route add 198.51.100.100/30 dev lc-ltfix-net\n\
     ip route add 198.51.100.104/29 dev lc-ltfix-net\n\
     ip route add 198.51.100.112/28 dev lc-ltfix-net\n\
     ip route add 198.51.100.128/30 dev lc-ltfix-net\n";

#[test]
fn host_access_dry_run_prints_the_ip_lines() {
    let f = lan();
    Run::new(&f).args(["-n", "host-access", NET]).stdout(HOST_ACCESS_LINES).check();
}

#[test]
fn apply_dry_run_is_the_real_run() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.json");
    std::fs::write(
        &file,
        r#"{"tenants": [{"name": "room-1", "image": "img", "ip_env": ["LOCAL_IP"]},
                        {"name": "room-2", "image": "img", "pass_env": ["TOKEN"]}]}"#,
    )
    .unwrap();
    let f = lan();
    let spec = |secrets: &str, ip_env: &str| {
        format!(
            "'io.lanctl.spec={{\"image\":\"img\",\"env\":{{}},\"secrets\":[{secrets}],\"ip_env\":[{ip_env}],\"labels\":{{}},\
             \"restart\":\"unless-stopped\",\"args\":[]}}'"
        )
    };
    let room1 = format!(
        "docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.100 --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart \
         unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label {} --env \
         LOCAL_IP=198.51.100.100 -- img",
        spec("", "\"LOCAL_IP\"")
    );
    let room2 = format!(
        "docker run --detach --name room-2 --hostname room-2 --network ltfix-net --ip 198.51.100.101 --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart \
         unless-stopped --label io.lanctl.tenant=room-2 --label io.lanctl.network=ltfix-net --label {} --env TOKEN -- img",
        spec("\"TOKEN\"", "")
    );
    // room-2 passes TOKEN from lanctl's environment: its plan requires it first.
    Run::new(&f)
        .env("TOKEN", "t0k3n")
        .args(["-n", "apply"])
        .arg(&file)
        .stdout(format!(
            "{room1}\n(\n{}\n{room2} || exit 1\n)\n# then wait up to 500 ms for running on 198.51.100.100 (up to 2 min for healthy if its image has a HEALTHCHECK)\n# then wait up to 500 ms for running on 198.51.100.101 (up to 2 min for healthy if its image has a HEALTHCHECK)\n",
            guard("TOKEN")
        ))
        .stderr("lanctl: would be created: room-1 room-2\n")
        .check();
    Run::new(&f)
        .env("TOKEN", "t0k3n")
        .args(["apply", "--parallel", "1", "--wait", "0"])
        .arg(&file)
        .stderr("lanctl: created: room-1 room-2\n")
        .change_lines([room1, room2])
        .check();
    assert!(!f.calls().iter().flatten().any(|a| a.contains("t0k3n")));
    std::fs::write(&file, r#"{"tenants": [{"name": "room-1", "image": "img", "colour": "red"}]}"#).unwrap();
    Run::new(&f)
        .arg("apply")
        .arg(&file)
        .code(2)
        .stderr(format!(
            "lanctl: {}: unknown field `colour`, expected one of `name`, `host`, `net`, `preset`, `image`, `ip`, `ip6`, `env`, \
             `pass_env`, `ip_env`, `ip6_env`, `slaac`, `labels`, `restart`, `args`, `ready` at line 1 column 56; see the fleet file schema in the README\n",
            file.display()
        ))
        .check();
}

#[test]
fn host_access_persist_writes_atomically_under_the_config_root() {
    let root = tempfile::tempdir().unwrap();
    let f = lan();
    let ifupdown = "# /etc/network/interfaces.d/lanctl-lc-ltfix-net\n\
                    # lanctl host-access shim for network ltfix-net: lets this host reach its tenants\n\
                    auto lc-ltfix-net\n\
                    iface lc-ltfix-net inet static\n    \
                        address 198.51.100.254/32\n    \
                        pre-up ip link add lc-ltfix-net link ltfixp type macvlan mode bridge\n    \
                        up ip route add 198.51.100.100/30 dev lc-ltfix-net\n    \
                        up ip route add 198.51.100.104/29 dev lc-ltfix-net\n    \
                        up ip route add 198.51.100.112/28 dev lc-ltfix-net\n    \
                        up ip route add 198.51.100.128/30 dev lc-ltfix-net\n    \
                        post-down ip link delete lc-ltfix-net\n\n";
    Run::new(&f).args(["host-access", NET, "--persist", "ifupdown"]).stdout(ifupdown).check();
    Run::new(&f)
        .env("LANCTL_CONFIG_ROOT", root.path())
        .args(["host-access", NET, "--persist", "ifupdown", "--write"])
        .stderr(format!("lanctl: wrote {}/etc/network/interfaces.d/lanctl-lc-ltfix-net\n", root.path().display()))
        .check();
    let written = std::fs::read_to_string(root.path().join("etc/network/interfaces.d/lanctl-lc-ltfix-net")).unwrap();
    // The file is what the plain --persist printed, without its first line (the path).
    assert_eq!(written, ifupdown.split_once('\n').unwrap().1.trim_end_matches('\n').to_string() + "\n");
    // networkd needs the parent's .network file for the attach line; without one, --write refuses.
    Run::new(&f)
        .env("LANCTL_CONFIG_ROOT", root.path())
        .args(["host-access", NET, "--persist", "systemd-networkd", "--write"])
        .code(1)
        .stderr(format!(
            "lanctl: no .network file in {r}/etc/systemd/network, {r}/run/systemd/network, {r}/usr/lib/systemd/network, \
             {r}/lib/systemd/network matches ltfixp; configure the parent with systemd-networkd first, or run without \
             --write and add the MACVLAN=lc-ltfix-net line by hand\n",
            r = root.path().display()
        ))
        .check();
    let dir = root.path().join("etc/systemd/network");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("10-lan.network"), "[Match]\nName=ltfixp\n").unwrap();
    // --persist changes no live state: Run asserts no change.
    Run::new(&f)
        .env("LANCTL_CONFIG_ROOT", root.path())
        .args(["host-access", NET, "--persist", "systemd-networkd", "--write"])
        .stderr(format!(
            "lanctl: wrote {d}/50-lanctl-lc-ltfix-net.netdev\n\
             lanctl: wrote {d}/50-lanctl-lc-ltfix-net.network\n\
             lanctl: wrote {d}/10-lan.network.d/lanctl-lc-ltfix-net.conf\n",
            d = dir.display()
        ))
        .check();
    let attach = std::fs::read_to_string(dir.join("10-lan.network.d/lanctl-lc-ltfix-net.conf")).unwrap();
    assert_eq!(
        attach,
        "# lanctl host-access shim for network ltfix-net: lets this host reach its tenants\n[Network]\nMACVLAN=lc-ltfix-net\n"
    );
    let netdev = std::fs::read_to_string(dir.join("50-lanctl-lc-ltfix-net.netdev")).unwrap();
    assert_eq!(
        netdev,
        "# lanctl host-access shim for network ltfix-net: lets this host reach its tenants\n\
         [NetDev]\nName=lc-ltfix-net\nKind=macvlan\n\n[MACVLAN]\nMode=bridge\n"
    );
    let network = std::fs::read_to_string(dir.join("50-lanctl-lc-ltfix-net.network")).unwrap();
    assert_eq!(
        network,
        "# lanctl host-access shim for network ltfix-net: lets this host reach its tenants\n\
         [Match]\nName=lc-ltfix-net\n\n[Network]\nAddress=198.51.100.254/32\n\n\
         [Route]\nDestination=198.51.100.100/30\n\n[Route]\nDestination=198.51.100.104/29\n\n\
         [Route]\nDestination=198.51.100.112/28\n\n[Route]\nDestination=198.51.100.128/30\n"
    );
}

/// The router's address is never a container's: a gateway inside the reserved range, or
/// an aux address on the gateway, is bad input in every shape, before anything runs.
#[test]
fn the_gateway_inside_the_range_or_as_an_aux_address_is_bad_input() {
    let net = |subnet: &str, gateway: &str, more: &[&str]| -> Vec<String> {
        ["net", "create", "n", "--driver", "macvlan", "--parent", "ltfixp", "--subnet", subnet, "--gateway", gateway]
            .iter()
            .chain(more)
            .map(|s| s.to_string())
            .collect()
    };
    let cases = [
        (
            net("198.51.100.128/25", "198.51.100.200", &["--ip-range", "198.51.100.192-198.51.100.223"]),
            "lanctl: --gateway 198.51.100.200 is inside --ip-range 198.51.100.192-198.51.100.223; the router's address is \
             never a container's: give a range that leaves it out\n",
        ),
        (
            net("198.51.100.0/24", "198.51.100.100", &["--ip-range", "198.51.100.96/27"]),
            "lanctl: --gateway 198.51.100.100 is inside --ip-range 198.51.100.96/27; the router's address is never a \
             container's: give a range that leaves it out\n",
        ),
        (
            net(
                "198.51.100.0/24",
                "198.51.100.1",
                &["--ip-range", "198.51.100.100-198.51.100.131", "--aux-address", "r=198.51.100.1"],
            ),
            "lanctl: --aux-address r=198.51.100.1 is the gateway; give the address of another device\n",
        ),
    ];
    for (args, says) in cases {
        for skip in [false, true] {
            let f = lan();
            let args: Vec<String> = if skip { [vec!["--skip-checks".to_string()], args.clone()].concat() } else { args.clone() };
            let done = Run::new(&f).args(&args).code(2).stderr(says).check();
            assert!(done.calls.is_empty(), "{args:?} ran {:?}", done.calls);
        }
    }
}

#[test]
fn net_ls_and_show_name_the_ipv6_part_of_a_dual_stack_network() {
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &dual_stack_network()));
    Run::new(&f)
        .args(["net", "ls"])
        .stdout(
            "NAME       DRIVER   MODE    PARENT  SUBNET           RANGE                          GATEWAY       TENANTS  FREE  SUBNET6               RANGE6\n\
             ltfix-net  macvlan  bridge  ltfixp  198.51.100.0/24  198.51.100.100-198.51.100.131  198.51.100.1  0        30    2001:db8:51:100::/64  2001:db8:51:100::100-2001:db8:51:100::1ff\n",
        )
        .check();
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &dual_stack_network()));
    Run::new(&f)
        .args(["net", "show", NET])
        .stdout(
            "network   ltfix-net (macvlan bridge on ltfixp)\n\
             subnet    198.51.100.0/24 gateway 198.51.100.1\n\
             range     198.51.100.100-198.51.100.131 (32 usable of 32 addresses; docker --ip-range 198.51.100.112/28)\n\
             subnet6   2001:db8:51:100::/64 gateway 2001:db8:51:100::1\n\
             range6    2001:db8:51:100::100-2001:db8:51:100::1ff (256 addresses; docker --ip-range 2001:db8:51:100::100/120)\n\
             reserved  198.51.100.0    the network address\n\
             reserved  198.51.100.1    the gateway\n\
             reserved  198.51.100.2    the aux address router2\n\
             reserved  198.51.100.255  the broadcast address\n\
             reserved  2001:db8:51:100:: the subnet-router anycast address\n\
             reserved  2001:db8:51:100::1 the IPv6 gateway\n\
             used      198.51.100.113  container ltfix-run (running)\n\
             used      198.51.100.114  container ltfix-stop (exited)\n\
             free      30 (next 198.51.100.100)\n",
        )
        .check();
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &dual_stack_network()));
    let json = Run::new(&f).args(["--json", "net", "show", NET]).stdout_unchecked().check().stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_documented("lanctl net show NET", &v);
    assert_eq!(
        v["ipv6"],
        serde_json::json!({"subnet": "2001:db8:51:100::/64", "gateway": "2001:db8:51:100::1",
            "range": "2001:db8:51:100::100-2001:db8:51:100::1ff", "range_size": 256, "docker_ip_range": "2001:db8:51:100::100/120"})
    );
}

/// The dual-stack fixture with both tenants holding IPv6 addresses: the running one
/// 2001:db8:51:100::100 (its endpoint in the network's inspect), the stopped one ::101 (its
/// own IPAM config, which it keeps while stopped).
fn dual_stack_with_holders(f: &Fake) {
    let net = dual_stack_network().replace(r#""IPv6Address": """#, r#""IPv6Address": "2001:db8:51:100::100/64""#);
    f.on("docker", "network inspect*", 0, &net);
    let stopped = std::fs::read_to_string(fixture("docker-container-inspect-stopped.json")).unwrap().replace(
        r#""IPv4Address": "198.51.100.114""#,
        r#""IPv4Address": "198.51.100.114", "IPv6Address": "2001:db8:51:100::101""#,
    );
    f.on("docker", &format!("container inspect -- {STOPPED_ID}*"), 0, &stopped);
}

#[test]
fn a_dual_stack_tenant_takes_the_lowest_free_ipv6_address_past_running_and_stopped_holders() {
    let f = lan_with(dual_stack_with_holders);
    Run::new(&f)
        .args(["up", "room-1", "--image", "img", "--no-probe", "--wait", "0", "--ip6-env", "LOCAL_IP6", "--ip-env", "LOCAL_IP"])
        .stdout("room-1 198.51.100.100 2001:db8:51:100::102\n")
        .change_lines([r#"docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.100 --ip6 2001:db8:51:100::102 --sysctl net.ipv6.conf.all.accept_ra=0 --sysctl net.ipv6.conf.default.accept_ra=0 --sysctl net.ipv6.conf.all.autoconf=0 --sysctl net.ipv6.conf.default.autoconf=0 --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={"image":"img","env":{},"secrets":[],"ip_env":["LOCAL_IP"],"ip6_env":["LOCAL_IP6"],"labels":{},"restart":"unless-stopped","args":[]}' --env LOCAL_IP=198.51.100.100 --env LOCAL_IP6=2001:db8:51:100::102 -- img"#])
        .check();
    // An IPv6 --ip beside the IPv4 one, and --slaac: the kernel's defaults, no sysctl.
    let f = lan_with(dual_stack_with_holders);
    Run::new(&f)
        .args(["-n", "up", "room-1", "--image", "img", "--no-probe", "--wait", "0", "--ip", "2001:db8:51:100::120", "--ip", "198.51.100.120", "--slaac"])
        .stdout(r#"docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.120 --ip6 2001:db8:51:100::120 --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[],"slaac":true}' -- img
"#)
        .stderr("lanctl: room-1 would get 198.51.100.120 and 2001:db8:51:100::120 on ltfix-net\n")
        .changes(&[])
        .check();
}

/// The `docker run` of room-1 on 198.51.100.100 and 2001:db8:51:100::`ip6`.
fn room1_run(ip6: &str) -> String {
    RUN.replace("::IP6 ", &format!("::{ip6} "))
}

const RUN: &str = r#"docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.100 --ip6 2001:db8:51:100::IP6 --sysctl net.ipv6.conf.all.accept_ra=0 --sysctl net.ipv6.conf.default.accept_ra=0 --sysctl net.ipv6.conf.all.autoconf=0 --sysctl net.ipv6.conf.default.autoconf=0 --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}' -- img"#;

/// The probes of a run, program and arguments, sorted (those of a batch run at once).
fn probes(done: &Done) -> Vec<String> {
    let mut p: Vec<String> =
        done.calls.iter().filter(|c| c.argv[0] == "arping" || c.argv[0] == "ndisc6").map(|c| c.argv.join(" ")).collect();
    p.sort();
    p
}

#[test]
fn without_the_native_probe_the_ipv6_address_is_probed_with_ndisc6() {
    // The fake host probes with arping and ndisc6 (LANCTL_PROBE=arping); nothing answers.
    let f = lan_with(dual_stack_with_holders);
    let done = Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.100 2001:db8:51:100::102\n")
        .change_lines([room1_run("102")])
        .check();
    assert_eq!(
        probes(&done),
        ["arping -D -c 1 -w 1 -I ltfixp 198.51.100.100", "ndisc6 -1 -n -r 3 -w 333 2001:db8:51:100::102 ltfixp"]
    );
}

#[test]
fn an_ipv6_address_ndisc6_finds_taken_is_skipped_for_the_next() {
    // What ndisc6 1.0.5 prints when a device answers (exit 0).
    let answer = "Soliciting 2001:db8:51:100::102 (2001:db8:51:100::102) on ltfixp...\nTarget link-layer address: \
                  AE:1C:AD:28:13:B4\n from 2001:db8:51:100::102\n";
    let f = lan_with(|f| {
        f.on("ndisc6", "-1 -n -r 3 -w 333 2001:db8:51:100::102 ltfixp", 0, answer);
        dual_stack_with_holders(f);
    });
    let done = Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.100 2001:db8:51:100::103\n")
        .stderr("lanctl: skipping 2001:db8:51:100::102: a LAN device (ae:1c:ad:28:13:b4) already uses it\n")
        .change_lines([room1_run("103")])
        .check();
    // The IPv4 address, clear, is asked once; the next IPv6 one after the first.
    assert_eq!(
        probes(&done),
        [
            "arping -D -c 1 -w 1 -I ltfixp 198.51.100.100",
            "ndisc6 -1 -n -r 3 -w 333 2001:db8:51:100::102 ltfixp",
            "ndisc6 -1 -n -r 3 -w 333 2001:db8:51:100::103 ltfixp",
        ]
    );
}

#[test]
fn without_ndisc6_the_ipv6_address_goes_unprobed_and_says_how_to_install_it() {
    let f = lan_with(dual_stack_with_holders);
    f.remove_program("ndisc6");
    let done = Run::new(&f)
        .env("PATH", f.only_fakes_path())
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.100 2001:db8:51:100::102\n")
        .stderr(
            "lanctl: warning: 2001:db8:51:100::102 not probed on the LAN: the NDP duplicate check needs the native probe \
             or ndisc6 (LANCTL_PROBE=arping); install ndisc6 (apt-get install ndisc6) to probe them\n",
        )
        .change_lines([room1_run("102")])
        .check();
    assert_eq!(probes(&done), ["arping -D -c 1 -w 1 -I ltfixp 198.51.100.100"]);
}

#[test]
fn a_fleet_tenant_takes_ip6_ip6_env_and_slaac() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.json");
    std::fs::write(
        &file,
        r#"{"tenants": [{"name": "room-1", "image": "img", "ip6": "2001:db8:51:100::120", "ip6_env": ["LOCAL_IP6"], "slaac": true}]}"#,
    )
    .unwrap();
    let f = lan_with(dual_stack_with_holders);
    let out = Run::new(&f).args(["-n", "apply", "--no-probe"]).arg(&file).stdout_unchecked().stderr_unchecked().check();
    assert!(
        out.stdout.contains(
            " --ip 198.51.100.100 --ip6 2001:db8:51:100::120 --restart unless-stopped --label io.lanctl.tenant=room-1 "
        ),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(r#""ip6_env":["LOCAL_IP6"],"#) && out.stdout.contains(r#""slaac":true}"#), "{}", out.stdout);
    assert!(out.stdout.contains(" --env LOCAL_IP6=2001:db8:51:100::120 -- img"), "{}", out.stdout);
}

#[test]
fn ls_shows_the_ipv6_address_of_a_dual_stack_tenant_running_or_stopped() {
    let f = lan_with(dual_stack_with_holders);
    let out = Run::new(&f).args(["ls", "--net", NET]).stdout_unchecked().stderr_unchecked().check();
    let header: Vec<&str> = out.stdout.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["NAME", "NETWORK", "ADDRESS", "ADDRESS6", "STATE", "READY", "IMAGE", "STATUS"]);
    assert!(out.stdout.contains("ltfix-run   ltfix-net  198.51.100.113  2001:db8:51:100::100  running"), "{}", out.stdout);
    assert!(out.stdout.contains("ltfix-stop  ltfix-net  198.51.100.114  2001:db8:51:100::101  exited"), "{}", out.stdout);
    let f = lan_with(dual_stack_with_holders);
    let json = Run::new(&f).args(["--json", "ls", "--net", NET]).stdout_unchecked().stderr_unchecked().check().stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_documented("lanctl ls", &v);
    let six: Vec<&str> = v.as_array().unwrap().iter().map(|r| r["address6"].as_str().unwrap()).collect();
    assert_eq!(six, ["2001:db8:51:100::100", "2001:db8:51:100::101"]);
    // An IPv4-only network's tenants: no column, no field.
    let f = lan();
    let out = Run::new(&f).args(["--json", "ls", "--net", NET]).stdout_unchecked().stderr_unchecked().check();
    assert!(!out.stdout.contains("address6"), "{}", out.stdout);
}

#[test]
fn ipv6_input_the_network_cannot_take_exits_2_with_one_line_and_changes_nothing() {
    let dual: &[(&[&str], &str)] = &[
        (
            &["--ip", "2001:db8:51:100::101"],
            "lanctl: room-1: --ip 2001:db8:51:100::101 is held by container ltfix-stop (exited) on network ltfix-net; \
             choose another address, or leave the IPv6 --ip out to take the next free one\n",
        ),
        (
            &["--ip", "2001:db8:51:100::5"],
            "lanctl: room-1: --ip 2001:db8:51:100::5 is outside the reserved IPv6 range \
             2001:db8:51:100::100-2001:db8:51:100::1ff of network ltfix-net; choose one inside the range, or pass \
             --outside-range if you know it is free\n",
        ),
        (
            &["--ip", "2001:db8:99::5"],
            "lanctl: room-1: --ip 2001:db8:99::5 is outside the subnet 2001:db8:51:100::/64 of network ltfix-net; \
             choose another address, or leave the IPv6 --ip out to take the next free one\n",
        ),
    ];
    for (args, says) in dual {
        let f = lan_with(dual_stack_with_holders);
        Run::new(&f)
            .args(["up", "room-1", "--image", "img", "--no-probe"])
            .args(*args)
            .code(2)
            .stderr(*says)
            .changes(&[])
            .check();
    }
    let v4only: &[(&[&str], &str)] = &[
        (
            &["--ip", "2001:db8:51:100::120"],
            "lanctl: room-1: --ip 2001:db8:51:100::120 is IPv6, but network ltfix-net is IPv4-only; leave it out, or \
             use a dual-stack network (`lanctl net create` with an IPv6 --subnet)\n",
        ),
        (
            &["--ip6-env", "LOCAL_IP6"],
            "lanctl: room-1: --ip6-env LOCAL_IP6 asks for an IPv6 address, but network ltfix-net is IPv4-only; leave \
             it out, or use a dual-stack network (`lanctl net create` with an IPv6 --subnet)\n",
        ),
    ];
    let update = ["update", "ltfix-run", "--ip6-env", "LOCAL_IP6"];
    let spec = r#"{"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}"#;
    let f = lan_with(|f| f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(spec)));
    Run::new(&f)
        .args(update)
        .code(2)
        .stderr(
            "lanctl: --ip6-env LOCAL_IP6 asks for an IPv6 address, but tenant ltfix-run has none (network ltfix-net is \
             IPv4-only); leave it out\n",
        )
        .changes(&[])
        .check();
    for (args, says) in v4only {
        let f = lan();
        Run::new(&f)
            .args(["up", "room-1", "--image", "img", "--no-probe"])
            .args(*args)
            .code(2)
            .stderr(*says)
            .changes(&[])
            .check();
    }
    // Before any read: not an address a tenant can hold, or two of one family.
    for (ip, says) in [
        ("fe80::5", "lanctl: --ip fe80::5 is a link-local, multicast, loopback or unspecified IPv6 address; give a global or unique local one inside the network's reserved IPv6 range\n"),
        ("ff02::1", "lanctl: --ip ff02::1 is a link-local, multicast, loopback or unspecified IPv6 address; give a global or unique local one inside the network's reserved IPv6 range\n"),
    ] {
        let f = lan();
        let done = Run::new(&f).args(["up", "room-1", "--image", "img", "--ip", ip]).code(2).stderr(says).check();
        assert!(done.calls.is_empty(), "{ip} ran {:?}", done.calls);
    }
}

#[test]
fn host_access_on_a_dual_stack_network_gives_the_shim_an_ipv6_address_and_routes() {
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &dual_stack_network()));
    let lines = format!(
        "{}ip addr add 2001:db8:51:100:ffff:ffff:ffff:ffff/128 dev lc-ltfix-net\n{}ip -6 route add 2001:db8:51:100::100/120 dev lc-ltfix-net\n",
        &HOST_ACCESS_LINES[..HOST_ACCESS_LINES.find("ip link set").unwrap()],
        &HOST_ACCESS_LINES[HOST_ACCESS_LINES.find("ip link set").unwrap()..],
    );
    Run::new(&f).args(["-n", "host-access", NET, "--no-probe"]).stdout(lines).check();
}

/// The dual-stack fixture with a shim lc-ltfix-net on ltfixp holding `addrs` (family, address, prefix).
fn dual_stack_with_shim(f: &Fake, addrs: &[(&str, &str, u8)]) {
    f.on("docker", "network inspect*", 0, &dual_stack_network());
    let info: Vec<String> =
        addrs.iter().map(|(fam, a, p)| format!(r#"{{"family":"{fam}","local":"{a}","prefixlen":{p}}}"#)).collect();
    f.on(
        "ip",
        "-j -d addr show",
        0,
        &format!(
            r#"[{{"ifname":"ltfixp","flags":["UP"],"linkinfo":{{"info_kind":"veth"}},"addr_info":[]}},
                {{"ifname":"lc-ltfix-net","link":"ltfixp","flags":["UP","LOWER_UP"],"linkinfo":{{"info_kind":"macvlan"}},
                  "addr_info":[{}]}}]"#,
            info.join(",")
        ),
    );
    f.on(
        "ip",
        "-j route show dev lc-ltfix-net",
        0,
        r#"[{"dst":"198.51.100.100/30"},{"dst":"198.51.100.104/29"},{"dst":"198.51.100.112/28"},{"dst":"198.51.100.128/30"}]"#,
    );
}

#[test]
fn host_access_adds_the_missing_ipv6_half_of_a_dual_stack_shim_and_status_shows_both_families() {
    let v4 = ("inet", "198.51.100.254", 32);
    let v6 = ("inet6", "2001:db8:51:100:ffff:ffff:ffff:fff0", 128);
    let f = lan_with(|f| {
        dual_stack_with_shim(f, &[v4]);
        f.on("ip", "-6 -j route show dev lc-ltfix-net", 0, "[]");
    });
    Run::new(&f)
        .args(["-n", "host-access", NET, "--no-probe"])
        .stdout(
            "ip addr add 2001:db8:51:100:ffff:ffff:ffff:ffff/128 dev lc-ltfix-net\n\
             ip -6 route add 2001:db8:51:100::100/120 dev lc-ltfix-net\n",
        )
        .check();
    let f = lan_with(|f| {
        dual_stack_with_shim(f, &[v4, v6]);
        f.on("ip", "-6 -j route show dev lc-ltfix-net", 0, r#"[{"dst":"2001:db8:51:100::100/120"},{"dst":"fe80::/64"}]"#);
    });
    Run::new(&f)
        .args(["host-access", NET, "--status"])
        .stdout(
            "ltfix-net: shim lc-ltfix-net (macvlan on ltfixp) 198.51.100.254 2001:db8:51:100:ffff:ffff:ffff:fff0, up\n\
             routes: 198.51.100.100/30 198.51.100.104/29 198.51.100.112/28 198.51.100.128/30 2001:db8:51:100::100/120\n",
        )
        .check();
    let f = lan_with(|f| {
        dual_stack_with_shim(f, &[v4, v6]);
        f.on("ip", "-6 -j route show dev lc-ltfix-net", 0, "[]");
    });
    let json = Run::new(&f).args(["--json", "host-access", NET, "--status"]).stdout_unchecked().check().stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["shim"]["address"], "198.51.100.254");
    assert_eq!(v["shim"]["address6"], "2001:db8:51:100:ffff:ffff:ffff:fff0");
    assert_eq!(v["missing_routes"], serde_json::json!(["2001:db8:51:100::100/120"]));
}

/// A user preset that puts the tenant's IPv6 address into its environment and arguments.
fn ip6_preset() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cam6.preset"),
        "image = example/cam6:1\nenv = MEDIA_IP6={ip6}\nenv = SDP=udp://[{ip6}]:5000/{name}\narg = --listen={ip}\narg = --listen6={ip6}\n",
    )
    .unwrap();
    dir
}

#[test]
fn a_preset_s_ip6_placeholder_is_the_tenant_s_ipv6_address_and_refused_on_an_ipv4_only_network() {
    let dir = ip6_preset();
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &dual_stack_network()));
    let done = Run::new(&f)
        .env("LANCTL_PRESETS_DIR", dir.path())
        .args(["-n", "up", "room-1", "--preset", "cam6", "--no-probe"])
        .stdout_unchecked()
        .stderr("lanctl: room-1 would get 198.51.100.100 and 2001:db8:51:100::100 on ltfix-net\n")
        .check();
    assert!(
        done.stdout.contains(
            " --env MEDIA_IP6=2001:db8:51:100::100 --env 'SDP=udp://[2001:db8:51:100::100]:5000/room-1' -- example/cam6:1 \
             --listen=198.51.100.100 --listen6=2001:db8:51:100::100\n# then wait"
        ),
        "{}",
        done.stdout
    );
    let f = lan();
    Run::new(&f)
        .env("LANCTL_PRESETS_DIR", dir.path())
        .args(["up", "room-1", "--preset", "cam6", "--no-probe"])
        .code(2)
        .stderr(
            "lanctl: room-1: env MEDIA_IP6 holds {ip6}, the tenant's IPv6 address, but network ltfix-net is IPv4-only; \
             set MEDIA_IP6 yourself with -e MEDIA_IP6=VALUE, or use a dual-stack network (`lanctl net create` with an \
             IPv6 --subnet)\n",
        )
        .changes(&[])
        .check();
    // `{ip6}` in an argument alone, and the tenant of a preset that gained `{ip6}` updated.
    std::fs::write(dir.path().join("arg6.preset"), "image = example/cam6:1\narg = --listen6={ip6}\n").unwrap();
    Run::new(&f)
        .env("LANCTL_PRESETS_DIR", dir.path())
        .args(["up", "room-1", "--preset", "arg6", "--no-probe"])
        .code(2)
        .stderr(
            "lanctl: room-1: argument \"--listen6={ip6}\" holds {ip6}, the tenant's IPv6 address, but network ltfix-net \
             is IPv4-only; give the arguments yourself after --, or use a dual-stack network (`lanctl net create` with \
             an IPv6 --subnet)\n",
        )
        .changes(&[])
        .check();
    let spec = r#"{"image":"img","env":{},"secrets":[],"ip_env":[],"ip_templates":{"MEDIA_IP6":"{ip6}"},"labels":{},"restart":"unless-stopped","args":[]}"#;
    let f = lan_with(|f| f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(spec)));
    Run::new(&f)
        .args(["update", "ltfix-run", "-e", "MODE=2"])
        .code(2)
        .stderr(
            "lanctl: tenant ltfix-run: env MEDIA_IP6 holds {ip6}, the tenant's IPv6 address, but network ltfix-net is \
             IPv4-only; set MEDIA_IP6 yourself with -e MEDIA_IP6=VALUE, or use a dual-stack network (`lanctl net create` \
             with an IPv6 --subnet)\n",
        )
        .changes(&[])
        .check();
}

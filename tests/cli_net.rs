//! `net create | ls | show | rm`, `host-access` and `apply` against a fake docker and ip.

mod common;
mod support;

use common::*;
use support::*;

const CREATE: [&str; 12] = [
    "net",
    "create",
    "lan",
    "--driver",
    "macvlan",
    "--parent",
    "ltfixp",
    "--subnet",
    "198.51.100.0/24",
    "--gateway",
    "198.51.100.1",
    "--skip-checks",
];

fn create_args(range: &str) -> Vec<String> {
    CREATE.iter().map(|s| s.to_string()).chain(["--ip-range".to_string(), range.to_string()]).collect()
}

#[test]
fn dry_run_of_net_create_is_the_real_run() {
    let f = lan();
    let dry = lanctl(&f).arg("-n").args(create_args("198.51.100.100-198.51.100.131")).assert().success();
    let planned = dry_argvs(&dry.get_output().stdout);
    assert_eq!(
        planned,
        vec![argv_of_line(
            "docker network create --driver macvlan --opt parent=ltfixp --opt macvlan_mode=bridge --subnet 198.51.100.0/24 \
             --gateway 198.51.100.1 --ip-range 198.51.100.112/28 --label io.lanctl.managed=true \
             --label io.lanctl.range=198.51.100.100-198.51.100.131 -- lan"
        )]
    );
    assert!(changes(&f).is_empty(), "{:?}", changes(&f));
    lanctl(&f).args(create_args("198.51.100.100-198.51.100.131")).assert().success();
    assert_eq!(changes(&f), planned);
}

#[test]
fn bad_input_exits_2_before_any_command_runs() {
    for (range, says) in [
        ("198.51.100.100/27", "Docker would silently take it as 198.51.100.96/27"),
        ("198.51.101.0/27", "not inside --subnet"),
        ("fd00::/64", "IPv6"),
    ] {
        let f = lan();
        let out = lanctl(&f).args(create_args(range)).assert().code(2);
        let err = lossy(&out.get_output().stderr);
        assert!(err.contains(says), "{err}");
        assert_eq!(err.lines().count(), 1);
        assert!(f.calls().is_empty(), "something ran: {:?}", f.calls());
    }
}

#[test]
fn the_hosts_own_address_inside_the_range_is_refused() {
    let f = lan_with(|f| {
        f.on(
            "ip",
            "-j addr show",
            0,
            r#"[{"ifname":"ltfixp","flags":["UP"],"addr_info":[{"family":"inet","local":"198.51.100.120","prefixlen":24}]}]"#,
        )
    });
    let out = lanctl(&f).args(create_args("198.51.100.100-198.51.100.131")).assert().code(2);
    assert!(lossy(&out.get_output().stderr).contains("contains 198.51.100.120, the host's own address on ltfixp"));
    assert!(changes(&f).is_empty());
}

#[test]
fn failed_checks_exit_3_and_a_dry_run_still_prints_the_plan() {
    let unreachable = "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n";
    let f = lan_with(|f| f.on_err("docker", "version*", 1, unreachable));
    let args: Vec<String> = create_args("198.51.100.100-198.51.100.131").into_iter().filter(|a| a != "--skip-checks").collect();
    let out = lanctl(&f).args(&args).assert().code(3);
    assert!(lossy(&out.get_output().stderr).contains("docker.daemon"), "{}", lossy(&out.get_output().stderr));
    assert!(changes(&f).is_empty());
    let out = lanctl(&f).arg("--dry-run").args(&args).assert().code(3);
    assert_eq!(dry_argvs(&out.get_output().stdout).len(), 1, "the plan is printed");
    assert!(changes(&f).is_empty());
    lanctl(&f).arg("--dry-run").arg("--skip-checks").args(&args).assert().success();
}

#[test]
fn same_spec_changes_nothing_and_another_spec_says_what_differs() {
    let f = lan();
    let mut same = create_args("198.51.100.100-198.51.100.131");
    same[2] = NET.to_string();
    same.extend(["--aux-address".to_string(), "router2=198.51.100.2".to_string()]);
    let out = lanctl(&f).args(&same).assert().success();
    assert!(lossy(&out.get_output().stderr).contains("already exists with this spec; nothing to do"));
    let mut other = create_args("198.51.100.96/27");
    other[2] = NET.to_string();
    let out = lanctl(&f).args(&other).assert().code(1);
    let err = lossy(&out.get_output().stderr);
    assert!(err.contains("ip-range is 198.51.100.100-198.51.100.131, not 198.51.100.96-198.51.100.127"), "{err}");
    assert!(err.contains("aux-address is router2=198.51.100.2, not none"), "{err}");
    assert!(changes(&f).is_empty());
}

#[test]
fn a_failing_docker_command_exits_1_naming_the_line_and_dockers_words() {
    let f = lan_with(|f| {
        f.on_err(
            "docker",
            "network create*",
            1,
            "Error response from daemon: pool overlaps with other one on this address space\n",
        )
    });
    let out = lanctl(&f).args(create_args("198.51.100.100-198.51.100.131")).assert().code(1);
    let stderr = lossy(&out.get_output().stderr);
    let err = stderr.lines().last().unwrap();
    assert!(err.starts_with("lanctl: `docker network create --driver macvlan"), "{err}");
    assert!(
        err.contains("failed (exit 1): Error response from daemon: pool overlaps with other one on this address space"),
        "{err}"
    );
}

#[test]
fn net_show_reports_the_pool() {
    let f = lan();
    let out = lanctl(&f).args(["--json", "net", "show", NET]).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["range_size"], 32);
    assert_eq!(v["free"], 30);
    assert_eq!(v["next_free"], "198.51.100.100");
    let used: Vec<String> = v["used"].as_array().unwrap().iter().map(|u| format!("{} {}", u["address"], u["name"])).collect();
    assert_eq!(used, ["\"198.51.100.113\" \"ltfix-run\"", "\"198.51.100.114\" \"ltfix-stop\""]);
    let out = lanctl(&f).args(["net", "ls"]).assert().success();
    let text = lossy(&out.get_output().stdout);
    assert!(text.lines().nth(1).unwrap().starts_with("ltfix-net  macvlan  bridge  ltfixp"), "{text}");
}

#[test]
fn net_rm_refuses_while_containers_are_attached_running_or_stopped() {
    let f = lan();
    let out = lanctl(&f).args(["net", "rm", NET]).assert().code(1);
    let err = lossy(&out.get_output().stderr);
    assert!(err.contains("ltfix-stop (exited), ltfix-run (running)"), "{err}");
    assert!(changes(&f).is_empty());
    let f = lan_with(|f| f.on("docker", "ps --all*", 0, ""));
    lanctl(&f).args(["net", "rm", NET]).assert().success();
    assert_eq!(changes(&f), vec![vec!["docker", "network", "rm", "--", NET]]);
}

#[test]
fn host_access_dry_run_prints_the_ip_lines() {
    let f = lan();
    let out = lanctl(&f).args(["-n", "host-access", NET]).assert().success();
    assert_eq!(
        lossy(&out.get_output().stdout),
        "ip link add lc-ltfix-net link ltfixp type macvlan mode bridge\n\
         ip addr add 198.51.100.254/32 dev lc-ltfix-net\n\
         ip link set lc-ltfix-net up\n\
         ip route add 198.51.100.100/30 dev lc-ltfix-net\n\
         ip route add 198.51.100.104/29 dev lc-ltfix-net\n\
         ip route add 198.51.100.112/28 dev lc-ltfix-net\n\
         ip route add 198.51.100.128/30 dev lc-ltfix-net\n"
    );
    assert!(changes(&f).is_empty());
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
    let dry = lanctl(&f).env("TOKEN", "t0k3n").args(["-n", "apply"]).arg(&file).assert().success();
    let planned = dry_argvs(&dry.get_output().stdout);
    assert_eq!(planned.len(), 2);
    assert!(changes(&f).is_empty());
    lanctl(&f).env("TOKEN", "t0k3n").args(["apply", "--parallel", "1", "--wait", "0"]).arg(&file).assert().success();
    assert_eq!(changes(&f), planned);
    assert!(!f.calls().iter().flatten().any(|a| a.contains("t0k3n")));
    std::fs::write(&file, r#"{"tenants": [{"name": "room-1", "image": "img", "colour": "red"}]}"#).unwrap();
    let out = lanctl(&f).arg("apply").arg(&file).assert().code(2);
    assert!(lossy(&out.get_output().stderr).contains("unknown field `colour`"));
}

#[test]
fn host_access_persist_writes_atomically_under_the_config_root() {
    let root = tempfile::tempdir().unwrap();
    let f = lan();
    let printed = lanctl(&f).args(["host-access", NET, "--persist", "ifupdown"]).assert().success();
    let text = lossy(&printed.get_output().stdout);
    assert!(text.starts_with("# /etc/network/interfaces.d/lanctl-lc-ltfix-net\n"), "{text}");
    lanctl(&f)
        .env("LANCTL_CONFIG_ROOT", root.path())
        .args(["host-access", NET, "--persist", "ifupdown", "--write"])
        .assert()
        .success();
    let written = std::fs::read_to_string(root.path().join("etc/network/interfaces.d/lanctl-lc-ltfix-net")).unwrap();
    assert!(written.contains("    pre-up ip link add lc-ltfix-net link ltfixp type macvlan mode bridge\n"), "{written}");
    assert!(written.contains("    address 198.51.100.254/32\n"));
    // networkd needs the parent's .network file for the attach line; without one, --write refuses.
    let out = lanctl(&f)
        .env("LANCTL_CONFIG_ROOT", root.path())
        .args(["host-access", NET, "--persist", "systemd-networkd", "--write"])
        .assert()
        .code(1);
    assert!(lossy(&out.get_output().stderr).contains("no .network file in"));
    let dir = root.path().join("etc/systemd/network");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("10-lan.network"), "[Match]\nName=ltfixp\n").unwrap();
    lanctl(&f)
        .env("LANCTL_CONFIG_ROOT", root.path())
        .args(["host-access", NET, "--persist", "systemd-networkd", "--write"])
        .assert()
        .success();
    let attach = std::fs::read_to_string(dir.join("10-lan.network.d/lanctl-lc-ltfix-net.conf")).unwrap();
    assert!(attach.ends_with("[Network]\nMACVLAN=lc-ltfix-net\n"));
    assert!(dir.join("50-lanctl-lc-ltfix-net.netdev").exists());
    assert!(changes(&f).is_empty(), "--persist changes no live state");
}

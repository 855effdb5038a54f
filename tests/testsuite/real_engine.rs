//! lanctl against the real Docker Engine, on veth parents the tests make, in the test slot
//! 198.51.100.0/26 behind a blackhole route (tests/testsuite/common: RealEnv). Run by
//! scripts/test.sh.
//! Addresses come from the env: gateway host 1, the reserved range hosts 16-47, helpers
//! (a neighbour client, the "LAN device") outside the range.

use std::collections::BTreeSet;

use crate::common::*;

/// `lanctl up` of one tenant of the test image; returns its address.
fn up(env: &RealEnv, net: &str, name: &str, extra: &[&str]) -> String {
    env.track_container(name);
    let out = env
        .lanctl()
        .args(["up", name, "--net", net, "--image", IMAGE, "--pull", "never", "--ip-env", "LOCAL_IP"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "up {name}: {}", lossy(&out.stderr));
    let line = lossy(&out.stdout);
    let (n, ip) = line.trim().split_once(' ').expect("NAME ADDRESS");
    assert_eq!(n, name);
    ip.to_string()
}

/// Fetches a tenant's page from a second container on the same network.
fn fetch_from_neighbour(env: &RealEnv, net: &str, ip: &str) -> String {
    let client = env.name("client");
    env.track_container(&client);
    let client_ip = env.host(60);
    let out = sh(
        "docker",
        &[
            "run",
            "--rm",
            "--pull",
            "never",
            "--name",
            &client,
            "--network",
            net,
            "--ip",
            &client_ip,
            "--entrypoint",
            "/bin/sh",
            IMAGE,
            "-c",
            &format!("for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -q -O - http://{ip}/ && exit; sleep 0.3; done; exit 1"),
        ],
    );
    assert!(out.status.success(), "no answer from {ip}: {}", lossy(&out.stderr));
    lossy(&out.stdout)
}

/// Fetches a page from the host itself; `None` when nothing answers.
fn fetch_from_host(ip: &str) -> Option<String> {
    let out = sh("timeout", &["4", "busybox", "wget", "-q", "-O", "-", &format!("http://{ip}/")]);
    out.status.success().then(|| lossy(&out.stdout))
}

fn container_state(name: &str) -> Option<(String, String)> {
    let out = sh("docker", &["container", "inspect", "--format", "{{.Id}} {{.State.Status}}", name]);
    out.status.success().then(|| {
        let s = lossy(&out.stdout);
        let (id, st) = s.trim().split_once(' ').unwrap();
        (id.to_string(), st.to_string())
    })
}

fn network_exists(name: &str) -> bool {
    sh("docker", &["network", "inspect", name]).status.success()
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn network_lifecycle_on_a_veth_parent() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    // The same spec again changes nothing; another spec is refused with what differs.
    let again = env.macvlan_create(&net).assert().success();
    assert!(lossy(&again.get_output().stderr).contains("nothing to do"));
    let other = env
        .lanctl()
        .args(["net", "create", &net, "--driver", "macvlan", "--parent", env.parent()])
        .args(["--subnet", &env.subnet(), "--gateway", &env.host(62), "--ip-range", &env.range()])
        .assert()
        .code(2);
    assert!(lossy(&other.get_output().stderr).contains(&format!("gateway is {}, not {}", env.gateway(), env.host(62))));

    let ls = env.lanctl().args(["--json", "net", "ls"]).assert().success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&ls.get_output().stdout).unwrap();
    let row = rows.iter().find(|r| r["name"] == net.as_str()).expect("listed");
    assert_eq!(
        (row["parent"].as_str(), row["range"].as_str(), row["free"].as_u64()),
        (Some(env.parent()), Some(env.range().as_str()), Some(32))
    );

    let t1 = env.name("t1");
    let ip = up(&env, &net, &t1, &["--no-probe"]);
    assert_eq!(ip, env.host(16));
    sh_ok("docker", &["stop", "-t", "1", &t1]);
    let show = env.lanctl().args(["--json", "net", "show", &net]).assert().success();
    let v: serde_json::Value = serde_json::from_slice(&show.get_output().stdout).unwrap();
    assert_eq!(v["used"][0]["name"], t1.as_str());
    assert_eq!(v["used"][0]["state"], "exited");
    assert_eq!(v["next_free"], env.host(17));
    // A stopped container still blocks removal.
    let rm = env.lanctl().args(["net", "rm", &net]).assert().code(2);
    assert!(lossy(&rm.get_output().stderr).contains(&format!("{t1} (exited)")));
    env.lanctl().args(["down", &t1]).assert().success();
    assert!(container_state(&t1).is_none());
    env.lanctl().args(["net", "rm", &net]).assert().success();
    assert!(!network_exists(&net));
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn ipvlan_is_refused_cleanly_or_created_where_the_kernel_has_it() {
    let env = RealEnv::new();
    let net = env.name("ipv");
    env.track_network(&net);
    let run = env
        .lanctl()
        .args(["net", "create", &net, "--driver", "ipvlan", "--parent", env.parent()])
        .args(["--subnet", &env.subnet(), "--gateway", &env.gateway(), "--ip-range", &env.range()])
        .output()
        .unwrap();
    if kernel_supports_link_type("ipvlan") {
        assert!(run.status.success(), "{}", lossy(&run.stderr));
        assert!(network_exists(&net));
    } else {
        assert_eq!(run.status.code(), Some(3), "{}", lossy(&run.stderr));
        let err = lossy(&run.stderr);
        assert!(err.lines().last().unwrap().contains("ipvlan"), "{err}");
        assert!(!network_exists(&net), "nothing may be created");
    }
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn vlan_parent_is_refused_cleanly_or_created_where_the_kernel_has_it() {
    let env = RealEnv::new();
    let net = env.name("vlan");
    env.track_network(&net);
    let sub = format!("{}.42", env.parent());
    env.track_link(&sub);
    let run = env
        .lanctl()
        .args(["net", "create", &net, "--driver", "macvlan", "--parent", env.parent(), "--vlan", "42"])
        .args(["--subnet", &env.subnet(), "--gateway", &env.gateway(), "--ip-range", &env.range()])
        .output()
        .unwrap();
    if kernel_supports_link_type("vlan") {
        assert!(run.status.success(), "{}", lossy(&run.stderr));
        assert!(sh("ip", &["link", "show", &sub]).status.success(), "docker creates {sub}");
        env.lanctl().args(["net", "rm", &net]).assert().success();
        assert!(!sh("ip", &["link", "show", &sub]).status.success(), "net rm removes {sub}");
    } else {
        assert_eq!(run.status.code(), Some(3), "{}", lossy(&run.stderr));
        assert!(lossy(&run.stderr).contains("8021q"), "{}", lossy(&run.stderr));
        assert!(!network_exists(&net));
        assert!(!sh("ip", &["link", "show", &sub]).status.success());
    }
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn each_tenant_answers_at_its_own_address_with_its_own_local_ip() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let (a, b) = (env.name("a"), env.name("b"));
    let ip_a = up(&env, &net, &a, &[]);
    let ip_b = up(&env, &net, &b, &[]);
    assert_ne!(ip_a, ip_b);
    for (name, ip) in [(&a, &ip_a), (&b, &ip_b)] {
        let page = fetch_from_neighbour(&env, &net, ip);
        assert!(page.contains(&format!("LOCAL_IP={ip}\n")), "{page}");
        assert!(page.contains(&format!("HOSTNAME={name}\n")), "{page}");
    }
    // Same spec again: nothing runs.
    let again = env
        .lanctl()
        .args(["-n", "up", &a, "--net", &net, "--image", IMAGE, "--pull", "never", "--ip-env", "LOCAL_IP"])
        .assert()
        .success();
    assert_eq!(lossy(&again.get_output().stdout), "");
    let ls = env.lanctl().args(["--json", "ls", "--net", &net]).assert().success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&ls.get_output().stdout).unwrap();
    assert_eq!(rows.len(), 2);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_stopped_tenant_keeps_its_address() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let first = env.name("first");
    let ip = up(&env, &net, &first, &["--no-probe"]);
    sh_ok("docker", &["stop", "-t", "1", &first]);
    let later = env.name("later");
    let ip2 = up(&env, &net, &later, &["--no-probe"]);
    assert_ne!(ip, ip2, "a stopped tenant's address was handed out again");
    let refused = env
        .lanctl()
        .args(["up", &env.name("thief"), "--net", &net, "--image", IMAGE, "--pull", "never", "--ip", &ip])
        .assert()
        .code(2);
    let thief = env.name("thief");
    assert_eq!(
        lossy(&refused.get_output().stderr),
        format!(
            "lanctl: {thief}: --ip {ip} is held by container {first} (exited) on network {net}; choose another address, \
             or leave --ip out to take the next free one\n"
        )
    );
    // And it can start again.
    env.lanctl()
        .args(["up", &first, "--net", &net, "--image", IMAGE, "--pull", "never", "--ip-env", "LOCAL_IP"])
        .assert()
        .success();
    assert_eq!(container_state(&first).unwrap().1, "running");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn eight_concurrent_ups_get_eight_distinct_addresses() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let names: Vec<String> = (1..=8).map(|i| env.name(&format!("c{i}"))).collect();
    for n in &names {
        env.track_container(n);
    }
    let outs: Vec<std::process::Output> = std::thread::scope(|s| {
        let handles: Vec<_> = names
            .iter()
            .map(|n| {
                let mut c = env.lanctl();
                c.args(["up", n, "--net", &net, "--image", IMAGE, "--pull", "never", "--no-probe"]);
                s.spawn(move || c.output().unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut ips = BTreeSet::new();
    for o in &outs {
        assert!(o.status.success(), "{}", lossy(&o.stderr));
        ips.insert(lossy(&o.stdout).split_whitespace().nth(1).unwrap().to_string());
    }
    assert_eq!(ips.len(), 8, "{ips:?}");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_missing_image_leaves_no_container() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let name = env.name("ghost");
    env.track_container(&name);
    let out = env
        .lanctl()
        .args(["up", &name, "--net", &net, "--image", "lanctl-test/absent:latest", "--pull", "never", "--no-probe"])
        .assert()
        .code(1);
    assert!(lossy(&out.get_output().stderr).contains("No such image"), "{}", lossy(&out.get_output().stderr));
    assert!(container_state(&name).is_none(), "an orphan container was left");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn an_update_to_a_crashing_image_rolls_back() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let name = env.name("upd");
    let ip = up(&env, &net, &name, &["--no-probe"]);
    env.track_container(&format!("{name}.lanctl-prev"));
    let (id, _) = container_state(&name).unwrap();
    let out = env.lanctl().args(["update", &name, "--image", CRASH, "--pull", "never", "--wait", "2"]).assert().code(1);
    let err = lossy(&out.get_output().stderr);
    assert!(err.contains(&format!("the previous container is back on {ip}")), "{err}");
    assert_eq!(container_state(&name).unwrap(), (id, "running".to_string()), "the same container runs again");
    assert!(container_state(&format!("{name}.lanctl-prev")).is_none());
    // A good update keeps the address and replaces the container.
    env.lanctl().args(["update", &name, "-e", "MODE=2", "--wait", "1"]).assert().success();
    let page = fetch_from_neighbour(&env, &net, &ip);
    assert!(page.contains(&format!("LOCAL_IP={ip}\n")), "{page}");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn host_access_lets_the_host_reach_its_tenants_and_remove_takes_it_back() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let name = env.name("ha");
    let ip = up(&env, &net, &name, &["--no-probe"]);
    // The tenant answers its neighbours, so a failure below is the host's.
    fetch_from_neighbour(&env, &net, &ip);
    assert_eq!(fetch_from_host(&ip), None, "the host reached a macvlan tenant without a shim");
    let shim = env.link_name("s");
    env.track_link(&shim);
    env.lanctl().args(["host-access", &net, "--ifname", &shim, "--no-probe"]).assert().success();
    let page = fetch_from_host(&ip).expect("the host reaches its tenant through the shim");
    assert!(page.contains(&format!("LOCAL_IP={ip}\n")), "{page}");
    // Idempotent: a correct shim means nothing runs.
    let again = env.lanctl().args(["-n", "host-access", &net, "--no-probe"]).assert().success();
    assert_eq!(lossy(&again.get_output().stdout), "");
    // The allocator skips the shim's address.
    let status = env.lanctl().args(["--json", "host-access", &net, "--status"]).assert().success();
    let st: serde_json::Value = serde_json::from_slice(&status.get_output().stdout).unwrap();
    assert_documented("lanctl host-access NET --status", &st);
    assert_eq!(st["shim"]["ifname"], shim.as_str());
    assert_eq!(st["missing_routes"].as_array().unwrap().len(), 0);
    env.lanctl().args(["host-access", &net, "--remove"]).assert().success();
    assert!(!sh("ip", &["link", "show", &shim]).status.success());
    assert_eq!(fetch_from_host(&ip), None, "still reachable after --remove");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_lan_device_inside_the_range_is_skipped_and_refused() {
    assert!(sh("which", &["arping"]).status.success(), "scripts/test.sh installs iputils-arping");
    let env = RealEnv::new();
    // The "LAN device": the far end of the parent's veth, in its own namespace, holding
    // the first address of the range.
    let taken = env.host(16);
    sh_ok("ip", &["-n", env.netns(), "addr", "add", &format!("{taken}/26"), "dev", env.peer()]);
    let mac = sh_ok("ip", &["-n", env.netns(), "-j", "link", "show", "dev", env.peer()]);
    let mac: serde_json::Value = serde_json::from_str(&mac).unwrap();
    let mac = mac[0]["address"].as_str().unwrap().to_string();
    let net = env.macvlan_net();
    let name = env.name("lan");
    let ip = up(&env, &net, &name, &[]);
    assert_eq!(ip, env.host(17), "the probe must skip the LAN device's address");
    let refused = env
        .lanctl()
        .args(["up", &env.name("lan2"), "--net", &net, "--image", IMAGE, "--pull", "never", "--ip", &taken])
        .assert()
        .code(2);
    let err = lossy(&refused.get_output().stderr);
    assert!(err.contains(&mac.to_lowercase()), "the refusal names the MAC {mac}: {err}");
    assert!(container_state(&env.name("lan2")).is_none());
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_batch_and_a_fleet_file_converge_and_a_second_apply_runs_nothing() {
    let env = RealEnv::new();
    let net = env.name("fleet");
    env.track_network(&net);
    let names: Vec<String> = (1..=4).map(|i| env.name(&format!("r{i}"))).collect();
    for n in &names {
        env.track_container(n);
    }
    let tenants: Vec<serde_json::Value> =
        names.iter().map(|n| serde_json::json!({"name": n, "image": IMAGE, "ip_env": ["LOCAL_IP"]})).collect();
    let fleet = serde_json::json!({
        "networks": [{"name": net, "driver": "macvlan", "parent": env.parent(), "subnet": env.subnet(),
                      "gateway": env.gateway(), "ip_range": env.range()}],
        "tenants": tenants,
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.json");
    std::fs::write(&file, fleet.to_string()).unwrap();
    let plan = env.lanctl().args(["-n", "apply", "--no-probe"]).arg(&file).assert().success();
    let plan = lossy(&plan.get_output().stdout);
    let (waits, runs): (Vec<&str>, Vec<&str>) = plan.lines().partition(|l| l.starts_with('#'));
    assert_eq!(runs.len(), 5, "one network and four tenants: {plan}");
    assert_eq!(waits.len(), 4, "each new tenant's wait as a comment: {plan}");
    assert!(waits.iter().all(|l| l.starts_with("# then wait up to ")), "{plan}");
    env.lanctl().args(["apply", "--no-probe"]).arg(&file).assert().success();
    let second = env.lanctl().args(["-n", "apply", "--no-probe"]).arg(&file).assert().success();
    assert_eq!(lossy(&second.get_output().stdout), "", "a second apply must run nothing");
    // A batch on top: two more at once, addresses chosen up front.
    let batch = env
        .lanctl()
        .args(["up", "--count", "2", "--prefix", &format!("{}-b", env.tag()), "--net", &net, "--image", IMAGE])
        .args(["--pull", "never", "--no-probe", "--parallel", "2"])
        .assert()
        .success();
    let out = lossy(&batch.get_output().stdout);
    assert_eq!(out.lines().count(), 2, "{out}");
    // --prune removes what the file does not name on its network.
    env.lanctl().args(["apply", "--prune", "--no-probe"]).arg(&file).assert().success();
    let ls = env.lanctl().args(["--json", "ls", "--net", &net]).assert().success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&ls.get_output().stdout).unwrap();
    let left: BTreeSet<String> = rows.iter().map(|r| r["name"].as_str().unwrap().to_string()).collect();
    assert_eq!(left, names.iter().cloned().collect());
}

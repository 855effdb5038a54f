//! The cluster's slice on the real engine (issue 24): `export cni --slice` records it on a
//! config-only network of labels, `up` then never gives a Docker tenant an address of it
//! (the lowest free address is past it, `--ip` inside it is refused), `net show` lists it,
//! and `net rm` removes the record with the network. On a /28 of its own,
//! 198.51.100.96/28, behind a blackhole route (common::RealEnv).

use crate::common::*;

const SUBNET: &str = "198.51.100.96/28";
const GATEWAY: &str = "198.51.100.97";
const RANGE: &str = "198.51.100.100-198.51.100.107";
const SLICE: &str = "198.51.100.100-198.51.100.103";

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_recorded_cluster_slice_is_no_docker_tenants_and_goes_with_the_network() {
    let env = RealEnv::on_subnet(SUBNET);
    let net = env.name("net");
    let record = format!("{net}.lanctl-cluster");
    env.track_network(&net);
    env.track_network(&record);
    env.lanctl()
        .args(["net", "create", &net, "--driver", "macvlan", "--parent", env.parent()])
        .args(["--subnet", SUBNET, "--gateway", GATEWAY, "--ip-range", RANGE])
        .assert()
        .success();
    env.lanctl()
        .args(["export", "cni", &net, "--slice", SLICE])
        .assert()
        .success()
        .stderr(format!(
            "lanctl: export: recorded {SLICE} as network {net}'s cluster slice; `lanctl up` gives no Docker tenant an address of it\n"
        ));
    let labels = sh("docker", &["network", "inspect", "--format", "{{json .Labels}}", &record]);
    assert_eq!(
        lossy(&labels.stdout).trim(),
        format!(r#"{{"io.lanctl.cluster-of":"{net}","io.lanctl.cluster-slice":"{SLICE}"}}"#)
    );

    let t1 = env.name("t1");
    env.track_container(&t1);
    let up = |name: &str, extra: &[&str]| {
        env.lanctl()
            .args(["up", name, "--net", &net, "--image", SHELL, "--pull", "never", "--no-probe", "--ready", "running"])
            .args(["--wait", "1"])
            .args(extra)
            .args(["--", "exec sleep 600"])
            .output()
            .unwrap()
    };
    let out = up(&t1, &[]);
    assert_eq!(
        (out.status.code(), lossy(&out.stdout).as_str()),
        (Some(0), format!("{t1} 198.51.100.104\n").as_str()),
        "{}",
        lossy(&out.stderr)
    );
    let out = up(&env.name("t2"), &["--ip", "198.51.100.101"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        lossy(&out.stderr).contains(&format!("--ip 198.51.100.101 is in the cluster slice {SLICE} of network {net}")),
        "{}",
        lossy(&out.stderr)
    );
    let show = env.lanctl().args(["net", "show", &net]).output().unwrap();
    assert!(lossy(&show.stdout).contains(&format!("\ncluster   {SLICE}, ")), "{}", lossy(&show.stdout));

    env.lanctl().args(["down", &t1]).assert().success();
    env.lanctl().args(["net", "rm", &net]).assert().success();
    assert!(!sh("docker", &["network", "inspect", &record]).status.success(), "net rm left {record}");
}

//! The several-hosts options against the real Docker Engine, on the one engine this
//! machine has (`default`, with an empty DOCKER_CONFIG so `docker context ls` lists only
//! it): a reservation whose slice is what the host allocates from, its labels as docker
//! keeps them, and `--all-hosts`. Two real hosts are the two-host harness's business.

use crate::common::*;

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_hosts_slice_is_what_it_allocates_from_and_reads_back_as_created() {
    let env = RealEnv::new();
    let config = tempfile::tempdir().unwrap();
    let lanctl = || {
        let mut c = env.lanctl();
        c.env("DOCKER_CONFIG", config.path());
        c
    };
    let net = env.name("net");
    env.track_network(&net);
    let slice = format!("default={}-{}", env.host(24), env.host(31));
    let create = |c: &mut assert_cmd::Command| {
        c.args(["net", "create", &net, "--driver", "macvlan", "--parent", env.parent(), "--subnet", &env.subnet()]).args([
            "--gateway",
            &env.gateway(),
            "--ip-range",
            &env.range(),
            "--hosts",
            "default",
            "--slice",
            &slice,
        ]);
    };
    let mut c = lanctl();
    create(&mut c);
    let made = lossy(&c.assert().success().get_output().stderr);
    // Before it, only the checks' warnings about this machine (a VM's virtual switch).
    let (warnings, last) = made.trim_end().rsplit_once('\n').unwrap_or(("", made.trim_end()));
    assert_eq!(
        last,
        format!(
            "lanctl: host default: created macvlan network {net} on {} (slice {}-{} of {})",
            env.parent(),
            env.host(24),
            env.host(31),
            env.range()
        )
    );
    assert!(warnings.lines().all(|l| l.starts_with("lanctl: host default: warning: ")), "{made}");
    let labels = sh_ok("docker", &["network", "inspect", "--format", "{{json .Labels}}", "--", &net]);
    let labels: serde_json::Value = serde_json::from_str(&labels).unwrap();
    assert_eq!(labels["io.lanctl.range"], format!("{}-{}", env.host(24), env.host(31)));
    assert_eq!(labels["io.lanctl.reservation"], env.range());

    // The same command again finds the network as it asked for it.
    let mut c = lanctl();
    create(&mut c);
    let again = c.assert().success();
    assert_eq!(
        lossy(&again.get_output().stderr),
        format!("lanctl: host default: network {net} already exists with this spec; nothing to do\n")
    );

    // `up --hosts` places on the one host, from the slice.
    let t1 = env.name("t1");
    env.track_container(&t1);
    let up = lanctl()
        .args(["up", &t1, "--net", &net, "--image", IMAGE, "--pull", "never", "--no-probe", "--hosts", "default"])
        .assert()
        .success();
    assert_eq!(lossy(&up.get_output().stdout), format!("{t1} {}\n", env.host(24)));
    let outside = lanctl()
        .args(["up", &env.name("t2"), "--net", &net, "--image", IMAGE, "--no-probe", "--ip", &env.host(16)])
        .assert()
        .code(2);
    assert!(lossy(&outside.get_output().stderr).contains("is outside the reserved range"), "{:?}", outside.get_output());

    // Every host (here: default alone) with its HOST column.
    let ls = lanctl().args(["--json", "ls", "--all-hosts", "--net", &net]).assert().success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&ls.get_output().stdout).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0]["host"].as_str(), rows[0]["name"].as_str()), (Some("default"), Some(t1.as_str())));
    let nets = lanctl().args(["--json", "net", "ls", "--all-hosts"]).assert().success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&nets.get_output().stdout).unwrap();
    let row = rows.iter().find(|r| r["name"] == net.as_str()).expect("listed");
    assert_eq!((row["host"].as_str(), row["free"].as_u64()), (Some("default"), Some(7)));

    lanctl().args(["down", &t1]).assert().success();
    lanctl().args(["net", "rm", &net]).assert().success();
}

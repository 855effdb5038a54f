//! Success that is success, against the real engine: a tenant whose image crashes is a
//! failure that shows its log, one crash in a batch is reported alone, and a tenant that
//! should run but does not is shown by `ls` and `doctor` and brought back on its own
//! address. On veth parents in a /26 slot of 198.51.100.0/24 behind a blackhole route (common::RealEnv).

use crate::common::*;
use serde_json::{json, Value};

/// `docker container inspect` of one field, `None` when there is no such container.
fn inspect(name: &str, format: &str) -> Option<String> {
    let out = sh("docker", &["container", "inspect", "--format", format, name]);
    out.status.success().then(|| lossy(&out.stdout).trim().to_string())
}

/// How the message names a crash of the test image within `wait` (the settle, `500 ms`
/// by default): exited (exit code 1), or crashed and restarted, depending on the moment
/// docker was asked; always with its own log line.
fn is_crash_report(why: &str, wait: &str) -> bool {
    (why.starts_with(&format!("it exited within {wait} (exit code 1)"))
        || why.starts_with(&format!("it crashed within {wait} (")))
        && why.contains("; its last log lines: crash: exiting with 1")
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn up_of_an_image_that_crashes_fails_with_its_log_and_leaves_its_address_free() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let name = env.name("crash");
    env.track_container(&name);
    let out =
        env.lanctl().args(["up", &name, "--net", &net, "--image", CRASH, "--pull", "never", "--no-probe"]).output().unwrap();
    let err = lossy(&out.stderr);
    assert_eq!((out.status.code(), lossy(&out.stdout)), (Some(1), String::new()), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let why = err.strip_prefix(&format!("lanctl: tenant {name}: ")).unwrap_or_else(|| panic!("{err}"));
    assert!(is_crash_report(why, "500 ms"), "{err}");
    let first = env.host(16);
    assert!(why.ends_with(&format!("; it was removed, so {first} is free again; fix what its log says, then retry\n")), "{err}");
    assert_eq!(inspect(&name, "{{.State.Status}}"), None, "the crashed container is still there");
    // Its address is free: the next tenant takes it.
    let good = env.name("good");
    env.track_container(&good);
    let out =
        env.lanctl().args(["up", &good, "--net", &net, "--image", IMAGE, "--pull", "never", "--no-probe"]).assert().success();
    assert_eq!(lossy(&out.get_output().stdout), format!("{good} {}\n", env.host(16)));
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_batch_with_one_crashing_image_reports_only_that_one() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let [a, b, c] = ["a", "b", "c"].map(|s| env.name(s));
    for n in [&a, &b, &c] {
        env.track_container(n);
    }
    let fleet = json!({"tenants": [
        {"name": a, "net": net, "image": IMAGE},
        {"name": b, "net": net, "image": CRASH},
        {"name": c, "net": net, "image": IMAGE},
    ]});
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.json");
    std::fs::write(&file, fleet.to_string()).unwrap();
    let out = env.lanctl().args(["apply", "--no-probe", "--wait", "2"]).arg(&file).output().unwrap();
    let err = lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert_eq!(lines[0], format!("lanctl: created: {a} {c}"));
    let why = lines[1].strip_prefix(&format!("lanctl: {b} failed: ")).unwrap_or_else(|| panic!("{err}"));
    assert!(is_crash_report(why, "2 s"), "{err}");
    let second = env.host(17);
    assert!(why.ends_with(&format!("; it was removed, so {second} is free again; fix what its log says, then retry")), "{err}");
    assert_eq!(lines[2], format!("lanctl: 1 of the fleet's tenants failed: {b}; fix what is said above and apply again"));
    assert_eq!(inspect(&a, "{{.State.Status}}").as_deref(), Some("running"));
    assert_eq!(inspect(&c, "{{.State.Status}}").as_deref(), Some("running"));
    assert_eq!(inspect(&b, "{{.State.Status}}"), None);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_tenant_that_should_run_is_shown_and_comes_back_on_its_own_address() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let name = env.name("t");
    env.track_container(&name);
    let up = || {
        env.lanctl()
            .args(["up", &name, "--net", &net, "--image", IMAGE, "--pull", "never", "--no-probe", "--ip-env", "LOCAL_IP"])
            .output()
            .unwrap()
    };
    let out = up();
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    let ip = env.host(16);
    let ip = ip.as_str();
    assert_eq!(lossy(&out.stdout), format!("{name} {ip}\n"));
    let id = inspect(&name, "{{.Id}}").unwrap();
    // Stopped behind lanctl's back (what a daemon crash docker does not recover from
    // leaves): its restart policy, unless-stopped, says it should run.
    sh_ok("docker", &["stop", "--time", "2", &name]);
    let ls = env.lanctl().args(["ls", "--net", &net]).output().unwrap();
    let row = lossy(&ls.stdout).lines().nth(1).unwrap_or_default().split_whitespace().take(5).collect::<Vec<_>>().join(" ");
    assert_eq!(row, format!("{name} {net} {ip} exited (should"));
    assert_eq!(
        lossy(&ls.stderr),
        format!(
            "lanctl: tenant {name} should run but does not (its restart policy says run, yet it is exited); \
             start it on its own address with `lanctl restart {name}`\n"
        )
    );
    let doctor = env.lanctl().args(["--json", "doctor", "--driver", "macvlan"]).output().unwrap();
    let report: Value = serde_json::from_slice(&doctor.stdout).unwrap_or_else(|e| panic!("{e}: {}", lossy(&doctor.stderr)));
    let check = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "tenants.stopped").cloned().unwrap();
    assert_eq!(check["status"], "warn");
    assert!(check["detail"].as_str().unwrap().contains(&format!("tenant {name} should run")), "{check}");
    // `up` of the same tenant starts it again: the same container, on its own address.
    let out = up();
    assert_eq!(
        (out.status.code(), lossy(&out.stdout), lossy(&out.stderr)),
        (Some(0), format!("{name} {ip}\n"), format!("lanctl: started the stopped tenant {name} on {ip}\n"))
    );
    assert_eq!(inspect(&name, "{{.Id}} {{.State.Status}}"), Some(format!("{id} running")));
    // Stopped through lanctl, it stays stopped and is not one that should run.
    env.lanctl().args(["stop", &name]).assert().success();
    assert_eq!(inspect(&name, "{{.State.Status}} {{.HostConfig.RestartPolicy.Name}}").as_deref(), Some("exited no"));
    let ls = env.lanctl().args(["--json", "ls", "--net", &net]).output().unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&ls.stdout).unwrap();
    assert_eq!((rows[0]["state"].as_str(), rows[0]["should_run"].as_bool()), (Some("exited"), Some(false)));
    assert_eq!(lossy(&ls.stderr), "");
    // `restart` gives the policy back and starts it on its own address.
    let out = env.lanctl().args(["restart", &name]).output().unwrap();
    assert_eq!(
        (out.status.code(), lossy(&out.stdout), lossy(&out.stderr)),
        (Some(0), format!("{name} {ip}\n"), format!("lanctl: restarted {name}\n"))
    );
    assert_eq!(
        inspect(&name, "{{.Id}} {{.State.Status}} {{.HostConfig.RestartPolicy.Name}}"),
        Some(format!("{id} running unless-stopped"))
    );
    let logs = env.lanctl().args(["logs", &name, "--tail", "1"]).output().unwrap();
    assert_eq!(
        (logs.status.code(), lossy(&logs.stdout)),
        (Some(0), format!("media: LOCAL_IP={ip} EXTERNAL_IP= HOSTNAME={name}\n"))
    );
}

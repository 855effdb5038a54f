//! `up` and `update` against the real engine: each printed plan, pasted into `env -i
//! bash`, makes what lanctl's own run makes (same env, labels, address; the same end
//! state after a failed update), and an `update` killed at any point is settled by the
//! next command onto the tenant's own address, with one container.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

const LICENSE: &str = "-----BEGIN LICENSE-----\nMIIBfakeSECRET\n-----END LICENSE-----\n";
const PASSWORD: &str = "hunter2 'quoted' $HOME";

/// lanctl with no LANCTL_* of the caller's and this test's lock directory, so every call
/// of a test, the killed ones too, shares one lock.
fn lanctl(lock_dir: &Path) -> Command {
    let mut c = Command::new(LANCTL);
    for (k, _) in std::env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k.starts_with("LANCTL_") || k == "LICENSE" || k == "PASSWORD" {
            c.env_remove(k);
        }
    }
    c.env("LANCTL_LOCK_DIR", lock_dir).stdin(Stdio::null());
    c
}

fn run(c: &mut Command) -> std::process::Output {
    c.output().expect("lanctl runs")
}

fn ok(c: &mut Command) -> String {
    let out = run(c);
    assert!(out.status.success(), "{c:?}: {}", lossy(&out.stderr));
    lossy(&out.stdout)
}

fn macvlan_net(env: &RealEnv, lock: &Path) -> String {
    let net = env.name("net");
    env.track_network(&net);
    ok(lanctl(lock).args(env.macvlan_args(&net, &env.range())));
    net
}

/// Runs a printed plan as a user would paste it: bash with an empty environment, but for
/// the engine the tests run against (scripts/test-engine.sh sets `DOCKER_HOST`).
fn paste(plan: &str) -> std::process::Output {
    let mut env = vec!["-i".to_string()];
    env.extend(std::env::var("DOCKER_HOST").map(|h| format!("DOCKER_HOST={h}")));
    Command::new("env").args(env).args(["bash", "-c", plan]).stdin(Stdio::null()).output().expect("bash runs")
}

/// What a tenant's container is, for comparing two that should be the same: its
/// environment (sorted), labels, image, arguments, restart policy and addresses.
fn config(name: &str) -> String {
    let format = "{{json .Config.Labels}}|{{json .Config.Image}}|{{json .Config.Cmd}}|{{json .HostConfig.RestartPolicy}}|\
                  {{range $k, $v := .NetworkSettings.Networks}}{{$k}}={{$v.IPAMConfig.IPv4Address}} {{end}}|{{.State.Status}}";
    let rest = sh_ok("docker", &["container", "inspect", "--format", format, "--", name]);
    let env = sh_ok("docker", &["container", "inspect", "--format", "{{json .Config.Env}}", "--", name]);
    let mut env: Vec<String> = serde_json::from_str(&env).unwrap();
    env.sort();
    format!("{env:?}|{}", rest.trim())
}

/// The containers whose name starts with `name` (the tenant and anything parked), sorted.
fn containers_of(name: &str) -> Vec<String> {
    let out = sh_ok("docker", &["ps", "-a", "--format", "{{.Names}}", "--filter", &format!("name={name}")]);
    let mut names: Vec<String> = out.lines().filter(|n| n.starts_with(name)).map(String::from).collect();
    names.sort();
    names
}

fn id_and_state(name: &str) -> Option<(String, String)> {
    let out = sh("docker", &["container", "inspect", "--format", "{{.Id}} {{.State.Status}}", "--", name]);
    out.status.success().then(|| {
        let s = lossy(&out.stdout);
        let (id, st) = s.trim().split_once(' ').unwrap();
        (id.to_string(), st.to_string())
    })
}

fn address(name: &str, net: &str) -> String {
    let f = format!("{{{{(index .NetworkSettings.Networks \"{net}\").IPAMConfig.IPv4Address}}}}");
    sh_ok("docker", &["container", "inspect", "--format", &f, "--", name]).trim().to_string()
}

fn rm(name: &str) {
    sh_ok("docker", &["rm", "-f", "--", name]);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn the_plan_of_up_with_an_env_file_pasted_is_the_real_run() {
    let env = RealEnv::new();
    let lock = tempfile::tempdir().unwrap();
    let net = macvlan_net(&env, lock.path());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("env.list");
    std::fs::write(&file, "API_TOKEN=t0k3n-secret\nMODE=a b\n").unwrap();
    let t = env.name("up");
    env.track_container(&t);
    let args = |c: &mut Command| {
        c.args(["up", &t, "--net", &net, "--image", IMAGE, "--pull", "never", "--ip-env", "LOCAL_IP", "--no-probe"])
            .arg("--env-file")
            .arg(&file);
    };
    let mut dry = lanctl(lock.path());
    args(dry.arg("--dry-run"));
    let plan = ok(&mut dry);
    assert!(!plan.contains("t0k3n"), "{plan}");
    let pasted = paste(&plan);
    assert_eq!(pasted.status.code(), Some(0), "{}", lossy(&pasted.stderr));
    let from_plan = config(&t);
    rm(&t);
    let mut real = lanctl(lock.path());
    args(&mut real);
    ok(&mut real);
    assert_eq!(config(&t), from_plan);
    let first = env.host(16);
    assert!(from_plan.contains(&format!("\"API_TOKEN=t0k3n-secret\", \"LOCAL_IP={first}\", \"MODE=a b\"")), "{from_plan}");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn the_plan_of_update_pasted_keeps_the_carried_secrets_as_the_real_run_does() {
    let env = RealEnv::new();
    let lock = tempfile::tempdir().unwrap();
    let net = macvlan_net(&env, lock.path());
    let t = env.name("upd");
    env.track_container(&t);
    env.track_container(&format!("{t}.lanctl-prev"));
    let up = || {
        ok(lanctl(lock.path())
            .env("LICENSE", LICENSE)
            .env("PASSWORD", PASSWORD)
            .args(["up", &t, "--net", &net, "--image", IMAGE, "--pull", "never", "--ip-env", "LOCAL_IP", "--no-probe"])
            .args(["--ip", &env.host(20), "-e", "LICENSE", "-e", "PASSWORD"]))
    };
    up();
    let update = ["update", t.as_str(), "-e", "MODE=2", "--wait", "1"];
    let plan = ok(lanctl(lock.path()).arg("--dry-run").args(update));
    for secret in ["MIIBfake", "hunter2"] {
        assert!(!plan.contains(secret), "{plan}");
    }
    let pasted = paste(&plan);
    assert_eq!(pasted.status.code(), Some(0), "{}", lossy(&pasted.stderr));
    assert_eq!(containers_of(&t), [t.as_str()]);
    let from_plan = config(&t);
    rm(&t);
    up();
    ok(lanctl(lock.path()).args(update));
    assert_eq!(containers_of(&t), [t.as_str()]);
    assert_eq!(config(&t), from_plan);
    // The values came through whole: newlines, quotes and `$` included.
    for entry in [format!("LICENSE={LICENSE}"), format!("PASSWORD={PASSWORD}")] {
        assert!(from_plan.contains(&format!("{entry:?}")), "{from_plan}");
    }
    assert!(from_plan.contains("\"MODE=2\""), "{from_plan}");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_secret_given_anew_makes_the_pasted_plan_refuse_before_any_change_without_it() {
    let env = RealEnv::new();
    let lock = tempfile::tempdir().unwrap();
    let net = macvlan_net(&env, lock.path());
    let t = env.name("req");
    env.track_container(&t);
    ok(lanctl(lock.path())
        .args(["up", &t, "--net", &net, "--image", IMAGE, "--pull", "never", "--no-probe"])
        .args(["-e", "MODE=1"]));
    let before = id_and_state(&t).unwrap();
    let plan = ok(lanctl(lock.path()).env("PASSWORD", "n3w").args(["--dry-run", "update", &t, "-e", "PASSWORD"]));
    assert!(!plan.contains("n3w"), "{plan}");
    let pasted = paste(&plan);
    assert_eq!(pasted.status.code(), Some(1));
    assert_eq!(lossy(&pasted.stderr), "lanctl: PASSWORD is not set in the environment; export PASSWORD, then run this again\n");
    assert_eq!(id_and_state(&t).unwrap(), before);
    assert_eq!(containers_of(&t), [t.as_str()]);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_failing_update_pasted_rolls_back_as_the_real_run_does() {
    let env = RealEnv::new();
    let lock = tempfile::tempdir().unwrap();
    let net = macvlan_net(&env, lock.path());
    let t = env.name("rb");
    env.track_container(&t);
    env.track_container(&format!("{t}.lanctl-prev"));
    // No restart policy: the crash is a stop, not a restart loop, whatever the timing.
    let out = ok(lanctl(lock.path()).args([
        "up",
        &t,
        "--net",
        &net,
        "--image",
        IMAGE,
        "--pull",
        "never",
        "--no-probe",
        "--restart",
        "no",
    ]));
    let ip = out.trim().split_once(' ').unwrap().1.to_string();
    let before = id_and_state(&t).unwrap();
    assert_eq!(before.1, "running");
    let update = ["update", t.as_str(), "--image", CRASH, "--pull", "never", "--wait", "2"];
    let plan = ok(lanctl(lock.path()).arg("--dry-run").args(update));
    let pasted = paste(&plan);
    assert_eq!(pasted.status.code(), Some(1));
    assert!(lossy(&pasted.stderr).contains("crash: exiting with 1\n"), "{}", lossy(&pasted.stderr));
    assert_eq!(id_and_state(&t).unwrap(), before);
    assert_eq!(containers_of(&t), [t.as_str()]);
    let after_paste = config(&t);
    let real = run(lanctl(lock.path()).args(update));
    assert_eq!(real.status.code(), Some(1));
    assert_eq!(
        lossy(&real.stderr),
        format!(
            "lanctl: update of {t} failed: the new container stopped within 2 s (exit code 1), its log ends \"crash: \
             exiting with 1\"; the previous container is back on {ip}, unchanged; fix the cause, then update again\n"
        )
    );
    assert_eq!(id_and_state(&t).unwrap(), before);
    assert_eq!(containers_of(&t), [t.as_str()]);
    assert_eq!(config(&t), after_paste);
    assert_eq!(address(&t, &net), ip);
}

/// Whether any process of group `pgid` is still alive (lanctl's docker children keep
/// running after lanctl is killed, and change the host until they end).
fn group_alive(pgid: u32) -> bool {
    Command::new("kill").args(["-0", "--", &format!("-{pgid}")]).stderr(Stdio::null()).status().unwrap().success()
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn an_update_killed_at_any_point_is_settled_on_its_own_address_by_the_next_command() {
    let env = RealEnv::new();
    let lock = tempfile::tempdir().unwrap();
    let net = macvlan_net(&env, lock.path());
    let t = env.name("kill");
    env.track_container(&t);
    env.track_container(&format!("{t}.lanctl-prev"));
    let up_args = ["up", t.as_str(), "--net", &net, "--image", IMAGE, "--pull", "never", "--no-probe", "--ip-env", "LOCAL_IP"];
    let out = ok(lanctl(lock.path()).args(up_args));
    let ip = out.trim().split_once(' ').unwrap().1.to_string();
    // How long an update takes here, so the kills spread over all of it.
    let started = Instant::now();
    ok(lanctl(lock.path()).args(["update", &t, "-e", "V=0", "--wait", "1"]));
    let whole = started.elapsed();
    let mut seen = std::collections::BTreeSet::new();
    // Kill 0 comes before lanctl can have parked anything, so the kills meet at least the
    // tenant alone; the others spread over the update, where a loaded machine moves them.
    for k in 0..=10u32 {
        let delay = whole * k / 11;
        let mut c = lanctl(lock.path());
        c.args(["update", &t, "-e", &format!("V={}", k + 100), "--wait", "1"]).stdout(Stdio::null()).stderr(Stdio::null());
        c.process_group(0);
        let mut child = c.spawn().unwrap();
        let pgid = child.id();
        std::thread::sleep(delay);
        let _ = child.kill(); // SIGKILL; it may have finished already
        let _ = child.wait();
        let deadline = Instant::now() + Duration::from_secs(60);
        while group_alive(pgid) {
            assert!(Instant::now() < deadline, "lanctl's children of kill {k} did not end");
            std::thread::sleep(Duration::from_millis(50));
        }
        seen.insert(containers_of(&t));
        // The next command, by turns: ls, the same update again, up.
        let next = match k % 3 {
            0 => {
                let out = run(lanctl(lock.path()).args(["--json", "ls", "--net", &net]));
                assert!(out.status.success(), "ls after kill {k}: {}", lossy(&out.stderr));
                let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
                let rows: Vec<(&str, &str)> =
                    rows.iter().map(|r| (r["name"].as_str().unwrap(), r["address"].as_str().unwrap())).collect();
                assert_eq!(rows, [(t.as_str(), ip.as_str())], "ls after kill {k}");
                "ls"
            }
            1 => {
                ok(lanctl(lock.path()).args(["update", &t, "-e", &format!("V={k}"), "--wait", "1"]));
                let env_now = sh_ok("docker", &["container", "inspect", "--format", "{{json .Config.Env}}", "--", &t]);
                assert!(env_now.contains(&format!("\"V={k}\"")), "update after kill {k}: {env_now}");
                "update"
            }
            _ => {
                // up of the original spec: settles, then starts a stopped tenant or
                // refuses one the killed update changed (exit 1); both keep the address.
                let out = run(lanctl(lock.path()).args(up_args));
                assert!(
                    out.status.success() || lossy(&out.stderr).contains("exists with another spec"),
                    "up after kill {k}: {}",
                    lossy(&out.stderr)
                );
                "up"
            }
        };
        assert_eq!(containers_of(&t), [t.as_str()], "after kill {k} and {next}");
        assert_eq!(address(&t, &net), ip, "after kill {k} and {next}");
        if next != "ls" {
            assert_eq!(id_and_state(&t).unwrap().1, "running", "after kill {k} and {next}");
        }
        if id_and_state(&t).unwrap().1 != "running" {
            sh_ok("docker", &["start", "--", &t]);
        }
    }
    // The kills met the update in more than one state (only the tenant, or a parked one too).
    assert!(seen.len() > 1, "every kill left the same containers: {seen:?}");
}

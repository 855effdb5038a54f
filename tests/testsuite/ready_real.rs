//! Readiness against the real engine (issue 26): a port that opens late is ready when it
//! opens, one that never opens fails after the wait and leaves the tenant, one that
//! listens on 127.0.0.1 only is not ready, an image that crashes at once fails with its
//! log, one that crashes late (after the old 2 s watch) fails with its log too, an image
//! whose HEALTHCHECK turns unhealthy fails and is left (a healthy one is ready, after
//! `restart` too), and an update whose new container never turns ready rolls back. On a
//! /28 of its own, 198.51.100.48/28, behind a blackhole route (common::RealEnv).

use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::Value;

const SUBNET: &str = "198.51.100.48/28";
const GATEWAY: &str = "198.51.100.49";
const RANGE: &str = "198.51.100.52-198.51.100.55";
const FIRST: &str = "198.51.100.52";

/// The env and a macvlan network on its /28.
fn net() -> (RealEnv, String) {
    let env = RealEnv::on_subnet(SUBNET);
    let net = env.name("net");
    env.track_network(&net);
    env.lanctl()
        .args(["net", "create", &net, "--driver", "macvlan", "--parent", env.parent()])
        .args(["--subnet", SUBNET, "--gateway", GATEWAY, "--ip-range", RANGE])
        .assert()
        .success();
    (env, net)
}

/// `lanctl up NAME` on `net` of `image` with `args` after lanctl's own, then `script`
/// after the image; its output and how long it took.
fn up(env: &RealEnv, net: &str, name: &str, image: &str, args: &[&str], script: &[&str]) -> (std::process::Output, Duration) {
    env.track_container(name);
    let started = Instant::now();
    let out = env
        .lanctl()
        .args(["up", name, "--net", net, "--image", image, "--pull", "never", "--no-probe"])
        .args(args)
        .arg("--")
        .args(script)
        .output()
        .unwrap();
    (out, started.elapsed())
}

fn inspect(name: &str, format: &str) -> Option<String> {
    let out = sh("docker", &["container", "inspect", "--format", format, name]);
    out.status.success().then(|| lossy(&out.stdout).trim().to_string())
}

/// The seconds a progress line says: `lanctl: NAME IP ready in 2.3 s (tcp:8080)`.
fn seconds_in(line: &str, how: &str) -> f64 {
    let rest = line.split_once(how).unwrap_or_else(|| panic!("{line:?} has no {how:?}")).1;
    rest.split(' ').next().unwrap().parse().unwrap_or_else(|_| panic!("{line:?}"))
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_port_that_opens_late_is_ready_when_it_opens_and_an_http_check_reads_the_page() {
    let (env, net) = net();
    let late = env.name("late");
    let (out, took) =
        up(&env, &net, &late, SHELL, &["--ready", "tcp:8080", "--wait", "20"], &["sleep 2; exec httpd -f -p 8080 -h /"]);
    let err = lossy(&out.stderr);
    assert_eq!((out.status.code(), lossy(&out.stdout)), (Some(0), format!("{late} {FIRST}\n")), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(lines[0].starts_with(&format!("lanctl: {late} {FIRST} ready in ")) && lines[0].ends_with(" s (tcp:8080)"), "{err}");
    let secs = seconds_in(lines[0], "ready in ");
    assert!((2.0..6.0).contains(&secs), "ready after {secs} s, the port opened after 2 s: {err}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    // The media image serves its page on :80 at once.
    let web = env.name("web");
    let (out, _) = up(&env, &net, &web, IMAGE, &["--ready", "http:80/index.html"], &[]);
    let err = lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.starts_with(&format!("lanctl: {web} 198.51.100.53 ready in ")) && err.ends_with(" s (http:80/index.html)\n"),
        "{err}"
    );
    // Both run, and docker knows no health of theirs: `ls` says running.
    let ls = env.lanctl().args(["--json", "ls", "--net", &net]).output().unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&ls.stdout).unwrap();
    let ready: Vec<(&str, &str)> = rows.iter().map(|r| (r["name"].as_str().unwrap(), r["ready"].as_str().unwrap())).collect();
    assert_eq!(ready, [(late.as_str(), "running"), (web.as_str(), "running")]);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_port_that_never_opens_fails_after_the_wait_and_the_tenant_is_left_running() {
    let (env, net) = net();
    let name = env.name("never");
    let (out, took) = up(&env, &net, &name, SHELL, &["--ready", "tcp:8080", "--wait", "2"], &["echo waiting; exec sleep 600"]);
    let err = lossy(&out.stderr);
    assert_eq!((out.status.code(), lossy(&out.stdout)), (Some(1), String::new()), "{err}");
    assert!(took >= Duration::from_secs(2) && took < Duration::from_secs(8), "{took:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with(&format!("lanctl: {name} {FIRST} not ready after 2.")), "{err}");
    assert_eq!(
        lines[1],
        format!(
            "lanctl: tenant {name}: not ready: tcp:8080 on {FIRST} did not answer within 2 s: port 8080 refused the \
             connection; its last log lines: waiting; it was left running as it is: see `lanctl logs {name}`, or \
             remove it with `lanctl down {name}`"
        )
    );
    assert_eq!(inspect(&name, "{{.State.Status}}").as_deref(), Some("running"));
    env.lanctl().args(["down", &name]).assert().success();
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_server_on_127_0_0_1_only_is_not_ready() {
    let (env, net) = net();
    let name = env.name("lo");
    let (out, _) =
        up(&env, &net, &name, SHELL, &["--ready", "tcp:8080", "--wait", "2"], &["exec httpd -f -p 127.0.0.1:8080 -h /"]);
    let err = lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.ends_with(&format!(
            "lanctl: tenant {name}: not ready: tcp:8080 on {FIRST} did not answer within 2 s: port 8080 refused the \
             connection; its log is empty; it was left running as it is: see `lanctl logs {name}`, or remove it with \
             `lanctl down {name}`\n"
        )),
        "{err}"
    );
    // It does listen, on the loopback of its own namespace: the check's refusal is the LAN's.
    let pid = inspect(&name, "{{.State.Pid}}").unwrap();
    let lo = sh("nsenter", &["-t", &pid, "-n", "timeout", "2", "bash", "-c", "</dev/tcp/127.0.0.1/8080"]);
    assert!(lo.status.success(), "nothing listens on 127.0.0.1:8080: {}", lossy(&lo.stderr));
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn an_image_that_crashes_at_once_fails_with_its_log_under_a_port_check_too() {
    let (env, net) = net();
    let name = env.name("crash");
    let (out, took) = up(&env, &net, &name, CRASH, &["--ready", "tcp:8080", "--wait", "30"], &[]);
    let err = lossy(&out.stderr);
    assert_eq!((out.status.code(), lossy(&out.stdout)), (Some(1), String::new()), "{err}");
    assert!(took < Duration::from_secs(10), "a crash ends the wait at once: {took:?}");
    let why = err.lines().last().unwrap().strip_prefix(&format!("lanctl: tenant {name}: it ")).unwrap_or_else(|| panic!("{err}"));
    assert!(why.starts_with("exited within ") || why.starts_with("crashed within "), "{err}");
    // Its log has the line once per start: docker may have restarted it already.
    assert!(why.contains("; its last log lines: crash: exiting with 1"), "{err}");
    assert!(why.ends_with(&format!("; it was removed, so {FIRST} is free again; fix what its log says, then retry")), "{err}");
    assert!(err.starts_with(&format!("lanctl: {name} {FIRST} stopped after ")), "{err}");
    assert_eq!(inspect(&name, "{{.State.Status}}"), None);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn an_update_whose_new_container_never_turns_ready_rolls_back() {
    let (env, net) = net();
    let name = env.name("upd");
    let (out, _) = up(&env, &net, &name, IMAGE, &["--ready", "tcp:80"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    let id = inspect(&name, "{{.Id}}").unwrap();
    let out = env.lanctl().args(["update", &name, "-e", "MODE=2", "--ready", "tcp:8081", "--wait", "2"]).output().unwrap();
    let err = lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let line = err.lines().last().unwrap();
    assert!(
        line.starts_with(&format!(
            "lanctl: update of {name} failed: the new container was not ready: tcp:8081 on {FIRST} did not answer \
             within 2 s: port 8081 refused the connection, its log ends \"media: LOCAL_IP="
        )),
        "{err}"
    );
    assert!(
        line.ends_with(&format!("; the previous container is back on {FIRST}, unchanged; fix the cause, then update again")),
        "{err}"
    );
    assert_eq!(inspect(&name, "{{.Id}} {{.State.Status}}"), Some(format!("{id} running")));
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_server_that_crashes_late_fails_with_its_log_before_the_wait_is_over() {
    let (env, net) = net();
    let name = env.name("late-crash");
    // It dies after 3 s, past the old 2 s stay-up watch, its port never open.
    let (out, took) = up(&env, &net, &name, SHELL, &["--ready", "tcp:8080", "--wait", "8"], &["echo starting; sleep 3; exit 1"]);
    let err = lossy(&out.stderr);
    assert_eq!((out.status.code(), lossy(&out.stdout)), (Some(1), String::new()), "{err}");
    assert!(took >= Duration::from_secs(3) && took < Duration::from_secs(8), "the crash ends the wait: {took:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert!(
        lines[0].starts_with(&format!("lanctl: {name} {FIRST} stopped after ")) && lines[0].ends_with(" s (tcp:8080)"),
        "{err}"
    );
    let secs = seconds_in(lines[0], "stopped after ");
    assert!((3.0..8.0).contains(&secs), "stopped after {secs} s, it exited after 3 s: {err}");
    let why = lines.last().unwrap().strip_prefix(&format!("lanctl: tenant {name}: it ")).unwrap_or_else(|| panic!("{err}"));
    // Docker restarts it (unless-stopped): it may be counted as a crash already.
    assert!(why.starts_with("exited within 4 s (exit code 1") || why.starts_with("crashed within 4 s ("), "{err}");
    assert!(why.contains("; its last log lines: starting"), "{err}");
    assert!(why.ends_with(&format!("; it was removed, so {FIRST} is free again; fix what its log says, then retry")), "{err}");
    assert_eq!(inspect(&name, "{{.State.Status}}"), None);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn an_image_whose_healthcheck_turns_unhealthy_fails_and_is_left_and_a_healthy_one_is_ready() {
    let (env, net) = net();
    // No --ready: the image's HEALTHCHECK is the check, and it fails without /ok.
    let sick = env.name("sick");
    let (out, took) = up(&env, &net, &sick, HEALTH, &["--wait", "5"], &["echo starting; exec sleep 600"]);
    let err = lossy(&out.stderr);
    assert_eq!((out.status.code(), lossy(&out.stdout)), (Some(1), String::new()), "{err}");
    assert!(took < Duration::from_secs(8), "unhealthy ends the wait: {took:?}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with(&format!("lanctl: {sick} {FIRST} not ready after ")) && lines[0].ends_with(" s (healthy)"),
        "{err}"
    );
    assert_eq!(
        lines[1],
        format!(
            "lanctl: tenant {sick}: not ready: its HEALTHCHECK says unhealthy; its last log lines: starting; it was \
             left running as it is: see `lanctl logs {sick}`, or remove it with `lanctl down {sick}`"
        )
    );
    assert_eq!(inspect(&sick, "{{.State.Status}} {{.State.Health.Status}}").as_deref(), Some("running unhealthy"));
    env.lanctl().args(["down", &sick]).assert().success();
    // The same image turns healthy once its script made /ok.
    let well = env.name("well");
    let (out, _) = up(&env, &net, &well, HEALTH, &["--ready", "healthy", "--wait", "5"], &["touch /ok; exec sleep 600"]);
    let err = lossy(&out.stderr);
    assert_eq!((out.status.code(), lossy(&out.stdout)), (Some(0), format!("{well} {FIRST}\n")), "{err}");
    assert!(err.starts_with(&format!("lanctl: {well} {FIRST} ready in ")) && err.ends_with(" s (healthy)\n"), "{err}");
    // `restart` waits for the same check: docker says starting again, then healthy. Its
    // `sleep`, PID 1, ignores SIGTERM, so the stop waits docker's 10 s and says so.
    let out = env.lanctl().args(["restart", &well, "--wait", "5"]).output().unwrap();
    let err = lossy(&out.stderr);
    assert_eq!((out.status.code(), lossy(&out.stdout)), (Some(0), format!("{well} {FIRST}\n")), "{err}");
    let mut lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert_eq!(
        lines.remove(0),
        format!(
            "lanctl: waiting for {well} to exit on SIGTERM; docker kills it 10 s after the stop unless its container sets \
             another stop timeout (lanctl stop, down and update take --timeout SECONDS)"
        )
    );
    assert!(lines[0].starts_with(&format!("lanctl: {well} {FIRST} ready in ")) && lines[0].ends_with(" s (healthy)"), "{err}");
    assert_eq!(lines[1], format!("lanctl: restarted {well}"));
}

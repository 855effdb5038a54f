//! Readiness (issue 26) against the fake host: bad `--ready` values exit 2 with nothing
//! run, a dry run prints each wait as a comment, and on an ssh host the port check is the
//! `nsenter` line run through ssh, ready or not, with the message a failure gives.

use crate::common::*;
use crate::support::*;

const FORMS: &str = "use tcp:PORT[,PORT...], http:PORT/PATH, healthy, running or none";

#[test]
fn bad_ready_values_exit_2_naming_the_value_and_the_forms_with_nothing_run() {
    let f = lan();
    for (args, why) in [
        (
            vec!["up", "t1", "--image", "img", "--ready", "tcp:x"],
            r#""tcp:x" is not a readiness check ("x" is not a port (1 to 65535))"#,
        ),
        (
            vec!["up", "t1", "--image", "img", "--ready", "tcp:80,80"],
            r#""tcp:80,80" is not a readiness check (a port is given twice)"#,
        ),
        (vec!["up", "t1", "--image", "img", "--ready", "udp:53"], r#""udp:53" is not a readiness check (unknown form)"#),
        (
            vec!["update", "t1", "--ready", "http:80/a b"],
            r#""http:80/a b" is not a readiness check (the path holds a space, a control character or a non-ASCII character)"#,
        ),
    ] {
        let done = Run::new(&f).args(&args).code(2).stderr(format!("lanctl: --ready {why}; {FORMS}\n")).check();
        assert_eq!(done.calls, Vec::new(), "{args:?} ran something");
    }
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), r#"{"tenants": [{"name": "t1", "image": "img", "ready": "tcp:0"}]}"#).unwrap();
    let done = Run::new(&f)
        .arg("apply")
        .arg(file.path())
        .code(2)
        .stderr(
            format!(
                r#"lanctl: {}: tenant t1: "ready" "tcp:0" is not a readiness check ("0" is not a port (1 to 65535)); {FORMS}"#,
                file.path().display()
            ) + "\n",
        )
        .check();
    assert_eq!(done.calls, Vec::new());
}

/// The `docker run` of tenant `name` on `ip` whose spec keeps its readiness check `ready`.
fn run_line(name: &str, ip: &str, ready: &str) -> String {
    format!(
        "docker run --detach --name {name} --hostname {name} --network ltfix-net --ip {ip} --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart unless-stopped \
         --label io.lanctl.tenant={name} --label io.lanctl.network=ltfix-net --label \
         'io.lanctl.spec={{\"image\":\"img\",\"env\":{{}},\"secrets\":[],\"ip_env\":[],\"labels\":{{}},\"restart\":\"unless-stopped\",\"args\":[],\"ready\":\"{ready}\"}}' \
         -- img"
    )
}

#[test]
fn a_dry_run_prints_each_wait_as_a_comment_after_the_runs() {
    let f = lan();
    let t1 = run_line("t1", "198.51.100.100", "tcp:8443,8444");
    let t2 = run_line("t2", "198.51.100.101", "tcp:8443,8444");
    Run::new(&f)
        .args(["-n", "up", "t1", "t2", "--image", "img", "--ready", "tcp:8443,8444", "--parallel", "1"])
        .stdout(format!(
            "{t1}\n{t2}\n# then wait up to 60 s for tcp:8443,8444 on 198.51.100.100\n\
             # then wait up to 60 s for tcp:8443,8444 on 198.51.100.101\n"
        ))
        .stderr("lanctl: t1 would get 198.51.100.100 on ltfix-net\nlanctl: t2 would get 198.51.100.101 on ltfix-net\n")
        .check();
    Run::new(&f)
        .args(["-n", "up", "t1", "--image", "img", "--ready", "http:80/health", "--wait", "9"])
        .stdout(format!(
            "{}\n# then wait up to 9 s for http:80/health on 198.51.100.100\n",
            run_line("t1", "198.51.100.100", "http:80/health")
        ))
        .stderr("lanctl: t1 would get 198.51.100.100 on ltfix-net\n")
        .check();
    for (ready, wait) in [("none", "5"), ("tcp:80", "0")] {
        Run::new(&f)
            .args(["-n", "up", "t1", "--image", "img", "--ready", ready, "--wait", wait])
            .stdout(format!("{}\n", run_line("t1", "198.51.100.100", ready)))
            .stderr("lanctl: t1 would get 198.51.100.100 on ltfix-net\n")
            .check();
    }
}

/// The fixture host as context h2 over ssh, where `t1`, once run, is a running container
/// of PID 24417 on 198.51.100.100, and `nsenter` answers as `nsenter` says.
fn on_ssh_host(nsenter: impl FnOnce(&Fake)) -> Fake {
    lan_with(|f| {
        fake_ssh(f);
        fake_context(f, "h2", "ssh://root@h2");
        let run: Vec<String> = run_line("t1", "198.51.100.100", "tcp:8443").split(' ').map(String::from).collect();
        f.on("docker", "container inspect -- t1", 0, &created_by(&run));
        f.add_program("nsenter");
        nsenter(f);
    })
}

/// The `docker run` of t1 as it goes to h2, then as the fake engine behind h2 logs it.
fn remote_run() -> [String; 2] {
    let local = run_line("t1", "198.51.100.100", "tcp:8443");
    [format!("docker --context h2 {}", &local["docker ".len()..]), local]
}

/// The argv `nsenter` gets (after its name) through ssh and `sh -c`.
const NSENTER: [&str; 8] = ["-t", "24417", "-n", "timeout", "1", "bash", "-c", "</dev/tcp/198.51.100.100/8443"];

#[test]
fn on_an_ssh_host_a_port_that_answers_is_ready_and_said_so() {
    let f = on_ssh_host(|f| f.on("nsenter", "*", 0, ""));
    let done = Run::new(&f)
        .args(["--host", "h2", "up", "t1", "--image", "img", "--ready", "tcp:8443", "--no-probe"])
        .stdout("t1 198.51.100.100\n")
        // The progress line's time varies; it is checked below.
        .ignoring_stderr_lines("lanctl: t1 198.51.100.100 ready in ")
        .stderr("")
        // The fake engine behind h2 logs the run again without `--context h2`.
        .change_lines(remote_run())
        .check();
    assert!(done.stderr.starts_with("lanctl: t1 198.51.100.100 ready in "), "{}", done.stderr);
    assert!(done.stderr.ends_with(" s (tcp:8443)\n"), "{}", done.stderr);
    assert_eq!(f.calls_of("nsenter"), vec![NSENTER.map(String::from).to_vec()]);
}

#[test]
fn on_an_ssh_host_a_port_that_never_answers_fails_after_the_wait_and_leaves_the_tenant() {
    let f = on_ssh_host(|f| {
        f.on_err(
            "nsenter",
            "*",
            1,
            "bash: connect: Connection refused\nbash: line 1: /dev/tcp/198.51.100.100/8443: Connection refused\n",
        )
    });
    let done = Run::new(&f)
        .args(["--host", "h2", "up", "t1", "--image", "img", "--ready", "tcp:8443", "--wait", "1", "--no-probe"])
        .code(1)
        // The progress line's time varies; it is checked below.
        .ignoring_stderr_lines("lanctl: t1 198.51.100.100 not ready after ")
        .stderr(
            "lanctl: tenant t1: not ready: tcp:8443 on 198.51.100.100 did not answer within 1 s: port 8443 refused the \
             connection; its log is empty; it was left running as it is: see `lanctl logs t1`, or remove it with \
             `lanctl down t1`\n",
        )
        // The fake engine behind h2 logs the run again without `--context h2`.
        .change_lines(remote_run())
        .check();
    assert!(done.stderr.starts_with("lanctl: t1 198.51.100.100 not ready after 1."), "{}", done.stderr);
    let tries = f.calls_of("nsenter");
    assert!(tries.len() >= 2, "one try per round: {tries:?}");
    assert!(tries.iter().all(|t| *t == NSENTER.map(String::from).to_vec()), "{tries:?}");
}

#[test]
fn an_update_plan_awaits_its_check_where_bash_cannot_and_holds_where_it_can() {
    let spec = r#"{"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}"#;
    let f = lan_with(|f| f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(spec)));
    let dry = |ready: &str| {
        let out =
            lanctl(&f).args(["-n", "update", "ltfix-run", "-e", "MODE=2", "--ready", ready, "--wait", "3"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
        lossy(&out.stdout)
    };
    let plan = dry("tcp:8443");
    assert!(plan.contains(" -- img &&\n  : 'lanctl then waits up to 3 s for tcp:8443 on 198.51.100.113'\n}; then\n"), "{plan}");
    assert!(!plan.contains("sleep 1"), "{plan}");
    let plan = dry("running");
    assert!(plan.contains(" -- img &&\n  (for ((i = 0; i < 3; i++)); do sleep 1; "), "{plan}");
}

#[test]
fn a_port_check_that_cannot_run_on_the_host_says_so_once_and_holds_the_tenant_to_running() {
    let f = on_ssh_host(|f| {
        f.on_err("nsenter", "*", 1, "nsenter: reassociate to namespace 'ns/net' failed: Operation not permitted\n")
    });
    Run::new(&f)
        .args(["--host", "h2", "up", "t1", "--image", "img", "--ready", "tcp:8443", "--wait", "1", "--no-probe"])
        .stdout("t1 198.51.100.100\n")
        .stderr(
            "lanctl: warning: tcp:8443 cannot be checked for t1: nsenter there may not enter its network namespace (it \
             takes root): nsenter: reassociate to namespace 'ns/net' failed: Operation not permitted; checking that it \
             keeps running instead\n",
        )
        .change_lines(remote_run())
        .check();
    assert_eq!(f.calls_of("nsenter").len(), 1, "the check is tried once");
}

#[test]
fn a_fleet_tenant_s_ready_is_its_check() {
    let f = lan();
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), r#"{"tenants": [{"name": "t1", "image": "img", "ready": "http:80/health"}]}"#).unwrap();
    Run::new(&f)
        .args(["-n", "apply"])
        .arg(file.path())
        .stdout(format!(
            "{}\n# then wait up to 60 s for http:80/health on 198.51.100.100\n",
            run_line("t1", "198.51.100.100", "http:80/health")
        ))
        .stderr("lanctl: would be created: t1\n")
        .check();
}

//! `--all-hosts` on `ls`, `net ls` and `doctor`: every context of `docker context ls`,
//! asked at once, with the host first. The fake contexts are the fixture host itself:
//! `default` (unix), h2 (ssh, through a fake `ssh` that runs the remote command with
//! `sh -c`) and h3 (tcp: docker only), each answering as the fixture engine.

use crate::common::*;
use crate::support::*;

const CONTEXTS: &str = r#"{"Current":true,"Description":"Current DOCKER_HOST based configuration","DockerEndpoint":"unix:///var/run/docker.sock","Error":"","Name":"default"}
{"Current":false,"Description":"","DockerEndpoint":"ssh://root@h2","Error":"","Name":"h2"}
{"Current":false,"Description":"","DockerEndpoint":"tcp://198.51.100.9:2376","Error":"","Name":"h3"}
"#;

fn contexts(extra: &str, rules: impl FnOnce(&Fake)) -> Fake {
    lan_with(|f| {
        rules(f);
        fake_ssh(f);
        f.on("docker", "context ls --format {{json .}}", 0, &format!("{CONTEXTS}{extra}"));
        // For runs with --host, to compare: the same endpoints through `context inspect`,
        // and the same engine behind `--context`.
        fake_context(f, "h2", "ssh://root@h2");
        fake_context(f, "h3", "tcp://198.51.100.9:2376");
    })
}

/// Every row of a table with `host` put first, the columns aligned again.
fn with_host_column(table: &str, hosts: &[&str]) -> String {
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let w = hosts.iter().map(|h| h.len()).chain([4]).max().unwrap();
    let mut out = format!("{:<w$}  {header}\n", "HOST");
    for h in hosts {
        for r in &rows {
            out.push_str(&format!("{h:<w$}  {r}\n"));
        }
    }
    out
}

#[test]
fn ls_all_hosts_lists_every_contexts_tenants_with_the_host_first() {
    let f = contexts("", |_| {});
    let one = Run::new(&f).args(["ls"]).stdout_unchecked().check();
    assert!(one.stdout.contains("ltfix-run"), "{}", one.stdout);
    // Only HOST is new: the other columns keep their widths, since every host answers
    // the same tenants.
    Run::new(&f).args(["ls", "--all-hosts"]).stdout(with_host_column(&one.stdout, &["default", "h2", "h3"])).check();
    let json = Run::new(&f).args(["--json", "ls", "--all-hosts"]).stdout_unchecked().check();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json.stdout).unwrap();
    assert_documented("lanctl ls", &serde_json::Value::Array(rows.clone()));
    let hosts: Vec<&str> = rows.iter().map(|r| r["host"].as_str().unwrap()).collect();
    assert_eq!(hosts, ["default", "default", "h2", "h2", "h3", "h3"]);
    assert!(json.stdout.starts_with("[\n  {\n    \"host\": \"default\",\n    \"name\": "), "host comes first: {}", json.stdout);
    let one_json = Run::new(&f).args(["--json", "ls"]).stdout_unchecked().check();
    assert!(!one_json.stdout.contains("\"host\""), "one host has no host field: {}", one_json.stdout);
}

#[test]
fn a_host_that_does_not_answer_is_a_warning_and_exit_3_after_the_others_data() {
    let down = r#"{"Current":false,"Description":"","DockerEndpoint":"ssh://root@h4","Error":"","Name":"h4"}
{"Current":false,"Description":"","DockerEndpoint":"ssh://-oProxyCommand=x","Error":"","Name":"h5"}
"#;
    let f = contexts(down, |f| {
        f.on_err(
            "docker",
            "--context h4 *",
            1,
            "Cannot connect to the Docker daemon at ssh://root@h4. Is the docker daemon running?\n",
        )
    });
    let one = Run::new(&f).args(["ls"]).stdout_unchecked().check();
    Run::new(&f)
        .args(["ls", "--all-hosts"])
        .stdout(with_host_column(&one.stdout, &["default", "h2", "h3"]))
        .stderr(
            "lanctl: host h4: warning: `docker --context h4 ps --all --no-trunc --filter label=io.lanctl.tenant \
             --format …` failed (exit 1): Cannot connect to the Docker daemon at ssh://root@h4. Is the docker daemon \
             running?; start the daemon (systemctl start docker, or dockerd), or check --context and DOCKER_HOST\n\
             lanctl: host h5: warning: context h5 has the endpoint \"ssh://-oProxyCommand=x\", which is not \
             ssh://[USER@]HOST[:PORT]; fix it with `docker context update h5 --docker host=ssh://USER@HOST`\n\
             lanctl: 2 hosts did not answer: h4, h5 (see the warnings above); check each with `lanctl --host NAME doctor`\n",
        )
        .code(3)
        .check();
}

#[test]
fn net_ls_all_hosts_reads_each_hosts_addresses_where_it_is() {
    let f = contexts("", |_| {});
    let one = Run::new(&f).args(["net", "ls"]).stdout_unchecked().check();
    // h3 reaches docker only, and the FREE column needs the host's own addresses.
    let done = Run::new(&f)
        .args(["net", "ls", "--all-hosts"])
        .stdout(with_host_column(&one.stdout, &["default", "h2"]))
        .stderr(
            "lanctl: host h3: warning: `ip -j addr show` must run on host h3, but its context reaches docker only \
             (tcp://198.51.100.9:2376); give h3 an ssh endpoint (`docker context update h3 --docker host=ssh://USER@HOST`) \
             or run lanctl on that host\n\
             lanctl: host h3 did not answer (see the warning above); check it with `lanctl --host h3 doctor`\n",
        )
        .code(3)
        .check();
    let ssh: Vec<String> = done.calls.iter().filter(|c| c.argv[0] == "ssh").map(|c| c.argv[6..].join(" ")).collect();
    assert_eq!(ssh, ["ip -j addr show"]);
}

#[test]
fn all_hosts_and_host_contradict() {
    let f = contexts("", |_| {});
    for args in [["--host", "h2", "ls", "--all-hosts"], ["--host", "h2", "doctor", "--all-hosts"]] {
        Run::new(&f).args(args).code(2).stderr("lanctl: --all-hosts asks every host, --host h2 one; give one of them\n").check();
    }
}

/// The checks of a `--json` doctor run.
fn checks(stdout: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    v["checks"].as_array().unwrap().clone()
}

#[test]
fn doctor_all_hosts_checks_each_host_and_names_it_on_every_line() {
    let f = contexts("", |_| {});
    // A dry run: the live probes, which would create namespaces, are skipped.
    let done = Run::new(&f)
        .args(["-n", "--json", "doctor", "--all-hosts"])
        .stdout_unchecked()
        .stderr(
            "{\"command\":null,\"error\":\"doctor found failed checks on host h3\",\"exit\":3,\"hint\":\"fix the lines \
             marked fail above\",\"stderr\":null}\n",
        )
        .code(3)
        .check();
    assert_documented("lanctl doctor", &serde_json::from_str(&done.stdout).unwrap());
    let all = checks(&done.stdout);
    // Each host's checks are the ones `--host NAME doctor` makes, in order, each with its host.
    for host in ["default", "h2", "h3"] {
        let one = Run::new(&f)
            .args(["--host", host, "-n", "--json", "doctor"])
            .stdout_unchecked()
            .stderr_unchecked()
            .code_unchecked()
            .check();
        let want: Vec<serde_json::Value> = checks(&one.stdout)
            .into_iter()
            .map(|mut c| {
                c["host"] = host.into();
                c
            })
            .collect();
        let got: Vec<serde_json::Value> = all.iter().filter(|c| c["host"] == host).cloned().collect();
        assert_eq!(got, want, "{host}");
    }
    assert_eq!(all.iter().filter(|c| c["status"] == "fail").map(|c| c["host"].as_str().unwrap()).collect::<Vec<_>>(), ["h3"]);
    let table = Run::new(&f).args(["-n", "doctor", "--all-hosts"]).stdout_unchecked().stderr_unchecked().code(3).check();
    assert!(
        table.stdout.contains(&format!(
            "h3       fail  {:<23}  the kernel, parent and probe checks must run on host h3, but its context reaches docker \
             only (tcp://198.51.100.9:2376)\n",
            "host"
        )),
        "{}",
        table.stdout
    );
    assert!(table.stdout.lines().all(|l| ["default  ", "h2       ", "h3       ", "         "].iter().any(|p| l.starts_with(p))));
    assert_eq!(table.stderr, "lanctl: doctor found failed checks on host h3; fix the lines marked fail above\n");
}

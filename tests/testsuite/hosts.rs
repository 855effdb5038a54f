//! `--host NAME`: the context's endpoint chooses where host-side commands run. The fake
//! docker stands in for the context's engine too (a rule drops `--context h2` and asks the
//! same fake), and a fake `ssh` stands in for the remote login shell: it runs what follows
//! `--`, joined by spaces as ssh sends it, with `sh -c`, so the remote `ip` and `arping` it
//! starts are the fake ones and the double quoting is exercised for real.

use crate::common::*;
use crate::support::*;

const SSH: &str = "ssh -T -o BatchMode=yes root@h2 --";

/// The fixture host, reachable as contexts h2 (ssh), h3 (tcp) and local (unix).
fn hosts() -> Fake {
    lan_with(|f| {
        fake_ssh(f);
        fake_context(f, "h2", "ssh://root@h2");
        fake_context(f, "h3", "tcp://198.51.100.9:2376");
        fake_context(f, "local", "unix:///var/run/docker.sock");
        f.on_err(
            "docker",
            "context inspect -- nope",
            1,
            "context \"nope\": context not found: open /root/.docker/contexts/meta/x/meta.json: no such file or directory\n",
        );
    })
}

const SHIM_LINES: [&str; 7] = [
    "ip link add lc-ltfix-net link ltfixp type macvlan mode bridge",
    "ip addr add 198.51.100.254/32 dev lc-ltfix-net",
    "ip link set lc-ltfix-net up",
    "ip route add 198.51.100.100/30 dev lc-ltfix-net",
    "ip route add 198.51.100.104/29 dev lc-ltfix-net",
    "ip route add 198.51.100.112/28 dev lc-ltfix-net",
    "ip route add 198.51.100.128/30 dev lc-ltfix-net",
];

fn lines(prefix: &str) -> String {
    SHIM_LINES.iter().map(|l| format!("{prefix}{l}\n")).collect()
}

#[test]
fn host_access_on_an_ssh_host_prints_ssh_lines_and_reads_over_ssh() {
    let f = hosts();
    let done = Run::new(&f).args(["--host", "h2", "--dry-run", "host-access", NET]).stdout(lines(&format!("{SSH} "))).check();
    let ssh: Vec<String> = done.calls.iter().filter(|c| c.argv[0] == "ssh").map(|c| c.argv[1..].join(" ")).collect();
    assert_eq!(
        ssh,
        vec![format!("{} ip -j -d addr show", &SSH[4..]), format!("{} arping -D -c 1 -w 1 -I ltfixp 198.51.100.254", &SSH[4..]),]
    );
    // Every ip and arping ran inside ssh (right after it), none on this machine.
    for (i, c) in done.calls.iter().enumerate() {
        if c.argv[0] == "ip" || c.argv[0] == "arping" {
            assert_eq!(done.calls[i - 1].argv[0], "ssh", "{:?} ran outside ssh", c.argv);
        }
    }
    // Every other docker call went to the context h2 (the fake then answers it as itself).
    for (i, c) in done.calls.iter().enumerate().skip(1) {
        if c.argv[0] == "docker" && c.argv[1] != "--context" {
            assert_eq!(done.calls[i - 1].argv[1..3], ["--context", "h2"], "{:?} did not go to h2", c.argv);
            assert_eq!(done.calls[i - 1].argv[3..], c.argv[1..]);
        }
    }
    assert_eq!(done.calls[0].argv, ["docker", "context", "inspect", "--", "h2"]);
}

#[test]
fn host_access_over_ssh_runs_the_same_ip_argv_remotely() {
    let f = hosts();
    let done = Run::new(&f)
        .args(["--host", "h2", "host-access", NET])
        .stderr("lanctl: the host reaches the tenants of ltfix-net through lc-ltfix-net (198.51.100.254)\n")
        .change_lines(SHIM_LINES.iter().flat_map(|l| [format!("{SSH} {l}"), l.to_string()]))
        .check();
    assert!(done.calls.iter().any(|c| c.argv[0] == "ssh"));
}

#[test]
fn the_context_alias_and_a_unix_context_stay_local() {
    let f = hosts();
    Run::new(&f).args(["--context", "local", "-n", "host-access", NET]).stdout(lines("")).check();
    assert!(f.calls_of("ssh").is_empty());
}

#[test]
fn a_tcp_host_refuses_host_side_steps_with_exit_3() {
    let f = hosts();
    Run::new(&f)
        .args(["--host", "h3", "-n", "host-access", NET])
        .stderr(
            "lanctl: `ip -j -d addr show` must run on host h3, but its context reaches docker only (tcp://198.51.100.9:2376); \
             give h3 an ssh endpoint (`docker context update h3 --docker host=ssh://USER@HOST`) or run lanctl on that host\n",
        )
        .code(3)
        .check();
    assert!(f.calls_of("ip").is_empty());
}

#[test]
fn a_tcp_host_still_runs_docker_only_commands() {
    let f = hosts();
    // `ls` reads docker only; `net ls` also reads the host's addresses (its FREE column),
    // so on h3 it is refused like host-access.
    let local = Run::new(&f).args(["ls"]).stdout_unchecked().check();
    assert!(local.stdout.contains("ltfix-run"), "{}", local.stdout);
    let remote = Run::new(&f).args(["--host", "h3", "ls"]).stdout(local.stdout.clone()).check();
    assert_eq!(remote.calls[0].argv, ["docker", "context", "inspect", "--", "h3"]);
    assert_eq!(remote.calls[1].argv[1..3], ["--context", "h3"]);
}

#[test]
fn persist_on_another_host_is_refused_before_reading_anything() {
    let f = hosts();
    let done = Run::new(&f)
        .args(["--host", "h2", "host-access", NET, "--persist", "ifupdown"])
        .stderr(
            "lanctl: host-access --persist configures this machine only; run it on the other host itself, or drop --persist\n",
        )
        .code(3)
        .check();
    assert_eq!(done.calls.len(), 1, "{:?}", done.calls);
}

#[test]
fn an_unknown_context_is_a_check_failure() {
    let f = hosts();
    Run::new(&f)
        .args(["--host", "nope", "net", "ls"])
        .stderr(
            "lanctl: `docker context inspect -- nope` failed (exit 1): context \"nope\": context not found: open \
             /root/.docker/contexts/meta/x/meta.json: no such file or directory; list the contexts with `docker context ls`, \
             or leave --host out\n",
        )
        .code(3)
        .check();
}

#[test]
fn a_malformed_ssh_endpoint_is_refused_before_any_host_side_step() {
    let f = hosts();
    f.on("docker", "context inspect -- bad", 0, &context_json("bad", "ssh://-oProxyCommand=x"));
    Run::new(&f)
        .args(["--host", "bad", "net", "ls"])
        .stderr(
            "lanctl: context bad has the endpoint \"ssh://-oProxyCommand=x\", which is not ssh://[USER@]HOST[:PORT]; fix it \
             with `docker context update bad --docker host=ssh://USER@HOST`\n",
        )
        .code(3)
        .check();
    assert!(f.calls_of("ssh").is_empty());
}

#[test]
fn the_dhcp_check_on_another_host_is_refused_before_reading_anything() {
    let f = hosts();
    for host in ["h2", "h3"] {
        let done = Run::new(&f)
            .args(["--host", host, "doctor", "--dhcp", "--parent", "eth0", "--ip-range", "198.51.100.16-198.51.100.47"])
            .stderr(format!(
                "lanctl: doctor --dhcp sends DHCP discovers from this machine's interfaces, and --host {host} is another \
                 machine; run lanctl doctor --dhcp on that host\n"
            ))
            .code(3)
            .check();
        assert_eq!(done.calls.len(), 1, "only the context was read: {:?}", done.calls);
        let done = Run::new(&f)
            .args(["--host", host, "net", "create", "n", "--driver", "macvlan", "--parent", "eth0"])
            .args(["--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1", "--ip-range", "198.51.100.16-198.51.100.47"])
            .arg("--check-dhcp")
            .stderr(format!(
                "lanctl: net create --check-dhcp sends DHCP discovers from this machine's interfaces, and --host {host} is \
                 another machine; run lanctl net create --check-dhcp on that host\n"
            ))
            .code(3)
            .check();
        assert_eq!(done.calls.len(), 1, "only the context was read: {:?}", done.calls);
    }
}

#[test]
fn the_default_host_is_the_local_engine_without_a_context() {
    let f = hosts();
    let local = Run::new(&f).args(["ls"]).stdout_unchecked().check();
    let done = Run::new(&f).args(["--host", "default", "ls"]).stdout(local.stdout.clone()).check();
    // The same reads; the second `ls` starts the network's inspect alongside `docker ps`
    // (the first left the hint), so only their order may differ.
    let mut argvs: Vec<&Vec<String>> = done.calls.iter().map(|c| &c.argv).collect();
    let mut local_argvs: Vec<&Vec<String>> = local.calls.iter().map(|c| &c.argv).collect();
    argvs.sort();
    local_argvs.sort();
    assert_eq!(argvs, local_argvs);
}

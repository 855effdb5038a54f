//! `--host` against two real Docker hosts reached over ssh
//! (tests/testsuite/common/twohost.rs: `TwoHosts`). One pair for the scenarios: bringing
//! it up costs a few seconds, so one test runs them in order, each leaving the hosts as it
//! found them.

use std::collections::BTreeMap;

use crate::common::{self, *};
use serde_json::Value;

/// Label and env values that a shell would split, expand or run, byte for byte.
const HOSTILE_LABEL: &str = r#"-a b  "c" 'd' $(touch /tmp/lanctl-2h-pwned); `id` \y \\ ; & | > * ?"#;
const HOSTILE_ENV: &str = r#"-x 'q' "$(touch /tmp/lanctl-2h-pwned)" ${HOME} ;rm -rf / \n\\"#;
const SENTINEL: &str = "/tmp/lanctl-2h-pwned";

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn two_real_hosts_over_ssh() {
    let th = TwoHosts::new();
    use std::io::Write;
    // Straight to stderr: the harness's cost is part of what CI should show.
    let _ = writeln!(std::io::stderr().lock(), "two_hosts: the pair came up in {:.1} s", th.startup().as_secs_f64());
    let net = th.env().name("net");
    contexts_reach_two_daemons(&th);
    an_unreachable_ssh_host_is_a_prerequisite(&th);
    host_side_reads_run_on_the_host(&th, &net);
    nets_on_both_hosts(&th, &net);
    dry_run_of_h2_builds_the_same_network(&th, &net);
    let (t1, ip1) = up(&th, 0, &net, "a");
    let (t2, ip2) = up(&th, 1, &net, "b");
    assert_eq!((ip1.as_str(), ip2.as_str()), (th.env().host(16).as_str(), th.env().host(32).as_str()));
    ls_shows_each_host_its_own(&th, &net, [&t1, &t2], [&ip1, &ip2]);
    hostile_values_arrive_byte_for_byte(&th, [&t1, &t2]);
    lan_client_reaches_both(&th, [&t1, &t2], [&ip1, &ip2]);
    host_access_on_h1(&th, &net, &t1, &ip1);
    readiness_is_checked_on_the_host_over_ssh(&th, &net);
    down_and_rm_leave_nothing(&th, &net, [&t1, &t2]);
}

fn contexts_reach_two_daemons(th: &TwoHosts) {
    let ids: Vec<String> =
        th.hosts().iter().map(|h| th.docker_ok(h, &["info", "--format", "{{.ID}}"]).trim().to_string()).collect();
    assert_ne!(ids[0], ids[1], "both contexts reach the same daemon");
    for (h, id) in th.hosts().iter().zip(&ids) {
        // The context goes over ssh to the daemon on that host's own socket.
        assert_eq!(sh_ok("docker", &["-H", &h.socket, "info", "--format", "{{.ID}}"]).trim(), id);
    }
}

/// A host whose sshd does not answer: docker's own ssh fails before lanctl's would. That
/// is a missing prerequisite (exit 3, the ssh hint), not a failed operation.
fn an_unreachable_ssh_host_is_a_prerequisite(th: &TwoHosts) {
    let ctx = format!("{}h9", th.env().tag());
    th.add_context(&ctx, &format!("ssh://root@{}:2222", th.h1().addr));
    for args in [vec!["ls"], vec!["net", "ls"]] {
        let out = th.lanctl().args(["--host", &ctx]).args(&args).output().unwrap();
        let err = lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {err}");
        assert!(err.contains("Connection refused"), "{args:?}: {err}");
        assert!(
            err.ends_with("; check that `ssh -o BatchMode=yes` reaches the host with a key and a known host key, and that docker runs there\n"),
            "{args:?}: {err}"
        );
    }
}

/// `lan0` exists on the hosts and not here; this machine's parent exists here and not on
/// the hosts: a host-side check that ran locally would get both wrong.
fn host_side_reads_run_on_the_host(th: &TwoHosts, net: &str) {
    assert!(!sh("ip", &["link", "show", "dev", Host::PARENT]).status.success(), "this machine has a {}", Host::PARENT);
    let out = th
        .lanctl()
        .args(["--host", &th.h1().context, "net", "create", net, "--driver", "macvlan", "--parent", th.env().parent()])
        .args(["--subnet", &th.env().subnet(), "--gateway", &th.env().gateway(), "--ip-range", &th.range(0)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "stderr: {}", lossy(&out.stderr));
    assert!(lossy(&out.stderr).contains(th.env().parent()), "stderr: {}", lossy(&out.stderr));
    assert!(!th.docker(th.h1(), &["network", "inspect", net]).status.success(), "{net} was created on h1");
}

fn create_args(th: &TwoHosts, i: usize, net: &str) -> Vec<String> {
    let h = &th.hosts()[i];
    ["--host", &h.context, "net", "create", net, "--driver", "macvlan", "--parent", Host::PARENT]
        .into_iter()
        .map(String::from)
        .chain(["--subnet".into(), th.env().subnet(), "--gateway".into(), th.env().gateway(), "--ip-range".into(), th.range(i)])
        .collect()
}

fn inspect_net(th: &TwoHosts, h: &Host, net: &str) -> Value {
    let v: Vec<Value> = serde_json::from_str(&th.docker_ok(h, &["network", "inspect", net])).expect("network inspect");
    v.into_iter().next().expect("one network")
}

/// A network's inspect without what differs between two creations of the same network.
fn comparable(mut v: Value) -> Value {
    for k in ["Id", "Created"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

fn nets_on_both_hosts(th: &TwoHosts, net: &str) {
    for i in 0..2 {
        let out = th.lanctl().args(create_args(th, i, net)).output().unwrap();
        assert!(out.status.success(), "net create on h{}: {}", i + 1, lossy(&out.stderr));
        assert_eq!(
            lossy(&out.stderr).lines().last().unwrap_or(""),
            format!("lanctl: created macvlan network {net} on lan0 (range {})", th.range(i))
        );
    }
    for (i, h) in th.hosts().iter().enumerate() {
        let v = inspect_net(th, h, net);
        assert_eq!(v["Driver"], "macvlan");
        assert_eq!(v["Options"]["parent"], Host::PARENT);
        assert_eq!(v["IPAM"]["Config"][0]["Subnet"], th.env().subnet());
        assert_eq!(v["Labels"]["io.lanctl.managed"], "true");
        assert_eq!(v["Labels"]["io.lanctl.range"], th.range(i), "h{} holds the other's slice", i + 1);
    }
    assert!(!sh("docker", &["network", "inspect", net]).status.success(), "{net} exists on this machine's engine");
}

fn dry_run_of_h2_builds_the_same_network(th: &TwoHosts, net: &str) {
    let h2 = th.h2();
    let real = comparable(inspect_net(th, h2, net));
    th.lanctl().args(["--host", &h2.context, "net", "rm", net]).assert().success();
    assert!(!th.docker(h2, &["network", "inspect", net]).status.success());
    let dry = th.lanctl().arg("--dry-run").args(create_args(th, 1, net)).output().unwrap();
    assert!(dry.status.success(), "dry run: {}", lossy(&dry.stderr));
    let script = lossy(&dry.stdout);
    assert!(!script.is_empty());
    assert!(script.lines().all(|l| l.starts_with(&format!("docker --context {} ", h2.context))), "{script}");
    // The dry run changed nothing.
    assert!(!th.docker(h2, &["network", "inspect", net]).status.success(), "the dry run created {net}");
    let ran = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .envs(th.lanctl().get_envs().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))))
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(ran.status.success(), "bash ran {script}: {}", lossy(&ran.stderr));
    assert_eq!(comparable(inspect_net(th, h2, net)), real);
}

/// `lanctl --host hI up` of one tenant; returns its name and address.
fn up(th: &TwoHosts, i: usize, net: &str, suffix: &str) -> (String, String) {
    let h = &th.hosts()[i];
    let name = th.env().name(suffix);
    let out = th
        .lanctl()
        .args(["--host", &h.context, "up", &name, "--net", net, "--image", IMAGE, "--pull", "never", "--wait", "1"])
        .args([
            "--ip-env",
            "LOCAL_IP",
            "--label",
            &format!("hostile={HOSTILE_LABEL}"),
            "--env",
            &format!("HOSTILE={HOSTILE_ENV}"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "up {name} on h{}: {}", i + 1, lossy(&out.stderr));
    let line = lossy(&out.stdout);
    let (n, ip) = line.trim().split_once(' ').expect("NAME ADDRESS");
    assert_eq!(n, name);
    (name, ip.to_string())
}

fn ls_shows_each_host_its_own(th: &TwoHosts, net: &str, tenants: [&str; 2], ips: [&str; 2]) {
    for (i, h) in th.hosts().iter().enumerate() {
        let out = th.lanctl().args(["--host", &h.context, "--json", "ls"]).output().unwrap();
        assert!(out.status.success(), "ls on h{}: {}", i + 1, lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).expect("ls --json");
        let rows: Vec<(String, String, String, String)> = v
            .as_array()
            .expect("a list")
            .iter()
            .map(|t| {
                let s = |k: &str| t[k].as_str().unwrap_or_default().to_string();
                (s("name"), s("network"), s("address"), s("state"))
            })
            .collect();
        assert_eq!(rows, [(tenants[i].to_string(), net.to_string(), ips[i].to_string(), "running".to_string())]);
    }
}

fn hostile_values_arrive_byte_for_byte(th: &TwoHosts, tenants: [&str; 2]) {
    for (h, t) in th.hosts().iter().zip(tenants) {
        let v: Vec<Value> = serde_json::from_str(&th.docker_ok(h, &["container", "inspect", t])).unwrap();
        let env: Vec<&str> = v[0]["Config"]["Env"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
        let hostile: Vec<&str> = env.iter().copied().filter(|e| e.starts_with("HOSTILE=")).collect();
        assert_eq!(hostile, [format!("HOSTILE={HOSTILE_ENV}")]);
        let labels: BTreeMap<String, String> = serde_json::from_value(v[0]["Config"]["Labels"].clone()).unwrap();
        assert_eq!(labels.get("hostile").map(String::as_str), Some(HOSTILE_LABEL));
    }
    assert!(!std::path::Path::new(SENTINEL).exists(), "a shell ran a hostile value");
    for h in th.hosts() {
        assert!(th.on_host(h, &["test", "!", "-e", SENTINEL]).status.success(), "a shell on {} ran a hostile value", h.context);
    }
}

fn lan_client_reaches_both(th: &TwoHosts, tenants: [&str; 2], ips: [&str; 2]) {
    for (t, ip) in tenants.iter().zip(ips) {
        let page = th.fetch_from_client(ip).unwrap_or_else(|| panic!("the LAN client got no answer from {t} at {ip}"));
        assert_eq!(page, format!("LOCAL_IP={ip}\nEXTERNAL_IP=\nHOSTNAME={t}\n"));
    }
}

/// The names of the links in netns `ns` ("" for this machine's).
fn links(ns: &str) -> Vec<String> {
    let args: Vec<&str> = if ns.is_empty() { vec!["-o", "link", "show"] } else { vec!["-n", ns, "-o", "link", "show"] };
    sh_ok("ip", &args)
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().unwrap_or("").to_string())
        .collect()
}

fn host_access_on_h1(th: &TwoHosts, net: &str, tenant: &str, ip: &str) {
    let h1 = th.h1();
    let shim = format!("lc-{net}");
    // A macvlan parent does not pass its children's frames to its own host.
    let before = th.in_netns(&h1.netns, &["timeout", "3", "busybox", "wget", "-q", "-O", "-", &format!("http://{ip}/")]);
    assert!(!before.status.success(), "h1 reached its tenant without a shim");
    let out = th.lanctl().args(["--host", &h1.context, "host-access", net]).output().unwrap();
    assert!(out.status.success(), "host-access: {}", lossy(&out.stderr));
    let shim_ip = th.env().host(62);
    assert_eq!(lossy(&out.stderr), format!("lanctl: the host reaches the tenants of {net} through {shim} ({shim_ip})\n"));
    assert!(links(&h1.netns).contains(&shim), "no {shim} in {}: {:?}", h1.netns, links(&h1.netns));
    assert!(!links(&th.h2().netns).contains(&shim), "{shim} on h2");
    assert!(!links("").contains(&shim), "{shim} on this machine");
    let page = th.fetch_in(&h1.netns, ip).unwrap_or_else(|| panic!("h1 got no answer from {tenant} through {shim}"));
    assert!(page.ends_with(&format!("HOSTNAME={tenant}\n")), "{page}");
    let out = th.lanctl().args(["--host", &h1.context, "host-access", "--remove", net]).output().unwrap();
    assert!(out.status.success(), "host-access --remove: {}", lossy(&out.stderr));
    assert!(!links(&h1.netns).contains(&shim), "{shim} still in {}", h1.netns);
}

/// `--ready` on a host reached over ssh: the port check runs there, inside the tenant's
/// network namespace (`nsenter` through the same ssh), with no agent on the host. The
/// media image serves HTTP on port 80 of its LAN address and nothing on 81.
fn readiness_is_checked_on_the_host_over_ssh(th: &TwoHosts, net: &str) {
    let h = &th.hosts()[0];
    let up = |suffix: &str, ready: &str| {
        let name = th.env().name(suffix);
        let out = th
            .lanctl()
            .args(["--host", &h.context, "up", &name, "--net", net, "--image", IMAGE, "--pull", "never", "--ready", ready])
            .args(["--wait", "3"])
            .output()
            .unwrap();
        (name, out)
    };
    let (ok, out) = up("ready", "http:80/");
    let err = lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let ip = lossy(&out.stdout).trim().split_once(' ').map(|(_, ip)| ip.to_string()).expect("NAME ADDRESS");
    assert!(err.contains(&format!("{ok} {ip} ready in ")) && err.contains(" s (http:80/)"), "{err}");
    let (never, out) = up("never", "tcp:81");
    let err = lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // The check ran over ssh and said what a local one says.
    assert!(err.contains(&format!("tenant {never}: not ready: tcp:81 on ")), "{err}");
    assert!(err.contains(" did not answer within 3 s: port 81 refused the connection; "), "{err}");
    for t in [&ok, &never] {
        th.lanctl().args(["--host", &h.context, "down", t]).assert().success();
    }
}

fn down_and_rm_leave_nothing(th: &TwoHosts, net: &str, tenants: [&str; 2]) {
    for (h, t) in th.hosts().iter().zip(tenants) {
        th.lanctl().args(["--host", &h.context, "down", t]).assert().success();
        th.lanctl().args(["--host", &h.context, "net", "rm", net]).assert().success();
    }
    for h in th.hosts() {
        assert_eq!(sh_ok("docker", &["-H", &h.socket, "ps", "-a", "--format", "{{.Names}}"]), "");
        let nets = sh_ok("docker", &["-H", &h.socket, "network", "ls", "--format", "{{.Name}}"]);
        let mut nets: Vec<&str> = nets.lines().collect();
        nets.sort();
        assert_eq!(nets, ["host", "none"]);
        let out = th.lanctl().args(["--host", &h.context, "--json", "ls"]).output().unwrap();
        assert!(out.status.success(), "{}", lossy(&out.stderr));
        assert_eq!(lossy(&out.stdout).trim(), "[]");
        let mut names: Vec<String> = links(&h.netns);
        names.sort();
        assert_eq!(names, ["lan0", "lo"]);
    }
}

/// Set for the child run of [`a_killed_pair_is_removed_by_the_cleanup_script`].
const CHILD: &str = "LANCTL_TWOHOSTS_CHILD";

/// The run [`a_killed_pair_is_removed_by_the_cleanup_script`] kills: brings a pair up,
/// says where, and waits. Does nothing when not started by that test.
#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn pair_that_gets_killed() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let th = TwoHosts::new();
    println!("READY {} {}", th.env().tag(), th.dir().display());
    std::io::Write::flush(&mut std::io::stdout()).unwrap();
    std::thread::sleep(std::time::Duration::from_secs(600));
}

/// A run killed with its pair up leaves daemons, namespaces, an admin link, a blackhole
/// and its record; scripts/cleanup-test-leftovers.sh removes all of them.
#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_killed_pair_is_removed_by_the_cleanup_script() {
    use std::io::BufRead;
    use std::process::{Command, Stdio};
    let _lock = RealLock::acquire(); // for the child too; the script then reads records only
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "two_hosts::pair_that_gets_killed", "--include-ignored", "--nocapture"])
        .env(CHILD, "1")
        .env(common::lock::HELD_FOR_CHILD, std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let child_pid = child.id();
    let ready = std::io::BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("READY ").map(String::from))
        .expect("the child run never came up");
    let (tag, dir) = ready.split_once(' ').unwrap();
    let slot = TEST_SLOTS[0];
    assert!(!common::twohost::processes_naming(dir).is_empty());
    assert!(blackhole_present(slot));
    assert_eq!(leftovers(tag).iter().filter(|l| l.starts_with("netns ")).count(), 4, "{:?}", leftovers(tag));
    child.kill().unwrap();
    child.wait().unwrap();

    let out = sh(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cleanup-test-leftovers.sh"), &[]);
    let said = lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    assert_eq!(common::twohost::processes_naming(dir), Vec::new(), "{said}");
    assert_eq!(leftovers(tag), Vec::<String>::new(), "{said}");
    assert!(!blackhole_present(slot), "{said}");
    assert!(!std::path::Path::new(dir).exists(), "{said}");
    let records: Vec<_> = std::fs::read_dir(common::held::HELD_DIR)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("{child_pid}-")))
        .collect();
    assert!(records.is_empty(), "{said}");
}

/// A test that panics with tenants running on both hosts: the pair's drop stops the
/// daemons (and so the tenants) and removes everything.
#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_pair_dropped_by_a_panic_leaves_nothing() {
    let (tx, rx) = std::sync::mpsc::channel();
    let joined = std::thread::spawn(move || {
        let th = TwoHosts::new();
        tx.send((th.env().tag().to_string(), th.dir().to_string_lossy().into_owned())).unwrap();
        let net = th.env().name("net");
        for i in 0..2 {
            th.lanctl().args(create_args(&th, i, &net)).assert().success();
            up(&th, i, &net, &format!("p{i}"));
        }
        panic!("test failure with tenants up");
    })
    .join();
    assert!(joined.is_err());
    let (tag, dir) = rx.recv().unwrap();
    let _lock = RealLock::acquire();
    assert_eq!(common::twohost::processes_naming(&dir), Vec::new());
    assert_eq!(leftovers(&tag), Vec::<String>::new());
    assert!(!blackhole_present(TEST_SLOTS[0]));
    assert!(!std::path::Path::new(&dir).exists());
}

/// Two admin machines (each its own lock directory, as on two machines) that drive one host
/// over ssh at once (issue 25): every tenant gets an address of its own, and no run fails.
#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn admins_with_locks_of_their_own_never_give_one_address_twice() {
    let th = TwoHosts::new();
    let net = th.env().name("net");
    let out = th.lanctl().args(create_args(&th, 0, &net)).output().unwrap();
    assert!(out.status.success(), "net create on h1: {}", lossy(&out.stderr));
    let h1 = th.h1();
    let names: Vec<String> = (0..4).map(|i| th.env().name(&format!("adm{i}"))).collect();
    let locks: Vec<tempfile::TempDir> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let outs: Vec<std::process::Output> = std::thread::scope(|s| {
        let runs: Vec<_> = names
            .iter()
            .zip(&locks)
            .map(|(name, lock)| {
                let (th, net) = (&th, &net);
                s.spawn(move || {
                    th.lanctl()
                        .env("LANCTL_LOCK_DIR", lock.path())
                        .args(["--host", &h1.context, "up", name, "--net", net, "--image", IMAGE, "--pull", "never"])
                        .args(["--wait", "1"])
                        .output()
                        .unwrap()
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let mut ips = BTreeMap::new();
    for (name, out) in names.iter().zip(&outs) {
        assert!(out.status.success(), "up {name}: {}", lossy(&out.stderr));
        let line = lossy(&out.stdout);
        let (n, ip) = line.trim().split_once(' ').expect("NAME ADDRESS");
        assert_eq!(n, name);
        if let Some(other) = ips.insert(ip.to_string(), name.clone()) {
            panic!("{name} and {other} both got {ip}");
        }
    }
    // The engine agrees: four containers, four addresses.
    let held = th.docker_ok(h1, &["network", "inspect", &net, "--format", "{{range .Containers}}{{.IPv4Address}} {{end}}"]);
    assert_eq!(held.split_whitespace().collect::<std::collections::BTreeSet<_>>().len(), 4, "{held}");
    let down = th.lanctl().args(["--host", &h1.context, "down"]).args(&names).output().unwrap();
    assert!(down.status.success(), "down: {}", lossy(&down.stderr));
    th.lanctl().args(["--host", &h1.context, "net", "rm", &net]).assert().success();
}

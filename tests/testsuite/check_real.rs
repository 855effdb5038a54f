//! `lanctl check` and `check --watch` on a real engine: a macvlan tenant on the RealEnv's
//! veth parent, and the parent's peer namespace as the LAN, which takes the tenant's
//! address with its own MAC (`ip addr add` and a gratuitous `arping -U`). arpwatch, run in
//! that namespace, must see the same conflict. The observer must leave nothing behind,
//! also after kill -9.
//!
//! Run with `cargo test --test testsuite check_real:: -- --include-ignored`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::common::*;

fn peer_mac(env: &RealEnv) -> String {
    let link = sh_ok("ip", &["-n", env.netns(), "-j", "link", "show", "dev", env.peer()]);
    let link: serde_json::Value = serde_json::from_str(&link).unwrap();
    link[0]["address"].as_str().unwrap().to_string()
}

fn container_mac(name: &str, net: &str) -> String {
    let format = format!("{{{{(index .NetworkSettings.Networks \"{net}\").MacAddress}}}}");
    sh_ok("docker", &["container", "inspect", "--format", &format, "--", name]).trim().to_string()
}

/// A macvlan network and one tenant on host 20 of the slot; returns (net, tenant, its MAC).
fn one_tenant(env: &RealEnv) -> (String, String, String) {
    one_tenant_on(env, &env.macvlan_net())
}

/// One tenant on host 20 of the slot, on `net`; returns (net, tenant, its MAC).
fn one_tenant_on(env: &RealEnv, net: &str) -> (String, String, String) {
    let net = net.to_string();
    let name = env.name("t1");
    env.track_container(&name);
    env.lanctl()
        .args(["up", &name, "--net", &net, "--image", "lanctl-test/media:latest", "--pull", "never", "--ip", &env.host(20)])
        .args(["--wait", "0"])
        .assert()
        .success();
    let mac = container_mac(&name, &net);
    (net, name, mac)
}

/// `check --watch` running, its stdout lines and its stderr lines on channels.
struct Watch {
    child: Child,
    out: mpsc::Receiver<String>,
    err: mpsc::Receiver<String>,
}

impl Watch {
    fn start(args: &[&str]) -> Watch {
        // Not RealEnv::lanctl (an assert_cmd Command, which cannot spawn): check takes no lock.
        let mut c = Command::new(LANCTL);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("LANCTL_") {
                c.env_remove(k);
            }
        }
        let mut child = c.args(args).args(["check", "--watch"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let lines = |r: Box<dyn std::io::Read + Send>| {
            let (tx, rx) = mpsc::channel();
            std::thread::spawn(move || {
                for l in BufReader::new(r).lines().map_while(Result::ok) {
                    let _ = tx.send(l);
                }
            });
            rx
        };
        let out = lines(Box::new(child.stdout.take().unwrap()));
        let err = lines(Box::new(child.stderr.take().unwrap()));
        Watch { child, out, err }
    }

    /// The observer's MAC, from the line that says it listens.
    fn listening(&self) -> String {
        let line = self.err.recv_timeout(Duration::from_secs(20)).expect("check --watch says it listens");
        assert!(line.starts_with("lanctl: check --watch: listening on "), "{line}");
        let mac = line.split(" in a namespace").next().unwrap().rsplit(' ').next().unwrap();
        mac.to_string()
    }

    fn pid(&self) -> String {
        self.child.id().to_string()
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether the parent's unicast filter holds `mac`: a macvlan child, in whatever
/// namespace, adds its MAC there while it is up, and the kernel removes it with the child.
fn parent_holds(env: &RealEnv, mac: &str) -> bool {
    sh_ok("bridge", &["fdb", "show", "dev", env.parent()]).lines().any(|l| l.starts_with(mac))
}

/// Waits up to 5 s for the observer of MAC `mac` to be gone (a namespace is freed by a
/// kernel worker shortly after its last user).
fn assert_observer_gone(env: &RealEnv, mac: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while parent_holds(env, mac) {
        assert!(Instant::now() < deadline, "the observer {mac} is still on {} 5 s later", env.parent());
        std::thread::sleep(Duration::from_millis(50));
    }
    let links = sh_ok("ip", &["-o", "link", "show"]);
    assert!(!links.contains("lanctl-obs"), "{links}");
    assert_eq!(sh_ok("ip", &["netns", "list"]).lines().filter(|l| l.contains("lanctl")).count(), 0);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_tenant_alone_is_ok_and_a_lan_device_on_its_address_is_a_conflict_seen_by_check_watch_and_arpwatch() {
    let env = RealEnv::new();
    // arpwatch on the LAN first, so it learns the tenant's MAC from lanctl's announcement
    // at `up`, as one running on a real LAN would have.
    sh_ok("ip", &["-n", env.netns(), "addr", "add", &format!("{}/26", env.host(60)), "dev", env.peer()]);
    let arpwatch = Arpwatch::start(&env);
    let (net, name, mac) = one_tenant(&env);
    let ip = env.host(20);

    let ok = env.lanctl().args(["check"]).output().unwrap();
    let stdout = lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{stdout}{}", lossy(&ok.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0].starts_with("NAME ") && lines[0].ends_with("STATUS  DETAIL"), "{stdout}");
    let cells: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(cells[..5], [name.as_str(), net.as_str(), ip.as_str(), mac.as_str(), "ok"], "{stdout}");
    assert!(lines[1].ends_with("  ok      answered by its own MAC alone"), "{stdout}");
    // Named by network or by tenant, the same.
    for by in [&net, &name] {
        let json = env.lanctl().args(["--json", "check", by]).output().unwrap();
        assert_eq!(json.status.code(), Some(0));
        let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_documented("lanctl check", &rows);
        assert_eq!(rows.as_array().unwrap().len(), 1);
        assert_eq!(rows[0]["status"], "ok");
        assert_eq!(rows[0]["answered"], true);
        assert_eq!(rows[0]["mac"], mac.as_str());
    }

    let watch = Watch::start(&[]);
    watch.listening();
    // The LAN takes the tenant's address: the peer gets it (without duplicate address
    // detection, as a misconfigured device would) and announces it with a gratuitous ARP.
    let lan = peer_mac(&env);
    sh_ok("ip", &["-n", env.netns(), "addr", "add", &format!("{ip}/26"), "dev", env.peer(), "nodad"]);
    // arping sends at once and then waits its interval before it exits: the second is
    // counted from its start, not from its end.
    let sent = Instant::now();
    let mut arping = Command::new("ip")
        .args(["netns", "exec", env.netns(), "arping", "-U", "-c", "1", "-I", env.peer(), "-s", &ip, &ip])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let line = watch.out.recv_timeout(Duration::from_secs(1)).expect("check --watch prints the conflict within 1 s");
    let took = sent.elapsed();
    assert!(arping.wait().unwrap().success());
    // `2026-12-07T06:19:21.123Z  conflict  NAME  IP  gratuitous ARP from MAC on PARENT; ...`
    let (time, rest) = line.split_once("  ").unwrap();
    assert!(time.len() == 24 && time.ends_with('Z') && time.as_bytes()[10] == b'T', "{line}");
    assert_eq!(rest, format!("conflict  {name}  {ip}  gratuitous ARP from {lan} on {}; the tenant's MAC is {mac}", env.parent()));
    println!("check --watch printed the conflict {took:?} after the gratuitous ARP");
    // SIGTERM ends it with exit 0.
    sh_ok("kill", &["-TERM", &watch.pid()]);
    let mut watch = watch;
    let status = watch.child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "SIGTERM ends check --watch cleanly");

    // The device still holds the address: check asks, both answer.
    let bad = env.lanctl().args(["check"]).output().unwrap();
    let stdout = lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains(&format!("  conflict  also claimed by {lan}; the tenant answered too\n")), "{stdout}");
    assert_eq!(
        lossy(&bad.stderr),
        format!(
            "lanctl: check: 1 of 1 tenants have a problem: {name} conflict; see DETAIL (or `others` with \
             --json); `lanctl check --watch` shows who claims it as it happens\n"
        )
    );
    let json = env.lanctl().args(["--json", "check"]).output().unwrap();
    assert_eq!(json.status.code(), Some(1));
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_documented("lanctl check", &rows);
    assert_eq!(rows[0]["status"], "conflict");
    assert_eq!(rows[0]["others"][0]["mac"], lan.as_str());
    assert_eq!(rows[0]["others"][0]["tenant"], serde_json::Value::Null);
    let err: serde_json::Value = serde_json::from_slice(&json.stderr).unwrap();
    assert_eq!(err["exit"], 1);

    // arpwatch on the LAN saw the same: the tenant's address moved from its MAC to the
    // device's.
    let report = arpwatch.wait_for(&ip, &lan);
    assert!(report.contains(&mac), "arpwatch names the tenant's MAC too: {report}");
    println!("arpwatch: {report}");
}

/// arpwatch (Debian's) in the env's LAN namespace on the peer, in debug mode: reports go
/// to stderr instead of mail, and it stays in the foreground.
struct Arpwatch {
    child: Child,
    dir: tempfile::TempDir,
}

const ARPWATCH: &str = "/usr/sbin/arpwatch";

impl Arpwatch {
    fn start(env: &RealEnv) -> Arpwatch {
        assert!(
            std::path::Path::new(ARPWATCH).exists(),
            "{ARPWATCH} is missing: install Debian's arpwatch (scripts/test.sh does)"
        );
        let dir = tempfile::Builder::new().prefix("lanctl-arpwatch").tempdir().unwrap();
        let data = dir.path().join("arp.dat");
        std::fs::write(&data, "").unwrap();
        let log = std::fs::File::create(dir.path().join("log")).unwrap();
        let child = Command::new("ip")
            // Its reports go to stdout, block-buffered: stdbuf makes each reach the log at once.
            .args(["netns", "exec", env.netns(), "stdbuf", "-oL", ARPWATCH, "-d", "-N", "-p", "-i", env.peer()])
            .arg("-f")
            .arg(&data)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        // It says nothing once its pcap is open: a second is ample here.
        std::thread::sleep(Duration::from_secs(1));
        Arpwatch { child, dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// Waits up to 5 s for arpwatch's report that `ip` changed to `mac`; returns it.
    fn wait_for(&self, ip: &str, mac: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let log = self.log();
            let said = ["changed ethernet address", "flip flop"].iter().any(|w| log.contains(&format!("Subject: {w} ({ip})")));
            if said && log.contains(&format!("ethernet address: {mac}")) {
                return log;
            }
            assert!(Instant::now() < deadline, "arpwatch reported no change of {ip} to {mac}: {log}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Arpwatch {
    fn drop(&mut self) {
        // `ip netns exec` and stdbuf exec arpwatch itself: the child is arpwatch.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn the_observer_leaves_nothing_behind_after_sigterm_or_kill_9() {
    let env = RealEnv::new();
    let (_, _, tenant_mac) = one_tenant(&env);
    let namespaces = sh_ok("ip", &["netns", "list"]);
    for signal in ["-TERM", "-KILL"] {
        let mut watch = Watch::start(&[]);
        let mac = watch.listening();
        assert_ne!(mac, tenant_mac);
        assert!(parent_holds(&env, &mac), "the observer {mac} is a child of {} while it runs", env.parent());
        // Its namespace is not the host's, and has no name.
        let own = std::fs::read_link("/proc/self/ns/net").unwrap();
        let tasks = std::fs::read_dir(format!("/proc/{}/task", watch.pid())).unwrap();
        let theirs: Vec<_> = tasks.filter_map(|t| std::fs::read_link(t.unwrap().path().join("ns/net")).ok()).collect();
        assert!(theirs.iter().all(|n| *n == own), "no thread stays in the observer's namespace: {theirs:?}");
        sh_ok("kill", &[signal, &watch.pid()]);
        let status = watch.child.wait().unwrap();
        if signal == "-TERM" {
            assert_eq!(status.code(), Some(0), "{signal}");
        }
        assert_observer_gone(&env, &mac);
        assert_eq!(sh_ok("ip", &["netns", "list"]), namespaces, "{signal}: no namespace left");
    }
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn the_observer_sends_nothing_but_arp_probes() {
    let env = RealEnv::new();
    let (_, _, tenant_mac) = one_tenant(&env);
    let dir = tempfile::tempdir().unwrap();
    let pcap = dir.path().join("lan.txt");
    let out = std::fs::File::create(&pcap).unwrap();
    let mut tcpdump = Command::new("ip")
        .args(["netns", "exec", env.netns(), "tcpdump", "-l", "-n", "-e", "-i", env.peer()])
        .stdout(out)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(tcpdump.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap(); // "listening on ..."
    let check = env.lanctl().args(["-v", "check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", lossy(&check.stderr));
    std::thread::sleep(Duration::from_millis(300));
    let _ = tcpdump.kill();
    let _ = tcpdump.wait();
    let stderr = lossy(&check.stderr);
    let mac = stderr.split("observer on ").nth(1).and_then(|s| s.split(['(', ')']).nth(1)).expect(&stderr).to_string();
    let seen = std::fs::read_to_string(&pcap).unwrap();
    let from_observer: Vec<&str> = seen.lines().filter(|l| l.contains(&format!("{mac} >"))).collect();
    assert_eq!(from_observer.len(), 3, "3 probes and nothing else from the observer {mac}:\n{seen}");
    for l in &from_observer {
        assert!(l.contains(&format!("Request who-has {} tell 0.0.0.0", env.host(20))), "{l}");
    }
    // The tenant answered the observer, not the LAN: its reply never reached the wire.
    assert!(!seen.lines().any(|l| l.contains(&format!("{tenant_mac} >")) && l.contains("Reply")), "{seen}");
}

/// The LAN's DHCP server hands out an address of a reserved range (the misconfiguration
/// lanctl's range is only as good as): `check --watch` of a network with no tenant yet
/// prints the server's offer, the client's request and the server's ack, one line each,
/// as the exchange happens. The client is busybox's udhcpc on a macvlan sibling of the
/// observer, in a namespace of the test's; the server is dnsmasq on the LAN side.
#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn check_watch_hears_a_dhcp_server_hand_out_a_reserved_address() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    // Hosts 20-24 are inside the reserved range (16-47). No ping before the offer, so
    // the exchange takes milliseconds, not dnsmasq's 3 s.
    let server = Dnsmasq::start_with(&env, 20, 24, &["--no-ping"]);
    let (ns, link) = (env.link_name("c"), env.link_name("m"));
    env.track_netns(&ns);
    env.track_link(&link);
    sh_ok("ip", &["netns", "add", &ns]);
    sh_ok("ip", &["link", "add", &link, "link", env.parent(), "type", "macvlan", "mode", "bridge"]);
    sh_ok("ip", &["link", "set", &link, "netns", &ns]);
    sh_ok("ip", &["-n", &ns, "link", "set", &link, "up"]);
    let shown: serde_json::Value = serde_json::from_str(&sh_ok("ip", &["-n", &ns, "-j", "link", "show", "dev", &link])).unwrap();
    let client_mac = shown[0]["address"].as_str().unwrap().to_string();

    let watch = Watch::start(&["--json"]);
    watch.listening();
    let (address, range) = (env.host(20), env.range());
    let udhcpc = Command::new("ip")
        .args(["netns", "exec", &ns, "busybox", "udhcpc", "-i", &link, "-f", "-q", "-n", "-B"])
        .args(["-t", "3", "-T", "1", "-s", "/bin/true", "-r", &address])
        .output()
        .unwrap();
    assert!(udhcpc.status.success(), "udhcpc: {}{}\n{}", lossy(&udhcpc.stdout), lossy(&udhcpc.stderr), server.log());
    let mut events = Vec::new();
    for said in ["offer", "request", "ack"] {
        let line = watch.out.recv_timeout(Duration::from_secs(2)).unwrap_or_else(|_| panic!("no {said} line: {events:?}"));
        let mut e: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_documented("lanctl check --watch DHCP", &e);
        let time = e.as_object_mut().unwrap().remove("time").unwrap();
        assert!(time.as_str().is_some_and(|t| t.len() == 24 && t.ends_with('Z')), "{line}");
        assert_eq!(
            e,
            serde_json::json!({
                "event": "dhcp", "network": net, "address": address, "dhcp": said, "server": env.host(2),
                "client_mac": client_mac, "range": range, "tenant": null, "parent": env.parent(),
            }),
            "{line}"
        );
        events.push(line);
    }
    assert!(watch.out.recv_timeout(Duration::from_millis(500)).is_err(), "one line per message: {events:?}");
    sh_ok("kill", &["-TERM", &watch.pid()]);
    let mut watch = watch;
    assert_eq!(watch.child.wait().unwrap().code(), Some(0), "SIGTERM ends check --watch cleanly");
}

/// `check` of `name` under the boot-file root `root`: (exit code, stdout, stderr).
fn check_under(env: &RealEnv, root: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = env.lanctl().env("LANCTL_CONFIG_ROOT", root).arg("check").args(args).output().unwrap();
    (out.status.code(), lossy(&out.stdout), lossy(&out.stderr))
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn check_tries_each_tenant_s_readiness_check_and_finds_a_shim_its_boot_files_want() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let (t1, t2) = (env.name("t1"), env.name("t2"));
    env.track_container(&t1);
    env.track_container(&t2);
    // t1 serves port 80 on its LAN address; t2 listens on the loopback only, and `--wait 0`
    // lets `up` leave it at that: check must find it not ready.
    env.lanctl()
        .args(["up", &t1, "--net", &net, "--image", IMAGE, "--pull", "never", "--ip", &env.host(20), "--ready", "tcp:80"])
        .assert()
        .success();
    env.lanctl()
        .args(["up", &t2, "--net", &net, "--image", SHELL, "--pull", "never", "--ip", &env.host(21), "--ready", "tcp:8080"])
        .args(["--wait", "0", "--", "exec httpd -f -p 127.0.0.1:8080 -h /"])
        .assert()
        .success();
    let root = tempfile::tempdir().unwrap();

    let (code, stdout, stderr) = check_under(&env, root.path(), &[&net]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[1].starts_with(&format!("{t1} ")) && lines[1].ends_with("  ok         answered by its own MAC alone"),
        "{stdout}"
    );
    assert!(
        lines[2].starts_with(&format!("{t2} "))
            && lines[2].ends_with("  not-ready  answered by its own MAC alone; tcp:8080 fails: port 8080 refused the connection"),
        "{stdout}"
    );
    assert_eq!(
        stderr,
        format!("lanctl: check: 1 of 2 tenants have a problem: {t2} not-ready; see DETAIL (or `detail` with --json)\n")
    );
    let json = env.lanctl().env("LANCTL_CONFIG_ROOT", root.path()).args(["--json", "check", &net]).output().unwrap();
    assert_eq!(json.status.code(), Some(1));
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_documented("lanctl check", &rows);
    assert_eq!(rows[0]["status"], "ok");
    assert_eq!(rows[0]["ready"], serde_json::json!({"check": "tcp:80", "status": "ready", "detail": ""}));
    assert_eq!(rows[1]["status"], "not-ready");
    assert_eq!(
        rows[1]["ready"],
        serde_json::json!({"check": "tcp:8080", "status": "failing", "detail": "port 8080 refused the connection"})
    );
    assert_eq!(rows[1]["detail"], "answered by its own MAC alone; tcp:8080 fails: port 8080 refused the connection");

    // Boot files for a shim that is not there: the host cannot reach the tenants.
    let shim = env.link_name("s");
    env.track_link(&shim);
    let address = env.host(61);
    let persist = ["host-access", &net, "--ifname", &shim, "--address", &address];
    env.lanctl()
        .env("LANCTL_CONFIG_ROOT", root.path())
        .args(persist)
        .args(["--persist", "ifupdown", "--write"])
        .assert()
        .success();
    let boot = root.path().join(format!("etc/network/interfaces.d/lanctl-{shim}"));
    assert!(boot.exists(), "{}", boot.display());
    let (code, stdout, stderr) = check_under(&env, root.path(), &[&t1]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    let last = stdout.lines().last().unwrap().to_string();
    let how = format!("`lanctl host-access {net} --ifname {shim} --address {address}`");
    assert_eq!(last.split_whitespace().take(5).collect::<Vec<_>>(), [shim.as_str(), &net, "-", "-", "no-shim"], "{stdout}");
    assert!(
        last.ends_with(&format!(
            "  no-shim  shim {shim} is missing, though its boot files ({}) bring it back at boot: the host cannot reach \
             {net}'s tenants; bring it back with {how}",
            boot.display()
        )),
        "{stdout}"
    );
    assert_eq!(stderr, format!("lanctl: check: network {net}: no-shim {shim}; see DETAIL (or `detail` with --json)\n"));

    // The shim made: all is well. Down: a problem again.
    env.lanctl().args(persist).assert().success();
    let (code, stdout, stderr) = check_under(&env, root.path(), &[&t1]);
    assert_eq!((code, stdout.lines().count(), stderr.as_str()), (Some(0), 2, ""), "{stdout}");
    // One of its range's two routes gone (hosts 16-47 are two /28s): the host sends to
    // those tenants by its default route.
    let lost = format!("{}/28", env.host(32));
    sh_ok("ip", &["route", "del", &lost, "dev", &shim]);
    let (code, stdout, _) = check_under(&env, root.path(), &[&t1]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.ends_with(&format!(
            "  no-shim  shim {shim} has lost its route to {lost}: the host cannot reach those tenants; bring it back \
             with {how}\n"
        )),
        "{stdout}"
    );
    env.lanctl().args(persist).assert().success();
    let (code, stdout, _) = check_under(&env, root.path(), &[&t1]);
    assert_eq!(code, Some(0), "the hint's command brings the route back: {stdout}");
    sh_ok("ip", &["link", "set", "dev", &shim, "down"]);
    let (code, stdout, _) = check_under(&env, root.path(), &[&t1]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.ends_with(&format!(
            "  no-shim  shim {shim} is down: the host cannot reach {net}'s tenants; bring it back with {how}\n"
        )),
        "{stdout}"
    );
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn check_dhcp_finds_a_server_that_offers_a_tenant_s_address() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let (_, name, _) = one_tenant_on(&env, &net);
    let ip = env.host(20);
    // No server yet: nothing is found, and the silence is said, for it is no all-clear.
    let quiet = env.lanctl().args(["check", "--dhcp", &net]).output().unwrap();
    assert_eq!(
        (quiet.status.code(), lossy(&quiet.stderr)),
        (
            Some(0),
            format!(
                "lanctl: warning: check --dhcp: no DHCP server answered 32 discovers on {0} in 4 s; if the LAN has a DHCP \
                 server, check that it serves {0} (its VLAN, a DHCP relay)\n",
                env.parent()
            )
        ),
        "{}",
        lossy(&quiet.stdout)
    );
    // The server's pool is the tenant's address alone; no ping first, so it offers it.
    let server = Dnsmasq::start_with(&env, 20, 20, &["--no-ping"]);
    let plain = env.lanctl().args(["check", &net]).output().unwrap();
    assert_eq!(plain.status.code(), Some(0), "without --dhcp nothing is asked of DHCP: {}", lossy(&plain.stdout));

    let out = env.lanctl().args(["check", "--dhcp", &net]).output().unwrap();
    let (stdout, stderr) = (lossy(&out.stdout), lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}\n{}", server.log());
    let last = stdout.lines().last().unwrap();
    assert_eq!(last.split_whitespace().take(5).collect::<Vec<_>>(), [name.as_str(), &net, &ip, "-", "dhcp"], "{stdout}");
    assert!(
        last.ends_with(&format!(
            "  dhcp    DHCP server {} offers it on {}, inside {net}'s reserved range {}; tenant {name} holds it: take the \
             range out of the server's pool",
            env.host(2),
            env.parent(),
            env.range()
        )),
        "{stdout}"
    );
    assert_eq!(stderr, format!("lanctl: check: network {net}: dhcp {ip}; see DETAIL (or `detail` with --json)\n"));
    let json = env.lanctl().args(["--json", "check", "--dhcp", &net]).output().unwrap();
    assert_eq!(json.status.code(), Some(1));
    let rows: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_documented("lanctl check", &rows);
    assert_eq!(
        (rows[1]["status"].as_str(), rows[1]["address"].as_str(), rows[1]["mac"].as_str()),
        (Some("dhcp"), Some(ip.as_str()), Some(""))
    );
}

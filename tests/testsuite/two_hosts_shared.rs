//! One network shared by two real Docker hosts reached over ssh
//! (tests/testsuite/common/twohost.rs: `TwoHosts`), as issue 11 ("Past one host") asks: `net create --hosts` with one
//! reservation split into disjoint slices, its dry run run by bash, an overlapping slice
//! refused, tenants placed on both hosts, `ls`/`net ls --all-hosts`, a LAN client that
//! reaches both, and the same over a swarm of the two engines. One pair per test: each
//! test runs its scenarios in order, each leaving the hosts as the next one expects.

use std::collections::BTreeSet;
use std::process::Stdio;

use crate::common::*;
use serde_json::Value;

/// The reservation both hosts share: hosts 16-47 of the slot, 32 addresses.
fn reservation(th: &TwoHosts) -> String {
    format!("{}-{}", th.env().host(16), th.env().host(47))
}

/// `net create NET --hosts h1,h2 --parent lan0` on the reservation, then `more`.
fn create_args(th: &TwoHosts, net: &str, hosts: [&Host; 2], more: &[String]) -> Vec<String> {
    let hosts = format!("{},{}", hosts[0].context, hosts[1].context);
    let args = ["net", "create", net, "--driver", "macvlan", "--parent", Host::PARENT, "--hosts", &hosts];
    let mut v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    v.extend(["--subnet".into(), th.env().subnet(), "--gateway".into(), th.env().gateway()]);
    v.extend(["--ip-range".into(), reservation(th)]);
    v.extend(more.iter().cloned());
    v
}

/// What `net create --hosts` says on a real run: each host's "created" line (after the
/// checks' warnings about the host, if any, which name it too).
fn assert_created(th: &TwoHosts, stderr: &str, net: &str, slices: [&str; 2], what: &str) {
    let created: Vec<&str> = stderr.lines().filter(|l| !l.contains(": warning: ")).collect();
    let want: Vec<String> = th
        .hosts()
        .iter()
        .zip(slices)
        .map(|(h, s)| format!("lanctl: host {}: {what} {net}{} (slice {s} of {})", h.context, on_parent(what), reservation(th)))
        .collect();
    assert_eq!(created, want, "{stderr}");
    for l in stderr.lines().filter(|l| l.contains(": warning: ")) {
        assert!(th.hosts().iter().any(|h| l.starts_with(&format!("lanctl: host {}: warning: ", h.context))), "{stderr}");
    }
}

fn on_parent(what: &str) -> String {
    if what.starts_with("created macvlan") {
        format!(" on {}", Host::PARENT)
    } else {
        String::new()
    }
}

/// `docker network inspect` of `net` on host `h`, through its socket (not lanctl's way).
fn inspect_net(h: &Host, net: &str) -> Option<Value> {
    let out = sh("docker", &["-H", &h.socket, "network", "inspect", "--", net]);
    if !out.status.success() {
        return None;
    }
    let v: Vec<Value> = serde_json::from_slice(&out.stdout).expect("network inspect");
    v.into_iter().next()
}

/// A network's inspect without what differs between two creations of the same network.
fn comparable(mut v: Value) -> Value {
    for k in ["Id", "Created"] {
        v.as_object_mut().unwrap().remove(k);
    }
    v
}

/// The names of the networks on host `h`, sorted.
fn networks(h: &Host) -> Vec<String> {
    let out = sh_ok("docker", &["-H", &h.socket, "network", "ls", "--format", "{{.Name}}"]);
    let mut v: Vec<String> = out.lines().map(String::from).collect();
    v.sort();
    v
}

/// The names of the containers on host `h`, sorted.
fn containers(h: &Host) -> Vec<String> {
    let out = sh_ok("docker", &["-H", &h.socket, "ps", "-a", "--format", "{{.Names}}"]);
    let mut v: Vec<String> = out.lines().map(String::from).collect();
    v.sort();
    v
}

/// Checks `net` on both hosts: its own slice, the reservation, the parent.
fn assert_slices(th: &TwoHosts, net: &str, slices: [&str; 2]) {
    for (h, slice) in th.hosts().iter().zip(slices) {
        let v = inspect_net(h, net).unwrap_or_else(|| panic!("no {net} on {}", h.context));
        assert_eq!(v["Driver"], "macvlan");
        assert_eq!(v["Options"]["parent"], Host::PARENT);
        assert_eq!(v["IPAM"]["Config"][0]["Subnet"], th.env().subnet());
        assert_eq!(v["Labels"]["io.lanctl.managed"], "true");
        assert_eq!(v["Labels"]["io.lanctl.range"], slice, "{}'s slice", h.context);
        assert_eq!(v["Labels"]["io.lanctl.reservation"], reservation(th));
    }
}

fn net_rm_both(th: &TwoHosts, net: &str) {
    for h in th.hosts() {
        let out = th.lanctl().args(["--host", &h.context, "net", "rm", net]).output().unwrap();
        assert!(out.status.success(), "net rm on {}: {}", h.context, lossy(&out.stderr));
        assert_eq!(lossy(&out.stderr), format!("lanctl: removed network {net}\n"));
    }
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn one_reservation_shared_by_two_real_hosts() {
    let th = TwoHosts::new();
    let t0 = std::time::Instant::now();
    let net = th.env().name("net");
    timed("slices", || explicit_slices_then_even_split(&th, &net));
    timed("dry run", || dry_run_run_by_bash_builds_the_same_networks(&th, &net));
    timed("overlap", || an_overlapping_slice_is_refused(&th, &net));
    let tenants = timed("tenants", || tenants_on_both_hosts(&th, &net));
    timed("all hosts", || ls_all_hosts_lists_both(&th, &net, &tenants));
    timed("lan client", || lan_client_reaches_both(&th, &tenants));
    timed("teardown", || teardown_leaves_nothing(&th, &net, &tenants));
    say(&format!(
        "two_hosts_shared: pair up in {:.1} s, shared-network scenarios in {:.1} s",
        th.startup().as_secs_f64(),
        t0.elapsed().as_secs_f64()
    ));
}

/// Runs one scenario and says how long it took.
fn timed<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let t0 = std::time::Instant::now();
    let v = f();
    say(&format!("two_hosts_shared: {what}: {:.1} s", t0.elapsed().as_secs_f64()));
    v
}

/// Straight to stderr: CI should show what the pair costs.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn explicit_slices_then_even_split(th: &TwoHosts, net: &str) {
    let (h1, h2) = (th.h1(), th.h2());
    let e = th.env();
    // Uneven and with a gap: each host gets exactly what it was given.
    let slices = [format!("{}-{}", e.host(16), e.host(23)), format!("{}-{}", e.host(40), e.host(47))];
    let more = [
        "--slice".to_string(),
        format!("{}={}", h2.context, slices[1]),
        "--slice".to_string(),
        format!("{}={}", h1.context, slices[0]),
    ];
    let out = th.lanctl().args(create_args(th, net, [h1, h2], &more)).output().unwrap();
    assert!(out.status.success(), "net create --slice: {}", lossy(&out.stderr));
    assert_created(th, &lossy(&out.stderr), net, [&slices[0], &slices[1]], "created macvlan network");
    assert_slices(th, net, [&slices[0], &slices[1]]);
    net_rm_both(th, net);

    // The even split, in the order of --hosts: 16 addresses each.
    let out = th.lanctl().args(create_args(th, net, [h1, h2], &[])).output().unwrap();
    assert!(out.status.success(), "net create: {}", lossy(&out.stderr));
    assert_created(th, &lossy(&out.stderr), net, [&th.range(0), &th.range(1)], "created macvlan network");
    assert_slices(th, net, [&th.range(0), &th.range(1)]);
    assert!(!sh("docker", &["network", "inspect", "--", net]).status.success(), "{net} exists on this machine's engine");

    // The same command again finds both as asked.
    let out = th.lanctl().args(create_args(th, net, [h1, h2], &[])).output().unwrap();
    assert!(out.status.success(), "net create again: {}", lossy(&out.stderr));
    assert_eq!(
        lossy(&out.stderr),
        format!(
            "lanctl: host {}: network {net} already exists with this spec; nothing to do\n\
             lanctl: host {}: network {net} already exists with this spec; nothing to do\n",
            h1.context, h2.context
        )
    );
}

fn dry_run_run_by_bash_builds_the_same_networks(th: &TwoHosts, net: &str) {
    let real: Vec<Value> = th.hosts().iter().map(|h| comparable(inspect_net(h, net).unwrap())).collect();
    net_rm_both(th, net);
    let dry = th.lanctl().arg("--dry-run").args(create_args(th, net, [th.h1(), th.h2()], &[])).output().unwrap();
    assert!(dry.status.success(), "dry run: {}", lossy(&dry.stderr));
    let script = lossy(&dry.stdout);
    let lines: Vec<&str> = script.lines().collect();
    assert_eq!(lines.len(), 2, "{script}");
    for (l, h) in lines.iter().zip(th.hosts()) {
        assert!(l.starts_with(&format!("docker --context {} network create ", h.context)), "{script}");
    }
    for h in th.hosts() {
        assert!(inspect_net(h, net).is_none(), "the dry run created {net} on {}", h.context);
    }
    let ran = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .envs(th.lanctl().get_envs().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(ran.status.success(), "bash ran {script}: {}", lossy(&ran.stderr));
    let built: Vec<Value> = th.hosts().iter().map(|h| comparable(inspect_net(h, net).unwrap())).collect();
    assert_eq!(built, real);
}

/// Another network whose even split gives each host the addresses the other's network
/// hands out (the hosts named the other way round): refused before anything is made on
/// either host, naming the first conflict in the order of --hosts.
fn an_overlapping_slice_is_refused(th: &TwoHosts, net: &str) {
    let (h1, h2) = (th.h1(), th.h2());
    let other = th.env().name("ovl");
    let before: Vec<Vec<String>> = th.hosts().iter().map(networks).collect();
    let out = th.lanctl().args(create_args(th, &other, [h2, h1], &[])).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", lossy(&out.stderr));
    assert_eq!(
        lossy(&out.stderr),
        format!(
            "lanctl: slice {r1} for host {h1} overlaps network {net} on host {h2} (range {r1}); give host {h1} a slice \
             outside it (--slice {h1}=START-END, or its \"slices\" in a fleet file), or remove that network\n",
            r1 = th.range(1),
            h1 = h1.context,
            h2 = h2.context,
        )
    );
    assert_eq!(lossy(&out.stdout), "");
    let after: Vec<Vec<String>> = th.hosts().iter().map(networks).collect();
    assert_eq!(after, before, "the refused create changed a host");

    // An explicit slice that overlaps h2's network on the other host: the same.
    let e = th.env();
    let more = ["--slice".to_string(), format!("{}={}-{}", h1.context, e.host(44), e.host(47))];
    let more = [more.to_vec(), vec!["--slice".to_string(), format!("{}={}-{}", h2.context, e.host(16), e.host(19))]].concat();
    let out = th.lanctl().args(create_args(th, &other, [h1, h2], &more)).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", lossy(&out.stderr));
    let said = lossy(&out.stderr);
    assert_eq!(said.lines().count(), 1, "{said}");
    assert!(
        said.starts_with(&format!(
            "lanctl: slice {}-{} for host {} overlaps network {net} on host {} (range {}); ",
            e.host(16),
            e.host(19),
            h2.context,
            h1.context,
            th.range(0)
        )),
        "{said}"
    );
    let after: Vec<Vec<String>> = th.hosts().iter().map(networks).collect();
    assert_eq!(after, before, "the refused create changed a host");
}

/// A tenant: its name, the host it runs on (0 or 1), its address.
struct Tenant {
    name: String,
    host: usize,
    ip: String,
}

/// `lanctl [--host H] up NAME --net NET [--hosts h1,h2]`: stdout and stderr.
fn up(th: &TwoHosts, name: &str, net: &str, host: Option<&Host>, hosts: bool) -> std::process::Output {
    let mut c = th.lanctl();
    if let Some(h) = host {
        c.args(["--host", &h.context]);
    }
    c.args(["up", name, "--net", net, "--image", IMAGE, "--pull", "never", "--wait", "1", "--ip-env", "LOCAL_IP"]);
    if hosts {
        c.args(["--hosts", &format!("{},{}", th.h1().context, th.h2().context)]);
    }
    c.output().unwrap()
}

/// One `up`: the name's suffix, `--host` (a host's index), whether with `--hosts`, the
/// host it lands on, its address (host N of the slot), and why it lands there.
type Step<'a> = (&'a str, Option<usize>, bool, usize, u32, String);

fn tenants_on_both_hosts(th: &TwoHosts, net: &str) -> Vec<Tenant> {
    let e = th.env();
    let both = format!("{},{}", th.h1().context, th.h2().context);
    let ctx = |i: usize| th.hosts()[i].context.clone();
    // Most free first, the first of --hosts on a tie; --host places; a plain --host up is
    // that host's alone.
    let most = |free: u32| format!("{free} free addresses on {net}, the most of --hosts {both}");
    let steps: [Step; 5] = [
        ("a", None, true, 0, 16, most(16)),
        ("b", None, true, 1, 32, most(16)),
        ("c", None, true, 0, 17, most(15)),
        ("d", Some(1), true, 1, 33, "--host".to_string()),
        ("e", Some(1), false, 1, 34, String::new()),
    ];
    let mut tenants = Vec::new();
    for (suffix, on, hosts, lands, n, why) in steps {
        let name = e.name(suffix);
        let out = up(th, &name, net, on.map(|i| &th.hosts()[i]), hosts);
        let err = lossy(&out.stderr);
        assert!(out.status.success(), "up {name}: {err}");
        let ip = e.host(n);
        assert_eq!(lossy(&out.stdout), format!("{name} {ip}\n"), "{err}");
        if hosts {
            let placing = format!("lanctl: host {}: placing {name} here: {why}", ctx(lands));
            assert_eq!(err.lines().next(), Some(placing.as_str()), "{err}");
        } else {
            assert!(!err.contains("placing"), "{err}");
        }
        tenants.push(Tenant { name, host: lands, ip });
    }
    // The same `up` again keeps the tenant where it is and changes nothing.
    let a = &tenants[0];
    let id = |h: &Host| sh_ok("docker", &["-H", &h.socket, "inspect", "--format", "{{.Id}}", &a.name]);
    let before = id(th.h1());
    let out = up(th, &a.name, net, None, true);
    assert!(out.status.success(), "up {} again: {}", a.name, lossy(&out.stderr));
    assert_eq!(lossy(&out.stdout), format!("{} {}\n", a.name, a.ip));
    assert_eq!(id(th.h1()), before, "the same up made {} anew", a.name);
    let placing = format!("lanctl: host {}: placing {} here: {} is there already", ctx(0), a.name, a.name);
    assert_eq!(lossy(&out.stderr).lines().next(), Some(placing.as_str()));
    // A name that lives on h1 is not started on h2 too.
    let out = up(th, &a.name, net, Some(th.h2()), true);
    assert_eq!(out.status.code(), Some(2), "{}", lossy(&out.stderr));
    assert_eq!(
        lossy(&out.stderr),
        format!(
            "lanctl: tenant {t} of network {net} is on host {h1}, and a tenant name lives on one host of a network, so it \
             cannot also be on host {h2}; place it with --host {h1}, or give it another name\n",
            t = a.name,
            h1 = ctx(0),
            h2 = ctx(1)
        )
    );
    // Each host holds its own tenants, each at an address of that host's slice.
    for (i, h) in th.hosts().iter().enumerate() {
        let mine: Vec<String> = tenants.iter().filter(|t| t.host == i).map(|t| t.name.clone()).collect();
        assert_eq!(containers(h), mine, "containers on {}", h.context);
        let slice = th.range(i);
        let (lo, hi) = slice.split_once('-').unwrap();
        let (lo, hi): (std::net::Ipv4Addr, std::net::Ipv4Addr) = (lo.parse().unwrap(), hi.parse().unwrap());
        for t in tenants.iter().filter(|t| t.host == i) {
            let ip = sh_ok(
                "docker",
                &[
                    "-H",
                    &h.socket,
                    "inspect",
                    "--format",
                    &format!("{{{{(index .NetworkSettings.Networks \"{net}\").IPAddress}}}}"),
                    &t.name,
                ],
            );
            assert_eq!(ip.trim(), t.ip);
            let ip: std::net::Ipv4Addr = t.ip.parse().unwrap();
            assert!(lo <= ip && ip <= hi, "{} at {ip} is outside {}'s slice {slice}", t.name, h.context);
        }
    }
    tenants
}

/// `--all-hosts` asks every docker context, `default` (this machine's engine, which may
/// hold other things) too: the rows of the pair's hosts are checked exactly, and none of
/// the pair's names may show under another host.
fn ls_all_hosts_lists_both(th: &TwoHosts, net: &str, tenants: &[Tenant]) {
    let ours: BTreeSet<String> = th.hosts().iter().map(|h| h.context.clone()).collect();
    let out = th.lanctl().args(["--json", "ls", "--all-hosts"]).output().unwrap();
    assert!(out.status.success(), "ls --all-hosts: {}", lossy(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("ls --all-hosts --json");
    let s = |r: &Value, k: &str| r[k].as_str().unwrap_or_default().to_string();
    let got: Vec<[String; 5]> = rows
        .iter()
        .filter(|r| ours.contains(&s(r, "host")))
        .map(|r| [s(r, "host"), s(r, "name"), s(r, "network"), s(r, "address"), s(r, "state")])
        .collect();
    let mut want: Vec<[String; 5]> = tenants
        .iter()
        .map(|t| [th.hosts()[t.host].context.clone(), t.name.clone(), net.to_string(), t.ip.clone(), "running".to_string()])
        .collect();
    // In the order of `docker context ls` (h1 before h2), then by name.
    want.sort();
    assert_eq!(got, want);
    let names: BTreeSet<&str> = tenants.iter().map(|t| t.name.as_str()).collect();
    for r in rows.iter().filter(|r| !ours.contains(&s(r, "host"))) {
        assert!(!names.contains(s(r, "name").as_str()), "{r} lists a tenant of the pair");
        assert_eq!(s(r, "host"), "default", "a host the pair does not know: {r}");
    }

    // The table: a HOST column first, the same rows.
    let out = th.lanctl().args(["ls", "--all-hosts"]).output().unwrap();
    assert!(out.status.success(), "ls --all-hosts: {}", lossy(&out.stderr));
    let table = lossy(&out.stdout);
    let mut lines = table.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
    assert_eq!(header[..5], ["HOST", "NAME", "NETWORK", "ADDRESS", "STATE"], "{table}");
    let got: Vec<[String; 5]> = lines
        .map(|l| l.split_whitespace().map(String::from).collect::<Vec<_>>())
        .filter(|f| ours.contains(&f[0]))
        .map(|f| [f[0].clone(), f[1].clone(), f[2].clone(), f[3].clone(), f[4].clone()])
        .collect();
    assert_eq!(got, want, "{table}");

    // The network on both hosts: each its own slice, tenants and free addresses.
    let out = th.lanctl().args(["--json", "net", "ls", "--all-hosts"]).output().unwrap();
    assert!(out.status.success(), "net ls --all-hosts: {}", lossy(&out.stderr));
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).expect("net ls --all-hosts --json");
    let got: Vec<(String, String, String, String, u64, u64)> = rows
        .iter()
        .filter(|r| ours.contains(&s(r, "host")))
        .map(|r| {
            (
                s(r, "host"),
                s(r, "name"),
                s(r, "range"),
                s(r, "reservation"),
                r["tenants"].as_u64().unwrap(),
                r["free"].as_u64().unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, String, String, String, u64, u64)> = th
        .hosts()
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let n = tenants.iter().filter(|t| t.host == i).count() as u64;
            (h.context.clone(), net.to_string(), th.range(i), reservation(th), n, 16 - n)
        })
        .collect();
    assert_eq!(got, want);
    for r in rows.iter().filter(|r| !ours.contains(&s(r, "host"))) {
        assert_ne!(s(r, "name"), net, "{r}");
    }
    let out = th.lanctl().args(["net", "ls", "--all-hosts"]).output().unwrap();
    assert!(out.status.success(), "net ls --all-hosts: {}", lossy(&out.stderr));
    let table = lossy(&out.stdout);
    assert!(table.starts_with("HOST "), "{table}");
    let got: Vec<Vec<String>> = table
        .lines()
        .map(|l| l.split_whitespace().map(String::from).collect::<Vec<_>>())
        .filter(|f| ours.contains(&f[0]))
        .collect();
    let want: Vec<Vec<String>> = want
        .iter()
        .map(|(h, n, r, _, t, f)| {
            [h, n, "macvlan", "bridge", Host::PARENT, &th.env().subnet(), r, &th.env().gateway(), &t.to_string(), &f.to_string()]
                .iter()
                .map(|s| s.to_string())
                .collect()
        })
        .collect();
    assert_eq!(got, want, "{table}");
}

fn lan_client_reaches_both(th: &TwoHosts, tenants: &[Tenant]) {
    for t in tenants {
        let page =
            th.fetch_from_client(&t.ip).unwrap_or_else(|| panic!("the LAN client got no answer from {} at {}", t.name, t.ip));
        assert_eq!(page, format!("LOCAL_IP={}\nEXTERNAL_IP=\nHOSTNAME={}\n", t.ip, t.name));
    }
}

fn teardown_leaves_nothing(th: &TwoHosts, net: &str, tenants: &[Tenant]) {
    for t in tenants {
        th.lanctl().args(["--host", &th.hosts()[t.host].context, "down", &t.name]).assert().success();
    }
    net_rm_both(th, net);
    for h in th.hosts() {
        assert_eq!(containers(h), Vec::<String>::new(), "containers left on {}", h.context);
        assert_eq!(networks(h), ["host", "none"], "networks left on {}", h.context);
    }
}

/// Takes both engines out of their swarm when it goes, also when the test fails first
/// (the pair's own drop then stops the daemons), and removes `docker_gwbridge`, the
/// bridge network an engine makes when it joins a swarm and keeps when it leaves.
struct SwarmGuard<'a>(&'a TwoHosts);

impl Drop for SwarmGuard<'_> {
    fn drop(&mut self) {
        // The worker first: a manager that leaves first leaves the worker without one.
        for h in self.0.hosts().iter().rev() {
            quiet("docker", &["-H", &h.socket, "swarm", "leave", "--force"]);
            quiet("docker", &["-H", &h.socket, "network", "rm", "docker_gwbridge"]);
        }
    }
}

/// `docker -H <h's socket> ARGS`, which must succeed; on failure, the end of the host's
/// dockerd log too (what a swarm lacks is said there).
fn on_daemon(h: &Host, args: &[&str]) -> String {
    let out = sh("docker", &[&["-H", h.socket.as_str()][..], args].concat());
    if !out.status.success() {
        let log = std::fs::read_to_string(h.socket.trim_start_matches("unix://").replace("docker.sock", "dockerd.log"))
            .unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(15).collect::<Vec<_>>().into_iter().rev().collect();
        panic!("docker -H {} {args:?}: {}\ndockerd.log:\n{}", h.socket, lossy(&out.stderr), tail.join("\n"));
    }
    lossy(&out.stdout)
}

/// h1 a manager, h2 a worker: `docker swarm init` on h1's engine, advertising its LAN
/// address, and `docker swarm join` of h2 with the worker token; both ready.
fn make_swarm(th: &TwoHosts) {
    let (h1, h2) = (th.h1(), th.h2());
    on_daemon(h1, &["swarm", "init", "--advertise-addr", &h1.addr, "--listen-addr", &format!("{}:2377", h1.addr)]);
    let token = on_daemon(h1, &["swarm", "join-token", "-q", "worker"]);
    on_daemon(
        h2,
        &[
            "swarm",
            "join",
            "--token",
            token.trim(),
            "--advertise-addr",
            &h2.addr,
            "--listen-addr",
            &format!("{}:2377", h2.addr),
            &format!("{}:2377", h1.addr),
        ],
    );
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let nodes = on_daemon(h1, &["node", "ls", "--format", "{{.Status}} {{.Availability}}"]);
        if nodes.lines().filter(|l| *l == "Ready Active").count() == 2 {
            break;
        }
        assert!(std::time::Instant::now() < until, "the swarm's nodes are not ready: {nodes}");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_swarm_of_two_real_engines() {
    let th = TwoHosts::new();
    let t0 = std::time::Instant::now();
    let swarm = SwarmGuard(&th);
    make_swarm(&th);
    let (h1, h2) = (th.h1(), th.h2());
    let net = th.env().name("sw");
    let part = format!("{net}.lanctl-config");

    let out = th.lanctl().args(create_args(&th, &net, [h1, h2], &["--swarm".to_string()])).output().unwrap();
    let said = lossy(&out.stderr);
    assert!(out.status.success(), "net create --swarm: {said}");
    let made: Vec<&str> = said.lines().filter(|l| !l.contains(": warning: ")).collect();
    let part_line = |h: &Host, i: usize| {
        format!(
            "lanctl: host {}: created the config-only network {part} (parent {}, slice {} of {})",
            h.context,
            Host::PARENT,
            th.range(i),
            reservation(&th)
        )
    };
    assert_eq!(
        made,
        [
            part_line(h1, 0),
            part_line(h2, 1),
            format!(
                "lanctl: host {}: created swarm network {net} from {part}: attachable, each node's tenants take addresses \
                 from its own slice",
                h1.context
            )
        ],
        "{said}"
    );
    for (i, h) in th.hosts().iter().enumerate() {
        let v = inspect_net(h, &part).unwrap_or_else(|| panic!("no {part} on {}", h.context));
        assert_eq!(v["ConfigOnly"], true);
        assert_eq!(v["Options"]["parent"], Host::PARENT);
        assert_eq!(v["Labels"]["io.lanctl.range"], th.range(i));
        assert_eq!(v["Labels"]["io.lanctl.reservation"], reservation(&th));
    }
    let v = inspect_net(h1, &net).expect("the swarm network on the manager");
    assert_eq!((v["Scope"].as_str(), v["ConfigFrom"]["Network"].as_str()), (Some("swarm"), Some(part.as_str())));
    assert_eq!(v["Attachable"], true);

    // A tenant on each node, each from its node's slice, reached from the LAN.
    let mut tenants = Vec::new();
    for (i, h) in th.hosts().iter().enumerate() {
        let name = th.env().name(&format!("s{}", i + 1));
        let out = up(&th, &name, &net, Some(h), false);
        assert!(out.status.success(), "up {name} on {}: {}", h.context, lossy(&out.stderr));
        let ip = th.env().host(16 + 16 * i as u32);
        assert_eq!(lossy(&out.stdout), format!("{name} {ip}\n"));
        tenants.push(Tenant { name, host: i, ip });
    }
    lan_client_reaches_both(&th, &tenants);

    for t in &tenants {
        th.lanctl().args(["--host", &th.hosts()[t.host].context, "down", &t.name]).assert().success();
    }
    // The worker's part first, then the manager's two layers.
    let rm = |h: &Host| {
        let out = th.lanctl().args(["--host", &h.context, "net", "rm", &net]).output().unwrap();
        assert!(out.status.success(), "net rm on {}: {}", h.context, lossy(&out.stderr));
        lossy(&out.stderr)
    };
    assert_eq!(rm(h2), format!("lanctl: removed network {part}\n"));
    assert_eq!(rm(h1), format!("lanctl: removed network {net}\nlanctl: removed network {part}\n"));
    drop(swarm);
    for h in th.hosts() {
        assert_eq!(on_daemon(h, &["info", "--format", "{{.Swarm.LocalNodeState}}"]).trim(), "inactive");
        assert_eq!(containers(h), Vec::<String>::new(), "containers left on {}", h.context);
        assert_eq!(networks(h), ["host", "none"], "networks left on {}", h.context);
    }
    say(&format!(
        "two_hosts_shared: pair up in {:.1} s, swarm scenarios in {:.1} s",
        th.startup().as_secs_f64(),
        t0.elapsed().as_secs_f64()
    ));
}

//! [`RealEnv`]: the world of one real-engine test, and what it needs from the host.

use std::fs;
use std::io::Write;
use std::net::Ipv4Addr;
use std::os::unix::fs::MetadataExt;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use ipnet::Ipv4Net;
use tempfile::TempDir;

use super::held::Held;
use super::hostdeps;
use super::lock::RealLock;
use super::{lossy, quiet, sh, sh_ok, LANCTL, TEST_RANGES, TEST_SLOTS};

pub fn is_root() -> bool {
    fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// The IPv4 routes (all tables, default excepted) overlapping `subnet`, as JSON text.
pub fn overlapping_routes(subnet: &str) -> Vec<String> {
    let net: Ipv4Net = subnet.parse().expect("subnet");
    let json = sh_ok("ip", &["-4", "-j", "route", "show", "table", "all"]);
    let routes: Vec<serde_json::Value> = serde_json::from_str(&json).expect("ip -j route");
    routes
        .into_iter()
        .filter(|r| {
            let dst = r["dst"].as_str().unwrap_or("default");
            let dst = if dst.contains('/') { dst.to_string() } else { format!("{dst}/32") };
            match dst.parse::<Ipv4Net>() {
                Ok(d) => d.contains(&net.network()) || net.contains(&d.network()),
                Err(_) => false, // "default"
            }
        })
        .map(|r| r.to_string())
        .collect()
}

/// Why `subnet` may not be blackholed on this host, if it may not: a host route or address
/// overlaps it, or it holds an address the host depends on (apt sources, resolvers,
/// cargo registries; see [`hostdeps`]).
pub fn subnet_conflicts(subnet: &str) -> Vec<String> {
    let net: Ipv4Net = subnet.parse().expect("subnet");
    let mut found: Vec<String> = overlapping_routes(subnet).into_iter().map(|r| format!("host route {r}")).collect();
    let addrs: Vec<serde_json::Value> = serde_json::from_str(&sh_ok("ip", &["-4", "-j", "addr", "show"])).expect("ip -j addr");
    for a in addrs.iter().flat_map(|l| l["addr_info"].as_array().cloned().unwrap_or_default()) {
        if let Some(ip) = a["local"].as_str().and_then(|s| s.parse::<Ipv4Addr>().ok()).filter(|ip| net.contains(ip)) {
            found.push(format!("host address {ip}"));
        }
    }
    found.extend(conflicting_dependencies(&net, hostdeps::dependencies()));
    found
}

/// The dependencies inside `net`, described.
pub fn conflicting_dependencies(net: &Ipv4Net, deps: &[hostdeps::Dependency]) -> Vec<String> {
    deps.iter()
        .filter(|d| matches!(d.addr, std::net::IpAddr::V4(v4) if net.contains(&v4)))
        .map(|d| format!("{}, the address of {}", d.addr, d.what))
        .collect()
}

/// Panics unless `subnet` can be blackholed without cutting the host off from anything.
pub fn assert_subnet_is_free(subnet: &str) {
    let conflicts = subnet_conflicts(subnet);
    assert!(
        conflicts.is_empty(),
        "test subnet {subnet} is not free on this host: {}; a blackhole over it would cut the host off \
         (if a killed test left a route, run scripts/cleanup-test-leftovers.sh; otherwise change the slots \
         in tests/testsuite/common/mod.rs)",
        conflicts.join("; ")
    );
}

/// Whether a blackhole route for exactly `subnet` exists.
pub fn blackhole_present(subnet: &str) -> bool {
    sh_ok("ip", &["-4", "route", "show", "type", "blackhole"]).lines().any(|l| l.split_whitespace().nth(1) == Some(subnet))
}

/// Containers, docker networks, links and netns whose names start with `prefix`.
pub fn leftovers(prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let lists: [(&str, &str, &[&str]); 4] = [
        ("container", "docker", &["ps", "-a", "--format", "{{.Names}}"]),
        ("network", "docker", &["network", "ls", "--format", "{{.Name}}"]),
        ("link", "ip", &["-o", "link", "show"]),
        ("netns", "ip", &["netns", "list"]),
    ];
    for (kind, prog, args) in lists {
        // Not `sh`: this runs inside Drop and must not panic.
        let out = Command::new(prog).args(args).stdin(Stdio::null()).output();
        for line in out.map(|o| lossy(&o.stdout)).unwrap_or_default().lines() {
            // `ip -o link`: "7: ltab12p@if6: <…"; `ip netns list`: "ltab12n (id: 0)"
            let name = match kind {
                "link" => line.split(": ").nth(1).unwrap_or("").split('@').next().unwrap_or(""),
                _ => line.split_whitespace().next().unwrap_or(""),
            };
            if name.starts_with(prefix) {
                found.push(format!("{kind} {name}"));
            }
        }
    }
    found
}

/// Asks the kernel whether it can make a link of `kind` (e.g. "ipvlan", "macvlan",
/// "vlan") on a veth, inside a throwaway netns so nothing touches the host. Needs root.
pub fn kernel_supports_link_type(kind: &str) -> bool {
    let ns = format!("{}k", unique_tag());
    if !sh("ip", &["netns", "add", &ns]).status.success() {
        return false;
    }
    let extra: &[&str] = match kind {
        "ipvlan" => &["mode", "l2"],
        "macvlan" => &["mode", "bridge"],
        "vlan" => &["id", "10"],
        _ => &[],
    };
    let veth = sh("ip", &["-n", &ns, "link", "add", "ltk0", "type", "veth", "peer", "name", "ltk1"]);
    let mut args = vec!["-n", &ns, "link", "add", "ltk2", "link", "ltk0", "type", kind];
    args.extend_from_slice(extra);
    let ok = veth.status.success() && sh("ip", &args).status.success();
    quiet("ip", &["netns", "del", &ns]);
    ok
}

/// "lt" + 6 hex digits, different per call, process and moment.
pub fn unique_tag() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut h: u64 = 0xcbf29ce484222325; // FNV-1a over pid, counter, time
    for b in format!("{}-{}-{nanos}", std::process::id(), N.fetch_add(1, Ordering::SeqCst)).bytes() {
        h = (h ^ b as u64).wrapping_mul(0x100000001b3);
    }
    format!("lt{:06x}", h & 0xff_ffff)
}

/// A real-engine test's world. Holds the cross-run lock for its lifetime. The parent is
/// one end of a veth pair whose other end sits, up, in a netns of its own: frames leaving
/// the parent reach nothing but that namespace. Each of its subnets (test slots, see
/// tests/testsuite/common/mod.rs) is blackholed on the host with a high metric, so a test
/// may still put an address on the parent. What it holds is recorded (see [`Held`]) before
/// it makes anything, so a run killed halfway is cleaned by scripts/cleanup-test-leftovers.sh.
pub struct RealEnv {
    tag: String,
    subnets: Vec<Ipv4Net>,
    parent: String,
    peer: String,
    netns: String,
    routes: Mutex<Vec<String>>,
    containers: Mutex<Vec<String>>,
    networks: Mutex<Vec<String>>,
    links: Mutex<Vec<String>>,
    namespaces: Mutex<Vec<String>>,
    lock_dir: TempDir,
    held: Mutex<Option<Held>>,
    keep_record: std::sync::atomic::AtomicBool,
    _lock: RealLock, // last: released after Drop::drop has cleaned up
}

pub const BLACKHOLE_METRIC: &str = "4242";

/// The local test image (tests/image/build.sh): busybox standing in for the media server,
/// its LOCAL_IP/EXTERNAL_IP in a config file and an HTTP page.
pub const IMAGE: &str = "lanctl-test/media:latest";
/// The local test image whose container dies shortly after it starts
/// (tests/image/build.sh): a tenant that crashes.
pub const CRASH: &str = "lanctl-test/crash:latest";
/// The local test image whose entrypoint is `sh -c` (tests/image/build.sh): a tenant that
/// runs the script given after the image.
pub const SHELL: &str = "lanctl-test/sh:latest";
/// The shell image with a HEALTHCHECK that passes once the script ran `touch /ok`
/// (tests/image/build.sh): a tenant whose health docker reports.
pub const HEALTH: &str = "lanctl-test/health:latest";

impl RealEnv {
    /// On the first test slot, 198.51.100.0/26.
    pub fn new() -> RealEnv {
        RealEnv::with_subnets(&TEST_SLOTS[..1])
    }

    /// On one subnet of its own inside a test slot (a /28, say), for tests that keep to
    /// a part of the slot no other test uses.
    pub fn on_subnet(subnet: &str) -> RealEnv {
        RealEnv::with_subnets(&[subnet])
    }

    /// On both test slots: [`RealEnv::subnet`] and [`RealEnv::subnet2`].
    pub fn with_two_subnets() -> RealEnv {
        RealEnv::with_subnets(&TEST_SLOTS)
    }

    fn with_subnets(subnets: &[&str]) -> RealEnv {
        let nets: Vec<Ipv4Net> = subnets.iter().map(|s| s.parse().expect("subnet")).collect();
        for net in &nets {
            assert!(
                TEST_SLOTS.iter().any(|s| s.parse::<Ipv4Net>().unwrap().contains(net))
                    && TEST_RANGES.iter().any(|r| r.parse::<Ipv4Net>().unwrap().contains(net)),
                "{net} is not inside a test slot {TEST_SLOTS:?}"
            );
        }
        assert!(is_root(), "real-engine tests need root: run scripts/test.sh");
        let lock = RealLock::acquire();
        let info = sh("docker", &["info", "--format", "{{.ServerVersion}}"]);
        assert!(info.status.success(), "docker engine unreachable: {}", lossy(&info.stderr));
        for net in &nets {
            assert_subnet_is_free(&net.to_string());
        }
        let tag = unique_tag();
        let subnet_names: Vec<String> = nets.iter().map(|n| n.to_string()).collect();
        let blackholes: Vec<(&str, &str)> = subnet_names.iter().map(|s| (s.as_str(), BLACKHOLE_METRIC)).collect();
        // Recorded before anything is made, so a kill at any later point leaves a record.
        let held = Held::record(&tag, &tag, &blackholes);
        // Built before anything is made, so a failing step below still cleans up.
        let env = RealEnv {
            subnets: nets,
            parent: format!("{tag}p"),
            peer: format!("{tag}q"),
            netns: format!("{tag}n"),
            tag,
            routes: Mutex::default(),
            containers: Mutex::default(),
            networks: Mutex::default(),
            links: Mutex::default(),
            namespaces: Mutex::default(),
            lock_dir: tempfile::Builder::new().prefix("lanctl-lock").tempdir().expect("tempdir"),
            held: Mutex::new(Some(held)),
            keep_record: Default::default(),
            _lock: lock,
        };
        for s in &subnet_names {
            sh_ok("ip", &["route", "add", "blackhole", s, "metric", BLACKHOLE_METRIC]);
            env.routes.lock().unwrap().push(s.clone());
        }
        sh_ok("ip", &["netns", "add", &env.netns]);
        env.track_netns(&env.netns);
        sh_ok("ip", &["link", "add", &env.parent, "type", "veth", "peer", "name", &env.peer]);
        env.track_link(&env.parent);
        sh_ok("ip", &["link", "set", &env.peer, "netns", &env.netns]);
        sh_ok("ip", &["-n", &env.netns, "link", "set", &env.peer, "up"]);
        sh_ok("ip", &["link", "set", &env.parent, "up"]);
        env
    }

    /// The interface to use as macvlan/ipvlan parent.
    pub fn parent(&self) -> &str {
        &self.parent
    }
    /// The parent's veth peer, inside [`RealEnv::netns`] (a stand-in for "the LAN").
    pub fn peer(&self) -> &str {
        &self.peer
    }
    pub fn netns(&self) -> &str {
        &self.netns
    }
    /// The first subnet, e.g. "198.51.100.0/26".
    pub fn subnet(&self) -> String {
        self.subnets[0].to_string()
    }
    /// The second subnet; only with [`RealEnv::with_two_subnets`].
    pub fn subnet2(&self) -> String {
        self.subnets.get(1).expect("RealEnv::with_two_subnets gives a second subnet").to_string()
    }
    /// Host number `n` of the first subnet: `host(1)` is 198.51.100.1 in 198.51.100.0/26.
    pub fn host(&self, n: u32) -> String {
        let net = self.subnets[0];
        assert!(n > 0 && n < (1 << (32 - net.prefix_len())) - 1, "host {n} is not inside {net}");
        Ipv4Addr::from(u32::from(net.network()) + n).to_string()
    }
    /// The gateway lanctl networks use in tests: host 1.
    pub fn gateway(&self) -> String {
        self.host(1)
    }
    /// The reserved range lanctl networks use in tests: hosts 16 to 47, 32 addresses.
    pub fn range(&self) -> String {
        format!("{}-{}", self.host(16), self.host(47))
    }
    /// Prefix of every name this env hands out ("lt" + 6 hex).
    pub fn tag(&self) -> &str {
        &self.tag
    }
    /// A unique docker network/container name, e.g. "lt3fa9c1-net". Anything named with
    /// this prefix is removed on drop, tracked or not.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}-{suffix}", self.tag)
    }
    /// Like [`RealEnv::name`] for interfaces and netns: at most 15 characters.
    pub fn link_name(&self, suffix: &str) -> String {
        let n = format!("{}{suffix}", self.tag);
        assert!(n.len() <= 15, "interface name {n:?} longer than 15");
        n
    }
    /// The lanctl binary against the real engine, with its own LANCTL_LOCK_DIR.
    pub fn lanctl(&self) -> assert_cmd::Command {
        let mut c = Command::new(LANCTL);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("LANCTL_") {
                c.env_remove(k);
            }
        }
        c.env("LANCTL_LOCK_DIR", self.lock_dir.path()).stdin(Stdio::null());
        assert_cmd::Command::from_std(c)
    }

    /// The arguments of `lanctl net create NET` of a macvlan network on this env's parent,
    /// subnet and gateway that reserves `range`: the network most real tests stand on.
    pub fn macvlan_args(&self, net: &str, range: &str) -> Vec<String> {
        let (subnet, gateway) = (self.subnet(), self.gateway());
        ["net", "create", net, "--driver", "macvlan", "--parent", self.parent()]
            .into_iter()
            .chain(["--subnet", &subnet, "--gateway", &gateway, "--ip-range", range])
            .map(String::from)
            .collect()
    }

    /// `lanctl net create NET` of [`RealEnv::macvlan_args`] on this env's range; the caller
    /// adds options and judges the outcome.
    pub fn macvlan_create(&self, net: &str) -> assert_cmd::Command {
        let mut c = self.lanctl();
        c.args(self.macvlan_args(net, &self.range()));
        c
    }

    /// Makes the network of [`RealEnv::macvlan_create`] under [`RealEnv::name`]`("net")`,
    /// tracked before it exists so a failed create is cleaned up too; returns its name.
    pub fn macvlan_net(&self) -> String {
        let net = self.name("net");
        self.track_network(&net);
        self.macvlan_create(&net).assert().success();
        net
    }

    /// Adds lines to this env's record of what it holds (see [`Held::add`]): a harness
    /// built on the env (tests/testsuite/common/twohost.rs) records its directories and
    /// processes.
    pub fn hold(&self, lines: &[String]) {
        if let Some(h) = self.held.lock().unwrap().as_ref() {
            h.add(lines);
        }
    }

    /// Keeps the record after drop whatever the env's own check finds: a harness built on
    /// the env could not stop a process it records.
    pub fn keep_record(&self) {
        self.keep_record.store(true, Ordering::SeqCst);
    }

    pub fn track_container(&self, name: &str) {
        self.containers.lock().unwrap().push(name.into());
    }
    pub fn track_network(&self, name: &str) {
        self.networks.lock().unwrap().push(name.into());
    }
    pub fn track_link(&self, name: &str) {
        self.links.lock().unwrap().push(name.into());
    }
    pub fn track_netns(&self, name: &str) {
        self.namespaces.lock().unwrap().push(name.into());
    }
}

fn take(m: &Mutex<Vec<String>>) -> Vec<String> {
    std::mem::take(&mut *m.lock().unwrap_or_else(|e| e.into_inner()))
}

impl Drop for RealEnv {
    // Never panics (it runs during unwinding); every step ignores "already gone".
    fn drop(&mut self) {
        let mine = |kind: &str| -> Vec<String> {
            leftovers(&self.tag).into_iter().filter_map(|l| l.strip_prefix(&format!("{kind} ")).map(String::from)).collect()
        };
        let mut containers = take(&self.containers);
        containers.extend(mine("container"));
        if !containers.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(containers.iter().map(String::as_str));
            quiet("docker", &args);
        }
        let mut networks = take(&self.networks);
        networks.extend(mine("network"));
        for n in &networks {
            quiet("docker", &["network", "rm", n]);
        }
        let mut links = take(&self.links);
        links.extend(mine("link"));
        for l in &links {
            quiet("ip", &["link", "del", l]);
        }
        let mut namespaces = take(&self.namespaces);
        namespaces.extend(mine("netns"));
        for n in &namespaces {
            quiet("ip", &["netns", "del", n]);
        }
        for s in take(&self.routes) {
            quiet("ip", &["route", "del", "blackhole", &s, "metric", BLACKHOLE_METRIC]);
        }
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner()).take();
        let left = leftovers(&self.tag);
        let routes_left = self.subnets.iter().any(|s| {
            Command::new("ip")
                .args(["-4", "route", "show", "type", "blackhole", &s.to_string(), "metric", BLACKHOLE_METRIC])
                .output()
                .map(|o| !o.stdout.is_empty())
                .unwrap_or(true)
        });
        let kept = self.keep_record.load(Ordering::SeqCst);
        if let Some(h) = held.as_mut().filter(|_| !left.is_empty() || routes_left || kept) {
            // The record stays for scripts/cleanup-test-leftovers.sh to finish once we exit.
            // Straight to stderr: eprintln! is captured by the test harness, and this
            // must be seen even when the test passed.
            let _ = writeln!(
                std::io::stderr().lock(),
                "RealEnv {}: could not remove {left:?}{}; {} stays for scripts/cleanup-test-leftovers.sh",
                self.tag,
                if routes_left { " and its blackhole route" } else { "" },
                h.path().display()
            );
            h.keep();
        }
    }
}

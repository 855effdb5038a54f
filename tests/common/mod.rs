//! Shared harness for the integration tests (`mod common;` in each test file).
//!
//! * [`Fake`]: fake `docker` and `ip` programs first on PATH, which log their argv and
//!   answer from rules. Fast, harmless, no root needed.
//! * [`RealEnv`]: a guard for real-engine tests: a private veth parent, a blackholed test
//!   subnet, unique `lt…` names, and removal of everything on drop (also on panic).
//!   Those tests are `#[ignore = "real engine: run scripts/test.sh"]`.
#![allow(dead_code)] // each test binary uses a different part of this module

use std::fs::{self, File};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use tempfile::TempDir;

/// The lanctl binary under test.
pub const LANCTL: &str = env!("CARGO_BIN_EXE_lanctl");
/// Serializes real-engine tests across threads, test binaries and parallel sessions
/// (scripts/cleanup-test-leftovers.sh and tests/fixtures/capture.sh take it too).
pub const REAL_LOCK: &str = "/tmp/lanctl-real-tests.lock";
/// The only ranges a test may put on a link (RFC 5737 documentation ranges).
pub const TEST_RANGES: [&str; 2] = ["198.51.100.0/24", "203.0.113.0/24"];

// ---------------------------------------------------------------- fake programs

/// Both fakes run this. Call order across concurrent processes comes from a counter
/// under flock; each call's argv goes NUL-separated into its own file, so arguments with
/// spaces or newlines survive. Rules are directories, tried in name order.
const FAKE_SCRIPT: &str = r#"#!/bin/bash
root=@ROOT@
prog="${0##*/}"
{ flock 9; n=$(( $(cat "$root/seq" 2>/dev/null || echo 0) + 1 )); echo "$n" > "$root/seq"; } 9>"$root/seq.lock"
printf -v f '%s/log/%08d' "$root" "$n"
printf '%s\0' "$prog" "$@" > "$f.tmp" && mv "$f.tmp" "$f"
for r in "$root"/rules/*/; do
  [[ -d $r && $(<"$r/program") == "$prog" ]] || continue
  pat=$(<"$r/pattern")
  [[ "$*" == $pat ]] || continue
  if [[ -f $r/script ]]; then . "$r/script"; exit; fi
  [[ -f $r/stdout ]] && cat "$r/stdout"
  [[ -f $r/stderr ]] && cat "$r/stderr" >&2
  exit "$(<"$r/exit")"
done
exit 0
"#;

/// Fake `docker` and `ip` (plus any program added with [`Fake::add_program`]).
pub struct Fake {
    dir: TempDir,
    rules: AtomicUsize,
}

impl Fake {
    pub fn new() -> Fake {
        let dir = tempfile::Builder::new().prefix("lanctl-fake").tempdir().expect("tempdir");
        for sub in ["bin", "log", "rules", "lock"] {
            fs::create_dir(dir.path().join(sub)).expect("mkdir");
        }
        let fake = Fake { dir, rules: AtomicUsize::new(0) };
        fake.add_program("docker");
        fake.add_program("ip");
        fake
    }

    /// Puts one more fake program into bin/ (e.g. "arping").
    pub fn add_program(&self, name: &str) {
        let root = shell_quote(self.dir.path().to_str().expect("utf-8 tempdir"));
        let path = self.bin().join(name);
        fs::write(&path, FAKE_SCRIPT.replace("@ROOT@", &root)).expect("write fake");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    /// `program` called with args whose `"$*"` matches the bash glob `pattern` exits with
    /// `exit` after printing `stdout`. First matching rule wins; no rule: exit 0, silent.
    pub fn on(&self, program: &str, pattern: &str, exit: i32, stdout: &str) {
        self.rule(program, pattern, exit, &[("stdout", stdout)]);
    }

    /// Like [`Fake::on`] but the text goes to stderr (docker's error messages).
    pub fn on_err(&self, program: &str, pattern: &str, exit: i32, stderr: &str) {
        self.rule(program, pattern, exit, &[("stderr", stderr)]);
    }

    /// Like [`Fake::on`] with stdout taken from a file, e.g. [`fixture`]`("docker-info.json")`.
    pub fn on_file(&self, program: &str, pattern: &str, exit: i32, stdout_file: impl AsRef<Path>) {
        let p = stdout_file.as_ref();
        let text = fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        self.on(program, pattern, exit, &text);
    }

    /// Escape hatch: a matching call sources this bash snippet ("$@" is the argv); the
    /// fake exits with the snippet's status. For sleeps, state, or output depending on args.
    pub fn on_script(&self, program: &str, pattern: &str, script: &str) {
        self.rule(program, pattern, 0, &[("script", script)]);
    }

    fn rule(&self, program: &str, pattern: &str, exit: i32, files: &[(&str, &str)]) {
        let n = self.rules.fetch_add(1, Ordering::SeqCst);
        let d = self.dir.path().join("rules").join(format!("{n:06}"));
        fs::create_dir(&d).expect("mkdir rule");
        fs::write(d.join("program"), program).unwrap();
        fs::write(d.join("pattern"), pattern).unwrap();
        fs::write(d.join("exit"), exit.to_string()).unwrap();
        for (name, text) in files {
            fs::write(d.join(name), text).unwrap();
        }
    }

    /// Every call so far, in call order; element 0 is the program's basename.
    pub fn calls(&self) -> Vec<Vec<String>> {
        let mut files: Vec<PathBuf> = fs::read_dir(self.dir.path().join("log"))
            .expect("log dir")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_none()) // skip half-written *.tmp
            .collect();
        files.sort();
        files.iter().map(|f| split_nul(&fs::read(f).expect("read log"))).collect()
    }

    /// The calls of one program, argv without the program name.
    pub fn calls_of(&self, program: &str) -> Vec<Vec<String>> {
        self.calls().into_iter().filter(|c| c[0] == program).map(|c| c[1..].to_vec()).collect()
    }

    /// Forgets the calls logged so far (rules stay).
    pub fn clear_calls(&self) {
        for e in fs::read_dir(self.dir.path().join("log")).unwrap() {
            let _ = fs::remove_file(e.unwrap().path());
        }
    }

    /// The directory holding the fakes.
    pub fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// Full path of a fake, for `--docker PATH` / `LANCTL_DOCKER`.
    pub fn program_path(&self, name: &str) -> PathBuf {
        self.bin().join(name)
    }

    /// A PATH with the fakes first.
    pub fn path_env(&self) -> String {
        format!("{}:{}", self.bin().display(), std::env::var("PATH").unwrap_or_default())
    }

    /// Any program with the fake environment: fakes first on PATH, no inherited LANCTL_*
    /// (so LANCTL_DOCKER can't bypass the fake), LANCTL_LOCK_DIR in the tempdir.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("LANCTL_") {
                c.env_remove(k);
            }
        }
        c.env("PATH", self.path_env()).env("LANCTL_LOCK_DIR", self.dir.path().join("lock"));
        c.stdin(Stdio::null());
        c
    }

    /// The lanctl binary in the fake environment.
    pub fn lanctl(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.command(LANCTL))
    }
}

fn split_nul(bytes: &[u8]) -> Vec<String> {
    let mut v: Vec<String> = bytes.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    v.pop(); // the piece after the final terminator
    v
}

/// Single-quotes for bash.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The argv bash makes of one rendered line (as `--dry-run` prints), to compare with the
/// fake's log. Restricted bash, empty env, no PATH: a mis-quoted `$(…)` or `; rm …`
/// cannot reach a real program or write a file.
pub fn argv_of_line(line: &str) -> Vec<String> {
    // Absolute path: Command looks the program up in the child's (empty) PATH.
    let out = Command::new("/bin/bash")
        .args(["--norc", "--noprofile", "-r", "-c"])
        .arg(format!("printf '%s\\0' {line}"))
        .env_clear()
        .env("PATH", "/nonexistent")
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::null())
        .output()
        .expect("run bash");
    assert!(out.status.success(), "bash could not parse {line:?}: {}", lossy(&out.stderr));
    split_nul(&out.stdout)
}

/// Path of a file in tests/fixtures/.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

// ---------------------------------------------------------------- real engine

pub fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs a program (no shell), stdin closed; panics only if it cannot be started.
pub fn sh(program: &str, args: &[&str]) -> Output {
    Command::new(program).args(args).stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("cannot run {program}: {e}"))
}

/// Like [`sh`], but the command must succeed; returns its stdout.
pub fn sh_ok(program: &str, args: &[&str]) -> String {
    let o = sh(program, args);
    assert!(o.status.success(), "{program} {args:?} failed: {}", lossy(&o.stderr));
    lossy(&o.stdout)
}

/// Best effort, for cleanup: never panics, ignores "already gone".
fn quiet(program: &str, args: &[&str]) {
    let _ = Command::new(program).args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

/// The exclusive cross-process lock of real-engine tests, held until dropped.
pub struct RealLock(File);

impl RealLock {
    pub fn acquire() -> RealLock {
        let f = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(REAL_LOCK)
            .unwrap_or_else(|e| panic!("{REAL_LOCK}: {e}"));
        f.lock().unwrap_or_else(|e| panic!("lock {REAL_LOCK}: {e}")); // flock(2), blocks
        RealLock(f)
    }
}

pub fn is_root() -> bool {
    fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false)
}

/// The IPv4 routes (all tables, default excepted) overlapping `subnet`, as JSON text.
pub fn overlapping_routes(subnet: &str) -> Vec<String> {
    let net: ipnet::Ipv4Net = subnet.parse().expect("subnet");
    let json = sh_ok("ip", &["-4", "-j", "route", "show", "table", "all"]);
    let routes: Vec<serde_json::Value> = serde_json::from_str(&json).expect("ip -j route");
    routes
        .into_iter()
        .filter(|r| {
            let dst = r["dst"].as_str().unwrap_or("default");
            let dst = if dst.contains('/') { dst.to_string() } else { format!("{dst}/32") };
            match dst.parse::<ipnet::Ipv4Net>() {
                Ok(d) => d.contains(&net.network()) || net.contains(&d.network()),
                Err(_) => false, // "default"
            }
        })
        .map(|r| r.to_string())
        .collect()
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

/// A real-engine test's world. Holds [`REAL_LOCK`] for its lifetime. The parent is one
/// end of a veth pair whose other end sits, up, in a netns of its own: frames leaving the
/// parent reach nothing but that namespace. The subnet is blackholed on the host (with a
/// high metric, so a test may still put an address on the parent).
pub struct RealEnv {
    tag: String,
    subnet: String,
    parent: String,
    peer: String,
    netns: String,
    route: Mutex<bool>,
    containers: Mutex<Vec<String>>,
    networks: Mutex<Vec<String>>,
    links: Mutex<Vec<String>>,
    namespaces: Mutex<Vec<String>>,
    lock_dir: TempDir,
    _lock: RealLock, // last: released after Drop::drop has cleaned up
}

const BLACKHOLE_METRIC: &str = "4242";

impl RealEnv {
    /// On 198.51.100.0/24.
    pub fn new() -> RealEnv {
        RealEnv::with_subnet(TEST_RANGES[0])
    }

    /// On `subnet`, which must lie inside one of [`TEST_RANGES`].
    pub fn with_subnet(subnet: &str) -> RealEnv {
        let net: ipnet::Ipv4Net = subnet.parse().expect("subnet");
        assert!(
            TEST_RANGES.iter().any(|r| r.parse::<ipnet::Ipv4Net>().unwrap().contains(&net)),
            "{subnet} is not inside a test range {TEST_RANGES:?}"
        );
        let lock = RealLock::acquire();
        assert!(is_root(), "real-engine tests need root: run scripts/test.sh");
        let info = sh("docker", &["info", "--format", "{{.ServerVersion}}"]);
        assert!(info.status.success(), "docker engine unreachable: {}", lossy(&info.stderr));
        let overlaps = overlapping_routes(subnet);
        assert!(
            overlaps.is_empty(),
            "host routes overlap {subnet}: {overlaps:?}; if a killed test left them, \
             run scripts/cleanup-test-leftovers.sh"
        );
        let tag = unique_tag();
        // Built before anything is made, so a failing step below still cleans up.
        let env = RealEnv {
            subnet: subnet.to_string(),
            parent: format!("{tag}p"),
            peer: format!("{tag}q"),
            netns: format!("{tag}n"),
            tag,
            route: Mutex::new(false),
            containers: Mutex::default(),
            networks: Mutex::default(),
            links: Mutex::default(),
            namespaces: Mutex::default(),
            lock_dir: tempfile::Builder::new().prefix("lanctl-lock").tempdir().expect("tempdir"),
            _lock: lock,
        };
        sh_ok("ip", &["route", "add", "blackhole", subnet, "metric", BLACKHOLE_METRIC]);
        *env.route.lock().unwrap() = true;
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
    pub fn subnet(&self) -> &str {
        &self.subnet
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
        if std::mem::take(&mut *self.route.lock().unwrap_or_else(|e| e.into_inner())) {
            quiet("ip", &["route", "del", "blackhole", &self.subnet, "metric", BLACKHOLE_METRIC]);
        }
    }
}

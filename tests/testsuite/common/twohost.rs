//! [`TwoHosts`]: two real Docker hosts with sshd on one test LAN, driven from this machine
//! (the admin) through docker contexts over ssh, as issue 11 ("Past one host") asks.
//!
//! Built on a [`RealEnv`] (the suite lock, the blackholed slot 198.51.100.0/26, the `lt…`
//! tag, the record of what it holds): the env's veth pair is the admin's cable to the LAN,
//! its netns holds the LAN's switch. Topology, every address inside the slot:
//!
//! ```text
//!  root netns (admin: lanctl, docker CLI)        netns <tag>n (the LAN)
//!  <tag>p 198.51.100.2/28  ─── veth ───  <tag>q ─┐
//!                                                br0 (a bridge, no uplink)
//!  netns <tag>h1: lan0 198.51.100.3/26 ─ veth ─ h1 ┤   sshd on .3:22, private dockerd
//!  netns <tag>h2: lan0 198.51.100.4/26 ─ veth ─ h2 ┤   sshd on .4:22, private dockerd
//!  netns <tag>c:  lan0 198.51.100.5/26 ─ veth ─ c ─┘   a LAN client
//! ```
//!
//! The admin's /28 is more specific than the blackhole over the /26, so the admin reaches
//! the sshds and nothing else; tenants (ranges from host 16 on) are reachable from the LAN
//! client only. Each host's dockerd is private (own config, data and exec roots, socket,
//! pidfile, containerd namespaces; no bridge, no iptables) and runs in the host's netns
//! with a mount namespace of its own; each sshd lets root in with a key the harness makes
//! and sets `DOCKER_HOST` to that dockerd, so docker's `ssh://` contexts (`docker system
//! dial-stdio`) and lanctl's host-side commands both land in the host's namespace.
//!
//! Nothing in /root is touched: `ssh` on the PATH given to lanctl and docker is a wrapper
//! that runs /usr/bin/ssh with the harness's config (key, known hosts filled with both
//! host keys, StrictHostKeyChecking yes), and `DOCKER_CONFIG` keeps the contexts private.
//!
//! Everything is recorded before it is made (`dir`, `pidfile` lines in the env's record)
//! so scripts/cleanup-test-leftovers.sh finishes a killed run; Drop stops the daemons, and
//! the env's drop removes the namespaces, the admin link and the blackhole.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::real::{RealEnv, IMAGE};
use super::{lossy, quiet, sh, sh_ok};

/// One of the two hosts.
pub struct Host {
    /// The docker context that reaches it over ssh, e.g. "lt3fa9c1h1".
    pub context: String,
    /// Its network namespace (also "lt3fa9c1h1").
    pub netns: String,
    /// Its address on the LAN, e.g. "198.51.100.3"; its LAN interface is `lan0`.
    pub addr: String,
    /// Its private dockerd's socket, "unix:///tmp/…/h1/docker.sock": for checks that must
    /// not depend on ssh.
    pub socket: String,
    dir: PathBuf,
    dockerd: Mutex<Option<Child>>,
}

impl Host {
    /// The interface lanctl networks use as parent on this host.
    pub const PARENT: &'static str = "lan0";

    fn pidfiles(&self) -> [PathBuf; 3] {
        [self.dir.join("docker.pid"), self.dir.join("exec/containerd/containerd.pid"), self.dir.join("sshd.pid")]
    }
}

/// Two hosts, a LAN client and the admin side; everything goes on drop.
pub struct TwoHosts {
    hosts: [Host; 2],
    client_ns: String,
    bin: PathBuf,
    docker_config: PathBuf,
    startup: Duration,
    dir: TempDir,
    env: RealEnv, // last: its drop removes the namespaces and the blackhole, then unlocks
}

impl TwoHosts {
    /// Brings the pair up (a few seconds; see [`TwoHosts::startup`]). Panics, after
    /// cleaning up, if any piece does not come up.
    pub fn new() -> TwoHosts {
        assert!(
            Path::new("/usr/sbin/sshd").exists(),
            "/usr/sbin/sshd missing: apt-get install openssh-server (scripts/test.sh does)"
        );
        let image = sh("docker", &["image", "inspect", "--format", "{{.Id}}", IMAGE]);
        assert!(image.status.success(), "{IMAGE} missing: run tests/image/build.sh");
        let env = RealEnv::new();
        let t0 = Instant::now(); // after the lock: the pair's own cost
        let tag = env.tag().to_string();
        let dir = tempfile::Builder::new().prefix("lanctl-2h-").tempdir_in("/tmp").expect("tempdir");
        let host = |i: usize| {
            let hdir = dir.path().join(format!("h{i}"));
            Host {
                context: format!("{tag}h{i}"),
                netns: format!("{tag}h{i}"),
                addr: env.host(2 + i as u32),
                socket: format!("unix://{}", hdir.join("docker.sock").display()),
                dir: hdir,
                dockerd: Mutex::new(None),
            }
        };
        let hosts = [host(1), host(2)];
        let mut lines = vec![format!("dir {}", dir.path().display())];
        for h in &hosts {
            lines.extend(h.pidfiles().iter().map(|p| format!("pidfile {}", p.display())));
        }
        // Recorded before anything runs: a kill from here on leaves a record to finish.
        env.hold(&lines);
        let mut th = TwoHosts {
            client_ns: format!("{tag}c"),
            bin: dir.path().join("bin"),
            docker_config: dir.path().join("docker-config"),
            hosts,
            startup: Duration::ZERO,
            dir,
            env,
        };
        th.wire_lan();
        th.write_ssh_files();
        for h in &th.hosts {
            th.start_dockerd(h);
        }
        for h in &th.hosts {
            th.start_sshd(h);
        }
        let tar = th.dir.path().join("image.tar");
        sh_ok("docker", &["save", "-o", &tar.to_string_lossy(), IMAGE]);
        for h in &th.hosts {
            th.wait_for(&format!("dockerd of {}", h.netns), 30, || sh("docker", &["-H", &h.socket, "version"]).status.success());
            sh_ok("docker", &["-H", &h.socket, "load", "-q", "-i", &tar.to_string_lossy()]);
            th.add_context(&h.context, &format!("ssh://root@{}", h.addr));
            th.wait_for(&format!("docker over ssh to {}", h.addr), 15, || th.docker(h, &["version"]).status.success());
        }
        th.startup = t0.elapsed();
        th
    }

    /// The bridge in the env's netns, the admin address, and one veth per namespace.
    fn wire_lan(&self) {
        let lan = self.env.netns();
        sh_ok("ip", &["-n", lan, "link", "add", "br0", "type", "bridge"]);
        sh_ok("ip", &["-n", lan, "link", "set", "br0", "up"]);
        sh_ok("ip", &["-n", lan, "link", "set", self.env.peer(), "master", "br0"]);
        sh_ok("ip", &["addr", "add", &format!("{}/28", self.env.host(2)), "dev", self.env.parent()]);
        let mut members: Vec<(&str, String)> = self.hosts.iter().map(|h| (h.netns.as_str(), h.addr.clone())).collect();
        members.push((&self.client_ns, self.env.host(5)));
        let prefix = self.env.subnet().split_once('/').map(|(_, p)| p.to_string()).unwrap();
        for (i, (ns, addr)) in members.iter().enumerate() {
            sh_ok("ip", &["netns", "add", ns]);
            self.env.track_netns(ns);
            let port = format!("m{i}");
            sh_ok("ip", &["-n", lan, "link", "add", &port, "type", "veth", "peer", "name", "lan0", "netns", ns]);
            sh_ok("ip", &["-n", lan, "link", "set", &port, "master", "br0", "up"]);
            sh_ok("ip", &["-n", ns, "link", "set", "lo", "up"]);
            sh_ok("ip", &["-n", ns, "link", "set", "lan0", "up"]);
            sh_ok("ip", &["-n", ns, "addr", "add", &format!("{addr}/{prefix}"), "dev", "lan0"]);
        }
    }

    /// Keys, sshd configs, known hosts, the client config and the `ssh` wrapper.
    fn write_ssh_files(&self) {
        let d = self.dir.path();
        let keygen = |path: &Path| {
            sh_ok("ssh-keygen", &["-q", "-t", "ed25519", "-N", "", "-C", "lanctl-test", "-f", &path.to_string_lossy()])
        };
        keygen(&d.join("id"));
        fs::copy(d.join("id.pub"), d.join("authorized_keys")).unwrap();
        let mut known = String::new();
        for h in &self.hosts {
            fs::create_dir_all(h.dir.join("remote-docker-config")).unwrap();
            // Its own config file keeps /etc/docker/daemon.json out; its own key file
            // (read, or made, at /etc/docker/key.json otherwise) gives it its own engine ID.
            fs::write(h.dir.join("daemon.json"), format!("{{\"deprecated-key-path\": \"{}/key.json\"}}\n", h.dir.display()))
                .unwrap();
            keygen(&h.dir.join("hostkey"));
            let public = fs::read_to_string(h.dir.join("hostkey.pub")).unwrap();
            let public: Vec<&str> = public.split_whitespace().take(2).collect();
            known += &format!("{} {}\n", h.addr, public.join(" "));
            let sshd_config = format!(
                "ListenAddress {addr}:22\nHostKey {dir}/hostkey\nPidFile {dir}/sshd.pid\nPermitRootLogin prohibit-password\n\
                 PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n\
                 AuthorizedKeysFile {keys}\nSetEnv DOCKER_HOST={sock} DOCKER_CONFIG={dir}/remote-docker-config\n",
                addr = h.addr,
                dir = h.dir.display(),
                keys = d.join("authorized_keys").display(),
                sock = h.socket,
            );
            fs::write(h.dir.join("sshd_config"), sshd_config).unwrap();
        }
        fs::write(d.join("known_hosts"), known).unwrap();
        // One connection per host, shared by every ssh lanctl and docker start (each
        // docker call and each host-side command is an ssh of its own): a handshake costs
        // about 0.3 s here, and a test makes hundreds. The default key exchange
        // (sntrup761) is the slow part of a handshake; curve25519 alone is enough here.
        let ssh_config = format!(
            "Host *\n  IdentityFile {d}/id\n  IdentitiesOnly yes\n  UserKnownHostsFile {d}/known_hosts\n  GlobalKnownHostsFile /dev/null\n  \
             StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 10\n  LogLevel ERROR\n  \
             KexAlgorithms curve25519-sha256\n  ControlMaster auto\n  ControlPath {d}/cm-%C\n  ControlPersist 120\n",
            d = d.display()
        );
        fs::write(d.join("ssh_config"), ssh_config).unwrap();
        fs::create_dir_all(&self.bin).unwrap();
        let wrapper = self.bin.join("ssh");
        fs::write(&wrapper, format!("#!/bin/sh\nexec /usr/bin/ssh -F {}/ssh_config \"$@\"\n", d.display())).unwrap();
        sh_ok("chmod", &["755", &wrapper.to_string_lossy()]);
        fs::create_dir_all(&self.docker_config).unwrap();
    }

    /// dockerd in the host's netns. Not `ip netns exec`: it mounts a new /sys, which hides
    /// the cgroup mounts dockerd needs; `nsenter --net` keeps them, and `unshare --mount`
    /// keeps the daemon's mounts out of this machine's table. A system containerd socket,
    /// if any, is hidden so the daemon starts its own containerd in the same namespaces.
    fn start_dockerd(&self, h: &Host) {
        let log = fs::File::create(h.dir.join("dockerd.log")).unwrap();
        let d = h.dir.display().to_string();
        let child = Command::new("nsenter")
            .arg(format!("--net=/run/netns/{}", h.netns))
            .args(["unshare", "--mount", "--propagation", "slave", "sh", "-c"])
            .arg(r#"if [ -d /run/containerd ]; then mount -t tmpfs none /run/containerd || exit 1; fi; exec dockerd "$@""#)
            .arg("sh")
            .args(["--config-file", &format!("{d}/daemon.json"), "--data-root", &format!("{d}/data")])
            .args(["--exec-root", &format!("{d}/exec"), "-H", &h.socket, "--pidfile", &format!("{d}/docker.pid")])
            .args(["--containerd-namespace", &h.netns, "--containerd-plugins-namespace", &format!("{}p", h.netns)])
            .args(["--bridge", "none", "--iptables=false", "--ip6tables=false", "--storage-driver", "vfs"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        *h.dockerd.lock().unwrap() = Some(child);
    }

    fn start_sshd(&self, h: &Host) {
        // The privilege separation directory the Debian package's unit would make.
        fs::create_dir_all("/run/sshd").unwrap();
        let cfg = h.dir.join("sshd_config");
        sh_ok(
            "ip",
            &[
                "netns",
                "exec",
                &h.netns,
                "/usr/sbin/sshd",
                "-f",
                &cfg.to_string_lossy(),
                "-E",
                &h.dir.join("sshd.log").to_string_lossy(),
            ],
        );
    }

    fn wait_for(&self, what: &str, seconds: u64, mut ok: impl FnMut() -> bool) {
        let until = Instant::now() + Duration::from_secs(seconds);
        while !ok() {
            if Instant::now() > until {
                let logs: Vec<String> = self
                    .hosts
                    .iter()
                    .flat_map(|h| ["dockerd.log", "sshd.log"].map(|f| h.dir.join(f)))
                    .map(|p| format!("{}:\n{}", p.display(), tail(&fs::read_to_string(&p).unwrap_or_default(), 8)))
                    .collect();
                panic!("{what} not up after {seconds} s\n{}", logs.join("\n"));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn h1(&self) -> &Host {
        &self.hosts[0]
    }
    pub fn h2(&self) -> &Host {
        &self.hosts[1]
    }
    pub fn hosts(&self) -> &[Host; 2] {
        &self.hosts
    }
    /// The env underneath: `tag()`, `name(suffix)`, `subnet()`, `gateway()`, `host(n)`.
    pub fn env(&self) -> &RealEnv {
        &self.env
    }
    /// The harness's directory (/tmp/lanctl-2h-…): keys, configs, each host's data, logs
    /// and sockets under h1/, h2/.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
    /// How long [`TwoHosts::new`] took once it held the suite lock.
    pub fn startup(&self) -> Duration {
        self.startup
    }
    /// A range of 16 addresses for host `i` (0 or 1), disjoint from the other's: hosts
    /// 16-31 and 32-47 of the slot, as START-END.
    pub fn range(&self, i: usize) -> String {
        let first = 16 + 16 * i as u32;
        format!("{}-{}", self.env.host(first), self.env.host(first + 15))
    }

    /// lanctl with the harness's PATH (the ssh wrapper first) and DOCKER_CONFIG (the
    /// contexts), and the env's own lock dir.
    pub fn lanctl(&self) -> assert_cmd::Command {
        let mut c = self.env.lanctl();
        c.env("PATH", self.path()).env("DOCKER_CONFIG", &self.docker_config);
        c
    }

    fn path(&self) -> String {
        format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap_or_default())
    }

    fn docker_cmd(&self, host: Option<&Host>) -> Command {
        let mut c = Command::new("docker");
        c.env("PATH", self.path())
            .env("DOCKER_CONFIG", &self.docker_config)
            .env_remove("DOCKER_HOST")
            .env_remove("DOCKER_CONTEXT");
        if let Some(h) = host {
            c.args(["--context", &h.context]);
        }
        c.stdin(Stdio::null());
        c
    }

    /// Creates one more docker context (in the harness's DOCKER_CONFIG), e.g. one whose
    /// endpoint nothing answers: `add_context("x", "ssh://root@198.51.100.3:2222")`.
    pub fn add_context(&self, name: &str, endpoint: &str) {
        let out =
            self.docker_cmd(None).args(["context", "create", name, "--docker", &format!("host={endpoint}")]).output().unwrap();
        assert!(out.status.success(), "docker context create {name}: {}", lossy(&out.stderr));
    }

    /// `docker --context <host> ARGS` from the admin side, over ssh.
    pub fn docker(&self, h: &Host, args: &[&str]) -> Output {
        self.docker_cmd(Some(h)).args(args).output().expect("run docker")
    }

    /// Like [`TwoHosts::docker`]; must succeed; returns stdout.
    pub fn docker_ok(&self, h: &Host, args: &[&str]) -> String {
        let o = self.docker(h, args);
        assert!(o.status.success(), "docker --context {} {args:?} failed: {}", h.context, lossy(&o.stderr));
        lossy(&o.stdout)
    }

    /// ARGV run inside netns `ns` (`ip netns exec`, so /sys is the namespace's own).
    pub fn in_netns(&self, ns: &str, argv: &[&str]) -> Output {
        let mut args = vec!["netns", "exec", ns];
        args.extend_from_slice(argv);
        sh("ip", &args)
    }

    /// ARGV run on host `h`, as a login over ssh would (its netns).
    pub fn on_host(&self, h: &Host, argv: &[&str]) -> Output {
        self.in_netns(&h.netns, argv)
    }

    /// The page the test image serves at `ip` (it names the tenant), fetched from netns
    /// `ns` with a few tries (a new macvlan endpoint may take a moment); `None` if nothing
    /// answers.
    pub fn fetch_in(&self, ns: &str, ip: &str) -> Option<String> {
        for _ in 0..6 {
            let o = self.in_netns(ns, &["timeout", "3", "busybox", "wget", "-q", "-O", "-", &format!("http://{ip}/")]);
            if o.status.success() {
                return Some(lossy(&o.stdout));
            }
            std::thread::sleep(Duration::from_millis(300));
        }
        None
    }

    /// [`TwoHosts::fetch_in`] from the LAN client.
    pub fn fetch_from_client(&self, ip: &str) -> Option<String> {
        self.fetch_in(&self.client_ns, ip)
    }
}

/// The last `n` lines of `text`.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// (pid, command line) of every process whose command line contains `needle`.
pub fn processes_naming(needle: &str) -> Vec<(u32, String)> {
    let mut found = Vec::new();
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        let cmdline = fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(needle) {
            found.push((pid, cmdline.trim_end().to_string()));
        }
    }
    found
}

fn pid_in(path: &Path) -> Option<u32> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

impl Drop for TwoHosts {
    // Never panics. dockerd stops its containers and its containerd on SIGTERM; what still
    // runs after that is killed. The env's drop then removes the namespaces and the route.
    fn drop(&mut self) {
        for h in &self.hosts {
            if let Some(pid) = pid_in(&h.dir.join("sshd.pid")) {
                quiet("kill", &["-TERM", &pid.to_string()]);
            }
            if let Some(child) = h.dockerd.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                quiet("kill", &["-TERM", &child.id().to_string()]);
            }
        }
        let until = Instant::now() + Duration::from_secs(30);
        for h in &self.hosts {
            if let Some(child) = h.dockerd.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
                while matches!(child.try_wait(), Ok(None)) && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(100));
                }
                if matches!(child.try_wait(), Ok(None)) {
                    let _ = child.kill();
                    let _ = child.wait();
                }
            }
        }
        // What is left names the directory: containerd, an sshd's session, the ssh
        // connection masters (ControlPersist).
        let needle = self.dir.path().to_string_lossy().into_owned();
        for (pid, _) in processes_naming(&needle) {
            quiet("kill", &["-TERM", &pid.to_string()]);
        }
        let until = Instant::now() + Duration::from_secs(5);
        while !processes_naming(&needle).is_empty() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100));
        }
        for (pid, _) in processes_naming(&needle) {
            quiet("kill", &["-KILL", &pid.to_string()]);
        }
        std::thread::sleep(Duration::from_millis(200));
        let left = processes_naming(&needle);
        if !left.is_empty() {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr().lock(),
                "TwoHosts {}: processes still run: {left:?}; the record stays for scripts/cleanup-test-leftovers.sh",
                self.env.tag()
            );
            self.env.keep_record();
        }
    }
}

//! Debian's dnsmasq for real tests, in a RealEnv's peer namespace (the stand-in LAN, behind
//! the veth parent), with its own lease, pid and log files in a temporary directory, no
//! configuration of the host's, killed on drop. One start-up serves every use: a DHCP
//! server (`start`), a router sending advertisements, a server of an exported file
//! (`spawn` with its own arguments).

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::sh_ok;
use super::RealEnv;

pub const DNSMASQ: &str = "/usr/sbin/dnsmasq";

/// A dnsmasq in `env`'s peer namespace, killed on drop.
pub struct Dnsmasq {
    child: Child,
    dir: TempDir,
}

impl Dnsmasq {
    /// Serves `start`-`end` (host numbers of the env's slot) from host 2 on the peer.
    pub fn start(env: &RealEnv, start: u32, end: u32) -> Dnsmasq {
        Dnsmasq::start_with(env, start, end, &[])
    }

    /// `start`, with `extra` arguments for dnsmasq (`--no-ping`, say).
    pub fn start_with(env: &RealEnv, start: u32, end: u32, extra: &[&str]) -> Dnsmasq {
        // `replace`: a second server in the same env finds the address there.
        sh_ok("ip", &["-n", env.netns(), "addr", "replace", &format!("{}/26", env.host(2)), "dev", env.peer()]);
        let range = format!("--dhcp-range={},{},255.255.255.192,2m", env.host(start), env.host(end));
        let args: Vec<&str> = [range.as_str()].into_iter().chain(extra.iter().copied()).collect();
        Dnsmasq::spawn(env, None, &args, "DHCP, IP range")
    }

    /// dnsmasq on the env's peer with `args` after the ones every test's shares: `conf`
    /// as its only configuration file (DNS on port 53 then, nothing else listens in the
    /// namespace), else none and no DNS. Returned once its log says `ready`.
    pub fn spawn(env: &RealEnv, conf: Option<&str>, args: &[&str], ready: &str) -> Dnsmasq {
        assert!(
            std::path::Path::new(DNSMASQ).exists(),
            "{DNSMASQ} is missing: install Debian's dnsmasq-base (scripts/test.sh does)"
        );
        let dir = tempfile::Builder::new().prefix("lanctl-dnsmasq").tempdir().expect("tempdir");
        let path = |f: &str| dir.path().join(f).to_string_lossy().into_owned();
        let conf_file = match conf {
            Some(text) => {
                fs::write(path("lanctl.conf"), text).unwrap();
                vec![format!("--conf-file={}", path("lanctl.conf"))]
            }
            None => vec!["--conf-file=/dev/null".to_string(), "--port=0".to_string()],
        };
        let log = fs::File::create(path("log")).expect("log file");
        let child = Command::new("ip")
            .args(["netns", "exec", env.netns(), DNSMASQ, "--no-daemon"])
            .args(conf_file)
            .args([
                // No /etc/hosts or resolv.conf of the host's.
                "--no-hosts",
                "--no-resolv",
                "--user=root",
                "--group=root",
                &format!("--interface={}", env.peer()),
                "--bind-interfaces",
                &format!("--dhcp-leasefile={}", path("leases")),
                &format!("--pid-file={}", path("pid")),
                "--log-dhcp",
                "--log-facility=-",
            ])
            .args(args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start dnsmasq");
        let server = Dnsmasq { child, dir };
        let deadline = Instant::now() + Duration::from_secs(15);
        while !server.log().contains(ready) {
            assert!(Instant::now() < deadline, "dnsmasq did not start ({ready:?} not logged): {}", server.log());
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    pub fn leases(&self) -> PathBuf {
        self.dir.path().join("leases")
    }
}

impl Drop for Dnsmasq {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

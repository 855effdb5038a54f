//! A DHCP server for real tests: Debian's dnsmasq in a RealEnv's peer namespace (the
//! stand-in LAN, behind the veth parent), with its own lease, pid and log files in a
//! temporary directory and DNS off, killed on drop.

use std::fs;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use super::sh_ok;
use super::RealEnv;

pub const DNSMASQ: &str = "/usr/sbin/dnsmasq";

/// A dnsmasq DHCP server in `env`'s peer namespace, killed on drop.
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
        assert!(
            std::path::Path::new(DNSMASQ).exists(),
            "{DNSMASQ} is missing: install Debian's dnsmasq-base (scripts/test.sh does)"
        );
        // `replace`: a second server in the same env finds the address there.
        sh_ok("ip", &["-n", env.netns(), "addr", "replace", &format!("{}/26", env.host(2)), "dev", env.peer()]);
        let dir = tempfile::Builder::new().prefix("lanctl-dnsmasq").tempdir().expect("tempdir");
        let path = |f: &str| dir.path().join(f).to_string_lossy().into_owned();
        let log = fs::File::create(path("log")).expect("log file");
        let child = Command::new("ip")
            .args(["netns", "exec", env.netns(), DNSMASQ])
            .args([
                "--no-daemon",
                // No configuration file of the host, no DNS, no /etc/hosts or resolv.conf.
                "--conf-file=/dev/null",
                "--port=0",
                "--no-hosts",
                "--no-resolv",
                "--user=root",
                "--group=root",
                &format!("--interface={}", env.peer()),
                "--bind-interfaces",
                &format!("--dhcp-range={},{},255.255.255.192,2m", env.host(start), env.host(end)),
                &format!("--dhcp-leasefile={}", path("leases")),
                &format!("--pid-file={}", path("pid")),
                "--log-dhcp",
                "--log-facility=-",
            ])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start dnsmasq");
        let server = Dnsmasq { child, dir };
        // Ready once it has said which range it serves (after binding port 67).
        let deadline = Instant::now() + Duration::from_secs(10);
        while !server.log().contains("DHCP, IP range") {
            assert!(Instant::now() < deadline, "dnsmasq did not start: {}", server.log());
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

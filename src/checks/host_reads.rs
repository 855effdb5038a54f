//! The host's files the checks read (/proc, /sys, /boot, /lib/modules), under a root that
//! unit tests point at a temporary directory. On another host each read is one command
//! over the host's transport (`cat`, `test -e`), so the files are that host's.

use std::path::{Path, PathBuf};

use crate::exec::cmd::Cmd;
use crate::exec::runner::Runner;
use crate::exec::transport::Transport;
use crate::target::ctx::Ctx;

#[derive(Clone, Debug)]
pub struct Host {
    root: PathBuf,
    /// Set for a host that is not this machine: reads run there.
    remote: Option<(Runner, Transport)>,
}

impl Default for Host {
    fn default() -> Self {
        Host::new("/")
    }
}

impl Host {
    /// The host's root: `/`, or `LANCTL_HOST_ROOT`, so the integration tests give the
    /// checks a kernel, a config and a uid of their own instead of the machine's.
    pub fn from_env() -> Self {
        match std::env::var_os("LANCTL_HOST_ROOT").filter(|r| !r.is_empty()) {
            Some(root) => Host::new(root),
            None => Host::default(),
        }
    }

    pub fn new(root: impl Into<PathBuf>) -> Self {
        Host { root: root.into(), remote: None }
    }

    /// The host `ctx` drives: this machine (under `LANCTL_HOST_ROOT` when set, for tests),
    /// or another one whose files are read over its transport.
    pub fn of(ctx: &Ctx) -> Self {
        match ctx.transport {
            Transport::Local => Host::from_env(),
            ref t => Host { root: "/".into(), remote: Some((ctx.runner.clone(), t.clone())) },
        }
    }

    /// Runs a read on the remote host; `None` when it failed or was refused.
    fn remote_read(&self, cmd: Cmd) -> Option<crate::exec::runner::Output> {
        let (runner, transport) = self.remote.as_ref()?;
        runner.query_output(&transport.wrap(cmd).query()).ok()
    }

    /// `rel` (written as an absolute path, e.g. "/proc/config.gz") under the root.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel.trim_start_matches('/'))
    }

    pub fn read(&self, rel: &str) -> Option<String> {
        if self.remote.is_some() {
            let out = self.remote_read(Cmd::new("cat").arg("--").arg(rel))?;
            return out.success().then_some(out.stdout);
        }
        std::fs::read_to_string(self.path(rel)).ok()
    }

    pub fn exists(&self, rel: &str) -> bool {
        if self.remote.is_some() {
            return self.remote_read(Cmd::new("test").args(["-e", rel])).is_some_and(|o| o.success());
        }
        self.path(rel).exists()
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The running kernel's release, as `uname -r` prints it.
    pub fn kernel_release(&self) -> Option<String> {
        self.read("/proc/sys/kernel/osrelease").map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    }

    /// lanctl's effective user id, from /proc/self/status.
    pub fn euid(&self) -> Option<u32> {
        self.read("/proc/self/status").as_deref().and_then(euid_of)
    }
}

/// The effective uid from the text of /proc/PID/status: `Uid:` real, effective, saved, fs.
pub fn euid_of(status: &str) -> Option<u32> {
    let line = status.lines().find_map(|l| l.strip_prefix("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euid_is_the_second_uid_field() {
        assert_eq!(euid_of("Name:\tlanctl\nUid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n"), Some(0));
        assert_eq!(euid_of("Uid:\t1000\t1000\t1000\t1000\n"), Some(1000));
        assert_eq!(euid_of("Name:\tx\n"), None);
        assert_eq!(euid_of("Uid:\t1000\n"), None);
    }

    #[test]
    fn paths_stay_under_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let h = Host::new(dir.path());
        std::fs::create_dir_all(dir.path().join("proc/sys/kernel")).unwrap();
        std::fs::write(dir.path().join("proc/sys/kernel/osrelease"), "5.15.0-91-generic\n").unwrap();
        assert_eq!(h.kernel_release().as_deref(), Some("5.15.0-91-generic"));
        assert!(h.exists("/proc/sys/kernel"));
        assert!(!h.exists("/proc/config.gz"));
        assert_eq!(h.path("/sys/module/ipvlan"), dir.path().join("sys/module/ipvlan"));
    }
}

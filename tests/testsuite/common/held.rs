//! Records of what a live run holds, so that scripts/cleanup-test-leftovers.sh removes only
//! what dead runs left and never pulls a live run's blackhole or interfaces.
//!
//! Each run (a RealEnv, scripts/bench.sh, the VM lab) writes one file
//! `/run/lanctl-tests/<pid>-<name>.held` before it makes anything, and removes it after it
//! has removed everything. Lines (the format scripts/cleanup-test-leftovers.sh reads):
//!
//! ```text
//! pid 4242                      the process whose life the resources share
//! start 123456                  its start time (field 22 of /proc/<pid>/stat): tells a reused pid
//! boot 0f3c…                    /proc/sys/kernel/random/boot_id: tells a record from before a reboot
//! owner real_engine-1a2b3c      who, for people reading it
//! prefix lt3fa9c1               containers, docker networks, links and netns named prefix*
//! blackhole 198.51.100.0/26 4242   a blackhole route: subnet and metric
//! dir /tmp/lanctl-2h-x1y2           a directory of the run's own (removed), absolute, under /tmp
//! pidfile /tmp/lanctl-2h-x1y2/h1/docker.pid   a process of the run's (a private dockerd,
//!                                   an sshd): killed if its command line names a `dir`
//! ```

use std::fs;
use std::path::PathBuf;

/// Where the records live: root-only, and gone at reboot on most systems.
pub const HELD_DIR: &str = "/run/lanctl-tests";

/// One record; removed on drop (unless [`Held::keep`] was called).
pub struct Held {
    path: PathBuf,
    keep: bool,
}

impl Held {
    /// Writes the record of this process holding `prefix*` and the given blackholes
    /// (subnet, metric).
    pub fn record(name: &str, prefix: &str, blackholes: &[(&str, &str)]) -> Held {
        Held::record_in(std::path::Path::new(HELD_DIR), name, prefix, blackholes)
    }

    /// [`Held::record`] into another directory (the harness's own tests).
    pub fn record_in(dir: &std::path::Path, name: &str, prefix: &str, blackholes: &[(&str, &str)]) -> Held {
        fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}; real-engine tests need root", dir.display()));
        let pid = std::process::id();
        let owner = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "test".into());
        let mut text = format!("pid {pid}\nstart {}\nboot {}\nowner {owner}\nprefix {prefix}\n", start_time(pid), boot_id());
        for (subnet, metric) in blackholes {
            text += &format!("blackhole {subnet} {metric}\n");
        }
        let path = dir.join(format!("{pid}-{name}.held"));
        let tmp = path.with_extension("tmp");
        fs::write(&tmp, text)
            .and_then(|_| fs::rename(&tmp, &path))
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        Held { path, keep: false }
    }

    /// Leaves the record in place after drop: something could not be removed, and the
    /// cleanup script should try again once this process is gone.
    pub fn keep(&mut self) {
        self.keep = true;
    }

    /// Appends lines (`dir …`, `pidfile …`) to the record, before the run makes what they
    /// name; written whole and renamed into place like the record itself.
    pub fn add(&self, lines: &[String]) {
        let mut text = fs::read_to_string(&self.path).unwrap_or_else(|e| panic!("cannot read {}: {e}", self.path.display()));
        for l in lines {
            text += &format!("{l}\n");
        }
        let tmp = self.path.with_extension("tmp");
        fs::write(&tmp, text)
            .and_then(|_| fs::rename(&tmp, &self.path))
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", self.path.display()));
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Field 22 of /proc/<pid>/stat: the start time in clock ticks after boot. Parsed after the
/// last ')' since the command name (field 2) may hold spaces and parentheses.
pub fn start_time(pid: u32) -> String {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
    rest.split_whitespace().nth(19).unwrap_or("?").to_string()
}

pub fn boot_id() -> String {
    fs::read_to_string("/proc/sys/kernel/random/boot_id").map(|s| s.trim().to_string()).unwrap_or_else(|_| "?".into())
}

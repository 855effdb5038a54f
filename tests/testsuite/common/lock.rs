//! The cross-run lock of real-engine work, and who holds it.
//!
//! Real-engine tests, scripts/bench.sh, scripts/cleanup-test-leftovers.sh and
//! tests/fixtures/capture.sh all take [`REAL_LOCK`] (flock). Whoever holds it writes
//! `<pid> <unix seconds> <what>` into [`REAL_LOCK_HOLDER`], so that a run that has to wait
//! can say for whom, instead of hanging without a word.

use std::fs::{self, File, TryLockError};
use std::io::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Serializes real-engine work across threads, test binaries and parallel sessions.
pub const REAL_LOCK: &str = "/tmp/lanctl-real-tests.lock";
/// Who holds [`REAL_LOCK`]: one line, `<pid> <unix seconds> <what>`.
pub const REAL_LOCK_HOLDER: &str = "/tmp/lanctl-real-tests.holder";

/// Set by a test that holds the lock on behalf of a child test process it starts (a run
/// it will kill, to test the cleanup): to the parent's pid. That child's [`RealLock`]
/// then takes nothing, since its parent holds the lock for it.
pub const HELD_FOR_CHILD: &str = "LANCTL_TEST_LOCK_HELD_BY";

/// The exclusive cross-process lock of real-engine tests, held until dropped (`None`: held
/// by the parent, see [`HELD_FOR_CHILD`]).
pub struct RealLock(Option<File>);

impl RealLock {
    /// Takes the lock; if someone holds it, says who on stderr once, then waits.
    pub fn acquire() -> RealLock {
        if std::env::var(HELD_FOR_CHILD).ok() == Some(std::os::unix::process::parent_id().to_string()) {
            return RealLock(None);
        }
        let f = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(REAL_LOCK)
            .unwrap_or_else(|e| panic!("cannot open {REAL_LOCK}: {e}; run the real-engine tests as root"));
        match f.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                // Once per holder: the threads of a test binary wait in turn.
                let key = fs::read_to_string(REAL_LOCK_HOLDER).unwrap_or_default();
                say_once(&key, &format!("waiting for the real-engine test lock held by {}", holder()));
                f.lock().unwrap_or_else(|e| panic!("cannot lock {REAL_LOCK}: {e}"));
            }
            Err(TryLockError::Error(e)) => panic!("cannot lock {REAL_LOCK}: {e}"),
        }
        let what = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "a test".into());
        let line = format!("{} {} {what}\n", std::process::id(), now());
        // Written whole and renamed into place: a waiter never reads half a line.
        let tmp = format!("{REAL_LOCK_HOLDER}.{}", std::process::id());
        let written =
            File::create(&tmp).and_then(|mut t| t.write_all(line.as_bytes())).and_then(|_| fs::rename(&tmp, REAL_LOCK_HOLDER));
        if let Err(e) = written {
            eprintln!("warning: cannot write {REAL_LOCK_HOLDER}: {e}");
        }
        RealLock(Some(f))
    }
}

impl Drop for RealLock {
    fn drop(&mut self) {
        // Before the unlock (when the File closes): after it, the file may be the next holder's.
        if self.0.is_some() {
            let _ = fs::remove_file(REAL_LOCK_HOLDER);
        }
    }
}

/// Writes `line` to the process's stderr unless this process said one for `key` already.
/// Not `eprintln!`: the test harness captures that and shows it only for a failed test,
/// and a wait must be visible while it lasts.
fn say_once(key: &str, line: &str) {
    static SAID: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let mut said = SAID.lock().unwrap_or_else(|e| e.into_inner());
    if !said.iter().any(|s| s == key) {
        let _ = writeln!(std::io::stderr().lock(), "{line}");
        said.push(key.to_string());
    }
}

/// "pid N (what) since T", from the holder file, or why it cannot tell.
pub fn holder() -> String {
    let Ok(text) = fs::read_to_string(REAL_LOCK_HOLDER) else {
        return format!("a process that left no {REAL_LOCK_HOLDER} (see `fuser {REAL_LOCK}`)");
    };
    let mut f = text.split_whitespace();
    let (pid, since, what) = (f.next().unwrap_or("?"), f.next().and_then(|s| s.parse().ok()), f.collect::<Vec<_>>().join(" "));
    let said = match since {
        Some(t) => format!("pid {pid} ({what}) since {}, {} s ago", utc(t), now().saturating_sub(t)),
        None => format!("pid {pid} ({what})"),
    };
    if std::path::Path::new(&format!("/proc/{pid}")).exists() {
        said
    } else {
        // A killed holder cannot remove its record; the lock went on to someone silent.
        format!("a process that left no record ({REAL_LOCK_HOLDER} names {said}, which is gone)")
    }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// `YYYY-MM-DD HH:MM:SS UTC` of a Unix time (Howard Hinnant's civil-from-days).
pub fn utc(t: u64) -> String {
    let (days, secs) = ((t / 86400) as i64, t % 86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", secs / 3600, secs / 60 % 60, secs % 60)
}

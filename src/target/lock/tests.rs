//! These tests run as root (scripts/test.sh): they chown files to uid 65534 (nobody) and
//! act as that user through util-linux's `setpriv`.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::{chown, MetadataExt, PermissionsExt};
use std::process::{Child, Command, Stdio};

use super::*;
use crate::exec::error::Exit;

const NOBODY: u32 = 65534;

fn quiet() -> Vec<u8> {
    Vec::new()
}

/// A fresh, caller-owned, 0700 lock directory.
fn lock_dir() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    set_mode(d.path(), 0o700);
    d
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn refusal(dir: &Path) -> Error {
    let e = Lock::acquire_in(dir, Duration::ZERO, &mut quiet()).unwrap_err();
    assert_eq!(e.exit, Exit::Check, "{e}");
    e
}

fn me() -> u32 {
    rustix::process::geteuid().as_raw()
}

#[test]
fn creates_its_directory_0700_and_the_file_0600_with_the_holders_pid() {
    let parent = lock_dir();
    let dir = parent.path().join("lanctl");
    let lock = Lock::acquire_in(&dir, Duration::ZERO, &mut quiet()).unwrap();
    let d = std::fs::symlink_metadata(&dir).unwrap();
    assert!(d.is_dir());
    assert_eq!(d.mode() & 0o7777, 0o700);
    assert_eq!(d.uid(), me());
    let f = std::fs::symlink_metadata(dir.join("lock")).unwrap();
    assert!(f.is_file());
    assert_eq!(f.mode() & 0o7777, 0o600);
    assert_eq!(std::fs::read_to_string(dir.join("lock")).unwrap(), format!("{}\n", std::process::id()));
    drop(lock);
}

#[test]
fn a_longer_stale_pid_is_cut_to_ours() {
    let dir = lock_dir();
    std::fs::write(dir.path().join("lock"), "4194304\nleftover\n").unwrap();
    let _lock = Lock::acquire_in(dir.path(), Duration::ZERO, &mut quiet()).unwrap();
    assert_eq!(std::fs::read_to_string(dir.path().join("lock")).unwrap(), format!("{}\n", std::process::id()));
}

#[test]
fn a_lock_file_others_could_open_is_made_0600() {
    let dir = lock_dir();
    set_mode(dir.path(), 0o755);
    let path = dir.path().join("lock");
    std::fs::write(&path, "").unwrap();
    set_mode(&path, 0o644);
    let _lock = Lock::acquire_in(dir.path(), Duration::ZERO, &mut quiet()).unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().mode() & 0o7777, 0o600);
}

#[test]
fn the_lock_is_free_again_once_dropped() {
    let dir = lock_dir();
    drop(Lock::acquire_in(dir.path(), Duration::ZERO, &mut quiet()).unwrap());
    let mut notice = quiet();
    let _again = Lock::acquire_in(dir.path(), Duration::ZERO, &mut notice).unwrap();
    assert!(notice.is_empty());
}

#[test]
fn try_acquire_takes_a_free_lock_and_gives_up_at_once_on_a_held_one() {
    let dir = lock_dir();
    let first = Lock::try_acquire_in(dir.path()).unwrap().expect("the lock is free");
    let pid = std::process::id();
    assert_eq!(std::fs::read_to_string(dir.path().join("lock")).unwrap(), format!("{pid}\n"));
    let started = Instant::now();
    assert!(Lock::try_acquire_in(dir.path()).unwrap().is_none());
    assert!(started.elapsed() < Duration::from_millis(200));
    drop(first);
    // A process another test thread forks at this moment holds a copy of the lock's file
    // descriptor until it execs (close-on-exec), and flock's lock lives as long as any
    // copy: the lock comes free within that window, not always at the very next call.
    let until = Instant::now() + Duration::from_secs(2);
    let again = loop {
        match Lock::try_acquire_in(dir.path()).unwrap() {
            Some(l) => break Some(l),
            None if Instant::now() < until => std::thread::sleep(Duration::from_millis(5)),
            None => break None,
        }
    };
    assert!(again.is_some(), "the lock stayed held after its holder dropped it");
}

#[test]
fn a_second_acquire_waits_says_so_once_and_times_out_naming_the_holder() {
    let dir = lock_dir();
    let path = dir.path().join("lock");
    let _first = Lock::acquire_in(dir.path(), Duration::from_secs(60), &mut quiet()).unwrap();
    let pid = std::process::id();
    let mut notice = quiet();
    let started = Instant::now();
    let e = Lock::acquire_in(dir.path(), Duration::from_millis(300), &mut notice).unwrap_err();
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(300) && took < Duration::from_secs(2), "took {took:?}");
    assert_eq!(e.exit, Exit::Failed);
    assert_eq!(
        e.to_string(),
        format!(
            "another lanctl (pid {pid}) has held {} for 300 ms; wait for it to finish (or set LANCTL_LOCK_TIMEOUT \
             to wait longer), or check that process (`ps -fp {pid}`)",
            path.display()
        )
    );
    assert_eq!(
        String::from_utf8(notice).unwrap(),
        format!("lanctl: waiting for another lanctl (pid {pid}) to finish; it holds {}\n", path.display())
    );
}

#[test]
fn a_zero_timeout_fails_at_once_without_a_waiting_notice() {
    let dir = lock_dir();
    let path = dir.path().join("lock");
    let _first = Lock::acquire_in(dir.path(), Duration::ZERO, &mut quiet()).unwrap();
    let pid = std::process::id();
    let mut notice = quiet();
    let e = Lock::acquire_in(dir.path(), Duration::ZERO, &mut notice).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "another lanctl (pid {pid}) holds {}; wait for it to finish (or set LANCTL_LOCK_TIMEOUT to wait longer), \
             or check that process (`ps -fp {pid}`)",
            path.display()
        )
    );
    assert!(notice.is_empty());
}

/// `flock -s FILE ...` in its own process group, killed with all it started on drop.
struct SharedHolder(Child);

impl SharedHolder {
    fn start(path: &Path) -> SharedHolder {
        use std::os::unix::process::CommandExt;
        let child = Command::new("flock")
            .arg("-s")
            .arg(path)
            .args(["sh", "-c", "echo ready; exec sleep 5"])
            .stdout(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("util-linux flock");
        let mut holder = SharedHolder(child);
        let mut line = String::new();
        BufReader::new(holder.0.stdout.as_mut().unwrap()).read_line(&mut line).unwrap();
        assert_eq!(line, "ready\n", "flock did not take the lock");
        holder
    }
}

impl Drop for SharedHolder {
    fn drop(&mut self) {
        let group = rustix::process::Pid::from_child(&self.0);
        let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
        let _ = self.0.wait();
    }
}

#[test]
fn a_shared_lock_held_by_another_process_does_not_block_forever() {
    let dir = lock_dir();
    let path = dir.path().join("lock");
    let holder = SharedHolder::start(&path);
    let mut notice = quiet();
    let started = Instant::now();
    let e = Lock::acquire_in(dir.path(), Duration::from_millis(300), &mut notice).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert_eq!(
        e.to_string(),
        format!(
            "a process that did not record its pid has held {} for 300 ms; wait for it to finish (or set \
             LANCTL_LOCK_TIMEOUT to wait longer), or find it with `lslocks`",
            path.display()
        )
    );
    assert_eq!(
        String::from_utf8(notice).unwrap(),
        format!("lanctl: waiting for another lanctl (pid unknown) to finish; it holds {}\n", path.display())
    );
    drop(holder);
    let _lock = Lock::acquire_in(dir.path(), Duration::from_secs(5), &mut quiet()).unwrap();
}

#[test]
fn a_symlinked_lock_file_is_refused_and_its_target_untouched() {
    let dir = lock_dir();
    let elsewhere = lock_dir();
    let target = elsewhere.path().join("precious");
    std::fs::write(&target, "keep me\n").unwrap();
    set_mode(&target, 0o644);
    let path = dir.path().join("lock");
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let e = refusal(dir.path());
    assert_eq!(
        e.to_string(),
        format!("refusing the lock file {0}: it is a symbolic link; remove it (`rm {0}`) and retry", path.display())
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    assert_eq!(std::fs::metadata(&target).unwrap().mode() & 0o7777, 0o644);

    // A dangling link must not make lanctl create its target either.
    let missing = elsewhere.path().join("missing");
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&missing, &path).unwrap();
    refusal(dir.path());
    assert!(!missing.exists());
}

#[test]
fn a_symlinked_lock_directory_is_refused() {
    let real = lock_dir();
    let parent = lock_dir();
    let dir = parent.path().join("lanctl");
    std::os::unix::fs::symlink(real.path(), &dir).unwrap();
    let e = refusal(&dir);
    assert_eq!(
        e.to_string(),
        format!(
            "refusing the lock directory {}: it is a symbolic link; remove it and lanctl recreates it, or set \
             LANCTL_LOCK_DIR to a directory only you can write",
            dir.display()
        )
    );
    assert!(!real.path().join("lock").exists());
}

#[test]
fn a_lock_directory_that_is_a_file_is_refused() {
    let parent = lock_dir();
    let dir = parent.path().join("lanctl");
    std::fs::write(&dir, "").unwrap();
    let e = refusal(&dir);
    assert!(e.to_string().starts_with(&format!("refusing the lock directory {}: it is a regular file; ", dir.display())), "{e}");
}

#[test]
fn a_lock_file_of_another_user_is_refused() {
    let dir = lock_dir();
    let path = dir.path().join("lock");
    std::fs::write(&path, "").unwrap();
    chown(&path, Some(NOBODY), Some(NOBODY)).unwrap();
    let e = refusal(dir.path());
    assert_eq!(
        e.to_string(),
        format!(
            "refusing the lock file {0}: it belongs to uid {NOBODY}, not to uid {1} that runs lanctl; remove it \
             (`rm {0}`) and retry",
            path.display(),
            me()
        )
    );
}

#[test]
fn a_lock_directory_of_another_user_is_refused() {
    let dir = lock_dir();
    chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let e = refusal(dir.path());
    assert_eq!(
        e.to_string(),
        format!(
            "refusing the lock directory {}: it belongs to uid {NOBODY}, not to uid {} that runs lanctl; remove it \
             and lanctl recreates it, or set LANCTL_LOCK_DIR to a directory only you can write",
            dir.path().display(),
            me()
        )
    );
    assert!(!dir.path().join("lock").exists());
}

#[test]
fn a_lock_directory_others_can_write_is_refused() {
    let dir = lock_dir();
    for (mode, shown) in [(0o777, "0777"), (0o1777, "1777"), (0o720, "0720"), (0o702, "0702")] {
        set_mode(dir.path(), mode);
        let e = refusal(dir.path());
        assert_eq!(
            e.to_string(),
            format!(
                "refusing the lock directory {0}: others can write it (mode {shown}); run `chmod 0700 {0}`, or remove \
                 it and lanctl recreates it",
                dir.path().display()
            )
        );
    }
    assert!(!dir.path().join("lock").exists());
    // Read access for others is harmless: they still cannot create or replace anything.
    set_mode(dir.path(), 0o755);
    let _lock = Lock::acquire_in(dir.path(), Duration::ZERO, &mut quiet()).unwrap();
}

#[test]
fn a_lock_file_that_is_not_a_regular_file_is_refused() {
    let dir = lock_dir();
    let path = dir.path().join("lock");
    let made = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(made.success());
    let e = refusal(dir.path());
    assert_eq!(
        e.to_string(),
        format!("refusing the lock file {0}: it is a named pipe; remove it (`rm {0}`) and retry", path.display())
    );

    std::fs::remove_file(&path).unwrap();
    std::fs::create_dir(&path).unwrap();
    let e = refusal(dir.path());
    assert_eq!(
        e.to_string(),
        format!("refusing the lock file {0}: it is a directory; remove it (`rm -r {0}`) and retry", path.display())
    );
}

/// Runs `script` as uid/gid 65534 with no supplementary groups.
fn as_nobody(script: &str) {
    let status = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--", "sh", "-c", script])
        .status()
        .expect("util-linux setpriv");
    assert!(status.success(), "as nobody: {script}");
}

#[test]
fn what_an_unprivileged_user_planted_is_refused() {
    // The old layout: a shared, sticky, world-writable directory such as /run/lock.
    let shared = lock_dir();
    set_mode(shared.path(), 0o1777);
    let e = refusal(shared.path());
    assert!(e.to_string().contains(": others can write it (mode 1777); "), "{e}");

    // A user who got to the directory's name first.
    let dir = shared.path().join("lanctl");
    let planted = quoted(&dir);
    as_nobody(&format!("mkdir {planted} && chmod 0755 {planted} && : > {planted}/lock"));
    let e = refusal(&dir);
    assert!(e.to_string().starts_with(&format!("refusing the lock directory {}: it belongs to uid {NOBODY}, ", dir.display())));

    // Root took the directory back, but the user's file is still inside.
    chown(&dir, Some(me()), Some(0)).unwrap();
    set_mode(&dir, 0o700);
    let e = refusal(&dir);
    assert!(e.to_string().starts_with(&format!("refusing the lock file {}/lock: it belongs to uid {NOBODY}, ", dir.display())));

    // A user's symlink in place of the directory, aimed at a directory of root's.
    let roots = lock_dir();
    let link = shared.path().join("link");
    as_nobody(&format!("ln -s {} {}", quoted(roots.path()), quoted(&link)));
    let e = refusal(&link);
    assert!(e.to_string().starts_with(&format!("refusing the lock directory {}: it is a symbolic link; ", link.display())));
    assert!(!roots.path().join("lock").exists());
}

#[test]
fn the_timeout_comes_from_whole_seconds() {
    use std::ffi::OsString;
    let t = |v: &str| timeout_from(Some(OsString::from(v)));
    assert_eq!(timeout_from(None).unwrap(), Duration::from_secs(60));
    assert_eq!(t("").unwrap(), Duration::from_secs(60));
    assert_eq!(t("5").unwrap(), Duration::from_secs(5));
    assert_eq!(t("0").unwrap(), Duration::ZERO);
    assert_eq!(t("86400").unwrap(), Duration::from_secs(86_400));
    for bad in ["abc", "-1", "1.5", "86401", "60s"] {
        let e = t(bad).unwrap_err();
        assert_eq!(e.exit, Exit::Usage);
        assert_eq!(
            e.to_string(),
            format!(
                "LANCTL_LOCK_TIMEOUT={bad:?} is not a whole number of seconds from 0 to 86400; set it to how long to \
                 wait for another lanctl, such as 60, or unset it"
            )
        );
    }
}

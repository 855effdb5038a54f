//! The host-wide advisory lock held while lanctl chooses addresses and starts the
//! containers that take them, so two lanctl processes never pick the same address.
//!
//! lanctl runs as root, so the lock lives where only the caller can write: a directory of
//! lanctl's own, `/run/lanctl` (tmpfs, cleared at boot), mode 0700. In a shared,
//! world-writable directory any user could hold the lock to stall every root `up`, or
//! plant a symlink to make root create and truncate a file of the user's choosing. So the
//! directory and the file are checked on the descriptors lanctl opened (fstat, never a
//! separate stat that could be raced): both must belong to the caller, the directory must
//! not be writable by group or others, neither may be a symlink, and the lock must be a
//! regular file, which lanctl keeps at mode 0600. `LANCTL_LOCK_DIR` replaces the
//! directory and is held to the same rules.
//!
//! The holder writes its pid into the file, so a waiting lanctl can say whom it waits
//! for, and it waits only so long (`LANCTL_LOCK_TIMEOUT`, 60 s by default) before it
//! gives up with that pid in the error.

use std::fs::{File, TryLockError};
use std::io::Write;
use std::os::fd::OwnedFd;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rustix::fs::{FileType, Mode, OFlags, Stat};
use rustix::io::Errno;

use crate::exec::error::{Error, Result};

/// The lock directory unless `LANCTL_LOCK_DIR` names another.
pub const DEFAULT_DIR: &str = "/run/lanctl";
/// The lock file's name inside the directory.
pub const FILE_NAME: &str = "lock";
/// How long `acquire` waits for another lanctl unless `LANCTL_LOCK_TIMEOUT` says otherwise:
/// a normal `up` holds the lock for seconds, so a minute means something is wrong.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The longest wait `LANCTL_LOCK_TIMEOUT` may ask for (a day): beyond it, a typo is likelier
/// than an intent.
const MAX_TIMEOUT_SECS: u64 = 86_400;
/// How often a waiting lanctl tries again: quick enough that nobody notices the gap.
const POLL: Duration = Duration::from_millis(50);

const DIR_ENV: &str = "LANCTL_LOCK_DIR";
const TIMEOUT_ENV: &str = "LANCTL_LOCK_TIMEOUT";

/// Held until dropped; the kernel releases it if the process dies.
#[must_use = "the lock is released as soon as it is dropped"]
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

impl Lock {
    /// Takes the host-wide lock in `LANCTL_LOCK_DIR` (else `/run/lanctl`), waiting up to
    /// `LANCTL_LOCK_TIMEOUT` seconds (else 60) and telling stderr once whom it waits for.
    pub fn acquire() -> Result<Lock> {
        let timeout = timeout_from(std::env::var_os(TIMEOUT_ENV))?;
        Lock::acquire_in(&dir(), timeout, &mut std::io::stderr())
    }

    /// `acquire` with the directory and the wait given, and the waiting notice written to
    /// `notice`: what the tests drive, without touching the process environment.
    pub(crate) fn acquire_in(dir: &Path, timeout: Duration, notice: &mut dyn Write) -> Result<Lock> {
        let dir_fd = open_dir(dir)?;
        let path = dir.join(FILE_NAME);
        let file = open_file(&dir_fd, &path)?;
        wait_for(&file, &path, timeout, notice)?;
        Ok(Lock::held(file))
    }

    /// Takes the lock only if no other lanctl holds it now; `None` if one does. For work
    /// that can wait for a later run but must not run beside another lanctl.
    pub fn try_acquire() -> Result<Option<Lock>> {
        Lock::try_acquire_in(&dir())
    }

    pub(crate) fn try_acquire_in(dir: &Path) -> Result<Option<Lock>> {
        let dir_fd = open_dir(dir)?;
        let path = dir.join(FILE_NAME);
        let file = open_file(&dir_fd, &path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Lock::held(file))),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => {
                Err(Error::failed(format!("cannot lock {}: {e}", path.display()))
                    .hint("check the file system it is on, then retry"))
            }
        }
    }

    /// The lock on `file`, just taken: records the holder's pid.
    fn held(file: File) -> Lock {
        // The pid is written after the old one's end is cut off, so a reader of the first
        // line sees the previous holder's pid or ours, never a blend. It only informs
        // waiters: a failed write must not stop the run.
        let line = format!("{}\n", std::process::id());
        if file.write_all_at(line.as_bytes(), 0).is_ok() {
            let _ = file.set_len(line.len() as u64);
        }
        Lock { _file: file }
    }
}

/// `$LANCTL_LOCK_DIR`, else /run/lanctl.
pub(crate) fn dir() -> PathBuf {
    match std::env::var_os(DIR_ENV).filter(|d| !d.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(DEFAULT_DIR),
    }
}

/// The wait `LANCTL_LOCK_TIMEOUT` asks for: whole seconds, 0 meaning do not wait.
fn timeout_from(value: Option<std::ffi::OsString>) -> Result<Duration> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_TIMEOUT);
    };
    let text = value.to_string_lossy();
    match text.trim().parse::<u64>() {
        Ok(secs) if secs <= MAX_TIMEOUT_SECS => Ok(Duration::from_secs(secs)),
        _ => Err(Error::usage(format!("{TIMEOUT_ENV}={text:?} is not a whole number of seconds from 0 to {MAX_TIMEOUT_SECS}"))
            .hint("set it to how long to wait for another lanctl, such as 60, or unset it")),
    }
}

/// Creates the directory if missing (mode 0700 given to mkdir itself, so no umask can
/// open it to others) and opens it without following a symlink; then checks who owns it
/// and who may write it, on the open descriptor. `hint` keeps its file here too.
pub(crate) fn open_dir(dir: &Path) -> Result<OwnedFd> {
    let shown = dir.display();
    let created = match rustix::fs::mkdir(dir, Mode::RWXU) {
        Ok(()) => true,
        // Another lanctl may have made it a moment ago: the checks below judge it alike.
        Err(Errno::EXIST) => false,
        Err(e) => {
            return Err(Error::check(format!("cannot create the lock directory {shown}: {}", std::io::Error::from(e)))
                .hint(format!("run lanctl as root, or set {DIR_ENV} to a directory only you can write")));
        }
    };
    open_checked(dir, created)
}

/// `open_dir` for a directory that is already there, held to the same rules; none is made
/// (a read that may run in a dry run, such as `hint::networks`).
pub(crate) fn open_existing_dir(dir: &Path) -> Result<OwnedFd> {
    open_checked(dir, false)
}

/// Opens `dir` without following a symlink and checks, on the descriptor, who owns it and
/// who may write it; `created` when this process just made it.
fn open_checked(dir: &Path, created: bool) -> Result<OwnedFd> {
    let shown = dir.display();
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::open(dir, flags, Mode::empty()).map_err(|e| match e {
        Errno::LOOP | Errno::NOTDIR => refuse_dir(dir, &format!("it is {}", what_is(dir))),
        e => Error::check(format!("cannot open the lock directory {shown}: {}", std::io::Error::from(e)))
            .hint(format!("run lanctl as root, or set {DIR_ENV} to a directory only you can write")),
    })?;
    if created {
        // A umask that took the owner's own bits would leave a directory we cannot use.
        let _ = rustix::fs::fchmod(&fd, Mode::RWXU);
    }
    let st = stat(&fd, dir, "lock directory")?;
    if let Some(owner) = foreign_owner(&st) {
        return Err(refuse_dir(dir, &owner));
    }
    let mode = st.st_mode & 0o7777;
    if mode & 0o022 != 0 {
        return Err(Error::check(format!("refusing the lock directory {shown}: others can write it (mode {mode:04o})"))
            .hint(format!("run `chmod 0700 {}`, or remove it and lanctl recreates it", quoted(dir))));
    }
    Ok(fd)
}

/// Opens (creating, mode 0600) the lock file inside the checked directory without
/// following a symlink, then checks on the descriptor that it is a regular file of ours,
/// and makes it 0600 if it was more open: a directory others may enter (0755 is
/// accepted) must not let them open the file, since a read-only descriptor is enough to
/// hold a shared lock that stalls every lanctl.
fn open_file(dir_fd: &OwnedFd, path: &Path) -> Result<File> {
    let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = rustix::fs::openat(dir_fd, FILE_NAME, flags, Mode::RUSR | Mode::WUSR).map_err(|e| match e {
        Errno::LOOP | Errno::ISDIR => refuse_file(path, what_is(path)),
        e => Error::check(format!("cannot open the lock file {}: {}", path.display(), std::io::Error::from(e)))
            .hint(format!("run lanctl as root, or set {DIR_ENV} to a directory only you can write")),
    })?;
    let st = stat(&fd, path, "lock file")?;
    let kind = FileType::from_raw_mode(st.st_mode);
    if kind != FileType::RegularFile {
        return Err(refuse_file(path, describe(kind)));
    }
    if let Some(owner) = foreign_owner(&st) {
        return Err(Error::check(format!("refusing the lock file {}: {owner}", path.display()))
            .hint(format!("remove it (`rm {}`) and retry", quoted(path))));
    }
    if st.st_mode & 0o7777 != 0o600 {
        rustix::fs::fchmod(&fd, Mode::RUSR | Mode::WUSR).map_err(|e| {
            Error::check(format!("cannot make the lock file {} mode 0600: {}", path.display(), std::io::Error::from(e)))
                .hint(format!("remove it (`rm {}`) and retry", quoted(path)))
        })?;
    }
    Ok(File::from(fd))
}

fn stat(fd: &OwnedFd, path: &Path, what: &str) -> Result<Stat> {
    rustix::fs::fstat(fd).map_err(|e| {
        Error::check(format!("cannot inspect the {what} {}: {}", path.display(), std::io::Error::from(e)))
            .hint("check the file system it is on")
    })
}

/// Why `st` is not ours, or `None` when the caller owns it.
fn foreign_owner(st: &Stat) -> Option<String> {
    let me = rustix::process::geteuid().as_raw();
    (st.st_uid != me).then(|| format!("it belongs to uid {}, not to uid {me} that runs lanctl", st.st_uid))
}

fn refuse_dir(dir: &Path, why: &str) -> Error {
    Error::check(format!("refusing the lock directory {}: {why}", dir.display()))
        .hint(format!("remove it and lanctl recreates it, or set {DIR_ENV} to a directory only you can write"))
}

/// The lock file is something else than a file: `what` says what.
fn refuse_file(path: &Path, what: &str) -> Error {
    let rm = if what == describe(FileType::Directory) { "rm -r" } else { "rm" };
    Error::check(format!("refusing the lock file {}: it is {what}", path.display()))
        .hint(format!("remove it (`{rm} {}`) and retry", quoted(path)))
}

/// What occupies `path`, looked at without following it (for messages only).
fn what_is(path: &Path) -> &'static str {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => "a symbolic link",
        Ok(m) => describe(FileType::from_raw_mode(std::os::unix::fs::MetadataExt::mode(&m))),
        Err(_) => "not what lanctl expects there",
    }
}

fn describe(kind: FileType) -> &'static str {
    match kind {
        FileType::RegularFile => "a regular file",
        FileType::Directory => "a directory",
        FileType::Symlink => "a symbolic link",
        FileType::Fifo => "a named pipe",
        FileType::Socket => "a socket",
        FileType::CharacterDevice => "a character device",
        FileType::BlockDevice => "a block device",
        FileType::Unknown => "not a regular file",
    }
}

fn quoted(path: &Path) -> String {
    crate::exec::quote::quote(&path.to_string_lossy())
}

/// Tries the lock every `POLL` until `timeout` has passed. The first time it is busy,
/// says once on `notice` whom lanctl waits for (unless it is not going to wait at all).
fn wait_for(file: &File, path: &Path, timeout: Duration, notice: &mut dyn Write) -> Result<()> {
    let started = Instant::now();
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => {
                return Err(Error::failed(format!("cannot lock {}: {e}", path.display()))
                    .hint("check the file system it is on, then retry"));
            }
        }
        let waited = started.elapsed();
        if waited >= timeout {
            return Err(timed_out(holder(file), path, timeout));
        }
        if !told {
            let who = match holder(file) {
                Some(pid) => format!("pid {pid}"),
                None => "pid unknown".to_string(),
            };
            // Only a courtesy: a closed stderr must not stop the wait.
            let _ = writeln!(notice, "lanctl: waiting for another lanctl ({who}) to finish; it holds {}", path.display());
            told = true;
        }
        std::thread::sleep(POLL.min(timeout - waited));
    }
}

/// The pid the current holder wrote, if any: the first line of the file.
fn holder(file: &File) -> Option<u32> {
    let mut buf = [0u8; 32];
    let n = file.read_at(&mut buf, 0).ok()?;
    let text = std::str::from_utf8(&buf[..n]).ok()?;
    text.lines().next()?.trim().parse().ok().filter(|&pid| pid > 0)
}

fn timed_out(holder: Option<u32>, path: &Path, timeout: Duration) -> Error {
    let held = if timeout.is_zero() {
        format!("holds {}", path.display())
    } else {
        format!("has held {} for {}", path.display(), crate::exec::error::duration(timeout))
    };
    match holder {
        Some(pid) => Error::failed(format!("another lanctl (pid {pid}) {held}"))
            .hint(format!("wait for it to finish (or set {TIMEOUT_ENV} to wait longer), or check that process (`ps -fp {pid}`)")),
        None => Error::failed(format!("a process that did not record its pid {held}"))
            .hint(format!("wait for it to finish (or set {TIMEOUT_ENV} to wait longer), or find it with `lslocks`")),
    }
}

#[cfg(test)]
mod tests;

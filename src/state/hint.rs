//! What `ls` found it needed last time on a host: the names of the networks whose running
//! tenants it listed, kept in lanctl's lock directory as `networks.HOST`. The next `ls`
//! inspects those networks alongside its `docker ps` instead of after it, one round of
//! docker processes instead of two (issue 15).
//!
//! It is a guess and nothing more: every row still comes from this run's reads. A network
//! the guess misses, or whose early read fails, is read after `docker ps` as before; a
//! network it names for nothing costs at most that early read. A hint that cannot be read
//! or written is no hint, and nothing here is reported. The directory is the lock's,
//! checked by `lock` (reading never creates it, so a dry run leaves no trace); the file is
//! opened without following a symlink and used only if it is a regular file of the
//! caller's, and it is replaced whole (written aside, then renamed), so a reader never
//! sees half of one.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use crate::exec::transport::LOCAL;

/// More than any real hint holds; a longer file is read only this far.
const MAX_BYTES: u64 = 16 * 1024;

/// The name the hint of the engine that `docker` (with `--context context`, if given) talks
/// to is filed under. Without `--context` the docker CLI picks the engine itself, from
/// `DOCKER_HOST`, else `DOCKER_CONTEXT`, else the `currentContext` of its config file
/// (`docker context use`), so those pick the hint too: one engine's networks are never
/// another's guess.
pub fn engine_key(context: Option<&str>) -> String {
    if let Some(c) = context {
        return c.to_string();
    }
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let current = || {
        let config =
            var("DOCKER_CONFIG").map(std::path::PathBuf::from).or_else(|| Some(Path::new(&var("HOME")?).join(".docker")))?;
        let text = std::fs::read_to_string(config.join("config.json")).ok()?;
        let v: serde_json::Value = serde_json::from_str(&text).ok()?;
        v.get("currentContext")?.as_str().filter(|c| !c.is_empty()).map(String::from)
    };
    key_of(var("DOCKER_HOST").as_deref(), var("DOCKER_CONTEXT").as_deref(), current)
}

/// [`engine_key`] without `--context`, from what the environment holds.
fn key_of(docker_host: Option<&str>, docker_context: Option<&str>, current: impl FnOnce() -> Option<String>) -> String {
    match (docker_host, docker_context) {
        // An address is no file name: it is filed under a digest of itself (FNV-1a, which
        // is stable across builds, unlike std's hasher).
        (Some(h), _) => {
            let digest = h.bytes().fold(0xcbf2_9ce4_8422_2325u64, |d, b| (d ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
            format!("{LOCAL}.host-{digest:016x}")
        }
        (None, Some(c)) => c.to_string(),
        (None, None) => current().unwrap_or_else(|| LOCAL.to_string()),
    }
}

/// The networks the last `ls` of `host` needed, in the default lock directory.
pub fn networks(host: &str) -> Vec<String> {
    networks_in(&crate::target::lock::dir(), host).unwrap_or_default()
}

/// Remembers `names` as what `ls` of `host` needs.
pub fn remember(host: &str, names: &[&str]) {
    let _ = remember_in(&crate::target::lock::dir(), host, names);
}

pub(crate) fn networks_in(dir: &Path, host: &str) -> Option<Vec<String>> {
    let dir_fd = crate::target::lock::open_existing_dir(dir).ok()?;
    let fd = open(&dir_fd, &file_name(host)?, OFlags::RDONLY)?;
    let mut text = String::new();
    File::from(fd).take(MAX_BYTES).read_to_string(&mut text).ok()?;
    Some(text.lines().filter(|l| plain_name(l)).map(String::from).collect())
}

pub(crate) fn remember_in(dir: &Path, host: &str, names: &[&str]) -> Option<()> {
    let name = file_name(host)?;
    let dir_fd = crate::target::lock::open_dir(dir).ok()?;
    let aside = format!("{name}.{}", std::process::id());
    // A file left aside by a process of this pid that died is ours to replace.
    let _ = rustix::fs::unlinkat(&dir_fd, aside.as_str(), AtFlags::empty());
    let fd = open(&dir_fd, &aside, OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL)?;
    let text: String = names.iter().filter(|n| plain_name(n)).map(|n| format!("{n}\n")).collect();
    let written = File::from(fd).write_all(text.as_bytes()).is_ok();
    if !written || rustix::fs::renameat(&dir_fd, aside.as_str(), &dir_fd, name.as_str()).is_err() {
        let _ = rustix::fs::unlinkat(&dir_fd, aside.as_str(), AtFlags::empty());
        return None;
    }
    Some(())
}

/// The hint's file name for `host`, if `host` is a name docker gives contexts.
fn file_name(host: &str) -> Option<String> {
    let plain = host.split('+').all(plain_name);
    plain.then(|| format!("networks.{host}"))
}

/// `name` in the checked directory `dir_fd`, opened with `access` if it is a regular file
/// of ours. Never blocks (a named pipe planted there would) and never follows a symlink.
fn open(dir_fd: &OwnedFd, name: &str, access: OFlags) -> Option<OwnedFd> {
    let flags = access | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    let fd = rustix::fs::openat(dir_fd, name, flags, Mode::RUSR | Mode::WUSR).ok()?;
    let st = rustix::fs::fstat(&fd).ok()?;
    let ours = st.st_uid == rustix::process::geteuid().as_raw();
    (ours && FileType::from_raw_mode(st.st_mode) == FileType::RegularFile).then_some(fd)
}

/// A name as docker gives networks (and, between `+`s, contexts): letters, digits and
/// `_.-` after a letter or digit. Anything else is left out of the hint rather than
/// passed to docker.
fn plain_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && s.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        d
    }

    #[test]
    fn the_hint_is_filed_under_the_engine_docker_uses() {
        let none = || None;
        assert_eq!(key_of(None, None, none), "default");
        assert_eq!(key_of(None, None, || Some("h2".into())), "h2", "docker context use h2");
        assert_eq!(key_of(None, Some("h3"), || Some("h2".into())), "h3", "DOCKER_CONTEXT wins over the config");
        let a = key_of(Some("unix:///run/a.sock"), Some("h3"), none);
        let b = key_of(Some("unix:///run/b.sock"), None, none);
        assert!(a.starts_with("default.host-") && b.starts_with("default.host-") && a != b, "{a} {b}");
        assert_eq!(a, key_of(Some("unix:///run/a.sock"), None, none), "DOCKER_HOST wins over DOCKER_CONTEXT");
        assert!(file_name(&a).is_some(), "the key is a file name the hint accepts");
        assert_eq!(engine_key(Some("h9")), "h9", "--context names the engine");
    }

    #[test]
    fn what_is_remembered_for_a_host_is_read_back_for_that_host_only() {
        let d = dir();
        assert_eq!(networks_in(d.path(), "local"), None);
        remember_in(d.path(), "local", &["ltnet", "lt-two"]).unwrap();
        remember_in(d.path(), "other", &["elsewhere"]).unwrap();
        assert_eq!(networks_in(d.path(), "local"), Some(vec!["ltnet".to_string(), "lt-two".to_string()]));
        remember_in(d.path(), "local", &["ltnet"]).unwrap();
        assert_eq!(networks_in(d.path(), "local"), Some(vec!["ltnet".to_string()]));
        assert_eq!(networks_in(d.path(), "other"), Some(vec!["elsewhere".to_string()]));
    }

    #[test]
    fn names_docker_would_not_give_are_neither_written_nor_read() {
        let d = dir();
        remember_in(d.path(), "local", &["ok", "-opt", "a b", ""]).unwrap();
        assert_eq!(std::fs::read_to_string(d.path().join("networks.local")).unwrap(), "ok\n");
        std::fs::write(d.path().join("networks.local"), "ok\n--format={{.}}\n../x\n").unwrap();
        assert_eq!(networks_in(d.path(), "local"), Some(vec!["ok".to_string()]));
        assert_eq!(remember_in(d.path(), "../up", &["ok"]), None);
        assert_eq!(networks_in(d.path(), "../up"), None);
    }

    #[test]
    fn a_symlink_in_its_place_is_no_hint_and_is_replaced_not_followed() {
        let d = dir();
        let target = d.path().join("target");
        std::fs::write(&target, "ltnet\n").unwrap();
        std::os::unix::fs::symlink(&target, d.path().join("networks.local")).unwrap();
        assert_eq!(networks_in(d.path(), "local"), None);
        remember_in(d.path(), "local", &["other"]).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "ltnet\n", "the link's target is untouched");
        assert!(std::fs::symlink_metadata(d.path().join("networks.local")).unwrap().is_file());
        assert_eq!(networks_in(d.path(), "local"), Some(vec!["other".to_string()]));
    }

    #[test]
    fn a_directory_in_its_place_is_no_hint_and_stays_with_nothing_left_aside() {
        let d = dir();
        std::fs::create_dir(d.path().join("networks.h2")).unwrap();
        assert_eq!(networks_in(d.path(), "h2"), None);
        assert_eq!(remember_in(d.path(), "h2", &["ltnet"]), None);
        let names: Vec<String> =
            std::fs::read_dir(d.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["networks.h2"]);
    }

    #[test]
    fn reading_never_makes_the_directory_and_a_context_name_may_hold_a_plus() {
        let d = dir();
        let missing = d.path().join("lanctl");
        assert_eq!(networks_in(&missing, "local"), None);
        assert!(!missing.exists());
        remember_in(d.path(), "ssh+lab", &["ltnet"]).unwrap();
        assert_eq!(networks_in(d.path(), "ssh+lab"), Some(vec!["ltnet".to_string()]));
    }

    #[test]
    fn a_directory_others_can_write_gives_no_hint() {
        let d = dir();
        remember_in(d.path(), "local", &["ltnet"]).unwrap();
        std::fs::set_permissions(d.path(), std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
        assert_eq!(networks_in(d.path(), "local"), None);
    }
}

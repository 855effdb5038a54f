//! Shared harness of the integration tests (`mod common;` in tests/testsuite/main.rs; each
//! test module has `use crate::common::*;`).
//!
//! * [`Fake`] (fake.rs): fake `docker`, `ip` and `arping` first on PATH, which log every
//!   call with its `LANCTL_CALL` kind and answer from rules; a call no rule answers fails
//!   the test. Fast, harmless, no root needed.
//! * [`fake_context`], [`fake_ssh`] (contexts.rs): other hosts that are the same fake
//!   engine behind `--context NAME`, and a fake `ssh` standing in for the remote shell.
//! * [`Run`] (run.rs): runs lanctl in a `Fake` and asserts its exact stdout, stderr, exit
//!   code and list of changes.
//! * [`RealEnv`] (real.rs): a guard for real-engine tests: a private veth parent, a
//!   blackholed test subnet, unique `lt…` names, a record of what it holds (held.rs), and
//!   removal of everything on drop (also on panic). It waits for the cross-run lock
//!   (lock.rs) and refuses a subnet the host depends on (hostdeps.rs). Those tests are
//!   `#[ignore = "real engine: run scripts/test.sh"]`.
//! * [`TwoHosts`] (twohost.rs): on a `RealEnv`, two Docker hosts (netns, private dockerd,
//!   sshd) and a LAN client on one bridge, reached from here through docker contexts over
//!   ssh: for `--host` and issue 11. Real-engine too.
//!
//! # Addresses
//!
//! Nothing any test, benchmark or lab sends may leave the machine, and 203.0.113.0/24 is
//! not free (package mirrors answer there on some networks: blackholing it cuts apt and
//! cargo off). Everything real uses 198.51.100.0/24 (TEST-NET-2) only, in /26 slots, so
//! that runs of different kinds never hold the same subnet:
//!
//! | slot               | user                                                    |
//! | ------------------ | ------------------------------------------------------- |
//! | 198.51.100.0/26    | real-engine tests (RealEnv): the first subnet            |
//! | 198.51.100.64/26   | real-engine tests: the second, for a test that needs two |
//! | 198.51.100.128/26  | scripts/bench.sh                                         |
//! | 198.51.100.192/26  | the VM lab (scripts/lab)                                 |
//!
//! Fixtures captured from a real engine (tests/fixtures) describe a network on the whole
//! /24; only fakes read them, and fakes send nothing.

pub mod contexts;
pub mod diff;
pub mod dnsmasq;
pub mod fake;
pub mod held;
pub mod hostdeps;
pub mod lock;
pub mod real;
pub mod run;
pub mod schema;
pub mod twohost;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use contexts::{context_json, fake_context, fake_ssh};
pub use dnsmasq::Dnsmasq;
pub use fake::{Call, Fake, Kind, NO_RULE_EXIT};
pub use lock::RealLock;
pub use real::{
    assert_subnet_is_free, blackhole_present, is_root, kernel_supports_link_type, leftovers, unique_tag, RealEnv, CRASH, HEALTH,
    IMAGE, SHELL,
};
pub use run::{Done, Run};
pub use schema::assert_documented;
pub use twohost::{Host, TwoHosts};

/// The lanctl binary under test.
pub const LANCTL: &str = env!("CARGO_BIN_EXE_lanctl");
/// The only range anything real may put on a link (RFC 5737 TEST-NET-2).
pub const TEST_RANGES: [&str; 1] = ["198.51.100.0/24"];
/// The slots of real-engine tests (see the table above).
pub const TEST_SLOTS: [&str; 2] = ["198.51.100.0/26", "198.51.100.64/26"];
/// scripts/bench.sh's slot.
pub const BENCH_SLOT: &str = "198.51.100.128/26";
/// The VM lab's slot (scripts/lab).
pub const LAB_SLOT: &str = "198.51.100.192/26";

/// Single-quotes for bash.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// An argv as one bash line, quoting only the words that need it: for messages.
pub fn shell_line(argv: &[String]) -> String {
    let plain = |a: &str| !a.is_empty() && a.bytes().all(|b| b.is_ascii_alphanumeric() || b"_./:=@%+,-".contains(&b));
    argv.iter().map(|a| if plain(a) { a.clone() } else { shell_quote(a) }).collect::<Vec<_>>().join(" ")
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
    fake::split_nul(&out.stdout)
}

/// Path of a file in tests/fixtures/.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

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
pub fn quiet(program: &str, args: &[&str]) {
    let _ = Command::new(program).args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

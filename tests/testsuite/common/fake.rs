//! Fake `docker`, `ip`, `arping`, `ndisc6` and `systemd-detect-virt`: first on PATH, they log every
//! call and answer from rules. A call that no rule answers fails loudly: the fake exits 97 with a message, and
//! the test fails too, even when lanctl swallowed the error (see [`Fake::assert_no_unmatched`]).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use tempfile::TempDir;

use super::{shell_line, LANCTL};

/// The exit status of a fake call that no rule answers: not one docker or ip uses.
pub const NO_RULE_EXIT: i32 = 97;

/// Every fake runs this. Call order across concurrent processes comes from a counter under
/// flock, replaced by a rename: lanctl kills fakes (an event stream it no longer needs), and
/// one killed while it rewrote the counter in place left it empty. Each call goes
/// NUL-separated into its own file (`LANCTL_CALL` value, program, arguments), so arguments
/// with spaces or newlines survive. Rules are directories, tried
/// in name order. An unanswered call is also copied to unmatched/, which the test reads.
const FAKE_SCRIPT: &str = r#"#!/bin/bash
# Its own tools (flock, cat, mv) also under a PATH of the fakes alone (Fake::only_fakes_path).
PATH="$PATH:/usr/local/bin:/usr/bin:/bin"
root=@ROOT@
prog="${0##*/}"
kind="${LANCTL_CALL-unset}"
{
  flock 9
  c=$(cat "$root/seq" 2>/dev/null || echo 0)
  [[ $c =~ ^[0-9]+$ ]] || { echo "fake $prog: the call counter $root/seq holds '$c', not a number" >&2; exit 97; }
  n=$(( c + 1 ))
  echo "$n" > "$root/seq.tmp" && mv "$root/seq.tmp" "$root/seq"
} 9>"$root/seq.lock"
printf -v f '%s/log/%08d' "$root" "$n"
printf '%s\0' "$kind" "$prog" "$@" > "$f.tmp" && mv "$f.tmp" "$f"
for r in "$root"/rules/*/; do
  [[ -d $r && $(<"$r/program") == "$prog" ]] || continue
  pat=$(<"$r/pattern")
  [[ "$*" == $pat ]] || continue
  if [[ -f $r/script ]]; then . "$r/script"; exit; fi
  [[ -f $r/stdout ]] && cat "$r/stdout"
  [[ -f $r/stderr ]] && cat "$r/stderr" >&2
  exit "$(<"$r/exit")"
done
printf -v line ' %q' "$@"
echo "fake $prog: no rule for:$line" >&2
cp "$f" "$root/unmatched/${f##*/}"
exit 97
"#;

/// What lanctl told a child it was, through `LANCTL_CALL` (src/runner.rs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    Query,
    Change,
    /// Not set: a process started outside lanctl's runner (or by the test itself).
    Unset,
    /// Set to something else: a runner defect, kept verbatim for the failure message.
    Other(String),
}

impl Kind {
    fn parse(s: &str) -> Kind {
        match s {
            "query" => Kind::Query,
            "change" => Kind::Change,
            "unset" => Kind::Unset,
            other => Kind::Other(other.to_string()),
        }
    }
}

/// One logged call: its kind, and argv with the program's basename first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    pub seq: usize,
    pub kind: Kind,
    pub argv: Vec<String>,
}

/// Fake `docker`, `ip`, `arping`, `ndisc6` and `systemd-detect-virt` (plus any program
/// added with [`Fake::add_program`]).
///
/// Dropping a `Fake` after calls that no rule answered fails the test (unless it is
/// already failing), so a test cannot forget to look.
pub struct Fake {
    dir: TempDir,
    rules: AtomicUsize,
}

impl Default for Fake {
    fn default() -> Self {
        Fake::new()
    }
}

impl Fake {
    pub fn new() -> Fake {
        let dir = tempfile::Builder::new().prefix("lanctl-fake").tempdir().expect("tempdir");
        for sub in ["bin", "log", "rules", "lock", "unmatched"] {
            fs::create_dir(dir.path().join(sub)).expect("mkdir");
        }
        let fake = Fake { dir, rules: AtomicUsize::new(0) };
        // arping, ndisc6 and systemd-detect-virt too: lanctl finds them on PATH, and the
        // real ones would make a test's outcome depend on the LAN and the machine it runs on.
        for p in ["docker", "ip", "arping", "ndisc6", "systemd-detect-virt"] {
            fake.add_program(p);
        }
        fake
    }

    /// Puts one more fake program into bin/.
    pub fn add_program(&self, name: &str) {
        let root = super::shell_quote(self.dir.path().to_str().expect("utf-8 tempdir"));
        let path = self.bin().join(name);
        fs::write(&path, FAKE_SCRIPT.replace("@ROOT@", &root)).expect("write fake");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    /// `program` called with args whose `"$*"` matches the bash glob `pattern` exits with
    /// `exit` after printing `stdout`. The first matching rule wins.
    pub fn on(&self, program: &str, pattern: &str, exit: i32, stdout: &str) {
        self.rule(program, pattern, exit, &[("stdout", stdout)]);
    }

    /// Like [`Fake::on`] but the text goes to stderr (docker's error messages).
    pub fn on_err(&self, program: &str, pattern: &str, exit: i32, stderr: &str) {
        self.rule(program, pattern, exit, &[("stderr", stderr)]);
    }

    /// Like [`Fake::on`] with stdout taken from a file, e.g. [`super::fixture`]`("docker-info.json")`.
    pub fn on_file(&self, program: &str, pattern: &str, exit: i32, stdout_file: impl AsRef<Path>) {
        let p = stdout_file.as_ref();
        let text = fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        self.on(program, pattern, exit, &text);
    }

    /// Escape hatch: a matching call sources this bash snippet ("$@" is the argv); the
    /// fake exits with the snippet's status. For sleeps, state, or output depending on args.
    pub fn on_script(&self, program: &str, pattern: &str, script: &str) {
        self.rule(program, pattern, 0, &[("script", script)]);
    }

    /// A call matching `pattern` is answered as one no rule answers (exit 97, kept for the
    /// test to fail on), whatever rules follow: for a call a test must prove is never
    /// made, though a fake host's default rules would answer it.
    pub fn unexpected(&self, program: &str, pattern: &str) {
        self.on_script(
            program,
            pattern,
            r#"printf -v line ' %q' "$@"; echo "fake $prog: no rule for:$line" >&2; cp "$f" "$root/unmatched/${f##*/}"; exit 97"#,
        );
    }

    fn rule(&self, program: &str, pattern: &str, exit: i32, files: &[(&str, &str)]) {
        let n = self.rules.fetch_add(1, Ordering::SeqCst);
        let d = self.dir.path().join("rules").join(format!("{n:06}"));
        fs::create_dir(&d).expect("mkdir rule");
        fs::write(d.join("program"), program).unwrap();
        fs::write(d.join("pattern"), pattern).unwrap();
        fs::write(d.join("exit"), exit.to_string()).unwrap();
        for (name, text) in files {
            fs::write(d.join(name), text).unwrap();
        }
    }

    fn read_calls(&self, sub: &str) -> Vec<Call> {
        let mut files: Vec<PathBuf> = fs::read_dir(self.dir.path().join(sub))
            .expect("log dir")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_none()) // skip half-written *.tmp
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| {
                let mut fields = split_nul(&fs::read(f).expect("read log"));
                let kind = Kind::parse(&fields.remove(0));
                let seq = f.file_name().unwrap().to_str().unwrap().parse().expect("log file name");
                Call { seq, kind, argv: fields }
            })
            .collect()
    }

    /// Every call so far, in call order, with its kind.
    pub fn log(&self) -> Vec<Call> {
        self.read_calls("log")
    }

    /// Every call so far, in call order; element 0 is the program's basename.
    pub fn calls(&self) -> Vec<Vec<String>> {
        self.log().into_iter().map(|c| c.argv).collect()
    }

    /// Every call so far as (kind, argv).
    pub fn calls_with_kind(&self) -> Vec<(Kind, Vec<String>)> {
        self.log().into_iter().map(|c| (c.kind, c.argv)).collect()
    }

    /// The calls of one program, argv without the program name.
    pub fn calls_of(&self, program: &str) -> Vec<Vec<String>> {
        self.calls().into_iter().filter(|c| c[0] == program).map(|c| c[1..].to_vec()).collect()
    }

    /// The calls that lanctl ran as changes (`LANCTL_CALL=change`), program name first.
    pub fn changes(&self) -> Vec<Vec<String>> {
        self.log().into_iter().filter(|c| c.kind == Kind::Change).map(|c| c.argv).collect()
    }

    /// The sequence number of the last call so far (0: none): calls after it are newer.
    pub fn mark(&self) -> usize {
        fs::read_to_string(self.dir.path().join("seq")).map(|s| s.trim().parse().expect("seq")).unwrap_or(0)
    }

    /// Forgets the calls logged so far (rules stay). Unanswered calls stay too: they
    /// still fail the test.
    pub fn clear_calls(&self) {
        for e in fs::read_dir(self.dir.path().join("log")).unwrap() {
            let _ = fs::remove_file(e.unwrap().path());
        }
    }

    /// The calls no rule answered, in call order.
    pub fn unmatched(&self) -> Vec<Call> {
        self.read_calls("unmatched")
    }

    /// Returns the unanswered calls and forgets them: for a test that provokes one.
    pub fn take_unmatched(&self) -> Vec<Call> {
        let calls = self.unmatched();
        for e in fs::read_dir(self.dir.path().join("unmatched")).unwrap() {
            let _ = fs::remove_file(e.unwrap().path());
        }
        calls
    }

    /// Panics, listing them, if any call went unanswered.
    #[track_caller]
    pub fn assert_no_unmatched(&self) {
        let calls = self.take_unmatched();
        if !calls.is_empty() {
            panic!("{}", unmatched_report(&calls));
        }
    }

    /// The LANCTL_LOCK_DIR of `lanctl()`: the lock, and `ls`'s hint of what to read early.
    pub fn lock_dir(&self) -> PathBuf {
        self.dir.path().join("lock")
    }

    /// The directory holding the fakes.
    pub fn bin(&self) -> PathBuf {
        self.dir.path().join("bin")
    }

    /// Full path of a fake, for `--docker PATH` / `LANCTL_DOCKER`.
    pub fn program_path(&self, name: &str) -> PathBuf {
        self.bin().join(name)
    }

    /// Takes a fake away: with [`Fake::only_fakes_path`], lanctl finds no such program.
    pub fn remove_program(&self, name: &str) {
        fs::remove_file(self.bin().join(name)).expect("remove fake");
    }

    /// A PATH of the fakes alone, for a test of a program that is not installed (the real
    /// one may be, in the directories of the usual PATH).
    pub fn only_fakes_path(&self) -> String {
        self.bin().display().to_string()
    }

    /// A PATH with the fakes first.
    pub fn path_env(&self) -> String {
        format!("{}:{}", self.bin().display(), std::env::var("PATH").unwrap_or_default())
    }

    /// Any program with the fake environment: fakes first on PATH, no inherited LANCTL_*
    /// (so LANCTL_DOCKER can't bypass the fake, nor LANCTL_CALL leak into the log), no
    /// inherited DOCKER_HOST or DOCKER_CONTEXT and a DOCKER_CONFIG of its own (they pick
    /// which engine lanctl files its `ls` hint under, and the test command exports a
    /// DOCKER_HOST for the real-engine tests), LANCTL_LOCK_DIR in the tempdir, stdin closed.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut c = Command::new(program);
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("LANCTL_") {
                c.env_remove(k);
            }
        }
        c.env_remove("DOCKER_HOST").env_remove("DOCKER_CONTEXT").env("DOCKER_CONFIG", self.dir.path().join("docker-config"));
        c.env("PATH", self.path_env()).env("LANCTL_LOCK_DIR", self.dir.path().join("lock"));
        // The fake's parents exist only in its rules: the native probe, which opens a real
        // socket on them, would fail (or, on a name that exists here, reach a real LAN).
        c.env("LANCTL_PROBE", "arping");
        c.stdin(Stdio::null());
        c
    }

    /// The lanctl binary in the fake environment, for what [`super::Run`] does not cover.
    pub fn lanctl(&self) -> assert_cmd::Command {
        assert_cmd::Command::from_std(self.command(LANCTL))
    }
}

impl Drop for Fake {
    fn drop(&mut self) {
        // A failing test has said what failed; a second panic would abort the process.
        if !std::thread::panicking() {
            self.assert_no_unmatched();
        }
    }
}

/// The failure message for calls that no rule answered.
pub fn unmatched_report(calls: &[Call]) -> String {
    let mut s = format!("{} fake call(s) matched no rule (the fake exited {NO_RULE_EXIT}):\n", calls.len());
    for c in calls {
        s += &format!("  [{:?}] {}\n", c.kind, shell_line(&c.argv));
    }
    s + "add a rule (Fake::on, on_err, on_file, on_script) for each, or find why lanctl made the call"
}

pub fn split_nul(bytes: &[u8]) -> Vec<String> {
    let mut v: Vec<String> = bytes.split(|b| *b == 0).map(|a| String::from_utf8_lossy(a).into_owned()).collect();
    v.pop(); // the piece after the final terminator
    v
}

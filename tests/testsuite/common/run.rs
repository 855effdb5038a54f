//! [`Run`]: runs lanctl once in a [`Fake`] and asserts all of its outcome at once.
//!
//! Everything is asserted unless the test says otherwise: stdout and stderr exactly
//! (default: empty), the exit code (default: 0), the exact list of changes, i.e. the argv
//! of every call lanctl ran with `LANCTL_CALL=change` (default: none), that every call was
//! a query or a change, and that the fake had a rule for every call. Anything looser is
//! asked for by name at the call site: `stdout_contains` (substrings),
//! `stderr_unordered` (lines of concurrent work), `ignoring_stderr_lines` (lines that
//! depend on the machine), `change_patterns` (`*` for lanctl's pid in names), and
//! `stdout_unchecked`/`stderr_unchecked`/`code_unchecked` (the test asserts on [`Done`]).
//! On failure, every mismatch is reported together, each with a line diff.

use std::ffi::{OsStr, OsString};

use super::fake::{unmatched_report, Call, Fake, Kind};
use super::{argv_of_line, diff, shell_line, LANCTL};

/// What a stream must hold.
#[derive(Clone, Debug)]
enum Expect {
    Exact(String),
    Contains(Vec<String>),
    /// Exactly these lines, in any order: for output of concurrent work.
    Unordered(String),
    /// The test parses it itself from [`Done`].
    Unchecked,
}

/// One lanctl run in a fake and what it must produce. Call [`Run::check`]: a `Run` dropped
/// unchecked fails the test.
pub struct Run<'f> {
    fake: &'f Fake,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    stdout: Expect,
    stderr: Expect,
    /// `None`: the test judges the code itself from [`Done::code`].
    code: Option<i32>,
    changes: Vec<Vec<String>>,
    /// Whether `*` in an expected change's argument matches any text.
    change_globs: bool,
    ignored_stderr: Vec<String>,
    checked: bool,
}

/// What a checked run printed and called, for further assertions.
#[derive(Debug)]
pub struct Done {
    /// The exit code; `None` when lanctl was killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The fake calls made during this run, in order.
    pub calls: Vec<Call>,
}

impl<'f> Run<'f> {
    pub fn new(fake: &'f Fake) -> Run<'f> {
        Run {
            fake,
            args: Vec::new(),
            env: Vec::new(),
            stdout: Expect::Exact(String::new()),
            stderr: Expect::Exact(String::new()),
            code: Some(0),
            changes: Vec::new(),
            change_globs: false,
            ignored_stderr: Vec::new(),
            checked: false,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Self {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Sets a variable for lanctl (the fake's environment has no inherited LANCTL_*).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env.push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// stdout must be exactly this.
    pub fn stdout(mut self, text: impl Into<String>) -> Self {
        self.stdout = Expect::Exact(text.into());
        self
    }

    /// stderr must be exactly this.
    pub fn stderr(mut self, text: impl Into<String>) -> Self {
        self.stderr = Expect::Exact(text.into());
        self
    }

    /// stdout must contain this (each call adds one substring). Only for output that is
    /// not deterministic; say why at the call site.
    pub fn stdout_contains(mut self, part: impl Into<String>) -> Self {
        self.stdout = contains(std::mem::replace(&mut self.stdout, Expect::Unchecked), part.into(), "stdout");
        self
    }

    /// stderr must hold exactly these lines, in any order: for what concurrent steps print
    /// (`-v` echoes queries that run at the same time).
    pub fn stderr_unordered(mut self, text: impl Into<String>) -> Self {
        self.stderr = Expect::Unordered(text.into());
        self
    }

    /// Drops stderr lines starting with `prefix` before comparing: for lines that depend on
    /// the machine the test runs on (the kernel checks read its /proc and /boot; lanctl has
    /// no way yet to point them at a fixture tree). Say why at the call site.
    pub fn ignoring_stderr_lines(mut self, prefix: impl Into<String>) -> Self {
        self.ignored_stderr.push(prefix.into());
        self
    }

    /// stdout is not compared: the test parses [`Done::stdout`] and asserts on it itself.
    pub fn stdout_unchecked(mut self) -> Self {
        self.stdout = Expect::Unchecked;
        self
    }

    /// The exit code (default 0).
    pub fn code(mut self, code: i32) -> Self {
        self.code = Some(code);
        self
    }

    /// The exit code is not compared: the test derives the expected one from what lanctl
    /// printed (doctor's code follows checks that read the real kernel).
    pub fn code_unchecked(mut self) -> Self {
        self.code = None;
        self
    }

    /// stderr is not compared: the test asserts [`Done::stderr`] itself.
    pub fn stderr_unchecked(mut self) -> Self {
        self.stderr = Expect::Unchecked;
        self
    }

    /// Exactly these changes, in this order; each argv starts with the program name.
    pub fn changes(mut self, changes: &[&[&str]]) -> Self {
        self.changes = changes.iter().map(|c| c.iter().map(|a| a.to_string()).collect()).collect();
        self
    }

    /// Exactly these changes, each written as the bash line a dry run prints (parsed back
    /// by bash, see [`argv_of_line`]).
    pub fn change_lines<I: IntoIterator<Item = S>, S: AsRef<str>>(mut self, lines: I) -> Self {
        self.changes = lines.into_iter().map(|l| argv_of_line(l.as_ref())).collect();
        self
    }

    /// Exactly these changes, where `*` in an argument matches any text: only for names
    /// lanctl makes unique with its pid (the live probe's `lanctl-probe-PID-N` namespace).
    pub fn change_patterns(mut self, changes: &[Vec<String>]) -> Self {
        self.changes = changes.to_vec();
        self.change_globs = true;
        self
    }

    /// Runs lanctl and asserts everything; returns what it printed and called.
    #[track_caller]
    pub fn check(mut self) -> Done {
        self.checked = true;
        let mark = self.fake.mark();
        let mut cmd = self.fake.command(LANCTL);
        cmd.args(&self.args).envs(self.env.iter().map(|(k, v)| (k, v)));
        let out = cmd.output().expect("run lanctl");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        let calls: Vec<Call> = self.fake.log().into_iter().filter(|c| c.seq > mark).collect();

        let mut problems = Vec::new();
        let code = out.status.code();
        if let Some(want) = self.code.filter(|w| code != Some(*w)) {
            problems.push(format!("exit code: expected {want}, got {code:?}"));
        }
        problems.extend(compare("stdout", &self.stdout, &stdout));
        let kept: String =
            stderr.split_inclusive('\n').filter(|l| !self.ignored_stderr.iter().any(|p| l.starts_with(p.as_str()))).collect();
        problems.extend(compare("stderr", &self.stderr, &kept));
        let changes: Vec<Vec<String>> = calls.iter().filter(|c| c.kind == Kind::Change).map(|c| c.argv.clone()).collect();
        let same = changes.len() == self.changes.len()
            && changes.iter().zip(&self.changes).all(|(got, want)| {
                got.len() == want.len() && got.iter().zip(want).all(|(g, w)| if self.change_globs { glob(w, g) } else { g == w })
            });
        if !same {
            let render = |cs: &[Vec<String>]| cs.iter().map(|c| shell_line(c) + "\n").collect::<String>();
            problems.push(format!(
                "changes differ (- expected, + actual):\n{}",
                diff::lines(&render(&self.changes), &render(&changes))
            ));
        }
        let stray: Vec<String> = calls
            .iter()
            .filter(|c| !matches!(c.kind, Kind::Query | Kind::Change))
            .map(|c| format!("  [{:?}] {}\n", c.kind, shell_line(&c.argv)))
            .collect();
        if !stray.is_empty() {
            problems.push(format!("calls that lanctl's runner did not start (LANCTL_CALL):\n{}", stray.concat()));
        }
        let unmatched = self.fake.take_unmatched();
        if !unmatched.is_empty() {
            problems.push(unmatched_report(&unmatched));
        }
        if !problems.is_empty() {
            let shown: Vec<String> = self.args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
            let env: String = self.env.iter().map(|(k, v)| format!("{}={} ", k.to_string_lossy(), v.to_string_lossy())).collect();
            panic!(
                "`{env}lanctl {}` did not do what the test expects:\n\n{}\n\nstdout was:\n{stdout}\nstderr was:\n{stderr}\ncalls were:\n{}",
                shell_line(&shown),
                problems.join("\n\n"),
                calls.iter().map(|c| format!("  [{:?}] {}\n", c.kind, shell_line(&c.argv))).collect::<String>()
            );
        }
        Done { code, stdout, stderr, calls }
    }
}

impl Drop for Run<'_> {
    fn drop(&mut self) {
        if !self.checked && !std::thread::panicking() {
            panic!("a Run was built but never checked: call .check()");
        }
    }
}

/// Whether `text` matches `pattern`, in which `*` stands for any text (nothing else is special).
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn contains(current: Expect, part: String, stream: &str) -> Expect {
    match current {
        Expect::Exact(s) if s.is_empty() => Expect::Contains(vec![part]),
        Expect::Contains(mut parts) => {
            parts.push(part);
            Expect::Contains(parts)
        }
        other => panic!("{stream}: a substring check on top of {other:?}"),
    }
}

fn compare(stream: &str, want: &Expect, got: &str) -> Option<String> {
    match want {
        Expect::Exact(w) if w != got => {
            Some(format!("{stream} differs (- expected, + actual):\n{}", diff::lines(w, got).trim_end()))
        }
        Expect::Unordered(w) => {
            let sorted = |t: &str| {
                let mut l: Vec<&str> = t.split_inclusive('\n').collect();
                l.sort();
                l.concat()
            };
            let (w, g) = (sorted(w), sorted(got));
            (w != g).then(|| {
                format!(
                    "{stream} differs in its lines, order aside (- expected, + actual, sorted):\n{}",
                    diff::lines(&w, &g).trim_end()
                )
            })
        }
        Expect::Contains(parts) => {
            let missing: Vec<String> = parts.iter().filter(|p| !got.contains(p.as_str())).map(|p| format!("  {p:?}\n")).collect();
            (!missing.is_empty()).then(|| format!("{stream} lacks:\n{}", missing.concat().trim_end()))
        }
        _ => None,
    }
}

//! The one place where commands become processes.
//!
//! Invariant: a `Change` never runs during a dry run; it is printed to stdout instead,
//! rendered by the same `Display` that `--verbose` echoes for a real run, so the plan and
//! the execution cannot diverge. Nothing here goes through a shell.

use std::io::Write;

use serde::de::DeserializeOwned;

use crate::cmd::{Change, Cmd, Query};
use crate::error::{Error, Failure, Result};
use crate::model;

/// The variable every child gets: `query` or `change`.
pub const CALL_ENV: &str = "LANCTL_CALL";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Query,
    Change,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Query => "query",
            Kind::Change => "change",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Runner {
    pub dry_run: bool,
    pub verbose: bool,
}

/// What a finished process left: its exit code (None when killed) and its output.
#[derive(Clone, Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }
}

impl Runner {
    /// Runs a read-only command and returns its stdout; a non-zero exit is an error.
    pub fn query(&self, q: &Query) -> Result<String> {
        let out = self.exec(&q.0, Kind::Query)?;
        checked(&q.0, out)
    }

    /// Runs a read-only command and reads its stdout as one JSON document.
    pub fn query_json<T: DeserializeOwned>(&self, q: &Query) -> Result<T> {
        model::parse(&q.to_string(), &self.query(q)?)
    }

    /// Runs a read-only command and reads its stdout as one JSON document a line.
    pub fn query_lines<T: DeserializeOwned>(&self, q: &Query) -> Result<Vec<T>> {
        model::parse_lines(&q.to_string(), &self.query(q)?)
    }

    /// Runs a read-only command whose failure is an answer, not an error.
    pub fn query_output(&self, q: &Query) -> Result<Output> {
        self.exec(&q.0, Kind::Query)
    }

    /// Runs a change, or prints it during a dry run. Returns the command's stdout (empty
    /// during a dry run).
    pub fn change(&self, c: &Change) -> Result<String> {
        match self.change_output(c)? {
            Some(out) => checked(&c.0, out),
            None => Ok(String::new()),
        }
    }

    /// Like `change`, but a non-zero exit is handed back for the caller to judge.
    /// `None` means dry run: the line was printed and nothing ran.
    pub fn change_output(&self, c: &Change) -> Result<Option<Output>> {
        if self.dry_run {
            crate::out::line(c.to_string());
            return Ok(None);
        }
        self.exec(&c.0, Kind::Change).map(Some)
    }

    fn exec(&self, cmd: &Cmd, kind: Kind) -> Result<Output> {
        if self.verbose {
            let _ = writeln!(std::io::stderr(), "+ {cmd}");
        }
        // The child learns whether lanctl ran it as a query or a change: a wrapper (or the
        // test suite's fake docker) can tell reads from writes by lanctl's own types.
        let mut expr = duct::cmd(&cmd.program, &cmd.args)
            .env(CALL_ENV, kind.as_str())
            .stdin_null()
            .stdout_capture()
            .stderr_capture()
            .unchecked();
        for (k, v) in &cmd.secret_env {
            expr = expr.env(k, v);
        }
        let out = expr.run().map_err(|e| {
            Error::check(format!("cannot run `{}`: {e}", cmd.program))
                .hint("install it or point lanctl at it (for docker: --docker PATH or LANCTL_DOCKER)")
        })?;
        Ok(Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

fn checked(cmd: &Cmd, out: Output) -> Result<String> {
    if out.success() {
        return Ok(out.stdout);
    }
    Err(failure(cmd, out))
}

/// The error for a command that ran and failed. A docker that cannot reach its daemon or
/// its context is not an operation that failed but a prerequisite that is missing: exit 3
/// with the hint, whichever command met it first.
pub fn failure(cmd: &Cmd, out: Output) -> Error {
    let prerequisite = if out.stderr.contains("Cannot connect to the Docker daemon") {
        Some("start the daemon (systemctl start docker, or dockerd), or check --context and DOCKER_HOST")
    } else if out.stderr.contains("context not found") || out.stderr.contains("context \"") && out.stderr.contains("not found") {
        Some("list the contexts with `docker context ls`, or leave --context out")
    } else {
        None
    };
    let e = Error::command(Failure { line: cmd.to_string(), status: out.code, stderr: out.stderr });
    match prerequisite {
        Some(hint) => Error { exit: crate::error::Exit::Check, ..e }.hint(hint),
        None => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dry_run_does_not_execute_changes() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let r = Runner { dry_run: true, verbose: false };
        let c = Cmd::new("touch").arg(marker.to_str().unwrap()).change();
        assert_eq!(r.change(&c).unwrap(), "");
        assert!(!marker.exists());
        let r = Runner { dry_run: false, verbose: false };
        r.change(&c).unwrap();
        assert!(marker.exists());
    }

    #[test]
    fn failure_names_line_status_and_stderr() {
        let r = Runner::default();
        let q = Cmd::new("sh").args(["-c", "echo boom >&2; exit 4"]).query();
        let e = r.query(&q).unwrap_err();
        assert_eq!(e.to_string(), "`sh -c 'echo boom >&2; exit 4'` failed (exit 4): boom");
        assert_eq!(e.stderr(), "boom\n");
    }

    #[test]
    fn the_child_learns_whether_it_is_a_query_or_a_change() {
        let r = Runner::default();
        let c = Cmd::new("sh").args(["-c", "printf %s \"$LANCTL_CALL\""]);
        assert_eq!(r.query(&c.clone().query()).unwrap(), "query");
        assert_eq!(r.change(&c.change()).unwrap(), "change");
    }

    #[test]
    fn secret_env_reaches_the_child_only() {
        let r = Runner::default();
        let q = Cmd::new("sh").args(["-c", "printf %s \"$TOKEN\""]).secret_env("TOKEN", "s3cret").query();
        assert_eq!(r.query(&q).unwrap(), "s3cret");
        assert!(!q.to_string().contains("s3cret"));
    }

    #[test]
    fn unreachable_daemon_is_a_check_failure() {
        let r = Runner::default();
        let q = Cmd::new("sh")
            .args(["-c", "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1"])
            .query();
        let e = r.query(&q).unwrap_err();
        assert_eq!(e.exit, crate::error::Exit::Check);
        assert!(e.to_string().ends_with("or check --context and DOCKER_HOST"), "{e}");
    }

    #[test]
    fn missing_program_is_a_check_failure() {
        let r = Runner::default();
        let e = r.query(&Cmd::new("/nonexistent/docker").query()).unwrap_err();
        assert_eq!(e.exit, crate::error::Exit::Check);
    }
}

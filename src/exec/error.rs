//! The one error type: a one-line message for the user and the exit code it maps to.

use std::fmt;
use std::time::Duration;

/// Exit codes, documented in the README and in `--help`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// An operation failed (a command returned an error, a state conflicts).
    Failed = 1,
    /// Invalid usage or input: nothing ran.
    Usage = 2,
    /// A prerequisite check failed: nothing changed.
    Check = 3,
    /// SIGINT or SIGTERM ended the run once what it was changing had finished or was undone.
    Interrupted = 130,
}

/// What a failed external command left behind, so callers can react to docker's words.
#[derive(Clone, Debug)]
pub struct Failure {
    pub line: String,
    pub status: Option<i32>,
    pub stderr: String,
}

#[derive(Debug)]
pub struct Error {
    pub exit: Exit,
    pub msg: String,
    pub failure: Option<Box<Failure>>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(exit: Exit, msg: impl Into<String>) -> Self {
        Error { exit, msg: msg.into(), failure: None }
    }
    pub fn usage(msg: impl Into<String>) -> Self {
        Self::new(Exit::Usage, msg)
    }
    pub fn failed(msg: impl Into<String>) -> Self {
        Self::new(Exit::Failed, msg)
    }
    pub fn check(msg: impl Into<String>) -> Self {
        Self::new(Exit::Check, msg)
    }

    /// A command that ran and failed: the message names the rendered line, the status and
    /// docker's own words, folded to one line.
    pub fn command(failure: Failure) -> Self {
        let line = failure.line.clone();
        Self::command_as(failure, &line)
    }

    /// [`Error::command`] with the line the message shows (`Cmd::brief`), the failure
    /// keeping the line in full for `--json`.
    pub fn command_as(failure: Failure, line: &str) -> Self {
        let status = match failure.status {
            Some(code) => format!("exit {code}"),
            None => "killed by a signal".to_string(),
        };
        let said = one_line(&failure.stderr);
        let msg =
            if said.is_empty() { format!("`{line}` failed ({status})") } else { format!("`{line}` failed ({status}): {said}") };
        Error { exit: Exit::Failed, msg, failure: Some(Box::new(failure)) }
    }

    /// Appends the hint that tells the user what to do.
    pub fn hint(mut self, hint: impl AsRef<str>) -> Self {
        self.msg = format!("{}; {}", self.msg, hint.as_ref());
        self
    }

    /// The error of one host among several: it names the host first.
    pub fn on_host(mut self, host: &str) -> Self {
        self.msg = format!("host {host}: {}", self.msg);
        self
    }

    /// Docker's stderr when this error came from a failed command.
    pub fn stderr(&self) -> &str {
        self.failure.as_ref().map(|f| f.stderr.as_str()).unwrap_or("")
    }

    /// The error as one JSON object, for scripts (`--json`): the message and the hint
    /// apart, the exit code, and the failed command's line and stderr when there is one.
    /// Every lanctl error reads `what failed; what to do`, so the hint is what follows the
    /// last `; `.
    pub fn to_json(&self) -> serde_json::Value {
        json_of(&self.msg, self.exit as u8, self.failure.as_deref())
    }
}

/// See `Error::to_json`; also used for clap's usage errors, which are not `Error`s.
pub fn json_of(msg: &str, exit: u8, failure: Option<&Failure>) -> serde_json::Value {
    // No hint is null, never "": a script tests one thing.
    let (error, hint) = match msg.rsplit_once("; ") {
        Some((e, h)) => (e, Some(h.trim()).filter(|h| !h.is_empty())),
        None => (msg, None),
    };
    serde_json::json!({
        "error": error,
        "exit": exit,
        "hint": hint,
        "command": failure.map(|f| f.line.as_str()),
        "stderr": failure.map(|f| f.stderr.as_str()),
    })
}

/// Folds multi-line tool output into one line, dropping a final period.
pub fn one_line(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.trim_end_matches('.').to_string()
}

/// A duration as messages say it: `200 ms`, `60 s`, `10 min`; never rounded, so a
/// message never claims a limit other than the one that applied. A minute stays `60 s`,
/// the unit `LANCTL_LOCK_TIMEOUT` is given in.
pub fn duration(d: Duration) -> String {
    let ms = d.as_millis();
    if !ms.is_multiple_of(1000) || ms == 0 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(60_000) && ms > 60_000 {
        format!("{} min", ms / 60_000)
    } else {
        format!("{} s", ms / 1000)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_error_without_a_hint_has_a_null_hint() {
        assert_eq!(json_of("no hint", 1, None)["hint"], serde_json::Value::Null);
        assert_eq!(json_of("a; ", 1, None)["hint"], serde_json::Value::Null);
        assert_eq!(json_of("a; ", 1, None)["error"], "a");
        assert_eq!(json_of("a; do b", 1, None)["hint"], "do b");
    }

    #[test]
    fn command_error_is_one_line_with_status_and_stderr() {
        let e = Error::command(Failure {
            line: "docker network rm x".into(),
            status: Some(1),
            stderr: "Error response from daemon:\n network x not found.\n".into(),
        })
        .hint("run `lanctl net ls`");
        assert_eq!(
            e.to_string(),
            "`docker network rm x` failed (exit 1): Error response from daemon: network x not found; run `lanctl net ls`"
        );
        assert_eq!(e.exit, Exit::Failed);
        assert_eq!(
            e.to_json().to_string(),
            r#"{"command":"docker network rm x","error":"`docker network rm x` failed (exit 1): Error response from daemon: network x not found","exit":1,"hint":"run `lanctl net ls`","stderr":"Error response from daemon:\n network x not found.\n"}"#
        );
        assert_eq!(
            Error::usage("--wait 9 is too long").to_json().to_string(),
            r#"{"command":null,"error":"--wait 9 is too long","exit":2,"hint":null,"stderr":null}"#
        );
    }

    #[test]
    fn durations_read_in_the_largest_exact_unit() {
        assert_eq!(duration(Duration::from_millis(200)), "200 ms");
        assert_eq!(duration(Duration::ZERO), "0 ms");
        assert_eq!(duration(Duration::from_millis(1500)), "1500 ms");
        assert_eq!(duration(Duration::from_secs(30)), "30 s");
        assert_eq!(duration(Duration::from_secs(60)), "60 s");
        assert_eq!(duration(Duration::from_secs(90)), "90 s");
        assert_eq!(duration(Duration::from_secs(600)), "10 min");
    }
}

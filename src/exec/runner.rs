//! The one place where commands become processes.
//!
//! Invariant: a `Change` never runs during a dry run; it is printed to stdout instead,
//! rendered by the same `Display` that `--verbose` echoes for a real run, so the plan and
//! the execution cannot diverge. Nothing here goes through a shell.
//!
//! Every process has a deadline (the command's own, else the default for its kind), so
//! one hung `docker` cannot stall lanctl, and every lanctl queued behind its lock,
//! forever. duct is what makes the deadline safe to enforce: its handle waits with a
//! deadline while threads drain stdout and stderr (a child that fills a pipe cannot
//! deadlock us), and on expiry it kills the child and reaps it, so no zombie or orphaned
//! process outlives the error. Only the child is killed, not what it spawned: the child
//! keeps lanctl's process group so that Ctrl-C still reaches it. Two reads have no
//! deadline, since their reader decides when they end: `query_streamed` (`logs --follow`,
//! ended by Ctrl-C) and `query_live` (a readiness wait's `docker events`, killed when the
//! wait drops it).

use std::io::Write;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;

use crate::exec::cmd::{Change, Cmd, Query};
use crate::exec::error::{Error, Failure, Result};
use crate::exec::json;

/// The variable every child gets: `query` or `change`.
pub const CALL_ENV: &str = "LANCTL_CALL";

/// The default deadline of a read (`docker ps`, `docker ... inspect`, `ip -j ...`). A
/// responsive daemon answers these in milliseconds, and even a loaded one in a few
/// seconds; 30 s is far past any honest answer yet short enough that a wedged daemon is
/// reported while the user is still watching.
pub const QUERY_DEADLINE: Duration = Duration::from_secs(30);

/// The default deadline of a change. `docker run` may pull its image first (minutes on
/// a slow link), and `docker stop` waits each container's stop grace period (10 s by
/// default, longer when the image asks) before it kills; 10 min leaves room for both
/// while still ending a run whose daemon never answers.
pub const CHANGE_DEADLINE: Duration = Duration::from_secs(600);

/// How long to wait for a killed child to be reaped and its pipes drained before lanctl
/// reports the timeout anyway (a grandchild may hold the pipes open).
const REAP_GRACE: Duration = Duration::from_secs(1);

/// The signal a writer gets when its reader has gone (`lanctl logs x | head -1`).
const SIGPIPE: i32 = 13;

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

    fn default_deadline(self) -> Duration {
        match self {
            Kind::Query => QUERY_DEADLINE,
            Kind::Change => CHANGE_DEADLINE,
        }
    }
}

/// The deadline `cmd` runs under when run as `kind`.
fn deadline_of(cmd: &Cmd, kind: Kind) -> Duration {
    cmd.deadline.unwrap_or(kind.default_deadline())
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

    /// Its status and first words, for an answer that cannot be read: `exit 1: what it
    /// said` (stderr, else stdout, as one line), or `killed`.
    pub fn summary(&self) -> String {
        let said = crate::exec::error::one_line(if self.stderr.trim().is_empty() { &self.stdout } else { &self.stderr });
        let status = self.code.map_or("killed".to_string(), |c| format!("exit {c}"));
        if said.is_empty() {
            status
        } else {
            format!("{status}: {said}")
        }
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
        json::parse(&q.to_string(), &self.query(q)?)
    }

    /// Runs a read-only command and reads its stdout as one JSON document a line.
    pub fn query_lines<T: DeserializeOwned>(&self, q: &Query) -> Result<Vec<T>> {
        json::parse_lines(&q.to_string(), &self.query(q)?)
    }

    /// Runs a read-only command whose failure is an answer, not an error.
    pub fn query_output(&self, q: &Query) -> Result<Output> {
        self.exec(&q.0, Kind::Query)
    }

    /// Runs a read-only command on lanctl's own stdout and stderr, with no deadline, and
    /// returns when it ends: for output a person reads as it comes (`logs --follow`),
    /// where the reader sets the pace and Ctrl-C, which reaches the child too, ends it.
    /// A reader that closes the pipe ends it quietly, as for lanctl's own output.
    pub fn query_streamed(&self, q: &Query) -> Result<()> {
        let cmd = &q.0;
        if self.verbose {
            let _ = writeln!(std::io::stderr(), "+ {cmd}");
        }
        let status = duct::cmd(&cmd.program, &cmd.args)
            .env(CALL_ENV, Kind::Query.as_str())
            .stdin_null()
            .unchecked()
            .run()
            .map_err(|e| {
                Error::check(format!("cannot run `{}`: {e}", cmd.program))
                    .hint("install it or point lanctl at it (for docker: --docker PATH or LANCTL_DOCKER)")
            })?
            .status;
        use std::os::unix::process::ExitStatusExt;
        if status.success() || status.signal() == Some(SIGPIPE) {
            return Ok(());
        }
        let how = status.code().map(|c| format!("exit {c}")).unwrap_or_else(|| "killed by a signal".to_string());
        // Its words went straight to stderr, just above this line.
        Err(Error::failed(format!("`{cmd}` failed ({how})")).hint("see what it said above"))
    }

    /// Starts a read-only command whose stdout is read a line at a time while it runs
    /// (`docker events`), with no deadline: the caller ends it by dropping the stream,
    /// which kills it, so it never outlives the wait it serves. Its stderr is dropped: a
    /// stream that fails just ends, and the caller falls back to asking again.
    pub fn query_live(&self, q: &Query) -> Result<LiveLines> {
        let cmd = &q.0;
        refused(cmd)?;
        if self.verbose {
            let _ = writeln!(std::io::stderr(), "+ {cmd}");
        }
        let mut expr =
            duct::cmd(&cmd.program, &cmd.args).env(CALL_ENV, Kind::Query.as_str()).stdin_null().stderr_null().unchecked();
        if crate::exec::interrupt::shielded() {
            expr = expr.before_spawn(|c| {
                std::os::unix::process::CommandExt::process_group(c, 0);
                Ok(())
            });
        }
        let handle = std::sync::Arc::new(expr.reader().map_err(|e| {
            Error::check(format!("cannot run `{}`: {e}", cmd.program))
                .hint("install it or point lanctl at it (for docker: --docker PATH or LANCTL_DOCKER)")
        })?);
        let (tx, rx) = std::sync::mpsc::channel();
        let reading = std::sync::Arc::clone(&handle);
        // The thread ends at the stream's end, which the kill in `Drop` brings about.
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(&*reading).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Ok(LiveLines { handle, lines: rx })
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
        refused(&c.0)?;
        if self.dry_run {
            crate::exec::out::line(c.to_string());
            return Ok(None);
        }
        self.exec(&c.0, Kind::Change).map(Some)
    }

    fn exec(&self, cmd: &Cmd, kind: Kind) -> Result<Output> {
        refused(cmd)?;
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
        if crate::exec::interrupt::shielded() {
            // A group of its own: the terminal's Ctrl-C reaches lanctl, not this step.
            expr = expr.before_spawn(|c| {
                std::os::unix::process::CommandExt::process_group(c, 0);
                Ok(())
            });
        }
        let handle = expr.start().map_err(|e| {
            Error::check(format!("cannot run `{}`: {e}", cmd.program))
                .hint("install it or point lanctl at it (for docker: --docker PATH or LANCTL_DOCKER)")
        })?;
        let deadline = deadline_of(cmd, kind);
        if let Some((after, note)) = &cmd.slow {
            if after < &deadline && matches!(handle.wait_timeout(*after), Ok(None)) {
                crate::exec::out::note(note);
            }
        }
        // A deadline too far away to be an `Instant` is no deadline at all.
        let waited = match Instant::now().checked_add(deadline) {
            Some(at) => handle.wait_deadline(at),
            None => handle.wait().map(Some),
        };
        let out = match waited {
            Ok(Some(out)) => out,
            Ok(None) => {
                // Errors here change nothing: the child is stopped or already gone, and
                // the timeout is what the user must hear about.
                let _ = handle.kill();
                let _ = handle.wait_timeout(REAP_GRACE);
                return Err(timed_out(cmd, deadline));
            }
            Err(e) => {
                let _ = handle.kill();
                return Err(Error::failed(format!("lost track of `{cmd}` while it ran: {e}")).hint("retry"));
            }
        };
        Ok(Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        })
    }
}

/// The lines of a running [`Runner::query_live`], as they come.
pub struct LiveLines {
    handle: std::sync::Arc<duct::ReaderHandle>,
    lines: std::sync::mpsc::Receiver<String>,
}

/// What a live command gave by a moment.
#[derive(Debug, PartialEq, Eq)]
pub enum Live {
    Line(String),
    /// Nothing by then; it still runs.
    Quiet,
    /// It ended (or failed): no more lines will come.
    Ended,
}

impl LiveLines {
    /// The next line, waiting for it until `until` at most.
    pub fn next_by(&self, until: Instant) -> Live {
        use std::sync::mpsc::RecvTimeoutError;
        match self.lines.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(line) => Live::Line(line),
            Err(RecvTimeoutError::Timeout) => Live::Quiet,
            Err(RecvTimeoutError::Disconnected) => Live::Ended,
        }
    }
}

impl Drop for LiveLines {
    fn drop(&mut self) {
        // Gone already, or killed now: either way it stops here, and is reaped within
        // the grace a killed command gets (its reader thread reaps it at the pipe's end).
        let _ = self.handle.kill();
        let until = Instant::now() + REAP_GRACE;
        while matches!(self.handle.try_wait(), Ok(None)) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
}

/// A command that cannot run where it is meant to (see `Cmd::refusal`) ends the run with
/// exit 3 before anything is printed or started.
fn refused(cmd: &Cmd) -> Result<()> {
    match &cmd.refusal {
        Some(why) => Err(Error::check(why.clone())),
        None => Ok(()),
    }
}

/// The error for a command stopped at its deadline, with a hint fitted to the program:
/// a hung docker client almost always means a daemon that does not answer.
fn timed_out(cmd: &Cmd, deadline: Duration) -> Error {
    let name = std::path::Path::new(&cmd.program).file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let hint = if name == "docker" {
        format!("check that the docker daemon responds (`{} info`)", crate::exec::quote::quote(&cmd.program))
    } else {
        format!("run it by hand to see why `{name}` does not finish, then retry")
    };
    Error::failed(format!("`{cmd}` did not finish within {} and was stopped", crate::exec::error::duration(deadline))).hint(hint)
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
    if let Some(url) = denied_socket(&out.stderr) {
        let msg = format!("cannot reach the docker engine at {url}: permission denied");
        let failure = Failure { line: cmd.to_string(), status: out.code, stderr: out.stderr };
        return Error { exit: crate::exec::error::Exit::Check, msg, failure: Some(Box::new(failure)) }
            .hint("run as root or join the docker group");
    }
    let prerequisite = if out.stderr.contains("Cannot connect to the Docker daemon") {
        Some("start the daemon (systemctl start docker, or dockerd), or check --context and DOCKER_HOST")
    } else if out.stderr.contains("context not found") || out.stderr.contains("context \"") && out.stderr.contains("not found") {
        Some("list the contexts with `docker context ls`, or leave --host out")
    } else if out.stderr.contains("error during connect") {
        // docker could not reach a context's daemon. For an `ssh://` context docker runs
        // `ssh … docker system dial-stdio` itself and quotes that command when it fails.
        Some(if out.stderr.contains("command [ssh ") {
            "check that `ssh -o BatchMode=yes` reaches the host with a key and a known host key, and that docker runs there"
        } else {
            "check that the context's daemon runs and listens (`docker --context NAME info`)"
        })
    } else if cmd.program == "ssh" && out.code == Some(255) {
        // ssh's own failure (no route, no key, an unknown host key), not the remote
        // command's: the host is unreachable, a prerequisite.
        Some("check that `ssh -o BatchMode=yes` reaches the host with a key and a known host key")
    } else {
        None
    };
    let e = Error::command_as(Failure { line: cmd.to_string(), status: out.code, stderr: out.stderr }, &cmd.brief());
    match prerequisite {
        Some(hint) => Error { exit: crate::exec::error::Exit::Check, ..e }.hint(hint),
        None => e,
    }
}

/// The engine's address when docker was refused its socket: "permission denied while
/// trying to connect to the Docker daemon socket at URL: ..." (docker 20.10 to 27) or
/// "... to the docker API at URL" (docker 28).
fn denied_socket(stderr: &str) -> Option<&str> {
    let rest = stderr.split_once("permission denied while trying to connect to the ")?.1;
    let url = rest.split_once(" at ")?.1;
    let url = url.split_once(": ").map_or(url, |(u, _)| u).lines().next()?.trim();
    Some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_denied_socket_names_the_engine() {
        let old = "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: \
                   Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version\": dial unix /var/run/docker.sock: connect: \
                   permission denied\n";
        assert_eq!(denied_socket(old), Some("unix:///var/run/docker.sock"));
        let new = "permission denied while trying to connect to the docker API at unix:///var/run/docker.sock\n";
        assert_eq!(denied_socket(new), Some("unix:///var/run/docker.sock"));
        assert_eq!(denied_socket("Error: No such container: x\n"), None);
    }

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
        let q = Cmd::new("sh").args(["-c", "printf %s \"$LT_RUNNER_TOKEN\""]).secret_env("LT_RUNNER_TOKEN", "s3cret").query();
        assert_eq!(r.query(&q).unwrap(), "s3cret");
        assert!(!q.to_string().contains("s3cret"));
        // Set on the child's command, never on lanctl itself, so the next child lacks it.
        assert_eq!(std::env::var_os("LT_RUNNER_TOKEN"), None);
        assert_eq!(r.query(&Cmd::new("sh").args(["-c", "printf %s \"$LT_RUNNER_TOKEN\""]).query()).unwrap(), "");
    }

    #[test]
    fn unreachable_daemon_is_a_check_failure() {
        let r = Runner::default();
        let q = Cmd::new("sh")
            .args(["-c", "echo 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2; exit 1"])
            .query();
        let e = r.query(&q).unwrap_err();
        assert_eq!(e.exit, crate::exec::error::Exit::Check);
        assert!(e.to_string().ends_with("or check --context and DOCKER_HOST"), "{e}");
    }

    #[test]
    fn a_refused_command_never_runs_nor_prints() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("ran");
        let mut c = Cmd::new("touch").arg(marker.to_str().unwrap());
        c.refusal = Some("`touch` must run on host h3".into());
        for r in [Runner { dry_run: true, verbose: false }, Runner::default()] {
            let e = r.change(&c.clone().change()).unwrap_err();
            assert_eq!(e.to_string(), "`touch` must run on host h3");
            assert_eq!(e.exit, crate::exec::error::Exit::Check);
            assert_eq!(r.query(&c.clone().query()).unwrap_err().to_string(), "`touch` must run on host h3");
        }
        assert!(!marker.exists());
    }

    #[test]
    fn an_ssh_that_cannot_connect_is_a_check_failure() {
        let c = Cmd::new("ssh").args(["-T", "h2", "--", "ip"]);
        let out = Output {
            code: Some(255),
            stdout: String::new(),
            stderr: "ssh: connect to host h2 port 22: No route to host\n".into(),
        };
        let e = failure(&c, out);
        assert_eq!(e.exit, crate::exec::error::Exit::Check);
        assert_eq!(
            e.to_string(),
            "`ssh -T h2 -- ip` failed (exit 255): ssh: connect to host h2 port 22: No route to host; check that \
             `ssh -o BatchMode=yes` reaches the host with a key and a known host key"
        );
    }

    /// docker reaches an `ssh://` context by running ssh itself; when that ssh fails,
    /// docker says so in its own words, exit 1.
    #[test]
    fn a_context_docker_cannot_reach_is_a_check_failure() {
        let c = Cmd::new("docker").args(["--context", "h2", "ps"]);
        let ssh = "error during connect: Get \"http://docker.example.com/v1.50/containers/json\": command [ssh -o \
                   ConnectTimeout=30 -T -l root -- h2 docker system dial-stdio] has exited with exit status 255, make sure \
                   the URL is valid, and Docker 18.09 or later is installed on the remote host: stderr=ssh: connect to host \
                   h2 port 22: Connection refused\n";
        let tcp = "error during connect: Get \"http://198.51.100.9:2376/v1.50/containers/json\": dial tcp \
                   198.51.100.9:2376: connect: connection refused\n";
        for (stderr, hint) in [
            (
                ssh,
                "check that `ssh -o BatchMode=yes` reaches the host with a key and a known host key, and that docker runs there",
            ),
            (tcp, "check that the context's daemon runs and listens (`docker --context NAME info`)"),
        ] {
            let e = failure(&c, Output { code: Some(1), stdout: String::new(), stderr: stderr.into() });
            assert_eq!(e.exit, crate::exec::error::Exit::Check, "{stderr}");
            assert_eq!(e.to_string(), format!("`docker --context h2 ps` failed (exit 1): {}; {hint}", stderr.trim_end()));
        }
    }

    #[test]
    fn missing_program_is_a_check_failure() {
        let r = Runner::default();
        let e = r.query(&Cmd::new("/nonexistent/docker").query()).unwrap_err();
        assert_eq!(e.exit, crate::exec::error::Exit::Check);
    }

    /// A child that writes its pid to `pidfile`, then becomes `sleep 5`.
    fn sleeper(pidfile: &std::path::Path) -> Cmd {
        Cmd::new("sh").args(["-c", &format!("echo $$ > {}; exec sleep 5", pidfile.display())])
    }

    #[test]
    fn a_hung_query_is_stopped_at_its_deadline_and_reaped() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let q = sleeper(&pidfile).deadline(Duration::from_millis(200)).query();
        let started = Instant::now();
        let e = Runner::default().query(&q).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
        assert_eq!(
            e.to_string(),
            format!(
                "`{q}` did not finish within 200 ms and was stopped; run it by hand to see why `sh` does not finish, then retry"
            )
        );
        assert_eq!(e.exit, crate::exec::error::Exit::Failed);
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        let proc_dir = std::path::PathBuf::from(format!("/proc/{}", pid.trim()));
        assert!(!proc_dir.exists(), "sleep (pid {}) is still there", pid.trim());
    }

    #[test]
    fn a_hung_change_is_stopped_too() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let c = sleeper(&pidfile).deadline(Duration::from_millis(200)).change();
        let started = Instant::now();
        let e = Runner::default().change_output(&c).unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
        assert!(e.to_string().starts_with(&format!("`{c}` did not finish within 200 ms and was stopped; ")), "{e}");
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        assert!(!std::path::Path::new(&format!("/proc/{}", pid.trim())).exists());
    }

    #[test]
    fn a_hung_docker_points_at_the_daemon() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let docker = dir.path().join("docker");
        std::fs::write(&docker, "#!/bin/sh\nexec sleep 5\n").unwrap();
        std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
        let program = docker.to_str().unwrap();
        let q = Cmd::new(program).arg("ps").deadline(Duration::from_millis(200)).query();
        let e = Runner::default().query(&q).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "`{program} ps` did not finish within 200 ms and was stopped; check that the docker daemon responds (`{program} info`)"
            )
        );
    }

    #[test]
    fn default_deadlines_are_30_s_for_reads_and_10_min_for_changes() {
        assert_eq!(QUERY_DEADLINE, Duration::from_secs(30));
        assert_eq!(CHANGE_DEADLINE, Duration::from_secs(600));
        let c = Cmd::new("docker").arg("ps");
        assert_eq!(deadline_of(&c, Kind::Query), Duration::from_secs(30));
        assert_eq!(deadline_of(&c, Kind::Change), Duration::from_secs(600));
        let c = c.deadline(Duration::from_secs(7));
        assert_eq!(deadline_of(&c, Kind::Query), Duration::from_secs(7));
        assert_eq!(deadline_of(&c, Kind::Change), Duration::from_secs(7));
    }

    #[test]
    fn a_deadline_beyond_any_instant_waits_for_the_end() {
        let q = Cmd::new("sh").args(["-c", "printf done"]).deadline(Duration::MAX).query();
        assert_eq!(Runner::default().query(&q).unwrap(), "done");
    }

    #[test]
    fn a_streamed_query_reports_its_exit_and_ignores_a_closed_pipe() {
        let r = Runner::default();
        r.query_streamed(&Cmd::new("true").query()).unwrap();
        let q = Cmd::new("sh").args(["-c", "exit 3"]).query();
        assert_eq!(r.query_streamed(&q).unwrap_err().to_string(), "`sh -c 'exit 3'` failed (exit 3); see what it said above");
        // A child killed by SIGPIPE lost its reader: that is the reader's choice, not a failure.
        r.query_streamed(&Cmd::new("sh").args(["-c", "kill -PIPE $$"]).query()).unwrap();
        let e = r.query_streamed(&Cmd::new("/nonexistent/docker").query()).unwrap_err();
        assert_eq!(e.exit, crate::exec::error::Exit::Check);
    }

    #[test]
    fn a_live_query_gives_its_lines_as_they_come_and_dies_with_its_stream() {
        let dir = tempfile::tempdir().unwrap();
        let pidfile = dir.path().join("pid");
        let q = Cmd::new("sh").args(["-c", &format!("echo $$ > {}; echo one; exec sleep 5", pidfile.display())]).query();
        let live = Runner::default().query_live(&q).unwrap();
        let soon = || Instant::now() + Duration::from_secs(2);
        assert_eq!(live.next_by(soon()), Live::Line("one".into()));
        assert_eq!(live.next_by(Instant::now() + Duration::from_millis(50)), Live::Quiet);
        let pid = std::fs::read_to_string(&pidfile).unwrap();
        drop(live);
        assert!(!std::path::Path::new(&format!("/proc/{}", pid.trim())).exists(), "sleep is still there");
        let live = Runner::default().query_live(&Cmd::new("sh").args(["-c", "echo last"]).query()).unwrap();
        assert_eq!(live.next_by(soon()), Live::Line("last".into()));
        assert_eq!(live.next_by(soon()), Live::Ended);
    }

    #[test]
    fn big_outputs_on_both_streams_are_captured_whole() {
        // 4 MiB on each stream, far past a pipe's 64 KiB: a runner that waited before
        // draining both would deadlock here.
        let q = Cmd::new("sh")
            .args(["-c", "head -c 4194304 /dev/zero | tr '\\0' a; head -c 4194304 /dev/zero | tr '\\0' b >&2"])
            .query();
        let out = Runner::default().query_output(&q).unwrap();
        assert_eq!(out.code, Some(0));
        assert_eq!(out.stdout.len(), 4 << 20);
        assert!(out.stdout.bytes().all(|b| b == b'a'));
        assert_eq!(out.stderr.len(), 4 << 20);
        assert!(out.stderr.bytes().all(|b| b == b'b'));
    }
}

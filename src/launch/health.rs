//! Whether a just-started container went down, how it stopped, and what it said last:
//! the words of a crash that `readiness` waits see.
//!
//! `docker run --detach` succeeds as soon as the process starts, so an image that dies
//! at once (a bad setting, a missing license) would pass for a running tenant.

use std::time::Duration;

use crate::engine::model::Container;
use crate::exec::error::{duration, one_line};
use crate::target::ctx::Ctx;

/// How long a new container must stay up when the command line does not say, counted
/// from its own start (docker's `StartedAt`), not from when `docker start` returned. It
/// is not the watch for a crash: a death during the whole wait is a `die` event, seen as
/// it happens. It is how long a container that is still up counts as up: an image that
/// cannot start (a bad argument, a missing setting, a script that checks its input)
/// dies within a few hundred milliseconds, as the test image that exits 0.2 s after its
/// start does (docker reports that death 0.25 to 0.3 s after the start on a loaded
/// 2-core host). 500 ms sees it with room for a busier host; a shorter settle would meet
/// issue 26's 2x of a bare `docker run --detach` (264 ms, so at most ~220 ms of settle)
/// but miss that crash. A server that dies later (a JVM's license check, seconds in) is
/// for a real check (`--ready`), which watches for its death the whole wait.
pub const SETTLE: Duration = Duration::from_millis(500);

/// How many log lines a failure shows, and how much of each: enough for the error a
/// server prints as it dies, short enough to stay one readable line.
pub const LOG_LINES: u64 = 5;
const LOG_LINE_CHARS: usize = 200;

/// A container that did not stay up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Down {
    /// It stopped or crashed: how, then its last log lines, read while it was still there.
    Stopped(String),
    /// It is gone: something else removed it.
    Gone(String),
}

impl Down {
    pub fn why(&self) -> &str {
        match self {
            Down::Stopped(why) | Down::Gone(why) => why,
        }
    }
}

/// A container counts as down once it is not running, is being restarted, or was
/// restarted at all: docker resets the restart count on every `docker start`, so any
/// restart happened since this start.
pub fn is_down(c: &Container) -> bool {
    !c.state.running || c.state.restarting || c.restart_count > 0
}

/// `it exited within 2 s (exit code 1)`, or for a container docker restarts,
/// `it crashed within 2 s (exit code 1, restarted 3 times)`. One that runs again after
/// a restart has no exit code to show: docker resets it on every start.
pub fn how_it_stopped(c: &Container, wait: Duration) -> String {
    let code = (!c.state.running || c.state.restarting).then(|| format!("exit code {}", c.state.exit_code));
    let restarts = match c.restart_count {
        0 if c.state.restarting => Some("being restarted".to_string()),
        0 => None,
        1 => Some("restarted once".to_string()),
        n => Some(format!("restarted {n} times")),
    };
    let verb = if restarts.is_some() { "crashed" } else { "exited" };
    let details: Vec<String> = [code, restarts].into_iter().flatten().collect();
    format!("it {verb} within {} ({})", duration(wait), details.join(", "))
}

/// The container's last log lines as one line: `its last log lines: A | B`.
pub fn last_logs(ctx: &Ctx, name: &str) -> String {
    let q = ctx.docker.logs_tail_stamped(name, LOG_LINES);
    match ctx.runner.query_output(&q) {
        Ok(out) if out.success() => fold_logs(&out.stdout, &out.stderr),
        Ok(out) => format!("its log cannot be read: {}", one_line(&out.stderr)),
        Err(e) => format!("its log cannot be read: {e}"),
    }
}

/// Docker writes the container's stdout and stderr lines to its own stdout and stderr;
/// their timestamps (fixed width, so they sort as text) put them back in order.
fn fold_logs(stdout: &str, stderr: &str) -> String {
    let mut lines: Vec<(&str, &str)> = stdout
        .lines()
        .chain(stderr.lines())
        .map(|l| l.split_once(' ').unwrap_or(("", l)))
        .filter(|(_, text)| !text.trim().is_empty())
        .collect();
    lines.sort_by(|a, b| a.0.cmp(b.0));
    let start = lines.len().saturating_sub(LOG_LINES as usize);
    let shown: Vec<String> = lines[start..].iter().map(|(_, text)| shorten(&one_line(text))).collect();
    if shown.is_empty() {
        "its log is empty".to_string()
    } else {
        format!("its last log lines: {}", shown.join(" | "))
    }
}

fn shorten(line: &str) -> String {
    if line.chars().count() <= LOG_LINE_CHARS {
        return line.to_string();
    }
    let cut: String = line.chars().take(LOG_LINE_CHARS).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_from_both_streams_come_back_in_order_as_one_line() {
        let out = "2026-11-25T14:23:34.601568469Z media: LOCAL_IP=198.51.100.100\n\
                   2026-11-25T14:23:36.000000000Z listening on :80\n";
        let err = "2026-11-25T14:23:35.715204224Z error: no license.\n\
                   2026-11-25T14:23:37.181709605Z   \n";
        assert_eq!(
            fold_logs(out, err),
            "its last log lines: media: LOCAL_IP=198.51.100.100 | error: no license | listening on :80"
        );
        assert_eq!(fold_logs("", ""), "its log is empty");
        let long = format!("2026-11-25T14:23:34.601568469Z {}\n", "x".repeat(300));
        assert_eq!(fold_logs(&long, ""), format!("its last log lines: {}…", "x".repeat(200)));
    }

    #[test]
    fn a_stop_is_said_with_its_exit_code_and_restarts() {
        let mut c = Container::default();
        c.state.exit_code = 1;
        let wait = Duration::from_secs(2);
        assert_eq!(how_it_stopped(&c, wait), "it exited within 2 s (exit code 1)");
        c.state.restarting = true;
        assert_eq!(how_it_stopped(&c, wait), "it crashed within 2 s (exit code 1, being restarted)");
        c.restart_count = 1;
        assert_eq!(how_it_stopped(&c, wait), "it crashed within 2 s (exit code 1, restarted once)");
        c.restart_count = 3;
        assert_eq!(how_it_stopped(&c, wait), "it crashed within 2 s (exit code 1, restarted 3 times)");
        assert!(is_down(&c));
        // Running again after a restart: docker has reset the exit code to 0.
        c.state = crate::engine::model::ContainerState { running: true, ..Default::default() };
        c.restart_count = 1;
        assert_eq!(how_it_stopped(&c, wait), "it crashed within 2 s (restarted once)");
        assert!(is_down(&c));
        let up = Container {
            state: crate::engine::model::ContainerState { running: true, ..Default::default() },
            ..Default::default()
        };
        assert!(!is_down(&up));
    }
}

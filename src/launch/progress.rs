//! What a readiness wait says while it runs: one line per tenant as it turns ready or
//! fails, and on a terminal a live count of those still starting; with `--json`, the same
//! as one JSON object a line on stdout, before the command's own result.
//!
//! Plain stderr (a pipe, a log) gets only the lines of checks that can take long, as
//! before: the short settle of `running` says nothing until the batch's result, so a
//! script's stderr stays what it was. A terminal gets every tenant's line, and one status
//! line (`3 still starting`) rewritten in place with `\r`, cleared when the wait ends.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use serde_json::json;

use crate::launch::ready::Ready;
use crate::target::ctx::Ctx;

/// Erases the terminal's current line: back to its start, then clear to its end.
const ERASE: &str = "\r\x1b[K";

/// A tenant waited for, as the progress names it: its name, address, and the check asked
/// for (`None` until docker's state decides it).
#[derive(Clone, Copy)]
pub struct Who<'a> {
    pub name: &'a str,
    pub ip: Option<std::net::IpAddr>,
    pub asked: Option<&'a Ready>,
}

/// How a tenant's wait ended, as the progress says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Ready,
    Stopped,
    NotReady,
}

pub struct Progress<'a> {
    ctx: &'a Ctx,
    tty: bool,
    /// How many are still starting; the status line shows it while it is above zero.
    left: usize,
    shown: bool,
}

impl<'a> Progress<'a> {
    /// The progress of a wait for `items`: with `--json`, a `starting` event for each.
    pub fn new(ctx: &'a Ctx, items: &[Who]) -> Progress<'a> {
        let mut p = Progress { ctx, tty: std::io::stderr().is_terminal(), left: items.len(), shown: false };
        if ctx.json {
            for item in items {
                crate::exec::out::line(event("starting", item, None, Duration::ZERO).to_string());
            }
        }
        p.status();
        p
    }

    /// Says that `item`'s wait ended with `v` after `took`.
    pub fn said(&mut self, item: &Who, kind: &Ready, v: End, took: Duration) {
        self.left = self.left.saturating_sub(1);
        if self.ctx.json {
            let what = if v == End::Ready { "ready" } else { "failed" };
            crate::exec::out::line(event(what, item, Some(kind), took).to_string());
        }
        let text = self.ctx.about(&line(item, kind, v, took));
        if self.tty {
            let _ = writeln!(std::io::stderr(), "{ERASE}lanctl: {text}");
            self.shown = false;
            self.status();
        } else if !matches!(kind, Ready::Running | Ready::None) {
            crate::exec::out::note(text);
        }
    }

    /// The live count, on a terminal only.
    fn status(&mut self) {
        if self.tty && self.left > 0 {
            let _ = write!(std::io::stderr(), "{ERASE}lanctl: {}", self.ctx.about(&count(self.left)));
            let _ = std::io::stderr().flush();
            self.shown = true;
        }
    }
}

impl Drop for Progress<'_> {
    /// The status line goes when the wait ends, however it ends.
    fn drop(&mut self) {
        if self.shown {
            let _ = write!(std::io::stderr(), "{ERASE}");
        }
    }
}

/// `room-3 198.51.100.99 ready in 11.2 s (tcp:8443)`.
pub fn line(item: &Who, kind: &Ready, v: End, took: Duration) -> String {
    let ip = item.ip.map(|ip| format!(" {ip}")).unwrap_or_default();
    let how = match v {
        End::Ready => "ready in",
        End::Stopped => "stopped after",
        End::NotReady => "not ready after",
    };
    format!("{}{ip} {how} {:.1} s ({kind})", item.name, took.as_secs_f64())
}

/// `3 still starting`.
pub fn count(left: usize) -> String {
    format!("{left} still starting")
}

/// One `--json` progress event: `{"event", "tenant", "address", "check", "seconds"}`
/// (`check` is null while a `starting` tenant's check is not known yet).
pub fn event(what: &str, item: &Who, kind: Option<&Ready>, took: Duration) -> serde_json::Value {
    let check = kind.or(item.asked).map(|k| k.to_string());
    let seconds = (took.as_secs_f64() * 1000.0).round() / 1000.0;
    json!({"event": what, "tenant": item.name, "address": item.ip, "check": check, "seconds": seconds})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_events_say_who_what_and_how_long() {
        let ip = Some(std::net::IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 99)));
        let tcp = Ready::Tcp(vec![8443]);
        let item = Who { name: "room-3", ip, asked: Some(&tcp) };
        let took = Duration::from_millis(11_249);
        assert_eq!(line(&item, &tcp, End::Ready, took), "room-3 198.51.100.99 ready in 11.2 s (tcp:8443)");
        assert_eq!(line(&item, &Ready::Running, End::Stopped, took), "room-3 198.51.100.99 stopped after 11.2 s (running)");
        assert_eq!(line(&item, &tcp, End::NotReady, took), "room-3 198.51.100.99 not ready after 11.2 s (tcp:8443)");
        assert_eq!(count(3), "3 still starting");
        assert_eq!(
            event("ready", &item, Some(&tcp), took).to_string(),
            r#"{"address":"198.51.100.99","check":"tcp:8443","event":"ready","seconds":11.249,"tenant":"room-3"}"#
        );
        let plain = Who { name: "t1", ip: None, asked: None };
        assert_eq!(
            event("starting", &plain, None, Duration::ZERO).to_string(),
            r#"{"address":null,"check":null,"event":"starting","seconds":0.0,"tenant":"t1"}"#
        );
    }
}

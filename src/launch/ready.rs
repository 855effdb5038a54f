//! What "ready" means for a tenant, as a value: a port that accepts a connection, an HTTP
//! answer, docker's own health status, or the container merely running.
//!
//! `docker run --detach` returns as soon as the process starts, which says nothing about
//! whether the server in it serves. A tenant's check comes from the first of: `--ready`
//! (or `ready` in a fleet file), its preset's check, the image's HEALTHCHECK, and else
//! `running` after a short settle. The value is parsed here, once, when the command line
//! or the file is lowered, so a bad one stops with exit 2 before anything runs.

use std::fmt;
use std::time::Duration;

use crate::engine::model::Container;

/// The forms a check is written in, for the error that refuses another.
pub const FORMS: &str = "tcp:PORT[,PORT...], http:PORT/PATH, healthy, running or none";

/// How long a check of each kind waits at most when `--wait` does not say. A port or an
/// HTTP answer: a JVM server like Flashphoner WCS needs 10 to 30 s to listen, so a minute.
/// docker's health checks run every 30 s by default, so the first verdict can take that
/// long and a second try as long again: two minutes.
pub const PORT_WAIT: Duration = Duration::from_secs(60);
pub const HEALTHY_WAIT: Duration = Duration::from_secs(120);

/// How long an updated tenant (`update`, and `apply` of a changed one) must keep running
/// under the `running` check when `--wait` does not say: its old container waits parked,
/// so longer than a new tenant's settle (`health::SETTLE`).
pub const UPDATE_SETTLE_SECS: u64 = 5;

/// A tenant's readiness check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ready {
    /// Every port accepts a TCP connection on the tenant's LAN address.
    Tcp(Vec<u16>),
    /// `GET PATH` on the tenant's LAN address answers 2xx or 3xx.
    Http { port: u16, path: String },
    /// docker's health status (the image's HEALTHCHECK) is `healthy`.
    Healthy,
    /// The container still runs, never restarted, after the settle.
    Running,
    /// No check at all: started is ready.
    None,
}

impl Ready {
    /// Parses one of [`FORMS`]; the error is the reason, for the caller's one line.
    pub fn parse(s: &str) -> Result<Ready, String> {
        match s {
            "healthy" => return Ok(Ready::Healthy),
            "running" => return Ok(Ready::Running),
            "none" => return Ok(Ready::None),
            _ => {}
        }
        if let Some(ports) = s.strip_prefix("tcp:") {
            let ports: Vec<u16> = ports.split(',').map(port).collect::<Result<_, _>>()?;
            let mut seen = ports.clone();
            seen.sort_unstable();
            seen.dedup();
            if seen.len() != ports.len() {
                return Err("a port is given twice".into());
            }
            return Ok(Ready::Tcp(ports));
        }
        if let Some(rest) = s.strip_prefix("http:") {
            let (p, path) = match rest.find('/') {
                Some(at) => (&rest[..at], &rest[at..]),
                None => (rest, "/"),
            };
            // The path goes on the request line as is: no space, control character or
            // non-ASCII byte may break it.
            if !path.bytes().all(|b| b.is_ascii_graphic()) {
                return Err("the path holds a space, a control character or a non-ASCII character".into());
            }
            return Ok(Ready::Http { port: port(p)?, path: path.to_string() });
        }
        Err("unknown form".into())
    }

    /// The ports the check connects to.
    pub fn ports(&self) -> Vec<u16> {
        match self {
            Ready::Tcp(ports) => ports.clone(),
            Ready::Http { port, .. } => vec![*port],
            _ => Vec::new(),
        }
    }

    /// Whether the check connects to the tenant's address.
    pub fn connects(&self) -> bool {
        matches!(self, Ready::Tcp(_) | Ready::Http { .. })
    }

    /// The most this check waits: `wait` when given on the command line, else the
    /// kind's default; `running` always waits `wait` (its settle, the command's default
    /// when not given), and `none` does not wait.
    pub fn most(&self, wait: Duration, given: bool) -> Duration {
        match self {
            Ready::None => Duration::ZERO,
            Ready::Running => wait,
            _ if given => wait,
            Ready::Healthy => HEALTHY_WAIT,
            Ready::Tcp(_) | Ready::Http { .. } => PORT_WAIT,
        }
    }

    /// The check a started container gets when none was asked for: docker's health
    /// status when its image (or `docker run`) set a HEALTHCHECK, else running.
    pub fn of_container(asked: Option<&Ready>, c: &Container) -> Ready {
        match asked {
            Some(r) => r.clone(),
            None if c.config.has_healthcheck() => Ready::Healthy,
            None => Ready::Running,
        }
    }
}

fn port(s: &str) -> Result<u16, String> {
    match s.parse::<u16>() {
        Ok(p) if p > 0 && !s.starts_with('+') && !s.starts_with('0') => Ok(p),
        _ => Err(format!("{s:?} is not a port (1 to 65535)")),
    }
}

impl fmt::Display for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ready::Tcp(ports) => {
                let ports: Vec<String> = ports.iter().map(u16::to_string).collect();
                write!(f, "tcp:{}", ports.join(","))
            }
            Ready::Http { port, path } => write!(f, "http:{port}{path}"),
            Ready::Healthy => f.write_str("healthy"),
            Ready::Running => f.write_str("running"),
            Ready::None => f.write_str("none"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_parses_and_renders_back() {
        for s in ["tcp:8443", "tcp:8443,8444", "http:80/", "http:8080/health?x=1", "healthy", "running", "none"] {
            assert_eq!(Ready::parse(s).map(|r| r.to_string()), Ok(s.to_string()), "{s}");
        }
        assert_eq!(Ready::parse("tcp:8443,8444"), Ok(Ready::Tcp(vec![8443, 8444])));
        assert_eq!(Ready::parse("http:80"), Ok(Ready::Http { port: 80, path: "/".into() }));
    }

    #[test]
    fn bad_values_say_why() {
        assert_eq!(Ready::parse("tcp:"), Err(r#""" is not a port (1 to 65535)"#.into()));
        assert_eq!(Ready::parse("tcp:0"), Err(r#""0" is not a port (1 to 65535)"#.into()));
        assert_eq!(Ready::parse("tcp:65536"), Err(r#""65536" is not a port (1 to 65535)"#.into()));
        assert_eq!(Ready::parse("tcp:80,"), Err(r#""" is not a port (1 to 65535)"#.into()));
        assert_eq!(Ready::parse("tcp:+80"), Err(r#""+80" is not a port (1 to 65535)"#.into()));
        assert_eq!(Ready::parse("tcp:080"), Err(r#""080" is not a port (1 to 65535)"#.into()));
        assert_eq!(Ready::parse("tcp:80,80"), Err("a port is given twice".into()));
        assert_eq!(Ready::parse("http:x/"), Err(r#""x" is not a port (1 to 65535)"#.into()));
        assert_eq!(
            Ready::parse("http:80/a b"),
            Err("the path holds a space, a control character or a non-ASCII character".into())
        );
        for s in ["", "Healthy", "udp:53", "tcp", "-x", "running "] {
            assert_eq!(Ready::parse(s), Err("unknown form".into()), "{s}");
        }
    }

    #[test]
    fn each_kind_waits_its_own_default_unless_told() {
        let two = Duration::from_secs(2);
        assert_eq!(Ready::Tcp(vec![1]).most(two, false), PORT_WAIT);
        assert_eq!(Ready::Tcp(vec![1]).most(two, true), two);
        assert_eq!(Ready::Healthy.most(two, false), HEALTHY_WAIT);
        assert_eq!(Ready::Running.most(two, false), two);
        assert_eq!(Ready::None.most(two, true), Duration::ZERO);
    }
}

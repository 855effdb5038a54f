//! The host lanctl drives: the local engine, or a docker context. Docker calls reach it
//! through `docker --context NAME`; host-side commands (`ip`, arping, the kernel's files)
//! reach it through a `Transport` chosen from the context's endpoint.
//!
//! A command for another host is still one `Cmd`: `Transport::wrap` turns `ip link add ...`
//! into `ssh -T -o BatchMode=yes root@h2 -- ip link add ...`, whose argv is the local argv
//! quoted once more for the remote shell. Its `Display` is therefore the exact line that
//! runs, and a dry run prints it.
//!
//! Architecture invariant: a low layer; it knows `cmd`, `quote`, `runner` and `model`
//! only.

use serde::Deserialize;

use crate::exec::cmd::{Cmd, Query};
use crate::exec::error::{Error, Result};
use crate::exec::quote::quote_posix;
use crate::exec::runner::Runner;

/// The name of the local engine among hosts, as docker names its own context.
pub const LOCAL: &str = "default";

/// How host-side commands reach the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// This machine (no `--host`, or a context on a `unix://` socket).
    Local,
    /// Another machine, through `ssh`, as docker itself reaches an `ssh://` context.
    Ssh(Ssh),
    /// A context docker reaches over its API only (`tcp://`): there is no way to run a
    /// host-side command there, so every one is refused.
    DockerOnly { host: String, endpoint: String },
}

/// An `ssh://[USER@]HOST[:PORT]` endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ssh {
    pub user: Option<String>,
    pub host: String,
    pub port: Option<u16>,
}

impl Ssh {
    /// `[USER@]HOST`, the destination as ssh takes it.
    pub fn destination(&self) -> String {
        match &self.user {
            Some(u) => format!("{u}@{}", self.host),
            None => self.host.clone(),
        }
    }

    /// The ssh argv before the remote command: no tty (`-T`), never a password or host-key
    /// prompt (`BatchMode=yes`: lanctl has no terminal to answer one, and a prompt would
    /// hang until the deadline), then `--` so nothing of the remote command is read as an
    /// ssh option.
    fn prefix(&self) -> Vec<String> {
        let mut v: Vec<String> = vec!["-T".into(), "-o".into(), "BatchMode=yes".into()];
        if let Some(p) = self.port {
            v.push("-p".into());
            v.push(p.to_string());
        }
        v.push(self.destination());
        v.push("--".into());
        v
    }
}

impl Transport {
    /// The transport for a context's docker endpoint (`docker context inspect`).
    /// `host` is the context's name, for messages.
    pub fn from_endpoint(host: &str, endpoint: &str) -> Result<Transport> {
        if endpoint.starts_with("unix://") {
            return Ok(Transport::Local);
        }
        if let Some(rest) = endpoint.strip_prefix("ssh://") {
            return parse_ssh(rest).map(Transport::Ssh).ok_or_else(|| {
                Error::check(format!(
                    "context {host} has the endpoint {endpoint:?}, which is not ssh://[USER@]HOST[:PORT]; fix it with \
                     `docker context update {host} --docker host=ssh://USER@HOST`"
                ))
            });
        }
        Ok(Transport::DockerOnly { host: host.to_string(), endpoint: endpoint.to_string() })
    }

    pub fn is_local(&self) -> bool {
        *self == Transport::Local
    }

    /// `cmd` as it runs on the host: itself locally, inside `ssh` for an ssh host, and
    /// refused (by the runner, exit 3) for a host docker reaches only through its API.
    pub fn wrap(&self, cmd: Cmd) -> Cmd {
        match self {
            Transport::Local => cmd,
            Transport::Ssh(ssh) => {
                let refusal = (!cmd.secret_env.is_empty()).then(|| {
                    // ssh forwards no environment, and a secret must never be in an argv.
                    format!(
                        "`{cmd}` needs a secret in its environment, which cannot travel over ssh to {}; run lanctl on that host",
                        ssh.host
                    )
                });
                let mut args = ssh.prefix();
                args.push(quote_posix(&cmd.program));
                args.extend(cmd.args.iter().map(|a| quote_posix(a)));
                Cmd {
                    program: "ssh".into(),
                    args,
                    secret_env: Vec::new(),
                    deadline: cmd.deadline,
                    refusal: refusal.or(cmd.refusal),
                    slow: cmd.slow,
                }
            }
            Transport::DockerOnly { host, endpoint } => {
                let why = format!(
                    "`{cmd}` must run on host {host}, but its context reaches docker only ({endpoint}); {}",
                    ssh_hint(host)
                );
                Cmd { refusal: Some(why), ..cmd }
            }
        }
    }

    /// For a docker-only host: that `what` cannot happen there, and what to do (the
    /// detail and the hint of one check). `None` for a host commands can reach.
    pub fn docker_only(&self, what: &str) -> Option<(String, String)> {
        match self {
            Transport::DockerOnly { host, endpoint } => Some((
                format!("{what} must run on host {host}, but its context reaches docker only ({endpoint})"),
                ssh_hint(host),
            )),
            _ => None,
        }
    }
}

/// What to do about a docker-only host.
fn ssh_hint(host: &str) -> String {
    format!(
        "give {host} an ssh endpoint (`docker context update {host} --docker host=ssh://USER@HOST`) or run lanctl on that host"
    )
}

/// `[USER@]HOST[:PORT]` (HOST may be a bracketed IPv6 address), as docker reads it; a
/// path, an empty part, or a part ssh could read as an option is refused.
fn parse_ssh(rest: &str) -> Option<Ssh> {
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (user, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u.to_string()), h),
        None => (None, rest),
    };
    let (host, port) = match hostport.strip_prefix('[') {
        Some(v6) => {
            let (addr, after) = v6.split_once(']')?;
            match after {
                "" => (addr.to_string(), None),
                _ => (addr.to_string(), Some(after.strip_prefix(':')?.parse::<u16>().ok()?)),
            }
        }
        None => match hostport.split_once(':') {
            Some((h, p)) => (h.to_string(), Some(p.parse::<u16>().ok()?)),
            None => (hostport.to_string(), None),
        },
    };
    let plain =
        |s: &str| !s.is_empty() && !s.starts_with('-') && s.chars().all(|c| c.is_ascii_alphanumeric() || "._-:%".contains(c));
    if !plain(&host) || user.as_deref().is_some_and(|u| !plain(u) || u.contains(':')) || port == Some(0) {
        return None;
    }
    Some(Ssh { user, host, port })
}

/// `docker context inspect -- NAME`: a read, and the only docker call that names a
/// context as its operand instead of taking `--context`.
pub fn context_inspect(docker: &str, name: &str) -> Query {
    Cmd::new(docker).args(["context", "inspect", "--", name]).query()
}

#[derive(Deserialize)]
struct ContextInfo {
    #[serde(rename = "Endpoints")]
    endpoints: Endpoints,
}

#[derive(Deserialize)]
struct Endpoints {
    docker: DockerEndpoint,
}

#[derive(Deserialize)]
struct DockerEndpoint {
    #[serde(rename = "Host")]
    host: String,
}

/// The transport of context `name`, read from `docker context inspect` (one query; it
/// runs during dry runs too, since the plan depends on it).
pub fn resolve(runner: &Runner, docker: &str, name: &str) -> Result<Transport> {
    let q = context_inspect(docker, name);
    let infos: Vec<ContextInfo> = runner.query_json(&q)?;
    let Some(info) = infos.into_iter().next() else {
        return Err(Error::check(format!("`{q}` printed no context; list the contexts with `docker context ls`")));
    };
    Transport::from_endpoint(name, &info.endpoints.docker.host)
}

#[cfg(test)]
mod tests;

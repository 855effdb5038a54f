//! Several hosts in one run: one `Ctx` per host, each with its own docker context and
//! transport, and the one way to ask all of them at once.
//!
//! A host is a docker context, or `default`, the local engine. Hosts are asked
//! concurrently, one thread per host, each issuing the same fixed set of calls that the
//! command issues for one host; answers come back in the order the hosts were named, so
//! output does not depend on which host answered first.
//!
//! Architecture invariant: a low layer beside `ctx`; it knows `ctx`, `host`, `cmd`,
//! `runner` and `model` only.

use crate::exec::at_once;
use serde::Deserialize;

use crate::exec::cmd::{Cmd, Query};
use crate::exec::error::{Error, Result};
use crate::exec::out;
use crate::exec::runner::Runner;
use crate::exec::transport::Transport;
use crate::target::ctx::{Config, Ctx};

/// One host and the context its commands run in.
pub struct Host {
    /// The context's name (`default` for the local engine), as lanctl prints it.
    pub name: String,
    pub ctx: Ctx,
}

/// The hosts named, in that order, each context's endpoint read at the same time; each
/// host's notes name it. The first failure in that order is the error.
pub fn connect(c: &Config, names: &[String]) -> Result<Vec<Host>> {
    let ctxs = each(names, |n| Ctx::for_host(c, Some(n)).map(Ctx::named));
    names.iter().zip(ctxs).map(|(name, ctx)| Ok(Host { name: name.clone(), ctx: ctx? })).collect()
}

/// Runs `f` for every host at the same time; the answers in the hosts' order.
pub fn each<H: Sync, T: Send>(hosts: &[H], f: impl Fn(&H) -> T + Sync) -> Vec<T> {
    at_once::each(hosts, f)
}

/// What every host answered (`--all-hosts`), in the order of `docker context ls`, and the
/// hosts that did not.
pub struct Answers<T> {
    pub answers: Vec<(String, T)>,
    pub silent: Vec<String>,
}

impl<T> Answers<T> {
    /// The exit 3 a run owes, after its data, for hosts that did not answer.
    pub fn owed(&self) -> Result<()> {
        match self.silent.as_slice() {
            [] => Ok(()),
            [one] => Err(Error::check(format!(
                "host {one} did not answer (see the warning above); check it with `lanctl --host {one} doctor`"
            ))),
            many => Err(Error::check(format!(
                "{} hosts did not answer: {} (see the warnings above); check each with `lanctl --host NAME doctor`",
                many.len(),
                many.join(", ")
            ))),
        }
    }
}

/// Asks every docker context at once with `f`. A host that cannot be reached or fails is
/// a warning line on stderr (`host NAME: warning: ...`), in the contexts' order, and an
/// exit 3 owed at the end ([`Answers::owed`]); the others' answers stay data.
pub fn ask_all<T: Send>(c: &Config, f: impl Fn(&Ctx) -> Result<T> + Sync) -> Result<Answers<T>> {
    let hosts = all(c)?;
    let got = each(&hosts, |(_, ctx)| match ctx {
        Ok(ctx) => f(ctx).map_err(|e| e.msg),
        Err(e) => Err(e.msg.clone()),
    });
    let mut out = Answers { answers: Vec::new(), silent: Vec::new() };
    for ((name, _), answer) in hosts.into_iter().zip(got) {
        match answer {
            Ok(a) => out.answers.push((name, a)),
            Err(msg) => {
                out::note(format!("host {name}: warning: {msg}"));
                out.silent.push(name);
            }
        }
    }
    Ok(out)
}

/// `docker context ls`: every context with its endpoint, in one read (which the dry run
/// makes too: what it plans depends on the answer).
pub fn context_ls(docker: &str) -> Query {
    Cmd::new(docker).args(["context", "ls", "--format", "{{json .}}"]).query()
}

#[derive(Deserialize)]
struct ContextLine {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "DockerEndpoint", default)]
    endpoint: String,
}

/// Every docker context as a host (`--all-hosts`): its transport comes from the endpoint
/// `docker context ls` printed, so no context is read twice. A context whose endpoint
/// lanctl cannot use is kept with its error, for the command to report with the others
/// that fail.
pub fn all(c: &Config) -> Result<Vec<(String, Result<Ctx>)>> {
    let runner = Runner { dry_run: c.dry_run, verbose: c.verbose };
    let lines: Vec<ContextLine> = runner.query_lines(&context_ls(&c.docker))?;
    Ok(lines
        .into_iter()
        .map(|l| {
            // Engine 20.10's CLI marks the current context's name with " *".
            let name = l.name.strip_suffix(" *").unwrap_or(&l.name).to_string();
            let ctx = Transport::from_endpoint(&name, &l.endpoint).map(|t| Ctx::with_transport(c, Some(&name), t).named());
            (name, ctx)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_local_engine_and_needs_no_read() {
        let c = Config { docker: "/nonexistent/docker".into(), ..Default::default() };
        let hosts = connect(&c, &[crate::exec::transport::LOCAL.to_string()]).expect("no process runs for the local engine");
        assert_eq!(hosts[0].name, "default");
        assert_eq!(hosts[0].ctx.host_name(), "default");
        assert_eq!(hosts[0].ctx.docker.context, None);
        assert_eq!(hosts[0].ctx.transport, Transport::Local);
    }

    #[test]
    fn each_answers_in_the_hosts_order_whoever_finishes_first() {
        let c = Config { docker: "docker".into(), ..Default::default() };
        let hosts: Vec<Host> = ["a", "b", "c"]
            .iter()
            .map(|n| Host { name: n.to_string(), ctx: Ctx::with_transport(&c, Some(n), Transport::Local) })
            .collect();
        let got = each(&hosts, |h| {
            // The first host answers last.
            if h.name == "a" {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            format!("{}:{}", h.name, h.ctx.host_name())
        });
        assert_eq!(got, ["a:a", "b:b", "c:c"]);
    }
}

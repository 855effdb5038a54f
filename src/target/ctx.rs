//! The validated global configuration every command runs with: how commands run (the
//! runner), which docker and ip to call, how to print, and what to defer to the end.
//!
//! Architecture invariant: this module knows nothing of the commands above it (checks,
//! tenants, networks); they hand it what it needs as plain values.

use std::sync::Mutex;

use serde::Serialize;

use crate::engine::docker::Docker;
use crate::engine::ip::Ip;
use crate::exec::cmd::Query;
use crate::exec::error::{Error, Result};
use crate::exec::out;
use crate::exec::runner::Runner;
use crate::exec::transport::{self, Transport};
use crate::target::lock::Lock;

/// The global options, lowered from the command line.
#[derive(Clone, Debug, Default)]
pub struct Config {
    pub dry_run: bool,
    pub json: bool,
    pub verbose: bool,
    /// The docker CLI to run.
    pub docker: String,
    /// `--host NAME`: the docker context lanctl drives; `None` is the local engine.
    pub host: Option<String>,
    pub skip_checks: bool,
    pub yes: bool,
}

pub struct Ctx {
    pub runner: Runner,
    pub docker: Docker,
    pub ip: Ip,
    /// How host-side commands reach the host (`ip` is already built with it).
    pub transport: Transport,
    pub json: bool,
    pub skip_checks: bool,
    pub yes: bool,
    /// Set when a dry run went on past a failed check: the run then ends with exit 3.
    deferred_check: Mutex<Option<String>>,
    /// In a run on several hosts: the host its notes are about (`named`).
    speaks_for: Option<String>,
    /// The engine's API version, once read: a read may start early, alongside others, and
    /// whoever needs it later waits for that one read instead of starting another.
    server_api: Mutex<Option<String>>,
}

impl Ctx {
    /// The context for one run on the host `--host` names (or the local engine).
    pub fn new(c: &Config) -> Result<Ctx> {
        Ctx::for_host(c, c.host.as_deref())
    }

    /// The context for one host: a docker context, whose endpoint is read first (one
    /// `docker context inspect`), since every host-side command depends on it. `None` and
    /// `default` are the local engine, which needs no read.
    pub fn for_host(c: &Config, host: Option<&str>) -> Result<Ctx> {
        let runner = Runner { dry_run: c.dry_run, verbose: c.verbose };
        let host = host.filter(|h| *h != transport::LOCAL);
        let transport = match host {
            Some(name) => transport::resolve(&runner, &c.docker, name)?,
            None => Transport::Local,
        };
        Ok(Ctx::with_transport(c, host, transport))
    }

    /// The context for a host whose transport is already known (from `docker context ls`).
    pub fn with_transport(c: &Config, host: Option<&str>, transport: Transport) -> Ctx {
        let host = host.filter(|h| *h != transport::LOCAL);
        Ctx {
            runner: Runner { dry_run: c.dry_run, verbose: c.verbose },
            docker: Docker::new(c.docker.clone(), host.map(String::from)),
            ip: Ip::on("ip", transport.clone()),
            transport,
            json: c.json,
            skip_checks: c.skip_checks,
            yes: c.yes,
            deferred_check: Mutex::new(None),
            speaks_for: None,
            server_api: Mutex::new(None),
        }
    }

    /// This context as one of several hosts: its notes and deferred checks start with
    /// `host NAME: `, so a run on several hosts says which host each line is about.
    pub fn named(self) -> Ctx {
        Ctx { speaks_for: Some(self.host_name().to_string()), ..self }
    }

    /// `msg` as this host's: `host h2: ` first when lanctl speaks for several hosts.
    pub fn about(&self, msg: &str) -> String {
        match &self.speaks_for {
            Some(h) => format!("host {h}: {msg}"),
            None => msg.to_string(),
        }
    }

    /// The host's name as lanctl prints it: its context, or `default` for the local engine.
    pub fn host_name(&self) -> &str {
        self.docker.context.as_deref().unwrap_or(transport::LOCAL)
    }

    /// A read of the host's own state (a file, a probe): run where the host is.
    pub fn on_host(&self, q: Query) -> Query {
        Query(self.transport.wrap(q.0))
    }

    pub fn dry_run(&self) -> bool {
        self.runner.dry_run
    }

    /// The host-wide lock for choosing addresses and starting what takes them; a dry run
    /// changes nothing, so it takes none.
    pub fn lock(&self) -> Result<Option<Lock>> {
        if self.dry_run() {
            Ok(None)
        } else {
            Lock::acquire().map(Some)
        }
    }

    /// The engine's API version (`1.41`), from one `docker version` per run; empty when the
    /// engine did not say. A failed read is not kept, so the next caller asks again and
    /// reports it.
    pub fn server_api(&self) -> Result<String> {
        let mut known = self.server_api.lock().expect("version lock");
        if let Some(api) = known.as_ref() {
            return Ok(api.clone());
        }
        let v: crate::engine::model::DockerVersion = self.runner.query_json(&self.docker.version())?;
        let api = v.server.map(|s| s.api_version).unwrap_or_default();
        *known = Some(api.clone());
        Ok(api)
    }

    /// Remembers the first failed check a dry run went past, for `finish`.
    pub fn defer_check(&self, line: String) {
        let line = self.about(&line);
        self.deferred_check.lock().expect("check lock").get_or_insert(line);
    }

    /// Takes over the checks another host's context went past, for this run's `finish`.
    pub fn adopt_deferred(&self, other: &Ctx) {
        if let Some(line) = other.deferred_check.lock().expect("check lock").take() {
            self.deferred_check.lock().expect("check lock").get_or_insert(line);
        }
    }

    /// The exit-3 error a dry run owes for checks it went past.
    pub fn finish(&self) -> Result<()> {
        match self.deferred_check.lock().expect("check lock").take() {
            Some(line) => Err(Error::check(format!(
                "check failed: {line} (the plan above would not run here; pass --skip-checks to plan anyway)"
            ))),
            None => Ok(()),
        }
    }

    /// Writes data to stdout as pretty JSON.
    pub fn print_json<T: Serialize>(&self, value: &T) {
        out::json(value);
    }

    /// A note for the user: stderr, so stdout stays data (or a pasteable script).
    pub fn note(&self, msg: impl AsRef<str>) {
        out::note(self.about(msg.as_ref()));
    }
}

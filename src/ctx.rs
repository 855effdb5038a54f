//! The validated global configuration every command runs with, and the policy that
//! turns prerequisite check results into "stop", "warn" or "go on".

use std::sync::Mutex;

use serde::Serialize;

use crate::checks::{Report, Status};
use crate::cli::Cli;
use crate::docker::Docker;
use crate::error::{Error, Result};
use crate::iproute::Ip;
use crate::runner::Runner;

pub struct Ctx {
    pub runner: Runner,
    pub docker: Docker,
    pub ip: Ip,
    pub json: bool,
    pub skip_checks: bool,
    pub yes: bool,
    /// Set when a dry run went on past a failed check: the run then ends with exit 3.
    deferred_check: Mutex<Option<String>>,
}

impl Ctx {
    pub fn from_cli(cli: &Cli) -> Result<Ctx> {
        let docker = match &cli.docker {
            Some(p) if p.as_os_str().is_empty() => {
                return Err(Error::usage("--docker is empty; give the path of the docker CLI"))
            }
            Some(p) => p.to_string_lossy().into_owned(),
            // Left to PATH at run time, so dry-run lines read `docker ...` and paste anywhere.
            None => "docker".to_string(),
        };
        Ok(Ctx {
            runner: Runner { dry_run: cli.dry_run, verbose: cli.verbose },
            docker: Docker::new(docker, cli.context.clone()),
            ip: Ip::new("ip"),
            json: cli.json,
            skip_checks: cli.skip_checks,
            yes: cli.yes,
            deferred_check: Mutex::new(None),
        })
    }

    pub fn dry_run(&self) -> bool {
        self.runner.dry_run
    }

    /// Applies the check policy: failures stop a real run with exit 3; during a dry run
    /// they are warnings and the run ends with exit 3 after printing the plan; with
    /// `--skip-checks` they are warnings only.
    pub fn gate(&self, report: &Report) -> Result<()> {
        for c in report.checks.iter().filter(|c| c.status == Status::Warn) {
            eprintln!("lanctl: warning: {}", c.line());
        }
        let fails: Vec<_> = report.checks.iter().filter(|c| c.status == Status::Fail).collect();
        let Some(first) = fails.first() else { return Ok(()) };
        if self.skip_checks || self.dry_run() {
            for c in &fails {
                eprintln!("lanctl: warning: check failed: {}", c.line());
            }
            if !self.skip_checks {
                *self.deferred_check.lock().expect("check lock") = Some(first.line());
            }
            return Ok(());
        }
        for c in &fails[1..] {
            eprintln!("lanctl: check failed: {}", c.line());
        }
        Err(Error::check(format!("check failed: {}", first.line())))
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
        println!("{}", serde_json::to_string_pretty(value).expect("lanctl's own types serialize"));
    }

    /// A note for the user: stderr, so stdout stays data (or a pasteable script).
    pub fn note(&self, msg: impl AsRef<str>) {
        eprintln!("lanctl: {}", msg.as_ref());
    }
}

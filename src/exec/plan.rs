//! A plan: a change that needs more than a row of commands (a value read while it runs, a
//! check, an undo when a step fails) as data. `--dry-run` prints it as bash; a real run
//! executes the very same steps through the runner, without a shell. Pasted into bash, the
//! printed plan reads the same values, stops at the same failures and undoes the same way
//! as lanctl's own run, so the two cannot diverge.
//!
//! No value a plan reads while it runs is ever printed: it goes into a variable that only
//! the environment of the commands after it sees, as `-e KEY` secrets do (`--env KEY` in
//! the argv, the value in docker's environment).
//!
//! A plan is a list of blocks. A block is a row of actions; when one fails, the block's
//! undo runs (every undo step, whatever fails) and the plan stops with exit 1. In bash:
//!
//! ```text
//! (
//! docker stop -- web || exit 1
//! if ! {
//!   docker rename -- web web.old &&
//!   docker run ... -- image
//! }; then
//!   docker start -- web
//!   exit 1
//! fi
//! )
//! ```
//!
//! The subshell keeps `exit` from closing the terminal the plan is pasted into, and keeps
//! its variables out of that shell.

use std::fmt;
use std::time::Duration;

use crate::exec::cmd::{Change, Cmd, Query};
use crate::exec::error::Error;
use crate::exec::quote::quote;
use crate::exec::runner::{self, Runner};

/// One step of a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Runs a change.
    Change(Change),
    /// Sets the variable `var` to what `query` prints, less its final newlines and then
    /// one final `.`: the query ends the value with a `.` so that a value ending in
    /// newlines keeps them, as `$(...)` would drop them. Every later command gets the
    /// variable in its environment; nothing prints it.
    Capture { var: String, query: Query },
    /// Fails unless the environment the plan runs in has `var`; every later command gets
    /// it in its environment. A pasted plan thus refuses, naming the variable, rather
    /// than run without a value that lanctl's own run would have had.
    Require { var: String },
    /// `secs` times: waits a second, then fails unless `query` prints `expect`.
    Hold { query: Query, expect: String, secs: u64 },
    /// A wait lanctl makes itself (a tenant's readiness check, `Plan::run_awaiting`'s
    /// waiter, by `what`); `line` says it. In bash it is the no-op `:` with that line,
    /// the one step a pasted plan does not do: bash has no check of lanctl's own.
    Await { what: String, line: String },
}

/// What a block does when one of its actions fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Undo {
    Change(Change),
    /// Shows what the query prints (on stderr in bash; in the error of lanctl's run).
    Show(Query),
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Block {
    pub actions: Vec<Action>,
    pub undo: Vec<Undo>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[must_use = "a plan does nothing until it runs"]
pub struct Plan {
    pub blocks: Vec<Block>,
}

/// Why a plan stopped.
#[derive(Debug)]
pub enum Why {
    /// A command failed, or a required variable was missing.
    Failed(Error),
    /// A `Hold` query printed `got` instead of what was expected, after `after`.
    Held { got: String, after: Duration },
}

/// A plan that stopped: where, why, and what its undo did.
#[derive(Debug)]
pub struct Failed {
    /// The index of the block that failed.
    pub block: usize,
    pub why: Why,
    /// What the undo's `Show` queries printed, stdout then stderr, each when it succeeded.
    pub shown: Vec<String>,
    /// Undo steps that failed in turn.
    pub undo_failed: Vec<Error>,
}

impl Failed {
    /// The plan's failure as one error: the step's, then what went wrong undoing it.
    pub fn into_error(self) -> Error {
        let mut e = match self.why {
            Why::Failed(e) => e,
            Why::Held { got, after } => {
                Error::failed(format!("a check printed {got:?} after {}", crate::exec::error::duration(after)))
            }
        };
        if let Some(u) = self.undo_failed.first() {
            e.msg = format!("{}, and undoing it failed too: {u}", e.msg);
        }
        e
    }
}

/// A POSIX variable name: what a plan's variables must be, since they are not quoted.
fn valid_var(var: &str) -> bool {
    let mut c = var.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_') && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Plan {
    pub fn new() -> Plan {
        Plan::default()
    }

    /// Adds a block of one action with no undo.
    pub fn then(mut self, action: Action) -> Plan {
        self.blocks.push(Block { actions: vec![action], undo: Vec::new() });
        self
    }

    /// Adds a block: `actions` in a row, `undo` when one of them fails.
    pub fn attempt(mut self, actions: Vec<Action>, undo: Vec<Undo>) -> Plan {
        self.blocks.push(Block { actions, undo });
        self
    }

    pub fn len(&self) -> usize {
        self.blocks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Runs the plan, or prints it during a dry run.
    pub fn run(&self, runner: &Runner) -> Result<(), Failed> {
        self.run_awaiting(runner, &|what| Err(format!("nothing waits for {what}")))
    }

    /// [`Plan::run`], with `waiter` doing each `Await` (by its `what`): its error fails
    /// the block.
    pub fn run_awaiting(&self, runner: &Runner, waiter: &dyn Fn(&str) -> Result<(), String>) -> Result<(), Failed> {
        if runner.dry_run {
            crate::exec::out::line(self.to_string());
            return Ok(());
        }
        let mut env: Vec<(String, String)> = Vec::new();
        for (i, block) in self.blocks.iter().enumerate() {
            for action in &block.actions {
                if let Err(why) = act(runner, action, &mut env, waiter) {
                    let mut failed = Failed { block: i, why, shown: Vec::new(), undo_failed: Vec::new() };
                    for u in &block.undo {
                        undo(runner, u, &env, &mut failed);
                    }
                    return Err(failed);
                }
            }
        }
        Ok(())
    }
}

impl Action {
    pub fn capture(var: &str, query: Query) -> Action {
        assert!(valid_var(var), "plan variable {var:?} is not a variable name");
        Action::Capture { var: var.to_string(), query }
    }

    pub fn require(var: &str) -> Action {
        assert!(valid_var(var), "plan variable {var:?} is not a variable name");
        Action::Require { var: var.to_string() }
    }
}

/// The message of a `Require` that is not met, the same in bash and in lanctl's run.
pub fn missing(var: &str) -> String {
    format!("{var} is not set in the environment; export {var}, then run this again")
}

/// `cmd` with the plan's variables in its environment, as bash's `export` gives them.
fn with_env(cmd: &Cmd, env: &[(String, String)]) -> Cmd {
    let mut c = cmd.clone();
    c.secret_env.extend(env.iter().cloned());
    c
}

/// What `$(...)` leaves of a command's output: the final newlines go.
fn substituted(stdout: &str) -> &str {
    stdout.trim_end_matches('\n')
}

fn act(
    runner: &Runner,
    action: &Action,
    env: &mut Vec<(String, String)>,
    waiter: &dyn Fn(&str) -> Result<(), String>,
) -> Result<(), Why> {
    match action {
        Action::Await { what, .. } => waiter(what).map_err(|why| Why::Failed(Error::failed(why))),
        Action::Change(c) => runner.change(&Change(with_env(&c.0, env))).map(|_| ()).map_err(Why::Failed),
        Action::Capture { var, query } => {
            let q = Query(with_env(&query.0, env));
            let out = runner.query_output(&q).map_err(Why::Failed)?;
            if !out.success() {
                return Err(Why::Failed(runner::failure(&q.0, out)));
            }
            let value = substituted(&out.stdout);
            let value = value.strip_suffix('.').unwrap_or(value).to_string();
            env.retain(|(k, _)| k != var);
            env.push((var.clone(), value));
            Ok(())
        }
        Action::Require { var } => {
            let value = std::env::var(var).map_err(|_| Why::Failed(Error::failed(missing(var))))?;
            env.retain(|(k, _)| k != var);
            env.push((var.clone(), value));
            Ok(())
        }
        Action::Hold { query, expect, secs } => {
            let q = Query(with_env(&query.0, env));
            for i in 1..=*secs {
                std::thread::sleep(Duration::from_secs(1));
                // As in bash, a query that fails prints something else than expected.
                let got = match runner.query_output(&q) {
                    Ok(out) => substituted(&out.stdout).to_string(),
                    Err(_) => String::new(),
                };
                if got != *expect {
                    return Err(Why::Held { got, after: Duration::from_secs(i) });
                }
            }
            Ok(())
        }
    }
}

fn undo(runner: &Runner, u: &Undo, env: &[(String, String)], failed: &mut Failed) {
    match u {
        Undo::Change(c) => {
            if let Err(e) = runner.change(&Change(with_env(&c.0, env))) {
                failed.undo_failed.push(e);
            }
        }
        Undo::Show(q) => {
            if let Ok(out) = runner.query_output(&Query(with_env(&q.0, env))) {
                if out.success() {
                    failed.shown.push(format!("{}{}", out.stdout, out.stderr));
                }
            }
        }
    }
}

/// An action as one bash expression whose status is the action's.
fn expr(action: &Action) -> String {
    match action {
        Action::Change(c) => c.to_string(),
        Action::Capture { var, query } => format!("{{ {var}=$({query}) && export {var}=\"${{{var}%.}}\"; }}"),
        Action::Require { var } => {
            format!(
                "{{ [[ -v {var} ]] && export {var}; }} || {{ echo {} >&2; false; }}",
                quote(&format!("lanctl: {}", missing(var)))
            )
        }
        Action::Hold { query, expect, secs } => {
            format!("(for ((i = 0; i < {secs}; i++)); do sleep 1; [[ $({query}) == {} ]] || exit 1; done)", quote(expect))
        }
        Action::Await { line, .. } => format!(": {}", quote(line)),
    }
}

fn undo_line(u: &Undo) -> String {
    match u {
        Undo::Change(c) => c.to_string(),
        Undo::Show(q) => format!("{q} >&2"),
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One change alone is the plain line every other dry run prints.
        if let [Block { actions, undo }] = self.blocks.as_slice() {
            if let ([Action::Change(c)], []) = (actions.as_slice(), undo.as_slice()) {
                return write!(f, "{c}");
            }
        }
        writeln!(f, "(")?;
        for b in &self.blocks {
            if b.undo.is_empty() {
                for a in &b.actions {
                    writeln!(f, "{} || exit 1", expr(a))?;
                }
                continue;
            }
            writeln!(f, "if ! {{")?;
            for (i, a) in b.actions.iter().enumerate() {
                let and = if i + 1 < b.actions.len() { " &&" } else { "" };
                writeln!(f, "  {}{and}", expr(a))?;
            }
            writeln!(f, "}}; then")?;
            for u in &b.undo {
                writeln!(f, "  {}", undo_line(u))?;
            }
            writeln!(f, "  exit 1")?;
            writeln!(f, "fi")?;
        }
        write!(f, ")")
    }
}

#[cfg(test)]
mod tests;

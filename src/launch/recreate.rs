//! Recreating a tenant with a merged spec on the same address, as one `Plan`: the
//! previous container parked, the new one started and watched, and the previous one put
//! back exactly as it was if the new one does not stay up. Used by `update` and by
//! `converge` (a tenant whose file asks for another spec).

use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;

use crate::engine::model::Container;
use crate::exec::error::{duration, one_line, Error, Result};
use crate::exec::plan::{Action, Failed, Plan, Undo, Why};
use crate::launch::docker_run::{docker_run_passing, Tenant};
use crate::launch::parked::parked_name;
use crate::launch::readiness::{self, Item};
use crate::launch::ready::Ready;
use crate::launch::spec::{Secrets, TenantSpec};
use crate::target::ctx::Ctx;

/// `lanctl update`, lowered: the tenant, the environment changes in order, and what else
/// of its spec changes.
/// How many of the failed container's last log lines an error shows.
const LOG_LINES: u32 = 5;
/// The most of them an error shows, in characters: the error stays one readable line.
const LOG_CHARS: usize = 300;
/// What a container that runs and never restarted answers `Docker::run_state`.
const RUNNING: &str = "running 0 0";

pub fn env_value(c: &Container, key: &str) -> Option<String> {
    c.config.env.iter().find_map(|e| e.strip_prefix(key)?.strip_prefix('=').map(str::to_string))
}

pub struct Recreate<'a> {
    pub network: &'a str,
    pub ip: IpAddr,
    /// The IPv6 address it keeps, on a dual-stack network.
    pub ip6: Option<IpAddr>,
    pub spec: &'a TenantSpec,
    /// Secrets whose values the new container takes from the old one, read when the plan
    /// runs.
    pub carry: &'a [String],
    /// Secrets whose values come from the environment the plan runs in (lanctl's own, in
    /// a real run).
    pub require: &'a [String],
    pub env_file: Option<&'a Path>,
    pub pull: Option<&'a str>,
    pub wait: Duration,
    /// Whether `wait` was given (else a check other than `running` waits its default).
    pub wait_given: bool,
    /// The new container's readiness check; `None` and `running` are today's hold: the
    /// container keeps running for `wait`, which the bash plan checks too.
    pub ready: Option<&'a Ready>,
    /// docker's stop grace period for the old container; `None` keeps docker's.
    pub stop_timeout: Option<u64>,
}

/// The blocks of a recreation, by index, to tell from a failure how far it got.
struct Blocks {
    /// The old container is renamed to its parked name here; before, nothing changed.
    park: usize,
    /// The new container starts and must stay up; a failure here is rolled back.
    start: usize,
    /// The parked container is removed: the update itself is done.
    clean: usize,
}

/// The plan that replaces `name` (running or not) with a container of the new spec on
/// the same address. The values to carry over are read and the secrets to pass checked
/// before any change; the old container is stopped and parked under another name; if the
/// new one does not start, or does not stay up `wait` seconds, it is removed (its last
/// log lines shown first) and the old one comes back as it was.
fn recreate_plan(ctx: &Ctx, name: &str, was_running: bool, r: &Recreate) -> (Plan, Blocks) {
    let d = &ctx.docker;
    let parked = parked_name(name);
    let mut plan = Plan::new();
    for k in r.carry {
        plan = plan.then(Action::capture(k, d.env_value(name, k)));
    }
    for k in r.require {
        plan = plan.then(Action::require(k));
    }
    if was_running {
        plan = plan.then(Action::Change(d.stop(name, r.stop_timeout)));
    }
    let restart: Vec<Undo> = if was_running { vec![Undo::Change(d.start(name))] } else { Vec::new() };
    let park = plan.len();
    plan = plan.attempt(vec![Action::Change(d.rename(name, &parked))], restart.clone());
    let passed: Vec<String> = r.carry.iter().chain(r.require).cloned().collect();
    // No value goes with this command: the plan supplies every secret when it runs.
    let none = Secrets::new();
    let t = Tenant {
        name,
        network: r.network,
        ip: r.ip,
        ip6: r.ip6,
        spec: r.spec,
        secrets: &none,
        env_file: r.env_file,
        pull: r.pull,
    };
    let mut start = vec![Action::Change(docker_run_passing(d, &t, &passed))];
    match r.ready {
        _ if r.wait.is_zero() => {}
        Some(Ready::None) => {}
        Some(k) if *k != Ready::Running => {
            let line = format!("lanctl then waits up to {} for {k} on {}", duration(k.most(r.wait, r.wait_given)), r.ip);
            start.push(Action::Await { what: name.to_string(), line });
        }
        _ => start.push(Action::Hold { query: d.run_state(name), expect: RUNNING.to_string(), secs: r.wait.as_secs() }),
    }
    let mut rollback =
        vec![Undo::Show(d.logs_tail(name, LOG_LINES)), Undo::Change(d.rm_force(name)), Undo::Change(d.rename(&parked, name))];
    rollback.extend(restart);
    let start_at = plan.len();
    plan = plan.attempt(start, rollback);
    let clean = plan.len();
    plan = plan.then(Action::Change(d.rm_many(&[parked])));
    (plan, Blocks { park, start: start_at, clean })
}

/// Replaces `old` with a container of the new spec on the same address (see
/// `recreate_plan`), or prints the plan during a dry run. The caller holds the lock and has
/// settled any interrupted update of the tenant (`parked::settle`).
pub fn recreate(ctx: &Ctx, old: &Container, r: &Recreate) -> Result<()> {
    let name = old.name();
    // A preset that gained `{ip6}` would put nothing there on an IPv4-only network.
    if let (None, Some(held)) = (r.ip6, r.spec.ip6_placeholder()) {
        return Err(Error::usage(format!("tenant {name}: {}", crate::launch::spec::ipv4_only(&held, r.network))));
    }
    let (plan, blocks) = recreate_plan(ctx, name, old.state.running, r);
    // From the first stop to the last check, a signal waits for the swap or its undo.
    let shield = crate::exec::interrupt::shield();
    let result = swap(ctx, name, r, plan, &blocks);
    let stopped = shield.interrupted(&format!("the update of {name} ended"));
    drop(shield);
    match (result, stopped) {
        (Ok(()), Some(e)) => Err(e),
        (result, _) => result,
    }
}

/// Runs the recreation's plan and says how it ended.
fn swap(ctx: &Ctx, name: &str, r: &Recreate, plan: Plan, blocks: &Blocks) -> Result<()> {
    let item = Item { name, ip: Some(r.ip), asked: r.ready };
    match plan.run_awaiting(&ctx.runner, &|_| readiness::await_new(ctx, &item, r.wait, r.wait_given)) {
        Ok(()) => {
            if !ctx.dry_run() {
                ctx.note(format!("updated {name} on {}", r.ip));
            }
            // The new container has a new MAC (docker gives each its own): neighbours
            // that hold the old one for the address learn it now.
            crate::launch::announce::announce_on(ctx, r.network, &[name]);
            Ok(())
        }
        Err(f) => {
            // Put back after a start that failed: the address is at the old MAC again.
            if f.block >= blocks.start && f.block != blocks.clean && f.undo_failed.is_empty() {
                crate::launch::announce::announce_on(ctx, r.network, &[name]);
            }
            Err(failure(name, r, blocks, f))
        }
    }
}

/// The one-line error of a recreation that stopped, by how far it got.
fn failure(name: &str, r: &Recreate, blocks: &Blocks, f: Failed) -> Error {
    let parked = parked_name(name);
    let ip = r.ip;
    if f.block == blocks.clean {
        let e = f.into_error();
        return Error::failed(format!("updated {name} on {ip}, but removing its previous container failed: {e}"))
            .hint(format!("remove it with `docker rm {parked}`"));
    }
    // An empty log says nothing worth a clause.
    let log = f
        .shown
        .first()
        .map(|text| fold_log(text))
        .filter(|folded| !folded.is_empty())
        .map(|folded| format!(", its log ends \"{folded}\""))
        .unwrap_or_default();
    let why = match &f.why {
        Why::Held { got, .. } => format!("{}{log}", held(got, r.wait)),
        Why::Failed(e) if f.block == blocks.start => format!("{}{log}", run_failed(e)),
        Why::Failed(e) => e.to_string(),
    };
    if f.block < blocks.park {
        return Error::failed(format!("update of {name} failed before any change: {why}"))
            .hint("fix the cause, then update again");
    }
    if let Some(u) = f.undo_failed.first() {
        return Error::failed(format!("update of {name} failed: {why}; putting the previous container back failed too: {u}"))
            .hint(format!(
                "it is parked as {parked}: run `docker rm -f {name}`, `docker rename {parked} {name}` and `docker start {name}`"
            ));
    }
    Error::failed(format!("update of {name} failed: {why}; the previous container is back on {ip}, unchanged"))
        .hint("fix the cause, then update again")
}

/// What a failed stay-up check saw, from `STATUS RESTARTS EXITCODE`.
fn held(got: &str, wait: Duration) -> String {
    let secs = wait.as_secs();
    let words: Vec<&str> = got.split(' ').collect();
    match words.as_slice() {
        [status, restarts, code] if *status == "restarting" || *restarts != "0" => {
            format!("the new container restarted within {secs} s (exit code {code})")
        }
        ["exited" | "dead" | "created", _, code] => format!("the new container stopped within {secs} s (exit code {code})"),
        [status, _, _] => format!("the new container was {status} within {secs} s"),
        _ => format!("the new container disappeared within {secs} s"),
    }
}

/// docker's own words first: the run line itself is long and the user wrote most of it.
fn run_failed(e: &Error) -> String {
    match &e.failure {
        Some(f) => {
            let status = f.status.map(|c| format!("exit {c}")).unwrap_or_else(|| "killed by a signal".into());
            format!("docker run failed ({status}): {}", one_line(&f.stderr))
        }
        None => e.to_string(),
    }
}

/// A container's last log lines as one short line: lines joined by ` / `, blank ones and
/// control characters left out, cut at `LOG_CHARS`.
fn fold_log(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    let joined = lines.join(" / ");
    match joined.char_indices().nth(LOG_CHARS) {
        Some((at, _)) => format!("{}...", &joined[..at]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_says_how_the_new_container_ended() {
        let w = Duration::from_secs(5);
        assert_eq!(held("exited 0 1", w), "the new container stopped within 5 s (exit code 1)");
        assert_eq!(held("restarting 2 137", w), "the new container restarted within 5 s (exit code 137)");
        assert_eq!(held("running 1 0", w), "the new container restarted within 5 s (exit code 0)");
        assert_eq!(held("paused 0 0", w), "the new container was paused within 5 s");
        assert_eq!(held("", w), "the new container disappeared within 5 s");
    }

    #[test]
    fn log_lines_fold_into_one_short_line() {
        assert_eq!(fold_log("a\n\n  b\tc \nd\r\n"), "a / b c / d");
        let long = "x".repeat(400);
        assert_eq!(fold_log(&long), format!("{}...", "x".repeat(300)));
        assert_eq!(fold_log("é".repeat(301).as_str()).chars().count(), 303);
    }
}

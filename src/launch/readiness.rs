//! The wait for a batch of just-started tenants to be ready, each by its own check
//! (`ready::Ready`), all at once, with one line per tenant as it turns ready or fails.
//!
//! Each round reads the whole batch with one `docker container inspect` (a crash, a
//! restart, the health status, the PID whose network namespace a port check enters),
//! then runs the round's port checks at the same time, each with a short connection
//! timeout. A tenant is done when its check passes, when it stops, or when its own wait
//! is over; the batch is done when every tenant is.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::engine::model::Container;
use crate::engine::nsenter;
use crate::exec::at_once;
use crate::exec::error::{duration, one_line, Result};
use crate::exec::transport::Transport;
use crate::lan::reach::{self, Ask};
use crate::launch::health::{how_it_stopped, is_down, last_logs, Down};
use crate::launch::ready::Ready;
use crate::state;
use crate::target::ctx::Ctx;

/// The pause between two rounds: short, since a port that opens is seen one round later;
/// a round costs one `docker container inspect` of the batch, however many tenants.
const ROUND: Duration = Duration::from_millis(200);

/// How long one connection may take: the tenant's address is local to the namespace the
/// check runs in, so a port is refused at once or accepts at once; only a server too
/// busy to accept takes longer.
const CONNECT: Duration = Duration::from_secs(1);

/// A tenant to wait for: its name, its address, and the check asked for (by `--ready`,
/// the file's `ready`, or its preset); `None` leaves it to the image.
pub struct Item<'a> {
    pub name: &'a str,
    pub ip: Option<IpAddr>,
    pub asked: Option<&'a Ready>,
}

/// How a tenant's wait ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ready,
    /// It stopped, crashed or disappeared (with its last log lines when it stopped).
    Down(Down),
    /// It runs, but its check did not pass within its wait: why, with its last log lines.
    NotReady(String),
}

struct Slot {
    kind: Option<Ready>,
    most: Duration,
    verdict: Option<Verdict>,
}

/// Waits for `items`: each by its check, for at most its own wait (`wait` when `given`,
/// else its kind's default, see `Ready::most`). Verdicts come in the order of `items`,
/// each failure with the tenant's last log lines.
pub fn wait_ready(ctx: &Ctx, items: &[Item], wait: Duration, given: bool) -> Result<Vec<Verdict>> {
    let verdicts = verdicts(ctx, items, wait, given)?;
    // The last log lines of the failed ones, read at once: each costs a process start.
    let failed: Vec<usize> = (0..items.len()).filter(|&i| verdicts[i] != Verdict::Ready).collect();
    let logs = at_once::each(&failed, |&i| match verdicts[i] {
        Verdict::Down(Down::Gone(_)) => String::new(),
        _ => last_logs(ctx, items[i].name),
    });
    let mut verdicts = verdicts;
    for (&i, log) in failed.iter().zip(logs) {
        verdicts[i] = match std::mem::replace(&mut verdicts[i], Verdict::Ready) {
            Verdict::Down(Down::Stopped(why)) => Verdict::Down(Down::Stopped(format!("{why}; {log}"))),
            Verdict::NotReady(why) => Verdict::NotReady(format!("{why}; {log}")),
            other => other,
        };
    }
    Ok(verdicts)
}

/// The wait of an updated tenant's new container, as a recreation's plan awaits it: the
/// reason it failed, without its log (the plan's rollback shows that).
pub fn await_new(ctx: &Ctx, item: &Item, wait: Duration, given: bool) -> std::result::Result<(), String> {
    let verdict = verdicts(ctx, std::slice::from_ref(item), wait, given).map_err(|e| e.to_string())?;
    match verdict.into_iter().next() {
        Some(Verdict::Ready) | None => Ok(()),
        Some(Verdict::Down(down)) => Err(format!("the new container {}", down.why().trim_start_matches("it "))),
        Some(Verdict::NotReady(why)) => Err(format!("the new container was not ready: {why}")),
    }
}

/// The verdicts of [`wait_ready`], before the logs.
fn verdicts(ctx: &Ctx, items: &[Item], wait: Duration, given: bool) -> Result<Vec<Verdict>> {
    let start = Instant::now();
    let mut slots: Vec<Slot> = items.iter().map(|_| Slot { kind: None, most: wait, verdict: None }).collect();
    loop {
        let pending: Vec<usize> = (0..items.len()).filter(|&i| slots[i].verdict.is_none()).collect();
        if pending.is_empty() {
            break;
        }
        let names: Vec<&str> = pending.iter().map(|&i| items[i].name).collect();
        let found = state::containers_named(ctx, &names)?;
        let now = start.elapsed();
        let mut connect: Vec<(usize, i64, IpAddr, Ready)> = Vec::new();
        for &i in &pending {
            let item = &items[i];
            let slot = &mut slots[i];
            let Some(c) = found.iter().find(|c| c.name() == item.name) else {
                let within = duration(slot.most.max(Duration::from_secs(1)));
                slot.verdict =
                    Some(Verdict::Down(Down::Gone(format!("it disappeared within {within}: something else removed it"))));
                continue;
            };
            let kind = slot.kind.get_or_insert_with(|| resolve(ctx, item.asked, c)).clone();
            slot.most = kind.most(wait, given);
            if is_down(c) {
                // The running check keeps today's words: it stopped within its settle.
                let within = if kind == Ready::Running { slot.most } else { rounded_up(now) };
                slot.verdict = Some(Verdict::Down(Down::Stopped(how_it_stopped(c, within))));
                continue;
            }
            let over = now >= slot.most;
            match &kind {
                Ready::None => slot.verdict = Some(Verdict::Ready),
                Ready::Running if over => slot.verdict = Some(Verdict::Ready),
                Ready::Running => {}
                Ready::Healthy => {
                    let status = c.state.health.as_ref().map(|h| h.status.as_str()).unwrap_or("");
                    slot.verdict = match status {
                        "healthy" => Some(Verdict::Ready),
                        "unhealthy" => Some(Verdict::NotReady("its HEALTHCHECK says unhealthy".into())),
                        _ if !c.config.has_healthcheck() => Some(Verdict::NotReady(
                            "healthy was asked for, but it has no HEALTHCHECK; give --ready tcp:PORT or running".into(),
                        )),
                        "" if over => {
                            Some(Verdict::NotReady(format!("docker showed no health status within {}", duration(slot.most))))
                        }
                        s if over => {
                            Some(Verdict::NotReady(format!("its HEALTHCHECK still said {s} after {}", duration(slot.most))))
                        }
                        _ => None,
                    };
                }
                Ready::Tcp(_) | Ready::Http { .. } => match item.ip {
                    Some(ip) => connect.push((i, c.state.pid, ip, kind.clone())),
                    None => {
                        slot.verdict = Some(Verdict::NotReady(format!("{kind} needs its address, which docker does not show")))
                    }
                },
            }
        }
        // The round's port checks, all at once.
        let answers = at_once::each(&connect, |(_, pid, ip, kind)| check(ctx, *pid, *ip, kind));
        let now = start.elapsed();
        for ((i, _, ip, kind), answer) in connect.iter().zip(answers) {
            let slot = &mut slots[*i];
            match answer {
                Ok(()) => slot.verdict = Some(Verdict::Ready),
                // A check that cannot run here would fail for its whole wait: said once,
                // and the tenant is held to running instead.
                Err(Miss::Cannot(why)) => {
                    ctx.note(format!(
                        "warning: {kind} cannot be checked for {}: {why}; checking that it keeps running instead",
                        items[*i].name
                    ));
                    slot.kind = Some(Ready::Running);
                    slot.most = Ready::Running.most(wait, given);
                }
                Err(Miss::Try(why)) if now >= slot.most => {
                    slot.verdict =
                        Some(Verdict::NotReady(format!("{kind} on {ip} did not answer within {}: {why}", duration(slot.most))))
                }
                Err(Miss::Try(_)) => {}
            }
        }
        for &i in &pending {
            if let (Some(v), Some(kind)) = (&slots[i].verdict, &slots[i].kind) {
                progress(ctx, &items[i], kind, v, start.elapsed());
            }
        }
        // Until the next round, or the first wait that ends before it.
        let next = (0..items.len())
            .filter(|&i| slots[i].verdict.is_none())
            .map(|i| slots[i].most.saturating_sub(start.elapsed()))
            .min()
            .unwrap_or(Duration::ZERO);
        std::thread::sleep(ROUND.min(next));
    }
    Ok(slots.into_iter().map(|s| s.verdict.expect("every tenant has a verdict")).collect())
}

/// The check a tenant gets: the one asked for, else by its image. A port check needs a
/// host-side process where the host is not this machine; a host docker reaches over
/// `tcp://` only has none, so there the check falls back to the container running.
fn resolve(ctx: &Ctx, asked: Option<&Ready>, c: &Container) -> Ready {
    let kind = Ready::of_container(asked, c);
    if kind.connects() && matches!(ctx.transport, Transport::DockerOnly { .. }) {
        ctx.note(format!(
            "warning: {} cannot be checked on host {}, which docker reaches over tcp:// only; checking that {} runs instead",
            kind,
            ctx.host_name(),
            c.name()
        ));
        return Ready::Running;
    }
    kind
}

/// Why a try of a port check failed.
#[derive(Debug, PartialEq, Eq)]
enum Miss {
    /// The port did not answer (yet): try again until the wait is over.
    Try(String),
    /// The check cannot run on this host (no root to enter a namespace, no `nsenter`).
    Cannot(String),
}

/// One try of a port check: every port of it, from inside the tenant's namespace.
fn check(ctx: &Ctx, pid: i64, ip: IpAddr, kind: &Ready) -> std::result::Result<(), Miss> {
    for port in kind.ports() {
        let code = match &ctx.transport {
            Transport::Ssh(_) => over_ssh(ctx, pid, ip, port, kind)?,
            _ => {
                let ask = match kind {
                    Ready::Http { path, .. } => Ask::Http(path.clone()),
                    _ => Ask::Connect,
                };
                reach::from_netns(pid, ip, port, ask, CONNECT).map_err(|e| connect_error(&e, port))?
            }
        };
        if let Some(code) = code.filter(|c| !(200..400).contains(c)) {
            return Err(Miss::Try(format!("port {port} answered HTTP {code}")));
        }
    }
    Ok(())
}

/// A port check on another host: `nsenter` there, through the host's transport.
fn over_ssh(ctx: &Ctx, pid: i64, ip: IpAddr, port: u16, kind: &Ready) -> std::result::Result<Option<u16>, Miss> {
    let cmd = match kind {
        Ready::Http { path, .. } => nsenter::http_check(pid, ip, port, path, CONNECT),
        _ => nsenter::tcp_check(pid, ip, port, CONNECT),
    };
    let q = ctx.on_host(cmd.query());
    match ctx.runner.query_output(&q) {
        Ok(out) if out.success() => match kind {
            Ready::Http { .. } => reach::status(out.stdout.as_bytes())
                .map(Some)
                .ok_or_else(|| Miss::Try(format!("port {port} answered no HTTP status line"))),
            _ => Ok(None),
        },
        Ok(out) => Err(ssh_error(port, out.code, &out.stderr)),
        Err(e) => Err(Miss::Try(e.to_string())),
    }
}

/// What a failed remote check says, in the words of a local one where bash's are known:
/// `timeout(1)` exits 124, bash says `Connection refused`; a remote user who may not enter
/// the namespace, or a host without `nsenter` or bash (exit 127), cannot check at all.
fn ssh_error(port: u16, code: Option<i32>, stderr: &str) -> Miss {
    let said = one_line(stderr);
    if stderr.contains("Connection refused") {
        Miss::Try(format!("port {port} refused the connection"))
    } else if code == Some(124) {
        Miss::Try(format!("port {port} did not accept within {}", duration(CONNECT)))
    } else if stderr.contains("Permission denied") || stderr.contains("Operation not permitted") {
        Miss::Cannot(format!("nsenter there may not enter its network namespace (it takes root): {said}"))
    } else if code == Some(127) {
        Miss::Cannot(format!("nsenter or bash is missing there: {said}"))
    } else {
        let status = code.map(|c| format!("exit {c}")).unwrap_or_else(|| "killed by a signal".into());
        if said.is_empty() {
            Miss::Try(format!("port {port}: the check failed ({status})"))
        } else {
            Miss::Try(format!("port {port}: the check failed ({status}): {said}"))
        }
    }
}

fn connect_error(e: &std::io::Error, port: u16) -> Miss {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => Miss::Try(format!("port {port} refused the connection")),
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
            Miss::Try(format!("port {port} did not accept within {}", duration(CONNECT)))
        }
        // Opening /proc/PID/ns/net or setns(2) without root.
        std::io::ErrorKind::PermissionDenied => Miss::Cannot(format!("it takes root to enter its network namespace ({e})")),
        _ => Miss::Try(format!("port {port}: {e}")),
    }
}

/// `room-3 198.51.100.99 ready in 11.2 s (tcp:8443)`, for the checks that can take long;
/// the short settle of `running` says nothing until the batch's result.
fn progress(ctx: &Ctx, item: &Item, kind: &Ready, v: &Verdict, took: Duration) {
    if matches!(kind, Ready::Running | Ready::None) {
        return;
    }
    let ip = item.ip.map(|ip| format!(" {ip}")).unwrap_or_default();
    let how = match v {
        Verdict::Ready => "ready in",
        Verdict::Down(_) => "stopped after",
        Verdict::NotReady(_) => "not ready after",
    };
    ctx.note(format!("{}{ip} {how} {:.1} s ({kind})", item.name, took.as_secs_f64()));
}

/// A time in whole seconds, at least one: what "within" says of a crash.
fn rounded_up(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs() + u64::from(d.subsec_nanos() > 0)).max(Duration::from_secs(1))
}

/// The dry run's line for the wait: a comment, since the wait is lanctl's own and not a
/// command (`# then wait up to 60 s for tcp:8443,8444 on 198.51.100.20`).
pub fn plan_line(ip: Option<IpAddr>, asked: Option<&Ready>, wait: Duration, given: bool) -> Option<String> {
    let on = ip.map(|ip| format!(" on {ip}")).unwrap_or_default();
    match asked {
        Some(Ready::None) => None,
        Some(k) => Some(format!("# then wait up to {} for {k}{on}", duration(k.most(wait, given)))),
        None => Some(format!(
            "# then wait up to {} for running{on} (up to {} for healthy if its image has a HEALTHCHECK)",
            duration(wait),
            duration(Ready::Healthy.most(wait, given))
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dry_run_says_what_it_would_wait_for() {
        let ip = Some(IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 20)));
        let two = Duration::from_secs(2);
        let wcs = Ready::Tcp(vec![8443, 8444]);
        assert_eq!(
            plan_line(ip, Some(&wcs), two, false).as_deref(),
            Some("# then wait up to 60 s for tcp:8443,8444 on 198.51.100.20")
        );
        assert_eq!(
            plan_line(ip, Some(&wcs), Duration::from_secs(9), true).as_deref(),
            Some("# then wait up to 9 s for tcp:8443,8444 on 198.51.100.20")
        );
        assert_eq!(plan_line(ip, Some(&Ready::None), two, false), None);
        assert_eq!(
            plan_line(ip, None, two, false).as_deref(),
            Some("# then wait up to 2 s for running on 198.51.100.20 (up to 2 min for healthy if its image has a HEALTHCHECK)")
        );
    }

    #[test]
    fn a_remote_check_fails_in_the_words_of_a_local_one() {
        let refused = "bash: connect: Connection refused\nbash: line 1: /dev/tcp/198.51.100.20/8443: Connection refused\n";
        let t = |s: &str| Miss::Try(s.to_string());
        assert_eq!(ssh_error(8443, Some(1), refused), t("port 8443 refused the connection"));
        assert_eq!(ssh_error(8443, Some(124), ""), t("port 8443 did not accept within 1 s"));
        assert_eq!(
            ssh_error(8443, Some(1), "nsenter: cannot open /proc/7/ns/net: No such file or directory\n"),
            t("port 8443: the check failed (exit 1): nsenter: cannot open /proc/7/ns/net: No such file or directory")
        );
        assert_eq!(ssh_error(80, None, ""), t("port 80: the check failed (killed by a signal)"));
        assert_eq!(
            ssh_error(80, Some(1), "nsenter: reassociate to namespace 'ns/net' failed: Operation not permitted\n"),
            Miss::Cannot(
                "nsenter there may not enter its network namespace (it takes root): nsenter: reassociate to namespace \
                 'ns/net' failed: Operation not permitted"
                    .into()
            )
        );
        assert_eq!(
            ssh_error(80, Some(127), "sh: 1: nsenter: not found\n"),
            Miss::Cannot("nsenter or bash is missing there: sh: 1: nsenter: not found".into())
        );
        let denied = std::io::Error::from(std::io::ErrorKind::PermissionDenied);
        assert!(matches!(connect_error(&denied, 80), Miss::Cannot(_)));
    }

    #[test]
    fn a_crash_is_said_within_whole_seconds() {
        assert_eq!(rounded_up(Duration::from_millis(300)), Duration::from_secs(1));
        assert_eq!(rounded_up(Duration::from_millis(2100)), Duration::from_secs(3));
        assert_eq!(rounded_up(Duration::from_secs(4)), Duration::from_secs(4));
    }
}

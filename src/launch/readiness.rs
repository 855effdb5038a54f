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

use crate::engine::model::{Container, Event};
use crate::engine::nsenter;
use crate::exec::at_once;
use crate::exec::error::{duration, one_line, Result};
use crate::exec::runner::{Live, LiveLines};
use crate::exec::transport::Transport;
use crate::lan::reach::{self, Ask};
use crate::launch::health::{how_it_stopped, is_down, last_logs, Down};
use crate::launch::progress::{End, Progress, Who};
use crate::launch::ready::Ready;
use crate::state;
use crate::target::ctx::Ctx;

/// The pause between two reads of the batch when there is no event stream to say when:
/// a round costs one `docker container inspect` of the batch, however many tenants.
const ROUND: Duration = Duration::from_millis(200);

/// How soon a local port check is tried again: see [`retry_after`].
const RETRY: Duration = Duration::from_millis(100);

/// How far before now the event stream starts: see [`watch`].
const SINCE_MARGIN: Duration = Duration::from_secs(1);

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
    /// When its wait ends, from the start of the batch's wait; for `running`, when its
    /// settle ends, counted from the container's own start.
    most: Duration,
    verdict: Option<Verdict>,
    /// The container watched: its ID (events of an earlier container of the same name
    /// are not its), PID, and when docker last started it (by docker's clock).
    id: String,
    pid: i64,
    started: Option<i64>,
    /// The event stream has shown this start: from here on a death is an event, so the
    /// settle can end without asking docker again.
    caught_up: bool,
    /// When its port check is tried next, from the start of the wait.
    next_try: Duration,
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

/// The `docker events` stream of a batch, from a moment before now: the containers
/// were started just before the wait, and `--since` replays what happened to them from
/// then until the stream connects, so a death in between is not missed (a death before
/// the first inspect is seen by that inspect). The margin covers a docker whose clock is
/// a little behind this one's; events of an earlier start are told apart by their time.
fn watch(ctx: &Ctx, names: &[&str]) -> Option<LiveLines> {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).ok()?.saturating_sub(SINCE_MARGIN);
    let q = ctx.docker.events(&format!("{}.{:09}", since.as_secs(), since.subsec_nanos()), names);
    // Without the stream the wait asks docker every round instead, as before it.
    ctx.runner.query_live(&q).ok()
}

/// The verdicts of [`wait_ready`], before the logs. One `docker container inspect` of
/// the batch reads what the checks need (IDs, PIDs, start times, healthchecks); then the
/// batch's event stream says when to look again: a death, a restart or a removal is read
/// at once (one inspect of those still pending), a health verdict is taken as it comes,
/// and port checks are tried every [`RETRY`] meanwhile. Without a stream (it would not
/// start, or ended), the batch is read every [`ROUND`] as before.
fn verdicts(ctx: &Ctx, items: &[Item], wait: Duration, given: bool) -> Result<Vec<Verdict>> {
    let start = Instant::now();
    let names: Vec<&str> = items.iter().map(|i| i.name).collect();
    let mut events = watch(ctx, &names);
    let mut slots: Vec<Slot> = items
        .iter()
        .map(|_| Slot {
            kind: None,
            most: wait,
            verdict: None,
            id: String::new(),
            pid: 0,
            started: None,
            caught_up: false,
            next_try: Duration::ZERO,
        })
        .collect();
    // The first read comes before any event is looked at: events are matched by the IDs
    // it gives.
    let mut read = true;
    let mut last_read = start;
    let mut told = vec![false; items.len()];
    let who: Vec<Who> = items.iter().map(|i| Who { name: i.name, ip: i.ip, asked: i.asked }).collect();
    let mut says = Progress::new(ctx, &who);
    loop {
        // Each verdict is said as it comes, however it came (a read, an event, a try).
        for i in 0..items.len() {
            if let (Some(v), false) = (&slots[i].verdict, told[i]) {
                // One gone before its first read has no check yet: it was held to running.
                let end = match v {
                    Verdict::Ready => End::Ready,
                    Verdict::Down(_) => End::Stopped,
                    Verdict::NotReady(_) => End::NotReady,
                };
                says.said(&who[i], slots[i].kind.as_ref().unwrap_or(&Ready::Running), end, start.elapsed());
                told[i] = true;
            }
        }
        let pending: Vec<usize> = (0..items.len()).filter(|&i| slots[i].verdict.is_none()).collect();
        if pending.is_empty() {
            break;
        }
        if read || events.is_none() && last_read.elapsed() >= ROUND {
            let names: Vec<&str> = pending.iter().map(|&i| items[i].name).collect();
            let found = state::containers_named(ctx, &names)?;
            last_read = Instant::now();
            read = false;
            for &i in &pending {
                judge(ctx, &items[i], &mut slots[i], found.iter().find(|c| c.name() == items[i].name), start, wait, given);
            }
        }
        // The port checks that are due, all at once.
        let now = start.elapsed();
        let due: Vec<(usize, i64, IpAddr, Ready)> = (0..items.len())
            .filter(|&i| slots[i].verdict.is_none() && slots[i].next_try <= now)
            .filter_map(|i| match (&slots[i].kind, items[i].ip) {
                (Some(k), Some(ip)) if k.connects() => Some((i, slots[i].pid, ip, k.clone())),
                _ => None,
            })
            .collect();
        let answers = at_once::each(&due, |(_, pid, ip, kind)| check(ctx, *pid, *ip, kind));
        let now = start.elapsed();
        for ((i, _, ip, kind), answer) in due.iter().zip(answers) {
            let slot = &mut slots[*i];
            slot.next_try = now + retry_after(ctx);
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
                    slot.most = settle_end(slot.started, Ready::Running.most(wait, given), start);
                    read = true;
                }
                Err(Miss::Try(why)) if now >= slot.most => {
                    slot.verdict =
                        Some(Verdict::NotReady(format!("{kind} on {ip} did not answer within {}: {why}", duration(slot.most))))
                }
                Err(Miss::Try(_)) => {}
            }
        }
        // A settle that ended with its start seen on the stream and no death after it is
        // over; any other wait that ended is judged by one more read.
        for slot in &mut slots {
            if slot.verdict.is_some() || now < slot.most {
                continue;
            }
            match &slot.kind {
                Some(Ready::Running) if slot.caught_up && events.is_some() => slot.verdict = Some(Verdict::Ready),
                Some(k) if k.connects() => {}
                _ => read = true,
            }
        }
        if read || slots.iter().all(|s| s.verdict.is_some()) {
            continue;
        }
        // Until the next event, port try, end of a wait, or (without a stream) round.
        let mut until = slots
            .iter()
            .filter(|s| s.verdict.is_none())
            // A port check's verdict comes with a try, its wait's end too.
            .map(|s| if s.kind.as_ref().is_some_and(Ready::connects) { s.next_try } else { s.most })
            .min()
            .map_or_else(Instant::now, |d| start + d);
        match &events {
            None => until = until.min(last_read + ROUND),
            Some(stream) => loop {
                match stream.next_by(until) {
                    // A line that is not an event (a newer docker's) changes nothing.
                    Live::Line(line) => {
                        if let Ok(e) = serde_json::from_str::<Event>(&line) {
                            read |= on_event(&mut slots, &e);
                        }
                    }
                    Live::Quiet => break,
                    Live::Ended => {
                        // From here on the batch is read every round.
                        events = None;
                        read = true;
                        break;
                    }
                }
                // Whatever else came already, without waiting more.
                until = Instant::now();
            },
        }
        if events.is_none() && !read {
            std::thread::sleep(until.saturating_duration_since(Instant::now()));
        }
    }
    Ok(slots.into_iter().map(|s| s.verdict.expect("every tenant has a verdict")).collect())
}

/// What one event of the stream does to the batch: `true` when it asks for a read (a
/// death, a restart, a removal: their words come from docker's own state).
fn on_event(slots: &mut [Slot], e: &Event) -> bool {
    let Some(slot) = slots.iter_mut().find(|s| !s.id.is_empty() && s.id == e.id && s.verdict.is_none()) else {
        return false;
    };
    // What happened before the start being watched (a restart's own stop) is not news.
    if slot.started.is_some_and(|at| e.time_nano < at) {
        return false;
    }
    match (e.verb(), e.health(), &slot.kind) {
        ("start", ..) => {
            slot.caught_up = true;
            false
        }
        (_, Some("healthy"), Some(Ready::Healthy)) => {
            slot.verdict = Some(Verdict::Ready);
            false
        }
        (_, Some("unhealthy"), Some(Ready::Healthy)) => {
            slot.verdict = Some(Verdict::NotReady("its HEALTHCHECK says unhealthy".into()));
            false
        }
        ("health_status", ..) => false,
        _ => true,
    }
}

/// Judges one tenant from what docker shows of it now (`None`: no such container).
fn judge(ctx: &Ctx, item: &Item, slot: &mut Slot, c: Option<&Container>, start: Instant, wait: Duration, given: bool) {
    let now = start.elapsed();
    let Some(c) = c else {
        let within = duration(slot.most.max(Duration::from_secs(1)));
        slot.verdict = Some(Verdict::Down(Down::Gone(format!("it disappeared within {within}: something else removed it"))));
        return;
    };
    let first = slot.kind.is_none();
    let kind = slot.kind.get_or_insert_with(|| resolve(ctx, item.asked, c)).clone();
    if first || slot.id != c.id {
        slot.id.clone_from(&c.id);
        slot.pid = c.state.pid;
        slot.started = c.state.started_nanos();
        slot.most = match kind {
            Ready::Running => settle_end(slot.started, kind.most(wait, given), start),
            _ => kind.most(wait, given),
        };
    }
    if is_down(c) {
        // The running check keeps today's words: it stopped within its settle.
        let within = if kind == Ready::Running { kind.most(wait, given) } else { rounded_up(now) };
        slot.verdict = Some(Verdict::Down(Down::Stopped(how_it_stopped(c, within))));
        return;
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
                "" if over => Some(Verdict::NotReady(format!("docker showed no health status within {}", duration(slot.most)))),
                s if over => Some(Verdict::NotReady(format!("its HEALTHCHECK still said {s} after {}", duration(slot.most)))),
                _ => None,
            };
        }
        Ready::Tcp(_) | Ready::Http { .. } => {
            if item.ip.is_none() {
                slot.verdict = Some(Verdict::NotReady(format!("{kind} needs its address, which docker does not show")));
            }
        }
    }
}

/// When a `running` settle of `settle` ends, from the start of the wait: counted from
/// the container's own start (docker's `StartedAt`), not from when `docker start`
/// returned, so the time docker took to start it and to answer the first read is not
/// waited again. A clock that disagrees with docker's (another host's) at worst waits
/// the whole settle from now, or none of it; hosts keep their clocks by NTP.
fn settle_end(started: Option<i64>, settle: Duration, start: Instant) -> Duration {
    let waited = start.elapsed();
    let now_nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as i64);
    let up_for = started.map_or(Duration::ZERO, |at| Duration::from_nanos(now_nanos.saturating_sub(at).max(0) as u64));
    waited + settle.saturating_sub(up_for)
}

/// How soon a port that did not answer is tried again. Here a try is two syscalls in the
/// tenant's namespace, refused at once by a closed port, so 100 ms costs nothing and keeps
/// a port that opens late within 0.1 s of being seen; over ssh a try is a process on the
/// other host, so a round.
fn retry_after(ctx: &Ctx) -> Duration {
    match ctx.transport {
        Transport::Ssh(_) => ROUND,
        _ => RETRY,
    }
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

/// What a tenant's check says now, tried once (`lanctl check`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Now {
    Ready,
    /// docker's health check has not decided yet.
    Starting,
    /// Why not: what the port said, or docker's verdict.
    Failing(String),
    /// The check cannot run here (no root to enter the namespace, no `nsenter`): why.
    Cannot(String),
}

/// A running tenant's check tried once, now, on its address `ip`: `None` for a check that
/// docker's state alone decides (`running`, `none`), which says no more than that it runs.
pub fn try_now(ctx: &Ctx, c: &Container, ip: IpAddr, asked: Option<&Ready>) -> Option<(Ready, Now)> {
    let kind = Ready::of_container(asked, c);
    let now = match &kind {
        Ready::Running | Ready::None => return None,
        Ready::Healthy => health_now(c),
        Ready::Tcp(_) | Ready::Http { .. } => match check(ctx, c.state.pid, ip, &kind) {
            Ok(()) => Now::Ready,
            Err(Miss::Try(why)) => Now::Failing(why),
            Err(Miss::Cannot(why)) => Now::Cannot(why),
        },
    };
    Some((kind, now))
}

/// docker's health verdict now. An image without a HEALTHCHECK never gets one: that is a
/// failing check, as `up` says it, not one that is for ever starting.
fn health_now(c: &Container) -> Now {
    match c.state.health.as_ref().map(|h| h.status.as_str()) {
        Some("healthy") => Now::Ready,
        Some("unhealthy") => Now::Failing("docker's health check says unhealthy".into()),
        _ if !c.config.has_healthcheck() => Now::Failing(format!(
            "its check is healthy, but its image has no HEALTHCHECK; give it another with `lanctl update {} --ready \
             tcp:PORT`",
            c.name()
        )),
        _ => Now::Starting,
    }
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
            plan_line(ip, None, crate::launch::health::SETTLE, false).as_deref(),
            Some(
                "# then wait up to 500 ms for running on 198.51.100.20 (up to 2 min for healthy if its image has a HEALTHCHECK)"
            )
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
    fn a_health_verdict_of_an_image_without_a_healthcheck_fails_rather_than_starts_for_ever() {
        let of = |json: &str| health_now(&crate::exec::json::parse::<Container>("inspect", json).unwrap());
        let check = r#""Config":{"Healthcheck":{"Test":["CMD","true"]}}"#;
        assert_eq!(of(&format!(r#"{{"State":{{"Health":{{"Status":"starting"}}}},{check}}}"#)), Now::Starting);
        assert_eq!(of(&format!(r#"{{"State":{{"Health":{{"Status":"healthy"}}}},{check}}}"#)), Now::Ready);
        assert_eq!(
            of(r#"{"Name":"/room-1","State":{},"Config":{}}"#),
            Now::Failing(
                "its check is healthy, but its image has no HEALTHCHECK; give it another with `lanctl update room-1 \
                 --ready tcp:PORT`"
                    .into()
            )
        );
    }

    fn slot(kind: Ready) -> Slot {
        Slot {
            kind: Some(kind),
            most: Duration::from_secs(5),
            verdict: None,
            id: "c1".into(),
            pid: 7,
            started: Some(1_000),
            caught_up: false,
            next_try: Duration::ZERO,
        }
    }

    fn ev(id: &str, action: &str, at: i64) -> Event {
        Event { id: id.into(), action: action.into(), time_nano: at }
    }

    #[test]
    fn events_of_the_watched_start_count_and_earlier_ones_or_other_containers_do_not() {
        let mut slots = vec![slot(Ready::Running), slot(Ready::Healthy)];
        slots[1].id = "c2".into();
        // A restart's own stop, before the start being watched; another container's death.
        assert!(!on_event(&mut slots, &ev("c1", "die", 999)));
        assert!(!on_event(&mut slots, &ev("c9", "die", 2_000)));
        assert!(!slots[0].caught_up);
        assert!(!on_event(&mut slots, &ev("c1", "start", 1_001)));
        assert!(slots[0].caught_up);
        // A death after it asks for a read, whose words say how it stopped.
        assert!(on_event(&mut slots, &ev("c1", "die", 2_000)));
        assert!(!on_event(&mut slots, &ev("c2", "health_status: starting", 2_000)));
        assert_eq!(slots[1].verdict, None);
        assert!(!on_event(&mut slots, &ev("c2", "health_status: healthy", 2_000)));
        assert_eq!(slots[1].verdict, Some(Verdict::Ready));
        let mut slots = vec![slot(Ready::Healthy)];
        on_event(&mut slots, &ev("c1", "health_status: unhealthy", 2_000));
        assert_eq!(slots[0].verdict, Some(Verdict::NotReady("its HEALTHCHECK says unhealthy".into())));
    }

    #[test]
    fn the_settle_counts_from_the_container_s_own_start() {
        let start = Instant::now();
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as i64;
        let half = Duration::from_millis(500);
        // Up for 0.3 s already: 0.2 s are left (give or take the test's own time).
        let left = settle_end(Some(now - 300_000_000), half, start);
        assert!(left > Duration::from_millis(150) && left <= Duration::from_millis(210), "{left:?}");
        // Up for longer than the settle, or a start time docker did not give.
        assert!(settle_end(Some(now - 2_000_000_000), half, start) < Duration::from_millis(10));
        assert!(settle_end(None, half, start) >= half);
        // A docker clock ahead of this one: the whole settle from now.
        assert!(settle_end(Some(now + 60_000_000_000), half, start) >= half);
    }

    #[test]
    fn a_crash_is_said_within_whole_seconds() {
        assert_eq!(rounded_up(Duration::from_millis(300)), Duration::from_secs(1));
        assert_eq!(rounded_up(Duration::from_millis(2100)), Duration::from_secs(3));
        assert_eq!(rounded_up(Duration::from_secs(4)), Duration::from_secs(4));
    }
}

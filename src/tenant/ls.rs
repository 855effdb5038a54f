//! `lanctl ls`: every tenant with its network, address and state, in two rounds of docker
//! calls however many tenants there are: `docker ps`, `docker network inspect` of the
//! tenants' networks (where running containers' addresses are), and `docker container
//! inspect` of only the containers missing there (stopped ones, whose static address and
//! restart policy only their own settings keep). The network's inspect runs alongside
//! `docker ps` when its name is known before: given with `--net`, or in the hint the last
//! `ls` of the host left (`hint`); otherwise, or for a network the guess missed, after it,
//! with the stopped ones' inspect. A running tenant that its network's inspect does not
//! show (changed between the reads) is inspected after that.

use crate::exec::at_once;
use serde::Serialize;

use crate::engine::labels;
use crate::engine::model::{Container, Network, PsLine};
use crate::exec::error::Result;
use crate::exec::table;
use crate::launch::parked;
use crate::state;
use crate::state::hint;
use crate::state::order::{natural, should_run};
use crate::target::ctx::{Config, Ctx};
use crate::target::fanout;

#[derive(Clone, Serialize)]
struct Row {
    /// With `--all-hosts`: the host (docker context) the tenant runs on.
    #[serde(skip_serializing_if = "Option::is_none")]
    host: Option<String>,
    name: String,
    network: String,
    address: String,
    /// On a dual-stack network: the IPv6 address (absent otherwise), from the same reads.
    #[serde(skip_serializing_if = "Option::is_none")]
    address6: Option<String>,
    state: String,
    /// What docker knows of its readiness, from the same `docker ps` line (see [`ready_of`]).
    ready: &'static str,
    image: String,
    status: String,
    /// Stopped though its restart policy says it runs (see [`should_run`]).
    should_run: bool,
}

/// The note for tenants that should run but do not, with the command that starts them
/// on their own addresses.
pub fn should_run_note(names: &[&str]) -> String {
    let list = names.join(" ");
    match names {
        [one] => format!(
            "tenant {one} should run but does not (its restart policy says run, yet it is exited); \
             start it on its own address with `lanctl restart {one}`"
        ),
        _ => format!(
            "{} tenants should run but do not (their restart policy says run, yet they are exited): {list}; \
             start them on their own addresses with `lanctl restart {list}`",
            names.len()
        ),
    }
}

pub fn ls(ctx: &Ctx, net: Option<&str>) -> Result<()> {
    let rows = rows(ctx, net)?;
    print(ctx.json, &rows, false);
    note_should_run(ctx, &rows);
    Ok(())
}

/// `ls --all-hosts`: every context's tenants, asked at once, with the host first.
pub fn ls_all(config: &Config, net: Option<&str>) -> Result<()> {
    let got = fanout::ask_all(config, |ctx| rows(ctx, net))?;
    let mut all = Vec::new();
    for (host, rows) in &got.answers {
        all.extend(rows.iter().map(|r| Row { host: Some(host.clone()), ..r.clone() }));
    }
    print(config.json, &all, true);
    for (host, rows) in &got.answers {
        let stopped: Vec<&str> = rows.iter().filter(|r| r.should_run).map(|r| r.name.as_str()).collect();
        if !stopped.is_empty() {
            crate::exec::out::note(format!("host {host}: {}", should_run_note(&stopped)));
        }
    }
    got.owed()
}

fn note_should_run(ctx: &Ctx, rows: &[Row]) {
    let stopped: Vec<&str> = rows.iter().filter(|r| r.should_run).map(|r| r.name.as_str()).collect();
    if !stopped.is_empty() {
        ctx.note(should_run_note(&stopped));
    }
}

/// The tenants of one host, in natural order by network, then name.
fn rows(ctx: &Ctx, net: Option<&str>) -> Result<Vec<Row>> {
    // One filter only: it keeps the meaning the same on every Engine version.
    let filters = match net {
        Some(net) => vec![format!("label={}={net}", labels::NETWORK)],
        None => vec![format!("label={}", labels::TENANT)],
    };
    // The networks to inspect alongside `docker ps`: the one asked for, else those the
    // last `ls` of this host needed (a guess; see `hint`).
    let guess = match net {
        Some(net) => vec![net.to_string()],
        None => hint::networks(&hint::engine_key(ctx.docker.context.as_deref())),
    };
    // State and status come from the same `docker ps` line, read at one moment.
    let (lines, guessed) =
        at_once::two(|| ctx.runner.query_lines::<PsLine>(&ctx.docker.ps_all(&filters)), || state::inspect_networks(ctx, &guess));
    let lines = lines?;
    let mut rows = if lines.iter().any(|l| l.names.ends_with(parked::SUFFIX)) {
        // A container parked by an interrupted update is settled, never listed: the rule
        // that settles it reads whole containers.
        let listed = parked::settle_listed(ctx, state::containers(ctx, &filters)?, || state::containers(ctx, &filters))?;
        listed.iter().map(row_of).collect()
    } else {
        let needed = running_networks(&lines);
        if net.is_none() && !ctx.dry_run() && !same_names(&needed, &guess) {
            hint::remember(&hint::engine_key(ctx.docker.context.as_deref()), &needed);
        }
        // A guess whose read failed is no guess: what it was for is read again below,
        // so a failure that matters is still told, and one that does not is not.
        rows_of(ctx, &lines, guessed.unwrap_or_default(), &needed)?
    };
    rows.sort_by(|a, b| natural(&a.network, &b.network).then_with(|| natural(&a.name, &b.name)));
    Ok(rows)
}

/// The networks of the running containers among `lines`, sorted, each once: where their
/// addresses are read.
fn running_networks(lines: &[PsLine]) -> Vec<&str> {
    let mut names: Vec<&str> = lines.iter().filter(|l| l.state == "running").map(network_of).filter(|n| !n.is_empty()).collect();
    names.sort_unstable();
    names.dedup();
    names
}

fn same_names(a: &[&str], b: &[String]) -> bool {
    let mut b: Vec<&str> = b.iter().map(String::as_str).collect();
    b.sort_unstable();
    b.dedup();
    a == b.as_slice()
}

/// The rows of `docker ps` lines: a running container's address is read from its
/// network's `docker network inspect` (`guessed` holds those already read); only the
/// others are inspected, in one call, alongside the networks the guess missed.
fn rows_of(ctx: &Ctx, lines: &[PsLine], guessed: Vec<Network>, needed: &[&str]) -> Result<Vec<Row>> {
    let missed: Vec<&str> = needed.iter().copied().filter(|n| !guessed.iter().any(|g| g.name == *n)).collect();
    // Those whose address no network shows: stopped, or running on no network lanctl knows.
    let stopped: Vec<&str> =
        lines.iter().filter(|l| l.state != "running" || network_of(l).is_empty()).map(|l| l.id.as_str()).collect();
    let (stopped, more) = at_once::two(|| state::containers_named(ctx, &stopped), || state::inspect_networks(ctx, &missed));
    let nets: Vec<Network> = guessed.into_iter().chain(more?).collect();
    let mut inspected = stopped?;
    let address = |l: &PsLine| {
        let on = nets.iter().find(|n| n.name == network_of(l))?;
        let ep = on.containers.get(&l.id)?;
        Some((ep.ip()?, ep.ip6()))
    };
    let mut rows = Vec::with_capacity(lines.len());
    let mut unknown = Vec::new();
    for l in lines.iter().filter(|l| l.state == "running" && !network_of(l).is_empty()) {
        match address(l) {
            Some((ip, ip6)) => rows.push(Row {
                host: None,
                name: l.names.clone(),
                network: network_of(l).to_string(),
                address: ip.to_string(),
                address6: ip6.map(|a| a.to_string()),
                state: l.state.clone(),
                ready: ready_of(&l.state, &l.status),
                image: l.image.clone(),
                status: l.status.clone(),
                // Only an exited container can be one that should run.
                should_run: false,
            }),
            // Running, yet not on its network as read: its own settings say where it is.
            None => unknown.push(l.id.as_str()),
        }
    }
    inspected.extend(state::containers_named(ctx, &unknown)?);
    // A container removed since `docker ps` is simply gone.
    for mut c in inspected {
        if let Some(l) = lines.iter().find(|l| l.id == c.id) {
            c.ps_status = l.status.clone();
            c.ps_state = l.state.clone();
        }
        rows.push(row_of(&c));
    }
    Ok(rows)
}

/// A tenant's network: its label, else the first network it is attached to.
fn network_of(l: &PsLine) -> &str {
    if l.network.is_empty() {
        l.networks.split(',').next().unwrap_or_default()
    } else {
        &l.network
    }
}

/// The row of an inspected container.
fn row_of(c: &Container) -> Row {
    // A row settled in a dry run was read by inspect alone: its state is inspect's.
    let state = if c.ps_state.is_empty() { c.state.status.clone() } else { c.ps_state.clone() };
    // A tenant names its network; fall back to where it is attached.
    let network = c
        .label(labels::NETWORK)
        .or_else(|| c.network_settings.networks.keys().next().map(String::as_str))
        .unwrap_or_default()
        .to_string();
    Row {
        host: None,
        name: c.name().to_string(),
        address: c.address_on(&network).map(|ip| ip.to_string()).unwrap_or_default(),
        address6: c.address6_on(&network).map(|ip| ip.to_string()),
        network,
        should_run: should_run(&c.host_config.restart_policy.name, &state),
        ready: ready_of(&state, &c.ps_status),
        state,
        image: c.config.image.clone(),
        status: c.ps_status.clone(),
    }
}

/// A tenant's readiness as docker already knows it, from `docker ps`'s state and status
/// (no process more): its health check's verdict when it has one (`Up 3 minutes
/// (healthy)`: ready; `(health: starting)`: starting; `(unhealthy)`: unhealthy), else
/// running when it runs (docker knows no more; `up` checked its ports when it started),
/// else down.
fn ready_of(state: &str, status: &str) -> &'static str {
    if state != "running" {
        "down"
    } else if status.ends_with("(healthy)") {
        "ready"
    } else if status.ends_with("(health: starting)") {
        "starting"
    } else if status.ends_with("(unhealthy)") {
        "unhealthy"
    } else {
        "running"
    }
}

/// The rows as JSON or a table, with a HOST column first when they come from every host.
fn print(json: bool, rows: &[Row], with_host: bool) {
    if json {
        crate::exec::out::json(rows);
        return;
    }
    // ADDRESS6 only where a tenant has one, as `net ls` adds SUBNET6 for a dual-stack network.
    let six = rows.iter().any(|r| r.address6.is_some());
    let cells = rows.iter().map(|r| {
        let state = if r.should_run { format!("{} (should run)", r.state) } else { r.state.clone() };
        let mut cells = vec![r.name.clone(), r.network.clone(), r.address.clone()];
        if six {
            cells.push(r.address6.clone().unwrap_or_default());
        }
        cells.extend([state, r.ready.to_string(), r.image.clone(), r.status.clone()]);
        (r.host.clone(), cells)
    });
    let mut header = vec!["NAME", "NETWORK", "ADDRESS", "STATE", "READY", "IMAGE", "STATUS"];
    if six {
        header.insert(3, "ADDRESS6");
    }
    crate::exec::out::print(&table::render_by_host(&header, cells.collect(), with_host));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readiness_is_read_from_the_ps_line() {
        assert_eq!(ready_of("running", "Up 3 minutes (healthy)"), "ready");
        assert_eq!(ready_of("running", "Up 2 seconds (health: starting)"), "starting");
        assert_eq!(ready_of("running", "Up 5 minutes (unhealthy)"), "unhealthy");
        assert_eq!(ready_of("running", "Up 5 minutes"), "running");
        assert_eq!(ready_of("exited", "Exited (1) 2 minutes ago"), "down");
        assert_eq!(ready_of("restarting", "Restarting (1) 1 second ago"), "down");
        assert_eq!(ready_of("created", ""), "down");
    }

    #[test]
    fn the_note_names_the_tenants_and_the_command_that_starts_them() {
        assert_eq!(
            should_run_note(&["a1"]),
            "tenant a1 should run but does not (its restart policy says run, yet it is exited); \
             start it on its own address with `lanctl restart a1`"
        );
        assert_eq!(
            should_run_note(&["a1", "a2"]),
            "2 tenants should run but do not (their restart policy says run, yet they are exited): a1 a2; \
             start them on their own addresses with `lanctl restart a1 a2`"
        );
    }
}

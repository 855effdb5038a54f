//! `lanctl check [NET|TENANT...]`: the LAN's view of the tenants. For each parent, an
//! observer (`lan::observer`: a child of the parent in a namespace of lanctl's own) asks
//! who holds every running tenant's address, with RFC 5227 probes in one window, and each
//! tenant is judged (`verdict`): ok, conflict, unreachable; in the same window its
//! readiness check is tried (`serving`: not-ready), and each network's shim and, with
//! `--dhcp`, its DHCP servers are looked at (`findings`). `--watch` keeps listening
//! (`watch`). Exit 0 when all is ok, 1 when a problem is found, 3 when the LAN could not be
//! asked (not root, another host, no parent).
//!
//! Why its own folder: it is a command (rank 7) that reads tenants and networks, and the
//! LAN's part of it, which knows no tenant, lives in `lan`.

pub mod findings;
pub mod serving;
pub mod tenants;
pub mod verdict;
pub mod watch;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::engine::range::v4_of;
use crate::exec::error::{Error, Result};
use crate::exec::transport::Transport;
use crate::lan::arp::Mac;
use crate::lan::native::{PROBE_NUM, PROBE_WAIT};
use crate::lan::observer::{Ears, Kind, Observer};
use crate::target::ctx::Ctx;
use tenants::Tenant;
use verdict::{Row, Status};

/// `check`'s input: networks or tenants to check (all running tenants when empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckInput {
    pub names: Vec<String>,
    pub watch: bool,
    /// `--dhcp`: also ask the LAN's DHCP servers whether they offer reserved addresses.
    pub dhcp: bool,
}

pub fn check(ctx: &Ctx, input: &CheckInput) -> Result<()> {
    refuse_remote(ctx)?;
    let (tenants, reserved) = tenants::tenants(ctx, &input.names)?;
    if input.watch {
        return watch::watch(ctx, &tenants, &reserved);
    }
    // The LAN's window, the tenants' checks, and the networks' findings, all at once.
    let (lan, serving, offers, shims) = crate::exec::at_once::four(
        || ask(ctx, &tenants),
        || serving::serving(ctx, &tenants),
        || if input.dhcp { findings::dhcp_offers(ctx, &reserved, &tenants) } else { Ok(Vec::new()) },
        || findings::missing_shims(ctx, &reserved),
    );
    let mut rows = lan?;
    serving::attach(&mut rows, serving?);
    // A network's findings together, networks in order, each kind in its order.
    let mut findings = offers?;
    findings.extend(shims?);
    findings.sort_by(|a, b| crate::state::order::natural(&a.network, &b.network));
    rows.extend(findings);
    for r in rows.iter_mut().filter(|r| r.is_tenant()) {
        r.detail = verdict::detail(r, PROBE_WAIT);
    }
    if ctx.json {
        ctx.print_json(&rows);
    } else if rows.is_empty() {
        ctx.note("check: no running tenant to check");
    } else {
        crate::exec::out::print(&verdict::render(&rows));
    }
    // A conflict's hint names who to watch; the other problems are said in DETAIL.
    let hint = if rows.iter().any(|r| r.status == Status::Conflict) {
        "see DETAIL (or `others` with --json); `lanctl check --watch` shows who claims it as it happens"
    } else {
        "see DETAIL (or `detail` with --json)"
    };
    match verdict::problems(&rows) {
        Some(line) => Err(Error::failed(line).hint(hint)),
        None => Ok(()),
    }
}

/// The observer runs on this machine: for another host it would watch the wrong LAN.
fn refuse_remote(ctx: &Ctx) -> Result<()> {
    if ctx.transport == Transport::Local {
        return Ok(());
    }
    let host = ctx.docker.context.as_deref().unwrap_or("the --host");
    Err(Error::check(format!(
        "check listens on this machine's interfaces, and --host {host} is another machine; run lanctl check on that host"
    )))
}

/// The tenants grouped by the parent (and driver) their observer joins, in first-seen order.
pub fn by_parent(tenants: &[Tenant]) -> Vec<((String, Kind), Vec<&Tenant>)> {
    let mut groups: Vec<((String, Kind), Vec<&Tenant>)> = Vec::new();
    for t in tenants.iter().filter(|t| t.ip.is_some()) {
        let key = (t.parent.clone(), t.kind);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(t),
            None => groups.push((key, vec![t])),
        }
    }
    groups
}

/// The tenant's own MAC: docker's, else (ipvlan) the observer's, which is the parent's.
pub fn own_mac(t: &Tenant, observer: &Observer) -> Mac {
    t.mac.unwrap_or(observer.mac)
}

/// Every tenant's MAC with its name, to name a MAC that claims another tenant's address.
pub fn known_macs(tenants: &[Tenant]) -> Vec<(Mac, String)> {
    tenants.iter().filter(|t| t.kind == Kind::Macvlan).filter_map(|t| Some((t.mac?, t.name.clone()))).collect()
}

/// Asks the LAN about every tenant: one observer per parent, all at once, each probing its
/// tenants' addresses in one window.
fn ask(ctx: &Ctx, tenants: &[Tenant]) -> Result<Vec<Row>> {
    let groups = by_parent(tenants);
    let known = known_macs(tenants);
    let answers: Vec<Result<Vec<Row>>> = crate::exec::at_once::each(&groups, |((parent, kind), group)| {
        let known = &known;
        let obs = Observer::open(&ctx.runner, &ctx.ip, parent, *kind, Ears::ArpNdp)?;
        // ARP for the IPv4 addresses and NDP for the IPv6 ones, in the same window.
        let ips: Vec<Ipv4Addr> = group.iter().filter_map(|t| t.ip.and_then(v4_of)).collect();
        let with6: Vec<&&Tenant> = group.iter().filter(|t| matches!(t.ip6, Some(IpAddr::V6(_)))).collect();
        let ips6: Vec<Ipv6Addr> =
            with6.iter().filter_map(|t| if let Some(IpAddr::V6(a)) = t.ip6 { Some(a) } else { None }).collect();
        if ctx.runner.verbose {
            let list: Vec<String> = ips.iter().map(ToString::to_string).collect();
            crate::exec::out::trace(format!(
                "# ARP probe from the observer on {parent} ({}) for {}: {PROBE_NUM} probes from 0.0.0.0 over {} ms",
                obs.mac,
                list.join(" "),
                PROBE_WAIT.as_millis()
            ));
            if !ips6.is_empty() {
                let list: Vec<String> = ips6.iter().map(ToString::to_string).collect();
                crate::exec::out::trace(format!(
                    "# NDP probe from the observer on {parent} ({}) for {}: {PROBE_NUM} neighbor solicitations from :: over {} ms",
                    obs.mac,
                    list.join(" "),
                    PROBE_WAIT.as_millis()
                ));
            }
        }
        let failed = |e: std::io::Error| {
            Error::check(format!("the LAN observer on {parent} failed: {e}")).hint(format!("check that {parent} is up"))
        };
        let (heard, heard6) =
            crate::exec::at_once::two(|| obs.ask(&ips, PROBE_WAIT, PROBE_NUM), || obs.ask6(&ips6, PROBE_WAIT, PROBE_NUM));
        let (heard, heard6) = (heard.map_err(failed)?, heard6.map_err(failed)?);
        // A dual-stack tenant is two rows, its IPv4 address's and then its IPv6 one's.
        let asked = group.iter().map(|t| (t, t.ip)).zip(heard).chain(with6.iter().map(|t| (*t, t.ip6)).zip(heard6));
        Ok(asked
            .map(|((t, ip), heard)| {
                let own = own_mac(t, &obs);
                let (status, answered, others) = verdict::judge(own, &heard, known);
                Row {
                    name: t.name.clone(),
                    network: t.network.clone(),
                    address: ip.map(|ip| ip.to_string()).unwrap_or_default(),
                    mac: own.to_string(),
                    status,
                    answered,
                    others,
                    parent: parent.clone(),
                    ready: None,
                    detail: String::new(),
                }
            })
            .collect())
    });
    let mut rows = Vec::with_capacity(tenants.len());
    for a in answers {
        rows.extend(a?);
    }
    // Tenants named but not running are rows too: asked for, and not on the LAN.
    rows.extend(tenants.iter().filter(|t| t.ip.is_none()).map(|t| Row {
        name: t.name.clone(),
        network: t.network.clone(),
        address: String::new(),
        mac: t.mac.map(|m| m.to_string()).unwrap_or_default(),
        status: Status::Stopped,
        answered: false,
        others: Vec::new(),
        parent: t.parent.clone(),
        ready: None,
        detail: String::new(),
    }));
    let order = |r: &Row| tenants.iter().position(|t| t.name == r.name && t.network == r.network);
    // Stable: a tenant's IPv4 row stays before its IPv6 one.
    rows.sort_by_key(order);
    Ok(rows)
}

//! `dhcp.pool`: whether the LAN's DHCP server would hand out addresses of the reserved
//! range (`doctor --dhcp`, `net create --check-dhcp`). lanctl's whole plan rests on the
//! server never doing so, and nothing else checks it.
//!
//! DHCPDISCOVERs go out on the parent, each requesting one address of the range (all of a
//! small range, `dhcp::MAX_REQUESTS` spread over a large one); offers are collected until
//! one falls inside the range, or none came for `dhcp::IDLE` (at most `dhcp::MAX_WAIT`).
//! An offer of any address inside the range (requested or not: it is in the pool) fails
//! the check, naming the address and the server; offers only outside it, one for every
//! discover, pass, saying what was offered; a discover left unanswered makes that a
//! warning (the answer to it might have been inside), and no offer at all is a warning.
//! No DHCPREQUEST is ever sent, so no lease is taken.
//!
//! It reads the LAN and changes nothing, so it also runs during `--dry-run`. It needs root
//! (a packet socket) and this machine's interfaces: a `--host` on another machine is
//! refused before anything runs.

use std::collections::BTreeMap;
use std::io;
use std::net::Ipv4Addr;
use std::time::Duration;

use super::host_reads::Host;
use super::{Check, Status};
use crate::engine::netspec::{vlan_form, AddrRange};
use crate::exec::error::{Error, Result};
use crate::exec::transport::Transport;
use crate::lan::dhcp::{self, Exchange};
use crate::target::ctx::Ctx;

pub const ID: &str = "dhcp.pool";

/// What to check: the reserved range, on this parent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub parent: String,
    pub range: AddrRange,
    /// The reserved IPv6 range, for the router advertisement check (`router_ads`).
    pub range6: Option<AddrRange>,
}

/// The check refuses to run for another machine: its discovers would leave this one's
/// interfaces, on another LAN than the one asked about.
pub fn refuse_remote(ctx: &Ctx, what: &str) -> Result<()> {
    if ctx.transport == Transport::Local {
        return Ok(());
    }
    let host = ctx.docker.context.as_deref().unwrap_or("the --host");
    Err(Error::check(format!(
        "{what} sends DHCP discovers from this machine's interfaces, and --host {host} is another machine; run lanctl \
         {what} on that host"
    )))
}

/// Runs the check: the discovers, the offers, the verdict. `Skip` when it cannot run for a
/// reason another check reports (no such parent).
pub fn check(ctx: &Ctx, host: &Host, t: &Target) -> Check {
    match host.euid() {
        Some(0) => {}
        euid => {
            let who = euid.map_or("cannot tell whether lanctl runs as root".to_string(), |u| format!("not root (euid {u})"));
            return Check::new(
                ID,
                Status::Fail,
                format!("{who}: the DHCP check sends discovers from a packet socket, which needs root"),
                "run lanctl as root",
            );
        }
    }
    if t.range.v4().is_none() {
        return Check::new(
            ID,
            Status::Skip,
            format!("{} is an IPv6 range: DHCPv4 hands out none of it (lan.ra reads the routers' advertisements)", t.range),
            "",
        );
    }
    let requested = dhcp::sample(t.range, dhcp::MAX_REQUESTS);
    let log = |line: String| {
        if ctx.runner.verbose {
            crate::exec::out::trace(line);
        }
    };
    let inside = |o: &dhcp::Offer| t.range.contains(o.yiaddr.into());
    match dhcp::exchange(&t.parent, &requested, (dhcp::IDLE, dhcp::MAX_WAIT), &inside, &log) {
        Ok(ex) => verdict(t, &ex, dhcp::IDLE),
        Err(e) => unrun(t, &e),
    }
}

/// The check when the exchange could not run.
fn unrun(t: &Target, e: &io::Error) -> Check {
    let parent = &t.parent;
    if e.raw_os_error() == Some(libc::ENODEV) {
        let reason = match vlan_form(parent) {
            Some(Ok((base, _))) => format!(
                "{parent} does not exist yet (docker creates it on {base} with the network); check its DHCP server with \
                 `lanctl doctor --dhcp --net NAME` once the network exists"
            ),
            _ => format!("{parent} does not exist"),
        };
        return Check::new(ID, Status::Skip, reason, "");
    }
    let hint = match e.kind() {
        io::ErrorKind::PermissionDenied => {
            "give lanctl CAP_NET_RAW (a packet socket needs it, even for root in a container)".to_string()
        }
        _ => format!("check that {parent} is up (`ip link show {parent}`)"),
    };
    Check::new(ID, Status::Fail, format!("could not send DHCP discovers on {parent}: {e}"), hint)
}

/// The verdict on one exchange; `idle` is the quiet that ended it.
pub fn verdict(t: &Target, ex: &Exchange, idle: Duration) -> Check {
    let range = t.range;
    let asked = asked(range, ex.sent.len());
    let inside = by_server(ex.offers.iter().filter(|o| range.contains(o.yiaddr.into())));
    if !inside.is_empty() {
        let detail = inside
            .iter()
            .map(|(server, ips)| format!("DHCP server {server} offered {}", list(ips, 4)))
            .collect::<Vec<_>>()
            .join("; ");
        return Check::new(
            ID,
            Status::Fail,
            format!("{detail}, inside the reserved range {range}: it will hand them out (asked on {}: {asked})", t.parent),
            format!("take {range} out of the DHCP server's pool, or reserve a range outside the pool"),
        );
    }
    let lost = match ex.dropped {
        0 => String::new(),
        n => format!("; the kernel dropped {n} packets to port 68 before they were read, so an offer may be missing"),
    };
    if ex.offers.is_empty() {
        return Check::new(
            ID,
            Status::Warn,
            format!(
                "no DHCP server answered {} discovers on {} in {} s ({asked}){lost}",
                ex.sent.len(),
                t.parent,
                idle.as_secs()
            ),
            format!("{}; if it has none, no server hands out the range", dhcp::unanswered_hint(&t.parent)),
        );
    }
    let unanswered = ex.sent.iter().filter(|s| !ex.offers.iter().any(|o| o.xid == s.xid)).count();
    let lost = match unanswered {
        0 => lost,
        n => format!(
            "{lost}; {n} of the {} discovers got no offer in time, so an offer inside the range may still come",
            ex.sent.len()
        ),
    };
    let outside = by_server(ex.offers.iter())
        .iter()
        .map(|(server, ips)| format!("{} from {server}", list(ips, 4)))
        .collect::<Vec<_>>()
        .join("; ");
    let detail = format!("no reserved address offered: {outside}, all outside {range} (asked on {}: {asked}){lost}", t.parent);
    let status = if lost.is_empty() { Status::Ok } else { Status::Warn };
    Check::new(ID, status, detail, if lost.is_empty() { "" } else { "run the check again" })
}

/// What was asked for, as the detail says it.
fn asked(range: AddrRange, sent: usize) -> String {
    if sent as u128 >= range.len() {
        format!("each of its {} addresses requested", range.len())
    } else {
        let spacing = (range.len() - 1) / (sent.max(2) as u128 - 1);
        format!("{sent} of its {} addresses requested, about {spacing} apart", range.len())
    }
}

/// Offered addresses by server, each list sorted and without repeats.
fn by_server<'a>(offers: impl Iterator<Item = &'a dhcp::Offer>) -> BTreeMap<Ipv4Addr, Vec<Ipv4Addr>> {
    let mut m: BTreeMap<Ipv4Addr, Vec<Ipv4Addr>> = BTreeMap::new();
    for o in offers {
        m.entry(o.server).or_default().push(o.yiaddr);
    }
    for ips in m.values_mut() {
        ips.sort();
        ips.dedup();
    }
    m
}

/// `a, b, c and 5 more`, with at most `max` named.
fn list(ips: &[Ipv4Addr], max: usize) -> String {
    let named: Vec<String> = ips.iter().take(max).map(ToString::to_string).collect();
    match ips.len().saturating_sub(max) {
        0 => named.join(", "),
        more => format!("{} and {more} more", named.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::range::v4_of;
    use crate::lan::dhcp::{Offer, Sent};

    fn ip(s: &str) -> Ipv4Addr {
        s.parse().unwrap()
    }

    fn target() -> Target {
        Target {
            parent: "eth1".into(),
            range: AddrRange { start: ip("198.51.100.16").into(), end: ip("198.51.100.47").into() },
            range6: None,
        }
    }

    fn exchange(offers: &[(u32, &str, &str)]) -> Exchange {
        let sent = target()
            .range
            .iter()
            .enumerate()
            .map(|(i, requested)| Sent { xid: i as u32, requested: v4_of(requested).unwrap() })
            .collect();
        let offers = offers.iter().map(|&(xid, yiaddr, server)| Offer { xid, yiaddr: ip(yiaddr), server: ip(server) }).collect();
        Exchange { sent, offers, dropped: 0 }
    }

    #[test]
    fn an_offer_inside_the_range_fails_naming_address_and_server() {
        let ex = exchange(&[
            (0, "198.51.100.16", "198.51.100.2"),
            (1, "198.51.100.50", "198.51.100.2"),
            (2, "198.51.100.18", "198.51.100.2"),
            (3, "198.51.100.18", "198.51.100.2"),
            (4, "198.51.100.47", "198.51.100.3"),
        ]);
        let c = verdict(&target(), &ex, dhcp::IDLE);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(
            c.line(),
            "dhcp.pool: DHCP server 198.51.100.2 offered 198.51.100.16, 198.51.100.18; DHCP server 198.51.100.3 offered \
             198.51.100.47, inside the reserved range 198.51.100.16-198.51.100.47: it will hand them out (asked on eth1: \
             each of its 32 addresses requested); take 198.51.100.16-198.51.100.47 out of the DHCP server's pool, or \
             reserve a range outside the pool"
        );
    }

    #[test]
    fn many_addresses_inside_are_counted_not_listed() {
        let offers: Vec<(u32, String, &str)> = (0..10).map(|i| (i, format!("198.51.100.{}", 16 + i), "198.51.100.2")).collect();
        let offers: Vec<(u32, &str, &str)> = offers.iter().map(|(x, y, s)| (*x, y.as_str(), *s)).collect();
        let c = verdict(&target(), &exchange(&offers), dhcp::IDLE);
        assert!(
            c.detail.starts_with(
                "DHCP server 198.51.100.2 offered 198.51.100.16, 198.51.100.17, 198.51.100.18, 198.51.100.19 and 6 more, inside"
            ),
            "{}",
            c.detail
        );
    }

    #[test]
    fn offers_only_outside_the_range_pass_saying_what_was_offered() {
        let mut offers: Vec<(u32, &str, &str)> = (0..32).map(|xid| (xid, "198.51.100.50", "198.51.100.2")).collect();
        offers.push((5, "198.51.100.9", "198.51.100.3"));
        let ex = exchange(&offers);
        let c = verdict(&target(), &ex, dhcp::IDLE);
        assert_eq!(c.status, Status::Ok);
        assert_eq!(
            c.line(),
            "dhcp.pool: no reserved address offered: 198.51.100.50 from 198.51.100.2; 198.51.100.9 from 198.51.100.3, all \
             outside 198.51.100.16-198.51.100.47 (asked on eth1: each of its 32 addresses requested)"
        );
        // With packets dropped, an offer inside may be among them: not a pass.
        let c = verdict(&target(), &Exchange { dropped: 3, ..ex }, dhcp::IDLE);
        assert_eq!(c.status, Status::Warn);
        assert!(c
            .detail
            .ends_with("; the kernel dropped 3 packets to port 68 before they were read, so an offer may be missing"));
        assert_eq!(c.hint, "run the check again");
    }

    #[test]
    fn an_unanswered_discover_keeps_offers_outside_from_passing() {
        let offers: Vec<(u32, &str, &str)> = (1..32).map(|xid| (xid, "198.51.100.50", "198.51.100.2")).collect();
        let c = verdict(&target(), &exchange(&offers), dhcp::IDLE);
        assert_eq!(c.status, Status::Warn);
        assert_eq!(
            c.line(),
            "dhcp.pool: no reserved address offered: 198.51.100.50 from 198.51.100.2, all outside \
             198.51.100.16-198.51.100.47 (asked on eth1: each of its 32 addresses requested); 1 of the 32 discovers got \
             no offer in time, so an offer inside the range may still come; run the check again"
        );
    }

    #[test]
    fn no_offer_is_a_warning() {
        let c = verdict(&target(), &exchange(&[]), Duration::from_secs(4));
        assert_eq!(c.status, Status::Warn);
        assert_eq!(
            c.line(),
            "dhcp.pool: no DHCP server answered 32 discovers on eth1 in 4 s (each of its 32 addresses requested); if the \
             LAN has a DHCP server, check that it serves eth1 (its VLAN, a DHCP relay); if it has none, no server hands out \
             the range"
        );
    }

    #[test]
    fn a_sampled_range_says_how_far_apart_the_requests_were() {
        assert_eq!(
            asked(AddrRange { start: ip("10.0.0.1").into(), end: ip("10.0.0.254").into() }, 32),
            "32 of its 254 addresses requested, about 8 apart"
        );
        assert_eq!(
            asked(AddrRange { start: ip("10.0.0.1").into(), end: ip("10.0.0.4").into() }, 4),
            "each of its 4 addresses requested"
        );
    }

    #[test]
    fn a_missing_parent_is_skipped_and_a_vlan_parent_explained() {
        let enodev = io::Error::from_raw_os_error(19);
        let c = unrun(&target(), &enodev);
        assert_eq!((c.status, c.detail.as_str()), (Status::Skip, "eth1 does not exist"));
        let t = Target { parent: "eth1.30".into(), ..target() };
        assert!(unrun(&t, &enodev).detail.starts_with("eth1.30 does not exist yet (docker creates it on eth1 with the network)"));
        let c = unrun(&target(), &io::Error::from_raw_os_error(100));
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.line(), "dhcp.pool: could not send DHCP discovers on eth1: Network is down (os error 100); check that eth1 is up (`ip link show eth1`)");
        let c = unrun(&target(), &io::Error::from_raw_os_error(1));
        assert_eq!(
            c.line(),
            "dhcp.pool: could not send DHCP discovers on eth1: Operation not permitted (os error 1); give lanctl CAP_NET_RAW \
             (a packet socket needs it, even for root in a container)"
        );
    }
}

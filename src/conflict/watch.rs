//! `lanctl check --watch`: one observer per parent listens, passively (it sends nothing),
//! and every ARP message from a MAC that is not the tenant's claiming a tenant's address
//! (a reply, a gratuitous ARP that moves it, a request from it, a probe for it), and every
//! NDP one claiming a tenant's IPv6 address (a neighbor advertisement, another host's
//! duplicate address probe), is one line on stdout with a UTC timestamp, or one JSON
//! object per line with `--json`.
//! SIGINT and SIGTERM end it with exit 0.
//!
//! Memory stays flat: the tenants are read once at the start, and the only state that
//! grows with what the LAN sends is the table that keeps one claimer repeating the same
//! message from printing more than one line a `REPEAT`, capped at `MAX_QUIET` entries.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use super::tenants::Tenant;
use super::{by_parent, known_macs, own_mac};
use crate::engine::range::v4_of;
use crate::exec::clock::utc;
use crate::exec::error::{Error, Result};
use crate::lan::arp::Mac;
use crate::lan::observer::{Heard, Msg, Observer};
use crate::target::ctx::Ctx;

/// How often a listening loop looks at the stop flag.
pub const TICK: Duration = Duration::from_millis(200);
/// The same claimer saying the same thing of the same address within this prints once.
pub const REPEAT: Duration = Duration::from_secs(1);
/// The most (address, MAC, message) triples kept to hold repeats back.
pub const MAX_QUIET: usize = 4096;

/// One event, as `--json` prints it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub time: String,
    pub event: &'static str,
    pub tenant: String,
    pub network: String,
    pub address: String,
    /// The MAC that claims the address.
    pub mac: String,
    /// The lanctl tenant whose MAC that is, if it is one.
    pub mac_tenant: Option<String>,
    pub tenant_mac: String,
    /// The ARP message: reply, gratuitous, request, probe (`null` for an NDP one).
    pub arp: Option<&'static str>,
    /// The NDP message, for an IPv6 address: advertisement, dad (only then present).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ndp: Option<&'static str>,
    pub parent: String,
    /// The line's words for the message.
    #[serde(skip)]
    pub words: String,
}

impl Event {
    /// The line of the table-less output.
    pub fn line(&self) -> String {
        let whose = self.mac_tenant.as_ref().map(|t| format!(" (tenant {t})")).unwrap_or_default();
        format!(
            "{}  conflict  {}  {}  {} from {}{whose} on {}; the tenant's MAC is {}",
            self.time, self.tenant, self.address, self.words, self.mac, self.parent, self.tenant_mac
        )
    }
}

/// Holds back repeats (see the module comment); bounded.
#[derive(Default)]
pub struct Quiet {
    last: HashMap<(IpAddr, Mac, Msg), Instant>,
}

impl Quiet {
    /// Whether `h`, heard at `now`, is news: not the same as one let through within `REPEAT`.
    pub fn news(&mut self, h: &Heard, now: Instant) -> bool {
        let key = (h.ip, h.mac, h.msg);
        if self.last.get(&key).is_some_and(|t| now.duration_since(*t) < REPEAT) {
            return false;
        }
        if self.last.len() >= MAX_QUIET && !self.last.contains_key(&key) {
            self.last.retain(|_, t| now.duration_since(*t) < REPEAT);
            if self.last.len() >= MAX_QUIET {
                self.last.clear();
            }
        }
        self.last.insert(key, now);
        true
    }

    pub fn len(&self) -> usize {
        self.last.len()
    }

    pub fn is_empty(&self) -> bool {
        self.last.is_empty()
    }
}

/// Listens until SIGINT or SIGTERM.
pub fn watch(ctx: &Ctx, tenants: &[Tenant]) -> Result<()> {
    // The first SIGINT or SIGTERM ends every listening loop at its next tick; the
    // observers are then dropped (their namespaces go with their sockets) and the run exits 0.
    let _shield = crate::exec::interrupt::shield();
    let groups = by_parent(tenants);
    if groups.is_empty() {
        return Err(Error::failed("check --watch: no running tenant to watch").hint("start tenants with `lanctl up` first"));
    }
    // Every observer first, so a failure ends the run before any line.
    let mut observers = Vec::with_capacity(groups.len());
    for ((parent, kind), group) in &groups {
        observers.push((Observer::open(&ctx.runner, &ctx.ip, parent, *kind)?, group));
    }
    let known = known_macs(tenants);
    for (obs, group) in &observers {
        ctx.note(format!(
            "check --watch: listening on {} for {} tenant addresses, from {} {} in a namespace of lanctl's own; SIGTERM or Ctrl-C ends",
            obs.parent,
            group.len(),
            match obs.kind {
                crate::lan::observer::Kind::Macvlan => "a macvlan child",
                crate::lan::observer::Kind::Ipvlan => "an ipvlan child",
            },
            obs.mac
        ));
    }
    let json = ctx.json;
    let failed: Vec<Error> = crate::exec::at_once::each(&observers, |(obs, group)| listen(obs, group, &known, json))
        .into_iter()
        .filter_map(Result::err)
        .collect();
    match failed.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// One observer's loop: every foreign claim on its tenants' addresses, until stopped.
fn listen(obs: &Observer, group: &[&Tenant], known: &[(Mac, String)], json: bool) -> Result<()> {
    // ARP for the IPv4 addresses, NDP for the IPv6 ones: each socket is read half a tick
    // in turn (the other's frames wait in its queue meanwhile).
    let ips: Vec<Ipv4Addr> = group.iter().filter_map(|t| t.ip.and_then(v4_of)).collect();
    let ips6: Vec<Ipv6Addr> = group.iter().filter_map(|t| if let Some(IpAddr::V6(a)) = t.ip6 { Some(a) } else { None }).collect();
    let failed = |e: std::io::Error| {
        Error::failed(format!("check --watch: the LAN observer on {} failed: {e}", obs.parent))
            .hint(format!("check that {} is up, then run it again", obs.parent))
    };
    obs.join6(&ips6).map_err(failed)?;
    let mut quiet = Quiet::default();
    let mut v6_turn = false;
    while !crate::exec::interrupt::signalled() {
        v6_turn = !v6_turn && !ips6.is_empty();
        let heard = if v6_turn {
            obs.next6(&ips6, Instant::now() + TICK / 2)
        } else {
            obs.next(&ips, Instant::now() + if ips6.is_empty() { TICK } else { TICK / 2 })
        }
        .map_err(failed)?;
        let Some(h) = heard else { continue };
        let Some(t) = group.iter().find(|t| t.ip == Some(h.ip) || t.ip6 == Some(h.ip)) else { continue };
        let own = own_mac(t, obs);
        if h.mac == own || !quiet.news(&h, Instant::now()) {
            continue;
        }
        let e = Event {
            time: utc(SystemTime::now()),
            event: "conflict",
            tenant: t.name.clone(),
            network: t.network.clone(),
            address: h.ip.to_string(),
            mac: h.mac.to_string(),
            mac_tenant: known.iter().find(|(m, _)| *m == h.mac).map(|(_, n)| n.clone()),
            tenant_mac: own.to_string(),
            arp: if let Msg::Arp(said) = h.msg { Some(said.as_str()) } else { None },
            ndp: match h.msg {
                Msg::Arp(_) => None,
                Msg::Advertisement => Some("advertisement"),
                Msg::Dad => Some("dad"),
            },
            parent: obs.parent.clone(),
            words: h.msg.words(),
        };
        crate::exec::out::line(if json { serde_json::to_string(&e).expect("an event serializes") } else { e.line() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lan::arp::Said;

    fn heard(last: u8, said: Said) -> Heard {
        Heard { ip: "198.51.100.16".parse().unwrap(), mac: Mac([2, 0, 0, 0, 0, last]), msg: Msg::Arp(said) }
    }

    #[test]
    fn a_repeat_within_a_second_prints_once_and_the_state_is_bounded() {
        let mut q = Quiet::default();
        let t0 = Instant::now();
        assert!(q.news(&heard(1, Said::Gratuitous), t0));
        assert!(!q.news(&heard(1, Said::Gratuitous), t0 + Duration::from_millis(500)));
        assert!(q.news(&heard(1, Said::Reply), t0 + Duration::from_millis(500)), "another message");
        assert!(q.news(&heard(2, Said::Gratuitous), t0 + Duration::from_millis(500)), "another MAC");
        assert!(q.news(&heard(1, Said::Gratuitous), t0 + REPEAT), "a second later it is news again");
        // A flood of MACs never grows the table past its cap.
        let mut q = Quiet::default();
        for i in 0..3 * MAX_QUIET as u32 {
            let b = i.to_be_bytes();
            let h = Heard {
                ip: "198.51.100.16".parse().unwrap(),
                mac: Mac([2, 0, b[0], b[1], b[2], b[3]]),
                msg: Msg::Arp(Said::Reply),
            };
            assert!(q.news(&h, t0));
            assert!(q.len() <= MAX_QUIET);
        }
    }

    #[test]
    fn an_event_line_and_its_json() {
        let e = Event {
            time: "2026-12-07T06:19:21.123Z".into(),
            event: "conflict",
            tenant: "room-1".into(),
            network: "lan".into(),
            address: "198.51.100.16".into(),
            mac: "a6:b7:0e:d5:a2:1b".into(),
            mac_tenant: None,
            tenant_mac: "f6:0a:c6:33:64:10".into(),
            arp: Some("gratuitous"),
            ndp: None,
            parent: "enp0s3".into(),
            words: Msg::Arp(Said::Gratuitous).words(),
        };
        assert_eq!(
            e.line(),
            "2026-12-07T06:19:21.123Z  conflict  room-1  198.51.100.16  gratuitous ARP from a6:b7:0e:d5:a2:1b on enp0s3; \
             the tenant's MAC is f6:0a:c6:33:64:10"
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"time":"2026-12-07T06:19:21.123Z","event":"conflict","tenant":"room-1","network":"lan","address":"198.51.100.16","mac":"a6:b7:0e:d5:a2:1b","mac_tenant":null,"tenant_mac":"f6:0a:c6:33:64:10","arp":"gratuitous","parent":"enp0s3"}"#
        );
        let na = Event {
            address: "2001:db8:51:100::100".into(),
            arp: None,
            ndp: Some("advertisement"),
            words: Msg::Advertisement.words(),
            ..e
        };
        assert_eq!(
            na.line(),
            "2026-12-07T06:19:21.123Z  conflict  room-1  2001:db8:51:100::100  neighbor advertisement from a6:b7:0e:d5:a2:1b \
             on enp0s3; the tenant's MAC is f6:0a:c6:33:64:10"
        );
        let json = serde_json::to_string(&na).unwrap();
        assert!(json.ends_with(r#""arp":null,"ndp":"advertisement","parent":"enp0s3"}"#), "{json}");
    }
}

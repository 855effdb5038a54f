//! `lanctl check --watch`: one observer per parent listens, passively (it sends nothing),
//! and every ARP message from a MAC that is not the tenant's claiming a tenant's address
//! (a reply, a gratuitous ARP that moves it, a request from it, a probe for it), every
//! NDP one claiming a tenant's IPv6 address (a neighbor advertisement, another host's
//! duplicate address probe), and every DHCP offer, request or ack of an address inside a
//! network's reserved range, is one line on stdout with a UTC timestamp, or one JSON
//! object per line with `--json`.
//! SIGINT and SIGTERM end it with exit 0.
//!
//! Memory stays flat: the tenants and ranges are read once at the start, and the only
//! state that grows with what the LAN sends is the table that keeps one claimer repeating
//! the same message from printing more than one line a `REPEAT`, capped at `MAX_QUIET`
//! entries.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;

use super::tenants::{Reserved, Tenant};
use super::{by_parent, known_macs, own_mac};
use crate::engine::range::v4_of;
use crate::exec::clock::utc;
use crate::exec::error::{Error, Result};
use crate::lan::arp::Mac;
use crate::lan::dhcp;
use crate::lan::observer::{Ears, Frame, Heard, Kind, Msg, Observer, HEAR_BUF};
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

/// A DHCP message that hands out or asks for an address of a reserved range, as `--json`
/// prints it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DhcpEvent {
    pub time: String,
    pub event: &'static str,
    pub network: String,
    pub address: String,
    /// offer, request or ack.
    pub dhcp: dhcp::heard::Said,
    /// The server that offers or acknowledges it, or that a request names.
    pub server: Option<String>,
    /// The client the address is for.
    pub client_mac: String,
    /// The range it lies in.
    pub range: String,
    /// The running tenant that holds the address, if one does.
    pub tenant: Option<String>,
    pub parent: String,
}

impl DhcpEvent {
    /// The line of the table-less output.
    pub fn line(&self) -> String {
        use dhcp::heard::Said;
        let said = self.dhcp;
        let server = self.server.as_deref();
        let who = match (said, server) {
            (Said::Request, Some(s)) => format!("from {} to server {s}", self.client_mac),
            (Said::Request, None) => format!("from {}", self.client_mac),
            (_, Some(s)) => format!("from server {s} for {}", self.client_mac),
            (_, None) => format!("for {}", self.client_mac),
        };
        let held = self.tenant.as_ref().map(|t| format!("; tenant {t} holds it")).unwrap_or_default();
        format!(
            "{}  dhcp  {}  {}  {} {who} on {}, inside {}'s reserved range {}{held}",
            self.time,
            self.network,
            self.address,
            said.upper(),
            self.parent,
            self.network,
            self.range
        )
    }
}

/// Holds back repeats (see the module comment); bounded.
pub struct Quiet<K> {
    last: HashMap<K, Instant>,
}

impl<K> Default for Quiet<K> {
    fn default() -> Self {
        Quiet { last: HashMap::new() }
    }
}

impl<K: Hash + Eq> Quiet<K> {
    /// Whether `key` (who said what of which address), heard at `now`, is news: not the
    /// same as one let through within `REPEAT`.
    pub fn news(&mut self, key: K, now: Instant) -> bool {
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

/// What one observer watches: its parent's tenants and reserved ranges.
struct Watched<'a> {
    parent: String,
    kind: Kind,
    tenants: Vec<&'a Tenant>,
    reserved: Vec<&'a Reserved>,
}

/// The tenants and ranges grouped by the parent (and driver) their observer joins.
fn watched<'a>(tenants: &'a [Tenant], reserved: &'a [Reserved]) -> Vec<Watched<'a>> {
    let mut out: Vec<Watched> = by_parent(tenants)
        .into_iter()
        .map(|((parent, kind), tenants)| Watched { parent, kind, tenants, reserved: Vec::new() })
        .collect();
    for r in reserved {
        match out.iter_mut().find(|w| w.parent == r.parent && w.kind == r.kind) {
            Some(w) => w.reserved.push(r),
            None => out.push(Watched { parent: r.parent.clone(), kind: r.kind, tenants: Vec::new(), reserved: vec![r] }),
        }
    }
    out
}

/// Listens until SIGINT or SIGTERM.
pub fn watch(ctx: &Ctx, tenants: &[Tenant], reserved: &[Reserved]) -> Result<()> {
    // The first SIGINT or SIGTERM ends every listening loop at its next tick; the
    // observers are then dropped (their namespaces go with their sockets) and the run exits 0.
    let _shield = crate::exec::interrupt::shield();
    let groups = watched(tenants, reserved);
    if groups.is_empty() {
        return Err(Error::failed("check --watch: no lanctl network to watch on this host")
            .hint("make one with `lanctl net create`, or name one of `lanctl net ls`"));
    }
    // Every observer first, so a failure ends the run before any line.
    let mut observers = Vec::with_capacity(groups.len());
    for w in &groups {
        observers.push((Observer::open(&ctx.runner, &ctx.ip, &w.parent, w.kind, Ears::ArpNdpDhcp)?, w));
    }
    let known = known_macs(tenants);
    for (obs, w) in &observers {
        let ranges: Vec<String> = w.reserved.iter().map(|r| r.range.to_string()).collect();
        ctx.note(format!(
            "check --watch: listening on {} for {} tenant addresses and for DHCP in {}, from {} {} in a namespace of lanctl's own; SIGTERM or Ctrl-C ends",
            obs.parent,
            w.tenants.len(),
            if ranges.is_empty() { "no reserved range".to_string() } else { ranges.join(" ") },
            match obs.kind {
                Kind::Macvlan => "a macvlan child",
                Kind::Ipvlan => "an ipvlan child",
            },
            obs.mac
        ));
    }
    let json = ctx.json;
    let failed: Vec<Error> = crate::exec::at_once::each(&observers, |(obs, w)| listen(obs, w, &known, json))
        .into_iter()
        .filter_map(Result::err)
        .collect();
    match failed.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// One observer's loop: every foreign claim on its tenants' addresses, every DHCP message
/// naming an address of its reserved ranges, until stopped.
fn listen(obs: &Observer, w: &Watched, known: &[(Mac, String)], json: bool) -> Result<()> {
    let ips: Vec<Ipv4Addr> = w.tenants.iter().filter_map(|t| t.ip.and_then(v4_of)).collect();
    let ips6: Vec<Ipv6Addr> =
        w.tenants.iter().filter_map(|t| if let Some(IpAddr::V6(a)) = t.ip6 { Some(a) } else { None }).collect();
    let failed = |e: std::io::Error| {
        Error::failed(format!("check --watch: the LAN observer on {} failed: {e}", obs.parent))
            .hint(format!("check that {} is up, then run it again", obs.parent))
    };
    obs.join6(&ips6).map_err(failed)?;
    let mut quiet = Quiet::default();
    let mut quiet_dhcp = Quiet::default();
    // One buffer for the whole watch, not one per frame heard.
    let mut buf = vec![0u8; HEAR_BUF];
    let print = |line: String| crate::exec::out::line(line);
    while !crate::exec::interrupt::signalled() {
        match obs.hear(&ips, &ips6, Instant::now() + TICK, &mut buf).map_err(failed)? {
            None => {}
            Some(Frame::Claim(h)) => {
                if let Some(e) = conflict(obs, w, known, &h, &mut quiet) {
                    print(if json { serde_json::to_string(&e).expect("an event serializes") } else { e.line() });
                }
            }
            Some(Frame::Dhcp(d)) => {
                if let Some(e) = dhcp_event(obs, w, &d, &mut quiet_dhcp) {
                    print(if json { serde_json::to_string(&e).expect("an event serializes") } else { e.line() });
                }
            }
        }
    }
    Ok(())
}

/// The event of a claim on a tenant's address by another MAC, unless it is the tenant's
/// own or a repeat.
fn conflict(
    obs: &Observer,
    w: &Watched,
    known: &[(Mac, String)],
    h: &Heard,
    quiet: &mut Quiet<(IpAddr, Mac, Msg)>,
) -> Option<Event> {
    let t = w.tenants.iter().find(|t| t.ip == Some(h.ip) || t.ip6 == Some(h.ip))?;
    let own = own_mac(t, obs);
    if h.mac == own || !quiet.news((h.ip, h.mac, h.msg), Instant::now()) {
        return None;
    }
    Some(Event {
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
    })
}

/// The event of a DHCP message naming an address of a reserved range, unless it is a repeat.
fn dhcp_event(
    obs: &Observer,
    w: &Watched,
    d: &dhcp::heard::Heard,
    quiet: &mut Quiet<(Ipv4Addr, [u8; 6], dhcp::heard::Said)>,
) -> Option<DhcpEvent> {
    let address = IpAddr::V4(d.address);
    let r = w.reserved.iter().find(|r| r.range.contains(address))?;
    if !quiet.news((d.address, d.client_mac, d.said), Instant::now()) {
        return None;
    }
    Some(DhcpEvent {
        time: utc(SystemTime::now()),
        event: "dhcp",
        network: r.network.clone(),
        address: d.address.to_string(),
        dhcp: d.said,
        server: d.server.map(|s| s.to_string()),
        client_mac: Mac(d.client_mac).to_string(),
        range: r.range.to_string(),
        tenant: w.tenants.iter().find(|t| t.ip == Some(address)).map(|t| t.name.clone()),
        parent: obs.parent.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::lan::arp::Said;
    use crate::lan::dhcp::heard::Said as DhcpSaid;

    fn heard(last: u8, said: Said) -> (IpAddr, Mac, Msg) {
        ("198.51.100.16".parse().unwrap(), Mac([2, 0, 0, 0, 0, last]), Msg::Arp(said))
    }

    #[test]
    fn a_repeat_within_a_second_prints_once_and_the_state_is_bounded() {
        let mut q = Quiet::default();
        let t0 = Instant::now();
        assert!(q.news(heard(1, Said::Gratuitous), t0));
        assert!(!q.news(heard(1, Said::Gratuitous), t0 + Duration::from_millis(500)));
        assert!(q.news(heard(1, Said::Reply), t0 + Duration::from_millis(500)), "another message");
        assert!(q.news(heard(2, Said::Gratuitous), t0 + Duration::from_millis(500)), "another MAC");
        assert!(q.news(heard(1, Said::Gratuitous), t0 + REPEAT), "a second later it is news again");
        // A flood of MACs never grows the table past its cap.
        let mut q = Quiet::default();
        for i in 0..3 * MAX_QUIET as u32 {
            let b = i.to_be_bytes();
            let h = ("198.51.100.16".parse::<IpAddr>().unwrap(), Mac([2, 0, b[0], b[1], b[2], b[3]]), Msg::Arp(Said::Reply));
            assert!(q.news(h, t0));
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

    #[test]
    fn a_dhcp_event_line_and_its_json() {
        let e = DhcpEvent {
            time: "2026-12-07T06:19:30.002Z".into(),
            event: "dhcp",
            network: "lan".into(),
            address: "192.168.23.104".into(),
            dhcp: DhcpSaid::Ack,
            server: Some("192.168.23.1".into()),
            client_mac: "3c:22:fb:10:20:30".into(),
            range: "192.168.23.100-192.168.23.131".into(),
            tenant: Some("room-5".into()),
            parent: "enp0s3".into(),
        };
        assert_eq!(
            e.line(),
            "2026-12-07T06:19:30.002Z  dhcp  lan  192.168.23.104  DHCPACK from server 192.168.23.1 for 3c:22:fb:10:20:30 \
             on enp0s3, inside lan's reserved range 192.168.23.100-192.168.23.131; tenant room-5 holds it"
        );
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"time":"2026-12-07T06:19:30.002Z","event":"dhcp","network":"lan","address":"192.168.23.104","dhcp":"ack","server":"192.168.23.1","client_mac":"3c:22:fb:10:20:30","range":"192.168.23.100-192.168.23.131","tenant":"room-5","parent":"enp0s3"}"#
        );
        let request = DhcpEvent { dhcp: DhcpSaid::Request, tenant: None, ..e.clone() };
        assert_eq!(
            request.line(),
            "2026-12-07T06:19:30.002Z  dhcp  lan  192.168.23.104  DHCPREQUEST from 3c:22:fb:10:20:30 to server 192.168.23.1 \
             on enp0s3, inside lan's reserved range 192.168.23.100-192.168.23.131"
        );
        let renew = DhcpEvent { server: None, ..request };
        assert!(renew.line().contains("  DHCPREQUEST from 3c:22:fb:10:20:30 on enp0s3, inside"), "{}", renew.line());
    }
}

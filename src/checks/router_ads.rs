//! `lan.ra`: what the LAN's routers advertise on the parent (`doctor --dhcp`), the IPv6
//! side of the DHCP pool check. IPv6 hosts take addresses from a router's advertisement
//! (SLAAC, from a prefix with the A flag) or from a DHCPv6 server (the M flag) without
//! asking anyone lanctl could ask, so a reserved IPv6 range inside an autonomous prefix,
//! or inside an advertised prefix while a DHCPv6 server assigns addresses, can be handed
//! to a LAN host: a warning, with the prefix and the router. SLAAC picks 64 random bits
//! (or ones derived from a MAC, with `ff:fe` in the middle), so a collision with a small
//! range is unlikely, and lanctl's NDP probe skips any address a host holds; the warning
//! says so. No advertisement heard is fine: nobody autoconfigures there.
//!
//! One Router Solicitation is sent (`lan::ra`), nothing else; it runs during `--dry-run`
//! too, as the DHCP check does, and needs root and this machine's interfaces.

use std::io;
use std::net::IpAddr;

use super::host_reads::Host;
use super::{Check, Status};
use crate::engine::netspec::AddrRange;
use crate::lan::ra::{self, Advert};
use crate::target::ctx::Ctx;

pub const ID: &str = "lan.ra";

/// Runs the check on `parent`, against `range6` (the reserved IPv6 range, if any).
pub fn check(ctx: &Ctx, host: &Host, parent: &str, range6: Option<AddrRange>) -> Check {
    if host.euid() != Some(0) {
        return Check::new(
            ID,
            Status::Fail,
            "not root: reading router advertisements takes a raw ICMPv6 socket, which needs root",
            "run lanctl as root",
        );
    }
    if ctx.runner.verbose {
        crate::exec::out::trace(format!("ra: Router Solicitation on {parent} to ff02::2"));
    }
    match ra::solicit(parent, ra::WINDOW) {
        Ok(heard) => verdict(parent, range6, &heard),
        Err(e) => unrun(parent, range6, &e, ipv6_disabled(parent)),
    }
}

/// Whether the kernel has IPv6 off on `ifname` (`net.ipv6.conf.IF.disable_ipv6`); `None`
/// when it cannot tell (no such interface, IPv6 not in the kernel at all).
fn ipv6_disabled(ifname: &str) -> Option<bool> {
    let v = std::fs::read_to_string(format!("/proc/sys/net/ipv6/conf/{ifname}/disable_ipv6")).ok()?;
    Some(v.trim() == "1")
}

/// The check when no solicitation could be sent.
fn unrun(parent: &str, range6: Option<AddrRange>, e: &io::Error, disabled: Option<bool>) -> Check {
    if e.raw_os_error() == Some(libc::ENODEV) {
        return Check::new(ID, Status::Skip, format!("{parent} does not exist"), "");
    }
    // Without IPv6 on the parent there is no router advertisement to read, and none the
    // host needs; tenants of a dual-stack network have IPv6 of their own all the same.
    let status = if range6.is_some() { Status::Warn } else { Status::Skip };
    if disabled == Some(true) || e.raw_os_error() == Some(libc::EAFNOSUPPORT) {
        return Check::new(
            ID,
            status,
            format!("IPv6 is off on {parent} (net.ipv6.conf.{parent}.disable_ipv6=1): its router advertisements cannot be read"),
            if range6.is_some() {
                format!("turn it on to check them (`sysctl net.ipv6.conf.{parent}.disable_ipv6=0`)")
            } else {
                String::new()
            },
        );
    }
    Check::new(
        ID,
        Status::Fail,
        format!("could not send a Router Solicitation on {parent}: {e}"),
        format!("check that {parent} is up and has IPv6 (`ip -6 addr show {parent}`)"),
    )
}

/// The verdict on what was heard.
pub fn verdict(parent: &str, range6: Option<AddrRange>, heard: &[Advert]) -> Check {
    if heard.is_empty() {
        return Check::new(
            ID,
            Status::Ok,
            format!(
                "no router advertised on {parent} within {:.1} s: no host there autoconfigures an IPv6 address from a router",
                ra::WINDOW.as_secs_f64()
            ),
            "",
        );
    }
    let said: Vec<String> = heard.iter().map(describe).collect();
    let said = said.join("; ");
    let Some(range) = range6 else {
        return Check::new(ID, Status::Ok, format!("on {parent}: {said}"), "");
    };
    let inside = |p: &ra::Prefix| {
        let net = ipnet::IpNet::V6(p.prefix);
        net.contains(&range.start) && net.contains(&range.end)
    };
    let slaac: Vec<String> = heard
        .iter()
        .flat_map(|a| {
            a.prefixes.iter().filter(|p| p.autonomous && inside(p)).map(move |p| format!("{} ({})", p.prefix, a.router))
        })
        .collect();
    let managed: Vec<String> =
        heard.iter().filter(|a| a.managed && a.prefixes.iter().any(inside)).map(|a| a.router.to_string()).collect();
    if slaac.is_empty() && managed.is_empty() {
        return Check::new(
            ID,
            Status::Ok,
            format!("on {parent}: {said}; the reserved range {range} is in no autoconfigured prefix"),
            "",
        );
    }
    let mut why = Vec::new();
    if !slaac.is_empty() {
        why.push(format!(
            "hosts autoconfigure addresses (SLAAC) in {}, which holds the reserved range {range}",
            slaac.join(", ")
        ));
    }
    if !managed.is_empty() {
        why.push(format!("a DHCPv6 server assigns addresses there (M flag from {})", managed.join(", ")));
    }
    Check::new(
        ID,
        Status::Warn,
        format!(
            "on {parent}: {}; lanctl's NDP probe skips an address a host already holds, but not one it takes later ({said})",
            why.join("; ")
        ),
        "reserve the IPv6 range in a prefix the routers do not advertise as autonomous, and keep it out of any DHCPv6 \
         pool",
    )
}

/// `fe80::1 (M=0 O=1, default router for 1800 s): 2001:db8::/64 on-link autonomous`.
fn describe(a: &Advert) -> String {
    let bit = |b: bool| if b { 1 } else { 0 };
    let router = match a.lifetime_secs {
        0 => "not a default router".to_string(),
        s => format!("default router for {s} s"),
    };
    let prefixes: Vec<String> = a
        .prefixes
        .iter()
        .map(|p| {
            let mut flags = Vec::new();
            if p.on_link {
                flags.push("on-link");
            }
            if p.autonomous {
                flags.push("autonomous");
            }
            if flags.is_empty() {
                p.prefix.to_string()
            } else {
                format!("{} {}", p.prefix, flags.join(" "))
            }
        })
        .collect();
    let prefixes = if prefixes.is_empty() { "no prefix".to_string() } else { prefixes.join(", ") };
    format!("router {} (M={} O={}, {router}) advertises {prefixes}", IpAddr::V6(a.router), bit(a.managed), bit(a.other))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lan::ra::Prefix;

    fn ad(managed: bool, autonomous: bool, lifetime: u16) -> Advert {
        Advert {
            router: "fe80::1".parse().unwrap(),
            managed,
            other: false,
            lifetime_secs: lifetime,
            prefixes: vec![Prefix {
                prefix: "2001:db8:51:1a0::/64".parse().unwrap(),
                on_link: true,
                autonomous,
                valid_secs: 7200,
                preferred_secs: 3600,
            }],
        }
    }

    fn range(a: &str, b: &str) -> Option<AddrRange> {
        Some(AddrRange { start: a.parse().unwrap(), end: b.parse().unwrap() })
    }

    fn line(c: &Check) -> String {
        format!("{} {}", c.status.as_str(), c.line())
    }

    #[test]
    fn silence_is_fine_and_prefixes_are_named() {
        assert_eq!(
            line(&verdict("eth1", None, &[])),
            "ok lan.ra: no router advertised on eth1 within 1.2 s: no host there autoconfigures an IPv6 address from a router"
        );
        assert_eq!(
            line(&verdict("eth1", None, &[ad(false, true, 1800)])),
            "ok lan.ra: on eth1: router fe80::1 (M=0 O=0, default router for 1800 s) advertises 2001:db8:51:1a0::/64 on-link \
             autonomous"
        );
    }

    #[test]
    fn a_range_in_an_autonomous_prefix_warns_and_one_outside_does_not() {
        let inside = range("2001:db8:51:1a0::100", "2001:db8:51:1a0::1ff");
        assert_eq!(
            line(&verdict("eth1", inside, &[ad(false, true, 0)])),
            "warn lan.ra: on eth1: hosts autoconfigure addresses (SLAAC) in 2001:db8:51:1a0::/64 (fe80::1), which holds the \
             reserved range 2001:db8:51:1a0::100-2001:db8:51:1a0::1ff; lanctl's NDP probe skips an address a host already \
             holds, but not one it takes later (router fe80::1 (M=0 O=0, not a default router) advertises \
             2001:db8:51:1a0::/64 on-link autonomous); reserve the IPv6 range in a prefix the routers do not advertise as \
             autonomous, and keep it out of any DHCPv6 pool"
        );
        let outside = range("2001:db8:51:1b0::100", "2001:db8:51:1b0::1ff");
        assert_eq!(verdict("eth1", outside, &[ad(false, true, 0)]).status, Status::Ok);
        // Not autonomous, no DHCPv6: nobody takes addresses there.
        assert_eq!(verdict("eth1", inside, &[ad(false, false, 0)]).status, Status::Ok);
        // Managed: a DHCPv6 server does.
        let c = verdict("eth1", inside, &[ad(true, false, 0)]);
        assert_eq!(c.status, Status::Warn);
        assert!(c.detail.contains("a DHCPv6 server assigns addresses there (M flag from fe80::1)"), "{}", c.detail);
    }

    #[test]
    fn a_parent_without_ipv6_is_said_so() {
        let e = io::Error::from_raw_os_error(libc::EADDRNOTAVAIL);
        let r = range("2001:db8:51:1a0::100", "2001:db8:51:1a0::1ff");
        assert_eq!(
            line(&unrun("eth1", r, &e, Some(true))),
            "warn lan.ra: IPv6 is off on eth1 (net.ipv6.conf.eth1.disable_ipv6=1): its router advertisements cannot be read; \
             turn it on to check them (`sysctl net.ipv6.conf.eth1.disable_ipv6=0`)"
        );
        assert_eq!(unrun("eth1", None, &e, Some(true)).status, Status::Skip);
        assert_eq!(unrun("eth1", None, &io::Error::from_raw_os_error(libc::ENODEV), None).status, Status::Skip);
        assert_eq!(unrun("eth1", r, &e, Some(false)).status, Status::Fail);
    }
}

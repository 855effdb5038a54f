//! The LAN duplicate-address probe: Docker knows only its own containers, so before an
//! address is used lanctl asks the LAN whether anything already answers for it.
//!
//! Two ways to ask. Natively (`native.rs`): RFC 5227 probes on an AF_PACKET socket, and
//! for IPv6 addresses RFC 4862 duplicate address detection on another, a whole batch in
//! one `PROBE_WAIT` window; used whenever lanctl runs on the host itself
//! and may open the socket (root). Else iputils' `arping -D`, one process per address,
//! a second each when nothing answers: as a non-root user, and on an ssh host, where
//! lanctl runs no code of its own; there IPv6 addresses are asked with Debian's `ndisc6`
//! the same way (`ndisc6.rs`), or go unprobed with a warning where it is missing. Either
//! is a read: it runs during dry runs too, and `-v` shows it.

use crate::exec::at_once;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::engine::range::v4_of;
use crate::exec::cmd::{Cmd, Query};
use crate::exec::error::{Error, Result};
use crate::exec::runner::Output;
use crate::lan::arp::Mac;
use crate::lan::native::{self, PROBE_NUM, PROBE_WAIT};
use crate::lan::ndisc6;
use crate::lan::packet;
use crate::target::ctx::Ctx;

/// The variable that chooses the probe: `native`, `arping`, or unset (native where it can
/// run, else arping). Tests that fake the host set `arping`.
pub const PROBE_ENV: &str = "LANCTL_PROBE";

/// `arping -D` (iputils): one duplicate-address probe, bounded to one second (iputils
/// takes whole seconds only). It sends from 0.0.0.0 and changes nothing, so it is a query.
pub fn probe_cmd(program: &str, dev: &str, ip: Ipv4Addr) -> Query {
    Cmd::new(program).args(["-D", "-c", "1", "-w", "1", "-I", dev]).arg(ip.to_string()).query()
}

/// What one `arping -D` said: `Ok(Some(mac))` when a device replied, `Ok(None)` when
/// iputils says it received no response, else `Err` with why the output cannot be read.
/// Only a reply line counts as "taken": an exit status alone means nothing, since another
/// `arping` (Habets', busybox's with other options) or a rejected flag also exits 1 or 2.
pub fn read_reply(out: &Output) -> std::result::Result<Option<String>, String> {
    if let Some(line) = out.stdout.lines().find(|l| l.starts_with("Unicast reply from") || l.starts_with("Broadcast reply from"))
    {
        let mac = line.find('[').and_then(|s| line[s + 1..].find(']').map(|e| &line[s + 1..s + 1 + e]));
        return Ok(Some(mac.map_or_else(|| "an unknown MAC".to_string(), str::to_ascii_lowercase)));
    }
    if out.code == Some(0) && out.stdout.lines().any(|l| l.starts_with("Received 0 response(s)")) {
        return Ok(None);
    }
    Err(out.summary())
}

/// Where the probe comes from: `LANCTL_ARPING`, else iputils' `arping` on PATH.
pub fn program() -> Option<String> {
    if let Some(p) = std::env::var_os("LANCTL_ARPING").filter(|p| !p.is_empty()) {
        return Some(p.to_string_lossy().into_owned());
    }
    which::which("arping").ok().map(|p| p.to_string_lossy().into_owned())
}

pub const INSTALL_HINT: &str =
    "install iputils' arping (apt-get install iputils-arping) to probe the LAN before using an address";

/// Which probe a run on this host uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// RFC 5227 probes on an AF_PACKET socket, from lanctl itself.
    Native,
    /// iputils' `arping -D` at this path (on an ssh host: the host's `arping`), `ndisc6`
    /// at this one for IPv6 addresses (`None`: not installed here, so they go unprobed),
    /// and why not the native probe.
    Arping { program: String, ndisc6: Option<String>, why: String },
    /// None can run here: why.
    Unavailable(String),
}

/// `LANCTL_PROBE`, checked before anything runs: a value that names no method is bad
/// input (exit 2).
pub fn check_env() -> Result<()> {
    let wanted = std::env::var(PROBE_ENV).unwrap_or_default();
    if matches!(wanted.as_str(), "" | "native" | "arping") {
        return Ok(());
    }
    Err(Error::usage(format!("{PROBE_ENV}={wanted:?} names no LAN probe; set it to native or arping, or unset it")))
}

/// The probe this run would use on this host (see the module comment). A `LANCTL_PROBE`
/// that names no method is bad input (exit 2).
pub fn method(ctx: &Ctx) -> Result<Method> {
    check_env()?;
    let wanted = std::env::var(PROBE_ENV).unwrap_or_default();
    if !ctx.transport.is_local() {
        if wanted == "native" {
            return Err(Error::usage(format!(
                "{PROBE_ENV}=native cannot probe another host's LAN: lanctl runs no code there; unset it"
            )));
        }
        let why = "another host: lanctl runs no code of its own there".to_string();
        return Ok(Method::Arping { program: "arping".into(), ndisc6: Some("ndisc6".into()), why });
    }
    let why = match wanted.as_str() {
        "arping" => format!("{PROBE_ENV}=arping"),
        _ => match packet::can_open() {
            Ok(()) => return Ok(Method::Native),
            Err(e) if wanted == "native" => {
                return Err(Error::check(format!("{PROBE_ENV}=native but the native probe cannot open its socket: {e}"))
                    .hint("run lanctl as root (it needs CAP_NET_RAW), or unset it"))
            }
            Err(e) => format!("the native probe needs root (CAP_NET_RAW): {e}"),
        },
    };
    Ok(match program() {
        Some(program) => Method::Arping { program, ndisc6: ndisc6::program(), why },
        None => Method::Unavailable(format!("{why}, and {INSTALL_HINT}")),
    })
}

/// Probes addresses on one interface. `None` when probing is off or unavailable.
pub struct Prober {
    method: Method,
    dev: String,
}

impl Prober {
    /// A prober for `dev`, unless `--no-probe` or no probe can run here. On another host
    /// the probe is that host's `arping` and `ndisc6` (its PATH), which lanctl cannot look
    /// for beforehand: a missing one fails the first probe with its hint.
    pub fn new(ctx: &Ctx, dev: &str, no_probe: bool) -> Result<Option<Prober>> {
        if no_probe {
            return Ok(None);
        }
        match method(ctx)? {
            Method::Unavailable(why) => {
                if ctx.runner.verbose {
                    ctx.note(format!("no LAN probe: {why}"));
                }
                Ok(None)
            }
            method => Ok(Some(Prober { method, dev: dev.to_string() })),
        }
    }

    /// Whether this is the native probe (cheap enough to overlap with docker's work).
    pub fn is_native(&self) -> bool {
        self.method == Method::Native
    }

    /// The MAC of a LAN device that answers for `ip`, if one does.
    pub fn answer(&self, ctx: &Ctx, ip: IpAddr) -> Result<Option<String>> {
        Ok(self.answers(ctx, &[ip])?.pop().flatten())
    }

    /// For each of `ips`, the MAC of a LAN device that answers for it, if one does: all
    /// probed at once, so a batch waits about one probe, not one per address.
    pub fn answers(&self, ctx: &Ctx, ips: &[IpAddr]) -> Result<Vec<Option<String>>> {
        if ips.is_empty() {
            return Ok(Vec::new());
        }
        // The probe is the family's own: ARP for IPv4, NDP's duplicate address detection
        // for IPv6, natively both in one window (two sockets at once); else arping and
        // ndisc6, every process at once.
        let v4: Vec<Ipv4Addr> = ips.iter().filter_map(|&ip| v4_of(ip)).collect();
        let v6: Vec<Ipv6Addr> = ips.iter().filter_map(|ip| if let IpAddr::V6(a) = ip { Some(*a) } else { None }).collect();
        let (a4, a6) = match &self.method {
            Method::Native => {
                let (a4, a6) = at_once::two(|| self.native(ctx, &v4, &[]), || self.native6(ctx, &v6));
                (a4?, a6?)
            }
            _ => {
                let (a4, a6) = at_once::two(|| self.arp(ctx, &v4), || self.ndp(ctx, &v6));
                (a4?, a6?)
            }
        };
        // Back in the order asked.
        let (mut a4, mut a6) = (a4.into_iter(), a6.into_iter());
        Ok(ips.iter().map(|ip| if ip.is_ipv4() { a4.next() } else { a6.next() }.flatten()).collect())
    }

    /// Where the native probe cannot run and `ndisc6` is not installed, IPv6 addresses go
    /// unprobed: `arping` is ARP's alone. Said once per batch.
    fn no_ndp(&self, ctx: &Ctx, ips: &[Ipv6Addr]) -> Vec<Option<String>> {
        if !ips.is_empty() {
            let why = match &self.method {
                Method::Arping { why, .. } | Method::Unavailable(why) => why.as_str(),
                Method::Native => "",
            };
            let list: Vec<String> = ips.iter().map(ToString::to_string).collect();
            ctx.note(format!(
                "warning: {} not probed on the LAN: the NDP duplicate check needs the native probe or ndisc6 ({why}); {}",
                list.join(" "),
                ndisc6::INSTALL_HINT
            ));
        }
        vec![None; ips.len()]
    }

    /// IPv6 addresses without the native probe: `ndisc6` where it is installed.
    fn ndp(&self, ctx: &Ctx, ips: &[Ipv6Addr]) -> Result<Vec<Option<String>>> {
        match &self.method {
            Method::Arping { ndisc6: Some(program), .. } => ndisc6::probe(ctx, program, &self.dev, ips),
            _ => Ok(self.no_ndp(ctx, ips)),
        }
    }

    fn native6(&self, ctx: &Ctx, ips: &[Ipv6Addr]) -> Result<Vec<Option<String>>> {
        if ips.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ips.iter().map(ToString::to_string).collect();
        let what = format!("NDP probe on {} for {}", self.dev, list.join(" "));
        if ctx.runner.verbose {
            let _ = writeln!(
                std::io::stderr(),
                "+ # {what}: {PROBE_NUM} neighbor solicitations from :: over {} ms (native, RFC 4862 DAD)",
                PROBE_WAIT.as_millis()
            );
        }
        let claims = native::Socket6::open(&self.dev).and_then(|s| s.probe(ips, &[], PROBE_WAIT, PROBE_NUM)).map_err(|e| {
            Error::failed(format!("the native {what} failed: {e}"))
                .hint("check that the parent interface exists and is up, or pass --no-probe")
        })?;
        if ctx.runner.verbose {
            for (ip, c) in ips.iter().zip(&claims).filter_map(|(ip, c)| c.map(|c| (ip, c))) {
                let ms = c.after.as_secs_f64() * 1000.0;
                let _ = writeln!(std::io::stderr(), "+ # {ip} is claimed by {} ({ms:.2} ms after the first probe)", c.mac);
            }
        }
        Ok(claims.into_iter().map(|c| c.map(|c| c.mac.to_string())).collect())
    }

    fn arp(&self, ctx: &Ctx, ips: &[Ipv4Addr]) -> Result<Vec<Option<String>>> {
        match &self.method {
            Method::Native => self.native(ctx, ips, &[]),
            Method::Arping { program, .. } => at_once::each(ips, |&ip| self.arping(ctx, program, ip)).into_iter().collect(),
            Method::Unavailable(_) => Ok(vec![None; ips.len()]),
        }
    }

    fn native(&self, ctx: &Ctx, ips: &[Ipv4Addr], ours: &[Mac]) -> Result<Vec<Option<String>>> {
        if ips.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = ips.iter().map(ToString::to_string).collect();
        let what = format!("ARP probe on {} for {}", self.dev, list.join(" "));
        if ctx.runner.verbose {
            let _ = writeln!(
                std::io::stderr(),
                "+ # {what}: {PROBE_NUM} probes from 0.0.0.0 over {} ms (native)",
                PROBE_WAIT.as_millis()
            );
        }
        let claims = native::Socket::open(&self.dev).and_then(|s| s.probe(ips, ours, PROBE_WAIT, PROBE_NUM)).map_err(|e| {
            Error::failed(format!("the native {what} failed: {e}"))
                .hint("check that the parent interface exists and is up, or pass --no-probe")
        })?;
        if ctx.runner.verbose {
            for (ip, c) in ips.iter().zip(&claims).filter_map(|(ip, c)| c.map(|c| (ip, c))) {
                let ms = c.after.as_secs_f64() * 1000.0;
                let _ = writeln!(std::io::stderr(), "+ # {ip} is claimed by {} ({ms:.2} ms after the first probe)", c.mac);
            }
        }
        Ok(claims.into_iter().map(|c| c.map(|c| c.mac.to_string())).collect())
    }

    fn arping(&self, ctx: &Ctx, program: &str, ip: Ipv4Addr) -> Result<Option<String>> {
        let q = ctx.on_host(probe_cmd(program, &self.dev, ip));
        let out = ctx.runner.query_output(&q)?;
        read_reply(&out).map_err(|said| {
            Error::failed(format!("the LAN probe `{q}` gave no answer lanctl can read ({said})"))
                .hint("lanctl needs iputils' arping (apt-get install iputils-arping); check the parent interface is up, or pass --no-probe")
        })
    }
}

/// Why this run cannot announce addresses (see `announce`), if it cannot.
pub fn cannot_announce(ctx: &Ctx) -> Option<String> {
    match method(ctx) {
        Ok(Method::Native) => None,
        Ok(Method::Arping { why, .. } | Method::Unavailable(why)) => Some(why),
        Err(e) => Some(e.msg),
    }
}

/// The MAC of interface `dev` on this machine (the one announcements go out on), if it
/// can be read: ipvlan tenants use their parent's.
pub fn mac_of(dev: &str) -> Option<Mac> {
    native::own_mac(dev).ok()
}

/// Announces that each `(ip, mac)` is now at `mac`, with one gratuitous ARP each on `dev`
/// (RFC 5227 announcements) for an IPv4 address, one unsolicited Neighbor Advertisement
/// (RFC 4861 section 7.2.6) for an IPv6 one, so routers and switches that still hold an older MAC for the
/// address (a tenant recreated, with docker's new MAC for it) update at once, without
/// sending anything themselves. Native only (`cannot_announce` says when not); never in a
/// dry run, where the containers, and so their MACs, do not exist yet. A failure is a
/// warning: the tenants run either way.
pub fn announce(ctx: &Ctx, dev: &str, tenants: &[(IpAddr, Mac)]) {
    if ctx.dry_run() || tenants.is_empty() {
        return;
    }
    // Gratuitous ARP for IPv4, an unsolicited Neighbor Advertisement for IPv6.
    let v4: Vec<(Ipv4Addr, Mac)> = tenants.iter().filter_map(|&(ip, mac)| Some((v4_of(ip)?, mac))).collect();
    let v6: Vec<(Ipv6Addr, Mac)> =
        tenants.iter().filter_map(|&(ip, mac)| if let IpAddr::V6(a) = ip { Some((a, mac)) } else { None }).collect();
    let arp = || -> std::io::Result<()> {
        if v4.is_empty() {
            return Ok(());
        }
        let s = native::Socket::open(dev)?;
        v4.iter().try_for_each(|&(ip, mac)| {
            if ctx.runner.verbose {
                let _ = writeln!(std::io::stderr(), "+ # ARP announcement on {dev}: {ip} is at {mac} (gratuitous ARP)");
            }
            s.announce(mac, ip)
        })
    };
    let na = || -> std::io::Result<()> {
        if v6.is_empty() {
            return Ok(());
        }
        let s = native::Socket6::open(dev)?;
        v6.iter().try_for_each(|&(ip, mac)| {
            if ctx.runner.verbose {
                let _ = writeln!(
                    std::io::stderr(),
                    "+ # NDP announcement on {dev}: {ip} is at {mac} (unsolicited neighbor advertisement)"
                );
            }
            s.announce(mac, ip)
        })
    };
    if let Err(e) = arp().and_then(|()| na()) {
        let list: Vec<String> = tenants.iter().map(|(ip, _)| ip.to_string()).collect();
        ctx.note(format!(
            "warning: could not announce {} on the LAN ({dev}: {e}); neighbours learn the new MAC when they next ask",
            list.join(" ")
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(code: i32, stdout: &str, stderr: &str) -> Output {
        Output { code: Some(code), stdout: stdout.into(), stderr: stderr.into() }
    }

    #[test]
    fn renders_the_arping_line() {
        assert_eq!(
            probe_cmd("arping", "enp0s3", "192.168.23.100".parse().unwrap()).to_string(),
            "arping -D -c 1 -w 1 -I enp0s3 192.168.23.100"
        );
    }

    // What iputils' arping 20221126 (Debian 12) printed here, on a veth whose peer
    // namespace held 198.51.100.250 and not .251.
    const IPUTILS_REPLY: &str = "ARPING 198.51.100.250 from 0.0.0.0 ltlpc0\nUnicast reply from 198.51.100.250 [AE:1C:AD:28:13:B4]  0.548ms\nSent 1 probes (1 broadcast(s))\nReceived 1 response(s)\n";
    const IPUTILS_NONE: &str =
        "ARPING 198.51.100.251 from 0.0.0.0 ltlpc0\nSent 1 probes (1 broadcast(s))\nReceived 0 response(s)\n";

    #[test]
    fn only_a_reply_of_iputils_counts_as_taken() {
        assert_eq!(read_reply(&out(1, IPUTILS_REPLY, "")), Ok(Some("ae:1c:ad:28:13:b4".into())));
        assert_eq!(read_reply(&out(0, IPUTILS_NONE, "")), Ok(None));
        // A rejected value or flag: exit 1 or 2 and no reply, an error, not "taken".
        assert_eq!(
            read_reply(&out(1, "", "arping: invalid argument: '0.3'\n")),
            Err("exit 1: arping: invalid argument: '0.3'".into())
        );
        let e =
            read_reply(&out(2, "", "arping: invalid option -- 'Z'\n\nUsage:\n  arping [options] <destination>\n")).unwrap_err();
        assert!(e.starts_with("exit 2: arping: invalid option -- 'Z'"), "{e}");
        assert_eq!(
            read_reply(&out(2, "", "arping: Device ltlnope not available.\n")),
            Err("exit 2: arping: Device ltlnope not available".into())
        );
        // Habets' arping (Debian's `arping` package) reads -D as "display": a dot for no
        // reply, exit 1, a bang for a reply (from its manual, not captured here). Neither
        // is an iputils answer.
        assert_eq!(read_reply(&out(1, ".\n", "")), Err("exit 1".into()));
        assert_eq!(read_reply(&out(0, "!\n", "")), Err("exit 0: !".into()));
        // Exit 1 with nothing said is not a reply either.
        assert_eq!(read_reply(&out(1, "", "")), Err("exit 1".into()));
    }

    #[test]
    fn busybox_arping_reads_the_same() {
        // busybox 1.35 arping, same setup: its reply line has iputils' words.
        let reply = "ARPING 198.51.100.250 from 0.0.0.0 ltlpc0\nUnicast reply from 198.51.100.250 [ae:1c:ad:28:13:b4] 0.009ms\nSent 1 probe(s) (0 broadcast(s))\nReceived 1 response(s) (0 request(s), 0 broadcast(s))\n";
        let none = "ARPING 198.51.100.251 from 0.0.0.0 ltlpc0\nSent 1 probe(s) (0 broadcast(s))\nReceived 0 response(s) (0 request(s), 0 broadcast(s))\n";
        assert_eq!(read_reply(&out(1, reply, "")), Ok(Some("ae:1c:ad:28:13:b4".into())));
        assert_eq!(read_reply(&out(0, none, "")), Ok(None));
    }
}

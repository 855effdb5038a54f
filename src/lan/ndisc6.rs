//! The IPv6 half of the probe where the native one cannot run: Debian's `ndisc6`, one
//! process per address, as `arping -D` is for IPv4 (`prober`).
//!
//! `ndisc6` is setuid root (it drops root once its socket is open), so it runs for a
//! non-root user and on an ssh host alike. It is no DAD probe: it sends an ordinary
//! Neighbor Solicitation (address resolution) from the interface's own link-local address,
//! so it finds a device that holds the address, not one that is still taking it, and it
//! needs the parent to have IPv6 on with a link-local address that is no longer tentative
//! (the kernel's own DAD of it takes up to 2 s after the link comes up). Where that
//! address is tentative the kernel refuses to send from it, and `probe` waits for it
//! (`link_local` reads its state) before it asks again.

use std::io::Write;
use std::net::Ipv6Addr;
use std::time::{Duration, Instant};

use crate::engine::model::IpLink;
use crate::exec::at_once;
use crate::exec::cmd::{Cmd, Query};
use crate::exec::error::{Error, Result};
use crate::exec::runner::Output;
use crate::target::ctx::Ctx;

/// The variable that names the `ndisc6` to run.
pub const NDISC6_ENV: &str = "LANCTL_NDISC6";

pub const INSTALL_HINT: &str = "install ndisc6 (apt-get install ndisc6) to probe them";

/// How long an `ndisc6` that could not send waits for the parent's link-local address to
/// leave tentative: the kernel's DAD of it waits a random delay of up to
/// `rtr_solicit_delay` (1 s), then `dad_transmits` (1) solicitations `RetransTimer` (1 s)
/// apart, so up to 2 s after the link came up; 3 s leaves a margin.
const LINK_LOCAL_WAIT: Duration = Duration::from_secs(3);
const LINK_LOCAL_POLL: Duration = Duration::from_millis(100);

/// For each of `ips`, the MAC of a LAN device on `dev` that answers `program` (an
/// `ndisc6`, on the host `ctx` drives) for it, if one does: one process each, all at once.
/// Those that could not send (a parent whose link-local address is still tentative, its
/// link just up) are asked again once it can, after waiting for it (`await_link_local`).
pub fn probe(ctx: &Ctx, program: &str, dev: &str, ips: &[Ipv6Addr]) -> Result<Vec<Option<String>>> {
    let ask = |ip: Ipv6Addr| -> Result<(Query, Output)> {
        let q = ctx.on_host(probe6_cmd(program, dev, ip));
        let out = ctx.runner.query_output(&q)?;
        Ok((q, out))
    };
    let mut said: Vec<(Query, Output)> = at_once::each(ips, |&ip| ask(ip)).into_iter().collect::<Result<_>>()?;
    let again: Vec<usize> =
        (0..said.len()).filter(|&i| read_ndisc6(&said[i].1).is_err() && may_lack_a_source(&said[i].1)).collect();
    if let Some(&first) = again.first() {
        await_link_local(ctx, dev, &said[first])?;
        let redone = at_once::each(&again, |&i| ask(ips[i]));
        for (i, r) in again.into_iter().zip(redone) {
            said[i] = r?;
        }
    }
    said.iter()
        .map(|(q, out)| {
            read_ndisc6(out).map_err(|said| {
                Error::failed(format!("the LAN probe `{q}` gave no answer lanctl can read ({said})")).hint(format!(
                    "lanctl needs Debian's ndisc6 (apt-get install ndisc6) and IPv6 on {dev} with a link-local address; \
                     check the parent interface is up, or pass --no-probe"
                ))
            })
        })
        .collect()
}

/// After an `ndisc6` that could not send (`failed`: its line and output): waits, up to
/// `LINK_LOCAL_WAIT`, for the link-local address of `dev`, the one ndisc6 sends from, to
/// leave its duplicate address detection (a second or so after the link came up). `Ok`
/// once it can be sent from (also at once: another cause, which asking again tells); an
/// error naming why when `dev` has none, or it stays tentative.
fn await_link_local(ctx: &Ctx, dev: &str, failed: &(Query, Output)) -> Result<()> {
    let said = read_ndisc6(&failed.1).err().unwrap_or_default();
    let until = Instant::now() + LINK_LOCAL_WAIT;
    let mut told = false;
    loop {
        let links: Vec<IpLink> = ctx.runner.query_json(&ctx.ip.addr6_show_dev(dev))?;
        match link_local(&links, dev) {
            LinkLocal::Ready => return Ok(()),
            LinkLocal::Missing(why) => {
                return Err(Error::check(format!(
                    "the LAN probe `{}` could not send ({said}): {why}, the address ndisc6 sends from",
                    failed.0
                ))
                .hint(format!(
                    "turn IPv6 on for {dev} (sysctl -w net.ipv6.conf.{dev}.disable_ipv6=0, with an addr_gen_mode other \
                     than none), or pass --no-probe"
                )))
            }
            LinkLocal::Tentative if Instant::now() >= until => {
                return Err(Error::check(format!(
                    "the LAN probe `{}` could not send ({said}): the link-local address of {dev}, the one ndisc6 sends \
                     from, is still tentative after {} (its duplicate address detection)",
                    failed.0,
                    crate::exec::error::duration(LINK_LOCAL_WAIT)
                ))
                .hint(format!("retry once `ip -6 addr show dev {dev}` no longer says tentative, or pass --no-probe")))
            }
            LinkLocal::Tentative => {
                if ctx.runner.verbose && !told {
                    told = true;
                    let _ = writeln!(
                        std::io::stderr(),
                        "+ # waiting for the link-local address of {dev} to leave tentative: ndisc6 sends from it"
                    );
                }
                std::thread::sleep(LINK_LOCAL_POLL);
            }
        }
    }
}

/// `ndisc6 -1 -n -r 3 -w 333 ADDR IF`: up to 3 solicitations 333 ms apart, so about a
/// second when nothing answers, as `arping -D -w 1`; `-1` stops at the first answer, `-n`
/// never resolves the address as a name. It changes nothing, so it is a query.
pub fn probe6_cmd(program: &str, dev: &str, ip: Ipv6Addr) -> Query {
    Cmd::new(program).args(["-1", "-n", "-r", "3", "-w", "333"]).arg(ip.to_string()).arg(dev).query()
}

/// What one `ndisc6` said: `Ok(Some(mac))` when a device answered (its `Target link-layer
/// address:` line), `Ok(None)` when it says `No response.` with its status for that (2),
/// else `Err` with why the output cannot be read. Only the answer line counts as "taken".
pub fn read_ndisc6(out: &Output) -> std::result::Result<Option<String>, String> {
    if let Some(mac) = out.stdout.lines().find_map(|l| l.trim().strip_prefix("Target link-layer address:")) {
        let mac = mac.trim();
        return Ok(Some(if mac.is_empty() { "an unknown MAC".to_string() } else { mac.to_ascii_lowercase() }));
    }
    if out.code == Some(2) && out.stdout.lines().any(|l| l.trim() == "No response.") {
        return Ok(None);
    }
    Err(out.summary())
}

/// Whether a failed `ndisc6` may have failed for want of an address to send from: it
/// exits 1 on any error of its own (an address the kernel will not send from is one),
/// while a shell's "not found" is 127 and a killed one has no status.
pub fn may_lack_a_source(out: &Output) -> bool {
    out.code == Some(1)
}

/// Where `ndisc6` comes from: `LANCTL_NDISC6`, else `ndisc6` on PATH.
pub fn program() -> Option<String> {
    if let Some(p) = std::env::var_os(NDISC6_ENV).filter(|p| !p.is_empty()) {
        return Some(p.to_string_lossy().into_owned());
    }
    which::which("ndisc6").ok().map(|p| p.to_string_lossy().into_owned())
}

/// The state of an interface's IPv6 link-local addresses, from `ip -j -6 addr show dev IF`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkLocal {
    /// One that can be sent from.
    Ready,
    /// Only ones still in their duplicate address detection.
    Tentative,
    /// None that can be sent from: why.
    Missing(String),
}

/// The link-local state of `dev` in what `ip -j -6 addr show dev DEV` printed (`[]` when
/// it has no IPv6 address at all, IPv6 off on it included).
pub fn link_local(links: &[IpLink], dev: &str) -> LinkLocal {
    let local: Vec<_> = links
        .iter()
        .filter(|l| l.ifname == dev)
        .flat_map(|l| &l.addr_info)
        .filter(|a| a.family == "inet6" && a.scope == "link")
        .collect();
    if local.iter().any(|a| !a.tentative && !a.dadfailed) {
        LinkLocal::Ready
    } else if local.iter().any(|a| a.tentative && !a.dadfailed) {
        LinkLocal::Tentative
    } else if local.is_empty() {
        LinkLocal::Missing(format!("{dev} has no IPv6 link-local address"))
    } else {
        LinkLocal::Missing(format!("the link-local address of {dev} failed its duplicate address detection"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(code: i32, stdout: &str, stderr: &str) -> Output {
        Output { code: Some(code), stdout: stdout.into(), stderr: stderr.into() }
    }

    #[test]
    fn renders_the_ndisc6_line() {
        assert_eq!(
            probe6_cmd("ndisc6", "enp0s3", "2001:db8:51:100::100".parse().unwrap()).to_string(),
            "ndisc6 -1 -n -r 3 -w 333 2001:db8:51:100::100 enp0s3"
        );
    }

    // What ndisc6 1.0.5 (Debian 12) printed here, on a veth whose peer namespace held
    // 2001:db8:51:100::100 and not ::101; the last two on a veth without IPv6 and a
    // link-local still tentative (the same words: the kernel refuses both).
    const ANSWERED: &str = "Soliciting 2001:db8:51:100::100 (2001:db8:51:100::100) on ltnd6x...\nTarget link-layer address: 1A:3E:5E:E9:FC:A1\n from 2001:db8:51:100::100\n";
    const NONE: &str =
        "Soliciting 2001:db8:51:100::101 (2001:db8:51:100::101) on ltnd6x...\nTimed out.\nTimed out.\nTimed out.\nNo response.\n";
    const CANNOT_SEND: &str = "Sending ICMPv6 packet: Cannot assign requested address\n";

    #[test]
    fn only_an_answer_line_counts_as_taken() {
        assert_eq!(read_ndisc6(&out(0, ANSWERED, "")), Ok(Some("1a:3e:5e:e9:fc:a1".into())));
        assert_eq!(read_ndisc6(&out(2, NONE, "")), Ok(None));
        let soliciting = "Soliciting 2001:db8:51:100::100 (2001:db8:51:100::100) on ltnd6x...\n";
        assert_eq!(
            read_ndisc6(&out(1, soliciting, CANNOT_SEND)),
            Err("exit 1: Sending ICMPv6 packet: Cannot assign requested address".into())
        );
        assert_eq!(read_ndisc6(&out(1, "", "ltnope: No such device\n")), Err("exit 1: ltnope: No such device".into()));
        // "No response." under another status, a bare status, or a shell's "not found":
        // none is an answer either way.
        assert_eq!(read_ndisc6(&out(0, NONE, "")), Err("exit 0: Soliciting 2001:db8:51:100::101 (2001:db8:51:100::101) on ltnd6x... Timed out. Timed out. Timed out. No response".into()));
        assert_eq!(read_ndisc6(&out(2, "", "")), Err("exit 2".into()));
        assert_eq!(read_ndisc6(&out(127, "", "sh: 1: ndisc6: not found\n")), Err("exit 127: sh: 1: ndisc6: not found".into()));
        assert!(may_lack_a_source(&out(1, soliciting, CANNOT_SEND)));
        assert!(!may_lack_a_source(&out(127, "", "sh: 1: ndisc6: not found\n")));
    }

    fn links(json: &str) -> Vec<IpLink> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn reads_the_link_local_state() {
        // `ip -j -6 addr show dev ltnd6x` right after the link came up, and a second later.
        let tentative = r#"[{"ifindex":3,"ifname":"ltnd6x","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"operstate":"UP","addr_info":[{"family":"inet6","local":"fe80::d4a9:a4ff:fe27:224f","prefixlen":64,"scope":"link","tentative":true,"valid_life_time":4294967295,"preferred_life_time":4294967295}]}]"#;
        let ready = r#"[{"ifindex":3,"ifname":"ltnd6x","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"operstate":"UP","addr_info":[{"family":"inet6","local":"2001:db8:51:100::e","prefixlen":64,"scope":"global"},{"family":"inet6","local":"fe80::d4a9:a4ff:fe27:224f","prefixlen":64,"scope":"link","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]"#;
        let global_only = r#"[{"ifname":"ltnd6x","addr_info":[{"family":"inet6","local":"2001:db8:51:100::e","prefixlen":64,"scope":"global"}]}]"#;
        let failed = r#"[{"ifname":"ltnd6x","addr_info":[{"family":"inet6","local":"fe80::1","prefixlen":64,"scope":"link","tentative":true,"dadfailed":true}]}]"#;
        assert_eq!(link_local(&links(tentative), "ltnd6x"), LinkLocal::Tentative);
        assert_eq!(link_local(&links(ready), "ltnd6x"), LinkLocal::Ready);
        let none = LinkLocal::Missing("ltnd6x has no IPv6 link-local address".into());
        assert_eq!(link_local(&links("[]"), "ltnd6x"), none);
        assert_eq!(link_local(&links(global_only), "ltnd6x"), none);
        assert_eq!(
            link_local(&links(failed), "ltnd6x"),
            LinkLocal::Missing("the link-local address of ltnd6x failed its duplicate address detection".into())
        );
    }
}

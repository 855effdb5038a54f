//! The LAN duplicate-address probe: Docker knows only its own containers, so before an
//! address is used lanctl asks the LAN whether anything already answers for it.

use std::net::Ipv4Addr;

use crate::cmd::{Cmd, Query};
use crate::ctx::Ctx;
use crate::error::{Error, Result};

/// `arping -D` (iputils): one duplicate-address probe, bounded to one second. It sends
/// from 0.0.0.0 and changes nothing, so it is a query and runs during dry runs too.
pub fn probe_cmd(program: &str, dev: &str, ip: Ipv4Addr) -> Query {
    Cmd::new(program).args(["-D", "-c", "1", "-w", "1", "-I", dev]).arg(ip.to_string()).query()
}

/// The MAC address in an iputils reply line: `Unicast reply from 1.2.3.4 [AA:BB:..]  0.5ms`.
pub fn answering_mac(stdout: &str) -> Option<String> {
    let line = stdout.lines().find(|l| l.contains("reply from"))?;
    let start = line.find('[')? + 1;
    let end = start + line[start..].find(']')?;
    Some(line[start..end].to_ascii_lowercase())
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

/// Probes addresses on one interface. `None` when probing is off or unavailable.
pub struct Prober {
    program: String,
    dev: String,
}

impl Prober {
    /// A prober for `dev`, unless `--no-probe` or no arping is installed. On another
    /// host the probe is that host's `arping` (its PATH), which lanctl cannot look for
    /// beforehand: a missing one fails the first probe with its hint.
    pub fn new(ctx: &Ctx, dev: &str, no_probe: bool) -> Option<Prober> {
        if no_probe {
            return None;
        }
        if !ctx.transport.is_local() {
            return Some(Prober { program: "arping".into(), dev: dev.to_string() });
        }
        match program() {
            Some(program) => Some(Prober { program, dev: dev.to_string() }),
            None => {
                if ctx.runner.verbose {
                    ctx.note(format!("no LAN probe: {INSTALL_HINT}"));
                }
                None
            }
        }
    }

    /// The MAC of a LAN device that answers for `ip`, if one does.
    pub fn answer(&self, ctx: &Ctx, ip: Ipv4Addr) -> Result<Option<String>> {
        let q = ctx.on_host(probe_cmd(&self.program, &self.dev, ip));
        let out = ctx.runner.query_output(&q)?;
        match out.code {
            Some(0) => Ok(None),
            // iputils exits 1 when a reply came back in -D mode.
            Some(1) => Ok(Some(answering_mac(&out.stdout).unwrap_or_else(|| "an unknown MAC".to_string()))),
            _ => Err(Error::failed(format!("the LAN probe `{q}` failed: {}", crate::error::one_line(&out.stderr)))
                .hint("check the parent interface is up, or pass --no-probe")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_and_parses() {
        assert_eq!(
            probe_cmd("arping", "enp0s3", "192.168.23.100".parse().unwrap()).to_string(),
            "arping -D -c 1 -w 1 -I enp0s3 192.168.23.100"
        );
        let out = "ARPING 198.51.100.120 from 0.0.0.0 v0\nUnicast reply from 198.51.100.120 [A6:B7:0E:D5:A2:1B]  0.564ms\nSent 1 probes\n";
        assert_eq!(answering_mac(out).as_deref(), Some("a6:b7:0e:d5:a2:1b"));
        assert_eq!(answering_mac("Sent 1 probes (1 broadcast(s))\nReceived 0 response(s)\n"), None);
    }
}

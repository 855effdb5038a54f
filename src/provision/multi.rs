//! `lanctl net create --hosts`: one network, one reservation, a disjoint slice of it on
//! each host. Each host's network carries its slice (`io.lanctl.range`, what that host
//! allocates from) and the whole reservation (`io.lanctl.reservation`).
//!
//! Nothing is created before every host is read and checked: first every host's lanctl
//! networks (at once), which no slice may overlap on another host; then each host in turn
//! as `net create` prepares it (its network compared, its own addresses, its checks
//! through its transport); then each host's `docker network create`, in the order of
//! `--hosts`, which is also the order of a dry run's lines.

use crate::engine::netspec::{AddrRange, NetSpec};
use crate::exec::error::{Error, Result};
use crate::state;
use crate::target::ctx::{Config, Ctx};
use crate::target::fanout::{self, Host};

use super::{make, prepare, route_note, Ensured};

/// One network across hosts, lowered and checked (`input::hosts`).
#[derive(Clone, Debug)]
pub struct MultiNet {
    /// The whole reserved range.
    pub reservation: AddrRange,
    /// Each host's network, in the order of `--hosts`: its own parent and slice.
    pub placements: Vec<Placement>,
}

#[derive(Clone, Debug)]
pub struct Placement {
    pub host: String,
    pub spec: NetSpec,
}

pub fn create(ctx: &Ctx, config: &Config, m: &MultiNet) -> Result<()> {
    let names: Vec<String> = m.placements.iter().map(|p| p.host.clone()).collect();
    let hosts = fanout::connect(config, &names)?;
    // The lock is this machine's: it keeps two lanctl runs from here taking turns badly.
    let _lock = ctx.lock()?;
    refuse_overlaps(&hosts, &read_lans(&hosts)?, m)?;
    let mut prepared = Vec::with_capacity(hosts.len());
    for (h, p) in hosts.iter().zip(&m.placements) {
        prepared.push(prepare(&h.ctx, &p.spec, false).map_err(|e| e.on_host(&h.name))?);
    }
    for ((h, p), prep) in hosts.iter().zip(&m.placements).zip(prepared) {
        let s = &p.spec;
        if let Ensured::Created { route } = make(&h.ctx, s, prep).map_err(|e| e.on_host(&h.name))? {
            if !h.ctx.dry_run() {
                h.ctx.note(format!(
                    "created {} network {} on {} (slice {} of {})",
                    s.driver, s.name, s.parent, s.range, m.reservation
                ));
            }
            if let Some(r) = route {
                h.ctx.note(route_note(s, &r));
            }
        }
        ctx.adopt_deferred(&h.ctx);
    }
    Ok(())
}

/// Every host's lanctl networks, read at once, in the hosts' order.
pub fn read_lans(hosts: &[Host]) -> Result<Vec<Vec<NetSpec>>> {
    fanout::each(hosts, |h| {
        let nets = state::lanctl_networks(&h.ctx).map_err(|e| e.on_host(&h.name))?;
        Ok(nets.iter().filter_map(NetSpec::from_network).collect())
    })
    .into_iter()
    .collect()
}

/// Refuses a slice that overlaps the range of a lanctl network on the same subnet on
/// another host of the run (`lans`, as `read_lans` read them): both would hand out the
/// same addresses on one LAN.
pub fn refuse_overlaps(hosts: &[Host], lans: &[Vec<NetSpec>], m: &MultiNet) -> Result<()> {
    let subnet = m.placements[0].spec.subnet;
    for (owner, specs) in hosts.iter().zip(lans) {
        let on_lan = specs.iter().filter(|n| n.subnet.contains(&subnet.network()) || subnet.contains(&n.subnet.network()));
        for n in on_lan {
            if let Some(p) = m.placements.iter().find(|p| p.host != owner.name && p.spec.range.overlaps(&n.range)) {
                return Err(Error::usage(format!(
                    "slice {} for host {} overlaps network {} on host {} (range {}); give host {} a slice outside it \
                     (--slice {}=START-END, or its \"slices\" in a fleet file), or remove that network",
                    p.spec.range, p.host, n.name, owner.name, n.range, p.host, p.host
                )));
            }
        }
    }
    Ok(())
}

//! The tenants `check` asks about, and the reserved ranges `check --watch` watches for
//! DHCP, in two reads at once however many there are: `docker ps` of the tenants and the
//! inspect of lanctl's networks, whose endpoints hold every running tenant's address and
//! MAC.

use std::net::IpAddr;

use crate::engine::labels;
use crate::engine::model::{Network, PsLine};
use crate::engine::netspec::{AddrRange, Driver, NetSpec};
use crate::exec::error::{Error, Result};
use crate::lan::arp::Mac;
use crate::lan::observer::Kind;
use crate::state;
use crate::state::order::natural;
use crate::target::ctx::Ctx;

/// A tenant as `check` sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tenant {
    pub name: String,
    /// Its container's ID.
    pub id: String,
    pub network: String,
    /// Its address, `None` when it is not running (named on the command line only).
    pub ip: Option<IpAddr>,
    /// Its IPv6 address on a dual-stack network, when it is running.
    pub ip6: Option<IpAddr>,
    /// Its MAC as docker reports it; on ipvlan, where docker may say none, the parent's,
    /// which the observer learns.
    pub mac: Option<Mac>,
    pub parent: String,
    pub kind: Kind,
}

/// A network's reserved IPv4 range (the whole reservation of a network shared by several
/// hosts), where no DHCP server may hand out an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reserved {
    pub network: String,
    pub range: AddrRange,
    pub parent: String,
    pub kind: Kind,
    /// The network, whose subnet finds its shim.
    pub spec: NetSpec,
}

/// The running tenants of this host, or those `wanted` names (networks, whose running
/// tenants all count, or tenants), in natural order by network, then name. A name that is
/// neither is bad input (exit 2). Beside them, the reserved ranges of the networks named,
/// of the tenants named, or of every lanctl network of this host when none is named.
pub fn tenants(ctx: &Ctx, wanted: &[String]) -> Result<(Vec<Tenant>, Vec<Reserved>)> {
    let (lines, nets) = crate::exec::at_once::two(
        || ctx.runner.query_lines::<PsLine>(&ctx.docker.ps_all(&[format!("label={}", labels::TENANT)])),
        || state::lanctl_networks(ctx),
    );
    let (lines, nets) = (lines?, nets?);
    for w in wanted {
        let known = nets.iter().any(|n| net_name(n) == w) || lines.iter().any(|l| l.names == *w);
        if !known {
            return Err(Error::usage(format!(
                "check: {w} is neither a lanctl network nor a tenant of this host; see `lanctl net ls` and `lanctl ls`"
            )));
        }
    }
    let asked = |l: &PsLine| wanted.is_empty() || wanted.iter().any(|w| *w == l.names || *w == l.network);
    let mut out = Vec::new();
    for l in lines.iter().filter(|l| asked(l)) {
        let Some((spec, net)) = nets.iter().find(|n| net_name(n) == l.network).and_then(|n| Some((NetSpec::from_network(n)?, n)))
        else {
            ctx.note(format!("tenant {} is not checked: its network {} is not one lanctl made here", l.names, l.network));
            continue;
        };
        let kind = kind_of(&spec);
        let ep = net.containers.get(&l.id).filter(|_| l.state == "running");
        let named = wanted.contains(&l.names);
        if ep.is_none() && !named {
            continue; // not running, and not asked for by name
        }
        out.push(Tenant {
            name: l.names.clone(),
            id: l.id.clone(),
            network: l.network.clone(),
            ip: ep.and_then(|e| e.ip()),
            ip6: ep.and_then(|e| e.ip6()),
            mac: ep.and_then(|e| e.mac.parse().ok()),
            parent: spec.parent.clone(),
            kind,
        });
    }
    out.sort_by(|a, b| natural(&a.network, &b.network).then_with(|| natural(&a.name, &b.name)));
    let named_net =
        |n: &str| wanted.is_empty() || wanted.iter().any(|w| w == n || lines.iter().any(|l| l.names == *w && l.network == n));
    let mut reserved: Vec<Reserved> = Vec::new();
    for n in nets.iter().filter(|n| named_net(net_name(n))) {
        let Some(spec) = NetSpec::from_network(n) else { continue };
        // A swarm network and its config-only part answer for one name: one entry.
        if reserved.iter().any(|r| r.network == net_name(n)) {
            continue;
        }
        let kind = kind_of(&spec);
        reserved.push(Reserved {
            network: net_name(n).to_string(),
            range: spec.reservation.unwrap_or(spec.range),
            parent: spec.parent.clone(),
            kind,
            spec,
        });
    }
    reserved.sort_by(|a, b| natural(&a.network, &b.network));
    Ok((out, reserved))
}

fn kind_of(spec: &NetSpec) -> Kind {
    match spec.driver {
        Driver::Macvlan => Kind::Macvlan,
        Driver::Ipvlan => Kind::Ipvlan,
    }
}

/// The name tenants give a network in their label: a swarm part's config-only network
/// answers for the swarm network's name.
fn net_name(n: &Network) -> &str {
    n.name.strip_suffix(crate::engine::netspec::CONFIG_SUFFIX).unwrap_or(&n.name)
}

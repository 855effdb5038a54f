//! A fleet file that names hosts: `"hosts"` at the top (the hosts of every network that
//! names none), per network `"hosts"`, `"slices"` and `"parents"` (as `net create --hosts
//! --slice --parent HOST=IF`), and per tenant `"host"`.
//!
//! Lowered whole before anything runs: each network becomes one network per host with its
//! own slice (the rules of `net create --hosts`); each tenant gets its host (its own
//! `"host"`, or the only host of its network) and a pinned address inside that host's
//! slice. Applied in three steps: every host's lanctl networks read at once, and no slice
//! may overlap another host's network on the LAN; every tenant of a shared network looked
//! for on each of its hosts at once, and one found on another host than the file gives is
//! refused (a name lives on one host of a network); then each host in turn converges to
//! its part of the file, as `apply` does on one host, its lines starting `host NAME:`.

use std::collections::BTreeMap;

use crate::engine::labels;
use crate::exec::error::{Error, Result};
use crate::provision::multi::{read_lans, refuse_overlaps, MultiNet};
use crate::provision::slices::{host_names, multi_net};
use crate::state;
use crate::target::ctx::{Config, Ctx};
use crate::target::fanout;

use super::{apply as apply_one, fleet_words, tenants, ApplyInput, Fleet, FleetInput};

/// Where a file's networks and tenants go.
#[derive(Clone, Debug)]
pub struct Placed {
    /// Every host of the file, in the order first named.
    pub hosts: Vec<String>,
    pub nets: Vec<MultiNet>,
    /// The host of each tenant, in the order of `FleetInput::tenants`.
    pub tenant_hosts: Vec<String>,
}

/// Whether the file names a host anywhere.
pub fn names_hosts(f: &Fleet) -> bool {
    !f.hosts.is_empty() || f.networks.iter().any(|n| !n.hosts.is_empty()) || f.tenants.iter().any(|t| t.host.is_some())
}

pub fn load(file: &str, fleet: &Fleet) -> Result<FleetInput> {
    let top = if fleet.hosts.is_empty() { Vec::new() } else { host_names(&fleet.hosts).map_err(|e| at(file, "", &e))? };
    let mut nets: Vec<MultiNet> = Vec::new();
    for n in &fleet.networks {
        let hosts = if n.hosts.is_empty() { &top } else { &n.hosts };
        if hosts.is_empty() {
            return Err(Error::usage(format!(
                "{file}: network {}: \"hosts\" is missing; give the network's hosts, or the file's \"hosts\"",
                n.name
            )));
        }
        let mut parents: Vec<String> = n.parent.iter().cloned().collect();
        parents.extend(n.parents.iter().map(|(h, p)| format!("{h}={p}")));
        let slices: Vec<String> = n.slices.iter().map(|(h, r)| format!("{h}={r}")).collect();
        let aux = n.aux();
        let m =
            multi_net(&n.input(&aux), hosts, &parents, &slices).map_err(|e| at(file, &format!("network {}: ", n.name), &e))?;
        if nets.iter().any(|o| o.placements[0].spec.name == n.name) {
            return Err(Error::usage(format!("{file}: network {} is listed twice; list it once", n.name)));
        }
        nets.push(m);
    }
    // The tenants' own rules, with each network's whole reservation as its range.
    let whole: Vec<_> =
        nets.iter().map(|m| crate::engine::netspec::NetSpec { range: m.reservation, ..m.placements[0].spec.clone() }).collect();
    let inputs = tenants(file, fleet, &whole)?;
    let mut tenant_hosts = Vec::with_capacity(inputs.len());
    for (t, input) in fleet.tenants.iter().zip(&inputs) {
        let fail = |msg: String| Error::usage(format!("{file}: tenant {}: {msg}", t.name));
        let net = input.net.as_deref().unwrap_or_default();
        let Some(m) = nets.iter().find(|m| m.placements[0].spec.name == net) else {
            return Err(fail(format!(
                "network {net} is not in the file, and a file with hosts lists every network it uses; add it to \"networks\""
            )));
        };
        let names: Vec<&str> = m.placements.iter().map(|p| p.host.as_str()).collect();
        let host = match (&t.host, names.as_slice()) {
            (Some(h), _) => h.clone(),
            (None, [one]) => one.to_string(),
            (None, _) => {
                return Err(fail(format!("network {net} is on hosts {}; give the tenant a \"host\"", names.join(", "))));
            }
        };
        let Some(p) = m.placements.iter().find(|p| p.host == host) else {
            return Err(fail(format!("\"host\" {host} is not a host of network {net} ({}); give one of them", names.join(", "))));
        };
        if let Some(ip) = input.ip.filter(|ip| !p.spec.range.contains(*ip)) {
            return Err(fail(format!(
                "\"ip\" {ip} is outside host {host}'s slice {} of network {net}; choose one inside it",
                p.spec.range
            )));
        }
        tenant_hosts.push(host);
    }
    let mut order: Vec<String> = top;
    for h in nets.iter().flat_map(|m| m.placements.iter().map(|p| &p.host)) {
        if !order.contains(h) {
            order.push(h.clone());
        }
    }
    Ok(FleetInput { nets: whole, tenants: inputs, placed: Some(Placed { hosts: order, nets, tenant_hosts }) })
}

/// A lowering error in the file's words, named by where it is.
fn at(file: &str, what: &str, e: &Error) -> Error {
    Error::usage(format!("{file}: {what}{}", fleet_words(&e.msg)))
}

pub fn apply(ctx: &Ctx, config: &Config, a: &ApplyInput) -> Result<()> {
    let placed = a.fleet.placed.as_ref().expect("a fleet file with hosts");
    let hosts = fanout::connect(config, &placed.hosts)?;
    let lans = read_lans(&hosts)?;
    for m in &placed.nets {
        refuse_overlaps(&hosts, &lans, m)?;
    }
    refuse_moves(&hosts, a, placed)?;
    for h in &hosts {
        let nets = placed.nets.iter().flat_map(|m| m.placements.iter()).filter(|p| p.host == h.name).map(|p| p.spec.clone());
        let tenants = a.fleet.tenants.iter().zip(&placed.tenant_hosts).filter(|(_, on)| **on == h.name).map(|(t, _)| t.clone());
        let part = FleetInput { nets: nets.collect(), tenants: tenants.collect(), placed: None };
        let one = ApplyInput { fleet: part, prune: a.prune, opts: a.opts.clone() };
        apply_one(&h.ctx, &one).map_err(|e| e.on_host(&h.name))?;
        ctx.adopt_deferred(&h.ctx);
    }
    Ok(())
}

/// Refuses a tenant of the file found on another host of its network than the file gives.
fn refuse_moves(hosts: &[fanout::Host], a: &ApplyInput, placed: &Placed) -> Result<()> {
    let nets: Vec<String> = placed.nets.iter().map(|m| m.placements[0].spec.name.clone()).collect();
    if nets.is_empty() {
        return Ok(());
    }
    let filters: Vec<String> = nets.iter().map(|n| format!("label={}={n}", labels::NETWORK)).collect();
    // One read per host: the tenants of the file's networks (docker ORs the filters).
    let found = fanout::each(hosts, |h| state::containers(&h.ctx, &filters).map_err(|e| e.on_host(&h.name)));
    let mut on: BTreeMap<(String, String), String> = BTreeMap::new();
    for (h, found) in hosts.iter().zip(found) {
        for c in found? {
            if let Some(net) = c.label(labels::NETWORK) {
                on.insert((net.to_string(), c.name().to_string()), h.name.clone());
            }
        }
    }
    for (t, want) in a.fleet.tenants.iter().zip(&placed.tenant_hosts) {
        let net = t.net.clone().unwrap_or_default();
        let is_on_host = |m: &&MultiNet| m.placements[0].spec.name == net;
        let of_net: Vec<&str> =
            placed.nets.iter().filter(is_on_host).flat_map(|m| m.placements.iter().map(|p| p.host.as_str())).collect();
        match on.get(&(net.clone(), t.name.clone())) {
            Some(h) if h != want && of_net.contains(&h.as_str()) => {
                return Err(Error::usage(format!(
                    "tenant {} of network {net} is on host {h}, and the file puts it on host {want}; a tenant name lives on \
                     one host of a network: set its \"host\" to {h}, or remove it there first (`lanctl --host {h} down {}`)",
                    t.name, t.name
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

//! `lanctl net create --hosts h1,h2 --swarm`: what Docker documents for macvlan/ipvlan in
//! swarm mode. Every node gets a `--config-only` network, `NAME.lanctl-config`, holding
//! its own parent and slice (and lanctl's labels); then one manager creates the swarm
//! network `NAME` (`--scope swarm --config-from NAME.lanctl-config --attachable`). Tenants
//! stay plain containers started with `--ip` on their node, so lanctl's guarantees hold
//! (a swarm service cannot take a static address: moby#24170).
//!
//! The swarm network carries no label (docker refuses labels on a `--config-from`
//! network when a node creates its copy); it is lanctl's by what it is made from.
//!
//! Before anything, the hosts must be ready nodes of one swarm with a manager among them:
//! each host's `docker info` says whether it is in a swarm and manages it (a manager's
//! also which swarm: a worker's names none), and the manager's `docker node ls` whether
//! each node is one of its swarm's, ready and active. What is missing is
//! said, with exit 3. Then the same reads and checks as `net create --hosts`.

use serde::Deserialize;

use crate::engine::netspec::NetSpec;
use crate::exec::error::{Error, Result};
use crate::state;
use crate::target::ctx::{Config, Ctx};
use crate::target::fanout::{self, Host};

use crate::provision::multi::{read_lans, refuse_overlaps, MultiNet};
use crate::provision::{make, prepare, Ensured};

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SwarmInfo {
    #[serde(default, rename = "NodeID")]
    node_id: String,
    #[serde(default)]
    local_node_state: String,
    #[serde(default)]
    control_available: bool,
    #[serde(default)]
    cluster: Option<Cluster>,
}

#[derive(Debug, Default, Deserialize)]
struct Cluster {
    #[serde(default, rename = "ID")]
    id: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NodeLine {
    #[serde(rename = "ID")]
    id: String,
    #[serde(default)]
    hostname: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    availability: String,
}

pub fn create(ctx: &Ctx, config: &Config, m: &MultiNet) -> Result<()> {
    let names: Vec<String> = m.placements.iter().map(|p| p.host.clone()).collect();
    let hosts = fanout::connect(config, &names)?;
    let _lock = ctx.lock()?;
    let manager = &hosts[check_swarm(&hosts)?];
    refuse_overlaps(&hosts, &read_lans(&hosts)?, m)?;
    let parts: Vec<NetSpec> = m.placements.iter().map(|p| NetSpec { config_only: true, ..p.spec.clone() }).collect();
    let mut prepared = Vec::with_capacity(hosts.len());
    for (h, part) in hosts.iter().zip(&parts) {
        prepared.push(prepare(&h.ctx, part, false).map_err(|e| e.on_host(&h.name))?);
    }
    let whole = NetSpec { config_only: false, ..parts[0].clone() };
    let swarm_net = find_swarm_network(manager, &whole)?;
    for ((h, part), prep) in hosts.iter().zip(&parts).zip(prepared) {
        if make(&h.ctx, part, prep).map_err(|e| e.on_host(&h.name))? != Ensured::Exists && !h.ctx.dry_run() {
            h.ctx.note(format!(
                "created the config-only network {} (parent {}, slice {} of {})",
                part.config_name(),
                part.parent,
                part.range,
                m.reservation
            ));
        }
        ctx.adopt_deferred(&h.ctx);
    }
    if swarm_net {
        manager.ctx.note(format!("swarm network {} already exists; nothing to do", whole.name));
        return Ok(());
    }
    manager.ctx.runner.change(&manager.ctx.docker.network_create_swarm(&whole)).map_err(|e| e.on_host(&manager.name))?;
    if !manager.ctx.dry_run() {
        manager.ctx.note(format!(
            "created swarm network {} from {}: attachable, each node's tenants take addresses from its own slice",
            whole.name,
            whole.config_name()
        ));
    }
    Ok(())
}

/// Whether the manager already has lanctl's swarm network `NAME` of `NAME.lanctl-config`;
/// another network of that name is refused.
fn find_swarm_network(manager: &Host, whole: &NetSpec) -> Result<bool> {
    let Some(n) = state::find_network(&manager.ctx, &whole.name).map_err(|e| e.on_host(&manager.name))? else {
        return Ok(false);
    };
    if n.scope == "swarm" && NetSpec::is_lanctl(&n) {
        return Ok(true);
    }
    Err(Error::usage(format!(
        "host {}: a network named {} exists and is not lanctl's swarm network of {}; choose another name, or remove it \
         with `docker network rm {}`",
        manager.name,
        whole.name,
        whole.config_name(),
        whole.name
    )))
}

/// The index of the host that creates the swarm network (the first manager), once every
/// host is a ready, active node of one swarm; otherwise what is missing (exit 3).
fn check_swarm(hosts: &[Host]) -> Result<usize> {
    let infos: Vec<SwarmInfo> =
        fanout::each(hosts, |h| h.ctx.runner.query_json::<SwarmInfo>(&h.ctx.docker.swarm_info()).map_err(|e| e.on_host(&h.name)))
            .into_iter()
            .collect::<Result<_>>()?;
    for (h, i) in hosts.iter().zip(&infos) {
        if i.local_node_state != "active" {
            return Err(Error::check(format!(
                "host {} is not a node of a swarm (its docker info says LocalNodeState {:?}); join it to the others' swarm \
                 with the command `docker swarm join-token worker` prints on a manager, or leave --swarm out",
                h.name, i.local_node_state
            )));
        }
    }
    // Only a manager's `docker info` names its cluster (a worker's has `Cluster: null`):
    // managers are compared here, and a worker belongs to the managers' swarm when the
    // manager's `docker node ls` lists its node, below.
    let clusters: Vec<(usize, &str)> =
        infos.iter().enumerate().filter_map(|(k, i)| Some((k, i.cluster.as_ref()?.id.as_str()))).collect();
    if let Some(&(k, _)) = clusters.iter().find(|(_, id)| *id != clusters[0].1) {
        return Err(Error::check(format!(
            "hosts {} and {} are nodes of different swarms; give --hosts of one swarm",
            hosts[clusters[0].0].name, hosts[k].name
        )));
    }
    let Some(m) = infos.iter().position(|i| i.control_available) else {
        let names: Vec<&str> = hosts.iter().map(|h| h.name.as_str()).collect();
        return Err(Error::check(format!(
            "no host of --hosts {} is a swarm manager, and the swarm network is created from one; add a manager to --hosts",
            names.join(",")
        )));
    };
    let q = hosts[m].ctx.docker.node_ls();
    let nodes: Vec<NodeLine> = hosts[m].ctx.runner.query_lines(&q).map_err(|e| e.on_host(&hosts[m].name))?;
    for (h, i) in hosts.iter().zip(&infos) {
        let Some(node) = nodes.iter().find(|n| n.id == i.node_id) else {
            return Err(Error::check(format!(
                "host {}'s node {} is not in `{q}` on {}; join it to the swarm again",
                h.name, i.node_id, hosts[m].name
            )));
        };
        if node.status != "Ready" {
            return Err(Error::check(format!(
                "host {}'s node {} is {} in `docker node ls` on {}; bring its engine back before creating the network",
                h.name, node.hostname, node.status, hosts[m].name
            )));
        }
        if node.availability != "Active" {
            return Err(Error::check(format!(
                "host {}'s node {} has availability {}; make it active with `docker node update --availability active {}`",
                h.name, node.hostname, node.availability, node.hostname
            )));
        }
    }
    Ok(m)
}

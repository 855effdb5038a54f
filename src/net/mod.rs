//! `lanctl net create | ls | show | rm`.

pub mod swarm;
mod view;

pub use view::{ls, ls_all, show};

use crate::checks;
use crate::engine::model::Network;
use crate::engine::netspec::{NetSpec, CLUSTER_SUFFIX, CONFIG_SUFFIX};
use crate::exec::at_once;
use crate::exec::error::{Error, Result};
use crate::provision;
use crate::shim::{self, leftover, leftover::Leftovers};
use crate::state;
use crate::target::ctx::Ctx;

/// `net create`: the spec, and whether to check the DHCP pool before creating.
#[derive(Clone, Debug)]
pub struct NetCreateInput {
    pub spec: NetSpec,
    /// `--check-dhcp`: the `dhcp.pool` check joins the prerequisite checks.
    pub check_dhcp: bool,
}

pub fn create(ctx: &Ctx, a: &NetCreateInput) -> Result<()> {
    let spec = &a.spec;
    if a.check_dhcp {
        // Before the lock and any read: the check cannot run for another machine at all.
        checks::dhcp_pool::refuse_remote(ctx, "net create --check-dhcp")?;
    }
    // Under the host-wide lock, two lanctl processes creating the same network take turns:
    // the second reads the first one's network and has nothing to do.
    let _lock = ctx.lock()?;
    if let provision::Ensured::Created { route } = provision::ensure_checked(ctx, spec, a.check_dhcp)? {
        if !ctx.dry_run() {
            ctx.note(format!("created {} network {} on {} (range {})", spec.driver, spec.name, spec.parent, spec.range));
        }
        if let Some(r) = route {
            ctx.note(provision::route_note(spec, &r));
        }
    }
    Ok(())
}

/// Removes a network and what it left on the host: its host-access shim (address and
/// routes go with the link) and, with `--yes`, the files that would bring the shim back
/// at boot. Without `--yes`, such files stop it before anything changes, named.
pub fn rm(ctx: &Ctx, name: &str) -> Result<()> {
    let (net, links) = at_once::two(|| state::find_network(ctx, name), || shim::load_links(ctx));
    let net = net?;
    // A node of a swarm network holds its config-only part: removed after the swarm
    // network (on a manager), or alone (where the swarm network is gone or not seen).
    let part = match &net {
        Some(n) if n.scope != "swarm" => None,
        _ => state::find_network(ctx, &format!("{name}{CONFIG_SUFFIX}"))?.filter(|p| p.config_only),
    };
    let layers: Vec<Network> = net.into_iter().chain(part).collect();
    if layers.is_empty() {
        let left = leftover::of_gone(ctx, name, &links?, None).unwrap_or_default();
        if left.is_empty() {
            ctx.note(format!("network {name} does not exist; nothing to do"));
        } else {
            ctx.note(format!(
                "network {name} does not exist, but it left {}; remove it with `lanctl host-access {name} --remove`",
                left.describe()
            ));
        }
        return Ok(());
    }
    if let Some(n) = layers.iter().find(|n| !NetSpec::is_lanctl(n)) {
        let other = &n.name;
        return Err(Error::usage(format!(
            "network {other} was not made by lanctl; remove it with `docker network rm {other}` if you mean to"
        )));
    }
    // Containers are attached to the network itself; a node's part alone has none, and
    // its node's tenants are found by the swarm network's name.
    let on = if layers[0].name == name { layers[0].id.clone() } else { name.to_string() };
    let attached = state::containers_on(ctx, &[on.as_str()])?;
    if !attached.is_empty() {
        let list: Vec<String> = attached.iter().map(|c| format!("{} ({})", c.name(), c.state.status)).collect();
        let names: Vec<&str> = attached.iter().map(|c| c.name()).collect();
        return Err(Error::usage(format!(
            "network {name} still has containers attached: {}; remove them first, e.g. `lanctl down {}`",
            list.join(", "),
            names.join(" ")
        )));
    }
    let left = match layers.iter().find_map(NetSpec::from_network) {
        Some(spec) => leftover::of_network(ctx, &spec, &links?, None)?,
        None => Leftovers::default(),
    };
    left.check(ctx)?;
    for n in &layers {
        ctx.runner.change(&ctx.docker.network_rm(&n.name))?;
        if !ctx.dry_run() {
            ctx.note(format!("removed network {}", n.name));
        }
    }
    // The record of the slice a cluster was given goes with the network: a network made
    // again under the name starts with its whole range.
    if let Some(slice) = state::cluster_slice(ctx, name)? {
        let record = format!("{name}{CLUSTER_SUFFIX}");
        ctx.runner.change(&ctx.docker.network_rm(&record))?;
        if !ctx.dry_run() {
            ctx.note(format!("removed {record}, the record of cluster slice {slice}"));
        }
    }
    left.remove(ctx)
}

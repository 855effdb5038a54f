//! What `apply` reads before it changes anything, in one round of processes when every
//! tenant names its network: those networks (the file's and the tenants'), every
//! container's `docker ps` line and the tenants' containers, all at once. A network that
//! is there costs no second read: each network's tenants are converged from these reads.

use crate::ctx::Ctx;
use crate::error::Result;
use crate::labels;
use crate::model::{Container, Network, PsLine};
use crate::netspec::NetSpec;
use crate::state;
use crate::tenant::input::TenantInput;

/// The reads of a fleet whose networks are all named.
pub struct Named {
    /// The networks of those names found on the host, whoever made them.
    networks: Vec<Network>,
    /// Every container of the host, one line each.
    pub lines: Vec<PsLine>,
    /// The containers named like the file's tenants.
    pub found: Vec<Container>,
}

impl Named {
    /// The lanctl networks among those read, as `state::lanctl_networks` would list them.
    pub fn managed(&self) -> Vec<Network> {
        self.networks.iter().filter(|n| n.labels.contains_key(labels::MANAGED)).cloned().collect()
    }

    /// The lanctl network `name` and its spec, if it was there when read.
    pub fn network(&self, name: &str) -> Option<(NetSpec, Network)> {
        state::named_among(&self.networks, name)
    }

    /// Whether any network called `name` was there.
    pub fn on_host(&self, name: &str) -> bool {
        self.networks.iter().any(|n| n.name == name)
    }
}

/// The reads of [`Named`], or nothing when they do not settle which network each tenant
/// is on: a tenant without a network (the host's only lanctl network is then its own, so
/// the host's networks must be listed), or one whose network, not in the file, is not
/// found by its name as a lanctl network (a swarm network seen through its node's part,
/// or a name to refuse in the listing's words). The caller then lists the networks as
/// before.
pub fn named(ctx: &Ctx, nets: &[NetSpec], tenants: &[TenantInput]) -> Result<Option<Named>> {
    let Some(of_tenants) = tenants.iter().map(|t| t.net.as_deref()).collect::<Option<Vec<&str>>>() else {
        return Ok(None);
    };
    let mut names: Vec<&str> = nets.iter().map(|n| n.name.as_str()).collect();
    for n in of_tenants {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let tenant_names: Vec<&str> = tenants.iter().map(|t| t.name.as_str()).collect();
    let (networks, reads) = std::thread::scope(|s| {
        let reads = (!tenants.is_empty())
            .then(|| (s.spawn(|| state::ps_all(ctx)), s.spawn(|| state::containers_named(ctx, &tenant_names))));
        let networks = state::inspect_networks(ctx, &names);
        (networks, reads.map(|(l, f)| (l.join().expect("query thread"), f.join().expect("query thread"))))
    });
    let networks = networks?;
    let (lines, found) = match reads {
        Some((lines, found)) => (lines?, found?),
        None => (Vec::new(), Vec::new()),
    };
    let named = Named { networks, lines, found };
    let settled =
        tenants.iter().filter_map(|t| t.net.as_deref()).all(|n| nets.iter().any(|s| s.name == n) || named.network(n).is_some());
    Ok(settled.then_some(named))
}

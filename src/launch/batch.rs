//! The words a batch of starts is described in, shared by `converge`, `start`, `overlap`
//! and `recreate` (so none of them imports another for its types): how the `docker run`s
//! go, what happened to each tenant, and whether the batch pins MACs.

use std::net::IpAddr;
use std::time::Duration;

use serde::Serialize;

use crate::engine::netspec::{Driver, NetSpec};
use crate::exec::error::{Error, Exit, Result};
use crate::launch::spec::TenantSpec;
use crate::target::ctx::Ctx;

/// How the `docker run`s of a batch go.
#[derive(Clone, Debug, Default)]
pub struct BatchOpts {
    pub no_probe: bool,
    pub parallel: usize,
    /// docker's `--pull` policy; not part of the spec, since it does not shape the container.
    pub pull: Option<String>,
    /// How long every container started may take to be ready, or for `running` must stay
    /// up (zero: not watched).
    pub wait: Duration,
    /// Whether `wait` was given (`--wait`): else each check waits its kind's default, and
    /// `wait` is only the settle of `running` (`ready::Ready::most`).
    pub wait_given: bool,
    /// `wait` for the new container of a tenant recreated with another spec (`apply` of a
    /// changed tenant): its old container waits parked meanwhile, so `running` settles
    /// longer there (`ready::UPDATE_SETTLE_SECS`) than for a tenant that is new.
    pub update_wait: Duration,
}

/// What happened to a tenant, or would in a dry run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum What {
    Created,
    Started,
    Updated,
    Unchanged,
    Failed,
}

#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub name: String,
    pub network: String,
    pub address: Option<IpAddr>,
    /// On a dual-stack network: its IPv6 address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address6: Option<IpAddr>,
    /// The container's state afterwards: running, planned (dry run) or failed.
    pub state: String,
    #[serde(skip)]
    pub what: What,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A failure that is a refusal the user fixes (a tenant that exists with another
    /// spec): a command whose failures are all refusals exits 2, as a refused `up` does.
    #[serde(skip)]
    pub refused: bool,
}

impl Outcome {
    pub fn done(ctx: &Ctx, name: &str, network: &str, address: Option<IpAddr>, what: What) -> Outcome {
        let state = if ctx.dry_run() && what != What::Unchanged { "planned" } else { "running" };
        Outcome {
            name: name.into(),
            network: network.into(),
            address,
            address6: None,
            state: state.into(),
            what,
            error: None,
            refused: false,
        }
    }
    /// The same outcome with the tenant's IPv6 address.
    pub fn and6(self, address6: Option<IpAddr>) -> Outcome {
        Outcome { address6, ..self }
    }
    pub fn failed(name: &str, network: &str, address: Option<IpAddr>, error: String) -> Outcome {
        Outcome {
            name: name.into(),
            network: network.into(),
            address,
            address6: None,
            state: "failed".into(),
            what: What::Failed,
            error: Some(error),
            refused: false,
        }
    }
    /// [`Outcome::failed`] with the error that refused it: a refusal when its exit is
    /// usage's.
    pub fn failed_by(name: &str, network: &str, address: Option<IpAddr>, e: &Error) -> Outcome {
        Outcome { refused: e.exit == Exit::Usage, ..Outcome::failed(name, network, address, e.to_string()) }
    }
}

/// The oldest engine API that takes a container's MAC per network (`docker run
/// --network NET --mac-address MAC`): docker's CLI refuses the option against an older
/// daemon ("specify mac-address per network requires API version 1.44").
pub const PIN_API: &str = "1.44";

/// Whether this batch pins MACs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pinning {
    /// macvlan on an engine of API 1.44 or later.
    Pin,
    /// ipvlan: tenants share the parent's MAC.
    Shared,
    /// An older engine (its API version): it cannot take a MAC, and needs none pinned, since
    /// it derives a macvlan container's MAC from its address (`02:42` and the address), the
    /// same on every recreate. Docker 28 picks a random one instead, which is what pinning
    /// is for.
    Unsupported(String),
}

impl Pinning {
    /// What a batch on `net` does: the engine's API version decides, for a macvlan network.
    pub fn of(ctx: &Ctx, net: &NetSpec) -> Result<Pinning> {
        if net.driver != Driver::Macvlan {
            return Ok(Pinning::Shared);
        }
        let api = ctx.server_api()?;
        Ok(if api_at_least(&api, PIN_API) { Pinning::Pin } else { Pinning::Unsupported(api) })
    }
}

/// Whether API version `have` (`MAJOR.MINOR`) is `want` or later; unreadable is not.
fn api_at_least(have: &str, want: &str) -> bool {
    let parse = |v: &str| -> Option<(u32, u32)> {
        let (a, b) = v.split_once('.')?;
        Some((a.parse().ok()?, b.parse().ok()?))
    };
    matches!((parse(have), parse(want)), (Some(h), Some(w)) if h >= w)
}

/// The spec a tenant is created with on `ip`: when the batch pins, its MAC is the one given
/// with `--mac` or else one derived from the network and the address (`arp::derived_mac`),
/// so that a recreated tenant keeps it. ipvlan has no MAC of its own to pin.
pub fn pinned(spec: &TenantSpec, net: &NetSpec, ip: IpAddr, pin: &Pinning) -> TenantSpec {
    let mut spec = spec.clone();
    if *pin == Pinning::Pin && spec.mac.is_none() {
        spec.mac = Some(crate::lan::arp::derived_mac(&net.name, ip).to_string());
    }
    spec
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_versions_compare_as_numbers() {
        assert!(api_at_least("1.44", "1.44"));
        assert!(api_at_least("1.47", "1.44"));
        assert!(api_at_least("2.0", "1.44"));
        assert!(!api_at_least("1.41", "1.44"));
        assert!(!api_at_least("1.9", "1.44"));
        assert!(!api_at_least("", "1.44"));
    }
}

//! `check`'s second question of a running tenant: does it still serve? Its readiness
//! check, the one `up` waited for (kept in its spec; for a tenant made before lanctl kept
//! it, its preset's, by image; else its image's HEALTHCHECK), is tried once, now: a port
//! check from inside the tenant's network namespace on its LAN address, as `up`'s, or
//! docker's health verdict. One `docker container inspect` reads every tenant's PID and
//! spec; the port checks run at once, beside the LAN's probe window.

use std::net::IpAddr;

use super::tenants::Tenant;
use super::verdict::{Row, Serving, ServingStatus, Status};
use crate::exec::at_once;
use crate::exec::error::Result;
use crate::launch::preset::Presets;
use crate::launch::readiness::{try_now, Now};
use crate::launch::ready::Ready;
use crate::launch::spec::TenantSpec;
use crate::state;
use crate::target::ctx::Ctx;

/// Each running tenant's check tried once, by tenant (name, network); a tenant whose check
/// docker's state alone decides (`running`) has none.
pub fn serving(ctx: &Ctx, tenants: &[Tenant]) -> Result<Vec<((String, String), Serving)>> {
    let running: Vec<&Tenant> = tenants.iter().filter(|t| t.ip.is_some()).collect();
    if running.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&str> = running.iter().map(|t| t.id.as_str()).collect();
    let (containers, presets) = at_once::two(|| state::containers_named(ctx, &ids), Presets::load);
    let (containers, presets) = (containers?, presets?);
    let tries = at_once::each(&running, |t| {
        let c = containers.iter().find(|c| c.id == t.id)?;
        let spec = TenantSpec::of_container(c)?;
        let asked = match spec.ready.as_deref() {
            Some(r) => Ready::parse(r).ok(),
            None => presets.ready_of_image(&spec.image),
        };
        let ip: IpAddr = t.ip?;
        let (kind, now) = try_now(ctx, c, ip, asked.as_ref())?;
        let (status, detail) = match now {
            Now::Ready => (ServingStatus::Ready, String::new()),
            Now::Starting => (ServingStatus::Starting, "docker's health check has not decided yet".to_string()),
            Now::Failing(why) => (ServingStatus::Failing, why),
        };
        Some(((t.name.clone(), t.network.clone()), Serving { check: kind.to_string(), status, detail }))
    });
    Ok(tries.into_iter().flatten().collect())
}

/// Puts each tenant's check on its first row (the address `up` checked): a tenant whose
/// address is its own on the LAN but whose check fails is `not-ready`.
pub fn attach(rows: &mut [Row], serving: Vec<((String, String), Serving)>) {
    for ((name, network), s) in serving {
        let Some(r) = rows.iter_mut().find(|r| r.is_tenant() && r.name == name && r.network == network) else { continue };
        if r.status == Status::Ok && s.status == ServingStatus::Failing {
            r.status = Status::NotReady;
        }
        r.ready = Some(s);
    }
}

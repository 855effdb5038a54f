//! `check`'s second question of a running tenant: does it still serve? Its readiness
//! check, the one `up` waited for (kept in its spec; for a tenant made before lanctl kept
//! it, its preset's, by image; else its image's HEALTHCHECK), is tried once, now: a port
//! check from inside the tenant's network namespace on its LAN address, as `up`'s, or
//! docker's health verdict. One `docker container inspect` reads every tenant's PID and
//! spec; the port checks run at once, beside the LAN's probe window.

use std::net::IpAddr;

use super::tenants::Tenant;
use super::verdict::{Row, Serving, ServingStatus, Status};
use crate::engine::model::Container;
use crate::exec::at_once;
use crate::exec::error::Result;
use crate::launch::preset::Presets;
use crate::launch::readiness::{try_now, Now};
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
    let containers = state::containers_named(ctx, &ids)?;
    let specs: Vec<(&Tenant, &Container, TenantSpec)> = running
        .iter()
        .filter_map(|t| {
            let c = containers.iter().find(|c| c.id == t.id)?;
            Some((*t, c, TenantSpec::of_container(c)?))
        })
        .collect();
    // Presets are read only for a tenant made before lanctl kept its check. A bad file is
    // a warning here: `check` watches what runs, and starts nothing by a preset.
    let presets = match specs.iter().any(|(_, _, s)| s.ready.is_none()) {
        false => None,
        true => Presets::load()
            .map_err(|e| ctx.note(format!("warning: {e}; tenants that keep no readiness check are held to their image's")))
            .ok(),
    };
    let tries = at_once::each(&specs, |(t, c, spec)| {
        let asked = match &spec.ready {
            Some(_) => spec.kept_ready(),
            None => presets.as_ref().and_then(|p| p.ready_of_image(&spec.image)),
        };
        let ip: IpAddr = t.ip?;
        let (kind, now) = try_now(ctx, c, ip, asked.as_ref())?;
        let (status, detail) = match now {
            Now::Ready => (ServingStatus::Ready, String::new()),
            Now::Starting => (ServingStatus::Starting, "docker's health check has not decided yet".to_string()),
            Now::Failing(why) => (ServingStatus::Failing, why),
            // As `up` says it: a warning, and no verdict either way.
            Now::Cannot(why) => {
                ctx.note(format!("warning: {kind} cannot be checked for {}: {why}", t.name));
                return None;
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conflict::verdict::Row;

    fn row(name: &str, address: &str, status: Status) -> Row {
        Row {
            name: name.into(),
            network: "lan".into(),
            address: address.into(),
            mac: "f6:0a:c6:33:64:10".into(),
            status,
            answered: true,
            others: Vec::new(),
            parent: "enp0s3".into(),
            ready: None,
            detail: String::new(),
        }
    }

    fn serving(status: ServingStatus) -> Serving {
        Serving { check: "tcp:8443".into(), status, detail: "port 8443 refused the connection".into() }
    }

    #[test]
    fn a_check_lands_on_the_tenant_s_first_row_and_only_a_failing_one_on_an_ok_row_is_not_ready() {
        let mut rows = vec![
            row("room-1", "198.51.100.16", Status::Ok),
            row("room-1", "2001:db8::16", Status::Ok),
            row("room-2", "198.51.100.17", Status::Conflict),
            row("room-3", "198.51.100.18", Status::Ok),
        ];
        let key = |n: &str| (n.to_string(), "lan".to_string());
        attach(
            &mut rows,
            vec![
                (key("room-1"), serving(ServingStatus::Failing)),
                (key("room-2"), serving(ServingStatus::Failing)),
                (key("room-3"), serving(ServingStatus::Starting)),
            ],
        );
        let got: Vec<(Status, Option<ServingStatus>)> =
            rows.iter().map(|r| (r.status, r.ready.as_ref().map(|s| s.status))).collect();
        assert_eq!(
            got,
            [
                (Status::NotReady, Some(ServingStatus::Failing)),
                (Status::Ok, None),
                (Status::Conflict, Some(ServingStatus::Failing)),
                (Status::Ok, Some(ServingStatus::Starting)),
            ]
        );
    }
}

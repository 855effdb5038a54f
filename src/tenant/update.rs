//! `lanctl update`: recreate a tenant with a merged spec (environment, image, restart
//! policy, labels, arguments) on the same address; if the new container does not stay up,
//! put the previous one back exactly as it was.
//!
//! The whole recreation is one `Plan`, so `--dry-run` prints what the run executes: the
//! secrets that carry over are read from the old container when the plan runs (never
//! printed), and the rollback is part of the plan, in bash as in lanctl's own run.

use crate::exec::at_once;
use std::time::Duration;

use crate::engine::labels;
use crate::exec::error::{Error, Result};
use crate::launch::env::{EnvFile, EnvItem};
use crate::launch::parked::{parked_name, settle, tenant_of};
use crate::launch::spec::{Secrets, TenantSpec};
use crate::launch::{find_container, is_tenant};
use crate::target::ctx::Ctx;

/// `lanctl update`, lowered: the tenant, the environment changes in order, and what else
/// of its spec changes.
use crate::launch::preset::Presets;
use crate::launch::ready::Ready;
use crate::launch::recreate::{env_value, recreate, Recreate};

pub struct UpdateInput {
    pub name: String,
    pub env: Vec<EnvItem>,
    pub env_file: Option<EnvFile>,
    /// A validated image reference.
    pub image: Option<String>,
    pub pull: Option<String>,
    /// A restart policy in docker's canonical form.
    pub restart: Option<String>,
    /// Labels to set, checked as `up` checks them.
    pub labels: Vec<(String, String)>,
    /// Label keys to remove.
    pub rm_labels: Vec<String>,
    /// The container's arguments, replacing the current ones (empty: none).
    pub args: Option<Vec<String>>,
    pub wait: Duration,
    /// Whether `--wait` was given (else each check waits its kind's default).
    pub wait_given: bool,
    /// `--ready`: the new container's check, which the tenant then keeps [default: the one
    /// it keeps, else its preset's by image, else by image].
    pub ready: Option<Ready>,
    /// `--timeout`: docker's stop grace period for the old container; `None` keeps docker's.
    pub timeout: Option<u64>,
}

pub fn update(ctx: &Ctx, a: &UpdateInput) -> Result<()> {
    let items = &a.env;
    for item in items {
        if let EnvItem::Unset(k) = item {
            ctx.note(format!("warning: {k} is not set in lanctl's environment; the tenant loses it"));
        }
    }
    let _lock = ctx.lock()?;
    let name = a.name.as_str();
    let (current, parked) = at_once::two(|| find_container(ctx, name), || find_container(ctx, &parked_name(name)));
    // An update that was interrupted is finished or undone before this one starts.
    let current = match parked?.filter(|p| tenant_of(p) == Some(name)) {
        Some(p) => settle(ctx, name, current?, &p)?,
        None => current?,
    };
    let old = match current {
        Some(c) if is_tenant(&c) => c,
        Some(_) => return Err(Error::usage(format!("container {name} is not a lanctl tenant; lanctl updates only its own"))),
        None => return Err(Error::usage(format!("no tenant named {name}; start it with `lanctl up {name}`"))),
    };
    let network = old.label(labels::NETWORK).unwrap_or_default().to_string();
    let (Some(ip), Some(old_spec)) = (old.address_on(&network), TenantSpec::of_container(&old)) else {
        return Err(Error::failed(format!(
            "tenant {name} has no address or spec that lanctl can read; recreate it with `lanctl down {name}` and `lanctl up {name}`"
        )));
    };
    // Secrets carry over from the running container unless given anew. Their values are
    // read here only to tell whether anything changes; the plan reads them again itself.
    let mut secrets: Secrets = old_spec.secrets.iter().filter_map(|k| Some((k.clone(), env_value(&old, k)?))).collect();
    let old_secrets = secrets.clone();
    let mut spec = old_spec.clone();
    spec.apply_env(items, &mut secrets);
    if let Some(image) = &a.image {
        spec.image = image.clone();
    }
    if let Some(restart) = &a.restart {
        spec.restart = restart.clone();
    }
    for (k, v) in &a.labels {
        spec.labels.insert(k.clone(), v.clone());
    }
    for k in &a.rm_labels {
        spec.labels.remove(k);
    }
    if let Some(args) = &a.args {
        spec.args = args.clone();
        // Typed arguments are never templated: `{ip}` in them is text.
        spec.ip_args = false;
    }
    if let (Some(k), None) = (spec.ip6_env.iter().next(), old.address6_on(&network)) {
        return Err(Error::usage(format!(
            "--ip6-env {k} asks for an IPv6 address, but tenant {name} has none (network {network} is IPv4-only); leave it out"
        )));
    }
    if let Some(r) = &a.ready {
        spec.ready = Some(r.to_string());
    }
    if spec == old_spec && secrets == old_secrets && a.env_file.is_none() {
        ctx.note(format!("tenant {name} already has this spec; nothing to do"));
        return Ok(());
    }
    // A secret given anew comes from the environment; the others carry over.
    let given: Vec<String> = secrets.iter().map(|(k, _)| k).filter(|k| given_anew(items, k)).cloned().collect();
    let carry: Vec<String> = secrets.iter().map(|(k, _)| k).filter(|k| !given.contains(k)).cloned().collect();
    let env_file = a.env_file.as_ref().map(|f| f.path.as_path());
    // The new container's check: the one given (now in the spec), else the one its tenant
    // recorded, else (a tenant made before checks were recorded) its preset's, by image.
    let ready = match spec.kept_ready() {
        Some(r) => Some(r),
        None => Presets::load()?.ready_of_image(&spec.image),
    };
    let r = Recreate {
        network: &network,
        ip,
        ip6: old.address6_on(&network),
        spec: &spec,
        carry: &carry,
        require: &given,
        env_file,
        pull: a.pull.as_deref(),
        wait: a.wait,
        wait_given: a.wait_given,
        ready: ready.as_ref(),
        stop_timeout: a.timeout,
    };
    recreate(ctx, &old, &r)?;
    if !ctx.dry_run() {
        let ip6 = old.address6_on(&network).map(|a| format!(" {a}")).unwrap_or_default();
        crate::exec::out::line(format!("{name} {ip}{ip6}"));
    }
    Ok(())
}

/// Whether the last setting of `key` among `items` passes it from lanctl's environment.
fn given_anew(items: &[EnvItem], key: &str) -> bool {
    matches!(items.iter().rev().find(|i| i.key() == key), Some(EnvItem::Secret(..)))
}

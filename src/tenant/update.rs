//! `lanctl update`: recreate a tenant with a merged spec on the same address; if the new
//! container does not stay up, put the previous one back exactly as it was.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::labels;
use crate::model::Container;
use crate::tenant::env::{EnvFile, EnvItem};
use crate::tenant::run::{docker_run, Tenant};
use crate::tenant::spec::{Secrets, TenantSpec};
use crate::tenant::{find_container, is_tenant, remove_orphan};

/// `lanctl update`, lowered: the tenant, the environment changes in order, a new image.
pub struct UpdateInput {
    pub name: String,
    pub env: Vec<EnvItem>,
    pub env_file: Option<EnvFile>,
    /// A validated image reference.
    pub image: Option<String>,
    pub pull: Option<String>,
    pub wait: Duration,
}

/// The name the previous container waits under while its successor proves itself. A
/// tenant name has no '.', so it cannot collide with a tenant.
pub fn parked_name(name: &str) -> String {
    format!("{name}.lanctl-prev")
}

pub fn env_value(c: &Container, key: &str) -> Option<String> {
    c.config.env.iter().find_map(|e| e.strip_prefix(key)?.strip_prefix('=').map(str::to_string))
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
    let old = match find_container(ctx, name)? {
        Some(c) if is_tenant(&c) => c,
        Some(_) => return Err(Error::failed(format!("container {name} is not a lanctl tenant; lanctl updates only its own"))),
        None => return Err(Error::failed(format!("no tenant named {name}; start it with `lanctl up {name}`"))),
    };
    let network = old.label(labels::NETWORK).unwrap_or_default().to_string();
    let (Some(ip), Some(old_spec)) = (old.address_on(&network), TenantSpec::of_container(&old)) else {
        return Err(Error::failed(format!(
            "tenant {name} has no address or spec that lanctl can read; recreate it with `lanctl down {name}` and `lanctl up {name}`"
        )));
    };
    // Secrets carry over from the running container unless given anew.
    let mut secrets: Secrets = old_spec.secrets.iter().filter_map(|k| Some((k.clone(), env_value(&old, k)?))).collect();
    let old_secrets = secrets.clone();
    let mut spec = old_spec.clone();
    spec.apply_env(items, &mut secrets);
    if let Some(image) = &a.image {
        spec.image = image.clone();
    }
    if spec == old_spec && secrets == old_secrets && a.env_file.is_none() {
        ctx.note(format!("tenant {name} already has this spec; nothing to do"));
        return Ok(());
    }
    let env_file = a.env_file.as_ref().map(|f| f.path.as_path());
    let r = Recreate { network: &network, ip, spec: &spec, secrets: &secrets, env_file, pull: a.pull.as_deref(), wait: a.wait };
    recreate(ctx, &old, &r)?;
    if !ctx.dry_run() {
        crate::out::line(format!("{name} {ip}"));
    }
    Ok(())
}

pub struct Recreate<'a> {
    pub network: &'a str,
    pub ip: std::net::Ipv4Addr,
    pub spec: &'a TenantSpec,
    pub secrets: &'a Secrets,
    pub env_file: Option<&'a Path>,
    pub pull: Option<&'a str>,
    pub wait: Duration,
}

/// Replaces `old` with a container of the new spec on the same address. The old one is
/// stopped and parked under another name first; if the new one does not start, or does
/// not stay up for `wait` seconds, it is removed and the old one comes back as it was.
pub fn recreate(ctx: &Ctx, old: &Container, r: &Recreate) -> Result<()> {
    let name = old.name();
    let ip = r.ip;
    let parked = parked_name(name);
    if find_container(ctx, &parked)?.is_some() {
        return Err(Error::failed(format!(
            "container {parked} exists, left by an interrupted update; check it, then remove it with `docker rm -f {parked}` or rename it back"
        )));
    }
    let was_running = old.state.running;
    if was_running {
        ctx.runner.change(&ctx.docker.stop(name))?;
    }
    ctx.runner.change(&ctx.docker.rename(name, &parked))?;
    let t = Tenant { name, network: r.network, ip, spec: r.spec, secrets: r.secrets, env_file: r.env_file, pull: r.pull };
    let run = docker_run(&ctx.docker, &t);
    let started = ctx.runner.change(&run).map(|_| ()).map_err(|e| e.to_string());
    let outcome = match started {
        Ok(()) if ctx.dry_run() => Ok(()),
        Ok(()) => stays_up(ctx, name, r.wait),
        Err(e) => Err(e),
    };
    if let Err(why) = outcome {
        remove_orphan(ctx, name);
        restore(ctx, &parked, name, was_running)?;
        return Err(Error::failed(format!("update of {name} failed: {why}; the previous container is back on {ip}, unchanged")));
    }
    ctx.runner.change(&ctx.docker.rm_many(&[parked]))?;
    if !ctx.dry_run() {
        ctx.note(format!("updated {name} on {ip}"));
    }
    Ok(())
}

/// The new container must run for `wait` seconds without stopping or restarting.
fn stays_up(ctx: &Ctx, name: &str, wait: Duration) -> Result<(), String> {
    let deadline = Instant::now() + wait;
    loop {
        let c = find_container(ctx, name).map_err(|e| e.to_string())?;
        let Some(c) = c else { return Err("the new container disappeared".to_string()) };
        if !c.state.running || c.state.restarting || c.restart_count > 0 {
            return Err(format!("the new container stopped within {} s (exit code {})", wait.as_secs(), c.state.exit_code));
        }
        if Instant::now() >= deadline {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn restore(ctx: &Ctx, parked: &str, name: &str, was_running: bool) -> Result<()> {
    let back = ctx.runner.change(&ctx.docker.rename(parked, name)).and_then(|_| {
        if was_running {
            ctx.runner.change(&ctx.docker.start(name)).map(|_| ())
        } else {
            Ok(())
        }
    });
    back.map_err(|e| {
        e.hint(format!(
            "the previous container is parked as {parked}: run `docker rename {parked} {name}` and `docker start {name}`"
        ))
    })
}

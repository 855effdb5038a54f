//! `lanctl apply FLEET.json [--prune]`: a declarative file of networks and tenants, and
//! the convergence of the host to it. A second apply of the same file runs nothing.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::cli::{ApplyArgs, TenantEnvArgs, UpArgs};
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::labels;
use crate::lock::Lock;
use crate::model::Container;
use crate::net;
use crate::netspec::{self, Driver, NetInput, NetSpec};
use crate::state;
use crate::tenant::spec::{check_name, up_request, TenantSpec, UpRequest};
use crate::tenant::up::{already_there, default_parallel, start_batch, BatchOpts, UpOut};
use crate::tenant::update::{env_value, recreate, Recreate};
use crate::tenant::{is_tenant, load_pool, process_env};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    #[serde(default)]
    pub networks: Vec<FleetNet>,
    #[serde(default)]
    pub tenants: Vec<FleetTenant>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetNet {
    pub name: String,
    pub driver: Driver,
    pub parent: String,
    pub subnet: String,
    pub gateway: String,
    pub ip_range: String,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub aux_addresses: BTreeMap<String, String>,
    #[serde(default)]
    pub vlan: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetTenant {
    pub name: String,
    /// The network; may be left out when the file has exactly one.
    #[serde(default)]
    pub net: Option<String>,
    #[serde(default)]
    pub preset: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub ip: Option<String>,
    /// Literal variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Variables passed from lanctl's environment: secrets, never written in the file.
    #[serde(default)]
    pub pass_env: Vec<String>,
    #[serde(default)]
    pub ip_env: Vec<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub restart: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
}

/// A fleet file's networks and its tenants by name, validated.
pub type Loaded = (Vec<NetSpec>, Vec<(String, UpRequest)>);

/// Reads and validates the whole file before anything runs.
pub fn load(path: &Path) -> Result<Loaded> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::usage(format!("{}: {e}; give a readable fleet file", path.display())))?;
    let fleet: Fleet = serde_json::from_str(&text)
        .map_err(|e| Error::usage(format!("{}: {e}; see the fleet file schema in the README", path.display())))?;
    let mut nets = Vec::new();
    for n in &fleet.networks {
        let aux: Vec<String> = n.aux_addresses.iter().map(|(h, ip)| format!("{h}={ip}")).collect();
        let spec = netspec::validate(&NetInput {
            name: &n.name,
            driver: n.driver,
            parent: &n.parent,
            subnet: &n.subnet,
            gateway: &n.gateway,
            ip_range: &n.ip_range,
            mode: n.mode.as_deref(),
            aux: &aux,
            vlan: n.vlan,
        })
        .map_err(|e| Error::usage(format!("{}: network {}: {e}", path.display(), n.name)))?;
        if nets.iter().any(|s: &NetSpec| s.name == spec.name) {
            return Err(Error::usage(format!("{}: network {} is listed twice; list it once", path.display(), n.name)));
        }
        nets.push(spec);
    }
    let mut tenants: Vec<(String, UpRequest)> = Vec::new();
    for t in &fleet.tenants {
        let at = |e: Error| Error::usage(format!("{}: tenant {}: {e}", path.display(), t.name));
        check_name(&t.name).map_err(at)?;
        if tenants.iter().any(|(n, _)| *n == t.name) {
            return Err(Error::usage(format!("{}: tenant {} is listed twice; list it once", path.display(), t.name)));
        }
        let net = match (&t.net, nets.as_slice()) {
            (Some(n), _) => Some(n.clone()),
            (None, [only]) => Some(only.name.clone()),
            (None, _) => None,
        };
        let args = UpArgs {
            names: vec![t.name.clone()],
            count: None,
            prefix: None,
            parallel: None,
            net,
            preset: t.preset.clone(),
            ip: t.ip.clone(),
            env: TenantEnvArgs {
                image: t.image.clone(),
                env: t.env.iter().map(|(k, v)| format!("{k}={v}")).chain(t.pass_env.iter().cloned()).collect(),
                env_file: None,
                ip_env: t.ip_env.clone(),
                pull: None,
            },
            labels: t.labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            restart: t.restart.clone().unwrap_or_else(|| "unless-stopped".to_string()),
            no_probe: false,
            args: t.args.clone(),
        };
        tenants.push((t.name.clone(), up_request(&args, &process_env).map_err(at)?));
    }
    Ok((nets, tenants))
}

#[derive(Default)]
struct Tally {
    created: Vec<String>,
    updated: Vec<String>,
    started: Vec<String>,
    removed: Vec<String>,
    unchanged: Vec<String>,
    failed: Vec<(String, String)>,
}

pub fn apply(ctx: &Ctx, a: &ApplyArgs) -> Result<()> {
    let (nets, tenants) = load(&a.file)?;
    for (_, req) in &tenants {
        for w in &req.warnings {
            ctx.note(format!("warning: {w}"));
        }
    }
    let _lock = if ctx.dry_run() { None } else { Some(Lock::acquire()?) };
    let mut tally = Tally::default();
    for spec in &nets {
        if net::ensure(ctx, spec)? {
            tally.created.push(format!("network {}", spec.name));
        }
    }
    // Networks of the file, and lanctl networks already on the host, by name.
    let mut known: BTreeMap<String, NetSpec> =
        state::lanctl_networks(ctx)?.iter().filter_map(NetSpec::from_network).map(|s| (s.name.clone(), s)).collect();
    for spec in &nets {
        known.insert(spec.name.clone(), spec.clone());
    }
    let names: Vec<&str> = tenants.iter().map(|(n, _)| n.as_str()).collect();
    let existing = state::containers_named(ctx, &names)?;
    let mut missing: BTreeMap<String, Vec<(String, &UpRequest)>> = BTreeMap::new();
    for (name, req) in &tenants {
        // Without a "net", a tenant goes on the only network there is, as with `up`.
        let only = (known.len() == 1).then(|| known.values().next()).flatten();
        let Some(net) = req.net.as_ref().map_or(only, |n| known.get(n)) else {
            let why = match &req.net {
                Some(n) => format!("network {n} is neither in the file nor on the host"),
                None => "no network: there are several, so give the tenant a \"net\"".to_string(),
            };
            tally.failed.push((name.clone(), why));
            continue;
        };
        match existing.iter().find(|c| c.name() == name) {
            None => missing.entry(net.name.clone()).or_default().push((name.clone(), req)),
            Some(c) => converge(ctx, a, net, name, req, c, &mut tally),
        }
    }
    let opts = BatchOpts { no_probe: a.no_probe, parallel: a.parallel.unwrap_or_else(default_parallel), pull: None };
    for (net, wants) in &missing {
        let pool = load_pool(ctx, &known[net])?;
        for out in start_batch(ctx, &known[net], pool, wants, &opts)? {
            record(&mut tally, out);
        }
    }
    if a.prune {
        prune(ctx, &nets, &names, &mut tally)?;
    }
    summary(ctx, &tally)
}

/// An existing tenant: unchanged, started, or recreated with the file's spec.
fn converge(ctx: &Ctx, a: &ApplyArgs, net: &NetSpec, name: &str, req: &UpRequest, c: &Container, tally: &mut Tally) {
    if !is_tenant(c) {
        tally.failed.push((name.to_string(), format!("a container named {name} exists and is not a lanctl tenant")));
        return;
    }
    let Some(address) = c.address_on(&net.name).filter(|have| req.ip.is_none_or(|want| want == *have)) else {
        tally.failed.push((
            name.to_string(),
            format!("it is not on {} at the file's address; move it with `lanctl down {name}` and apply again", net.name),
        ));
        return;
    };
    // A secret the file names but lanctl's environment lacks keeps its current value,
    // so an apply without the secrets at hand does not strip them.
    let mut want = UpRequest { warnings: Vec::new(), unset: Vec::new(), ..req.clone() };
    for key in &req.unset {
        if let Some(v) = env_value(c, key) {
            want.spec.secrets.insert(key.clone());
            want.secrets.push((key.clone(), v));
        }
    }
    let have = TenantSpec::of_container(c).unwrap_or_default();
    if have.differences(&want.spec).is_empty() {
        match already_there(ctx, &want, net, name, c) {
            Ok(_) if c.state.running => tally.unchanged.push(name.to_string()),
            Ok(_) => tally.started.push(name.to_string()),
            Err(e) => tally.failed.push((name.to_string(), e.to_string())),
        }
        return;
    }
    let r = Recreate { network: &net.name, ip: address, spec: &want.spec, secrets: &want.secrets, pull: None, wait: a.wait };
    match recreate(ctx, c, &r) {
        Ok(()) => tally.updated.push(name.to_string()),
        Err(e) => tally.failed.push((name.to_string(), e.to_string())),
    }
}

fn record(tally: &mut Tally, out: UpOut) {
    match out.error {
        Some(e) => tally.failed.push((out.name, e)),
        None => tally.created.push(out.name),
    }
}

/// Removes lanctl tenants on the file's networks that the file does not name.
fn prune(ctx: &Ctx, nets: &[NetSpec], keep: &[&str], tally: &mut Tally) -> Result<()> {
    let tenants = state::containers(ctx, &[format!("label={}", labels::TENANT)])?;
    let gone: Vec<String> = tenants
        .iter()
        .filter(|c| nets.iter().any(|n| c.label(labels::NETWORK) == Some(n.name.as_str())))
        .filter(|c| !keep.contains(&c.name()))
        .map(|c| c.name().to_string())
        .collect();
    if gone.is_empty() {
        return Ok(());
    }
    ctx.runner.change(&ctx.docker.stop_many(&gone))?;
    ctx.runner.change(&ctx.docker.rm_many(&gone))?;
    tally.removed.extend(gone);
    Ok(())
}

fn summary(ctx: &Ctx, t: &Tally) -> Result<()> {
    let verb = if ctx.dry_run() { "would be " } else { "" };
    let part = |what: &str, v: &[String]| (!v.is_empty()).then(|| format!("{verb}{what}: {}", v.join(" ")));
    let parts: Vec<String> =
        [part("created", &t.created), part("updated", &t.updated), part("started", &t.started), part("removed", &t.removed)]
            .into_iter()
            .flatten()
            .collect();
    if parts.is_empty() && t.failed.is_empty() {
        ctx.note("the host already matches the fleet file; nothing to do");
    } else if !parts.is_empty() {
        ctx.note(parts.join("; "));
    }
    if !t.unchanged.is_empty() {
        ctx.note(format!("unchanged: {}", t.unchanged.join(" ")));
    }
    if t.failed.is_empty() {
        return Ok(());
    }
    for (name, why) in &t.failed {
        ctx.note(format!("{name} failed: {why}"));
    }
    let names: Vec<&str> = t.failed.iter().map(|(n, _)| n.as_str()).collect();
    Err(Error::failed(format!(
        "{} of the fleet's tenants failed: {}; fix what is said above and apply again",
        names.len(),
        names.join(" ")
    )))
}

//! `lanctl apply FLEET.json [--prune]`: a declarative file of networks and tenants, and
//! the convergence of the host to it. A second apply of the same file runs nothing. A
//! file that names hosts is lowered and applied host by host in `fleet/hosts.rs`.

pub mod by_host;
mod first_reads;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::engine::labels;
use crate::engine::model::Container;
use crate::engine::netspec::{self, Driver, NetInput, NetSpec};
use crate::exec::error::{Error, Result};
use crate::launch::batch::{BatchOpts, Outcome, What};
use crate::launch::converge::{self, converge, Existing, Launch};
use crate::launch::draft::{Origin, TenantDraft, TenantInput};
use crate::launch::env::{self, EnvItem};
use crate::launch::preset::Presets;
use crate::launch::spec::TenantSpec;
use crate::launch::{process_env, remove};
use crate::provision;
use crate::state;
use crate::target::ctx::Ctx;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fleet {
    /// The hosts of the file's networks, unless a network names its own.
    #[serde(default)]
    pub hosts: Vec<String>,
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
    /// The parent; on a network of several hosts, of every host not in `parents`.
    #[serde(default)]
    pub parent: Option<String>,
    pub subnet: String,
    pub gateway: String,
    pub ip_range: String,
    #[serde(default)]
    pub mode: Option<String>,
    #[serde(default)]
    pub aux_addresses: BTreeMap<String, String>,
    #[serde(default)]
    pub vlan: Option<u16>,
    /// The hosts the network is on, each with a slice of `ip_range` [default: the file's].
    #[serde(default)]
    pub hosts: Vec<String>,
    /// A host's slice, `START-END`: given for every host, or for none (an even split).
    #[serde(default)]
    pub slices: BTreeMap<String, String>,
    /// A host's own parent.
    #[serde(default)]
    pub parents: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FleetTenant {
    pub name: String,
    /// The host, on a network of several hosts (may be left out when it has one).
    #[serde(default)]
    pub host: Option<String>,
    /// The network; may be left out when the file has exactly one.
    #[serde(default)]
    pub net: Option<String>,
    #[serde(default)]
    pub preset: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub ip: Option<String>,
    /// On a dual-stack network: the IPv6 address (the lowest free of its IPv6 range when
    /// left out).
    #[serde(default)]
    pub ip6: Option<String>,
    /// Literal variables.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Variables passed from lanctl's environment: secrets, never written in the file.
    #[serde(default)]
    pub pass_env: Vec<String>,
    #[serde(default)]
    pub ip_env: Vec<String>,
    /// Variables set to the IPv6 address.
    #[serde(default)]
    pub ip6_env: Vec<String>,
    /// Also take addresses from the LAN's router advertisements (SLAAC).
    #[serde(default)]
    pub slaac: bool,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub restart: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    /// The readiness check (`tcp:8443`, `http:80/health`, `healthy`, `running`, `none`).
    #[serde(default)]
    pub ready: Option<String>,
}

/// A fleet file, validated as a whole: its networks and its tenants.
#[derive(Clone, Debug)]
pub struct FleetInput {
    pub nets: Vec<NetSpec>,
    pub tenants: Vec<TenantInput>,
    /// For a file that names hosts: where each network and tenant goes.
    pub placed: Option<by_host::Placed>,
}

/// `lanctl apply`, lowered.
pub struct ApplyInput {
    pub fleet: FleetInput,
    pub prune: bool,
    pub opts: BatchOpts,
}

impl FleetTenant {
    fn draft(&self, only_net: Option<&str>) -> Result<TenantDraft> {
        let mut items = Vec::new();
        for (k, v) in &self.env {
            env::check_key("\"env\"", k)?;
            env::check_literal("\"env\"", k, v)?;
            items.push(EnvItem::Literal(k.clone(), v.clone()));
        }
        for k in &self.pass_env {
            if k.contains('=') {
                return Err(Error::usage(format!(
                    "\"pass_env\" {:?} holds a value; list only the key there and put literal values under \"env\"",
                    k.split('=').next().unwrap_or_default()
                )));
            }
            items.push(env::parse_flag("\"pass_env\"", k, &process_env)?);
        }
        for k in &self.ip_env {
            env::check_key("\"ip_env\"", k)?;
            items.push(EnvItem::Ip(k.clone()));
        }
        for k in &self.ip6_env {
            env::check_key("\"ip6_env\"", k)?;
            items.push(EnvItem::Ip6(k.clone()));
        }
        Ok(TenantDraft {
            origin: Origin::Fleet,
            name: self.name.clone(),
            net: self.net.clone().or_else(|| only_net.map(str::to_string)),
            preset: self.preset.clone(),
            image: self.image.clone(),
            ip: self.ip.iter().chain(&self.ip6).cloned().collect(),
            outside_range: false,
            slaac: self.slaac,
            env: items,
            env_file: None,
            labels: self.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            restart: self.restart.clone().unwrap_or_else(|| "unless-stopped".to_string()),
            args: self.args.clone(),
            ready: self.ready.clone(),
        })
    }
}

/// Reads and validates the whole file before anything runs: every network and tenant,
/// names and addresses unique, pinned addresses usable on the file's own networks.
pub fn load(path: &Path) -> Result<FleetInput> {
    let file = path.display();
    let bytes = crate::exec::file::read_regular(path).map_err(|e| {
        let hint = if e.ends_with("not a regular file") { "give a fleet file" } else { "give a readable fleet file" };
        Error::usage(format!("{file}: {e}; {hint}"))
    })?;
    let text = String::from_utf8(bytes).map_err(|_| Error::usage(format!("{file}: is not UTF-8 text; save it as UTF-8")))?;
    let fleet: Fleet =
        serde_json::from_str(&text).map_err(|e| Error::usage(format!("{file}: {e}; see the fleet file schema in the README")))?;
    if by_host::names_hosts(&fleet) {
        return by_host::load(&file.to_string(), &fleet);
    }
    let mut nets: Vec<NetSpec> = Vec::new();
    for n in &fleet.networks {
        let at = |msg: &str| Error::usage(format!("{file}: network {}: {}", n.name, fleet_words(msg)));
        if !n.slices.is_empty() || !n.parents.is_empty() {
            return Err(at("\"slices\" and \"parents\" are for a network of several hosts; give it \"hosts\""));
        }
        let Some(parent) = &n.parent else {
            return Err(at("\"parent\" is missing; give the LAN interface"));
        };
        let aux = n.aux();
        let spec = netspec::validate(&NetInput { parent, ..n.input(&aux) }).map_err(|e| at(&e.msg))?;
        if nets.iter().any(|s| s.name == spec.name) {
            return Err(Error::usage(format!("{file}: network {} is listed twice; list it once", n.name)));
        }
        nets.push(spec);
    }
    let tenants = tenants(&file.to_string(), &fleet, &nets)?;
    Ok(FleetInput { nets, tenants, placed: None })
}

/// The file's tenants, each valid, named once, and a pinned address usable on its network
/// of the file (`nets`).
fn tenants(file: &str, fleet: &Fleet, nets: &[NetSpec]) -> Result<Vec<TenantInput>> {
    let only = match nets {
        [one] => Some(one.name.as_str()),
        _ => None,
    };
    let mut tenants: Vec<TenantInput> = Vec::new();
    // The presets directory is read only when a tenant names a preset, once for the file.
    let presets = if fleet.tenants.iter().any(|t| t.preset.is_some()) { Presets::load()? } else { Presets::builtin() };
    for t in &fleet.tenants {
        let at = |e: Error| Error::usage(format!("{file}: tenant {}: {}", t.name, e.msg));
        let input = t.draft(only).and_then(|d| d.lower(&process_env, &presets)).map_err(at)?;
        if tenants.iter().any(|o| o.name == input.name) {
            return Err(Error::usage(format!("{file}: tenant {} is listed twice; list it once", t.name)));
        }
        if let Some(ip) = input.ip {
            if let Some(o) = tenants.iter().find(|o| o.ip == Some(ip)) {
                return Err(Error::usage(format!(
                    "{file}: tenants {} and {} both ask for {ip}; give each its own address",
                    o.name, t.name
                )));
            }
            if let Some(spec) = input.net.as_deref().and_then(|n| nets.iter().find(|s| s.name == n)) {
                let why = if !spec.subnet.contains(&ip) {
                    Some(format!("is outside the subnet {}", spec.subnet))
                } else if let Some((_, what)) = spec.reserved().into_iter().find(|(r, _)| *r == ip) {
                    Some(format!("is the {what}"))
                } else if !spec.range.contains(ip) {
                    Some(format!("is outside the reserved range {}", spec.range))
                } else {
                    None
                };
                if let Some(why) = why {
                    return Err(at(Error::usage(format!(
                        "\"ip\" {ip} {why} of network {}; choose one inside the range",
                        spec.name
                    ))));
                }
            }
        }
        tenants.push(input);
    }
    Ok(tenants)
}

impl FleetNet {
    /// `aux_addresses` as `HOST=IP` items.
    fn aux(&self) -> Vec<String> {
        self.aux_addresses.iter().map(|(h, ip)| format!("{h}={ip}")).collect()
    }

    /// The network as `net create` takes it, without a parent.
    fn input<'a>(&'a self, aux: &'a [String]) -> NetInput<'a> {
        NetInput {
            name: &self.name,
            driver: self.driver,
            parent: "",
            subnet: &self.subnet,
            gateway: &self.gateway,
            ip_range: &self.ip_range,
            mode: self.mode.as_deref(),
            aux,
            vlan: self.vlan,
            v6: None,
        }
    }
}

/// A network error in the file's words: `ip_range`, not `--ip-range`.
fn fleet_words(msg: &str) -> String {
    let msg = msg.replace("--slice", "\"slices\"").replace("--hosts", "\"hosts\"");
    ["subnet", "gateway", "ip-range", "parent", "mode", "aux-address", "vlan", "driver"]
        .iter()
        .fold(msg, |m, f| m.replace(&format!("--{f}"), &format!("\"{}\"", f.replace('-', "_"))))
}

#[derive(Default)]
struct Tally {
    created: Vec<String>,
    updated: Vec<String>,
    started: Vec<String>,
    removed: Vec<String>,
    unchanged: Vec<String>,
    failed: Vec<(String, String)>,
    /// How many of `failed` are refusals (`Outcome::refused`).
    refused: usize,
}

impl Tally {
    fn record(&mut self, out: Outcome) {
        match out.what {
            What::Created => self.created.push(out.name),
            What::Started => self.started.push(out.name),
            What::Updated => self.updated.push(out.name),
            What::Unchanged => self.unchanged.push(out.name),
            What::Failed => {
                self.refused += usize::from(out.refused);
                self.failed.push((out.name, out.error.unwrap_or_default()))
            }
        }
    }
}

pub fn apply(ctx: &Ctx, a: &ApplyInput) -> Result<()> {
    let FleetInput { nets, tenants, .. } = &a.fleet;
    let mut said = std::collections::BTreeSet::new();
    for w in tenants.iter().flat_map(|t| &t.warnings) {
        if said.insert(w) {
            ctx.note(format!("warning: {w}"));
        }
    }
    let _lock = ctx.lock()?;
    // Networks of the file, and lanctl networks already on the host, by name: every
    // tenant's network must be one of them before anything is created. When each tenant
    // names its network, those networks are read with the tenants, at once; otherwise the
    // host's lanctl networks are listed, and each network's tenants read in turn.
    let named = first_reads::named(ctx, nets, tenants)?;
    let seen = match &named {
        Some(n) => n.managed(),
        None => state::lanctl_networks(ctx)?,
    };
    let mut known: BTreeMap<String, NetSpec> =
        seen.iter().filter_map(NetSpec::from_network).map(|s| (s.name.clone(), s)).collect();
    for spec in nets {
        known.insert(spec.name.clone(), spec.clone());
    }
    let only = (known.len() == 1).then(|| known.keys().next().cloned()).flatten();
    let mut by_net: BTreeMap<String, Vec<&TenantInput>> = BTreeMap::new();
    for t in tenants {
        let net = match t.net.clone().or_else(|| only.clone()) {
            Some(n) if known.contains_key(&n) => n,
            Some(n) => {
                return Err(Error::usage(format!(
                    "{}: tenant {}: network {n} is neither in the file nor on the host; add it to \"networks\"",
                    "fleet file", t.name
                )))
            }
            None => {
                return Err(Error::usage(format!(
                    "fleet file: tenant {}: there are several networks, so give the tenant a \"net\"",
                    t.name
                )))
            }
        };
        by_net.entry(net).or_default().push(t);
    }
    let mut tally = Tally::default();
    for spec in nets {
        if let provision::Ensured::Created { route } = provision::ensure_seen(ctx, spec, &seen)? {
            tally.created.push(format!("network {}", spec.name));
            if let Some(r) = route {
                ctx.note(provision::route_note(spec, &r));
            }
        }
    }
    for (net, wants) in &by_net {
        let read_before = named.as_ref().and_then(|n| Some((n, n.network(net)?)));
        let (spec, pool, existing) =
            if ctx.dry_run() && nets.iter().any(|n| &n.name == net) && !on_host(ctx, named.as_ref(), net)? {
                // A network this dry run would create has no containers yet.
                let spec = known[net].clone();
                (spec.clone(), crate::state::pool::Pool::of(&spec, &[], &[]), Vec::new())
            } else if let Some((n, (spec, network))) = read_before {
                converge::read_seen(ctx, spec, &network, wants, &n.lines, &n.found)?
            } else {
                // A network created just now, or the host's networks were listed.
                converge::read(ctx, Some(net), wants, converge::Expect::Existing)?
            };
        let batch = Launch { net: &spec, pool, wants, existing: &existing, opts: &a.opts, policy: Existing::Update };
        for out in converge(ctx, batch)? {
            if out.what == What::Updated {
                let t = wants.iter().find(|t| t.name == out.name);
                let c = existing.iter().find(|c| c.name() == out.name);
                if let (Some(t), Some(c)) = (t, c) {
                    let verb = if ctx.dry_run() { "would be updated" } else { "updated" };
                    ctx.note(format!("{} {verb}: {}", out.name, drift(t, c).join("; ")));
                }
            }
            tally.record(out);
        }
    }
    if a.prune {
        let keep: Vec<&str> = tenants.iter().map(|t| t.name.as_str()).collect();
        prune(ctx, nets, &keep, &mut tally)?;
    }
    summary(ctx, &tally)
}

/// How a tenant's container differs from the file, as `converge` compares them: a secret
/// the environment lacks keeps its current value, so it is no difference.
fn drift(t: &TenantInput, c: &Container) -> Vec<String> {
    TenantSpec::of_container(c).unwrap_or_default().differences(&converge::wanted(t, c).0)
}

/// Whether a network called `net` is on the host, from the reads already made if they
/// asked for it.
fn on_host(ctx: &Ctx, named: Option<&first_reads::Named>, net: &str) -> Result<bool> {
    match named {
        Some(n) => Ok(n.on_host(net)),
        None => Ok(state::find_network(ctx, net)?.is_some()),
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
    remove(ctx, &gone, None)?;
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
    let msg =
        format!("{} of the fleet's tenants failed: {}; fix what is said above and apply again", names.len(), names.join(" "));
    // Refusals alone are the file's to fix (exit 2, as `up` refuses); any other failure
    // among them is exit 1.
    Err(if t.refused == t.failed.len() { Error::usage(msg) } else { Error::failed(msg) })
}

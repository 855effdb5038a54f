//! `lanctl up`: tenants with the lowest free addresses of the range, or a given one.
//! Addresses for the whole batch are chosen up front under the lock; then the
//! `docker run`s go concurrently, each failure cleaned up on its own.

use std::io::IsTerminal;
use std::net::Ipv4Addr;
use std::sync::Mutex;

use serde::Serialize;

use crate::arping::Prober;
use crate::cli::UpArgs;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::lock::Lock;
use crate::model::Container;
use crate::netspec::NetSpec;
use crate::pool::Pool;
use crate::state;
use crate::tenant::run::{docker_run, Tenant};
use crate::tenant::spec::{check_name, up_request, TenantSpec, UpRequest};
use crate::tenant::{is_tenant, load_network, process_env, remove_orphan};

/// How often a start that lost its address to another tool is retried with the next one.
const ADDRESS_RETRIES: usize = 5;

#[derive(Clone, Debug, Serialize)]
pub struct UpOut {
    pub name: String,
    pub network: String,
    pub address: Option<Ipv4Addr>,
    pub state: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The names asked for: listed, or `--count N --prefix P`.
pub fn names_of(a: &UpArgs) -> Result<Vec<String>> {
    let names: Vec<String> = match (a.count, &a.prefix) {
        (Some(0), _) => return Err(Error::usage("--count 0 starts nothing; give 1 or more")),
        (Some(n), Some(p)) => (1..=n).map(|i| format!("{p}{i}")).collect(),
        _ => a.names.clone(),
    };
    for (i, n) in names.iter().enumerate() {
        check_name(n)?;
        if names[..i].contains(n) {
            return Err(Error::usage(format!("tenant {n} is named twice; name each tenant once")));
        }
    }
    if a.ip.is_some() && names.len() > 1 {
        return Err(Error::usage("--ip gives one address; use it with one tenant name"));
    }
    Ok(names)
}

/// The default number of concurrent `docker run`s: the daemon does the work, so a
/// little more than the cores, but not so many that it thrashes.
pub fn default_parallel() -> usize {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    (cores * 2).clamp(2, 8)
}

pub fn up(ctx: &Ctx, a: &UpArgs) -> Result<()> {
    let names = names_of(a)?;
    if a.parallel == Some(0) {
        return Err(Error::usage("--parallel 0 runs nothing; give 1 or more"));
    }
    let req = up_request(a, &process_env)?;
    for w in &req.warnings {
        ctx.note(format!("warning: {w}"));
    }
    // Choosing addresses and starting the containers that take them is one step for
    // every lanctl on this host.
    let _lock = if ctx.dry_run() { None } else { Some(Lock::acquire()?) };
    let (loaded, existing) = std::thread::scope(|s| {
        let existing = s.spawn(|| state::containers_named(ctx, &names));
        (load_network(ctx, req.net.as_deref()), existing.join().expect("query thread"))
    });
    let (net, pool) = loaded?;
    let existing = existing?;
    let mut results: Vec<Option<UpOut>> = vec![None; names.len()];
    let mut fresh = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match existing.iter().find(|c| c.name() == name) {
            Some(c) => results[i] = Some(already_there(ctx, &req, &net, name, c)?),
            None => fresh.push(i),
        }
    }
    if !fresh.is_empty() {
        let wants: Vec<(String, &UpRequest)> = fresh.iter().map(|&i| (names[i].clone(), &req)).collect();
        let opts = BatchOpts {
            no_probe: a.no_probe,
            parallel: a.parallel.unwrap_or_else(default_parallel),
            pull: a.env.pull.as_deref(),
        };
        for (k, out) in start_batch(ctx, &net, pool, &wants, &opts)?.into_iter().enumerate() {
            results[fresh[k]] = Some(out);
        }
    }
    let results: Vec<UpOut> = results.into_iter().map(|r| r.expect("every name has a result")).collect();
    report(ctx, &results)
}

fn failed(name: &str, network: &str, address: Option<Ipv4Addr>, error: String) -> UpOut {
    UpOut { name: name.to_string(), network: network.to_string(), address, state: "failed".to_string(), error: Some(error) }
}

fn check_explicit(ctx: &Ctx, pool: &Pool, prober: Option<&Prober>, net: &NetSpec, ip: Ipv4Addr) -> Result<()> {
    if let Some(why) = pool.refuse(ip) {
        return Err(Error::usage(format!("--ip {why}; choose another address, or leave --ip out to take the next free one")));
    }
    if let Some(mac) = prober.map(|p| p.answer(ctx, ip)).transpose()?.flatten() {
        return Err(Error::failed(format!(
            "--ip {ip} is already used on the LAN by {mac} (it answered arping on {}); choose another address",
            net.parent
        )));
    }
    Ok(())
}

/// Up to `n` of the lowest free addresses of the range that no LAN device answers for,
/// lowest first (fewer when the range runs out). Candidates are probed all at once, so a
/// batch waits about one probe, not one per tenant.
pub fn free_addresses(ctx: &Ctx, pool: &mut Pool, prober: Option<&Prober>, n: usize) -> Result<Vec<Ipv4Addr>> {
    let mut chosen: Vec<Ipv4Addr> = Vec::new();
    loop {
        let candidates: Vec<Ipv4Addr> = pool.free().filter(|ip| !chosen.contains(ip)).take(n - chosen.len()).collect();
        if candidates.is_empty() {
            return Ok(chosen);
        }
        let Some(p) = prober else {
            chosen.extend(candidates);
            return Ok(chosen);
        };
        let answers: Vec<Result<Option<String>>> = std::thread::scope(|s| {
            let probes: Vec<_> = candidates.iter().map(|&ip| s.spawn(move || p.answer(ctx, ip))).collect();
            probes.into_iter().map(|h| h.join().expect("probe thread")).collect()
        });
        for (ip, answer) in candidates.into_iter().zip(answers) {
            match answer? {
                None => chosen.push(ip),
                Some(mac) => {
                    ctx.note(format!("skipping {ip}: a LAN device ({mac}) already uses it"));
                    pool.take_lan(ip, &mac);
                }
            }
        }
        chosen.sort();
        if chosen.len() == n {
            return Ok(chosen);
        }
    }
}

pub struct BatchOpts<'a> {
    pub no_probe: bool,
    pub parallel: usize,
    pub pull: Option<&'a str>,
}

/// Starts new tenants on one network: addresses for all of them first (an explicit one
/// is checked; the others take the lowest free ones), then the `docker run`s, several
/// at once. Results come back in the order of `wants`; one failure does not stop the rest.
pub fn start_batch(
    ctx: &Ctx,
    net: &NetSpec,
    mut pool: Pool,
    wants: &[(String, &UpRequest)],
    opts: &BatchOpts,
) -> Result<Vec<UpOut>> {
    let prober = Prober::new(ctx, &net.parent, opts.no_probe);
    let mut results: Vec<Option<UpOut>> = vec![None; wants.len()];
    let mut planned = Vec::new();
    let auto = wants.iter().filter(|(_, r)| r.ip.is_none()).count();
    let mut free = free_addresses(ctx, &mut pool, prober.as_ref(), auto)?.into_iter();
    for (i, (name, req)) in wants.iter().enumerate() {
        let ip = match req.ip {
            Some(ip) => check_explicit(ctx, &pool, prober.as_ref(), net, ip).map(|_| ip),
            None => free.next().ok_or_else(|| Error::failed(pool.exhausted())),
        };
        match ip {
            Ok(ip) => {
                pool.take(ip, name);
                planned.push((i, ip));
            }
            Err(e) => results[i] = Some(failed(name, &net.name, None, e.to_string())),
        }
    }
    let starter = Starter { ctx, wants, net, pull: opts.pull, pool: Mutex::new(pool) };
    for (i, out) in starter.start_all(&planned, opts.parallel) {
        results[i] = Some(out);
    }
    Ok(results.into_iter().map(|r| r.expect("every tenant has a result")).collect())
}

/// Starts planned tenants, several at once, each with its own cleanup and retries.
struct Starter<'a> {
    ctx: &'a Ctx,
    wants: &'a [(String, &'a UpRequest)],
    net: &'a NetSpec,
    pull: Option<&'a str>,
    pool: Mutex<Pool>,
}

impl Starter<'_> {
    fn start_all(&self, planned: &[(usize, Ipv4Addr)], parallel: usize) -> Vec<(usize, UpOut)> {
        // A dry run prints the lines in order; there is nothing to wait for.
        let workers = if self.ctx.dry_run() { 1 } else { parallel.min(planned.len()).max(1) };
        let queue = Mutex::new(planned.iter());
        let done = Mutex::new(Vec::new());
        let progress = std::io::stderr().is_terminal() && planned.len() > 1 && !self.ctx.dry_run();
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let Some(&(i, ip)) = queue.lock().expect("queue lock").next() else { break };
                    let (name, req) = &self.wants[i];
                    let out = self.start(name, req, ip);
                    let mut done = done.lock().expect("results lock");
                    done.push((i, out));
                    if progress {
                        let last = &done[done.len() - 1].1;
                        let what = last.address.map(|a| a.to_string()).unwrap_or_default();
                        eprintln!("lanctl: [{}/{}] {} {} {what}", done.len(), planned.len(), last.name, last.state);
                    }
                });
            }
        });
        done.into_inner().expect("results lock")
    }

    fn start(&self, name: &str, req: &UpRequest, mut ip: Ipv4Addr) -> UpOut {
        let ctx = self.ctx;
        let mut attempt = 0;
        loop {
            let t = Tenant { name, network: &self.net.name, ip, spec: &req.spec, secrets: &req.secrets, pull: self.pull };
            let e = match ctx.runner.change(&docker_run(&ctx.docker, &t)) {
                Ok(_) => {
                    let state = if ctx.dry_run() { "planned" } else { "running" };
                    return UpOut {
                        name: name.into(),
                        network: self.net.name.clone(),
                        address: Some(ip),
                        state: state.into(),
                        error: None,
                    };
                }
                Err(e) => e,
            };
            remove_orphan(ctx, name);
            attempt += 1;
            if !e.stderr().contains("Address already in use") || req.ip.is_some() || attempt > ADDRESS_RETRIES {
                return failed(name, &self.net.name, Some(ip), e.to_string());
            }
            ctx.note(format!("{ip} was taken outside lanctl meanwhile; {name} tries the next free address"));
            let mut pool = self.pool.lock().expect("pool lock");
            pool.take(ip, "taken outside lanctl");
            let next = pool.free().next();
            match next {
                Some(next) => {
                    pool.take(next, name);
                    ip = next;
                }
                None => return failed(name, &self.net.name, None, pool.exhausted()),
            }
        }
    }
}

pub fn report(ctx: &Ctx, results: &[UpOut]) -> Result<()> {
    let bad: Vec<&UpOut> = results.iter().filter(|r| r.error.is_some()).collect();
    if ctx.dry_run() {
        for r in results.iter().filter(|r| r.state == "planned") {
            if let Some(ip) = r.address {
                ctx.note(format!("{} would get {ip} on {}", r.name, r.network));
            }
        }
    } else if ctx.json {
        ctx.print_json(&results);
    } else {
        for r in results.iter().filter(|r| r.error.is_none()) {
            println!("{} {}", r.name, r.address.map(|a| a.to_string()).unwrap_or_default());
        }
    }
    match bad.as_slice() {
        [] => {
            if results.len() > 1 && !ctx.dry_run() {
                ctx.note(format!("{} tenants up", results.len()));
            }
            Ok(())
        }
        [one] if results.len() == 1 => {
            Err(Error::failed(format!("{}; the tenant {} was not created", one.error.as_deref().unwrap_or(""), one.name)))
        }
        _ => {
            for r in &bad {
                ctx.note(format!("{} failed: {}", r.name, r.error.as_deref().unwrap_or("")));
            }
            let names: Vec<&str> = bad.iter().map(|r| r.name.as_str()).collect();
            Err(Error::failed(format!(
                "{} of {} tenants failed: {}; the others are up, and `lanctl up` again retries only the failed ones",
                bad.len(),
                results.len(),
                names.join(" ")
            )))
        }
    }
}

/// Idempotency: the same spec changes nothing (a stopped tenant is started); another
/// spec is an error that points at `update`.
pub fn already_there(ctx: &Ctx, req: &UpRequest, net: &NetSpec, name: &str, c: &Container) -> Result<UpOut> {
    if !is_tenant(c) {
        return Err(Error::failed(format!(
            "a container named {name} exists and is not a lanctl tenant; choose another name or remove it with `docker rm {name}`"
        )));
    }
    let have = TenantSpec::of_container(c).unwrap_or_default();
    let mut diff = have.differences(&req.spec);
    let address = c.address_on(&net.name);
    if address.is_none() {
        diff.insert(0, format!("it is not on network {}", net.name));
    }
    if let (Some(want), Some(have)) = (req.ip, address) {
        if want != have {
            diff.push(format!("address is {have}, not {want}"));
        }
    }
    if !diff.is_empty() {
        return Err(Error::failed(format!(
            "tenant {name} exists with another spec: {}; change it with `lanctl update {name} ...` or remove it with `lanctl down {name}`",
            diff.join(", ")
        )));
    }
    let out = |state: &str| UpOut { name: name.into(), network: net.name.clone(), address, state: state.into(), error: None };
    if c.state.running {
        ctx.note(format!("tenant {name} is already up with this spec; nothing to do"));
        return Ok(out("running"));
    }
    ctx.runner.change(&ctx.docker.start(name))?;
    if ctx.dry_run() {
        return Ok(out("planned"));
    }
    ctx.note(format!("started the stopped tenant {name}"));
    Ok(out("running"))
}

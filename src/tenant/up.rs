//! `lanctl up`: one tenant with the lowest free address of the range, or a given one.

use std::net::Ipv4Addr;

use serde::Serialize;

use crate::cli::UpArgs;
use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::arping::Prober;
use crate::lock::Lock;
use crate::model::Container;
use crate::netspec::NetSpec;
use crate::pool::Pool;
use crate::tenant::run::{docker_run, Tenant};
use crate::tenant::spec::{up_request, TenantSpec, UpRequest};
use crate::tenant::{find_container, is_tenant, load_pool, process_env, remove_orphan, resolve_network};

/// How often a start that lost its address to another tool is retried with the next one.
const ADDRESS_RETRIES: usize = 5;

#[derive(Serialize)]
struct UpOut<'a> {
    name: &'a str,
    network: &'a str,
    address: Ipv4Addr,
    state: &'a str,
}

pub fn up(ctx: &Ctx, a: &UpArgs) -> Result<()> {
    let req = up_request(a, &process_env)?;
    for w in &req.warnings {
        ctx.note(format!("warning: {w}"));
    }
    // Choosing an address and starting the container that takes it is one step for
    // every lanctl on this host.
    let _lock = if ctx.dry_run() { None } else { Some(Lock::acquire()?) };
    let net = resolve_network(ctx, req.net.as_deref())?;
    if let Some(existing) = find_container(ctx, &req.name)? {
        return already_there(ctx, &req, &net, &existing);
    }
    let mut pool = load_pool(ctx, &net)?;
    let prober = Prober::new(ctx, &net.parent, a.no_probe);
    if let Some(ip) = req.ip {
        if let Some(why) = pool.refuse(ip) {
            return Err(Error::usage(format!("--ip {why}; choose another address, or leave --ip out to take the next free one")));
        }
        if let Some(mac) = prober.as_ref().map(|p| p.answer(ctx, ip)).transpose()?.flatten() {
            return Err(Error::failed(format!(
                "--ip {ip} is already used on the LAN by {mac} (it answered arping on {}); choose another address",
                net.parent
            )));
        }
    }
    let mut attempt = 0;
    loop {
        let ip = match req.ip {
            Some(ip) => ip,
            None => next_free(ctx, &mut pool, prober.as_ref())?,
        };
        let run = docker_run(&ctx.docker, &Tenant { name: &req.name, network: &net.name, ip, spec: &req.spec, secrets: &req.secrets, pull: a.env.pull.as_deref() });
        match ctx.runner.change(&run) {
            Ok(_) => return report(ctx, &req.name, &net.name, ip, if ctx.dry_run() { "planned" } else { "running" }),
            Err(e) => {
                remove_orphan(ctx, &req.name);
                let lost_address = e.stderr().contains("Address already in use");
                attempt += 1;
                if !lost_address || req.ip.is_some() || attempt > ADDRESS_RETRIES {
                    return Err(e.hint(format!("the tenant {} was not created", req.name)));
                }
                ctx.note(format!("{ip} was taken outside lanctl meanwhile; trying the next free address"));
                pool.take(ip, "taken outside lanctl");
            }
        }
    }
}

/// The lowest free address of the range that no LAN device answers for.
pub fn next_free(ctx: &Ctx, pool: &mut Pool, prober: Option<&Prober>) -> Result<Ipv4Addr> {
    loop {
        let ip = pool.free().next().ok_or_else(|| Error::failed(pool.exhausted()))?;
        match prober.map(|p| p.answer(ctx, ip)).transpose()?.flatten() {
            None => return Ok(ip),
            Some(mac) => {
                ctx.note(format!("skipping {ip}: a LAN device ({mac}) already uses it"));
                pool.take_lan(ip, &mac);
            }
        }
    }
}

fn report(ctx: &Ctx, name: &str, network: &str, address: Ipv4Addr, state: &str) -> Result<()> {
    if ctx.dry_run() {
        ctx.note(format!("{name} would get {address} on {network}"));
    } else if ctx.json {
        ctx.print_json(&UpOut { name, network, address, state });
    } else {
        println!("{name} {address}");
    }
    Ok(())
}

/// Idempotency: the same spec changes nothing (a stopped tenant is started); another
/// spec is an error that points at `update`.
fn already_there(ctx: &Ctx, req: &UpRequest, net: &NetSpec, c: &Container) -> Result<()> {
    let name = &req.name;
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
    let ip = address.expect("checked above");
    if c.state.running {
        ctx.note(format!("tenant {name} is already up with this spec; nothing to do"));
        return report(ctx, name, &net.name, ip, "running");
    }
    ctx.runner.change(&ctx.docker.start(name))?;
    if !ctx.dry_run() {
        ctx.note(format!("started the stopped tenant {name}"));
    }
    report(ctx, name, &net.name, ip, if ctx.dry_run() { "planned" } else { "running" })
}

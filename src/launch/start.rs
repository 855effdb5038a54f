//! Starting new tenants on one network: addresses for the whole batch are chosen up front
//! (pinned ones reserved first, then the lowest free ones), the whole batch is refused
//! before any change when it does not fit, and then the `docker run`s go concurrently,
//! each failure cleaned up on its own.

use crate::exec::at_once;
use std::io::IsTerminal;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::engine::netspec::{Driver, NetSpec};
use crate::exec::error::{Error, Result};
use crate::exec::plan::{Action, Plan};
use crate::lan::prober::Prober;
use crate::launch::announce::{announce, announcing};
use crate::launch::batch::{pinned, Pinning, PIN_API};
use crate::launch::batch::{BatchOpts, Outcome, What};
use crate::launch::docker_run::{docker_run, docker_run_passing, Tenant};
use crate::launch::draft::TenantInput;
use crate::launch::overlap::Overlap;
use crate::launch::remove_orphan;
use crate::launch::run_error::describe;
use crate::state::pool::Pool;
use crate::target::ctx::Ctx;

/// How often a start that lost its address to another tool is retried with the next one.
const ADDRESS_RETRIES: usize = 5;

/// Why a pinned address cannot be used: outside the subnet, a reserved or held address
/// (exit 2, bad input), or outside the reserved range without `--outside-range` (exit 2).
/// Whether the LAN answers for it is [`probe_pinned`]'s, for the whole batch at once.
fn check_pinned(pool: &Pool, net: &NetSpec, t: &TenantInput, ip: IpAddr) -> Result<()> {
    if let Some(why) = pool.refuse(ip) {
        return Err(Error::usage(format!("--ip {why}; choose another address, or leave --ip out to take the next free one")));
    }
    if !t.outside_range && !net.range.contains(ip) {
        return Err(Error::usage(format!(
            "--ip {ip} is outside the reserved range {} of network {}, where the DHCP server may hand it out; \
             choose one inside the range, or pass --outside-range if you know it is free",
            net.range, net.name
        )));
    }
    Ok(())
}

/// Refuses the batch when a LAN device answers for an address a tenant pins, either
/// family (exit 2, naming the tenant and the device). Every pinned address is probed in
/// one window, so a fleet that pins all its addresses (as a file mirroring a Compose
/// project does) waits one probe, not one per tenant (issue 26: 32 of them took 8.3 s).
/// IPv6 claims are told first, as they were checked first.
fn probe_pinned(ctx: &Ctx, prober: Option<&Prober>, net: &NetSpec, wants: &[&TenantInput]) -> Result<()> {
    let Some(prober) = prober else { return Ok(()) };
    let pinned: Vec<(&str, IpAddr)> =
        wants.iter().flat_map(|t| t.ip6.into_iter().chain(t.ip).map(move |ip| (t.name.as_str(), ip))).collect();
    let ips: Vec<IpAddr> = pinned.iter().map(|&(_, ip)| ip).collect();
    let answers = prober.answers(ctx, &ips)?;
    let mut claims: Vec<(&str, IpAddr, String)> =
        pinned.into_iter().zip(answers).filter_map(|((name, ip), mac)| Some((name, ip, mac?))).collect();
    claims.sort_by_key(|(_, ip, _)| ip.is_ipv4());
    let Some((name, ip, mac)) = claims.into_iter().next() else { return Ok(()) };
    let probe = if ip.is_ipv4() { "ARP" } else { "NDP" };
    Err(Error::usage(format!(
        "{name}: --ip {ip} is already used on the LAN by {mac} (it answered the {probe} probe on {}); choose another address",
        net.parent
    )))
}

/// Why a tenant's IPv6 wishes cannot be met on `net`: an IPv6 `--ip`, `--ip6-env`,
/// `--slaac` or a preset's `{ip6}` on an IPv4-only network (exit 2), or a pinned IPv6 address held, outside the
/// subnet, or outside the reserved IPv6 range without `--outside-range` (exit 2). The LAN
/// is asked about it by [`probe_pinned`].
fn check_v6(pool: &Pool, net: &NetSpec, t: &TenantInput) -> Result<()> {
    let Some(v6) = &net.v6 else {
        let asked = match (t.ip6, t.spec.ip6_env.iter().next(), t.spec.slaac) {
            (Some(ip), ..) => format!("--ip {ip} is IPv6"),
            (None, Some(k), _) => format!("--ip6-env {k} asks for an IPv6 address"),
            (None, None, true) => "--slaac asks for IPv6".to_string(),
            (None, None, false) => match t.spec.ip6_placeholder() {
                Some(held) => return Err(Error::usage(crate::launch::spec::ipv4_only(&held, &net.name))),
                None => return Ok(()),
            },
        };
        return Err(Error::usage(format!(
            "{asked}, but network {} is IPv4-only; leave it out, or use a dual-stack network (`lanctl net create` with an IPv6 --subnet)",
            net.name
        )));
    };
    let Some(ip) = t.ip6 else { return Ok(()) };
    if let Some(why) = pool.refuse(ip) {
        return Err(Error::usage(format!(
            "--ip {why}; choose another address, or leave the IPv6 --ip out to take the next free one"
        )));
    }
    if !t.outside_range && !v6.range.contains(ip) {
        return Err(Error::usage(format!(
            "--ip {ip} is outside the reserved IPv6 range {} of network {}; choose one inside the range, or pass \
             --outside-range if you know it is free",
            v6.range, net.name
        )));
    }
    Ok(())
}

/// The IPv6 address of each of `wants` on a dual-stack network (`None` on an IPv4-only
/// one): a pinned one (already checked and taken in `pool`), else the lowest free of the
/// IPv6 range, never one a container holds, running or stopped, nor (with `prober`) one a
/// LAN device answers the NDP probe for; overlapped with the creates, the probe is
/// `overlap`'s. Refused whole, before any change, when the range runs out.
fn plan6(
    ctx: &Ctx,
    net: &NetSpec,
    pool: &mut Pool,
    wants: &[&TenantInput],
    prober: Option<&Prober>,
) -> Result<Vec<Option<IpAddr>>> {
    let Some(v6) = &net.v6 else { return Ok(vec![None; wants.len()]) };
    let auto = wants.iter().filter(|t| t.ip6.is_none()).count();
    let mut free: Vec<IpAddr> = Vec::with_capacity(auto);
    loop {
        let candidates: Vec<IpAddr> = pool.free6().filter(|ip| !free.contains(ip)).take(auto - free.len()).collect();
        let Some(p) = prober.filter(|_| !candidates.is_empty()) else {
            free.extend(candidates);
            break;
        };
        for (ip, answer) in candidates.iter().zip(p.answers(ctx, &candidates)?) {
            match answer {
                None => free.push(*ip),
                Some(mac) => {
                    ctx.note(format!("skipping {ip}: a LAN device ({mac}) already uses it"));
                    pool.take_lan(*ip, &mac);
                }
            }
        }
        if free.len() == auto {
            break;
        }
    }
    if free.len() < auto {
        return Err(Error::usage(format!(
            "{auto} new tenants need IPv6 addresses but network {} has {} free in its IPv6 range {}; start at most {}, \
             or remove tenants with `lanctl down`",
            net.name,
            free.len(),
            v6.range,
            free.len()
        )));
    }
    free.sort();
    free.reverse();
    let mut out = Vec::with_capacity(wants.len());
    for t in wants {
        let ip = t.ip6.or_else(|| free.pop()).expect("counted above");
        pool.take(ip, &t.name);
        out.push(Some(ip));
    }
    Ok(out)
}

/// Why a MAC given with `--mac` cannot be used: ipvlan tenants share the parent's MAC, and
/// a MAC another container of the network has would take its frames (exit 2 either way).
fn check_mac(net: &NetSpec, pool: &Pool, t: &TenantInput, pin: &Pinning) -> Result<()> {
    let Some(mac) = &t.spec.mac else { return Ok(()) };
    if net.driver == Driver::Ipvlan {
        return Err(Error::usage(format!(
            "--mac {mac}: network {} is ipvlan, whose tenants all use the MAC of {}; leave --mac out",
            net.name, net.parent
        )));
    }
    if let Pinning::Unsupported(api) = pin {
        return Err(Error::check(format!(
            "--mac {mac} needs a docker engine with API {PIN_API} or later (Docker 25); this one speaks {api}"
        ))
        .hint(
            "leave --mac out: this engine gives a macvlan container a MAC derived from its address, the same on every recreate",
        ));
    }
    match pool.macs.get(mac) {
        Some(holder) if *holder != t.name => Err(Error::usage(format!(
            "--mac {mac} is already used on network {} by {holder}; choose another MAC, or leave --mac out for one derived from the address",
            net.name
        ))),
        _ => Ok(()),
    }
}

/// Up to `n` of the lowest free addresses of the range that no LAN device answers for,
/// lowest first (fewer when the range runs out). Candidates are probed all at once, so a
/// batch waits about one probe, not one per tenant.
pub fn free_addresses(ctx: &Ctx, pool: &mut Pool, prober: Option<&Prober>, n: usize) -> Result<Vec<IpAddr>> {
    let mut chosen: Vec<IpAddr> = Vec::new();
    loop {
        let candidates: Vec<IpAddr> = pool.free().filter(|ip| !chosen.contains(ip)).take(n - chosen.len()).collect();
        if candidates.is_empty() {
            return Ok(chosen);
        }
        let Some(p) = prober else {
            chosen.extend(candidates);
            return Ok(chosen);
        };
        let answers = p.answers(ctx, &candidates)?;
        for (ip, answer) in candidates.into_iter().zip(answers) {
            match answer {
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

/// The addresses of a batch, in the order of `wants`. Everything is checked before the
/// first change: a pinned address that cannot be used, or more tenants than free
/// addresses, refuses the whole batch.
fn plan(
    ctx: &Ctx,
    net: &NetSpec,
    pool: &mut Pool,
    wants: &[&TenantInput],
    prober: Option<&Prober>,
    pin: &Pinning,
    overlap: bool,
) -> Result<Vec<IpAddr>> {
    for t in wants {
        check_mac(net, pool, t, pin).map_err(|e| Error { msg: format!("{}: {}", t.name, e.msg), ..e })?;
        check_v6(pool, net, t).map_err(|e| Error { msg: format!("{}: {}", t.name, e.msg), ..e })?;
        if let Some(ip6) = t.ip6 {
            pool.take(ip6, &t.name);
        }
    }
    // Pinned addresses first, so an automatic pick can never take one.
    for t in wants {
        if let Some(ip) = t.ip {
            check_pinned(pool, net, t, ip).map_err(|e| Error { msg: format!("{}: {}", t.name, e.msg), ..e })?;
            pool.take(ip, &t.name);
        }
    }
    probe_pinned(ctx, prober, net, wants)?;
    let auto = wants.iter().filter(|t| t.ip.is_none()).count();
    let free = pool.free_count() as usize;
    if free == 0 && auto > 0 {
        return Err(Error::failed(pool.exhausted()));
    }
    if auto > free {
        return Err(Error::usage(format!(
            "{auto} new tenants need addresses but network {} has {free} free in its range {}; start at most {free}, \
             or remove tenants with `lanctl down`",
            net.name, net.range
        )));
    }
    // Overlapped, the automatic picks are probed while docker creates their containers.
    let mut free = free_addresses(ctx, pool, if overlap { None } else { prober }, auto)?.into_iter();
    // A MAC that a LAN device answered the probe from is that device's.
    for t in wants {
        let Some(mac) = &t.spec.mac else { continue };
        let on_lan = pool.held.iter().find(|(_, h)| matches!(h, crate::state::pool::Holder::Lan { mac: m } if m == mac));
        if let Some((ip, _)) = on_lan {
            return Err(Error::usage(format!(
                "{}: --mac {mac} is a LAN device's (it answered the ARP probe for {ip} on {}); choose another MAC, or leave --mac out",
                t.name, net.parent
            )));
        }
    }
    let mut out = Vec::with_capacity(wants.len());
    for t in wants {
        match t.ip {
            Some(ip) => out.push(ip),
            None => {
                let ip = free.next().ok_or_else(|| Error::failed(pool.exhausted()))?;
                pool.take(ip, &t.name);
                out.push(ip);
            }
        }
    }
    Ok(out)
}

/// Starts new tenants on one network. Results come back in the order of `wants`; once
/// the plan holds, one failure does not stop the rest.
pub fn start_batch(ctx: &Ctx, net: &NetSpec, mut pool: Pool, wants: &[&TenantInput], opts: &BatchOpts) -> Result<Vec<Outcome>> {
    let prober = Prober::new(ctx, &net.parent, opts.no_probe)?;
    let pin = Pinning::of(ctx, net)?;
    let overlap = prober.as_ref().filter(|p| p.is_native());
    let addresses = plan(ctx, net, &mut pool, wants, prober.as_ref(), &pin, overlap.is_some())?;
    // Each tenant with the IPv6 address it takes, where the network has an IPv6 part.
    let ip6s = plan6(ctx, net, &mut pool, wants, if overlap.is_some() { None } else { prober.as_ref() })?;
    // The automatic IPv6 addresses the overlapped probe asks about (pinned ones were probed).
    let auto6: Vec<bool> = wants.iter().map(|t| net.v6.is_some() && t.ip6.is_none()).collect();
    let with6: Vec<TenantInput> = wants.iter().zip(&ip6s).map(|(t, &ip6)| TenantInput { ip6, ..(*t).clone() }).collect();
    let with6: Vec<&TenantInput> = with6.iter().collect();
    let wants = with6.as_slice();
    let planned: Vec<(usize, IpAddr)> = addresses.into_iter().enumerate().collect();
    let pull = opts.pull.as_deref();
    let done = match overlap {
        Some(prober) => {
            let (six, parallel) = (Mutex::new(ip6s), opts.parallel);
            let o = Overlap { ctx, wants, net, pull, pool: Mutex::new(pool), pin: &pin, prober, parallel, six, auto6 };
            o.start_all(&planned)
        }
        None => Starter { ctx, wants, net, pull, pool: Mutex::new(pool), pin: pin.clone() }.start_all(&planned, opts.parallel),
    };
    let mut results: Vec<Option<Outcome>> = vec![None; wants.len()];
    for (i, out) in done {
        results[i] = Some(out);
    }
    let results: Vec<Outcome> = results.into_iter().map(|r| r.expect("every tenant has a result")).collect();
    let started: Vec<&Outcome> = results.iter().filter(|r| r.what == What::Created).collect();
    let names: Vec<&str> = started.iter().map(|r| r.name.as_str()).collect();
    match known_macs(&pin, net, wants, &started) {
        // The MACs are known without asking docker: no read after the start.
        Some(tenants) if announcing(ctx, &names) => crate::lan::prober::announce(ctx, &net.parent, &tenants),
        Some(_) => {}
        None => announce(ctx, net, &names),
    }
    Ok(results)
}

/// The MACs tenants just started on `net` have, where lanctl knows them without a read: the
/// pinned one (given with `--mac`, else derived), or, on an engine too old to pin, the one
/// such an engine derives from the address (`02:42` and its four octets). ipvlan tenants
/// are read, since their MAC is the parent's. A dual-stack tenant's IPv6 address is at
/// the same MAC.
fn known_macs(
    pin: &Pinning,
    net: &NetSpec,
    wants: &[&TenantInput],
    started: &[&Outcome],
) -> Option<Vec<(IpAddr, crate::lan::arp::Mac)>> {
    started
        .iter()
        .map(|r| {
            let ip = r.address?;
            let mac = match pin {
                Pinning::Pin => {
                    let given = wants.iter().find(|t| t.name == r.name).and_then(|t| t.spec.mac.as_deref());
                    match given {
                        Some(m) => m.parse().ok()?,
                        None => crate::lan::arp::derived_mac(&net.name, ip),
                    }
                }
                Pinning::Unsupported(_) => {
                    // Docker's own derivation, which is IPv4's.
                    let [a, b, c, d] = crate::engine::range::v4_of(ip)?.octets();
                    crate::lan::arp::Mac([0x02, 0x42, a, b, c, d])
                }
                Pinning::Shared => return None,
            };
            Some(std::iter::once((ip, mac)).chain(r.address6.map(|a| (a, mac))))
        })
        .collect::<Option<Vec<_>>>()
        .map(|each| each.into_iter().flatten().collect())
}

/// Starts planned tenants, several at once, each with its own cleanup and retries.
struct Starter<'a> {
    ctx: &'a Ctx,
    wants: &'a [&'a TenantInput],
    net: &'a NetSpec,
    pull: Option<&'a str>,
    pool: Mutex<Pool>,
    pin: Pinning,
}

impl Starter<'_> {
    fn start_all(&self, planned: &[(usize, IpAddr)], parallel: usize) -> Vec<(usize, Outcome)> {
        // A dry run prints the lines in order; there is nothing to wait for.
        let workers = if self.ctx.dry_run() { 1 } else { parallel.min(planned.len()).max(1) };
        let progress = std::io::stderr().is_terminal() && planned.len() > 1 && !self.ctx.dry_run();
        // How many have finished, counted under a lock so that each note has its own number.
        let finished = Mutex::new(0);
        at_once::pooled(planned, workers, |&(i, ip)| {
            let out = self.start(self.wants[i], ip);
            if progress {
                let mut n = finished.lock().unwrap_or_else(|p| p.into_inner());
                *n += 1;
                let what = out.address.map(|a| a.to_string()).unwrap_or_default();
                self.ctx.note(format!("[{}/{}] {} {} {what}", *n, planned.len(), out.name, out.state));
            }
            (i, out)
        })
    }

    fn start(&self, t: &TenantInput, mut ip: IpAddr) -> Outcome {
        let ctx = self.ctx;
        let name = t.name.as_str();
        let mut attempt = 0;
        loop {
            let spec = pinned(&t.spec, self.net, ip, &self.pin);
            let run = Tenant::of(t, &self.net.name, ip, &spec, self.pull);
            let e = match start_plan(ctx, t, &run) {
                Ok(()) => return Outcome::done(ctx, name, &self.net.name, Some(ip), What::Created).and6(t.ip6),
                Err(e) => e,
            };
            remove_orphan(ctx, name);
            attempt += 1;
            if !e.stderr().contains("Address already in use") || t.ip.is_some() || attempt > ADDRESS_RETRIES {
                return Outcome::failed(name, &self.net.name, Some(ip), describe(&e, "it was not created"));
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
                None => return Outcome::failed(name, &self.net.name, None, pool.exhausted()),
            }
        }
    }
}

/// Starts one tenant: its `docker run`, alone when it passes no secret. A secret from
/// lanctl's environment reaches docker through docker's environment, so the printed plan
/// first requires each such variable: pasted into a shell without it, the plan refuses,
/// naming it, before anything is created, rather than start the tenant without it.
fn start_plan(ctx: &Ctx, t: &TenantInput, run: &Tenant) -> Result<()> {
    if t.secrets.is_empty() {
        return ctx.runner.change(&docker_run(&ctx.docker, run)).map(|_| ());
    }
    let keys: Vec<String> = t.secrets.iter().map(|(k, _)| k.clone()).collect();
    let plan = keys.iter().fold(Plan::new(), |p, k| p.then(Action::require(k)));
    plan.then(Action::Change(docker_run_passing(&ctx.docker, run, &keys))).run(&ctx.runner).map_err(|f| f.into_error())
}

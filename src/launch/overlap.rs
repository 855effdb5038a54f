//! Starting new tenants with the native LAN probe overlapped with docker's own work:
//! `docker create` of every tenant of the batch runs while one probe window asks the LAN
//! about their addresses, and `docker start` follows only for an address found clear. An
//! address a device claims costs a `docker rm` of the container made for it and a new
//! round on the next free address, probed the same way. Used only with the native probe
//! (an in-process read whose window docker's create covers); the arping fallback, a second
//! a process, probes first as before.
//!
//! A dry run takes the same path: the probe is a read and runs, the creates, removals and
//! starts are printed in the order a real run executes them, so the plan stays the run.

use crate::exec::at_once;
use std::net::IpAddr;
use std::sync::Mutex;

use crate::engine::netspec::NetSpec;
use crate::exec::error::{Error, Result};
use crate::exec::plan::{Action, Plan};
use crate::lan::prober::Prober;
use crate::launch::batch::{pinned, Pinning};
use crate::launch::batch::{Outcome, What};
use crate::launch::docker_run::{docker_create_passing, Tenant};
use crate::launch::draft::TenantInput;
use crate::launch::remove_orphan;
use crate::launch::run_error::describe;
use crate::state::pool::Pool;
use crate::target::ctx::Ctx;

/// How often a tenant whose address was taken (by a device or outside lanctl) moves on.
const ADDRESS_RETRIES: usize = 5;

pub struct Overlap<'a> {
    pub ctx: &'a Ctx,
    pub wants: &'a [&'a TenantInput],
    pub net: &'a NetSpec,
    pub pull: Option<&'a str>,
    pub pool: Mutex<Pool>,
    pub pin: &'a Pinning,
    pub prober: &'a Prober,
    pub parallel: usize,
    /// Each tenant's IPv6 address on a dual-stack network, by index into `wants`: the
    /// planned one, then the next free one when a device claims it.
    pub six: Mutex<Vec<Option<IpAddr>>>,
    /// Whose IPv6 address was chosen automatically, so this window probes it (a pinned
    /// one was probed before anything was created).
    pub auto6: Vec<bool>,
}

impl Overlap<'_> {
    /// Starts `planned` (index into `wants`, address); results in any order.
    pub fn start_all(&self, planned: &[(usize, IpAddr)]) -> Vec<(usize, Outcome)> {
        let mut done = Vec::new();
        let mut round: Vec<(usize, IpAddr, usize)> = planned.iter().map(|&(i, ip)| (i, ip, 0)).collect();
        while !round.is_empty() {
            round = self.round(&round, &mut done);
        }
        done
    }

    /// One round: creates and the probe at once, then the starts of what is clear.
    /// Returns the tenants that move on to another address.
    fn round(&self, round: &[(usize, IpAddr, usize)], done: &mut Vec<(usize, Outcome)>) -> Vec<(usize, IpAddr, usize)> {
        let ctx = self.ctx;
        // Pinned addresses were probed before anything was created (a taken one is refused
        // outright); only the automatic ones are probed here.
        let auto: Vec<IpAddr> = round.iter().filter(|(i, ..)| self.wants[*i].ip.is_none()).map(|r| r.1).collect();
        // A dual-stack tenant's automatic IPv6 address is asked in the same window.
        let auto6: Vec<IpAddr> = round.iter().filter(|(i, ..)| self.auto6[*i]).filter_map(|r| self.ip6(r.0)).collect();
        let asked: Vec<IpAddr> = auto.iter().chain(&auto6).copied().collect();
        let (created, claims) =
            at_once::two(|| self.each(round, |&(i, ip, _)| self.create(i, ip)), || self.prober.answers(ctx, &asked));
        let claims = match claims {
            Ok(c) => c,
            Err(e) => {
                // Not knowing is not "clear": nothing starts, what was made goes.
                for (&(i, ip, _), c) in round.iter().zip(&created) {
                    let name = &self.wants[i].name;
                    if c.is_ok() {
                        remove_orphan(ctx, name);
                    }
                    done.push((i, Outcome::failed(name, &self.net.name, Some(ip), format!("it was not started: {e}"))));
                }
                return Vec::new();
            }
        };
        let mut next = Vec::new();
        let mut ready = Vec::new();
        for (&(i, ip, tries), created) in round.iter().zip(created) {
            let t = self.wants[i];
            if let Err(e) = created {
                remove_orphan(ctx, &t.name);
                done.push((i, Outcome::failed(&t.name, &self.net.name, Some(ip), describe(&e, "it was not created"))));
                continue;
            }
            let claim = auto.iter().position(|a| *a == ip).and_then(|k| claims[k].clone());
            let ip6 = self.ip6(i).filter(|_| self.auto6[i]);
            let claim6 = ip6.and_then(|a| asked.iter().rposition(|x| *x == a)).and_then(|k| claims[k].clone());
            if let (Some(ip6), Some(mac)) = (ip6, &claim6) {
                // The IPv6 address moves on; the IPv4 one stays unless it is claimed too.
                ctx.note(format!("skipping {ip6}: a LAN device ({mac}) already uses it"));
                let mut pool = self.pool.lock().expect("pool lock");
                pool.take_lan(ip6, mac);
                let next6 = pool.free6().next();
                let Some(next6) = next6 else {
                    drop(pool);
                    remove_orphan(ctx, &t.name);
                    done.push((
                        i,
                        Outcome::failed(
                            &t.name,
                            &self.net.name,
                            Some(ip),
                            "no free IPv6 address is left in the range; remove a tenant with `lanctl down`".to_string(),
                        ),
                    ));
                    continue;
                };
                pool.take(next6, &t.name);
                self.six.lock().expect("six lock")[i] = Some(next6);
                if claim.is_none() {
                    drop(pool);
                    if let Err(e) = ctx.runner.change(&ctx.docker.rm_force(&t.name)) {
                        ctx.note(format!("warning: could not remove {} made for {ip6}: {e}", t.name));
                    }
                    if tries < ADDRESS_RETRIES {
                        next.push((i, ip, tries + 1));
                    } else {
                        done.push((
                            i,
                            Outcome::failed(
                                &t.name,
                                &self.net.name,
                                Some(ip),
                                format!("{ip6} and the IPv6 addresses before it were taken"),
                            ),
                        ));
                    }
                    continue;
                }
            }
            match claim {
                None => ready.push((i, ip, tries)),
                Some(mac) => {
                    ctx.note(format!("skipping {ip}: a LAN device ({mac}) already uses it"));
                    if let Err(e) = ctx.runner.change(&ctx.docker.rm_force(&t.name)) {
                        ctx.note(format!("warning: could not remove {} made for {ip}: {e}", t.name));
                    }
                    self.pool.lock().expect("pool lock").take_lan(ip, &mac);
                    self.move_on(i, ip, tries, None, &mut next, done);
                }
            }
        }
        let started = self.each(&ready, |&(i, ..)| ctx.runner.change(&ctx.docker.start(&self.wants[i].name)).map(|_| ()));
        for (&(i, ip, tries), r) in ready.iter().zip(started) {
            let t = self.wants[i];
            match r {
                Ok(()) => done.push((i, Outcome::done(ctx, &t.name, &self.net.name, Some(ip), What::Created).and6(self.ip6(i)))),
                Err(e) => {
                    remove_orphan(ctx, &t.name);
                    if e.stderr().contains("Address already in use") && t.ip.is_none() {
                        ctx.note(format!("{ip} was taken outside lanctl meanwhile; {} tries the next free address", t.name));
                        self.pool.lock().expect("pool lock").take(ip, "taken outside lanctl");
                        self.move_on(i, ip, tries, Some(e), &mut next, done);
                    } else {
                        done.push((i, Outcome::failed(&t.name, &self.net.name, Some(ip), describe(&e, "it was not created"))));
                    }
                }
            }
        }
        next
    }

    /// The next free address for tenant `i`, or its failure.
    fn move_on(
        &self,
        i: usize,
        ip: IpAddr,
        tries: usize,
        why: Option<Error>,
        next: &mut Vec<(usize, IpAddr, usize)>,
        done: &mut Vec<(usize, Outcome)>,
    ) {
        let name = &self.wants[i].name;
        let mut pool = self.pool.lock().expect("pool lock");
        let free = pool.free().next();
        match (free, tries < ADDRESS_RETRIES) {
            (Some(n), true) => {
                pool.take(n, name);
                next.push((i, n, tries + 1));
            }
            (None, _) => done.push((i, Outcome::failed(name, &self.net.name, None, pool.exhausted()))),
            (Some(_), false) => {
                let why = why.map_or_else(
                    || format!("{ip} and the addresses before it were taken"),
                    |e| describe(&e, "it was not created"),
                );
                done.push((i, Outcome::failed(name, &self.net.name, Some(ip), why)));
            }
        }
    }

    /// `f` over `items`, `parallel` at a time (one at a time in a dry run, so the printed
    /// plan keeps its order); results in the order of `items`.
    fn each<T: Sync, R: Send>(&self, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
        let workers = if self.ctx.dry_run() { 1 } else { self.parallel.min(items.len()).max(1) };
        at_once::pooled(items, workers, f)
    }

    /// Tenant `i`'s IPv6 address now.
    fn ip6(&self, i: usize) -> Option<IpAddr> {
        self.six.lock().expect("six lock")[i]
    }

    /// `docker create` of tenant `i`, its secrets required first as `start_plan` does.
    fn create(&self, i: usize, ip: IpAddr) -> Result<()> {
        let (ctx, t) = (self.ctx, self.wants[i]);
        let spec = pinned(&t.spec, self.net, ip, self.pin);
        let run = Tenant { ip6: self.ip6(i), ..Tenant::of(t, &self.net.name, ip, &spec, self.pull) };
        if t.secrets.is_empty() {
            return ctx.runner.change(&docker_create_passing(&ctx.docker, &run, &[])).map(|_| ());
        }
        let keys: Vec<String> = t.secrets.iter().map(|(k, _)| k.clone()).collect();
        let plan = keys.iter().fold(Plan::new(), |p, k| p.then(Action::require(k)));
        plan.then(Action::Change(docker_create_passing(&ctx.docker, &run, &keys))).run(&ctx.runner).map_err(|f| f.into_error())
    }
}

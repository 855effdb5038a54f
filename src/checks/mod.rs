//! Prerequisite checks: what `lanctl doctor` reports and what `net create` gates on.
//!
//! Each check has a short stable id; checks whose verdict depends on the driver end in
//! `.ipvlan` / `.macvlan`, and with no `--driver` both are checked:
//!
//! - `docker.cli`, `docker.daemon`, `docker.driver.<d>` (docker.rs)
//! - `kernel.release.<d>`, `kernel.config.<d>`, `kernel.config.8021q` (kernel.rs)
//! - `probe.<d>`, `probe.8021q`: a throwaway network namespace, root only (probe.rs)
//! - `parent.exists`, `parent.up`, `parent.carrier`, `parent.vlan`, `parent.wireless.<d>`,
//!   `parent.addresses` (parent.rs)
//! - `parent.networks.<d>`: other docker networks on the parent (networks.rs)
//! - `hypervisor.<d>` (hypervisor.rs)
//! - doctor only: `lan.probe`, `host-access.<net>` (tenants the host cannot reach),
//!   `lan.route.<net>` (routed ipvlan l3/l3s networks), `host-access.orphan.<ifname>`
//!   (shims and boot files of networks that are gone) (access.rs)
//! - `doctor --dhcp` and `net create --check-dhcp` only: `dhcp.pool`, whether the LAN's DHCP
//!   server offers addresses of the reserved range (dhcp.rs)
//!
//! With no `--driver`, one working driver is enough: the failures of the other become
//! warnings that name the one to use. A hint that recommends a driver the report found
//! broken is replaced by its fallback (`Check::unless_broken`).
//!
//! The 802.1Q checks appear only for an `IF.VID` parent. Checks that need something an
//! earlier check found missing (the daemon, the parent) are `skip` with the reason.

mod access;
pub mod all;
mod daemon;
pub use daemon::ipv6_only;
pub mod dhcp_pool;
mod feature;
mod host_reads;
mod hypervisor;
mod kernel;
mod networks;
mod parent;
mod probe;
mod router_ads;

use serde::Serialize;

pub use host_reads::Host;

use crate::engine::netspec::{AddrRange, Driver};
use crate::exec::error::{Error, Result};
use crate::state;
use crate::target::ctx::Ctx;
use feature::Feature;
use kernel::Evidence;
use parent::Parent;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub id: String,
    pub status: Status,
    pub detail: String,
    /// What to do about it; empty when there is nothing to do (`null` in JSON).
    #[serde(serialize_with = "empty_is_null")]
    pub hint: String,
    /// A hint that recommends another driver, with the hint to give instead when that
    /// driver does not work here either: a report never recommends what it found broken.
    #[serde(skip)]
    pub unless: Option<(Driver, String)>,
}

fn empty_is_null<S: serde::Serializer>(hint: &str, s: S) -> std::result::Result<S::Ok, S::Error> {
    if hint.is_empty() {
        s.serialize_none()
    } else {
        s.serialize_str(hint)
    }
}

impl Check {
    pub fn new(id: impl Into<String>, status: Status, detail: impl Into<String>, hint: impl Into<String>) -> Self {
        Check { id: id.into(), status, detail: detail.into(), hint: hint.into(), unless: None }
    }
    /// The hint recommends `driver`; `instead` replaces it when `driver` does not work here.
    pub fn unless_broken(mut self, driver: Driver, instead: impl Into<String>) -> Self {
        self.unless = Some((driver, instead.into()));
        self
    }
    /// The driver a check is about: ids of driver-specific checks end in `.ipvlan` or
    /// `.macvlan`.
    pub fn driver(&self) -> Option<Driver> {
        self.id.rsplit_once('.').and_then(|(_, d)| Driver::parse(d))
    }
    /// `id: detail; hint` — the one line used in errors and warnings.
    pub fn line(&self) -> String {
        if self.hint.is_empty() {
            format!("{}: {}", self.id, self.detail)
        } else {
            format!("{}: {}; {}", self.id, self.detail, self.hint)
        }
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == Status::Fail)
    }
}

/// What to check: a driver (both when `None`), a parent interface, and the network the
/// checks are for (so an existing network of that name is not counted against itself).
#[derive(Clone, Copy, Debug, Default)]
pub struct Scope<'a> {
    pub driver: Option<Driver>,
    /// The driver's mode a network is to be made with (`net create`); `None` for `doctor`.
    pub mode: Option<&'a str>,
    pub parent: Option<&'a str>,
    pub network: Option<&'a str>,
}

/// Runs every check that applies to `scope`.
pub fn run(ctx: &Ctx, scope: Scope) -> Report {
    run_on(ctx, scope, &Host::of(ctx))
}

/// `run`, reading the host's files under `host`'s root.
pub fn run_on(ctx: &Ctx, scope: Scope, host: &Host) -> Report {
    let drivers: Vec<Driver> = match scope.driver {
        Some(d) => vec![d],
        None => vec![Driver::Ipvlan, Driver::Macvlan],
    };
    let mut checks = Vec::new();
    let engine = daemon::check(ctx, &drivers, &mut checks);
    if let (Some(d), Some(m)) = (scope.driver, scope.mode) {
        checks.extend(daemon::mode_check(d, m, &engine));
    }
    if let Some((detail, hint)) = ctx.transport.docker_only("the kernel, parent and probe checks") {
        // Every check below reads the host itself: one failed check says so instead of a
        // list of misleading ones.
        checks.push(Check::new("host", Status::Fail, detail, hint));
        return Report { checks };
    }

    let parent = scope.parent.map(|p| Parent::inspect(ctx, p));
    let mut features: Vec<Feature> = drivers.iter().map(|&d| Feature::Driver(d)).collect();
    if parent.as_ref().is_some_and(Parent::needs_8021q) {
        features.push(Feature::Vlan);
    }
    let release = host.kernel_release();
    checks.extend(drivers.iter().map(|&d| kernel::release_check(d, release.as_deref())));
    let config = kernel::read_config(ctx, host, release.as_deref());
    let probes: Vec<probe::Probe> = features.iter().map(|&f| probe::run(ctx, host, f)).collect();
    for (&f, p) in features.iter().zip(&probes) {
        let evidence = Evidence::gather(host, f, &config, release.as_deref());
        checks.push(kernel::config_check(f, &evidence, &p.outcome));
    }
    checks.extend(features.iter().zip(&probes).map(|(&f, p)| probe::check(f, p)));

    match &parent {
        Some(p) => parent::check(ctx, host, p, &drivers, &mut checks),
        None => checks.push(Check::new(
            "parent.exists",
            Status::Skip,
            "no --parent given",
            "pass --parent IF to check the LAN interface",
        )),
    }
    networks::check(ctx, &engine, &drivers, scope.parent, scope.network, &mut checks);
    let virt = hypervisor::detect(ctx, host);
    checks.extend(drivers.iter().map(|&d| hypervisor::check(d, &virt)));

    // A driver that was not asked about is judged from the kernel alone (files only, no
    // probe): enough to keep a hint from recommending a driver this kernel lacks.
    let broken: Vec<Driver> = ALL_DRIVERS
        .into_iter()
        .filter(|d| match drivers.contains(d) {
            true => checks.iter().any(|c| c.driver() == Some(*d) && c.status == Status::Fail),
            false => kernel::lacks(host, *d, &config, release.as_deref()),
        })
        .collect();
    fit_hints(&mut checks, &broken);
    if scope.driver.is_none() {
        settle_on_working(&mut checks, &drivers, &broken);
    }
    Report { checks }
}

const ALL_DRIVERS: [Driver; 2] = [Driver::Ipvlan, Driver::Macvlan];

/// Replaces every hint that recommends a driver found broken with its fallback.
pub fn fit_hints(checks: &mut [Check], broken: &[Driver]) {
    for c in checks {
        if let Some((d, instead)) = c.unless.take() {
            if broken.contains(&d) {
                c.hint = instead;
            }
        }
    }
}

/// With no `--driver`, the host is ready when one driver works: the failures of a driver
/// that does not are warnings that name the one to use.
pub fn settle_on_working(checks: &mut [Check], drivers: &[Driver], broken: &[Driver]) {
    let Some(works) = drivers.iter().find(|d| !broken.contains(d)) else { return };
    let switch = format!("--driver {works}");
    for c in checks.iter_mut().filter(|c| c.status == Status::Fail && c.driver().is_some_and(|d| broken.contains(&d))) {
        c.status = Status::Warn;
        if c.hint.is_empty() {
            c.hint = format!("use {switch}, which works here");
        } else if !c.hint.contains(&switch) {
            c.hint = format!("{}; or use {switch}, which works here", c.hint);
        }
    }
}

/// The doctor's table: status, id, detail; a hint line under each warning and failure.
pub fn render(report: &Report) -> String {
    let width = report.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for c in &report.checks {
        out.push_str(&format!("{:<4}  {:<width$}  {}\n", c.status.as_str(), c.id, c.detail));
        if !c.hint.is_empty() && matches!(c.status, Status::Warn | Status::Fail) {
            out.push_str(&format!("{:<4}  {:<width$}  hint: {}\n", "", "", c.hint));
        }
    }
    out
}

/// Applies the check policy: failures stop a real run with exit 3; during a dry run
/// they are warnings and the run ends with exit 3 after printing the plan; with
/// `--skip-checks` they are warnings only.
pub fn gate(ctx: &Ctx, report: &Report) -> Result<()> {
    for c in report.checks.iter().filter(|c| c.status == Status::Warn) {
        ctx.note(format!("warning: {}", c.line()));
    }
    let fails: Vec<_> = report.checks.iter().filter(|c| c.status == Status::Fail).collect();
    let Some(first) = fails.first() else { return Ok(()) };
    if ctx.skip_checks || ctx.dry_run() {
        for c in &fails {
            ctx.note(format!("warning: check failed: {}", c.line()));
        }
        if !ctx.skip_checks {
            ctx.defer_check(first.line());
        }
        return Ok(());
    }
    for c in &fails[1..] {
        ctx.note(format!("check failed: {}", c.line()));
    }
    Err(Error::check(format!("check failed: {}", first.line())))
}

/// What `lanctl doctor` is asked to check.
#[derive(Clone, Debug, Default)]
pub struct DoctorInput {
    pub driver: Option<Driver>,
    pub parent: Option<String>,
    /// `--dhcp`: the reserved range whose absence from the DHCP pool is checked.
    pub dhcp: Option<DhcpRange>,
}

/// Where `doctor --dhcp` takes the reserved range from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DhcpRange {
    /// `--net NAME`: a lanctl network's range (and its parent, unless `--parent`).
    Net(String),
    /// `--ip-range`, with `--parent`.
    Range(AddrRange),
}

pub fn doctor(ctx: &Ctx, args: &DoctorInput) -> Result<()> {
    let dhcp = args.dhcp.as_ref().map(|r| dhcp_target(ctx, args.parent.as_deref(), r)).transpose()?;
    let report = doctor_report(ctx, args, dhcp.as_ref());
    if ctx.json {
        ctx.print_json(&report);
    } else {
        crate::exec::out::print(&render(&report));
    }
    if report.failed() {
        return Err(Error::check("doctor found failed checks; fix the lines marked fail above"));
    }
    Ok(())
}

/// The parent and range `doctor --dhcp` checks: a network's, or the ones given.
fn dhcp_target(ctx: &Ctx, parent: Option<&str>, range: &DhcpRange) -> Result<dhcp_pool::Target> {
    dhcp_pool::refuse_remote(ctx, "doctor --dhcp")?;
    match range {
        DhcpRange::Range(range) => {
            let parent =
                parent.ok_or_else(|| Error::usage("doctor --dhcp --ip-range needs --parent IF, the LAN interface to ask on"))?;
            let range6 = range.v4().is_none().then_some(*range);
            Ok(dhcp_pool::Target { parent: parent.to_string(), range: *range, range6 })
        }
        DhcpRange::Net(name) => {
            let (spec, _) = state::resolve_network(ctx, Some(name))?;
            if let Some(p) = parent.filter(|p| *p != spec.parent) {
                return Err(Error::usage(format!(
                    "--parent {p} is not the parent of network {name} ({}); drop --parent, or give --parent {}",
                    spec.parent, spec.parent
                )));
            }
            let range6 = spec.v6.as_ref().map(|v6| v6.range);
            Ok(dhcp_pool::Target { parent: spec.parent, range: spec.range, range6 })
        }
    }
}

/// Everything `doctor` checks on one host; with `dhcp`, the DHCP pool check on its parent.
pub fn doctor_report(ctx: &Ctx, args: &DoctorInput, dhcp: Option<&dhcp_pool::Target>) -> Report {
    let parent = dhcp.map(|t| t.parent.as_str()).or(args.parent.as_deref());
    let mut report = run(ctx, Scope { driver: args.driver, mode: None, parent, network: None });
    report.checks.push(access::lan_probe(ctx));
    if report.checks.iter().any(|c| c.id == "docker.daemon" && c.status == Status::Ok) {
        report.checks.extend(access::shims(ctx));
    }
    if let Some(t) = dhcp {
        let host = Host::of(ctx);
        report.checks.push(dhcp_pool::check(ctx, &host, t));
        report.checks.push(router_ads::check(ctx, &host, &t.parent, t.range6));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_ids_and_adds_hints_to_warnings_and_failures() {
        let report = Report {
            checks: vec![
                Check::new("docker.cli", Status::Ok, "/usr/bin/docker", ""),
                Check::new("probe.ipvlan", Status::Fail, "ipvlan is not supported", "use --driver macvlan"),
                Check::new("parent.exists", Status::Skip, "no --parent given", "pass --parent IF"),
            ],
        };
        let lines = [
            "ok    docker.cli     /usr/bin/docker".to_string(),
            "fail  probe.ipvlan   ipvlan is not supported".to_string(),
            format!("{}hint: use --driver macvlan", " ".repeat(21)),
            "skip  parent.exists  no --parent given".to_string(),
        ];
        assert_eq!(render(&report), lines.join("\n") + "\n");
    }

    #[test]
    fn hints_never_recommend_a_broken_driver_and_one_working_driver_is_enough() {
        let mut checks = vec![
            Check::new("probe.ipvlan", Status::Fail, "no ipvlan", "use --driver macvlan, or a kernel built with CONFIG_IPVLAN")
                .unless_broken(Driver::Macvlan, "use a kernel built with CONFIG_IPVLAN"),
            Check::new("parent.networks.ipvlan", Status::Fail, "taken", "use it"),
            Check::new("hypervisor.macvlan", Status::Warn, "kvm", "allow it, or use --driver ipvlan")
                .unless_broken(Driver::Ipvlan, "allow it"),
            Check::new("parent.exists", Status::Fail, "eth9 does not exist", ""),
        ];
        fit_hints(&mut checks, &[Driver::Ipvlan]);
        settle_on_working(&mut checks, &[Driver::Ipvlan, Driver::Macvlan], &[Driver::Ipvlan]);
        let lines: Vec<String> = checks.iter().map(|c| format!("{} {}", c.status.as_str(), c.line())).collect();
        assert_eq!(
            lines,
            [
                "warn probe.ipvlan: no ipvlan; use --driver macvlan, or a kernel built with CONFIG_IPVLAN",
                "warn parent.networks.ipvlan: taken; use it; or use --driver macvlan, which works here",
                "warn hypervisor.macvlan: kvm; allow it",
                "fail parent.exists: eth9 does not exist",
            ]
        );
        // Neither driver works: nothing is relaxed.
        let mut checks =
            vec![Check::new("probe.ipvlan", Status::Fail, "no", ""), Check::new("probe.macvlan", Status::Fail, "no", "")];
        settle_on_working(&mut checks, &[Driver::Ipvlan, Driver::Macvlan], &[Driver::Ipvlan, Driver::Macvlan]);
        assert!(checks.iter().all(|c| c.status == Status::Fail));
    }

    #[test]
    fn report_json_shape() {
        let report = Report {
            checks: vec![
                Check::new("hypervisor.macvlan", Status::Warn, "kvm", "use --driver ipvlan"),
                Check::new("parent.up", Status::Ok, "eth1 is up", ""),
            ],
        };
        // No hint is null, as in every other `--json` output (an error's `hint` too).
        assert_eq!(
            serde_json::to_string(&report).unwrap(),
            r#"{"checks":[{"id":"hypervisor.macvlan","status":"warn","detail":"kvm","hint":"use --driver ipvlan"},{"id":"parent.up","status":"ok","detail":"eth1 is up","hint":null}]}"#
        );
        assert!(!report.failed());
    }
}

//! The live probe: can this kernel create the link at all? In a throwaway network
//! namespace, a veth pair gets an ipvlan, macvlan or 802.1Q VLAN link on top; the namespace
//! is deleted whatever happened, so nothing outside it is ever touched.
//!
//! The probe needs root and changes the host for a moment, so it runs only as root and
//! never during `--dry-run`. Its answer overrides the kernel config guess.

use std::sync::atomic::{AtomicU32, Ordering};

use super::feature::Feature;
use super::host_reads::Host;
use super::{Check, Status};
use crate::engine::ip::Ip;
use crate::exec::cmd::Change;
use crate::exec::error::one_line;
use crate::target::ctx::Ctx;

/// Link names inside the namespace. Not single letters: `ip link add a ...` reads `a` as
/// the abbreviation of `address`.
const LOWER: &str = "lanctl-a";
const PEER: &str = "lanctl-b";
const PROBE: &str = "lanctl-p";
const VLAN_ID: u16 = 10;

static NEXT: AtomicU32 = AtomicU32::new(0);

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The link was created.
    Supported,
    /// The kernel does not know the link type.
    Unsupported {
        line: String,
        said: String,
    },
    /// A step failed for another reason: the probe cannot tell.
    Inconclusive {
        line: String,
        said: String,
    },
    Skipped(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub ns: String,
    pub outcome: Outcome,
    /// Set when the namespace could not be deleted: what `ip netns delete` said.
    pub leftover: Option<String>,
}

impl Probe {
    fn skipped(reason: impl Into<String>) -> Probe {
        Probe { ns: String::new(), outcome: Outcome::Skipped(reason.into()), leftover: None }
    }
}

/// A fresh namespace name: `lanctl-probe-<pid>-<n>`.
pub fn namespace_name() -> String {
    format!("lanctl-probe-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The steps of one probe: setup (namespace, veth pair), then the link under test. The
/// namespace's deletion is not among them: it runs whatever happens.
pub fn plan(ip: &Ip, ns: &str, feature: Feature) -> (Vec<Change>, Change) {
    let setup = vec![ip.netns_add(ns), ip.veth_add(Some(ns), LOWER, PEER)];
    let test = match feature {
        Feature::Driver(d) => ip.sublink_add(Some(ns), PROBE, LOWER, d.as_str(), d.default_mode()),
        Feature::Vlan => ip.vlan_add(Some(ns), PROBE, LOWER, VLAN_ID),
    };
    (setup, test)
}

/// Whether `ip link add` failed because the kernel lacks the link type (newer kernels say
/// "Unknown device type", older ones "Operation not supported").
pub fn unknown_type(stderr: &str) -> bool {
    let s = stderr.to_ascii_lowercase();
    s.contains("unknown device type") || s.contains("operation not supported")
}

/// What `ip` said, on one line, without its `Error:` / `RTNETLINK answers:` prefix.
pub fn tidy(stderr: &str) -> String {
    let said = one_line(stderr);
    let said = said.strip_prefix("Error: ").unwrap_or(&said);
    said.strip_prefix("RTNETLINK answers: ").unwrap_or(said).to_string()
}

/// Why the probe cannot run here, if it cannot.
pub fn skip_reason(dry_run: bool, euid: Option<u32>) -> Option<String> {
    if dry_run {
        return Some("dry run: the probe would create a throwaway network namespace".into());
    }
    match euid {
        Some(0) => None,
        Some(uid) => Some(format!("not root (euid {uid}): the probe needs root to create a throwaway network namespace")),
        None => Some("cannot tell whether lanctl runs as root (/proc/self/status)".into()),
    }
}

/// Runs one probe. The namespace is deleted after any outcome.
pub fn run(ctx: &Ctx, host: &Host, feature: Feature) -> Probe {
    if let Some(reason) = skip_reason(ctx.dry_run(), host.euid()) {
        return Probe::skipped(reason);
    }
    let ns = namespace_name();
    let (setup, test) = plan(&ctx.ip, &ns, feature);
    let mut outcome = None;
    for step in &setup {
        if let Err(said) = run_step(ctx, step) {
            outcome = Some(Outcome::Inconclusive { line: step.to_string(), said });
            break;
        }
    }
    let outcome = outcome.unwrap_or_else(|| match run_step(ctx, &test) {
        Ok(()) => Outcome::Supported,
        Err(said) if unknown_type(&said) => Outcome::Unsupported { line: test.to_string(), said },
        Err(said) => Outcome::Inconclusive { line: test.to_string(), said },
    });
    let leftover = run_step(ctx, &ctx.ip.netns_del(&ns)).err();
    Probe { ns, outcome, leftover }
}

/// Runs a step; `Err` holds what it said, on one line.
fn run_step(ctx: &Ctx, step: &Change) -> Result<(), String> {
    match ctx.runner.change_output(step) {
        Ok(Some(out)) if out.success() => Ok(()),
        Ok(Some(out)) => {
            let said = tidy(&out.stderr);
            Err(if said.is_empty() { format!("exit {}", out.code.map_or("signal".into(), |c| c.to_string())) } else { said })
        }
        Ok(None) => Err("not run (dry run)".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// The `probe.<feature>` check.
pub fn check(feature: Feature, p: &Probe) -> Check {
    let id = format!("probe.{}", feature.suffix());
    let name = feature.name();
    let mut c = match &p.outcome {
        Outcome::Supported => Check::new(
            &id,
            Status::Ok,
            format!("{name} is supported (created {} in a throwaway network namespace)", feature.link()),
            "",
        ),
        Outcome::Unsupported { line, said } => feature.fallback(Check::new(
            &id,
            Status::Fail,
            format!("{name} is not supported by this kernel (probe: {line}: {said})"),
            feature.unsupported_hint(),
        )),
        Outcome::Inconclusive { line, said } => Check::new(
            &id,
            Status::Warn,
            format!("the probe could not tell ({line}: {said})"),
            if line.contains(" netns add ") {
                "check that root may create network namespaces here (`ip netns add` needs CAP_SYS_ADMIN)"
            } else {
                ""
            },
        ),
        Outcome::Skipped(reason) => Check::new(&id, Status::Skip, reason.as_str(), ""),
    };
    if let Some(said) = &p.leftover {
        c.detail = format!("{}; could not delete namespace {}: {said}", c.detail, p.ns);
        if c.status == Status::Ok {
            c.status = Status::Warn;
        }
        if c.hint.is_empty() {
            c.hint = format!("remove it with `ip netns delete {}`", p.ns);
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::netspec::Driver;

    #[test]
    fn plan_renders_the_probe_lines() {
        let ip = Ip::new("ip");
        let (setup, test) = plan(&ip, "lanctl-probe-7-0", Feature::Driver(Driver::Ipvlan));
        let lines: Vec<String> = setup.iter().map(ToString::to_string).collect();
        assert_eq!(
            lines,
            ["ip netns add lanctl-probe-7-0", "ip -n lanctl-probe-7-0 link add lanctl-a type veth peer name lanctl-b"]
        );
        assert_eq!(test.to_string(), "ip -n lanctl-probe-7-0 link add lanctl-p link lanctl-a type ipvlan mode l2");
        let (_, test) = plan(&ip, "ns", Feature::Driver(Driver::Macvlan));
        assert_eq!(test.to_string(), "ip -n ns link add lanctl-p link lanctl-a type macvlan mode bridge");
        let (_, test) = plan(&ip, "ns", Feature::Vlan);
        assert_eq!(test.to_string(), "ip -n ns link add link lanctl-a name lanctl-p type vlan id 10");
    }

    #[test]
    fn namespace_names_are_unique_in_a_process() {
        let a = namespace_name();
        let b = namespace_name();
        assert_ne!(a, b);
        assert!(a.starts_with(&format!("lanctl-probe-{}-", std::process::id())));
    }

    #[test]
    fn classifies_unknown_link_types() {
        assert!(unknown_type("Error: Unknown device type.\n"));
        assert!(unknown_type("RTNETLINK answers: Operation not supported\n"));
        assert!(!unknown_type("RTNETLINK answers: File exists\n"));
    }

    #[test]
    fn tidies_what_ip_said() {
        assert_eq!(tidy("Error: Unknown device type.\n"), "Unknown device type");
        assert_eq!(tidy("RTNETLINK answers: Operation not supported\n"), "Operation not supported");
        assert_eq!(tidy("Cannot find device \"x\"\n"), "Cannot find device \"x\"");
    }

    #[test]
    fn skips_in_dry_run_and_when_not_root() {
        assert_eq!(skip_reason(true, Some(0)).unwrap(), "dry run: the probe would create a throwaway network namespace");
        assert!(skip_reason(false, Some(1000)).unwrap().starts_with("not root (euid 1000)"));
        assert!(skip_reason(false, None).is_some());
        assert_eq!(skip_reason(false, Some(0)), None);
    }

    #[test]
    fn check_wording() {
        let f = Feature::Driver(Driver::Ipvlan);
        let p = Probe {
            ns: "lanctl-probe-1-0".into(),
            outcome: Outcome::Unsupported {
                line: "ip -n lanctl-probe-1-0 link add lanctl-p link lanctl-a type ipvlan mode l2".into(),
                said: tidy("Error: Unknown device type.\n"),
            },
            leftover: None,
        };
        let c = check(f, &p);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.id, "probe.ipvlan");
        assert_eq!(
            c.detail,
            "ipvlan is not supported by this kernel (probe: ip -n lanctl-probe-1-0 link add lanctl-p link lanctl-a type ipvlan mode l2: Unknown device type)"
        );
        assert_eq!(c.hint, "use --driver macvlan, or a kernel built with CONFIG_IPVLAN");

        let ok = Probe { ns: "n".into(), outcome: Outcome::Supported, leftover: Some("busy".into()) };
        let c = check(Feature::Driver(Driver::Macvlan), &ok);
        assert_eq!(c.status, Status::Warn);
        assert!(c.detail.ends_with("could not delete namespace n: busy"));
        assert_eq!(c.hint, "remove it with `ip netns delete n`");

        let c = check(Feature::Vlan, &Probe::skipped("dry run: x"));
        assert_eq!((c.id.as_str(), c.status), ("probe.8021q", Status::Skip));
    }
}

//! `parent.networks.<driver>`: other Docker ipvlan/macvlan networks on the same parent.
//!
//! Docker allows one ipvlan network per parent; for macvlan it did the same before Engine
//! 28.0, which lets macvlan networks share a parent unless one of them is in passthru mode.
//! Across drivers docker creates both, but the kernel cannot hold ipvlan and macvlan links
//! on one device at once, so their containers cannot run at the same time.

use super::daemon::Engine;
use super::{Check, Status};
use crate::engine::labels;
use crate::engine::model::Network;
use crate::engine::netspec::Driver;
use crate::state;
use crate::target::ctx::Ctx;

/// The first Engine release whose macvlan driver lets networks share a parent.
pub const MACVLAN_SHARED_PARENT: u32 = 28;

/// Runs `parent.networks.<d>` for each driver, appending them to `out`.
pub fn check(ctx: &Ctx, engine: &Engine, drivers: &[Driver], parent: Option<&str>, exclude: Option<&str>, out: &mut Vec<Check>) {
    let skip = |why: &str, out: &mut Vec<Check>| {
        out.extend(drivers.iter().map(|d| Check::new(format!("parent.networks.{d}"), Status::Skip, why, "")));
    };
    let Some(parent) = parent else {
        return skip("no --parent given", out);
    };
    if let Some(why) = engine.skip_reason() {
        return skip(why, out);
    }
    let nets = state::network_lines(ctx).and_then(|lines| {
        let ids: Vec<String> = lines
            .into_iter()
            .filter(|l| Driver::parse(&l.driver).is_some() && Some(l.name.as_str()) != exclude)
            .map(|l| l.id)
            .collect();
        state::inspect_networks(ctx, &ids)
    });
    match nets {
        Ok(nets) => {
            let on = on_parent(&nets, parent, exclude);
            // Without a network to create (doctor), lanctl's own networks are the setup
            // at work, not a conflict.
            let setup = exclude.is_none();
            out.extend(drivers.iter().map(|&d| judge(d, parent, &on, engine.major(), setup)));
        }
        Err(e) => {
            out.extend(drivers.iter().map(|d| {
                Check::new(format!("parent.networks.{d}"), Status::Warn, format!("cannot list docker networks: {e}"), "")
            }));
        }
    }
}

/// The ipvlan/macvlan networks on `parent`, except the one named `exclude`.
pub fn on_parent<'a>(nets: &'a [Network], parent: &str, exclude: Option<&str>) -> Vec<&'a Network> {
    nets.iter()
        .filter(|n| Driver::parse(&n.driver).is_some())
        .filter(|n| n.options.get("parent").map(String::as_str) == Some(parent))
        .filter(|n| Some(n.name.as_str()) != exclude)
        .collect()
}

/// The verdict for a new `driver` network on `parent`, given the networks already there.
/// With `setup` (doctor: no network is being created), a lanctl network of the same
/// driver is what a host set up with lanctl looks like, and is fine.
pub fn judge(driver: Driver, parent: &str, on: &[&Network], engine_major: Option<u32>, setup: bool) -> Check {
    let id = format!("parent.networks.{driver}");
    if on.is_empty() {
        return Check::new(id, Status::Ok, format!("no other ipvlan/macvlan network uses {parent}"), "");
    }
    let mut status = Status::Ok;
    let mut details = Vec::new();
    let mut hint = String::new();
    for n in on {
        let Some(theirs) = Driver::parse(&n.driver) else { continue };
        let mode = n.options.get(theirs.mode_key()).map_or(theirs.default_mode(), String::as_str);
        let name = &n.name;
        let (s, d, h) = if setup && theirs == driver && n.labels.contains_key(labels::MANAGED) {
            (Status::Ok, format!("lanctl network {name} ({driver} {mode}) uses {parent}"), String::new())
        } else if theirs != driver {
            (
                Status::Warn,
                format!("{theirs} network {name} uses {parent}: the kernel cannot hold ipvlan and macvlan links on one device"),
                format!("containers of {name} and of the new network cannot run at the same time; use one driver per parent"),
            )
        } else if driver == Driver::Ipvlan {
            (
                Status::Fail,
                format!("ipvlan network {name} already uses {parent}, and docker allows one ipvlan network per parent"),
                format!("use {name}, remove it, or put the new network on a VLAN such as {parent}.10"),
            )
        } else if mode == "passthru" {
            (
                Status::Fail,
                format!("macvlan network {name} uses {parent} in passthru mode, which takes the whole device"),
                format!("remove {name}, or use another parent"),
            )
        } else if engine_major.is_some_and(|m| m < MACVLAN_SHARED_PARENT) {
            (
                Status::Fail,
                format!(
                    "macvlan network {name} already uses {parent}, and docker before {MACVLAN_SHARED_PARENT}.0 allows one macvlan network per parent"
                ),
                format!("use {name}, remove it, put the new network on a VLAN such as {parent}.10, or upgrade docker"),
            )
        } else {
            (
                Status::Warn,
                format!("macvlan network {name} also uses {parent}"),
                "keep the two networks' address ranges apart".to_string(),
            )
        };
        if rank(s) > rank(status) {
            status = s;
            hint = h;
        }
        details.push(d);
    }
    Check::new(id, status, details.join("; "), hint)
}

fn rank(s: Status) -> u8 {
    match s {
        Status::Ok | Status::Skip => 0,
        Status::Warn => 1,
        Status::Fail => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model;

    fn nets() -> Vec<Network> {
        model::parse(
            "x",
            r#"[
            {"Name":"lan","Driver":"ipvlan","Options":{"parent":"eth0","ipvlan_mode":"l2"}},
            {"Name":"mac","Driver":"macvlan","Options":{"parent":"eth1"}},
            {"Name":"pass","Driver":"macvlan","Options":{"parent":"eth2","macvlan_mode":"passthru"}},
            {"Name":"br","Driver":"bridge","Options":{"parent":"eth0"}},
            {"Name":"vl","Driver":"macvlan","Options":null}
        ]"#,
        )
        .unwrap()
    }

    #[test]
    fn only_ipvlan_macvlan_networks_on_that_parent_count() {
        let n = nets();
        let names = |v: Vec<&Network>| v.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(on_parent(&n, "eth0", None)), ["lan"]);
        assert_eq!(names(on_parent(&n, "eth0", Some("lan"))), Vec::<String>::new());
        assert_eq!(names(on_parent(&n, "eth1", None)), ["mac"]);
        assert!(on_parent(&n, "eth3", None).is_empty());
    }

    #[test]
    fn one_ipvlan_network_per_parent() {
        let n = nets();
        let c = judge(Driver::Ipvlan, "eth0", &on_parent(&n, "eth0", None), Some(28), false);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.id, "parent.networks.ipvlan");
        assert_eq!(c.detail, "ipvlan network lan already uses eth0, and docker allows one ipvlan network per parent");
        // Re-running `net create lan` does not fail on lan itself.
        let c = judge(Driver::Ipvlan, "eth0", &on_parent(&n, "eth0", Some("lan")), Some(28), false);
        assert_eq!(c.status, Status::Ok);
        assert_eq!(c.detail, "no other ipvlan/macvlan network uses eth0");
    }

    #[test]
    fn macvlan_shares_a_parent_on_new_engines_only() {
        let n = nets();
        let on = on_parent(&n, "eth1", None);
        assert_eq!(judge(Driver::Macvlan, "eth1", &on, Some(28), false).status, Status::Warn);
        assert_eq!(judge(Driver::Macvlan, "eth1", &on, None, false).status, Status::Warn);
        let old = judge(Driver::Macvlan, "eth1", &on, Some(20), false);
        assert_eq!(old.status, Status::Fail);
        assert!(old.detail.contains("docker before 28.0"));
        let pass = judge(Driver::Macvlan, "eth2", &on_parent(&n, "eth2", None), Some(28), false);
        assert_eq!(pass.status, Status::Fail);
    }

    #[test]
    fn lanctls_own_network_is_the_setup_at_work_in_doctor() {
        let mut n = nets();
        n[1].labels.insert(labels::MANAGED.into(), "true".into());
        n[0].labels.insert(labels::MANAGED.into(), "true".into());
        let on = on_parent(&n, "eth1", None);
        // On an engine that allows one macvlan network per parent: fine for doctor, a
        // conflict for a new network.
        let c = judge(Driver::Macvlan, "eth1", &on, Some(20), true);
        assert_eq!(
            (c.status, c.detail.as_str(), c.hint.as_str()),
            (Status::Ok, "lanctl network mac (macvlan bridge) uses eth1", "")
        );
        assert_eq!(judge(Driver::Macvlan, "eth1", &on, Some(20), false).status, Status::Fail);
        let c = judge(Driver::Ipvlan, "eth0", &on_parent(&n, "eth0", None), Some(28), true);
        assert_eq!((c.status, c.detail.as_str()), (Status::Ok, "lanctl network lan (ipvlan l2) uses eth0"));
        // Another driver's network still cannot share the device, lanctl's or not.
        assert_eq!(judge(Driver::Macvlan, "eth0", &on_parent(&n, "eth0", None), Some(28), true).status, Status::Warn);
        // Someone else's network of the same driver is still a conflict.
        assert_eq!(judge(Driver::Macvlan, "eth2", &on_parent(&n, "eth2", None), Some(28), true).status, Status::Fail);
    }

    #[test]
    fn mixing_drivers_on_a_parent_warns() {
        let n = nets();
        let c = judge(Driver::Macvlan, "eth0", &on_parent(&n, "eth0", None), Some(28), false);
        assert_eq!(c.status, Status::Warn);
        assert!(c.detail.starts_with("ipvlan network lan uses eth0"));
        let c = judge(Driver::Ipvlan, "eth1", &on_parent(&n, "eth1", None), Some(20), false);
        assert_eq!(c.status, Status::Warn);
    }
}

//! Parent interface checks (`--parent IF`): it exists (or, as `IF.VID`, docker can create
//! it), is up, has carrier, is not wireless for macvlan, and which IPv4 addresses it holds.

use super::host_reads::Host;
use super::{Check, Status};
use crate::engine::model::{self, IpLink};
use crate::engine::netspec::{vlan_form, Driver};
use crate::exec::error::one_line;
use crate::target::ctx::Ctx;

/// What `ip -j -d link show dev IF` found.
#[derive(Clone, Debug)]
pub enum Lookup {
    Found(Box<IpLink>),
    Missing,
    Error(String),
}

pub fn lookup(ctx: &Ctx, name: &str) -> Lookup {
    let q = ctx.ip.link_show(name);
    match ctx.runner.query_output(&q) {
        Err(e) => Lookup::Error(e.to_string()),
        Ok(o) if o.success() => match model::parse::<Vec<IpLink>>(&q.to_string(), &o.stdout) {
            Ok(links) => links.into_iter().next().map_or(Lookup::Missing, |l| Lookup::Found(Box::new(l))),
            Err(e) => Lookup::Error(e.to_string()),
        },
        Ok(o) if o.stderr.contains("does not exist") || o.stderr.contains("Cannot find device") => Lookup::Missing,
        Ok(o) => Lookup::Error(format!("`{q}` failed: {}", one_line(&o.stderr))),
    }
}

fn kind(l: &IpLink) -> &str {
    l.linkinfo.as_ref().map_or("", |i| i.info_kind.as_str())
}

fn vlan_id(l: &IpLink) -> Option<u64> {
    l.linkinfo.as_ref()?.info_data.get("id")?.as_u64()
}

/// The parent as found on the host.
#[derive(Clone, Debug)]
pub struct Parent {
    pub name: String,
    pub link: Lookup,
    pub vlan: Option<Result<(String, u16), String>>,
    /// The base interface, looked up when the parent is a missing `IF.VID`.
    pub base: Option<Lookup>,
}

impl Parent {
    pub fn inspect(ctx: &Ctx, name: &str) -> Parent {
        let link = lookup(ctx, name);
        let vlan = vlan_form(name);
        let base = match (&link, &vlan) {
            (Lookup::Missing, Some(Ok((base, _)))) => Some(lookup(ctx, base)),
            _ => None,
        };
        Parent { name: name.to_string(), link, vlan, base }
    }

    /// Whether 802.1Q support matters: an `IF.VID` parent that docker must create, or one
    /// that is a VLAN already.
    pub fn needs_8021q(&self) -> bool {
        match &self.link {
            Lookup::Found(l) => kind(l) == "vlan",
            _ => matches!(self.vlan, Some(Ok(_))),
        }
    }

    /// The link whose state matters now: the parent itself, or the base docker will create
    /// the VLAN on.
    pub fn effective(&self) -> Option<&IpLink> {
        match (&self.link, &self.base) {
            (Lookup::Found(l), _) => Some(l),
            (Lookup::Missing, Some(Lookup::Found(b))) => Some(b),
            _ => None,
        }
    }

    /// Interfaces whose sysfs tells whether the parent is wireless: it, and its lower device.
    fn radio_candidates(&self) -> Vec<String> {
        let mut v: Vec<String> = self.effective().map(|l| l.ifname.clone()).into_iter().collect();
        if let Some(lower) = self.effective().and_then(|l| l.link.clone()) {
            v.push(lower);
        }
        v
    }
}

/// Whether sysfs marks `ifname` as a Wi-Fi interface.
pub fn is_wireless(host: &Host, ifname: &str) -> bool {
    !ifname.is_empty()
        && (host.exists(&format!("/sys/class/net/{ifname}/wireless"))
            || host.exists(&format!("/sys/class/net/{ifname}/phy80211")))
}

/// The IPv4 addresses on `dev`, as `ADDR/PREFIX`.
pub fn addresses(ctx: &Ctx, dev: &str) -> Result<Vec<String>, String> {
    let q = ctx.ip.addr_show_dev(dev);
    let links: Vec<IpLink> = ctx.runner.query(&q).and_then(|t| model::parse(&q.to_string(), &t)).map_err(|e| e.to_string())?;
    Ok(links.iter().flat_map(|l| l.ipv4().map(|(ip, p)| format!("{ip}/{p}"))).collect())
}

/// Runs the parent checks, appending them to `out`.
pub fn check(ctx: &Ctx, host: &Host, p: &Parent, drivers: &[Driver], out: &mut Vec<Check>) {
    let wireless = p.radio_candidates().iter().any(|i| is_wireless(host, i));
    let addrs = match &p.link {
        Lookup::Found(l) => Some(addresses(ctx, &l.ifname)),
        _ => None,
    };
    out.extend(judge(p, wireless, addrs, drivers));
}

/// The parent checks, from what was found.
pub fn judge(p: &Parent, wireless: bool, addrs: Option<Result<Vec<String>, String>>, drivers: &[Driver]) -> Vec<Check> {
    let name = p.name.as_str();
    let mut out = vec![exists(p)];
    let eff = p.effective().filter(|_| out[0].status != Status::Fail);
    let Some(link) = eff else {
        let why = match &p.link {
            Lookup::Found(_) => format!("{name} cannot be a parent (see parent.exists)"),
            _ => format!("{name} does not exist"),
        };
        for id in ["parent.up", "parent.carrier"] {
            out.push(Check::new(id, Status::Skip, &why, ""));
        }
        if let Some(v) = vlan_check(p) {
            out.push(v);
        }
        for d in drivers {
            out.push(Check::new(format!("parent.wireless.{d}"), Status::Skip, &why, ""));
        }
        out.push(Check::new("parent.addresses", Status::Skip, &why, ""));
        return out;
    };
    // "eth0", or "eth0 (the base of eth0.10)" when docker is to create the VLAN.
    let label = if link.ifname == name { name.to_string() } else { format!("{} (the base of {name})", link.ifname) };
    let ifname = &link.ifname;

    if link.is_up() {
        out.push(Check::new("parent.up", Status::Ok, format!("{label} is up"), ""));
        out.push(carrier(link, &label));
    } else {
        out.push(Check::new(
            "parent.up",
            Status::Fail,
            format!("{label} is down"),
            format!("bring it up: ip link set {ifname} up"),
        ));
        out.push(Check::new("parent.carrier", Status::Skip, format!("{label} is down"), ""));
    }
    if let Some(v) = vlan_check(p) {
        out.push(v);
    }
    for &d in drivers {
        out.push(wireless_check(d, &label, wireless));
    }
    out.push(match addrs {
        Some(Ok(a)) if a.is_empty() => Check::new("parent.addresses", Status::Ok, "none", ""),
        Some(Ok(a)) => Check::new("parent.addresses", Status::Ok, a.join(", "), ""),
        Some(Err(e)) => Check::new("parent.addresses", Status::Warn, format!("cannot read the addresses of {name}: {e}"), ""),
        None => Check::new("parent.addresses", Status::Ok, format!("none ({name} does not exist yet)"), ""),
    });
    out
}

fn exists(p: &Parent) -> Check {
    let name = p.name.as_str();
    let pick = "pick the LAN interface from `ip -br link`";
    match &p.link {
        Lookup::Found(l) if l.link_type == "loopback" || name == "lo" => {
            Check::new("parent.exists", Status::Fail, format!("{name} is the loopback interface"), pick)
        }
        Lookup::Found(l) if l.master.is_some() => {
            let m = l.master.as_deref().unwrap_or_default();
            Check::new(
                "parent.exists",
                Status::Fail,
                format!("{name} is a port of {m}: the kernel cannot also give it ipvlan/macvlan links"),
                format!("use --parent {m}"),
            )
        }
        Lookup::Found(l) => {
            let k = kind(l);
            let detail = match (k, vlan_id(l), l.link.as_deref()) {
                ("vlan", Some(id), Some(lower)) => format!("{name} exists (VLAN {id} on {lower})"),
                ("", _, _) => format!("{name} exists"),
                (k, _, _) => format!("{name} exists ({k})"),
            };
            Check::new("parent.exists", Status::Ok, detail, "")
        }
        Lookup::Error(e) => Check::new("parent.exists", Status::Fail, format!("cannot inspect {name}: {e}"), ""),
        Lookup::Missing => match (&p.vlan, &p.base) {
            (Some(Ok((base, vid))), Some(Lookup::Found(_))) => Check::new(
                "parent.exists",
                Status::Ok,
                format!("{name} does not exist yet: docker creates it as VLAN {vid} on {base}"),
                "",
            ),
            (Some(Ok((base, _))), Some(Lookup::Error(e))) => Check::new(
                "parent.exists",
                Status::Fail,
                format!("{name} does not exist and {base} cannot be inspected: {e}"),
                "",
            ),
            (Some(Ok((base, _))), _) => {
                Check::new("parent.exists", Status::Fail, format!("neither {name} nor its base {base} exists"), pick)
            }
            _ => Check::new("parent.exists", Status::Fail, format!("{name} does not exist"), pick),
        },
    }
}

fn carrier(l: &IpLink, label: &str) -> Check {
    let no_carrier = l.flags.iter().any(|f| f == "NO-CARRIER");
    let state = l.operstate.as_str();
    if no_carrier || state == "DOWN" || state == "LOWERLAYERDOWN" {
        let why = match (no_carrier, state) {
            (true, "") => "NO-CARRIER".to_string(),
            (true, s) => format!("NO-CARRIER, state {s}"),
            (false, s) => format!("state {s}"),
        };
        Check::new(
            "parent.carrier",
            Status::Warn,
            format!("{label} has no carrier ({why})"),
            format!("check the cable or switch port of {}; containers are unreachable until it has a link", l.ifname),
        )
    } else if state.is_empty() {
        Check::new("parent.carrier", Status::Ok, format!("{label} has carrier"), "")
    } else {
        Check::new("parent.carrier", Status::Ok, format!("{label} has carrier (state {state})"), "")
    }
}

/// `parent.vlan`, when the parent is or will be an 802.1Q VLAN.
fn vlan_check(p: &Parent) -> Option<Check> {
    let name = p.name.as_str();
    let c = |s, d: String, h: &str| Some(Check::new("parent.vlan", s, d, h));
    match (&p.link, &p.vlan) {
        (Lookup::Found(l), _) if kind(l) == "vlan" => {
            let id = vlan_id(l).map_or("?".to_string(), |v| v.to_string());
            let lower = l.link.as_deref().unwrap_or("?");
            c(Status::Ok, format!("{name} is 802.1Q VLAN {id} on {lower}"), "")
        }
        (Lookup::Found(_), _) => None,
        (_, Some(Err(e))) => c(
            Status::Fail,
            format!("{name} does not exist, and docker can only create IF.VID names: {e}"),
            "name an existing interface, or IF.VID with VID 1-4094, e.g. eth0.10",
        ),
        (_, Some(Ok((base, vid)))) => match &p.base {
            Some(Lookup::Found(_)) => c(
                Status::Ok,
                format!(
                    "docker creates {name} as 802.1Q VLAN {vid} on {base} (kernel support: kernel.config.8021q, probe.8021q)"
                ),
                "",
            ),
            _ => c(Status::Skip, format!("{base} does not exist"), ""),
        },
        (_, None) => None,
    }
}

fn wireless_check(d: Driver, label: &str, wireless: bool) -> Check {
    let id = format!("parent.wireless.{d}");
    match (wireless, d) {
        (false, _) => Check::new(id, Status::Ok, format!("{label} is not wireless"), ""),
        (true, Driver::Macvlan) => Check::new(
            id,
            Status::Fail,
            format!("{label} is wireless: access points drop frames from MAC addresses that did not associate"),
            "use --driver ipvlan",
        )
        .unless_broken(Driver::Ipvlan, "use a wired parent"),
        (true, Driver::Ipvlan) => Check::new(
            id,
            Status::Warn,
            format!("{label} is wireless: ipvlan shares its MAC address, but some access points limit addresses per client"),
            "if containers get no traffic, use a wired parent",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(json: &str) -> Lookup {
        Lookup::Found(Box::new(model::parse("x", json).unwrap()))
    }

    const ETH0: &str =
        r#"{"ifname":"eth0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"operstate":"UP","link_type":"ether"}"#;

    fn parent(name: &str, l: Lookup, base: Option<Lookup>) -> Parent {
        Parent { name: name.into(), link: l, vlan: vlan_form(name), base }
    }

    fn ids(v: &[Check]) -> Vec<String> {
        v.iter().map(|c| format!("{} {}", c.status.as_str(), c.id)).collect()
    }

    #[test]
    fn vlan_names() {
        assert_eq!(vlan_form("eth0"), None);
        assert_eq!(vlan_form("eth0.10"), Some(Ok(("eth0".into(), 10))));
        assert_eq!(vlan_form("enp0s3.4094"), Some(Ok(("enp0s3".into(), 4094))));
        assert_eq!(vlan_form("eth0.0"), Some(Err("0 in eth0.0 is not a VLAN id (1-4094)".into())));
        assert!(vlan_form("eth0.4095").unwrap().is_err());
        assert!(vlan_form("eth0.x").unwrap().is_err());
        assert!(vlan_form("eth0.10.20").unwrap().is_err());
        assert!(vlan_form(".10").unwrap().is_err());
    }

    #[test]
    fn wireless_from_sysfs() {
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        std::fs::create_dir_all(dir.path().join("sys/class/net/wlan0/wireless")).unwrap();
        std::fs::create_dir_all(dir.path().join("sys/class/net/wlp2s0/phy80211")).unwrap();
        std::fs::create_dir_all(dir.path().join("sys/class/net/eth0")).unwrap();
        assert!(is_wireless(&host, "wlan0"));
        assert!(is_wireless(&host, "wlp2s0"));
        assert!(!is_wireless(&host, "eth0"));
        assert!(!is_wireless(&host, "nope"));
        assert!(!is_wireless(&host, ""));
    }

    #[test]
    fn healthy_parent() {
        let p = parent("eth0", link(ETH0), None);
        assert!(!p.needs_8021q());
        let v = judge(&p, false, Some(Ok(vec!["192.0.2.2/24".into()])), &[Driver::Ipvlan, Driver::Macvlan]);
        assert_eq!(
            ids(&v),
            [
                "ok parent.exists",
                "ok parent.up",
                "ok parent.carrier",
                "ok parent.wireless.ipvlan",
                "ok parent.wireless.macvlan",
                "ok parent.addresses"
            ]
        );
        assert_eq!(v[5].detail, "192.0.2.2/24");
        let v = judge(&p, false, Some(Ok(vec![])), &[Driver::Macvlan]);
        assert_eq!(v.last().unwrap().detail, "none");
    }

    #[test]
    fn wireless_fails_macvlan_and_warns_ipvlan() {
        let p = parent("eth0", link(ETH0), None);
        let v = judge(&p, true, Some(Ok(vec![])), &[Driver::Ipvlan, Driver::Macvlan]);
        assert_eq!(v[3].status, Status::Warn);
        assert_eq!(v[4].status, Status::Fail);
        assert_eq!(v[4].hint, "use --driver ipvlan");
    }

    #[test]
    fn down_and_no_carrier() {
        let down = r#"{"ifname":"eth1","flags":["BROADCAST","MULTICAST"],"operstate":"DOWN"}"#;
        let v = judge(&parent("eth1", link(down), None), false, Some(Ok(vec![])), &[Driver::Macvlan]);
        assert_eq!(ids(&v[1..3]), ["fail parent.up", "skip parent.carrier"]);
        assert_eq!(v[1].hint, "bring it up: ip link set eth1 up");
        let nc = r#"{"ifname":"eth1","flags":["NO-CARRIER","BROADCAST","MULTICAST","UP"],"operstate":"DOWN"}"#;
        let v = judge(&parent("eth1", link(nc), None), false, Some(Ok(vec![])), &[Driver::Macvlan]);
        assert_eq!(v[2].status, Status::Warn);
        assert_eq!(v[2].detail, "eth1 has no carrier (NO-CARRIER, state DOWN)");
    }

    #[test]
    fn missing_parent_skips_the_rest() {
        let v = judge(&parent("eth9", Lookup::Missing, None), false, None, &[Driver::Ipvlan]);
        assert_eq!(
            ids(&v),
            [
                "fail parent.exists",
                "skip parent.up",
                "skip parent.carrier",
                "skip parent.wireless.ipvlan",
                "skip parent.addresses"
            ]
        );
        assert_eq!(v[0].detail, "eth9 does not exist");
        assert_eq!(v[1].detail, "eth9 does not exist");
    }

    #[test]
    fn bridge_port_and_loopback_cannot_be_parents() {
        let port = r#"{"ifname":"eth0","flags":["UP","LOWER_UP"],"operstate":"UP","master":"br0"}"#;
        let v = judge(&parent("eth0", link(port), None), false, Some(Ok(vec![])), &[Driver::Macvlan]);
        assert_eq!(v[0].status, Status::Fail);
        assert_eq!(v[0].hint, "use --parent br0");
        assert_eq!(v[1].status, Status::Skip);
        let lo = r#"{"ifname":"lo","flags":["LOOPBACK","UP"],"operstate":"UNKNOWN","link_type":"loopback"}"#;
        assert_eq!(judge(&parent("lo", link(lo), None), false, None, &[Driver::Macvlan])[0].status, Status::Fail);
    }

    #[test]
    fn vlan_parent_docker_creates() {
        let p = parent("eth0.10", Lookup::Missing, Some(link(ETH0)));
        assert!(p.needs_8021q());
        let v = judge(&p, false, None, &[Driver::Macvlan]);
        assert_eq!(
            ids(&v),
            [
                "ok parent.exists",
                "ok parent.up",
                "ok parent.carrier",
                "ok parent.vlan",
                "ok parent.wireless.macvlan",
                "ok parent.addresses"
            ]
        );
        assert_eq!(v[0].detail, "eth0.10 does not exist yet: docker creates it as VLAN 10 on eth0");
        assert_eq!(v[1].detail, "eth0 (the base of eth0.10) is up");
        assert_eq!(v[5].detail, "none (eth0.10 does not exist yet)");

        let p = parent("eth9.10", Lookup::Missing, Some(Lookup::Missing));
        let v = judge(&p, false, None, &[Driver::Macvlan]);
        assert_eq!(v[0].detail, "neither eth9.10 nor its base eth9 exists");
        assert_eq!(ids(&v[3..4]), ["skip parent.vlan"]);

        let p = parent("eth0.5000", Lookup::Missing, None);
        assert!(!p.needs_8021q());
        let v = judge(&p, false, None, &[Driver::Macvlan]);
        let vlan = v.iter().find(|c| c.id == "parent.vlan").unwrap();
        assert_eq!(vlan.status, Status::Fail);
        assert!(vlan.detail.contains("5000 in eth0.5000 is not a VLAN id (1-4094)"));
    }

    #[test]
    fn existing_vlan_and_dotted_non_vlan() {
        let vl = r#"{"ifname":"eth0.20","link":"eth0","flags":["UP","LOWER_UP"],"operstate":"UP","linkinfo":{"info_kind":"vlan","info_data":{"protocol":"802.1Q","id":20}}}"#;
        let p = parent("eth0.20", link(vl), None);
        assert!(p.needs_8021q());
        assert_eq!(p.radio_candidates(), ["eth0.20", "eth0"]);
        let v = judge(&p, false, Some(Ok(vec![])), &[Driver::Ipvlan]);
        assert_eq!(v[0].detail, "eth0.20 exists (VLAN 20 on eth0)");
        assert_eq!(v[3].id, "parent.vlan");
        assert_eq!(v[3].detail, "eth0.20 is 802.1Q VLAN 20 on eth0");
        let br = r#"{"ifname":"br.lan","flags":["UP","LOWER_UP"],"operstate":"UP","linkinfo":{"info_kind":"bridge"}}"#;
        let p = parent("br.lan", link(br), None);
        assert!(!p.needs_8021q());
        let v = judge(&p, false, Some(Ok(vec![])), &[Driver::Ipvlan]);
        assert_eq!(v[0].detail, "br.lan exists (bridge)");
        assert!(v.iter().all(|c| c.id != "parent.vlan"));
    }
}

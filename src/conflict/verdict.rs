//! What `lanctl check` says of one tenant, from the MACs the LAN answered with: pure, so
//! the verdicts, the table and the JSON are unit-tested without a LAN.

use std::time::Duration;

use serde::Serialize;

use crate::exec::table;
use crate::lan::arp::Mac;

/// A tenant's state on the LAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Its address answered by its own MAC alone.
    Ok,
    /// Its address also claimed by another MAC.
    Conflict,
    /// Nobody answered for its address.
    Unreachable,
    /// Named on the command line but not running: nothing to ask the LAN.
    Stopped,
    /// Its address is its own on the LAN, but its readiness check fails now.
    #[serde(rename = "not-ready")]
    NotReady,
    /// Not a tenant: an address of a reserved range that a DHCP server offers (`--dhcp`).
    Dhcp,
    /// Not a tenant: the host-access shim of a network, set up to come back at boot, is
    /// missing, so the host cannot reach that network's tenants.
    #[serde(rename = "no-shim")]
    NoShim,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Conflict => "conflict",
            Status::Unreachable => "unreachable",
            Status::Stopped => "stopped",
            Status::NotReady => "not-ready",
            Status::Dhcp => "dhcp",
            Status::NoShim => "no-shim",
        }
    }
}

/// Another MAC that claims a tenant's address.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Other {
    pub mac: String,
    /// The lanctl tenant whose MAC it is, if it is one.
    pub tenant: Option<String>,
    /// When it was first heard, in milliseconds after the first probe.
    pub after_ms: f64,
}

/// A tenant's readiness check, tried once by `check`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Serving {
    /// The check, as `--ready` writes it (`tcp:8443,8444`, `healthy`).
    pub check: String,
    pub status: ServingStatus,
    /// What the check got: `port 8443 refused the connection`, docker's last health output.
    pub detail: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ServingStatus {
    Ready,
    /// docker's health check has not decided yet: no problem so far.
    Starting,
    Failing,
}

/// One row of `check`: a tenant's address, or (`name` the shim's, or empty) a finding of a
/// network's: a DHCP offer inside its range, its missing shim.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    pub name: String,
    pub network: String,
    pub address: String,
    /// The tenant's own MAC (on ipvlan, the parent's, which its tenants share).
    pub mac: String,
    pub status: Status,
    /// Whether the tenant's own MAC answered.
    pub answered: bool,
    pub others: Vec<Other>,
    /// The interface the LAN was asked on.
    pub parent: String,
    /// Its readiness check tried once, on a tenant's first row; `None` where docker's state
    /// says all there is (`running`, `none`) and on the other rows.
    pub ready: Option<Serving>,
    /// What DETAIL says (`detail` fills it for a tenant's row; a network's finding is
    /// made with it).
    pub detail: String,
}

impl Row {
    /// Whether the row is a tenant's, not a network's finding.
    pub fn is_tenant(&self) -> bool {
        !matches!(self.status, Status::Dhcp | Status::NoShim)
    }
}

/// The verdict on a tenant of MAC `own`, whose address `heard` was claimed by (every MAC,
/// first heard when); `known` maps other tenants' MACs to their names.
pub fn judge(own: Mac, heard: &[(Mac, Duration)], known: &[(Mac, String)]) -> (Status, bool, Vec<Other>) {
    let answered = heard.iter().any(|(m, _)| *m == own);
    let others: Vec<Other> = heard
        .iter()
        .filter(|(m, _)| *m != own)
        .map(|(m, after)| Other {
            mac: m.to_string(),
            tenant: known.iter().find(|(k, _)| k == m).map(|(_, n)| n.clone()),
            after_ms: (after.as_secs_f64() * 1e5).round() / 100.0,
        })
        .collect();
    let status = match (answered, others.is_empty()) {
        (_, false) => Status::Conflict,
        (true, true) => Status::Ok,
        (false, true) => Status::Unreachable,
    };
    (status, answered, others)
}

/// What the DETAIL column says of a row.
pub fn detail(r: &Row, wait: Duration) -> String {
    let lan = lan_detail(r, wait);
    match &r.ready {
        Some(s) if s.status == ServingStatus::Failing => format!("{lan}; {} fails: {}", s.check, s.detail),
        _ => lan,
    }
}

fn lan_detail(r: &Row, wait: Duration) -> String {
    match r.status {
        Status::Ok | Status::NotReady => "answered by its own MAC alone".to_string(),
        Status::Dhcp | Status::NoShim => r.detail.clone(),
        Status::Unreachable => format!("nobody answered on {} within {} ms", r.parent, wait.as_millis()),
        Status::Stopped => "not running: not asked".to_string(),
        Status::Conflict => {
            let others: Vec<String> = r
                .others
                .iter()
                .map(|o| match &o.tenant {
                    Some(t) => format!("{} (tenant {t})", o.mac),
                    None => o.mac.clone(),
                })
                .collect();
            let own = if r.answered { "the tenant answered too" } else { "the tenant did not answer" };
            format!("also claimed by {}; {own}", others.join(", "))
        }
    }
}

/// The rows as a table, each with its `detail`; an empty cell (a finding's name or MAC)
/// is `-`.
pub fn render(rows: &[Row]) -> String {
    let cell = |s: &str| if s.is_empty() { "-".to_string() } else { s.to_string() };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![cell(&r.name), r.network.clone(), cell(&r.address), cell(&r.mac), r.status.as_str().into(), r.detail.clone()]
        })
        .collect();
    table::render(&["NAME", "NETWORK", "ADDRESS", "MAC", "STATUS", "DETAIL"], &cells)
}

/// The one error line of a check that found a problem (exit 1), or `None` when all is ok.
pub fn problems(rows: &[Row]) -> Option<String> {
    // A dual-stack tenant is two rows: tenants are counted once, and a problem of its IPv6
    // address names the address.
    let tenant = |r: &Row| (r.name.clone(), r.network.clone());
    let (tenants, findings): (Vec<&Row>, Vec<&Row>) = rows.iter().partition(|r| r.is_tenant());
    let bad_rows: Vec<&Row> = tenants.iter().copied().filter(|r| r.status != Status::Ok).collect();
    if bad_rows.is_empty() && findings.is_empty() {
        return None;
    }
    let said = |r: &Row| match r.address.parse::<std::net::Ipv6Addr>() {
        Ok(a) => format!("{} {} on {a}", r.name, r.status.as_str()),
        Err(_) => format!("{} {}", r.name, r.status.as_str()),
    };
    let mut parts = Vec::new();
    if !bad_rows.is_empty() {
        let bad: Vec<String> = bad_rows.iter().map(|r| said(r)).collect();
        let count = |rs: &mut dyn Iterator<Item = &Row>| rs.map(tenant).collect::<std::collections::BTreeSet<_>>().len();
        parts.push(format!(
            "{} of {} tenants have a problem: {}",
            count(&mut bad_rows.iter().copied()),
            count(&mut tenants.iter().copied()),
            bad.join(", ")
        ));
    }
    // A network's findings: `network lan: dhcp 198.51.100.40, no-shim lc-lan`.
    let mut nets: Vec<&str> = Vec::new();
    for r in &findings {
        if !nets.contains(&r.network.as_str()) {
            nets.push(&r.network);
        }
    }
    for net in nets {
        let found: Vec<String> = findings
            .iter()
            .filter(|r| r.network == net)
            .map(|r| match r.status {
                Status::Dhcp => format!("dhcp {}", r.address),
                _ => format!("{} {}", r.status.as_str(), r.name),
            })
            .collect();
        parts.push(format!("network {net}: {}", found.join(", ")));
    }
    Some(format!("check: {}", parts.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dual_stack_tenant_counts_once_and_its_ipv6_problem_names_the_address() {
        let v4 = row(Status::Ok, true, Vec::new());
        let v6 = Row { address: "2001:db8:51:100::100".into(), ..row(Status::Conflict, true, Vec::new()) };
        assert_eq!(problems(&[v4, v6]).unwrap(), "check: 1 of 1 tenants have a problem: room-1 conflict on 2001:db8:51:100::100");
    }

    const OWN: Mac = Mac([0xf6, 0x0a, 198, 51, 100, 16]);
    const LAPTOP: Mac = Mac([0xa6, 0xb7, 0x0e, 0xd5, 0xa2, 0x1b]);
    const SIBLING: Mac = Mac([0xf6, 0x0a, 198, 51, 100, 17]);

    fn ms(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    fn row(status: Status, answered: bool, others: Vec<Other>) -> Row {
        Row {
            name: "room-1".into(),
            network: "lan".into(),
            address: "198.51.100.16".into(),
            mac: OWN.to_string(),
            status,
            answered,
            others,
            parent: "enp0s3".into(),
            ready: None,
            detail: String::new(),
        }
    }

    /// The rows with DETAIL filled, as `check` fills them.
    fn detailed(rows: Vec<Row>) -> Vec<Row> {
        rows.into_iter().map(|r| Row { detail: detail(&r, Duration::from_millis(250)), ..r }).collect()
    }

    #[test]
    fn the_verdicts() {
        let known = [(SIBLING, "room-2".to_string())];
        assert_eq!(judge(OWN, &[(OWN, ms(40))], &known), (Status::Ok, true, vec![]));
        assert_eq!(judge(OWN, &[], &known), (Status::Unreachable, false, vec![]));
        let (s, answered, others) = judge(OWN, &[(OWN, ms(40)), (LAPTOP, ms(1234))], &known);
        assert_eq!((s, answered), (Status::Conflict, true));
        assert_eq!(others, vec![Other { mac: "a6:b7:0e:d5:a2:1b".into(), tenant: None, after_ms: 1.23 }]);
        // Another MAC alone is a conflict too, and a tenant's MAC is named.
        let (s, answered, others) = judge(OWN, &[(SIBLING, ms(90))], &known);
        assert_eq!((s, answered), (Status::Conflict, false));
        assert_eq!(others[0].tenant.as_deref(), Some("room-2"));
    }

    #[test]
    fn the_table_and_the_error_line() {
        let wait = Duration::from_millis(250);
        let conflict = Row {
            name: "room-2".into(),
            address: "198.51.100.17".into(),
            ..row(Status::Conflict, true, vec![Other { mac: LAPTOP.to_string(), tenant: None, after_ms: 0.5 }])
        };
        let gone = Row { name: "room-3".into(), address: "198.51.100.18".into(), ..row(Status::Unreachable, false, vec![]) };
        let rows = detailed(vec![row(Status::Ok, true, vec![]), conflict, gone]);
        assert_eq!(
            render(&rows),
            "NAME    NETWORK  ADDRESS        MAC                STATUS       DETAIL\n\
             room-1  lan      198.51.100.16  f6:0a:c6:33:64:10  ok           answered by its own MAC alone\n\
             room-2  lan      198.51.100.17  f6:0a:c6:33:64:10  conflict     also claimed by a6:b7:0e:d5:a2:1b; the tenant answered too\n\
             room-3  lan      198.51.100.18  f6:0a:c6:33:64:10  unreachable  nobody answered on enp0s3 within 250 ms\n"
        );
        assert_eq!(problems(&rows).as_deref(), Some("check: 2 of 3 tenants have a problem: room-2 conflict, room-3 unreachable"));
        assert_eq!(problems(&rows[..1]), None);
        assert_eq!(problems(&[]), None);
        let sibling = Other { mac: SIBLING.to_string(), tenant: Some("room-9".into()), after_ms: 1.0 };
        assert_eq!(
            detail(&row(Status::Conflict, false, vec![sibling]), wait),
            "also claimed by f6:0a:c6:33:64:11 (tenant room-9); the tenant did not answer"
        );
    }

    #[test]
    fn the_json_of_a_row() {
        let r = row(Status::Conflict, true, vec![Other { mac: LAPTOP.to_string(), tenant: None, after_ms: 0.5 }]);
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({
                "name": "room-1", "network": "lan", "address": "198.51.100.16", "mac": "f6:0a:c6:33:64:10",
                "status": "conflict", "answered": true,
                "others": [{"mac": "a6:b7:0e:d5:a2:1b", "tenant": null, "after_ms": 0.5}], "parent": "enp0s3",
                "ready": null, "detail": ""
            })
        );
        let failing = Serving {
            check: "tcp:8443".into(),
            status: ServingStatus::Failing,
            detail: "port 8443 refused the connection".into(),
        };
        let r = Row { ready: Some(failing), ..row(Status::NotReady, true, vec![]) };
        assert_eq!(
            serde_json::to_value(&r).unwrap()["ready"],
            serde_json::json!({"check": "tcp:8443", "status": "failing", "detail": "port 8443 refused the connection"})
        );
        assert_eq!(serde_json::to_value(&r).unwrap()["status"], "not-ready");
    }

    #[test]
    fn a_failing_check_and_a_network_s_findings_are_problems_of_their_own() {
        let failing = Serving {
            check: "tcp:8443".into(),
            status: ServingStatus::Failing,
            detail: "port 8443 refused the connection".into(),
        };
        let starting = Serving { check: "healthy".into(), status: ServingStatus::Starting, detail: String::new() };
        let not_ready = Row { ready: Some(failing), ..row(Status::NotReady, true, vec![]) };
        let ok = Row { name: "room-2".into(), ready: Some(starting), ..row(Status::Ok, true, vec![]) };
        let finding = |name: &str, address: &str, status| Row {
            name: name.into(),
            address: address.into(),
            mac: String::new(),
            detail: "said".into(),
            ..row(status, false, vec![])
        };
        let rows =
            detailed(vec![not_ready, ok, finding("", "198.51.100.40", Status::Dhcp), finding("lc-lan", "", Status::NoShim)]);
        assert_eq!(
            render(&rows),
            "NAME    NETWORK  ADDRESS        MAC                STATUS     DETAIL\n\
             room-1  lan      198.51.100.16  f6:0a:c6:33:64:10  not-ready  answered by its own MAC alone; tcp:8443 fails: port 8443 refused the connection\n\
             room-2  lan      198.51.100.16  f6:0a:c6:33:64:10  ok         answered by its own MAC alone\n\
             -       lan      198.51.100.40  -                  dhcp       said\n\
             lc-lan  lan      -              -                  no-shim    said\n"
        );
        assert_eq!(
            problems(&rows).as_deref(),
            Some("check: 1 of 2 tenants have a problem: room-1 not-ready; network lan: dhcp 198.51.100.40, no-shim lc-lan")
        );
        assert_eq!(problems(&rows[2..3]).as_deref(), Some("check: network lan: dhcp 198.51.100.40"));
        // Each network once, its findings together, in whatever order they came.
        let other = Row { network: "cams".into(), ..finding("", "198.51.100.90", Status::Dhcp) };
        let mixed = [rows[2].clone(), other, rows[3].clone()];
        assert_eq!(
            problems(&mixed).as_deref(),
            Some("check: network lan: dhcp 198.51.100.40, no-shim lc-lan; network cams: dhcp 198.51.100.90")
        );
    }
}

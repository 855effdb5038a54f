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
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Conflict => "conflict",
            Status::Unreachable => "unreachable",
            Status::Stopped => "stopped",
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

/// One row of `check`.
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
    match r.status {
        Status::Ok => "answered by its own MAC alone".to_string(),
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

/// The rows as a table.
pub fn render(rows: &[Row], wait: Duration) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![r.name.clone(), r.network.clone(), r.address.clone(), r.mac.clone(), r.status.as_str().into(), detail(r, wait)]
        })
        .collect();
    table::render(&["NAME", "NETWORK", "ADDRESS", "MAC", "STATUS", "DETAIL"], &cells)
}

/// The one error line of a check that found a problem (exit 1), or `None` when all is ok.
pub fn problems(rows: &[Row]) -> Option<String> {
    // A dual-stack tenant is two rows: tenants are counted once, and a problem of its IPv6
    // address names the address.
    let tenant = |r: &Row| (r.name.clone(), r.network.clone());
    let bad_rows: Vec<&Row> = rows.iter().filter(|r| r.status != Status::Ok).collect();
    if bad_rows.is_empty() {
        return None;
    }
    let said = |r: &Row| match r.address.parse::<std::net::Ipv6Addr>() {
        Ok(a) => format!("{} {} on {a}", r.name, r.status.as_str()),
        Err(_) => format!("{} {}", r.name, r.status.as_str()),
    };
    let bad: Vec<String> = bad_rows.iter().map(|r| said(r)).collect();
    let count = |rs: &mut dyn Iterator<Item = &Row>| rs.map(tenant).collect::<std::collections::BTreeSet<_>>().len();
    Some(format!(
        "check: {} of {} tenants have a problem on the LAN: {}",
        count(&mut bad_rows.iter().copied()),
        count(&mut rows.iter()),
        bad.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dual_stack_tenant_counts_once_and_its_ipv6_problem_names_the_address() {
        let v4 = row(Status::Ok, true, Vec::new());
        let v6 = Row { address: "2001:db8:51:100::100".into(), ..row(Status::Conflict, true, Vec::new()) };
        assert_eq!(
            problems(&[v4, v6]).unwrap(),
            "check: 1 of 1 tenants have a problem on the LAN: room-1 conflict on 2001:db8:51:100::100"
        );
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
        }
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
        let rows = vec![row(Status::Ok, true, vec![]), conflict, gone];
        assert_eq!(
            render(&rows, wait),
            "NAME    NETWORK  ADDRESS        MAC                STATUS       DETAIL\n\
             room-1  lan      198.51.100.16  f6:0a:c6:33:64:10  ok           answered by its own MAC alone\n\
             room-2  lan      198.51.100.17  f6:0a:c6:33:64:10  conflict     also claimed by a6:b7:0e:d5:a2:1b; the tenant answered too\n\
             room-3  lan      198.51.100.18  f6:0a:c6:33:64:10  unreachable  nobody answered on enp0s3 within 250 ms\n"
        );
        assert_eq!(
            problems(&rows).as_deref(),
            Some("check: 2 of 3 tenants have a problem on the LAN: room-2 conflict, room-3 unreachable")
        );
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
                "others": [{"mac": "a6:b7:0e:d5:a2:1b", "tenant": null, "after_ms": 0.5}], "parent": "enp0s3"
            })
        );
    }
}

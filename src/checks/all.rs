//! `doctor --all-hosts`: every docker context checked at once, one report with the host
//! first on each line (a `host` field in `--json`).

use serde::Serialize;

use crate::exec::error::{Error, Result};
use crate::exec::out;
use crate::target::ctx::Config;
use crate::target::fanout;

use super::{doctor_report, Check, DoctorInput, Report, Status};

#[derive(Serialize)]
struct HostCheck<'a> {
    host: &'a str,
    #[serde(flatten)]
    check: &'a Check,
}

#[derive(Serialize)]
struct AllReport<'a> {
    checks: Vec<HostCheck<'a>>,
}

pub fn doctor_all(config: &Config, args: &DoctorInput) -> Result<()> {
    let got = fanout::ask_all(config, |ctx| Ok(doctor_report(ctx, args, None)))?;
    if config.json {
        let checks =
            got.answers.iter().flat_map(|(host, r)| r.checks.iter().map(move |check| HostCheck { host, check })).collect();
        out::json(&AllReport { checks });
    } else {
        out::print(&render(&got.answers));
    }
    let failed: Vec<&str> = got.answers.iter().filter(|(_, r)| r.failed()).map(|(h, _)| h.as_str()).collect();
    if !failed.is_empty() {
        return Err(Error::check(format!(
            "doctor found failed checks on {}; fix the lines marked fail above",
            failed.iter().map(|h| format!("host {h}")).collect::<Vec<_>>().join(", ")
        )));
    }
    got.owed()
}

/// `render`'s lines with the host first, one host after another.
fn render(reports: &[(String, Report)]) -> String {
    let host_w = reports.iter().map(|(h, _)| h.len()).max().unwrap_or(0);
    let id_w = reports.iter().flat_map(|(_, r)| r.checks.iter().map(|c| c.id.len())).max().unwrap_or(0);
    let mut out = String::new();
    for (host, report) in reports {
        for c in &report.checks {
            out.push_str(&format!("{host:<host_w$}  {:<4}  {:<id_w$}  {}\n", c.status.as_str(), c.id, c.detail));
            if !c.hint.is_empty() && matches!(c.status, Status::Warn | Status::Fail) {
                out.push_str(&format!("{:<host_w$}  {:<4}  {:<id_w$}  hint: {}\n", "", "", "", c.hint));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_starts_with_its_host_and_hints_line_up() {
        let reports = vec![
            ("default".to_string(), Report { checks: vec![Check::new("docker.cli", Status::Ok, "/usr/bin/docker", "")] }),
            (
                "h2".to_string(),
                Report { checks: vec![Check::new("probe.ipvlan", Status::Fail, "ipvlan is not supported", "use macvlan")] },
            ),
        ];
        assert_eq!(
            render(&reports),
            "default  ok    docker.cli    /usr/bin/docker\n\
             h2       fail  probe.ipvlan  ipvlan is not supported\n\
             \x20                            hint: use macvlan\n"
        );
    }
}

//! `lanctl check` without a LAN: bad input exits 2 before anything runs (the verdicts, the
//! table, the JSON and the exit code of a problem are unit-tested in src/conflict/, the
//! LAN part in tests/testsuite/check_real.rs).

use crate::common::*;

#[test]
fn a_name_that_could_be_an_option_is_refused_before_docker_runs() {
    // No docker at that path: any call would fail with another message and exit.
    let out = std::process::Command::new(LANCTL)
        .env("LANCTL_DOCKER", "/nonexistent/docker")
        .args(["check", "--", "-room"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    let stderr = lossy(&out.stderr);
    assert!(stderr.starts_with("lanctl: ") && stderr.lines().count() == 1 && stderr.contains("-room"), "{stderr}");
}

#[test]
fn the_help_names_the_exit_code_of_a_problem() {
    let out = std::process::Command::new(LANCTL).args(["--help"]).output().unwrap();
    let help = lossy(&out.stdout);
    assert!(help.contains("1  an operation failed; for check: a problem found (LAN, readiness, shim, DHCP)"), "{help}");
    assert!(help.contains("check "), "{help}");
}

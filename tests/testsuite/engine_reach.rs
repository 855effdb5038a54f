//! A docker that cannot reach its engine: one line a person can act on, exit 3, and never
//! lanctl's own `--format` template in an error (`-v` shows the full command).

use crate::common::*;
use crate::support::*;

/// What docker 20.10 to 27 prints for a user outside the docker group.
const DENIED: &str = "permission denied while trying to connect to the Docker daemon socket at \
unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/containers/json?all=1\": dial unix \
/var/run/docker.sock: connect: permission denied\n";

const SAID: &str = "lanctl: cannot reach the docker engine at unix:///var/run/docker.sock: permission denied; run as \
root or join the docker group\n";

#[test]
fn permission_denied_on_the_socket_is_one_line_and_exit_3() {
    for args in [&["ls"][..], &["net", "ls"], &["up", "t", "--image", "img"], &["down", "t"]] {
        let f = lan_with(|f| f.on_err("docker", "*", 1, DENIED));
        Run::new(&f).args(args).code(3).stderr(SAID).check();
    }
    let f = lan_with(|f| f.on_err("docker", "*", 1, DENIED));
    let out = lanctl(&f).args(["--json", "ls"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(v["error"], "cannot reach the docker engine at unix:///var/run/docker.sock: permission denied");
    assert_eq!(v["hint"], "run as root or join the docker group");
    assert_eq!(v["stderr"], DENIED);
}

#[test]
fn a_failed_read_names_its_command_without_the_format_template() {
    let f = lan_with(|f| f.on_err("docker", "ps --all*", 1, "boom\n"));
    Run::new(&f)
        .args(["ls"])
        .code(1)
        .stderr("lanctl: `docker ps --all --no-trunc --filter label=io.lanctl.tenant --format …` failed (exit 1): boom\n")
        .check();
    // -v shows the command in full, as it ran.
    let out = lanctl(&f).args(["-v", "ls"]).output().unwrap();
    let err = lossy(&out.stderr);
    assert!(
        err.contains(&format!("+ docker ps --all --no-trunc --filter label=io.lanctl.tenant --format {PS_FORMAT}\n")),
        "{err}"
    );
}

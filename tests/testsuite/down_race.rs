//! `down` against concurrent runs on the real engine (issue 25): `down` of a tenant that
//! another run removes is a note and exit 0, never docker's "No such container".

use crate::common::*;

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn four_concurrent_downs_of_one_tenant_all_succeed_and_one_removes_it() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let name = env.name("t");
    env.track_container(&name);
    let up = env.lanctl().args(["up", &name, "--net", &net, "--image", IMAGE, "--pull", "never"]).output().unwrap();
    assert!(up.status.success(), "up: {}", lossy(&up.stderr));

    let outs: Vec<_> = std::thread::scope(|s| {
        let downs: Vec<_> = (0..4).map(|_| s.spawn(|| env.lanctl().args(["down", &name]).output().unwrap())).collect();
        downs.into_iter().map(|d| d.join().unwrap()).collect()
    });
    let mut removed = 0;
    for out in &outs {
        let err = lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "a concurrent down failed: {err}");
        // A run that found the lock taken says once whom it waits for, then its verdict.
        let mut lines: Vec<&str> = err.lines().collect();
        let verdict = lines.pop().unwrap_or_default();
        for l in lines {
            assert!(l.starts_with("lanctl: waiting for another lanctl (pid "), "unexpected line: {l}");
        }
        match verdict {
            v if v == format!("lanctl: removed {name}") => removed += 1,
            v => assert_eq!(v, format!("lanctl: tenant {name} does not exist; nothing to do for it")),
        }
    }
    assert_eq!(removed, 1, "exactly one down removes the tenant");
    let gone = sh("docker", &["container", "inspect", &name]);
    assert!(!gone.status.success(), "the tenant is gone");
}

//! Ctrl-C during `update` on the real engine (issue 25): the terminal's SIGINT goes to the
//! whole foreground process group, lanctl's and its docker children's. Whenever it comes,
//! the tenant runs afterwards and nothing is left parked: the swap finishes or is undone,
//! and a run interrupted after its first change ends with exit 130.

use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;

fn state_of(name: &str) -> Option<String> {
    let out = sh("docker", &["container", "inspect", "--format", "{{.State.Status}}", name]);
    out.status.success().then(|| lossy(&out.stdout).trim().to_string())
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn ctrl_c_at_any_point_of_an_update_leaves_the_tenant_running() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let name = env.name("t");
    env.track_container(&name);
    env.track_container(&format!("{name}.lanctl-prev"));
    let up = env.lanctl().args(["up", &name, "--net", &net, "--image", IMAGE, "--pull", "never"]).output().unwrap();
    assert!(up.status.success(), "up: {}", lossy(&up.stderr));

    let mut shielded = 0;
    // From the first reads to the new container's watch: the stop, the rename, the run.
    for (i, ms) in [150u64, 300, 450, 600, 800, 1100].into_iter().enumerate() {
        // lanctl as the harness runs it, but in a process group of its own, as a shell's job.
        let base = env.lanctl();
        let mut cmd = Command::new(base.get_program());
        for (k, v) in base.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let child = cmd
            .args(["update", &name, "-e", &format!("TRY={i}"), "--wait", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(ms));
        // As a terminal's Ctrl-C does: to the whole group.
        interrupt_group(child.id());
        let out = child.wait_with_output().unwrap();
        let err = lossy(&out.stderr);
        assert_eq!(state_of(&name).as_deref(), Some("running"), "after Ctrl-C at {ms} ms: {err}");
        assert_eq!(state_of(&format!("{name}.lanctl-prev")), None, "a parked container is left after {ms} ms: {err}");
        match out.status.code() {
            // Interrupted once the swap began: it ended first and said so.
            Some(130) => {
                shielded += assert_said(
                    err.trim_end().ends_with(&format!(
                        "lanctl: interrupted: the update of {name} ended before lanctl stopped, so nothing was left \
                     halfway; see it with `lanctl ls`"
                    )),
                    &err,
                )
            }
            // Finished before the signal came.
            Some(0) => {}
            // Ended by the signal before its first change: nothing changed.
            None => {}
            Some(c) => panic!("update interrupted at {ms} ms exited {c}: {err}"),
        }
    }

    assert!(shielded > 0, "no try reached the swap: the delays miss the update");
}

/// 1 after asserting `said`, so a test can count the checks that ran.
fn assert_said(said: bool, err: &str) -> usize {
    assert!(said, "{err}");
    1
}

fn interrupt_group(pid: u32) {
    let out = sh("kill", &["-INT", "--", &format!("-{pid}")]);
    assert!(out.status.success(), "kill: {}", lossy(&out.stderr));
}

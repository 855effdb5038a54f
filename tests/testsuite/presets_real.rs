//! Presets against the real engine (issue 23): a built-in preset (mediamtx) and a user
//! preset from LANCTL_PRESETS_DIR run with the busybox stand-in image, and the variables,
//! arguments and stop timeout their templates made are what the container holds. On a
//! /28 of its own, 198.51.100.80/28, behind a blackhole route (common::RealEnv).

use crate::common::*;

const SUBNET: &str = "198.51.100.80/28";
const GATEWAY: &str = "198.51.100.81";
const RANGE: &str = "198.51.100.84-198.51.100.87";

fn docker_out(args: &[&str]) -> String {
    let out = sh("docker", args);
    assert!(out.status.success(), "docker {args:?}: {}", lossy(&out.stderr));
    lossy(&out.stdout)
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_built_in_and_a_user_preset_put_the_tenants_address_and_name_inside() {
    let env = RealEnv::on_subnet(SUBNET);
    let net = env.name("net");
    env.track_network(&net);
    env.lanctl()
        .args(["net", "create", &net, "--driver", "macvlan", "--parent", env.parent()])
        .args(["--subnet", SUBNET, "--gateway", GATEWAY, "--ip-range", RANGE])
        .assert()
        .success();
    let presets = tempfile::tempdir().unwrap();
    std::fs::write(
        presets.path().join("camgw.preset"),
        format!(
            "# a stand-in gateway: the busybox shell image runs its one argument\n\
             image = {SHELL}\n# (FROM scratch: no /tmp, so the file goes to /)\nenv = SOURCE=rtsp://{{ip}}:8554/{{name}}\nenv = ANNOUNCE={{ip}}\n\
             arg = echo listen={{ip}} name={{name}} > /args; exec sleep 600\nready = running\nstop-timeout = 3\n"
        ),
    )
    .unwrap();

    // The built-in mediamtx preset, its image replaced by the stand-in and its check by
    // `running` (the stand-in serves no RTSP).
    let mtx = env.name("mtx");
    env.track_container(&mtx);
    env.lanctl()
        .env("LANCTL_PRESETS_DIR", presets.path())
        .args(["up", &mtx, "--net", &net, "--preset", "mediamtx", "--image", SHELL, "--ready", "running"])
        .args(["--wait", "1", "--pull", "never", "--no-probe", "--", "exec sleep 600"])
        .assert()
        .success()
        .stdout(format!("{mtx} 198.51.100.84\n"));
    let vars = docker_out(&["exec", &mtx, "env"]);
    assert!(vars.lines().any(|l| l == "MTX_WEBRTCADDITIONALHOSTS=198.51.100.84"), "{vars}");

    let cam = env.name("cam");
    env.track_container(&cam);
    env.lanctl()
        .env("LANCTL_PRESETS_DIR", presets.path())
        .args(["up", &cam, "--net", &net, "--preset", "camgw", "--wait", "1", "--pull", "never", "--no-probe"])
        .assert()
        .success()
        .stdout(format!("{cam} 198.51.100.85\n"));
    let vars = docker_out(&["exec", &cam, "env"]);
    let want_source = format!("SOURCE=rtsp://198.51.100.85:8554/{cam}");
    assert!(vars.lines().any(|l| l == want_source), "{vars}");
    assert!(vars.lines().any(|l| l == "ANNOUNCE=198.51.100.85"), "{vars}");
    assert_eq!(docker_out(&["exec", &cam, "cat", "/args"]), format!("listen=198.51.100.85 name={cam}\n"));
    assert_eq!(docker_out(&["container", "inspect", "--format", "{{.Config.StopTimeout}}", &cam]).trim(), "3");

    // Running up again changes nothing: the recorded spec holds the templates, not the values.
    env.lanctl()
        .env("LANCTL_PRESETS_DIR", presets.path())
        .args(["up", &cam, "--net", &net, "--preset", "camgw", "--wait", "1", "--pull", "never", "--no-probe"])
        .assert()
        .success()
        .stdout(format!("{cam} 198.51.100.85\n"));
    env.lanctl().args(["down", &mtx, &cam]).assert().success();
}

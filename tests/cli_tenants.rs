//! `up`, `down`, `ls`, `update` against a fake docker that logs every argv.

mod common;
mod support;

use common::*;
use support::*;

fn arg_pos(call: &[String], flag: &str) -> Option<String> {
    call.iter().position(|a| a == flag).map(|i| call[i + 1].clone())
}

#[test]
fn up_takes_the_lowest_free_address_and_skips_running_and_stopped_holders() {
    let f = lan();
    let out = lanctl(&f).args(["up", "room-1", "--image", "img"]).assert().success();
    assert_eq!(lossy(&out.get_output().stdout), "room-1 198.51.100.100\n");
    // The running holder's address comes from `network inspect`; only the stopped one,
    // which that omits, is inspected.
    let inspected: Vec<String> =
        f.calls_of("docker").into_iter().filter(|c| c[0] == "container").flat_map(|c| c[2..].to_vec()).collect();
    assert!(inspected.iter().any(|id| id.starts_with(STOPPED_ID)), "{inspected:?}");
    assert!(!inspected.iter().any(|id| id.starts_with(RUNNING_ID)), "{inspected:?}");
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &network_with_range("198.51.100.113-198.51.100.116")));
    // .113 runs, .114 is stopped: both held; .115 is next.
    let out = lanctl(&f).args(["up", "room-1", "--image", "img"]).assert().success();
    assert_eq!(lossy(&out.get_output().stdout), "room-1 198.51.100.115\n");
}

#[test]
fn explicit_ip_of_a_stopped_tenant_is_refused_and_nothing_runs() {
    let f = lan();
    // Bad input (exit 2), though only the state read tells it.
    let out = lanctl(&f).args(["up", "room-1", "--image", "img", "--ip", "198.51.100.114"]).assert().code(2);
    assert_eq!(
        lossy(&out.get_output().stderr),
        "lanctl: room-1: --ip 198.51.100.114 is held by container ltfix-stop (exited) on network ltfix-net; \
         choose another address, or leave --ip out to take the next free one\n"
    );
    assert_eq!(changes(&f), Vec::<Vec<String>>::new());
}

#[test]
fn exhaustion_names_the_range_and_its_size() {
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &network_with_range("198.51.100.113-198.51.100.114")));
    let out = lanctl(&f).args(["up", "room-1", "--image", "img"]).assert().code(1);
    let err = lossy(&out.get_output().stderr);
    assert!(
        err.contains("no free address in the range 198.51.100.113-198.51.100.114 (2 usable of 2 addresses) of network ltfix-net"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one error line: {err}");
    assert!(changes(&f).is_empty());
}

#[test]
fn secrets_never_reach_an_argv_or_the_dry_run() {
    let seen = std::env::temp_dir().join(format!("lt-seen-{}", std::process::id()));
    let f = lan_with(|f| f.on_script("docker", "run *", &format!(r#"printf '%s' "$PASSWORD" > {}; echo id"#, seen.display())));
    let dry = lanctl(&f)
        .env("PASSWORD", "hunter2-secret")
        .env("LICENSE", "lic-secret")
        .args(["--dry-run", "up", "room-1", "--preset", "wcs"])
        .assert()
        .success();
    let dry_out = lossy(&dry.get_output().stdout) + &lossy(&dry.get_output().stderr);
    assert!(!dry_out.contains("hunter2") && !dry_out.contains("lic-secret"), "{dry_out}");
    lanctl(&f)
        .env("PASSWORD", "hunter2-secret")
        .env("LICENSE", "lic-secret")
        .args(["-v", "up", "room-1", "--preset", "wcs"])
        .assert()
        .success();
    for call in f.calls() {
        assert!(!call.iter().any(|a| a.contains("hunter2") || a.contains("lic-secret")), "{call:?}");
    }
    let run = f.calls_of("docker").into_iter().find(|c| c[0] == "run").unwrap();
    assert!(run.windows(2).any(|w| w == ["--env", "PASSWORD"]));
    assert!(run.contains(&"--env".to_string()) && run.contains(&"LOCAL_IP=198.51.100.100".to_string()));
    // The value reached docker through its environment.
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "hunter2-secret");
    let _ = std::fs::remove_file(seen);
}

#[test]
fn dry_run_prints_exactly_what_the_real_run_executes() {
    let f = lan();
    let dry = lanctl(&f)
        .args(["-n", "up", "a1", "a2", "--image", "img", "--ip-env", "LOCAL_IP", "-e", "MODE=it's $x"])
        .assert()
        .success();
    let planned = dry_argvs(&dry.get_output().stdout);
    assert_eq!(planned.len(), 2);
    assert!(changes(&f).is_empty(), "a dry run changed something: {:?}", changes(&f));
    f.clear_calls();
    lanctl(&f)
        .args(["up", "a1", "a2", "--image", "img", "--ip-env", "LOCAL_IP", "-e", "MODE=it's $x", "--parallel", "1"])
        .assert()
        .success();
    let ran: Vec<Vec<String>> = f.calls().into_iter().filter(|c| c[0] == "docker" && c[1] == "run").collect();
    assert_eq!(planned, ran);
}

#[test]
fn a_failed_start_leaves_no_container_and_a_lost_address_moves_on() {
    // The first run loses .100 to another tool: docker leaves a Created container.
    let marker = tempfile::NamedTempFile::new().unwrap().into_temp_path();
    let m = marker.display().to_string();
    let created = plain_container("room-1");
    let f = lan_with(|f| {
        f.on_script(
            "docker",
            "run *--ip 198.51.100.100 *",
            &format!("touch {m}; echo 'docker: Error response from daemon: Address already in use.' >&2; exit 125"),
        );
        f.on_script(
            "docker",
            "container inspect -- room-1",
            &format!("if [[ -e {m} ]]; then echo '{created}'; else echo '[]'; exit 1; fi"),
        );
        f.on_script("docker", "rm --force room-1", &format!("rm -f {m}"));
    });
    std::fs::remove_file(&marker).unwrap();
    let out = lanctl(&f).args(["up", "room-1", "--image", "img"]).assert().success();
    assert_eq!(lossy(&out.get_output().stdout), "room-1 198.51.100.101\n");
    let ch = changes(&f);
    assert_eq!(arg_pos(&ch[0][1..], "--ip").as_deref(), Some("198.51.100.100"));
    assert_eq!(ch[1][1..], ["rm", "--force", "--", "room-1"]);
    assert_eq!(arg_pos(&ch[2][1..], "--ip").as_deref(), Some("198.51.100.101"));
}

#[test]
fn a_missing_image_is_reported_and_cleaned() {
    let f = lan_with(|f| f.on_err("docker", "run *", 125, "docker: Error response from daemon: No such image: nope:latest.\n"));
    let out = lanctl(&f).args(["up", "room-1", "--image", "nope", "--pull", "never"]).assert().code(1);
    let err = lossy(&out.get_output().stderr);
    assert!(err.contains("No such image: nope:latest; the tenant room-1 was not created"), "{err}");
    // Nothing was created (inspect says so), so nothing is removed.
    assert_eq!(changes(&f).len(), 1);
}

#[test]
fn up_is_idempotent_and_points_to_update_on_another_spec() {
    let f = lan();
    // ltfix-run carries no spec label: its spec differs from any request.
    let out = lanctl(&f).args(["up", "ltfix-run", "--image", "img"]).assert().code(1);
    assert!(
        lossy(&out.get_output().stderr).contains("use `lanctl update ltfix-run ...`")
            || lossy(&out.get_output().stderr).contains("lanctl update ltfix-run")
    );
    assert!(changes(&f).is_empty());
}

#[test]
fn usage_errors_exit_2_and_run_nothing() {
    let f = lan();
    for args in [
        vec!["up", "bad_name", "--image", "img"],
        vec!["up", "room-1"],
        vec!["up", "room-1", "--image", "img", "--ip", "nope"],
        vec!["up", "a", "b", "--image", "img", "--ip", "198.51.100.120"],
        vec!["up", "room-1", "--preset", "unknown"],
        vec!["down", "--all"],
    ] {
        let out = lanctl(&f).args(&args).assert().code(2);
        let err = lossy(&out.get_output().stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("lanctl: ") && !err.trim_end().ends_with('.'), "{err}");
    }
    assert!(changes(&f).is_empty());
}

#[test]
fn several_networks_need_net() {
    let mut nets: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap()).unwrap();
    let mut other = nets[0].clone();
    other["Name"] = "lan2".into();
    nets.push(other);
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &serde_json::to_string(&nets).unwrap()));
    let out = lanctl(&f).args(["up", "room-1", "--image", "img"]).assert().code(2);
    assert!(lossy(&out.get_output().stderr).contains("several lanctl networks exist (ltfix-net, lan2); choose one with --net"));
}

#[test]
fn down_refuses_unlabelled_containers_and_ignores_absent_ones() {
    let f = lan_with(|f| f.on("docker", "container inspect -- web", 0, &plain_container("web")));
    let out = lanctl(&f).args(["down", "web"]).assert().code(1);
    assert!(lossy(&out.get_output().stderr).contains("container web is not a lanctl tenant; nothing was removed"));
    assert!(changes(&f).is_empty());
    let out = lanctl(&f).args(["down", "ghost"]).assert().success();
    assert!(lossy(&out.get_output().stderr).contains("tenant ghost does not exist"));
    assert!(changes(&f).is_empty());
    lanctl(&f).args(["down", "ltfix-stop"]).assert().success();
    assert_eq!(changes(&f), vec![vec!["docker", "stop", "--", "ltfix-stop"], vec!["docker", "rm", "--", "ltfix-stop"]]);
}

#[test]
fn ls_starts_two_docker_processes_however_many_tenants() {
    let f = lan();
    let out = lanctl(&f).args(["--json", "ls"]).assert().success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(f.calls_of("docker").len(), 2);
    let stopped = rows.iter().find(|r| r["name"] == "ltfix-stop").unwrap();
    assert_eq!(stopped["address"], "198.51.100.114");
    assert_eq!(stopped["state"], "exited");
}

#[test]
fn update_rolls_back_when_the_new_container_does_not_start() {
    let spec = r#"{"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}"#;
    let f = lan_with(|f| {
        f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(spec));
        f.on_err(
            "docker",
            "run *",
            125,
            "docker: Error response from daemon: failed to create the ipvlan port: operation not supported.\n",
        );
    });
    let out = lanctl(&f).args(["update", "ltfix-run", "--image", "img2"]).assert().code(1);
    let err = lossy(&out.get_output().stderr);
    assert!(
        err.contains("update of ltfix-run failed") && err.contains("the previous container is back on 198.51.100.113"),
        "{err}"
    );
    let ch: Vec<Vec<String>> = changes(&f).into_iter().map(|c| c[1..].to_vec()).collect();
    assert_eq!(ch[0], ["stop", "--", "ltfix-run"]);
    assert_eq!(ch[1], ["rename", "--", "ltfix-run", "ltfix-run.lanctl-prev"]);
    assert_eq!(ch[2][0], "run");
    assert_eq!(ch[ch.len() - 2], ["rename", "--", "ltfix-run.lanctl-prev", "ltfix-run"]);
    assert_eq!(ch[ch.len() - 1], ["start", "--", "ltfix-run"]);
}

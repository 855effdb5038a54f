//! A container parked by an interrupted `update` (`NAME.lanctl-prev`) is settled by the
//! next command that meets it, against the fake docker: finished when the new container
//! runs, undone when it is missing, never listed as a tenant, removed by `down`.

use crate::common::*;
use crate::support::*;

const PARKED: &str = "ltfix-run.lanctl-prev";
const PARKED_ID: &str = "2d46a1c0ffee2d46a1c0ffee2d46a1c0ffee2d46a1c0ffee2d46a1c0ffee2d46";
/// What `up ltfix-run --image img --ip-env LOCAL_IP` asks for.
const SPEC: &str =
    r#"{"image":"img","env":{},"secrets":[],"ip_env":["LOCAL_IP"],"labels":{},"restart":"unless-stopped","args":[]}"#;

/// The stopped fixture container as the parked previous container of ltfix-run, on its
/// address .113.
fn parked() -> String {
    let mut v: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-container-inspect-stopped.json")).unwrap()).unwrap();
    v[0]["Id"] = PARKED_ID.into();
    v[0]["Name"] = format!("/{PARKED}").into();
    v[0]["Config"]["Labels"] =
        serde_json::json!({"io.lanctl.tenant": "ltfix-run", "io.lanctl.network": NET, "io.lanctl.spec": SPEC});
    v[0]["NetworkSettings"]["Networks"][NET]["IPAMConfig"]["IPv4Address"] = "198.51.100.113".into();
    serde_json::to_string(&v).unwrap()
}

fn ps_line(id: &str, name: &str, state: &str) -> String {
    format!(r#"{{"ID":"{id}","Names":"{name}","State":"{state}","Status":"{state}"}}"#)
}

/// Both containers as one inspect answer, the tenant first.
fn tenant_and_parked() -> String {
    let mut all: Vec<serde_json::Value> = serde_json::from_str(&running_tenant_with_spec(SPEC)).unwrap();
    all.extend(serde_json::from_str::<Vec<serde_json::Value>>(&parked()).unwrap());
    serde_json::to_string(&all).unwrap()
}

/// The fixture host where lanctl's look for parked containers finds PARKED, exited, and
/// inspects it; the host's whole listing has PARKED alone (no ltfix-run). `rules` of the
/// test's own come first.
fn with_parked(rules: impl FnOnce(&Fake)) -> Fake {
    lan_with(|f| {
        rules(f);
        f.on("docker", "ps --all --no-trunc --format *", 0, &ps_line(PARKED_ID, PARKED, "exited"));
        f.on(
            "docker",
            "ps --all --no-trunc --filter label=io.lanctl.tenant --filter name=lanctl-prev *",
            0,
            &ps_line(PARKED_ID, PARKED, "exited"),
        );
        f.on("docker", &format!("container inspect -- {PARKED_ID}"), 0, &parked());
    })
}

/// The fixture host whose `docker ps` lists the running tenant and PARKED, inspected at
/// once, as `ls` reads them; `rules` of the test's own come first.
fn listing_parked(rules: impl FnOnce(&Fake)) -> Fake {
    let ps = format!("{}\n{}\n", ps_line(RUNNING_ID, "ltfix-run", "running"), ps_line(PARKED_ID, PARKED, "exited"));
    lan_with(|f| {
        rules(f);
        f.on("docker", "ps --all*", 0, &ps);
        f.on("docker", &format!("container inspect -- {RUNNING_ID} {PARKED_ID}"), 0, &tenant_and_parked());
    })
}

fn changed(f: &Fake) -> Vec<Vec<String>> {
    changes(f).into_iter().map(|c| c[1..].to_vec()).collect()
}

#[test]
fn update_finishes_an_interrupted_update_whose_new_container_runs() {
    let f = lan_with(|f| {
        f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(SPEC));
        f.on("docker", &format!("container inspect -- {PARKED}"), 0, &parked());
    });
    let out = lanctl(&f).args(["update", "ltfix-run"]).assert().success();
    assert_eq!(
        lossy(&out.get_output().stderr),
        format!(
            "lanctl: finished the interrupted update of ltfix-run: removed its previous container {PARKED}\n\
             lanctl: tenant ltfix-run already has this spec; nothing to do\n"
        )
    );
    assert_eq!(changed(&f), [["rm", "--", PARKED]]);
}

#[test]
fn up_undoes_an_interrupted_update_that_left_only_the_parked_container_on_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let renamed = dir.path().join("renamed");
    let tenant = dir.path().join("tenant.json");
    std::fs::write(&tenant, running_tenant_with_spec(SPEC)).unwrap();
    let f = with_parked(|f| {
        f.on_script("docker", &format!("rename -- {PARKED} ltfix-run"), &format!("touch {}", renamed.display()));
        f.on_script(
            "docker",
            "container inspect -- ltfix-run",
            &format!(
                "if [[ -e {} ]]; then cat {}; else echo '[]'; echo 'Error: No such container: ltfix-run' >&2; exit 1; fi",
                renamed.display(),
                tenant.display()
            ),
        );
    });
    let out = lanctl(&f).args(["up", "ltfix-run", "--image", "img", "--ip-env", "LOCAL_IP"]).assert().success();
    assert_eq!(
        lossy(&out.get_output().stderr),
        "lanctl: undid the interrupted update of ltfix-run: its previous container is back on 198.51.100.113\n\
         lanctl: tenant ltfix-run is already up with this spec; nothing to do\n"
    );
    assert_eq!(lossy(&out.get_output().stdout), "ltfix-run 198.51.100.113\n");
    assert_eq!(changed(&f), [vec!["rename", "--", PARKED, "ltfix-run"], vec!["start", "--", "ltfix-run"]]);
}

#[test]
fn the_dry_run_of_up_prints_the_undo_and_plans_no_new_container() {
    let f = with_parked(|f| {
        f.on_err("docker", "container inspect -- ltfix-run", 1, "Error: No such container: ltfix-run\n");
    });
    let out = lanctl(&f).args(["--dry-run", "up", "ltfix-run", "--image", "img", "--ip-env", "LOCAL_IP"]).assert().success();
    assert_eq!(
        lossy(&out.get_output().stdout),
        format!("(\ndocker rename -- {PARKED} ltfix-run || exit 1\ndocker start -- ltfix-run || exit 1\n)\n")
    );
    assert_eq!(lossy(&out.get_output().stderr), "lanctl: tenant ltfix-run is already up with this spec; nothing to do\n");
    assert!(changes(&f).is_empty());
}

#[test]
fn ls_settles_a_parked_container_and_never_lists_it() {
    let f = listing_parked(|f| {
        f.on("docker", &format!("container inspect -- ltfix-run {PARKED}"), 0, &tenant_and_parked());
    });
    let out = lanctl(&f).args(["--json", "ls"]).assert().success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ltfix-run"]);
    assert_eq!(rows[0]["address"], "198.51.100.113");
    assert_eq!(changed(&f), [["rm", "--", PARKED]]);
    assert_eq!(
        lossy(&out.get_output().stderr),
        format!("lanctl: finished the interrupted update of ltfix-run: removed its previous container {PARKED}\n")
    );
}

#[test]
fn down_removes_the_parked_container_with_its_tenant() {
    let f = with_parked(|_| {});
    let out = lanctl(&f).args(["down", "ltfix-run"]).assert().success();
    assert_eq!(changed(&f), [vec!["stop", "--", "ltfix-run", PARKED], vec!["rm", "--", "ltfix-run", PARKED]]);
    assert_eq!(lossy(&out.get_output().stderr), format!("lanctl: removed ltfix-run {PARKED}\n"));
}

#[test]
fn the_dry_run_of_update_settles_first_then_plans_from_what_settling_leaves() {
    let f = lan_with(|f| {
        f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(SPEC));
        f.on("docker", &format!("container inspect -- {PARKED}"), 0, &parked());
    });
    let out = lanctl(&f).args(["--dry-run", "update", "ltfix-run", "-e", "MODE=2", "--wait", "0"]).assert().success();
    let plan = lossy(&out.get_output().stdout);
    assert!(
        plan.starts_with(&format!(
            "docker rm -- {PARKED}\n(\ndocker stop -- ltfix-run || exit 1\nif ! {{\n  docker rename -- ltfix-run {PARKED}\n"
        )),
        "{plan}"
    );
    assert!(plan.ends_with(&format!("docker rm -- {PARKED} || exit 1\n)\n")), "{plan}");
    assert_eq!(lossy(&out.get_output().stderr), "");
    assert!(changes(&f).is_empty());
}

#[test]
fn ls_during_a_running_update_waits_for_no_one_and_shows_the_tenant_once() {
    let f = listing_parked(|_| {});
    // Another lanctl (this test) holds the lock, as a running update does.
    let lock_dir = f.bin().parent().unwrap().join("lock");
    let held = std::fs::File::options().create(true).truncate(false).write(true).open(lock_dir.join("lock")).unwrap();
    std::fs::set_permissions(lock_dir.join("lock"), std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    held.lock().unwrap();
    let started = std::time::Instant::now();
    let out = lanctl(&f).args(["--json", "ls"]).assert().success();
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ltfix-run"]);
    assert_eq!(rows[0]["state"], "running");
    assert!(changes(&f).is_empty());
    assert_eq!(lossy(&out.get_output().stderr), "");
}

#[test]
fn ls_lists_without_settling_when_it_may_not_take_the_lock() {
    let f = listing_parked(|_| {});
    let dir = tempfile::tempdir().unwrap();
    let not_a_dir = dir.path().join("file");
    std::fs::write(&not_a_dir, "").unwrap();
    let out = lanctl(&f).env("LANCTL_LOCK_DIR", &not_a_dir).args(["--json", "ls"]).assert().success();
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(rows.iter().map(|r| r["name"].as_str().unwrap()).collect::<Vec<_>>(), ["ltfix-run"]);
    let err = lossy(&out.get_output().stderr);
    assert!(
        err.starts_with(&format!(
            "lanctl: warning: an interrupted update is left unsettled: refusing the lock directory {}: ",
            not_a_dir.display()
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(changes(&f).is_empty());
}

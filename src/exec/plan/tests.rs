use std::path::Path;

use super::*;

fn sh(script: &str) -> Cmd {
    Cmd::new("sh").args(["-c", script])
}

/// Runs a rendered plan with `env -i bash`, as a user would paste it: no variable of
/// lanctl's or the test's, only what the plan itself sets.
fn bash(plan: &Plan, env: &[(&str, &str)]) -> std::process::Output {
    let mut c = std::process::Command::new("env");
    c.arg("-i");
    for (k, v) in env {
        c.arg(format!("{k}={v}"));
    }
    c.args(["PATH=/usr/bin:/bin", "bash", "-c"]).arg(plan.to_string()).output().expect("bash runs")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|_| "<absent>".into())
}

/// A plan that captures a value ending in newlines (the query ends it with '.'), writes
/// it to `out` through the environment only, and fails in a second block whose undo
/// writes `undone`.
fn sample(dir: &Path, fail: bool) -> Plan {
    let out = dir.join("out");
    let undone = dir.join("undone");
    let step = if fail { "exit 3" } else { "true" };
    Plan::new()
        .then(Action::capture("LT_VALUE", sh("printf 'a b=c\\n\\n.\\n'").query()))
        .then(Action::Change(sh(&format!("printf %s \"$LT_VALUE\" > {}", out.display())).change()))
        .attempt(
            vec![Action::Change(sh(step).change())],
            vec![
                Undo::Show(sh("echo shown; echo said >&2").query()),
                Undo::Change(sh(&format!("echo undone > {}", undone.display())).change()),
            ],
        )
}

#[test]
fn renders_blocks_as_bash_with_undo() {
    let p = Plan::new()
        .then(Action::capture("LICENSE", Cmd::new("docker").args(["container", "inspect", "--", "web"]).query()))
        .then(Action::require("PASSWORD"))
        .then(Action::Change(Cmd::new("docker").args(["stop", "--", "web"]).change()))
        .attempt(
            vec![
                Action::Change(Cmd::new("docker").args(["run", "--env", "LICENSE", "--", "img"]).change()),
                Action::Hold {
                    query: Cmd::new("docker").args(["inspect", "--", "web"]).query(),
                    expect: "running 0 0".into(),
                    secs: 5,
                },
            ],
            vec![
                Undo::Show(Cmd::new("docker").args(["logs", "--", "web"]).query()),
                Undo::Change(Cmd::new("docker").args(["rm", "--force", "--", "web"]).change()),
            ],
        );
    assert_eq!(
        p.to_string(),
        "(\n\
         { LICENSE=$(docker container inspect -- web) && export LICENSE=\"${LICENSE%.}\"; } || exit 1\n\
         { [[ -v PASSWORD ]] && export PASSWORD; } || { echo 'lanctl: PASSWORD is not set in the environment; \
         export PASSWORD, then run this again' >&2; false; } || exit 1\n\
         docker stop -- web || exit 1\n\
         if ! {\n\
         \x20 docker run --env LICENSE -- img &&\n\
         \x20 (for ((i = 0; i < 5; i++)); do sleep 1; [[ $(docker inspect -- web) == 'running 0 0' ]] || exit 1; done)\n\
         }; then\n\
         \x20 docker logs -- web >&2\n\
         \x20 docker rm --force -- web\n\
         \x20 exit 1\n\
         fi\n\
         )"
    );
}

#[test]
fn one_change_alone_is_the_plain_line() {
    let p = Plan::new().then(Action::Change(Cmd::new("docker").args(["rm", "--", "a b"]).change()));
    assert_eq!(p.to_string(), "docker rm -- 'a b'");
}

#[test]
fn bash_and_the_runner_read_the_same_value_and_never_print_it() {
    let ran = tempfile::tempdir().unwrap();
    let pasted = tempfile::tempdir().unwrap();
    sample(ran.path(), false).run(&Runner::default()).unwrap();
    let out = bash(&sample(pasted.path(), false), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(read(&ran.path().join("out")), "a b=c\n\n");
    assert_eq!(read(&pasted.path().join("out")), "a b=c\n\n");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(read(&ran.path().join("undone")), "<absent>");
    assert_eq!(read(&pasted.path().join("undone")), "<absent>");
}

#[test]
fn bash_and_the_runner_undo_the_same_way() {
    let ran = tempfile::tempdir().unwrap();
    let pasted = tempfile::tempdir().unwrap();
    let failed = sample(ran.path(), true).run(&Runner::default()).unwrap_err();
    assert_eq!(failed.block, 2);
    assert!(matches!(&failed.why, Why::Failed(e) if e.to_string() == "`sh -c 'exit 3'` failed (exit 3)"), "{:?}", failed.why);
    assert_eq!(failed.shown, ["shown\nsaid\n"]);
    assert!(failed.undo_failed.is_empty());
    let out = bash(&sample(pasted.path(), true), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "shown\nsaid\n");
    for dir in [ran.path(), pasted.path()] {
        assert_eq!(read(&dir.join("out")), "a b=c\n\n");
        assert_eq!(read(&dir.join("undone")), "undone\n");
    }
}

#[test]
fn a_missing_required_variable_stops_both_before_any_change() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let var = "LT_PLAN_REQUIRED_ABSENT";
    let p = Plan::new()
        .then(Action::require(var))
        .then(Action::Change(sh(&format!("printf %s \"${var}\" > {}", marker.display())).change()));
    let failed = p.run(&Runner::default()).unwrap_err();
    assert_eq!(failed.block, 0);
    assert!(matches!(&failed.why, Why::Failed(e) if e.to_string() == missing(var)));
    let out = bash(&p, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stderr), format!("lanctl: {}\n", missing(var)));
    assert!(!marker.exists());
    // Given, it reaches the command through the environment.
    let out = bash(&p, &[(var, "v a l")]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(read(&marker), "v a l");
}

#[test]
fn a_hold_fails_on_the_first_answer_that_differs() {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("n");
    // Prints "up" once, then "down": the second check fails.
    let q = sh(&format!(
        "n=$(cat {0} 2>/dev/null || echo 0); echo $((n + 1)) > {0}; [ $n = 0 ] && echo up || echo down",
        count.display()
    ))
    .query();
    let p = Plan::new().attempt(vec![Action::Hold { query: q, expect: "up".into(), secs: 3 }], vec![]);
    let failed = p.run(&Runner::default()).unwrap_err();
    assert!(
        matches!(&failed.why, Why::Held { got, after } if got == "down" && *after == Duration::from_secs(2)),
        "{:?}",
        failed.why
    );
    std::fs::remove_file(&count).unwrap();
    assert_eq!(bash(&p, &[]).status.code(), Some(1));
    assert_eq!(read(&count), "2\n");
}

#[test]
fn a_dry_run_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let r = Runner { dry_run: true, verbose: false };
    sample(dir.path(), false).run(&r).unwrap();
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn an_await_is_the_waiter_s_in_lanctl_and_a_no_op_in_bash() {
    let dir = tempfile::tempdir().unwrap();
    let undone = dir.path().join("undone");
    let plan = Plan::new().attempt(
        vec![
            Action::Change(sh("true").change()),
            Action::Await { what: "t1".into(), line: "lanctl then waits up to 60 s for tcp:8443 on 198.51.100.20".into() },
        ],
        vec![Undo::Change(sh(&format!("echo undone > {}", undone.display())).change())],
    );
    let shown = plan.to_string();
    assert!(
        shown.contains("  sh -c true &&\n  : 'lanctl then waits up to 60 s for tcp:8443 on 198.51.100.20'\n}; then\n"),
        "{shown}"
    );
    assert!(bash(&plan, &[]).status.success());
    assert_eq!(read(&undone), "<absent>");
    let runner = Runner::default();
    let f = plan.run_awaiting(&runner, &|what| Err(format!("{what} was not ready"))).unwrap_err();
    assert_eq!(f.block, 0);
    assert!(matches!(&f.why, Why::Failed(e) if e.msg == "t1 was not ready"), "{:?}", f.why);
    assert_eq!(read(&undone), "undone\n");
    plan.run_awaiting(&runner, &|_| Ok(())).unwrap();
}

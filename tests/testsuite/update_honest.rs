//! `update` against the fake docker: its dry run is the plan its real run executes (values
//! it carries over are read at run time and never printed, a failure undoes itself in
//! bash as in the run), a failure shows the new container's last log lines, and the spec
//! it can change.

use crate::common::*;
use crate::support::*;

const SPEC: &str = r#"{"image":"img","env":{},"secrets":["LICENSE","PASSWORD"],"ip_env":["LOCAL_IP"],"labels":{"team":"a"},"restart":"unless-stopped","args":[]}"#;
const LICENSE: &str = "-----BEGIN LICENSE-----\nMIIBfakeSECRET\n-----END LICENSE-----\n";
const PASSWORD: &str = "hunter2 'x'";

/// The running fixture tenant with `SPEC`, its secrets in its environment.
fn tenant() -> String {
    let mut v: Vec<serde_json::Value> = serde_json::from_str(&running_tenant_with_spec(SPEC)).unwrap();
    let env = v[0]["Config"]["Env"].as_array_mut().unwrap();
    env.push(format!("LICENSE={LICENSE}").into());
    env.push(format!("PASSWORD={PASSWORD}").into());
    serde_json::to_string(&v).unwrap()
}

/// The fake tenant, its secrets answered as docker's template prints them.
fn with_tenant(f: &Fake) {
    f.on("docker", "container inspect -- ltfix-run", 0, &tenant());
    f.on("docker", "container inspect --format *\"LICENSE\"* -- ltfix-run", 0, &format!("{LICENSE}.\n"));
    f.on("docker", "container inspect --format *\"PASSWORD\"* -- ltfix-run", 0, &format!("{PASSWORD}.\n"));
}

/// The template that prints `key`'s value from a container's environment.
fn template(key: &str) -> String {
    format!(
        "{{{{range .Config.Env}}}}{{{{if eq (index (split . \"=\") 0) \"{key}\"}}}}{{{{slice . {}}}}}.{{{{end}}}}{{{{end}}}}",
        key.len() + 1
    )
}

/// The plan's line that reads `key` from the old container.
fn capture(key: &str) -> String {
    format!(
        "{{ {key}=$(docker container inspect --format '{}' -- ltfix-run) && export {key}=\"${{{key}%.}}\"; }} || exit 1\n",
        template(key)
    )
}

const HOLD: &str = "(for ((i = 0; i < 1; i++)); do sleep 1; [[ $(docker container inspect --format \
                    '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' -- ltfix-run) == 'running 0 0' ]] || exit 1; done)";

fn run_line(spec: &str, env: &str) -> String {
    format!(
        "docker run --detach --name ltfix-run --hostname ltfix-run --network ltfix-net --ip 198.51.100.113 --sysctl net.ipv6.conf.all.disable_ipv6=1 \
         --restart unless-stopped --label io.lanctl.tenant=ltfix-run --label io.lanctl.network=ltfix-net \
         --label 'io.lanctl.spec={spec}' --label team=a {env} -- img"
    )
}

fn rollback() -> &'static str {
    "}; then\n\
     \x20 docker logs --tail 5 -- ltfix-run >&2\n\
     \x20 docker rm --force -- ltfix-run\n\
     \x20 docker rename -- ltfix-run.lanctl-prev ltfix-run\n\
     \x20 docker start -- ltfix-run\n\
     \x20 exit 1\n\
     fi\n"
}

#[test]
fn carried_secrets_are_read_from_the_old_container_when_the_plan_runs_and_never_printed() {
    // What the real run below hands docker run is written here by the fake.
    let seen = tempfile::tempdir().unwrap();
    let seen_file = seen.path().join("env");
    let f = lan_with(|f| {
        with_tenant(f);
        f.on_script("docker", "run *", &format!("printf '%s|%s' \"$LICENSE\" \"$PASSWORD\" > {}", seen_file.display()));
        f.on("docker", "container inspect --format *State.Status* -- ltfix-run", 0, "running 0 0\n");
    });
    let dry = lanctl(&f).args(["--dry-run", "update", "ltfix-run", "-e", "MODE=2", "--wait", "1"]).assert().success();
    let spec = r#"{"image":"img","env":{"MODE":"2"},"secrets":["LICENSE","PASSWORD"],"ip_env":["LOCAL_IP"],"labels":{"team":"a"},"restart":"unless-stopped","args":[]}"#;
    let plan = lossy(&dry.get_output().stdout);
    assert_eq!(
        plan,
        format!(
            "(\n{}{}docker stop -- ltfix-run || exit 1\n\
             if ! {{\n\
             \x20 docker rename -- ltfix-run ltfix-run.lanctl-prev\n\
             }}; then\n\
             \x20 docker start -- ltfix-run\n\
             \x20 exit 1\n\
             fi\n\
             if ! {{\n\
             \x20 {} &&\n\
             \x20 {HOLD}\n\
             {}docker rm -- ltfix-run.lanctl-prev || exit 1\n)\n",
            capture("LICENSE"),
            capture("PASSWORD"),
            run_line(spec, "--env MODE=2 --env LOCAL_IP=198.51.100.113 --env LICENSE --env PASSWORD"),
            rollback()
        )
    );
    assert_eq!(lossy(&dry.get_output().stderr), "");
    assert!(changes(&f).is_empty());
    for secret in ["MIIBfake", "hunter2"] {
        assert!(!plan.contains(secret));
    }
    // The real run executes the same steps and hands docker the values it read.
    f.clear_calls();
    let out = lanctl(&f).args(["update", "ltfix-run", "-e", "MODE=2", "--wait", "1"]).assert().success();
    assert_eq!(lossy(&out.get_output().stdout), "ltfix-run 198.51.100.113\n");
    assert_eq!(lossy(&out.get_output().stderr), "lanctl: updated ltfix-run on 198.51.100.113\n");
    assert_eq!(std::fs::read_to_string(&seen_file).unwrap(), format!("{LICENSE}|{PASSWORD}"));
    let ran: Vec<Vec<String>> = f.calls_of("docker").into_iter().filter(|c| c[0] != "ps").collect();
    // The tenant and an interrupted update's parked container are read at the same time.
    let mut reads = ran[..2].to_vec();
    reads.sort();
    assert_eq!(reads, [["container", "inspect", "--", "ltfix-run"], ["container", "inspect", "--", "ltfix-run.lanctl-prev"]]);
    assert_eq!(ran[2], ["container", "inspect", "--format", &template("LICENSE"), "--", "ltfix-run"]);
    assert_eq!(ran[3], ["container", "inspect", "--format", &template("PASSWORD"), "--", "ltfix-run"]);
    assert_eq!(ran[4], ["stop", "--", "ltfix-run"]);
    assert_eq!(ran[5], ["rename", "--", "ltfix-run", "ltfix-run.lanctl-prev"]);
    assert_eq!(
        ran[6],
        argv_of_line(&run_line(spec, "--env MODE=2 --env LOCAL_IP=198.51.100.113 --env LICENSE --env PASSWORD"))[1..]
    );
    assert_eq!(
        ran[7],
        ["container", "inspect", "--format", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", "--", "ltfix-run"]
    );
    assert_eq!(ran[8], ["rm", "--", "ltfix-run.lanctl-prev"]);
    assert_eq!(ran.len(), 9);
    assert!(!f.calls().iter().flatten().any(|a| a.contains("MIIBfake") || a.contains("hunter2")));
}

#[test]
fn a_secret_given_anew_is_required_from_the_environment_the_plan_runs_in() {
    let f = lan_with(with_tenant);
    let dry = lanctl(&f)
        .env("PASSWORD", "n3w")
        .args(["--dry-run", "update", "ltfix-run", "-e", "PASSWORD", "--wait", "0"])
        .assert()
        .success();
    let plan = lossy(&dry.get_output().stdout);
    assert!(
        plan.starts_with(&format!(
            "(\n{}{{ [[ -v PASSWORD ]] && export PASSWORD; }} || {{ echo 'lanctl: PASSWORD is not set in the environment; \
             export PASSWORD, then run this again' >&2; false; }} || exit 1\ndocker stop -- ltfix-run || exit 1\n",
            capture("LICENSE")
        )),
        "{plan}"
    );
    assert!(!plan.contains("n3w"));
}

#[test]
fn a_failed_update_shows_the_new_containers_last_log_lines_then_rolls_back() {
    let f = lan_with(|f| {
        with_tenant(f);
        f.on("docker", "container inspect --format *State.Status* -- ltfix-run", 0, "exited 0 1\n");
        f.on_script("docker", "logs --tail 5 -- ltfix-run", "printf 'starting\\n\\n'; printf 'fatal: no  config\\n' >&2");
    });
    let out = lanctl(&f).args(["update", "ltfix-run", "--image", "img2", "--wait", "3"]).assert().code(1);
    assert_eq!(
        lossy(&out.get_output().stderr),
        "lanctl: update of ltfix-run failed: the new container stopped within 3 s (exit code 1), its log ends \
         \"starting / fatal: no  config\"; the previous container is back on 198.51.100.113, unchanged; fix the cause, \
         then update again\n"
    );
    assert_eq!(lossy(&out.get_output().stdout), "");
    let ch: Vec<Vec<String>> = changes(&f).into_iter().map(|c| c[1..].to_vec()).collect();
    assert_eq!(ch[0], ["stop", "--", "ltfix-run"]);
    assert_eq!(ch[1], ["rename", "--", "ltfix-run", "ltfix-run.lanctl-prev"]);
    assert_eq!(ch[2][0], "run");
    // The log lines are read (a query, not a change) before the rollback.
    assert!(f.calls_of("docker").contains(&vec!["logs".into(), "--tail".into(), "5".into(), "--".into(), "ltfix-run".into()]));
    assert_eq!(
        ch[3..],
        [
            vec!["rm", "--force", "--", "ltfix-run"],
            vec!["rename", "--", "ltfix-run.lanctl-prev", "ltfix-run"],
            vec!["start", "--", "ltfix-run"],
        ]
    );
}

#[test]
fn a_run_that_docker_refuses_leads_with_dockers_words() {
    let f = lan_with(|f| {
        with_tenant(f);
        f.on_err("docker", "run *", 125, "docker: Error response from daemon: No such image: img2.\n");
        f.on_err("docker", "logs *", 1, "Error response from daemon: No such container: ltfix-run\n");
    });
    let out = lanctl(&f).args(["update", "ltfix-run", "--image", "img2", "--pull", "never"]).assert().code(1);
    assert_eq!(
        lossy(&out.get_output().stderr),
        "lanctl: update of ltfix-run failed: docker run failed (exit 125): docker: Error response from daemon: No such \
         image: img2; the previous container is back on 198.51.100.113, unchanged; fix the cause, then update again\n"
    );
}

/// The `docker run` argv of a printed update plan.
fn planned_run(plan: &str) -> Vec<String> {
    let line = plan.lines().find(|l| l.trim_start().starts_with("docker run ")).expect("a docker run line");
    argv_of_line(line.trim().trim_end_matches(" &&"))
}

fn spec_of(run: &[String]) -> serde_json::Value {
    let label = run.iter().find_map(|a| a.strip_prefix("io.lanctl.spec=")).expect("the spec label");
    serde_json::from_str(label).unwrap()
}

#[test]
fn update_changes_the_restart_policy_labels_and_arguments_as_up_sets_them() {
    let f = lan_with(with_tenant);
    let dry = lanctl(&f)
        .args(["--dry-run", "update", "ltfix-run", "--restart", "on-failure:0", "--label", "tier=gold", "--label", "x=a b"])
        .args(["--rm-label", "team", "--", "--verbose", "two words"])
        .assert()
        .success();
    let run = planned_run(&lossy(&dry.get_output().stdout));
    let at = |flag: &str| run.iter().position(|a| a == flag).map(|i| run[i + 1].clone());
    assert_eq!(at("--restart").as_deref(), Some("on-failure"));
    let labels: Vec<&str> = run.windows(2).filter(|w| w[0] == "--label").map(|w| w[1].as_str()).collect();
    assert_eq!(labels[..2], ["io.lanctl.tenant=ltfix-run", "io.lanctl.network=ltfix-net"]);
    assert_eq!(labels[3..], ["tier=gold", "x=a b"]);
    assert_eq!(run[run.len() - 4..], ["--", "img", "--verbose", "two words"]);
    let spec = spec_of(&run);
    assert_eq!(spec["restart"], "on-failure");
    assert_eq!(spec["labels"], serde_json::json!({"tier": "gold", "x": "a b"}));
    assert_eq!(spec["args"], serde_json::json!(["--verbose", "two words"]));
    assert!(changes(&f).is_empty());
}

#[test]
fn no_args_clears_the_arguments_and_a_same_value_changes_nothing() {
    let spec = r#"{"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{"team":"a"},"restart":"always","args":["-v"]}"#;
    let f = lan_with(|f| f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(spec)));
    let dry = lanctl(&f).args(["--dry-run", "update", "ltfix-run", "--no-args"]).assert().success();
    let run = planned_run(&lossy(&dry.get_output().stdout));
    assert_eq!(run[run.len() - 2..], ["--", "img"]);
    assert_eq!(spec_of(&run)["args"], serde_json::json!([]));
    let same = lanctl(&f)
        .args(["update", "ltfix-run", "--restart", "always", "--label", "team=a", "--rm-label", "absent", "--", "-v"])
        .assert()
        .success();
    assert_eq!(lossy(&same.get_output().stderr), "lanctl: tenant ltfix-run already has this spec; nothing to do\n");
    assert!(changes(&f).is_empty());
}

#[test]
fn bad_restart_labels_and_arguments_exit_2_before_anything_runs() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["--restart", "sometimes"],
            "lanctl: --restart \"sometimes\" is not a docker restart policy (sometimes is not a docker restart policy; \
             write one of no, always, unless-stopped, on-failure or on-failure:N); use no, always, unless-stopped or \
             on-failure[:N]\n",
        ),
        (
            &["--label=-x=1"],
            "lanctl: --label \"-x\" is not a label key; start with a letter or digit and use letters, digits and . - _ /\n",
        ),
        (&["--label", "novalue"], "lanctl: --label \"novalue\" is not K=V; write it like team=video\n"),
        (
            &["--label", "io.lanctl.spec={}"],
            "lanctl: --label io.lanctl.spec uses lanctl's own prefix io.lanctl.; choose another key\n",
        ),
        (
            &["--rm-label", "io.lanctl.tenant"],
            "lanctl: --rm-label io.lanctl.tenant uses lanctl's own prefix io.lanctl.; choose another key\n",
        ),
        (&["--label", "a=1", "--rm-label", "a"], "lanctl: --label a and --rm-label a contradict each other; give one of them\n"),
        (&["--no-args", "--", "x"], ""),
    ];
    for (extra, want) in cases {
        let f = lan();
        let out = lanctl(&f).args(["update", "ltfix-run"]).args(*extra).assert().code(2);
        let err = lossy(&out.get_output().stderr);
        if want.is_empty() {
            assert!(err.contains("cannot be used with"), "{extra:?}: {err}");
        } else {
            assert_eq!(err, *want, "{extra:?}");
        }
        assert_eq!(f.calls(), Vec::<Vec<String>>::new(), "{extra:?} ran commands before refusing");
    }
}

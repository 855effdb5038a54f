//! `update` against the fake docker: its dry run is the plan its real run executes (values
//! it carries over are read at run time and never printed, a failure undoes itself in
//! bash as in the run), a failure shows the new container's last log lines, and the spec
//! it can change.

mod common;
mod support;

use common::*;
use support::*;

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
        "docker run --detach --name ltfix-run --hostname ltfix-run --network ltfix-net --ip 198.51.100.113 \
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
    let f = lan_with(with_tenant);
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
    let seen = tempfile::tempdir().unwrap();
    let seen_file = seen.path().join("env");
    f.on_script("docker", "run *", &format!("printf '%s|%s' \"$LICENSE\" \"$PASSWORD\" > {}", seen_file.display()));
    f.on("docker", "container inspect --format *State.Status* -- ltfix-run", 0, "running 0 0\n");
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
    assert_eq!(ch[3], ["logs", "--tail", "5", "--", "ltfix-run"]);
    assert_eq!(
        ch[4..],
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

//! Success that is success, failure that says why: `up` and `apply` wait for new
//! containers to stay up, a failed `docker run` leads with docker's words, `ls` and
//! `doctor` show tenants that should run but do not, and `logs`, `restart`, `stop`.
//! Against the fake docker, which here also keeps a small set of live containers.

use std::io::BufRead;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::common::*;
use crate::support::*;
use serde_json::{json, Value};

const SPEC: &str = r#"{"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}"#;

/// How a fake container looks to `docker container inspect`.
#[derive(Clone, Copy)]
enum Is {
    Running,
    /// Exited with this code, not restarted.
    Exited(i64),
    /// Crash-looping: docker restarts it; exit code 1, restarted twice.
    Restarting,
}

/// A tenant container as `docker container inspect` shows it, on the fixture network.
fn tenant(name: &str, ip: &str, is: Is, policy: &str) -> Value {
    let mut v: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-container-inspect-running.json")).unwrap()).unwrap();
    let mut c = v.remove(0);
    c["Id"] = format!("id-{name}").into();
    c["Name"] = format!("/{name}").into();
    c["Config"]["Image"] = "img".into();
    c["Config"]["Labels"] = json!({"io.lanctl.tenant": name, "io.lanctl.network": NET, "io.lanctl.spec": SPEC});
    c["HostConfig"]["RestartPolicy"]["Name"] = policy.into();
    c["NetworkSettings"]["Networks"][NET]["IPAMConfig"]["IPv4Address"] = ip.into();
    c["NetworkSettings"]["Networks"][NET]["IPAddress"] = ip.into();
    let (status, running, restarting, code, restarts) = match is {
        Is::Running => ("running", true, false, 0, 0),
        Is::Exited(code) => ("exited", false, false, code, 0),
        Is::Restarting => ("restarting", true, true, 1, 2),
    };
    c["State"]["Status"] = status.into();
    c["State"]["Running"] = running.into();
    c["State"]["Restarting"] = restarting.into();
    c["State"]["ExitCode"] = code.into();
    c["RestartCount"] = restarts.into();
    c
}

/// Containers named `hx-*` live in a directory: `docker run` and `docker start` make
/// each look as `after/NAME.json` says, `rm --force` removes it, `inspect` and `ps` show
/// the ones there, and `logs` prints `after/NAME.out` and `after/NAME.err`.
struct Live {
    dir: tempfile::TempDir,
}

impl Live {
    fn new() -> Live {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("after")).unwrap();
        std::fs::create_dir(dir.path().join("now")).unwrap();
        Live { dir }
    }
    fn path(&self, sub: &str) -> PathBuf {
        self.dir.path().join(sub)
    }
    /// How `name` looks once run or started, and what it logged.
    fn after(&self, name: &str, c: &Value, out: &str, err: &str) {
        std::fs::write(self.path("after").join(format!("{name}.json")), c.to_string()).unwrap();
        std::fs::write(self.path("after").join(format!("{name}.out")), out).unwrap();
        std::fs::write(self.path("after").join(format!("{name}.err")), err).unwrap();
    }
    /// How `name` looks now, before lanctl runs.
    fn now(&self, name: &str, c: &Value) {
        std::fs::write(self.path("now").join(format!("{name}.json")), c.to_string()).unwrap();
    }
    fn rules(&self, f: &Fake) {
        let after = shell_quote(self.path("after").to_str().unwrap());
        let now = shell_quote(self.path("now").to_str().unwrap());
        f.on_script(
            "docker",
            "run *--name hx-*",
            &format!(
                r#"n=""; p=""; for a in "$@"; do [[ $p == --name ]] && n=$a; p=$a; done; cp {after}/"$n".json {now}/; echo "id-$n""#
            ),
        );
        f.on_script("docker", "start -- hx-*", &format!(r#"for n in "${{@:3}}"; do cp {after}/"$n".json {now}/; done"#));
        f.on_script("docker", "rm --force -- hx-*", &format!(r#"for n in "${{@:4}}"; do rm -f {now}/"$n".json; done"#));
        f.on_script(
            "docker",
            "container inspect -- hx-*",
            &format!(
                r#"s=""; miss=0; printf '['
for n in "${{@:4}}"; do
  if [[ -f {now}/$n.json ]]; then printf '%s' "$s"; cat {now}/"$n".json; s=","
  else echo "Error: No such container: $n" >&2; miss=1; fi
done
printf ']\n'; exit $miss"#
            ),
        );
        // The host's listing: the fixture's containers, then the ones in the directory.
        f.on_script(
            "docker",
            "ps --all --no-trunc --format *",
            &format!(
                r#"cat {}
for j in {now}/*.json; do
  [[ -e $j ]] || continue
  n=$(basename "$j" .json); s=$(grep -oE '"Status":"(running|exited|restarting)"' "$j" | head -1 | cut -d'"' -f4)
  printf '{{"ID":"id-%s","Names":"%s","State":"%s","Networks":"{NET}"}}\n' "$n" "$n" "$s"
done"#,
                shell_quote(fixture("docker-ps-a.jsonl").to_str().unwrap())
            ),
        );
        f.on_script(
            "docker",
            "logs --timestamps --tail 5 -- hx-*",
            &format!(r#"n="${{@: -1}}"; cat {after}/"$n".out; cat {after}/"$n".err >&2"#),
        );
    }
}

/// A fake host with the fixture network and the live `hx-*` containers.
fn host(live: &Live) -> Fake {
    lan_with(|f| live.rules(f))
}

fn out(o: &std::process::Output) -> (Option<i32>, String, String) {
    (o.status.code(), lossy(&o.stdout), lossy(&o.stderr))
}

/// The docker calls after the last `docker run`, argv without the program, the event
/// stream's `--since` time as `SINCE` (see `support::since_masked`).
fn after_last_run(f: &Fake) -> Vec<Vec<String>> {
    let calls = f.calls_of("docker");
    let last = calls.iter().rposition(|c| c[0] == "run").expect("a docker run");
    calls[last + 1..].iter().map(|c| since_masked(c)).collect()
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|s| s.to_string()).collect()
}

/// The change calls without the program and without `docker run`'s long argv
/// (`support::changes` counts `docker logs`, a read, as a change: left out here).
fn changed(f: &Fake) -> Vec<Vec<String>> {
    changes(f)
        .into_iter()
        .filter(|c| c[1] != "logs")
        .map(|c| if c[1] == "run" { argv(&["run", "..."]) } else { c[1..].to_vec() })
        .collect()
}

const T1: &str = "2026-11-25T14:23:34.601568469Z";
const T2: &str = "2026-11-25T14:23:35.715204224Z";

#[test]
fn up_of_an_image_that_crashes_fails_with_its_last_log_lines_and_frees_the_address() {
    let live = Live::new();
    live.after(
        "hx-c1",
        &tenant("hx-c1", "198.51.100.100", Is::Restarting, "unless-stopped"),
        &format!("{T1} starting\n"),
        &format!("{T2} error: LICENSE is not set.\n"),
    );
    let f = host(&live);
    let o = lanctl(&f).args(["up", "hx-c1", "--image", "img", "--wait", "1"]).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(1),
            String::new(),
            "lanctl: tenant hx-c1: it crashed within 1 s (exit code 1, restarted 2 times); its last log lines: starting | \
             error: LICENSE is not set; it was removed, so 198.51.100.100 is free again; fix what its log says, then retry\n"
                .to_string()
        )
    );
    // Seen down at the first look: the log is read while it is there, then it goes. The
    // stream is started before the read, but a stream the first read makes needless is
    // ended at once: on a loaded machine before the fake docker of it logs its argv.
    let mut calls = after_last_run(&f);
    let events = events_argv(&["hx-c1"]);
    let streams = calls.iter().filter(|c| c[0] == "events").count();
    assert!(streams <= 1, "{calls:?}");
    if streams == 1 {
        assert!(calls[..2].contains(&events), "the stream starts with the first read: {calls:?}");
    }
    calls.retain(|c| c[0] != "events");
    assert_eq!(
        calls,
        [
            argv(&["container", "inspect", "--", "hx-c1"]),
            argv(&["logs", "--timestamps", "--tail", "5", "--", "hx-c1"]),
            argv(&["rm", "--force", "--", "hx-c1"]),
        ]
    );
    assert_eq!(changed(&f), [argv(&["run", "..."]), argv(&["rm", "--force", "--", "hx-c1"])]);
}

#[test]
fn a_batch_waits_once_for_all_and_reports_only_the_one_that_crashed() {
    let live = Live::new();
    live.after("hx-a1", &tenant("hx-a1", "198.51.100.100", Is::Running, "unless-stopped"), "", "");
    live.after("hx-a2", &tenant("hx-a2", "198.51.100.101", Is::Exited(3), "no"), "", &format!("{T1} boom\n"));
    live.after("hx-a3", &tenant("hx-a3", "198.51.100.102", Is::Running, "unless-stopped"), "", "");
    let f = host(&live);
    let o =
        lanctl(&f).args(["up", "hx-a1", "hx-a2", "hx-a3", "--image", "img", "--wait", "1", "--parallel", "1"]).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(1),
            "hx-a1 198.51.100.100\nhx-a3 198.51.100.102\n".to_string(),
            "lanctl: tenant hx-a2: it exited within 1 s (exit code 3); its last log lines: boom; it was removed, so \
             198.51.100.101 is free again; fix what its log says, then retry\n\
             lanctl: 1 of 3 tenants failed: hx-a2; the others are up, and `lanctl up` again retries only the failed ones\n"
                .to_string()
        )
    );
    // One inspect of the whole batch per tick, never one per tenant; the crashed one
    // leaves the watch at once, the others are watched to the end of the one wait.
    let after = after_last_run(&f);
    let inspects: Vec<&Vec<String>> = after.iter().filter(|c| c[0] == "container").collect();
    assert_eq!(inspects[0], &argv(&["container", "inspect", "--", "hx-a1", "hx-a2", "hx-a3"]));
    assert!(inspects.len() >= 2, "{inspects:?}");
    for c in &inspects[1..] {
        assert_eq!(*c, &argv(&["container", "inspect", "--", "hx-a1", "hx-a3"]));
    }
    assert_eq!(after.iter().filter(|c| c[0] == "logs").count(), 1);
    assert_eq!(after.last().unwrap(), &argv(&["rm", "--force", "--", "hx-a2"]));
}

#[test]
fn apply_reports_a_crashed_new_tenant_as_failed_not_created() {
    let live = Live::new();
    live.after("hx-f1", &tenant("hx-f1", "198.51.100.100", Is::Running, "unless-stopped"), "", "");
    live.after("hx-f2", &tenant("hx-f2", "198.51.100.101", Is::Exited(1), "unless-stopped"), &format!("{T1} no config\n"), "");
    let f = host(&live);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.json");
    std::fs::write(&file, r#"{"tenants": [{"name": "hx-f1", "image": "img"}, {"name": "hx-f2", "image": "img"}]}"#).unwrap();
    let o = lanctl(&f).args(["apply", "--wait", "1", "--parallel", "1"]).arg(&file).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(1),
            String::new(),
            "lanctl: created: hx-f1\n\
             lanctl: hx-f2 failed: it exited within 1 s (exit code 1); its last log lines: no config; it was removed, so \
             198.51.100.101 is free again; fix what its log says, then retry\n\
             lanctl: 1 of the fleet's tenants failed: hx-f2; fix what is said above and apply again\n"
                .to_string()
        )
    );
}

#[test]
fn wait_zero_skips_the_watch_and_wait_is_bounded_before_anything_runs() {
    let live = Live::new();
    live.after("hx-z1", &tenant("hx-z1", "198.51.100.100", Is::Exited(1), "no"), "", "");
    let f = host(&live);
    let o = lanctl(&f).args(["up", "hx-z1", "--image", "img", "--wait", "0"]).output().unwrap();
    assert_eq!(out(&o), (Some(0), "hx-z1 198.51.100.100\n".to_string(), String::new()));
    assert!(after_last_run(&f).is_empty(), "{:?}", after_last_run(&f));
    let huge = "18446744073709551615";
    for args in [vec!["up", "hx-z2", "--image", "img", "--wait", huge], vec!["restart", "hx-z2", "--wait", huge]] {
        let f = host(&live);
        let o = lanctl(&f).args(&args).output().unwrap();
        assert_eq!(
            out(&o),
            (Some(2), String::new(), "lanctl: --wait 18446744073709551615 is too long; give at most 3600 seconds\n".to_string())
        );
        assert!(f.calls().is_empty(), "{args:?}: {:?}", f.calls());
    }
}

#[test]
fn a_real_run_says_what_happened_and_only_a_dry_run_says_would() {
    let live = Live::new();
    live.after("hx-r1", &tenant("hx-r1", "198.51.100.100", Is::Running, "unless-stopped"), "", "");
    live.after("hx-r2", &tenant("hx-r2", "198.51.100.101", Is::Running, "unless-stopped"), "", "");
    let f = host(&live);
    let o = lanctl(&f).args(["-n", "up", "hx-r1", "hx-r2", "--image", "img"]).output().unwrap();
    let (code, _, err) = out(&o);
    assert_eq!(
        (code, err),
        (
            Some(0),
            "lanctl: hx-r1 would get 198.51.100.100 on ltfix-net\nlanctl: hx-r2 would get 198.51.100.101 on ltfix-net\n"
                .to_string()
        )
    );
    assert!(f.calls_of("docker").iter().all(|c| c[0] != "run"), "a dry run ran docker run");
    let o = lanctl(&f).args(["up", "hx-r1", "hx-r2", "--image", "img", "--wait", "1"]).output().unwrap();
    assert_eq!(
        out(&o),
        (Some(0), "hx-r1 198.51.100.100\nhx-r2 198.51.100.101\n".to_string(), "lanctl: 2 tenants up\n".to_string())
    );
}

#[test]
fn a_failed_run_leads_with_docker_s_words_and_shows_the_line_only_with_v() {
    let stderr = "Unable to find image 'hx/absent:latest' locally\n\
                  docker: Error response from daemon: pull access denied for hx/absent, repository does not exist or may \
                  require 'docker login': denied: requested access to the resource is denied.\n\
                  See 'docker run --help'.\n";
    let want = "lanctl: tenant hx-p1: docker run: pull access denied for hx/absent, repository does not exist or may \
                require 'docker login': denied: requested access to the resource is denied; it was not created; load or \
                pull the image, or give --image\n";
    let f = lan_with(|f| f.on_err("docker", "run *", 125, stderr));
    let o = lanctl(&f).args(["up", "hx-p1", "--image", "hx/absent"]).output().unwrap();
    assert_eq!(out(&o), (Some(1), String::new(), want.to_string()));
    f.clear_calls();
    let o = lanctl(&f).args(["-v", "up", "hx-p1", "--image", "hx/absent"]).output().unwrap();
    let err = lossy(&o.stderr);
    let run_line = err.lines().find(|l| l.starts_with("+ docker run ")).expect("-v shows the run line");
    let ran = f.calls().into_iter().find(|c| c[0] == "docker" && c[1] == "run").unwrap();
    assert_eq!(argv_of_line(run_line.strip_prefix("+ ").unwrap()), ran);
    assert!(err.ends_with(want), "{err}");
    // Anything else keeps docker's words and points at them.
    let f = lan_with(|f| {
        f.on_err("docker", "run *", 125, "docker: Error response from daemon: failed to create the macvlan port: device busy.\n")
    });
    let o = lanctl(&f).args(["up", "hx-p2", "--image", "img"]).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(1),
            String::new(),
            "lanctl: tenant hx-p2: docker run: failed to create the macvlan port: device busy; it was not created; fix \
             what docker says and retry (-v shows the docker command)\n"
                .to_string()
        )
    );
}

#[test]
fn up_of_a_stopped_tenant_starts_it_on_its_own_address_with_its_policy_back() {
    let live = Live::new();
    // As `lanctl stop` leaves it: exited, restart policy no; its spec says unless-stopped.
    live.now("hx-s1", &tenant("hx-s1", "198.51.100.120", Is::Exited(0), "no"));
    live.after("hx-s1", &tenant("hx-s1", "198.51.100.120", Is::Running, "unless-stopped"), "", "");
    let f = host(&live);
    let o = lanctl(&f).args(["up", "hx-s1", "--image", "img", "--wait", "1"]).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(0),
            "hx-s1 198.51.100.120\n".to_string(),
            "lanctl: started the stopped tenant hx-s1 on 198.51.100.120\n".to_string()
        )
    );
    assert_eq!(changed(&f), [argv(&["update", "--restart", "unless-stopped", "--", "hx-s1"]), argv(&["start", "--", "hx-s1"])]);
}

#[test]
fn up_of_a_crash_looping_tenant_is_not_already_up() {
    let live = Live::new();
    live.now("hx-l1", &tenant("hx-l1", "198.51.100.120", Is::Restarting, "unless-stopped"));
    live.after("hx-l1", &tenant("hx-l1", "198.51.100.120", Is::Restarting, "unless-stopped"), "", &format!("{T1} bad port\n"));
    let f = host(&live);
    let o = lanctl(&f).args(["up", "hx-l1", "--image", "img"]).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(1),
            String::new(),
            "lanctl: tenant hx-l1: it exists with this spec but keeps crashing (exit code 1, docker keeps restarting it); \
             its last log lines: bad port; fix what it says, then `lanctl update hx-l1 ...` or `lanctl down hx-l1`\n"
                .to_string()
        )
    );
    assert!(changed(&f).is_empty(), "{:?}", changed(&f));
}

/// `docker ps` and `docker container inspect` for three tenants whose inspect state
/// disagrees with ps (read at another moment): c-10 running, c-2 exited with a policy
/// that says run, c-1 exited as `lanctl stop` leaves it.
fn three_tenants(f: &Fake) {
    let ps = [
        ("c-10", "running", "Up 2 minutes"),
        ("c-2", "exited", "Exited (137) 5 minutes ago"),
        ("c-1", "exited", "Exited (0) 1 hour ago"),
    ]
    .iter()
    .map(|(n, st, status)| json!({"ID": format!("id-{n}"), "Names": n, "State": st, "Status": status}).to_string() + "\n")
    .collect::<String>();
    f.on("docker", "ps --all --no-trunc --filter label=io.lanctl.tenant *", 0, &ps);
    let inspect = json!([
        tenant("c-10", "198.51.100.110", Is::Exited(0), "unless-stopped"),
        tenant("c-2", "198.51.100.102", Is::Exited(137), "unless-stopped"),
        tenant("c-1", "198.51.100.101", Is::Exited(0), "no"),
    ]);
    f.on("docker", "container inspect -- id-c-10 id-c-2 id-c-1", 0, &inspect.to_string());
}

#[test]
fn ls_sorts_naturally_reads_state_and_status_at_one_moment_and_marks_who_should_run() {
    let f = lan_with(three_tenants);
    let o = lanctl(&f).arg("ls").output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(0),
            "NAME  NETWORK    ADDRESS         STATE                READY    IMAGE  STATUS\n\
             c-1   ltfix-net  198.51.100.101  exited               down     img    Exited (0) 1 hour ago\n\
             c-2   ltfix-net  198.51.100.102  exited (should run)  down     img    Exited (137) 5 minutes ago\n\
             c-10  ltfix-net  198.51.100.110  running              running  img    Up 2 minutes\n"
                .to_string(),
            "lanctl: tenant c-2 should run but does not (its restart policy says run, yet it is exited); start it on its \
             own address with `lanctl restart c-2`\n"
                .to_string()
        )
    );
    assert_eq!(f.calls_of("docker").len(), 2);
    let o = lanctl(&f).args(["--json", "ls"]).output().unwrap();
    let rows: Vec<Value> = serde_json::from_slice(&o.stdout).unwrap();
    let summary: Vec<(&str, &str, bool)> = rows
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["state"].as_str().unwrap(), r["should_run"].as_bool().unwrap()))
        .collect();
    assert_eq!(summary, [("c-1", "exited", false), ("c-2", "exited", true), ("c-10", "running", false)]);
}

/// Doctor reads its tenants from one `docker container inspect`: there c-10 is exited too.
#[test]
fn doctor_warns_about_tenants_that_should_run() {
    let f = lan_with(three_tenants);
    let o = lanctl(&f).args(["--json", "doctor", "--driver", "macvlan"]).output().unwrap();
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", lossy(&o.stderr)));
    let check = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "tenants.stopped").expect("tenants.stopped");
    assert_eq!(
        check,
        &json!({
            "id": "tenants.stopped",
            "status": "warn",
            "detail": "2 tenants should run but do not (their restart policy says run, yet they are exited): c-2 c-10",
            "hint": "start them on their own addresses with `lanctl restart c-2 c-10`"
        })
    );
    // Without such a tenant, the check is ok.
    let f = lan();
    let o = lanctl(&f).args(["--json", "doctor", "--driver", "macvlan"]).output().unwrap();
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    let check = report["checks"].as_array().unwrap().iter().find(|c| c["id"] == "tenants.stopped").unwrap();
    assert_eq!(check["status"], "ok");
    assert_eq!(check["detail"], "every tenant whose restart policy says run is running");
}

#[test]
fn logs_hands_docker_logs_the_terminal_even_in_a_dry_run() {
    let f = lan_with(|f| {
        f.on_script("docker", "logs *", r#"echo "call=$LANCTL_CALL"; echo "line one"; echo "err two" >&2"#);
        f.on("docker", "container inspect -- web", 0, &plain_container("web"));
    });
    let o = lanctl(&f).args(["-n", "logs", "ltfix-run", "--tail", "20", "-f"]).output().unwrap();
    assert_eq!(out(&o), (Some(0), "call=query\nline one\n".to_string(), "err two\n".to_string()));
    assert_eq!(f.calls_of("docker").last().unwrap(), &argv(&["logs", "--tail", "20", "--follow", "--", "ltfix-run"]));
    lanctl(&f).args(["logs", "ltfix-run"]).assert().success();
    assert_eq!(f.calls_of("docker").last().unwrap(), &argv(&["logs", "--", "ltfix-run"]));
    f.clear_calls();
    let o = lanctl(&f).args(["logs", "web"]).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(2),
            String::new(),
            "lanctl: container web is not a lanctl tenant; lanctl logs acts on its own only (use `docker logs web` if you mean it)\n"
                .to_string()
        )
    );
    let o = lanctl(&f).args(["logs", "ghost"]).output().unwrap();
    assert_eq!(
        out(&o),
        (Some(2), String::new(), "lanctl: no tenant named ghost; list the tenants with `lanctl ls`\n".to_string())
    );
    assert!(f.calls_of("docker").iter().all(|c| c[0] != "logs"));
    let o = lanctl(&f).args(["logs", "--", "-x"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn logs_follow_streams_each_line_as_it_comes() {
    let f = lan_with(|f| f.on_script("docker", "logs *", "echo first; exec sleep 3"));
    let mut child = f
        .command(LANCTL)
        .env("LANCTL_ARPING", f.program_path("arping"))
        .args(["logs", "ltfix-run", "-f"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let seen = started.elapsed();
    assert_eq!(line, "first\n");
    assert!(seen < Duration::from_secs(2), "the first line came after {seen:?}: lanctl held it back");
    assert!(child.wait().unwrap().success());
}

#[test]
fn stop_keeps_tenants_stopped_and_refuses_what_is_not_a_tenant() {
    let live = Live::new();
    live.now("hx-t1", &tenant("hx-t1", "198.51.100.120", Is::Running, "unless-stopped"));
    live.now("hx-t2", &tenant("hx-t2", "198.51.100.121", Is::Exited(137), "always"));
    let f = host(&live);
    let o = lanctl(&f).args(["-n", "stop", "hx-t1", "hx-t2"]).output().unwrap();
    assert_eq!(
        out(&o),
        (Some(0), "docker update --restart no -- hx-t1 hx-t2\ndocker stop -- hx-t1\n".to_string(), String::new())
    );
    assert!(changed(&f).is_empty());
    let o = lanctl(&f).args(["stop", "hx-t1", "hx-t2", "hx-ghost", "hx-t1"]).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(0),
            String::new(),
            "lanctl: tenant hx-ghost does not exist; nothing to do for it\n\
             lanctl: stopped hx-t1 hx-t2; they stay stopped, also across reboots, until `lanctl restart hx-t1 hx-t2`\n"
                .to_string()
        )
    );
    assert_eq!(changed(&f), [argv(&["update", "--restart", "no", "--", "hx-t1", "hx-t2"]), argv(&["stop", "--", "hx-t1"])]);
    let web: Vec<Value> = serde_json::from_str(&plain_container("web")).unwrap();
    let both = json!([tenant("hx-t1", "198.51.100.120", Is::Running, "no"), web[0]]);
    let f = lan_with(|f| {
        f.on("docker", "container inspect -- hx-t1 web", 0, &both.to_string());
        live.rules(f);
    });
    let o = lanctl(&f).args(["stop", "hx-t1", "web"]).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(2),
            String::new(),
            "lanctl: container web is not a lanctl tenant; lanctl stop acts on its own only (use `docker stop web` if you mean it)\n"
                .to_string()
        )
    );
    assert!(changed(&f).is_empty());
    let o = lanctl(&f).args(["stop", "--", "-x"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// A tenant whose image has a HEALTHCHECK, with docker's health status `status`.
fn checked(name: &str, ip: &str, status: &str) -> Value {
    let mut c = tenant(name, ip, Is::Running, "unless-stopped");
    c["Config"]["Healthcheck"] = json!({"Test": ["CMD", "test", "-e", "/ok"]});
    c["State"]["Health"] = json!({"Status": status});
    c
}

#[test]
fn restart_waits_for_the_images_healthcheck_as_up_does() {
    let live = Live::new();
    live.now("hx-h1", &checked("hx-h1", "198.51.100.122", "healthy"));
    live.after("hx-h1", &checked("hx-h1", "198.51.100.122", "healthy"), "", "");
    let f = host(&live);
    let o = lanctl(&f).args(["restart", "hx-h1"]).output().unwrap();
    let (code, stdout, stderr) = out(&o);
    assert_eq!((code, stdout.as_str()), (Some(0), "hx-h1 198.51.100.122\n"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(lines[0].starts_with("lanctl: hx-h1 198.51.100.122 ready in ") && lines[0].ends_with(" s (healthy)"), "{stderr}");
    assert_eq!(lines[1], "lanctl: restarted hx-h1");
    // Unhealthy fails at once, with the check named and its log, and is left as it is.
    live.after("hx-h1", &checked("hx-h1", "198.51.100.122", "unhealthy"), &format!("{T1} no /ok\n"), "");
    let f = host(&live);
    let started = Instant::now();
    let o = lanctl(&f).args(["restart", "hx-h1"]).output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let (code, stdout, stderr) = out(&o);
    assert_eq!((code, stdout.as_str()), (Some(1), ""), "{stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines[0].starts_with("lanctl: hx-h1 198.51.100.122 not ready after ") && lines[0].ends_with(" s (healthy)"),
        "{stderr}"
    );
    assert_eq!(
        lines[1],
        "lanctl: tenant hx-h1: not ready: its HEALTHCHECK says unhealthy; its last log lines: no /ok; it was left as it \
         is; see `lanctl logs hx-h1`, fix what it says, then `lanctl restart hx-h1`"
    );
    assert!(changed(&f).iter().all(|c| c[0] != "rm"));
}

#[test]
fn restart_gives_the_policy_back_restarts_all_at_once_and_waits() {
    let live = Live::new();
    live.now("hx-t1", &tenant("hx-t1", "198.51.100.120", Is::Running, "unless-stopped"));
    live.now("hx-t2", &tenant("hx-t2", "198.51.100.121", Is::Exited(0), "no"));
    live.after("hx-t1", &tenant("hx-t1", "198.51.100.120", Is::Running, "unless-stopped"), "", "");
    live.after("hx-t2", &tenant("hx-t2", "198.51.100.121", Is::Running, "unless-stopped"), "", "");
    let f = host(&live);
    let o = lanctl(&f).args(["restart", "hx-t1", "hx-t2", "--wait", "1"]).output().unwrap();
    assert_eq!(
        out(&o),
        (Some(0), "hx-t1 198.51.100.120\nhx-t2 198.51.100.121\n".to_string(), "lanctl: restarted hx-t1 hx-t2\n".to_string())
    );
    assert_eq!(
        changed(&f),
        [
            argv(&["update", "--restart", "unless-stopped", "--", "hx-t2"]),
            argv(&["stop", "--", "hx-t1", "hx-t2"]),
            argv(&["start", "--", "hx-t1", "hx-t2"]),
        ]
    );
    // A tenant that does not stay up is reported with its log and left for inspection.
    live.after("hx-t2", &tenant("hx-t2", "198.51.100.121", Is::Exited(2), "unless-stopped"), &format!("{T1} cannot bind\n"), "");
    let f = host(&live);
    let o = lanctl(&f).args(["restart", "hx-t2", "--wait", "1"]).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(1),
            String::new(),
            "lanctl: tenant hx-t2: it exited within 1 s (exit code 2); its last log lines: cannot bind; it was left as it \
             is; see `lanctl logs hx-t2`, fix what it says, then `lanctl restart hx-t2`\n"
                .to_string()
        )
    );
    assert!(changed(&f).iter().all(|c| c[0] != "rm"));
    // A missing tenant stops the command before any change.
    let f = host(&live);
    let o = lanctl(&f).args(["restart", "hx-t1", "hx-nope"]).output().unwrap();
    assert_eq!(
        out(&o),
        (
            Some(2),
            String::new(),
            "lanctl: no tenant named hx-nope; nothing was restarted; list the tenants with `lanctl ls`\n".to_string()
        )
    );
    assert!(changed(&f).is_empty());
}

/// A start time docker's clock puts after now: the settle runs whole from the first read,
/// and the stream's events (at and after it) belong to this start.
const LATER: &str = "2100-01-01T00:00:00Z";
const LATER_NANOS: i64 = 4_102_444_800_000_000_000;

/// A host whose `docker events` prints `lines` (each after its pause, in seconds), each
/// line's `{now}` the live directory, then stays open as docker's stream does.
fn host_with_events(live: &Live, lines: &[(f64, String)]) -> Fake {
    let now = shell_quote(live.path("now").to_str().unwrap());
    let mut script = String::new();
    for (pause, line) in lines {
        script += &format!("sleep {pause}\n{}\n", line.replace("{now}", &now));
    }
    script += "exec sleep 20\n";
    lan_with(|f| {
        f.on_script("docker", "events --since *", &script);
        live.rules(f);
    })
}

fn event(id: &str, action: &str, after_start: i64) -> String {
    format!(
        r#"echo '{{"status":"{action}","id":"{id}","Type":"container","Action":"{action}","Actor":{{"ID":"{id}","Attributes":{{"name":"x"}}}},"scope":"local","timeNano":{}}}'"#,
        LATER_NANOS + after_start
    )
}

fn inspects(f: &Fake, name: &str) -> usize {
    after_last_run(f).iter().filter(|c| c[..2] == ["container", "inspect"] && c.last().map(String::as_str) == Some(name)).count()
}

#[test]
fn a_die_event_fails_the_tenant_at_once_with_its_last_log_lines() {
    let live = Live::new();
    let mut up = tenant("hx-d1", "198.51.100.100", Is::Running, "no");
    up["State"]["StartedAt"] = LATER.into();
    let mut died = tenant("hx-d1", "198.51.100.100", Is::Exited(1), "no");
    died["State"]["StartedAt"] = LATER.into();
    live.after("hx-d1", &up, "", &format!("{T1} error: no license\n"));
    let died_file = live.path("died.json");
    std::fs::write(&died_file, died.to_string()).unwrap();
    // The death comes 0.5 s in: docker shows it stopped from then on, and says so once.
    let die =
        format!("cp {} {{now}}/hx-d1.json\n{}", shell_quote(died_file.to_str().unwrap()), event("id-hx-d1", "die", 500_000_000));
    let f = host_with_events(&live, &[(0.0, event("id-hx-d1", "start", 0)), (0.5, die)]);
    let started = Instant::now();
    let o = lanctl(&f).args(["up", "hx-d1", "--image", "img", "--wait", "30", "--restart", "no"]).output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert_eq!(
        out(&o),
        (
            Some(1),
            String::new(),
            "lanctl: tenant hx-d1: it exited within 30 s (exit code 1); its last log lines: error: no license; it was \
             removed, so 198.51.100.100 is free again; fix what its log says, then retry\n"
                .to_string()
        )
    );
    // One read for the IDs, one after the death: nothing polled in between.
    assert_eq!(inspects(&f, "hx-d1"), 2, "{:?}", after_last_run(&f));
    // The stream starts before the first read (their processes may log in either order).
    assert!(after_last_run(&f)[..2].contains(&events_argv(&["hx-d1"])), "{:?}", after_last_run(&f));
}

#[test]
fn a_healthy_event_makes_the_tenant_ready_without_another_read() {
    let live = Live::new();
    let mut c = checked("hx-h2", "198.51.100.100", "starting");
    c["State"]["StartedAt"] = LATER.into();
    live.after("hx-h2", &c, "", "");
    let f = host_with_events(
        &live,
        &[(0.0, event("id-hx-h2", "start", 0)), (0.3, event("id-hx-h2", "health_status: healthy", 300_000_000))],
    );
    let started = Instant::now();
    let o = lanctl(&f).args(["up", "hx-h2", "--image", "img"]).output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    let (code, stdout, stderr) = out(&o);
    assert_eq!((code, stdout.as_str()), (Some(0), "hx-h2 198.51.100.100\n"), "{stderr}");
    assert!(stderr.starts_with("lanctl: hx-h2 198.51.100.100 ready in ") && stderr.ends_with(" s (healthy)\n"), "{stderr}");
    // docker's own state still says starting: the verdict is the event's.
    assert_eq!(inspects(&f, "hx-h2"), 1, "{:?}", after_last_run(&f));
}

/// The healthy-by-event tenant of the test above, on a fresh host.
fn healthy_by_event() -> (Live, Fake) {
    let live = Live::new();
    let mut c = checked("hx-h2", "198.51.100.100", "starting");
    c["State"]["StartedAt"] = LATER.into();
    live.after("hx-h2", &c, "", "");
    let f = host_with_events(
        &live,
        &[(0.0, event("id-hx-h2", "start", 0)), (0.3, event("id-hx-h2", "health_status: healthy", 300_000_000))],
    );
    (live, f)
}

#[test]
fn with_json_each_tenant_s_progress_is_one_json_line_before_the_result() {
    let (_live, f) = healthy_by_event();
    let o = lanctl(&f).args(["--json", "up", "hx-h2", "--image", "img"]).output().unwrap();
    let (code, stdout, stderr) = out(&o);
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    let first: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(
        first,
        json!({"event": "starting", "tenant": "hx-h2", "address": "198.51.100.100", "check": null, "seconds": 0.0})
    );
    let mut second: Value = serde_json::from_str(lines[1]).unwrap();
    assert!(second["seconds"].as_f64().unwrap() > 0.0, "{second}");
    second["seconds"] = 0.into();
    assert_eq!(
        second,
        json!({"event": "ready", "tenant": "hx-h2", "address": "198.51.100.100", "check": "healthy", "seconds": 0})
    );
    // The rest is the result, as before: one JSON value.
    let rest: Value = serde_json::from_str(&lines[2..].join("\n")).unwrap();
    assert_eq!(rest[0]["name"], "hx-h2", "{rest}");
}

#[test]
fn on_a_terminal_each_tenant_gets_a_line_and_the_count_is_rewritten_in_place() {
    let (_live, f) = healthy_by_event();
    let line = shell_line(&[LANCTL, "up", "hx-h2", "--image", "img"].map(String::from));
    // script(1) gives lanctl a terminal; what lanctl wrote to it comes back on stdout.
    let o = f.command("script").args(["-qec", &line, "/dev/null"]).output().unwrap();
    let tty = lossy(&o.stdout).replace("\r\n", "\n");
    assert_eq!(o.status.code(), Some(0), "{tty}");
    assert!(tty.starts_with("\r\x1b[Klanctl: 1 still starting\r\x1b[Klanctl: hx-h2 198.51.100.100 ready in "), "{tty:?}");
    assert!(tty.ends_with(" s (healthy)\nhx-h2 198.51.100.100\n"), "{tty:?}");
    // Off a terminal the same run has no status line: see the test above.
    let o = lanctl(&f).args(["up", "hx-h2", "--image", "img"]).output().unwrap();
    assert!(!lossy(&o.stderr).contains('\r'), "{:?}", lossy(&o.stderr));
}

//! `up`, `down`, `ls`, `update` against a fake docker that logs every argv.

use crate::common::*;
use crate::support::*;

/// The ID the fake `docker run` prints, which the host's listing then shows for room-1.
const ROOM_ID: &str = "5f0c3a1b2d4e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8";

/// The `docker run` line of a tenant of image `img` on the fixture network.
fn run_line(name: &str, ip: &str, extra: &str) -> String {
    format!(
        "docker run --detach --name {name} --hostname {name} --network ltfix-net --ip {ip} --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart unless-stopped \
         --label io.lanctl.tenant={name} --label io.lanctl.network=ltfix-net \
         --label 'io.lanctl.spec={{\"image\":\"img\",\"env\":{{}},\"secrets\":[],\"ip_env\":[],\"labels\":{{}},\"restart\":\"unless-stopped\",\"args\":[]}}'{extra} -- img"
    )
}

#[test]
fn up_takes_the_lowest_free_address_and_skips_running_and_stopped_holders() {
    let f = lan();
    let done = Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.100\n")
        .change_lines([run_line("room-1", "198.51.100.100", "")])
        .check();
    // The running holder's address comes from `network inspect`; only the stopped one,
    // which that omits, is inspected.
    let inspected: Vec<String> =
        done.calls.iter().filter(|c| c.argv[..2] == ["docker", "container"]).flat_map(|c| c.argv[3..].to_vec()).collect();
    assert!(inspected.iter().any(|id| id.starts_with(STOPPED_ID)), "{inspected:?}");
    assert!(!inspected.iter().any(|id| id.starts_with(RUNNING_ID)), "{inspected:?}");
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &network_with_range("198.51.100.113-198.51.100.116")));
    // .113 runs, .114 is stopped: both held; .115 is next.
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.115\n")
        .change_lines([run_line("room-1", "198.51.100.115", "")])
        .check();
}

#[test]
fn explicit_ip_of_a_stopped_tenant_is_refused_and_nothing_runs() {
    let f = lan();
    Run::new(&f)
        .args(["up", "room-1", "--image", "img", "--ip", "198.51.100.114"])
        .code(2)
        .stderr(
            "lanctl: room-1: --ip 198.51.100.114 is held by container ltfix-stop (exited) on network ltfix-net; choose \
             another address, or leave --ip out to take the next free one\n",
        )
        .check();
}

#[test]
fn exhaustion_names_the_range_and_its_size() {
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &network_with_range("198.51.100.113-198.51.100.114")));
    Run::new(&f)
        .args(["up", "room-1", "--image", "img"])
        .code(1)
        .stderr(
            "lanctl: no free address in the range 198.51.100.113-198.51.100.114 (2 usable of 2 addresses) of network ltfix-net; \
             remove a tenant with `lanctl down`, or create a network with a larger --ip-range\n",
        )
        .check();
}

#[test]
fn secrets_never_reach_an_argv_or_the_dry_run() {
    let seen = tempfile::NamedTempFile::new().unwrap().into_temp_path();
    let f = lan_with(|f| f.on_script("docker", "run *", &format!(r#"printf '%s' "$PASSWORD" > {}; echo id"#, seen.display())));
    let line = "docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.100 --sysctl net.ipv6.conf.all.disable_ipv6=1 \
        --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net \
        --label 'io.lanctl.spec={\"image\":\"flashphoner/webcallserver:latest\",\"env\":{},\"secrets\":[\"LICENSE\",\"PASSWORD\"],\
        \"ip_env\":[\"EXTERNAL_IP\",\"LOCAL_IP\"],\"labels\":{},\"restart\":\"unless-stopped\",\"args\":[],\"ready\":\"tcp:8443,8444\"}' \
        --env EXTERNAL_IP=198.51.100.100 --env LOCAL_IP=198.51.100.100 --env LICENSE --env PASSWORD \
        -- flashphoner/webcallserver:latest";
    Run::new(&f)
        .env("PASSWORD", "hunter2-secret")
        .env("LICENSE", "lic-secret")
        .args(["--dry-run", "up", "room-1", "--preset", "wcs"])
        .stdout(format!(
            "(\n{}\n{}\n{line} || exit 1\n)\n# then wait up to 60 s for tcp:8443,8444 on 198.51.100.100\n",
            guard("PASSWORD"),
            guard("LICENSE")
        ))
        .stderr("lanctl: room-1 would get 198.51.100.100 on ltfix-net\n")
        .check();
    // Pasted into a shell that has PASSWORD but not LICENSE, the plan refuses, naming it,
    // before docker is called.
    let plan = format!("(\n{}\n{}\n{line} || exit 1\n)\n", guard("PASSWORD"), guard("LICENSE"));
    f.clear_calls();
    let pasted = std::process::Command::new("/usr/bin/env")
        .args(["-i", &format!("PATH={}", f.path_env()), "PASSWORD=x", "bash", "-c", &plan])
        .output()
        .unwrap();
    assert_eq!(pasted.status.code(), Some(1));
    assert_eq!(lossy(&pasted.stderr), "lanctl: LICENSE is not set in the environment; export LICENSE, then run this again\n");
    assert_eq!(f.calls(), Vec::<Vec<String>>::new(), "nothing ran");
    Run::new(&f)
        .env("PASSWORD", "hunter2-secret")
        .env("LICENSE", "lic-secret")
        .args(["-v", "up", "--wait", "0", "room-1", "--preset", "wcs"])
        .stdout("room-1 198.51.100.100\n")
        // Reads run at the same time: their echoes come in any order.
        .stderr_unordered(format!(
            "+ docker network ls --no-trunc --filter label=io.lanctl.managed --format '{{{{json .}}}}'\n\
             + docker ps --all --no-trunc --format {PS_FORMAT}\n\
             + docker network inspect -- {NETWORK_IDS}\n\
             + ip -j addr show\n\
             + docker container inspect -- {STOPPED_FULL_ID}\n\
             + docker network inspect -- ltfix-net.lanctl-cluster\n\
             + docker version --format '{{{{json .}}}}'\n\
             + {} -D -c 1 -w 1 -I ltfixp 198.51.100.100\n\
             + {line}\n\
             lanctl: no ARP announcement for room-1: LANCTL_PROBE=arping\n",
            f.program_path("arping").display()
        ))
        .change_lines([line])
        .check();
    for call in f.calls() {
        assert!(!call.iter().any(|a| a.contains("hunter2") || a.contains("lic-secret")), "{call:?}");
    }
    // The value reached docker through its environment.
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), "hunter2-secret");
}

#[test]
fn dry_run_prints_exactly_what_the_real_run_executes() {
    let f = lan();
    let args = ["up", "--wait", "0", "a1", "a2", "--image", "img", "--ip-env", "LOCAL_IP", "-e", "MODE=it's $x"];
    let spec = r#"{"image":"img","env":{"MODE":"it'\''s $x"},"secrets":[],"ip_env":["LOCAL_IP"],"labels":{},"restart":"unless-stopped","args":[]}"#;
    let line = |name: &str, ip: &str| {
        format!(
            "docker run --detach --name {name} --hostname {name} --network ltfix-net --ip {ip} --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart unless-stopped \
             --label io.lanctl.tenant={name} --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={spec}' \
             --env 'MODE=it'\\''s $x' --env LOCAL_IP={ip} -- img\n"
        )
    };
    let dry = Run::new(&f)
        .arg("-n")
        .args(args)
        .stdout(line("a1", "198.51.100.100") + &line("a2", "198.51.100.101"))
        .stderr("lanctl: a1 would get 198.51.100.100 on ltfix-net\nlanctl: a2 would get 198.51.100.101 on ltfix-net\n")
        .check();
    Run::new(&f)
        .args(args)
        .args(["--parallel", "1"])
        .stdout("a1 198.51.100.100\na2 198.51.100.101\n")
        .stderr("lanctl: 2 tenants up\n")
        .change_lines(dry.stdout.lines())
        .check();
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
            &format!(
                "if [[ -e {m} ]]; then echo '{created}'; else echo '[]'; echo 'Error: No such container: room-1' >&2; exit 1; fi"
            ),
        );
        f.on_script("docker", "rm --force -- room-1", &format!("rm -f {m}; echo room-1"));
    });
    std::fs::remove_file(&marker).unwrap();
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.101\n")
        .stderr("lanctl: 198.51.100.100 was taken outside lanctl meanwhile; room-1 tries the next free address\n")
        .change_lines([
            run_line("room-1", "198.51.100.100", ""),
            "docker rm --force -- room-1".into(),
            run_line("room-1", "198.51.100.101", ""),
        ])
        .check();
}

#[test]
fn a_missing_image_is_reported_and_cleaned() {
    let f = lan_with(|f| f.on_err("docker", "run *", 125, "docker: Error response from daemon: No such image: nope:latest.\n"));
    let run = run_line("room-1", "198.51.100.100", "").replace(" --restart", " --pull never --restart").replace("img", "nope");
    // Nothing was created (inspect says so), so nothing is removed.
    Run::new(&f)
        .args(["up", "room-1", "--image", "nope", "--pull", "never"])
        .code(1)
        .stderr(
            "lanctl: tenant room-1: docker run: No such image: nope:latest; it was not created; load or pull the image, or \
             give --image\n",
        )
        .change_lines([&run])
        .check();
}

#[test]
fn a_second_identical_up_changes_nothing_and_another_spec_points_to_update() {
    let state = tempfile::NamedTempFile::new().unwrap().into_temp_path();
    let s = state.display().to_string();
    // room-1 exists once the test has written what docker would say of it: its inspect,
    // and its line in the host's `docker ps` (after the fixture's own two).
    let f = lan_with(|f| {
        f.on_script(
            "docker",
            "container inspect -- room-1",
            &format!("if [[ -s {s} ]]; then cat {s}; else echo '[]'; echo 'Error: No such container: room-1' >&2; exit 1; fi"),
        );
        f.on_script(
            "docker",
            "ps --all --no-trunc --format *",
            &format!(
                "cat {}; if [[ -s {s} ]]; then echo '{{\"ID\":\"{ROOM_ID}\",\"Names\":\"room-1\",\"State\":\"running\",\"Networks\":\"ltfix-net\"}}'; fi",
                fixture("docker-ps-a.jsonl").display()
            ),
        );
    });
    let first = Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.100\n")
        .change_lines([run_line("room-1", "198.51.100.100", "")])
        .check();
    let run = &first.calls.iter().find(|c| c.kind == Kind::Change).unwrap().argv;
    std::fs::write(&state, created_by(run)).unwrap();
    Run::new(&f)
        .args(["up", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.100\n")
        .stderr("lanctl: tenant room-1 is already up with this spec; nothing to do\n")
        .check();
    Run::new(&f)
        .args(["up", "room-1", "--image", "img2"])
        .code(2)
        .stderr(
            "lanctl: tenant room-1 exists with another spec: image is img, not img2; change it with `lanctl update room-1 ...` \
             or remove it with `lanctl down room-1`\n",
        )
        .check();
    // ltfix-run carries no spec label: its spec differs from any request.
    Run::new(&f)
        .args(["up", "ltfix-run", "--image", "img"])
        .code(2)
        .stderr(
            "lanctl: tenant ltfix-run exists with another spec: image is , not img, restart is , not unless-stopped; change \
             it with `lanctl update ltfix-run ...` or remove it with `lanctl down ltfix-run`\n",
        )
        .check();
}

#[test]
fn usage_errors_exit_2_and_run_nothing() {
    let f = lan();
    for (args, err) in [
        (
            vec!["up", "bad_name", "--image", "img"],
            "lanctl: tenant name \"bad_name\" is invalid: it becomes the container name and hostname; use 1 to 63 letters, \
             digits and '-', starting and ending with a letter or digit\n",
        ),
        (vec!["up", "room-1"], "lanctl: no image to run; give --image IMAGE or --preset wcs\n"),
        (
            vec!["up", "room-1", "--image", "img", "--ip", "nope"],
            "lanctl: --ip \"nope\" is not an IP address; give one inside the network's reserved range\n",
        ),
        (
            vec!["up", "a", "b", "--image", "img", "--ip", "198.51.100.120"],
            "lanctl: --ip gives one address; use it with one tenant name\n",
        ),
        (
            vec!["up", "room-1", "--preset", "unknown"],
            "lanctl: --preset \"unknown\" is unknown; use one of janus, jvb, livekit, mediamtx, wcs, wowza\n",
        ),
        // clap's value errors carry no usage line: the subcommand is read from the words.
        (
            vec!["logs", "x", "--tail", "abc"],
            "lanctl: invalid value 'abc' for '--tail <N>': invalid digit found in string; see `lanctl logs --help`\n",
        ),
        (
            vec!["--host", "h", "net", "ls", "--all-hosts=maybe"],
            "lanctl: unexpected value 'maybe' for '--all-hosts' found; no more were expected; see `lanctl net ls --help`\n",
        ),
    ] {
        let done = Run::new(&f).args(&args).code(2).stderr(err).check();
        assert!(done.calls.is_empty(), "{args:?} ran {:?}", done.calls);
    }
    // down --all without a terminal to ask and without --yes: refused before any read.
    let done = Run::new(&f)
        .args(["down", "--all"])
        .code(2)
        .stderr("lanctl: down --all removes every tenant; confirm with --yes\n")
        .check();
    assert!(done.calls.is_empty(), "down --all ran {:?}", done.calls);
}

#[test]
fn several_networks_need_net() {
    let mut nets: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap()).unwrap();
    let mut other = nets[0].clone();
    other["Name"] = "lan2".into();
    nets.push(other);
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &serde_json::to_string(&nets).unwrap()));
    Run::new(&f)
        .args(["up", "room-1", "--image", "img"])
        .code(2)
        .stderr("lanctl: several lanctl networks exist (ltfix-net, lan2); choose one with --net\n")
        .check();
}

#[test]
fn down_refuses_unlabelled_containers_and_ignores_absent_ones() {
    let f = lan_with(|f| f.on("docker", "container inspect -- web", 0, &plain_container("web")));
    Run::new(&f)
        .args(["down", "web"])
        .code(2)
        .stderr("lanctl: container web is not a lanctl tenant; nothing was removed (use `docker rm -f web` if you mean it)\n")
        .check();
    Run::new(&f).args(["down", "ghost"]).stderr("lanctl: tenant ghost does not exist; nothing to do for it\n").check();
    Run::new(&f)
        .args(["down", "ltfix-stop"])
        .stderr("lanctl: removed ltfix-stop\n")
        .changes(&[&["docker", "stop", "--", "ltfix-stop"], &["docker", "rm", "--", "ltfix-stop"]])
        .check();
}

#[test]
fn ls_inspects_only_stopped_tenants_in_three_docker_processes_however_many() {
    let f = lan();
    let done = Run::new(&f)
        .args(["--json", "ls"])
        .stdout(
            r#"[
  {
    "name": "ltfix-run",
    "network": "ltfix-net",
    "address": "198.51.100.113",
    "state": "running",
    "ready": "running",
    "image": "lanctl-test/media:latest",
    "status": "Up Less than a second",
    "should_run": false
  },
  {
    "name": "ltfix-stop",
    "network": "ltfix-net",
    "address": "198.51.100.114",
    "state": "exited",
    "ready": "down",
    "image": "lanctl-test/media:latest",
    "status": "Exited (0) Less than a second ago",
    "should_run": false
  }
]
"#,
        )
        .check();
    // Running tenants' addresses come from their network's inspect; only the stopped one
    // is inspected, since only its own settings keep its address.
    // The last two run at once, after `docker ps` (ls_reads.rs has the rounds).
    let mut calls: Vec<String> = done.calls.iter().map(|c| c.argv.join(" ")).collect();
    calls[1..].sort();
    assert_eq!(
        calls,
        [
            format!("docker ps --all --no-trunc --filter label=io.lanctl.tenant --format {}", PS_FORMAT.trim_matches('\'')),
            format!("docker container inspect -- {STOPPED_FULL_ID}"),
            "docker network inspect -- ltfix-net".to_string(),
        ]
    );
    Run::new(&f)
        .args(["ls"])
        .stdout(
            "NAME        NETWORK    ADDRESS         STATE    READY    IMAGE                     STATUS\n\
             ltfix-run   ltfix-net  198.51.100.113  running  running  lanctl-test/media:latest  Up Less than a second\n\
             ltfix-stop  ltfix-net  198.51.100.114  exited   down     lanctl-test/media:latest  Exited (0) Less than a second ago\n",
        )
        .check();
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
    let run = r#"docker run --detach --name ltfix-run --hostname ltfix-run --network ltfix-net --ip 198.51.100.113 --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart unless-stopped --label io.lanctl.tenant=ltfix-run --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={"image":"img2","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}' -- img2"#;
    Run::new(&f)
        .args(["update", "ltfix-run", "--image", "img2"])
        .code(1)
        .stderr(
            "lanctl: update of ltfix-run failed: docker run failed (exit 125): docker: Error response from daemon: failed \
             to create the ipvlan port: operation not supported; the previous container is back on 198.51.100.113, \
             unchanged; fix the cause, then update again\n",
        )
        // The fake still shows the old container as ltfix-run after the rename, so the
        // failed new one is removed by that name: what docker would show too.
        .change_lines([
            "docker stop -- ltfix-run",
            "docker rename -- ltfix-run ltfix-run.lanctl-prev",
            run,
            "docker rm --force -- ltfix-run",
            "docker rename -- ltfix-run.lanctl-prev ltfix-run",
            "docker start -- ltfix-run",
        ])
        .check();
}

/// `--json down` says what it removed, as data on stdout (an empty list when nothing was
/// there); the notes stay on stderr.
#[test]
fn json_down_prints_what_was_removed() {
    let f = lan();
    Run::new(&f)
        .args(["--json", "down", "ltfix-stop"])
        .stdout("{\n  \"removed\": [\n    \"ltfix-stop\"\n  ]\n}\n")
        .stderr("lanctl: removed ltfix-stop\n")
        .changes(&[&["docker", "stop", "--", "ltfix-stop"], &["docker", "rm", "--", "ltfix-stop"]])
        .check();
    Run::new(&f)
        .args(["--json", "down", "ghost"])
        .stdout("{\n  \"removed\": []\n}\n")
        .stderr("lanctl: tenant ghost does not exist; nothing to do for it\n")
        .check();
}

/// `--timeout SECONDS` is docker's `stop --time`, for `stop`, `down` and `update` alike;
/// without it docker's own default applies (no flag); it is checked before anything runs.
#[test]
fn timeout_is_the_stop_grace_period_of_stop_down_and_update() {
    let spec = r#"{"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}"#;
    let f = lan_with(|f| f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(spec)));
    let plan = |args: &[&str]| -> Vec<String> {
        let out = lanctl(&f).arg("-n").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", lossy(&out.stderr));
        lossy(&out.stdout).lines().filter(|l| l.starts_with("docker stop")).map(String::from).collect()
    };
    assert_eq!(plan(&["down", "ltfix-run", "--timeout", "30"]), ["docker stop --time 30 -- ltfix-run"]);
    assert_eq!(plan(&["down", "ltfix-run"]), ["docker stop -- ltfix-run"]);
    assert_eq!(plan(&["stop", "ltfix-run", "--timeout", "0"]), ["docker stop --time 0 -- ltfix-run"]);
    assert_eq!(
        plan(&["update", "ltfix-run", "--image", "img2", "--timeout", "20"]),
        ["docker stop --time 20 -- ltfix-run || exit 1"]
    );
    f.clear_calls();
    for args in
        [&["down", "t", "--timeout", "3601"][..], &["stop", "t", "--timeout", "86400"], &["update", "t", "--timeout", "3601"]]
    {
        let secs = args[3];
        Run::new(&f)
            .args(args)
            .code(2)
            .stderr(format!("lanctl: --timeout {secs} is too long; give at most 3600 seconds\n"))
            .check();
    }
    Run::new(&f)
        .args(["down", "t", "--timeout", "-1"])
        .code(2)
        .stderr("lanctl: unexpected argument '-1' found (tip: to pass '-1' as a value, use '-- -1'); see `lanctl down --help`\n")
        .check();
    assert!(f.calls().is_empty(), "{:?}", f.calls());
}

/// A server that ignores SIGTERM keeps `docker stop` waiting for its whole grace period:
/// once the stop has taken a second, lanctl says what it is waiting for and for how long,
/// and a quick stop says nothing.
#[test]
fn a_slow_stop_says_what_it_waits_for() {
    let f = lan_with(|f| {
        f.on_script("docker", "stop --time 3 -- ltfix-stop", "sleep 1.5");
        f.on_script("docker", "stop -- ltfix-stop", "sleep 1.5");
    });
    Run::new(&f)
        .args(["down", "ltfix-stop", "--timeout", "3"])
        .stderr(
            "lanctl: waiting for ltfix-stop to exit on SIGTERM; docker kills it 3 s after the stop\n\
             lanctl: removed ltfix-stop\n",
        )
        .changes(&[&["docker", "stop", "--time", "3", "--", "ltfix-stop"], &["docker", "rm", "--", "ltfix-stop"]])
        .check();
    Run::new(&f)
        .args(["down", "ltfix-stop"])
        .stderr(
            "lanctl: waiting for ltfix-stop to exit on SIGTERM; docker kills it 10 s after the stop unless its \
             container sets another stop timeout (lanctl stop, down and update take --timeout SECONDS)\n\
             lanctl: removed ltfix-stop\n",
        )
        .changes(&[&["docker", "stop", "--", "ltfix-stop"], &["docker", "rm", "--", "ltfix-stop"]])
        .check();
}

//! Proves the shared harness (tests/testsuite/common) itself works, before any lanctl test relies on
//! it: the fakes log exactly and fail loudly, `Run` catches every kind of mismatch, the
//! host-dependency parsers read what apt, resolv.conf and cargo write, and the real-engine
//! guard cleans up after itself and after runs that died.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::common::{self, *};

/// Arguments that break any quoting that is not exact: expansions, separators, quotes,
/// whitespace, globs, a leading dash, non-ASCII.
fn hostile() -> Vec<String> {
    [
        "",
        "a b",
        "two\nlines",
        "it's \"q\"",
        "$(touch X)",
        "`touch Y`",
        "${HOME}",
        "a;b",
        "; rm -rf Z",
        "&&",
        "|",
        "*",
        "-",
        "-rf",
        "--flag=$x",
        "ünï",
        "\\",
        "\t",
        "'",
    ]
    .map(String::from)
    .to_vec()
}

/// The panic message of `f`, which must panic.
fn panic_of(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    err.downcast_ref::<String>().cloned().or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default()
}

#[test]
fn fake_logs_hostile_argv_exactly_and_hands_it_to_rules_intact() {
    let fake = Fake::new();
    // The rule echoes its argv back NUL-separated: what a rule script sees is what was passed.
    fake.on_script("docker", "*", r#"printf '%s\0' "$@""#);
    let o = fake.command("docker").args(hostile()).output().unwrap();
    assert!(o.status.success(), "{}", lossy(&o.stderr));
    let echoed: Vec<String> = o.stdout.split(|b| *b == 0).map(|a| String::from_utf8(a.to_vec()).unwrap()).collect();
    assert_eq!(echoed[..echoed.len() - 1], hostile()[..], "the rule saw other arguments");
    let mut want = vec!["docker".to_string()];
    want.extend(hostile());
    assert_eq!(fake.calls(), vec![want.clone()]);
    // Nothing was expanded along the way, so the log is byte for byte what was passed.
    assert_eq!(fake.log()[0].argv.iter().map(|a| a.as_bytes().to_vec()).collect::<Vec<_>>(), {
        want.iter().map(|a| a.as_bytes().to_vec()).collect::<Vec<_>>()
    });
}

#[test]
fn fake_rules_first_match_wins_per_program() {
    let fake = Fake::new();
    fake.on("docker", "network inspect *", 0, "[{\"Name\":\"x\"}]");
    fake.on("docker", "network *", 7, "never for inspect");
    fake.on_err("docker", "run *--ip 198.51.100.5*", 125, "Address already in use\n");
    fake.on_file("docker", "info*", 0, fixture("docker-info.json"));
    fake.on_script("ip", "-j link show dev *", r#"echo "[{\"ifname\":\"${@: -1}\"}]""#);

    let run = |prog: &str, args: &[&str]| fake.command(prog).args(args).output().unwrap();
    let o = run("docker", &["network", "inspect", "x"]);
    assert_eq!((o.status.code(), lossy(&o.stdout).as_str()), (Some(0), "[{\"Name\":\"x\"}]"));
    let o = run("docker", &["network", "rm", "x"]);
    assert_eq!((o.status.code(), lossy(&o.stdout).as_str()), (Some(7), "never for inspect"));
    let o = run("docker", &["run", "-d", "--ip", "198.51.100.5", "img"]);
    assert_eq!((o.status.code(), lossy(&o.stderr).as_str()), (Some(125), "Address already in use\n"));
    let o = run("docker", &["info", "--format", "{{json .}}"]);
    assert_eq!(lossy(&o.stdout), std::fs::read_to_string(fixture("docker-info.json")).unwrap());
    assert_eq!(lossy(&run("ip", &["-j", "link", "show", "dev", "lt0"]).stdout), "[{\"ifname\":\"lt0\"}]\n");
    assert_eq!(fake.calls_of("ip"), [["-j", "link", "show", "dev", "lt0"]]);
    assert_eq!(fake.calls().len(), 5);
    fake.clear_calls();
    assert!(fake.calls().is_empty());
}

#[test]
fn a_call_no_rule_answers_exits_97_says_so_and_is_recorded() {
    let fake = Fake::new();
    // A docker rule never answers for ip.
    fake.on("docker", "*", 0, "");
    let o = fake.command("ip").args(["network", "inspect", "a b", "it's"]).output().unwrap();
    assert_eq!(o.status.code(), Some(NO_RULE_EXIT));
    assert!(o.stdout.is_empty());
    assert_eq!(lossy(&o.stderr), "fake ip: no rule for: network inspect a\\ b it\\'s\n");
    let unmatched = fake.take_unmatched();
    assert_eq!(unmatched.len(), 1);
    assert_eq!(unmatched[0].argv, ["ip", "network", "inspect", "a b", "it's"]);
    assert!(fake.take_unmatched().is_empty(), "taken once");
}

#[test]
fn a_fake_dropped_after_an_unanswered_call_fails_the_test() {
    let msg = panic_of(|| {
        let fake = Fake::new();
        // The caller ignores the failure, as lanctl might: the drop still fails the test.
        let _ = fake.command("docker").args(["volume", "ls"]).output();
    });
    assert!(msg.starts_with("1 fake call(s) matched no rule (the fake exited 97):\n  [Unset] docker volume ls\n"), "{msg}");
}

#[test]
fn the_fake_logs_what_lanctl_said_each_call_was() {
    let fake = Fake::new();
    fake.on("docker", "*", 0, "");
    fake.command("docker").arg("ps").env("LANCTL_CALL", "query").status().unwrap();
    fake.command("docker").arg("rm").env("LANCTL_CALL", "change").status().unwrap();
    fake.command("docker").arg("info").status().unwrap();
    fake.command("docker").arg("odd").env("LANCTL_CALL", "maybe").status().unwrap();
    let kinds: Vec<(Kind, Vec<String>)> = fake.calls_with_kind();
    let want = |k: Kind, a: &str| (k, vec!["docker".to_string(), a.to_string()]);
    assert_eq!(
        kinds,
        [want(Kind::Query, "ps"), want(Kind::Change, "rm"), want(Kind::Unset, "info"), want(Kind::Other("maybe".into()), "odd")]
    );
    assert_eq!(fake.changes(), [["docker", "rm"]]);
}

#[test]
fn fake_logs_concurrent_calls() {
    let fake = Fake::new();
    fake.on("ip", "*", 0, "");
    let kids: Vec<_> = (0..8).map(|i| fake.command("ip").arg(i.to_string()).spawn().unwrap()).collect();
    for mut k in kids {
        assert!(k.wait().unwrap().success());
    }
    let mut got: Vec<String> = fake.calls().into_iter().map(|c| c[1].clone()).collect();
    got.sort();
    assert_eq!(got, (0..8).map(|i| i.to_string()).collect::<Vec<_>>());
    assert_eq!(fake.mark(), 8);
}

/// lanctl kills an event stream it no longer needs: a fake killed while it wrote the call
/// counter once left it empty, the next call numbered itself 1 and overwrote the first
/// call's log (health_fake failed in CI with its `docker logs` and `rm` gone).
#[test]
fn a_call_counter_left_empty_fails_the_call_loudly_and_overwrites_no_call() {
    let fake = Fake::new();
    fake.on("docker", "*", 0, "");
    assert!(fake.command("docker").arg("one").status().unwrap().success());
    let seq = fake.bin().parent().unwrap().join("seq");
    std::fs::write(&seq, "").unwrap();
    let o = fake.command("docker").arg("two").output().unwrap();
    assert_eq!(
        (o.status.code(), lossy(&o.stderr)),
        (Some(NO_RULE_EXIT), format!("fake docker: the call counter {} holds '', not a number\n", seq.display()))
    );
    assert_eq!(fake.calls(), [["docker", "one"]]);
}

#[test]
fn fake_environment() {
    let fake = Fake::new();
    let o = fake
        .command("sh")
        .args(["-c", "command -v docker; command -v ip; command -v arping; printf '%s\\n' \"$LANCTL_LOCK_DIR\"; env"])
        .env("LANCTL_SHOULD_STAY", "1")
        .output()
        .unwrap();
    let out = lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], fake.program_path("docker").to_str().unwrap());
    assert_eq!(lines[1], fake.program_path("ip").to_str().unwrap());
    assert_eq!(lines[2], fake.program_path("arping").to_str().unwrap());
    assert!(std::path::Path::new(lines[3]).is_dir());
    // Inherited LANCTL_* is gone (so LANCTL_DOCKER cannot bypass the fake); what the test
    // sets itself stays, and the LAN probe is the (fake) arping.
    let mut lanctl_vars: Vec<&str> = lines[4..].iter().filter(|l| l.starts_with("LANCTL_")).copied().collect();
    lanctl_vars.sort();
    assert_eq!(lanctl_vars, [format!("LANCTL_LOCK_DIR={}", lines[3]).as_str(), "LANCTL_PROBE=arping", "LANCTL_SHOULD_STAY=1"]);
}

#[test]
fn run_passes_when_everything_matches() {
    let fake = Fake::new();
    fake.on("docker", "network ls *", 0, "");
    fake.on("docker", "ps *", 0, "");
    let done = Run::new(&fake).args(["ls"]).stdout("NAME  NETWORK  ADDRESS  STATE  READY  IMAGE  STATUS\n").check();
    assert_eq!(done.code, Some(0));
    assert!(done.calls.iter().all(|c| c.kind == Kind::Query), "{:?}", done.calls);
}

#[test]
fn run_reports_every_mismatch_with_a_diff() {
    let fake = Fake::new();
    fake.on("docker", "ps *", 0, "");
    let msg = panic_of(|| {
        Run::new(&fake).args(["ls"]).stdout("NAME\n").stderr("a note\n").code(1).changes(&[&["docker", "rm", "x"]]).check();
    });
    assert!(msg.starts_with("`lanctl ls` did not do what the test expects:\n\n"), "{msg}");
    assert!(msg.contains("exit code: expected 1, got Some(0)"), "{msg}");
    assert!(
        msg.contains(
            "stdout differs (- expected, + actual):\n- NAME\\n\n+ NAME  NETWORK  ADDRESS  STATE  READY  IMAGE  STATUS\\n"
        ),
        "{msg}"
    );
    assert!(msg.contains("stderr differs (- expected, + actual):\n- a note\\n\n\n"), "{msg}");
    assert!(msg.contains("changes differ (- expected, + actual):\n- docker rm x\\n\n"), "{msg}");
}

#[test]
fn run_fails_on_a_call_no_rule_answers_even_when_lanctl_hides_it() {
    // doctor turns a failed read into a skipped check and exits as usual; the test must
    // fail anyway.
    let fake = Fake::new();
    let msg = panic_of(|| {
        Run::new(&fake).args(["--dry-run", "doctor"]).code_unchecked().stdout_unchecked().stderr_unchecked().check();
    });
    assert!(msg.contains("fake call(s) matched no rule (the fake exited 97):\n  [Query] docker version --format"), "{msg}");
    assert!(fake.unmatched().is_empty(), "Run took them: the Fake's drop must not fail a second time");
}

#[test]
fn run_built_and_never_checked_fails_the_test() {
    let fake = Fake::new();
    let msg = panic_of(|| drop(Run::new(&fake).args(["ls"])));
    assert_eq!(msg, "a Run was built but never checked: call .check()");
}

#[test]
fn run_substring_and_unordered_checks_are_explicit() {
    let fake = Fake::new();
    fake.on("docker", "network ls *", 0, "");
    fake.on("docker", "ps *", 0, "");
    Run::new(&fake).args(["ls"]).stdout_contains("NAME").stdout_contains("STATUS\n").check();
    let msg = panic_of(|| {
        Run::new(&fake).args(["ls"]).stdout_contains("NAME").stdout_contains("nope").check();
    });
    assert!(msg.contains("stdout lacks:\n  \"nope\""), "{msg}");
    let msg = panic_of(|| drop(Run::new(&fake).stdout("x").stdout_contains("y")));
    assert!(msg.starts_with("stdout: a substring check on top of Exact(\"x\")"), "{msg}");
}

#[test]
fn the_diff_marks_removed_and_added_lines_and_shows_invisible_characters() {
    assert_eq!(common::diff::lines("a\nb\nc\n", "a\nc\nd"), "  a\\n\n- b\\n\n  c\\n\n+ d\n");
    assert_eq!(common::diff::lines("x \n", "x\t\n"), "- x \\n\n+ x\\t\\n\n");
}

#[test]
fn argv_of_line_round_trips_quoted_args() {
    let mut argv = vec!["docker".to_string(), "run".into()];
    argv.extend(hostile());
    let line = argv.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ");
    assert_eq!(argv_of_line(&line), argv);
    assert_eq!(argv_of_line(r"ip link add $'a\nb' x\ y"), ["ip", "link", "add", "a\nb", "x y"]);
    // shell_line quotes only where needed, and bash reads it back the same.
    assert_eq!(argv_of_line(&shell_line(&argv)), argv);
    assert_eq!(shell_line(&["ip".into(), "a b".into(), "x=1".into()]), "ip 'a b' x=1");
}

#[test]
fn argv_of_line_cannot_run_programs_or_write_files() {
    // Builtins still expand (harmless); a program by path or by PATH does not run.
    assert_eq!(argv_of_line("x $(echo builtin) $(/bin/echo by-path) $(ls /)"), ["x", "builtin"]);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("written");
    // Restricted bash refuses the redirection; argv_of_line reports that as a panic.
    let msg = panic_of(|| drop(argv_of_line(&format!("echo > {}", target.display()))));
    assert!(msg.contains("restricted"), "{msg}");
    assert!(!target.exists());
}

#[test]
fn apt_sources_in_both_formats_give_their_hosts() {
    use common::hostdeps::*;
    let one_line = "# deb http://commented.example/debian bookworm main\n\
                    deb http://deb.debian.org/debian bookworm main\n\
                    deb-src [arch=amd64 signed-by=/k.gpg] https://user:pw@mirror.example:8080/debian bookworm main\n\
                    deb [ trusted=yes ] mirror+http://mirrors.example/list.txt bookworm main\n\
                    deb file:/srv/repo ./\n";
    let uris = one_line_uris(one_line);
    assert_eq!(
        uris,
        [
            "http://deb.debian.org/debian",
            "https://user:pw@mirror.example:8080/debian",
            "mirror+http://mirrors.example/list.txt",
            "file:/srv/repo"
        ]
    );
    let hosts: Vec<String> = uris.iter().filter_map(|u| uri_host(u)).collect();
    assert_eq!(hosts, ["deb.debian.org", "mirror.example", "mirrors.example"]);
    let deb822 = "Types: deb\n# URIs: http://commented.example\nURIs: http://deb.debian.org/debian http://[2001:db8::1]:80/d\n\
                  \x20 https://continued.example/debian\nSuites: bookworm\n\nTypes: deb\nuris: https://second.example/x\n";
    let hosts: Vec<String> = deb822_uris(deb822).iter().filter_map(|u| uri_host(u)).collect();
    assert_eq!(hosts, ["deb.debian.org", "2001:db8::1", "continued.example", "second.example"]);
}

#[test]
fn resolvers_and_cargo_registries_are_dependencies() {
    use common::hostdeps::*;
    let resolv = "# comment\nsearch example\nnameserver 10.255.255.53\nnameserver fe80::1%eth0\nnameserver bogus\n";
    assert_eq!(nameservers(resolv), ["10.255.255.53".parse::<std::net::IpAddr>().unwrap(), "fe80::1".parse().unwrap()]);
    let cargo = "[registries.corp]\nindex = \"sparse+https://cargo.corp.example/index/\"\n\
                 [source.crates-io]\nreplace-with = 'mirror'\n[source.mirror]\nregistry = 'https://mirror.example/git' # note\n";
    let hosts: Vec<String> = quoted_urls(cargo).iter().filter_map(|u| uri_host(u)).collect();
    assert_eq!(hosts, ["cargo.corp.example", "mirror.example"]);
}

#[test]
fn a_test_subnet_holding_a_dependency_is_refused() {
    use common::hostdeps::Dependency;
    let deps = [
        Dependency { addr: "198.51.100.80".parse().unwrap(), what: "deb.example (apt source in x)".into() },
        Dependency { addr: "203.0.113.80".parse().unwrap(), what: "index.crates.io (cargo's default registry)".into() },
        Dependency { addr: "2001:db8::1".parse().unwrap(), what: "a nameserver in /etc/resolv.conf".into() },
    ];
    let net = |s: &str| s.parse::<ipnet::Ipv4Net>().unwrap();
    assert_eq!(
        common::real::conflicting_dependencies(&net("198.51.100.64/26"), &deps),
        ["198.51.100.80, the address of deb.example (apt source in x)"]
    );
    assert!(common::real::conflicting_dependencies(&net("198.51.100.0/26"), &deps).is_empty());
}

#[test]
fn the_slots_split_the_one_test_range_without_overlap() {
    let range: ipnet::Ipv4Net = TEST_RANGES[0].parse().unwrap();
    assert_eq!(TEST_RANGES, ["198.51.100.0/24"]);
    let slots: Vec<ipnet::Ipv4Net> = TEST_SLOTS.iter().chain(&[BENCH_SLOT, LAB_SLOT]).map(|s| s.parse().unwrap()).collect();
    assert_eq!(slots, range.subnets(26).unwrap().collect::<Vec<_>>());
}

#[test]
fn the_lock_holder_is_told_in_utc() {
    assert_eq!(common::lock::utc(0), "1970-01-01 00:00:00 UTC");
    assert_eq!(common::lock::utc(1_795_614_181), "2026-11-25 13:43:01 UTC");
    assert_eq!(common::lock::utc(951_782_400), "2000-02-29 00:00:00 UTC");
}

#[test]
fn a_held_record_names_its_process_prefix_and_routes_and_goes_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let path;
    {
        let held = common::held::Held::record_in(dir.path(), "ltab12cd", "ltab12cd", &[("198.51.100.0/26", "4242")]);
        path = held.path().to_path_buf();
        let text = std::fs::read_to_string(&path).unwrap();
        let pid = std::process::id();
        assert_eq!(path, dir.path().join(format!("{pid}-ltab12cd.held")));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], format!("pid {pid}"));
        let start: u64 = lines[1].strip_prefix("start ").unwrap().parse().expect("start time in ticks");
        assert!(start > 0);
        assert_eq!(lines[2], format!("boot {}", common::held::boot_id()));
        assert!(lines[3].starts_with("owner testsuite-"), "{text}");
        assert_eq!(lines[4..], ["prefix ltab12cd", "blackhole 198.51.100.0/26 4242"]);
    }
    assert!(!path.exists(), "dropped with its owner");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn real_kernel_link_types() {
    assert!(kernel_supports_link_type("macvlan"));
    assert!(!kernel_supports_link_type("no-such-type"));
    eprintln!("ipvlan supported: {}", kernel_supports_link_type("ipvlan"));
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn real_images_behave() {
    let tag;
    {
        let env = RealEnv::new();
        tag = env.tag().to_string();
        let media = env.name("media");
        let (local, external) = (env.host(9), env.host(10));
        sh_ok(
            "docker",
            &[
                "run",
                "-d",
                "--pull",
                "never",
                "--network",
                "none",
                "--name",
                &media,
                "-e",
                &format!("LOCAL_IP={local}"),
                "-e",
                &format!("EXTERNAL_IP={external}"),
                "-e",
                "PASSWORD=hunter2",
                "-e",
                "LICENSE=lic-secret",
                "lanctl-test/media:latest",
            ],
        );
        let props = sh_ok("docker", &["exec", &media, "cat", "/srv/conf/server.properties"]);
        assert_eq!(props, format!("ip={external}\nip_local={local}\n"));
        let page = sh_ok(
            "docker",
            &[
                "exec",
                &media,
                "sh",
                "-c",
                "for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://127.0.0.1/ && exit; sleep 0.2; done; exit 1",
            ],
        );
        assert!(page.contains(&format!("LOCAL_IP={local}\nEXTERNAL_IP={external}\n")), "{page}");
        let logs = sh("docker", &["logs", &media]);
        let all = lossy(&logs.stdout) + &lossy(&logs.stderr) + &page;
        assert!(!all.contains("hunter2") && !all.contains("lic-secret"), "{all}");

        let t = std::time::Instant::now();
        let crash = sh(
            "docker",
            &["run", "--pull", "never", "--network", "none", "--name", &env.name("crash"), "lanctl-test/crash:latest"],
        );
        assert_eq!(crash.status.code(), Some(1));
        assert!(t.elapsed().as_secs() < 10);
    }
    let _lock = RealLock::acquire();
    assert_eq!(leftovers(&tag), Vec::<String>::new());
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn real_macvlan_media_reachable_from_second_container() {
    let tag;
    let subnet;
    {
        let env = RealEnv::new();
        tag = env.tag().to_string();
        subnet = env.subnet();
        assert!(blackhole_present(&subnet));
        let net = env.name("net");
        env.track_network(&net);
        sh_ok(
            "docker",
            &[
                "network",
                "create",
                "-d",
                "macvlan",
                "--subnet",
                &subnet,
                "--gateway",
                &env.gateway(),
                "-o",
                &format!("parent={}", env.parent()),
                "-o",
                "macvlan_mode=bridge",
                &net,
            ],
        );
        let media = env.name("media");
        env.track_container(&media);
        let (server, client_ip) = (env.host(20), env.host(21));
        sh_ok(
            "docker",
            &[
                "run",
                "-d",
                "--pull",
                "never",
                "--name",
                &media,
                "--hostname",
                &media,
                "--network",
                &net,
                "--ip",
                &server,
                "-e",
                &format!("LOCAL_IP={server}"),
                "lanctl-test/media:latest",
            ],
        );
        // Deliberately not tracked: the drop must also sweep what carries the env's prefix.
        let fetch =
            format!("for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -q -O - http://{server}/ && exit; sleep 0.3; done; exit 1");
        let client = sh(
            "docker",
            &[
                "run",
                "--pull",
                "never",
                "--name",
                &env.name("client"),
                "--network",
                &net,
                "--ip",
                &client_ip,
                "--entrypoint",
                "/bin/sh",
                "lanctl-test/media:latest",
                "-c",
                &fetch,
            ],
        );
        let page = lossy(&client.stdout);
        assert!(client.status.success(), "wget failed: {}", lossy(&client.stderr));
        assert!(page.contains(&format!("LOCAL_IP={server}\n")), "{page}");
        assert!(page.contains(&format!("HOSTNAME={media}\n")), "{page}");
    }
    let _lock = RealLock::acquire(); // no other RealEnv may run while we look
    assert_eq!(leftovers(&tag), Vec::<String>::new());
    assert!(!blackhole_present(&subnet));
    assert!(!std::path::Path::new(common::held::HELD_DIR).join(format!("{}-{tag}.held", std::process::id())).exists());
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn real_env_cleans_up_after_a_panic() {
    let (tx, rx) = std::sync::mpsc::channel();
    let joined = std::thread::spawn(move || {
        let env = RealEnv::with_two_subnets();
        tx.send((env.tag().to_string(), env.subnet(), env.subnet2())).unwrap();
        let net = env.name("net");
        sh_ok(
            "docker",
            &["network", "create", "-d", "macvlan", "--subnet", &env.subnet2(), "-o", &format!("parent={}", env.parent()), &net],
        );
        panic!("test failure inside a RealEnv");
    })
    .join();
    assert!(joined.is_err());
    let (tag, subnet, subnet2) = rx.recv().unwrap();
    assert_eq!((subnet.as_str(), subnet2.as_str()), (TEST_SLOTS[0], TEST_SLOTS[1]));
    let _lock = RealLock::acquire();
    assert_eq!(leftovers(&tag), Vec::<String>::new());
    assert!(!blackhole_present(&subnet));
    assert!(!blackhole_present(&subnet2));
}

/// scripts/cleanup-test-leftovers.sh while a run holds the lock: it removes what a dead
/// run's record lists, and nothing of a live run's.
#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn real_cleanup_removes_only_what_dead_runs_left() {
    let env = RealEnv::new(); // holds the lock: the script may not sweep, only read records
                              // Prefixes of their own: a live record's prefix protects every name it begins, and the
                              // env's own tag would begin these.
    let (dead_prefix, live_prefix) = (unique_tag(), unique_tag());
    let (dead_link, live_link) = (format!("{dead_prefix}0"), format!("{live_prefix}0"));
    env.track_link(&dead_link);
    env.track_link(&live_link);
    for l in [&dead_link, &live_link] {
        sh_ok("ip", &["link", "add", l, "type", "veth", "peer", "name", &format!("{l}x")]);
    }
    // A dead run's safety net on the second test slot, with a metric no RealEnv uses.
    let slot2 = TEST_SLOTS[1];
    common::assert_subnet_is_free(slot2);
    sh_ok("ip", &["route", "add", "blackhole", slot2, "metric", "4243"]);
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = child.id();
    child.wait().unwrap();
    let dir = std::path::Path::new(common::held::HELD_DIR);
    let dead = dir.join(format!("{dead_pid}-{dead_prefix}.held"));
    std::fs::write(
        &dead,
        format!(
            "pid {dead_pid}\nstart 1\nboot {}\nowner a killed test\nprefix {dead_prefix}\nblackhole {slot2} 4243\n",
            common::held::boot_id()
        ),
    )
    .unwrap();
    let live = common::held::Held::record_in(dir, &live_prefix, &live_prefix, &[]);

    let out = sh(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/cleanup-test-leftovers.sh"), &[]);
    let said = lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    let route_left = sh_ok("ip", &["-4", "route", "show", "type", "blackhole", slot2, "metric", "4243"]);
    if !route_left.is_empty() {
        quiet("ip", &["route", "del", "blackhole", slot2, "metric", "4243"]);
    }
    assert_eq!(route_left, "", "the dead run's blackhole stays: {said}");
    assert!(!dead.exists(), "the dead run's record stays: {said}");
    assert!(!sh("ip", &["link", "show", &dead_link]).status.success(), "the dead run's link stays: {said}");
    assert!(sh("ip", &["link", "show", &live_link]).status.success(), "the live run's link went: {said}");
    assert!(live.path().exists(), "the live run's record went: {said}");
    assert!(blackhole_present(&env.subnet()), "this run's own blackhole went: {said}");
    assert!(said.contains("removed what dead runs left"), "{said}");
}

/// This host's own dependencies are found, and a subnet holding one is refused.
#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn real_host_dependencies_are_found_and_refused() {
    let deps = common::hostdeps::dependencies();
    let resolv = std::fs::read_to_string("/etc/resolv.conf").unwrap_or_default();
    for ns in common::hostdeps::nameservers(&resolv) {
        assert!(deps.iter().any(|d| d.addr == ns), "nameserver {ns} missing from {deps:?}");
    }
    let Some(v4) = deps.iter().find(|d| d.addr.is_ipv4()) else {
        eprintln!("this host names no IPv4 dependency: nothing to refuse");
        return;
    };
    let conflicts = common::real::subnet_conflicts(&format!("{}/32", v4.addr));
    assert!(conflicts.iter().any(|c| c.contains(&v4.what)), "{conflicts:?}");
    for slot in TEST_SLOTS {
        assert_subnet_is_free(slot);
    }
}

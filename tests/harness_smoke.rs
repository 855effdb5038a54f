//! Proves the shared harness (tests/common) itself works, before any lanctl test relies on it.

mod common;

use common::*;

fn hostile() -> Vec<String> {
    ["", "a b", "two\nlines", "it's \"q\"", "$(touch /tmp/lt-pwned)", "*", "-", "ünï", "\\", "\t"].map(String::from).to_vec()
}

#[test]
fn fake_logs_hostile_argv_exactly() {
    let fake = Fake::new();
    let st = fake.command("docker").args(hostile()).status().unwrap();
    assert!(st.success());
    let mut want = vec!["docker".to_string()];
    want.extend(hostile());
    assert_eq!(fake.calls(), vec![want]);
    assert!(!std::path::Path::new("/tmp/lt-pwned").exists());
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
    assert_eq!(run("docker", &["network", "rm", "x"]).status.code(), Some(7));
    let o = run("docker", &["run", "-d", "--ip", "198.51.100.5", "img"]);
    assert_eq!((o.status.code(), lossy(&o.stderr).as_str()), (Some(125), "Address already in use\n"));
    assert!(lossy(&run("docker", &["info", "--format", "{{json .}}"]).stdout).contains("ServerVersion"));
    assert_eq!(lossy(&run("ip", &["-j", "link", "show", "dev", "lt0"]).stdout), "[{\"ifname\":\"lt0\"}]\n");
    // No rule: exit 0, no output; a docker rule never answers for ip.
    let o = run("ip", &["network", "inspect", "x"]);
    assert!(o.status.success() && o.stdout.is_empty());
    assert_eq!(fake.calls_of("ip").len(), 2);
    assert_eq!(fake.calls().len(), 6);
    fake.clear_calls();
    assert!(fake.calls().is_empty());
}

#[test]
fn fake_logs_concurrent_calls() {
    let fake = Fake::new();
    let kids: Vec<_> = (0..8).map(|i| fake.command("ip").arg(i.to_string()).spawn().unwrap()).collect();
    for mut k in kids {
        assert!(k.wait().unwrap().success());
    }
    let mut got: Vec<String> = fake.calls().into_iter().map(|c| c[1].clone()).collect();
    got.sort();
    assert_eq!(got, (0..8).map(|i| i.to_string()).collect::<Vec<_>>());
}

#[test]
fn fake_environment() {
    let fake = Fake::new();
    let o = fake
        .command("sh")
        .args(["-c", "command -v docker; command -v ip; printf '%s\\n' \"$LANCTL_LOCK_DIR\""])
        .output()
        .unwrap();
    let out = lossy(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], fake.program_path("docker").to_str().unwrap());
    assert_eq!(lines[1], fake.program_path("ip").to_str().unwrap());
    assert!(std::path::Path::new(lines[2]).is_dir());
}

#[test]
fn argv_of_line_round_trips_quoted_args() {
    let mut argv = vec!["docker".to_string(), "run".into()];
    argv.extend(hostile());
    let line = argv.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ");
    assert_eq!(argv_of_line(&line), argv);
    assert_eq!(argv_of_line(r"ip link add $'a\nb' x\ y"), ["ip", "link", "add", "a\nb", "x y"]);
}

#[test]
fn argv_of_line_cannot_run_programs() {
    // A mis-quoted line must not execute anything: restricted bash with no PATH.
    assert_eq!(argv_of_line("echo $(touch /tmp/lt-pwned2)"), ["echo"]);
    // Restricted bash refuses the redirection; argv_of_line reports that as a panic.
    assert!(std::panic::catch_unwind(|| argv_of_line("echo > /tmp/lt-pwned3")).is_err());
    assert!(!std::path::Path::new("/tmp/lt-pwned2").exists());
    assert!(!std::path::Path::new("/tmp/lt-pwned3").exists());
}

#[test]
fn lanctl_binary_runs_in_fake_env() {
    // The CLI is being written; only insist that the binary starts and exits 0 on --help.
    Fake::new().lanctl().arg("--help").assert().success();
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
                "LOCAL_IP=198.51.100.9",
                "-e",
                "EXTERNAL_IP=203.0.113.9",
                "-e",
                "PASSWORD=hunter2",
                "-e",
                "LICENSE=lic-secret",
                "lanctl-test/media:latest",
            ],
        );
        let props = sh_ok("docker", &["exec", &media, "cat", "/srv/conf/server.properties"]);
        assert_eq!(props, "ip=203.0.113.9\nip_local=198.51.100.9\n");
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
        assert!(page.contains("LOCAL_IP=198.51.100.9\nEXTERNAL_IP=203.0.113.9\n"), "{page}");
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
    {
        let env = RealEnv::new();
        tag = env.tag().to_string();
        assert!(blackhole_present(env.subnet()));
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
                env.subnet(),
                "--gateway",
                "198.51.100.1",
                "-o",
                &format!("parent={}", env.parent()),
                "-o",
                "macvlan_mode=bridge",
                &net,
            ],
        );
        let media = env.name("media");
        env.track_container(&media);
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
                "198.51.100.120",
                "-e",
                "LOCAL_IP=198.51.100.120",
                "lanctl-test/media:latest",
            ],
        );
        // Deliberately not tracked: the drop must also sweep what carries the env's prefix.
        let client = sh("docker", &["run", "--pull", "never", "--name", &env.name("client"),
            "--network", &net, "--ip", "198.51.100.121", "--entrypoint", "/bin/sh",
            "lanctl-test/media:latest", "-c",
            "for i in 1 2 3 4 5 6 7 8 9 10; do timeout 3 wget -q -O - http://198.51.100.120/ && exit; sleep 0.3; done; exit 1"]);
        let page = lossy(&client.stdout);
        assert!(client.status.success(), "wget failed: {}", lossy(&client.stderr));
        assert!(page.contains("LOCAL_IP=198.51.100.120\n"), "{page}");
        assert!(page.contains(&format!("HOSTNAME={media}\n")), "{page}");
    }
    let _lock = RealLock::acquire(); // no other RealEnv may run while we look
    assert_eq!(leftovers(&tag), Vec::<String>::new());
    assert!(!blackhole_present("198.51.100.0/24"));
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn real_env_cleans_up_after_a_panic() {
    let (tx, rx) = std::sync::mpsc::channel();
    let joined = std::thread::spawn(move || {
        let env = RealEnv::new();
        tx.send(env.tag().to_string()).unwrap();
        let net = env.name("net");
        sh_ok(
            "docker",
            &["network", "create", "-d", "macvlan", "--subnet", env.subnet(), "-o", &format!("parent={}", env.parent()), &net],
        );
        panic!("test failure inside a RealEnv");
    })
    .join();
    assert!(joined.is_err());
    let tag = rx.recv().unwrap();
    let _lock = RealLock::acquire();
    assert_eq!(leftovers(&tag), Vec::<String>::new());
    assert!(!blackhole_present("198.51.100.0/24"));
}

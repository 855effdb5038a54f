//! Presets as data against the fake docker: each built-in preset's rendered line, a user
//! preset from a directory, `lanctl presets`, and bad preset files (exit 2, nothing run).

use crate::common::*;
use crate::support::*;

/// The `docker run` line of room-1 at .100 on the fixture network: `stop` goes before
/// `--restart`, `spec` is the spec label's JSON, `tail` what follows it.
fn run_line(stop: &str, spec: &str, tail: &str) -> String {
    format!(
        "docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.100 --sysctl net.ipv6.conf.all.disable_ipv6=1{stop} --restart \
         unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={spec}' {tail}"
    )
}

const WOULD_GET: &str = "lanctl: room-1 would get 198.51.100.100 on ltfix-net\n";

/// Each built-in preset under --dry-run, its secrets unset: the exact line, the check it
/// waits for, and the one warning naming the missing secrets.
#[test]
fn each_built_in_preset_renders_its_docker_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = lan();
    let cases: &[(&str, String, &str, &str)] = &[
        (
            "wcs",
            run_line(
                "",
                r#"{"image":"flashphoner/webcallserver:latest","env":{},"secrets":[],"ip_env":["EXTERNAL_IP","LOCAL_IP"],"labels":{},"restart":"unless-stopped","args":[],"ready":"tcp:8443,8444"}"#,
                "--env EXTERNAL_IP=198.51.100.100 --env LOCAL_IP=198.51.100.100 -- flashphoner/webcallserver:latest",
            ),
            "tcp:8443,8444",
            "lanctl: warning: PASSWORD and LICENSE not set in lanctl's environment: without PASSWORD there is no SSH into \
             the container; without LICENSE, activate the license in the web UI\n",
        ),
        (
            "livekit",
            run_line(
                "",
                r#"{"image":"livekit/livekit-server:latest","env":{},"secrets":[],"ip_env":[],"ip_args":true,"labels":{},"restart":"unless-stopped","args":["--bind","0.0.0.0","--node-ip","{ip}"],"ready":"tcp:7880,7881"}"#,
                "-- livekit/livekit-server:latest --bind 0.0.0.0 --node-ip 198.51.100.100",
            ),
            "tcp:7880,7881",
            "lanctl: warning: LIVEKIT_KEYS not set in lanctl's environment: without LIVEKIT_KEYS (\"key: secret\") \
             livekit-server refuses to start outside --dev\n",
        ),
        (
            "mediamtx",
            run_line(
                "",
                r#"{"image":"bluenviron/mediamtx:latest","env":{},"secrets":[],"ip_env":["MTX_WEBRTCADDITIONALHOSTS"],"labels":{},"restart":"unless-stopped","args":[],"ready":"tcp:8554,8889"}"#,
                "--env MTX_WEBRTCADDITIONALHOSTS=198.51.100.100 -- bluenviron/mediamtx:latest",
            ),
            "tcp:8554,8889",
            "",
        ),
        (
            "janus",
            run_line(
                "",
                r#"{"image":"canyan/janus-gateway:latest","env":{},"secrets":[],"ip_env":[],"ip_args":true,"labels":{},"restart":"unless-stopped","args":["/usr/local/bin/janus","-F","/usr/local/etc/janus","--nat-1-1={ip}"],"ready":"tcp:8088,8188"}"#,
                "-- canyan/janus-gateway:latest /usr/local/bin/janus -F /usr/local/etc/janus --nat-1-1=198.51.100.100",
            ),
            "tcp:8088,8188",
            "",
        ),
        (
            "jvb",
            run_line(
                "",
                r#"{"image":"jitsi/jvb:stable","env":{},"secrets":[],"ip_env":["JVB_ADVERTISE_IPS"],"labels":{},"restart":"unless-stopped","args":[],"ready":"http:8080/about/health"}"#,
                "--env JVB_ADVERTISE_IPS=198.51.100.100 -- jitsi/jvb:stable",
            ),
            "http:8080/about/health",
            "lanctl: warning: JVB_AUTH_PASSWORD not set in lanctl's environment: without JVB_AUTH_PASSWORD the bridge \
             cannot log in to prosody\n",
        ),
        (
            "wowza",
            run_line(
                " --stop-timeout 30",
                r#"{"image":"wowzamedia/wowza-streaming-engine-linux:latest","env":{},"secrets":[],"ip_env":["WSE_IP_PARAM"],"stop_timeout":30,"labels":{},"restart":"unless-stopped","args":[],"ready":"tcp:1935,8087"}"#,
                "--env WSE_IP_PARAM=198.51.100.100 -- wowzamedia/wowza-streaming-engine-linux:latest",
            ),
            "tcp:1935,8087",
            "lanctl: warning: WSE_MGR_USER, WSE_MGR_PASS and WSE_LIC not set in lanctl's environment: WSE_LIC is the \
             licence key and WSE_MGR_USER/WSE_MGR_PASS the Manager's login; the server starts unlicensed without them\n",
        ),
    ];
    for (preset, line, ready, warning) in cases {
        Run::new(&f)
            .env("LANCTL_PRESETS_DIR", dir.path())
            .args(["--dry-run", "up", "room-1", "--preset", preset])
            .stdout(format!("{line}\n# then wait up to 60 s for {ready} on 198.51.100.100\n"))
            .stderr(format!("{warning}{WOULD_GET}"))
            .check();
    }
}

/// A preset's secrets set in lanctl's environment pass by key, as wcs's always did; typed
/// arguments after the image replace the preset's and are never templated.
#[test]
fn secrets_pass_by_key_and_typed_arguments_win() {
    let dir = tempfile::tempdir().unwrap();
    let f = lan();
    let spec = r#"{"image":"livekit/livekit-server:latest","env":{},"secrets":["LIVEKIT_KEYS"],"ip_env":[],"labels":{},"restart":"unless-stopped","args":["--dev","{ip}"],"ready":"tcp:7880,7881"}"#;
    Run::new(&f)
        .env("LANCTL_PRESETS_DIR", dir.path())
        .env("LIVEKIT_KEYS", "k: s3cret")
        .args(["--dry-run", "up", "room-1", "--preset", "livekit", "--", "--dev", "{ip}"])
        .stdout(format!(
            "(\n{}\n{} || exit 1\n)\n# then wait up to 60 s for tcp:7880,7881 on 198.51.100.100\n",
            guard("LIVEKIT_KEYS"),
            run_line("", spec, "--env LIVEKIT_KEYS -- livekit/livekit-server:latest --dev '{ip}'")
        ))
        .stderr(WOULD_GET)
        .check();
}

/// A user preset from LANCTL_PRESETS_DIR: `{ip}` inside other text, `{name}`, its own
/// arguments and check; `lanctl presets` lists it beside the built-in ones.
#[test]
fn a_user_preset_from_the_directory_runs_and_is_listed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("camgw.preset"),
        "# a camera gateway\nabout = camera gateway\nimage = example/camgw:2.1\nenv = SOURCE=rtsp://{ip}:8554/{name}\n\
         env = ROLE=edge\narg = --listen={ip}\nsecret = CAMGW_TOKEN\nready = tcp:8554\nstop-timeout = 20\n",
    )
    .unwrap();
    let f = lan();
    let spec = r#"{"image":"example/camgw:2.1","env":{"ROLE":"edge"},"secrets":[],"ip_env":[],"ip_templates":{"SOURCE":"rtsp://{ip}:8554/room-1"},"ip_args":true,"stop_timeout":20,"labels":{},"restart":"unless-stopped","args":["--listen={ip}"],"ready":"tcp:8554"}"#;
    Run::new(&f)
        .env("LANCTL_PRESETS_DIR", dir.path())
        .args(["--dry-run", "up", "room-1", "--preset", "camgw"])
        .stdout(format!(
            "{}\n# then wait up to 60 s for tcp:8554 on 198.51.100.100\n",
            run_line(
                " --stop-timeout 20",
                spec,
                "--env ROLE=edge --env SOURCE=rtsp://198.51.100.100:8554/room-1 -- example/camgw:2.1 --listen=198.51.100.100"
            )
        ))
        .stderr(format!(
            "lanctl: warning: CAMGW_TOKEN not set in lanctl's environment: the tenant starts without them\n{WOULD_GET}"
        ))
        .check();
    let path = dir.path().join("camgw.preset").display().to_string();
    let table = Run::new(&f).env("LANCTL_PRESETS_DIR", dir.path()).args(["presets"]).stdout_unchecked().check().stdout;
    let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows[0], ["NAME", "SOURCE", "IMAGE", "READY", "ENV", "SECRETS"]);
    assert_eq!(
        rows[5],
        [
            "wcs",
            "built-in:presets/wcs.preset",
            "flashphoner/webcallserver:latest",
            "tcp:8443,8444",
            "LOCAL_IP,EXTERNAL_IP",
            "PASSWORD,LICENSE"
        ]
    );
    assert_eq!(
        rows[6],
        [
            "wowza",
            "built-in:presets/wowza.preset",
            "wowzamedia/wowza-streaming-engine-linux:latest",
            "tcp:1935,8087",
            "WSE_IP_PARAM",
            "WSE_MGR_USER,WSE_MGR_PASS,WSE_LIC"
        ]
    );
    assert_eq!(rows[7], ["camgw", path.as_str(), "example/camgw:2.1", "tcp:8554", "SOURCE,ROLE", "CAMGW_TOKEN"]);
    assert_eq!(rows.len(), 8);
    let json = Run::new(&f).env("LANCTL_PRESETS_DIR", dir.path()).args(["--json", "presets"]).stdout_unchecked().check().stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        v[6],
        serde_json::json!({
            "name": "camgw", "source": path, "about": "camera gateway", "image": "example/camgw:2.1",
            "ready": "tcp:8554", "env": {"SOURCE": "rtsp://{ip}:8554/{name}", "ROLE": "edge"},
            "args": ["--listen={ip}"], "secrets": ["CAMGW_TOKEN"], "stop_timeout": 20
        })
    );
}

/// A bad user file stops `up` and `presets` with one line naming the file, the line and
/// the key, exit 2, before any docker call; so does a file that takes a built-in's name.
#[test]
fn bad_preset_files_exit_2_naming_file_line_and_key_and_nothing_runs() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "cam.preset",
            "image = a/b:1\n# the check\nready = tcp:99999\n",
            ":3: ready \"tcp:99999\" is not a readiness check (",
        ),
        ("cam.preset", "image = a/b:1\nenv = X={ip7}\n", ":2: env X: {ip7} is not a placeholder; use {ip}, {ip6}, {name}\n"),
        ("cam.preset", "image = a/b:1\nprivileged = true\n", ":2: \"privileged\" is not a preset key; use one of about, image, env, arg, secret, missing, ready, stop-timeout\n"),
        ("wcs.preset", "image = my/wcs:1\n", ": preset wcs is built in (built-in:presets/wcs.preset); a user preset may not shadow it: rename the file, e.g. wcs-local.preset\n"),
    ];
    for (file, text, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(file);
        std::fs::write(&path, text).unwrap();
        let f = lan();
        for args in [
            &["up", "room-1", "--preset", "mediamtx"][..],
            &["presets"][..],
            &["--dry-run", "up", "room-1", "--preset", "cam"][..],
        ] {
            let d = Run::new(&f).env("LANCTL_PRESETS_DIR", dir.path()).args(args).code(2).stderr_unchecked().check();
            let want = format!("lanctl: {}{want}", path.display());
            assert!(d.stderr.starts_with(&want), "{args:?}:\n{}\nshould start with\n{want}", d.stderr);
            assert_eq!(d.stderr.lines().count(), 1, "{}", d.stderr);
            assert!(d.calls.is_empty(), "nothing runs: {:?}", d.calls);
        }
    }
}

use super::*;

fn ssh(user: Option<&str>, host: &str, port: Option<u16>) -> Transport {
    Transport::Ssh(Ssh { user: user.map(String::from), host: host.into(), port })
}

#[test]
fn endpoints_choose_the_transport() {
    let t = |e: &str| Transport::from_endpoint("h2", e);
    assert_eq!(t("unix:///var/run/docker.sock").unwrap(), Transport::Local);
    assert_eq!(t("ssh://root@h2").unwrap(), ssh(Some("root"), "h2", None));
    assert_eq!(t("ssh://h2.example:2222").unwrap(), ssh(None, "h2.example", Some(2222)));
    assert_eq!(t("ssh://admin@198.51.100.7:22/").unwrap(), ssh(Some("admin"), "198.51.100.7", Some(22)));
    assert_eq!(t("ssh://root@[2001:db8::1]:2200").unwrap(), ssh(Some("root"), "2001:db8::1", Some(2200)));
    assert_eq!(t("ssh://[2001:db8::1]").unwrap(), ssh(None, "2001:db8::1", None));
    assert_eq!(
        t("tcp://198.51.100.7:2376").unwrap(),
        Transport::DockerOnly { host: "h2".into(), endpoint: "tcp://198.51.100.7:2376".into() }
    );
}

#[test]
fn malformed_ssh_endpoints_are_a_check_failure_naming_the_context() {
    for bad in [
        "ssh://",
        "ssh://root@",
        "ssh://-oProxyCommand=x",
        "ssh://root@-h2",
        "ssh://-l@h2",
        "ssh://h2:",
        "ssh://h2:0",
        "ssh://h2:99999",
        "ssh://h2/path",
        "ssh://a b",
        "ssh://ro:ot@h2",
        "ssh://[::1",
        "ssh://[::1]x",
    ] {
        let e = Transport::from_endpoint("h2", bad).unwrap_err();
        assert_eq!(e.exit, crate::exec::error::Exit::Check, "{bad}");
        assert_eq!(
            e.to_string(),
            format!(
                "context h2 has the endpoint {bad:?}, which is not ssh://[USER@]HOST[:PORT]; fix it with \
                 `docker context update h2 --docker host=ssh://USER@HOST`"
            )
        );
    }
}

#[test]
fn local_commands_stay_as_they_are() {
    let c = Cmd::new("ip").args(["link", "set", "x", "up"]);
    assert_eq!(Transport::Local.wrap(c.clone()), c);
}

#[test]
fn ssh_wraps_into_one_exact_line() {
    let c = Cmd::new("ip").args(["link", "add", "lc-lan", "link", "eno1", "type", "macvlan", "mode", "bridge"]);
    let w = ssh(Some("root"), "h2", None).wrap(c);
    assert_eq!(w.program, "ssh");
    assert_eq!(w.to_string(), "ssh -T -o BatchMode=yes root@h2 -- ip link add lc-lan link eno1 type macvlan mode bridge");
    let w = ssh(None, "h2", Some(2222)).wrap(Cmd::new("ip").args(["-j", "addr", "show", "dev", "a b"]));
    assert_eq!(w.to_string(), "ssh -T -o BatchMode=yes -p 2222 h2 -- ip -j addr show dev ''\\''a b'\\'''");
    assert_eq!(w.refusal, None);
}

#[test]
fn ssh_keeps_the_deadline_and_refuses_secrets() {
    let c = Cmd::new("ip").arg("x").deadline(std::time::Duration::from_secs(3));
    assert_eq!(ssh(None, "h2", None).wrap(c).deadline, Some(std::time::Duration::from_secs(3)));
    let w = ssh(None, "h2", None).wrap(Cmd::new("docker").args(["run", "-e", "TOKEN"]).secret_env("TOKEN", "s3cret"));
    assert!(w.secret_env.is_empty());
    assert!(!w.to_string().contains("s3cret"));
    assert_eq!(
        w.refusal.as_deref(),
        Some("`docker run -e TOKEN` needs a secret in its environment, which cannot travel over ssh to h2; run lanctl on that host")
    );
}

#[test]
fn docker_only_hosts_refuse_host_side_commands() {
    let t = Transport::DockerOnly { host: "h3".into(), endpoint: "tcp://198.51.100.9:2376".into() };
    let w = t.wrap(Cmd::new("ip").args(["-j", "addr", "show"]));
    assert_eq!(w.to_string(), "ip -j addr show");
    assert_eq!(
        w.refusal.as_deref(),
        Some(
            "`ip -j addr show` must run on host h3, but its context reaches docker only (tcp://198.51.100.9:2376); give h3 an \
             ssh endpoint (`docker context update h3 --docker host=ssh://USER@HOST`) or run lanctl on that host"
        )
    );
}

const HOSTILE: &[&str] = &[
    "",
    " ",
    "a b",
    "it's",
    "'",
    "''",
    "\\'",
    "\"dq\"",
    "$HOME",
    "${X:-y}",
    "`id`",
    "$(id)",
    "$(touch /tmp/lanctl-pwned)",
    "a\nb",
    "\n",
    "tab\there",
    "back\\slash",
    "*",
    "?",
    "[a]",
    "~",
    "~root",
    "#c",
    "!x",
    "a;b",
    "a|b",
    "a&b",
    "<>",
    "-e",
    "--",
    "-oProxyCommand=x",
    "KEY=va lue",
    "io.lanctl.spec={\"env\":{\"A\":\"x y\"}}",
    "größe",
    "日本",
    "\x01ctl",
    "\r\n",
];

/// What a program receives: each word NUL-terminated, read back as a list.
fn words(stdout: &[u8]) -> Vec<String> {
    let text = String::from_utf8(stdout.to_vec()).unwrap();
    let mut v: Vec<String> = text.split('\0').map(str::to_string).collect();
    v.pop();
    v
}

/// The remote login shell runs the ssh arguments after `--`, joined by spaces (what ssh
/// sends). `sh -c` (dash on Debian: POSIX, no bash extensions) stands in for it: every
/// hostile word must reach the remote program byte for byte, and nothing may be expanded.
#[test]
fn hostile_words_reach_the_remote_argv_byte_for_byte() {
    let c = Cmd::new("printf").arg("%s\\0").args(HOSTILE.iter().copied());
    let w = ssh(Some("root"), "h2", None).wrap(c);
    let sep = w.args.iter().position(|a| a == "--").unwrap();
    let remote = w.args[sep + 1..].join(" ");
    let out = std::process::Command::new("sh").arg("-c").arg(&remote).output().unwrap();
    assert!(out.status.success(), "sh rejected: {remote}");
    let mut want = vec!["%s\\0".to_string()];
    want.extend(HOSTILE.iter().map(|s| s.to_string()));
    // printf consumed its format; what it printed is every other word.
    assert_eq!(words(&out.stdout), want[1..].to_vec(), "remote line was: {remote}");
    assert!(!std::path::Path::new("/tmp/lanctl-pwned").exists());
}

/// The whole chain: the dry-run line, parsed by bash, is ssh's argv; its remote part, run
/// by the remote shell, is the original argv.
#[test]
fn the_dry_run_line_is_the_ssh_argv_that_carries_the_original() {
    let c = Cmd::new("printf").arg("%s\\0").args(HOSTILE.iter().copied());
    let w = ssh(Some("root"), "h2", Some(2222)).wrap(c);
    let line = w.to_string();
    assert!(!line.contains('\n'), "a rendered line must stay one line");
    let rest = line.strip_prefix("ssh ").unwrap();
    let out = std::process::Command::new("bash").arg("-c").arg(format!("printf '%s\\0' {rest}")).output().unwrap();
    let argv = words(&out.stdout);
    assert_eq!(argv, w.args, "bash did not read the line back as ssh's argv: {line}");
    let remote = argv[argv.iter().position(|a| a == "--").unwrap() + 1..].join(" ");
    let out = std::process::Command::new("sh").arg("-c").arg(&remote).output().unwrap();
    assert_eq!(words(&out.stdout), HOSTILE.iter().map(|s| s.to_string()).collect::<Vec<_>>());
}

#[test]
fn context_inspect_names_the_context_after_the_separator() {
    assert_eq!(context_inspect("docker", "-h2").to_string(), "docker context inspect -- -h2");
}

#[test]
fn resolve_reads_the_docker_endpoint() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let docker = dir.path().join("docker");
    std::fs::write(
        &docker,
        "#!/bin/sh\n[ \"$*\" = 'context inspect -- h2' ] || exit 9\n\
         echo '[{\"Name\":\"h2\",\"Metadata\":{},\"Endpoints\":{\"docker\":{\"Host\":\"ssh://root@h2:2222\",\"SkipTLSVerify\":false}},\
         \"TLSMaterial\":{},\"Storage\":{\"MetadataPath\":\"x\",\"TLSPath\":\"y\"}}]'\n",
    )
    .unwrap();
    std::fs::set_permissions(&docker, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = resolve(&Runner::default(), docker.to_str().unwrap(), "h2").unwrap();
    assert_eq!(t, ssh(Some("root"), "h2", Some(2222)));
}

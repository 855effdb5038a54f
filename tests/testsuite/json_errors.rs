//! `--json`: a failure is one JSON object on stderr, the hint as its own field, for
//! lanctl's own errors, a failed docker command, and clap's usage errors alike.

use crate::common::*;
use crate::support::*;

fn json_err(args: &[&str], f: &Fake) -> (Option<i32>, serde_json::Value, String) {
    let out = lanctl(f).args(args).output().expect("run lanctl");
    let err = lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err:?}");
    (out.status.code(), serde_json::from_str(&err).unwrap_or_else(|e| panic!("{e}: {err}")), lossy(&out.stdout))
}

#[test]
fn errors_are_one_json_object_on_stderr() {
    let f = lan();
    let (code, v, stdout) = json_err(&["--json", "up", "t", "--image", "img", "--restart", "sometimes"], &f);
    assert_eq!(code, Some(2));
    assert_eq!(stdout, "");
    assert_eq!(
        v,
        serde_json::json!({
            "error": "--restart \"sometimes\" is not a docker restart policy (sometimes is not a docker restart policy; write one of no, always, unless-stopped, on-failure or on-failure:N)",
            "exit": 2,
            "hint": "use no, always, unless-stopped or on-failure[:N]",
            "command": null,
            "stderr": null
        })
    );

    let (code, v, _) = json_err(&["--json", "up", "--zzz"], &f);
    assert_eq!(code, Some(2));
    assert_eq!(
        v,
        serde_json::json!({
            "error": "unexpected argument '--zzz' found (tip: to pass '--zzz' as a value, use '-- --zzz')",
            "exit": 2,
            "hint": "see `lanctl up --help`",
            "command": null,
            "stderr": null
        })
    );

    let f = lan_with(|f| {
        f.on("docker", "ps --all*", 0, "");
        f.on_err("docker", "network rm *", 1, "Error response from daemon: boom\n");
    });
    let (code, v, _) = json_err(&["--json", "--skip-checks", "net", "rm", NET], &f);
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["command"], format!("docker network rm -- {NET}"));
    assert_eq!(v["stderr"], "Error response from daemon: boom\n");
    assert_eq!(v["exit"], 1);
}

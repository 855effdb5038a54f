//! Arguments that are not UTF-8: each is exit 2 with one line that shows the bytes
//! escaped and names the subcommand's help, runs nothing, and never panics.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use crate::common::*;
use crate::support::*;

fn bad() -> OsString {
    OsStr::from_bytes(b"x\xffy").to_os_string()
}

fn with_bad(args: &[&str]) -> Vec<OsString> {
    args.iter().map(|a| if *a == "BAD" { bad() } else { OsString::from(a) }).collect()
}

#[test]
fn a_non_utf8_argument_is_exit_2_with_its_bytes_escaped() {
    let cases: &[(&[&str], &str)] = &[
        (&["up", "BAD", "--image", "img"], "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl up --help`\n"),
        (&["up", "t", "--image", "BAD"], "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl up --help`\n"),
        (&["up", "t", "--image", "img", "-e", "BAD"], "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl up --help`\n"),
        (
            &["up", "t", "--image", "img", "--net", "BAD"],
            "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl up --help`\n",
        ),
        (&["--host", "BAD", "ls"], "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl ls --help`\n"),
        (&["down", "BAD"], "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl down --help`\n"),
        (&["ls", "--net", "BAD"], "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl ls --help`\n"),
        (&["doctor", "--parent", "BAD"], "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl doctor --help`\n"),
        (&["update", "BAD", "--image", "img"], "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl update --help`\n"),
        (
            &["host-access", "n", "--ifname", "BAD"],
            "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl host-access --help`\n",
        ),
        (
            &["net", "create", "n", "--parent", "BAD"],
            "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl net create --help`\n",
        ),
    ];
    for (args, want) in cases {
        let f = lan();
        let out = lanctl(&f).args(with_bad(args)).output().expect("run lanctl");
        assert_eq!(lossy(&out.stderr), *want, "{args:?}");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert_eq!(f.calls(), Vec::<Vec<String>>::new(), "{args:?} ran commands");
    }
}

/// `--json` is found among raw arguments too, and a non-UTF-8 path that clap takes
/// (`--docker`) is not the one blamed.
#[test]
fn a_non_utf8_argument_under_json_and_beside_a_path() {
    let f = lan();
    let out = lanctl(&f).args(with_bad(&["--json", "down", "BAD"])).output().expect("run lanctl");
    assert_eq!(out.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&out.stderr).expect("one JSON object");
    assert_eq!(v["error"], "argument \"x\\xffy\" is not UTF-8 text");
    assert_eq!(v["exit"], 2);

    let mut args = vec![OsString::from("--docker"), OsStr::from_bytes(b"/no\xfe/docker").to_os_string()];
    args.extend(with_bad(&["down", "BAD"]));
    let out = lanctl(&f).args(args).output().expect("run lanctl");
    assert_eq!(lossy(&out.stderr), "lanctl: argument \"x\\xffy\" is not UTF-8 text; see `lanctl down --help`\n");
    assert_eq!(out.status.code(), Some(2));
}

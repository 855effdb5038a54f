//! Hostile and malformed input, table-driven: each case must exit 2 with exactly one
//! line on stderr that starts as given, run no command that changes the host, and (for
//! input that is bad on its face) run no docker or ip command at all.

use crate::common::*;
use crate::support::*;

/// (argv, start of the one stderr line, whether any read may run first).
const CASES: &[(&[&str], &str, bool)] = &[
    (&["up", "t", "--image=--volume=/:/host"], "lanctl: --image \"--volume=/:/host\" is not an image reference (it starts with '-'", false),
    (&["up", "t", "--image", "--privileged"], "lanctl: unexpected argument '--privileged' found", false),
    (&["up", "t", "--image", "Bad Image!!"], "lanctl: --image \"Bad Image!!\" is not an image reference", false),
    (&["up", "t", "--image", ""], "lanctl: --image \"\" is not an image reference (it is empty)", false),
    (&["up", "t", "--image", "img", "--restart", "on-failure:abc"], "lanctl: --restart \"on-failure:abc\" is not a docker restart policy", false),
    (&["up", "t", "--image", "img", "--restart", "no:3"], "lanctl: --restart \"no:3\" is not a docker restart policy", false),
    (&["up", "t", "--image", "img", "--restart=-d"], "lanctl: --restart \"-d\" is not a docker restart policy", false),
    (&["up", "t", "--image", "img", "-e", "X=1\n2"], "lanctl: -e X: the value holds a newline or control character", false),
    (&["up", "t", "--image", "img", "-e=-x=1"], "lanctl: -e \"-x\" is not a variable name", false),
    (&["up", "t", "--image", "img", "--ip-env=-X"], "lanctl: --ip-env \"-X\" is not a variable name", false),
    (&["up", "t", "--image", "img", "--label=-x=y"], "lanctl: --label \"-x\" is not a label key", false),
    (&["up", "t", "--image", "img", "--label", "io.lanctl.spec=x"], "lanctl: --label io.lanctl.spec uses lanctl's own prefix", false),
    (&["up", "t", "--image", "img", "--net=-x"], "lanctl: --net \"-x\" is not a network name", false),
    (&["up", "t", "--image", "img", "--preset=-x"], "lanctl: --preset \"-x\" is unknown", false),
    (&["up", "--image", "img", "--", "-t"], "lanctl: the following required arguments were not provided", false),
    (&["up", "t", "--image", "img", "--ip", "300.1.1.1"], "lanctl: --ip \"300.1.1.1\" is not an IP address", false),
    (&["up", "t", "--image", "img", "--ip", "fe80::1"], "lanctl: --ip fe80::1 is a link-local, multicast, loopback or unspecified IPv6 address", false),
    (&["up", "t", "--image", "img", "--ip", "ff05::2"], "lanctl: --ip ff05::2 is a link-local, multicast, loopback or unspecified IPv6 address", false),
    (&["up", "t", "--image", "img", "--ip", "2001:db8::5"], "lanctl: t: --ip 2001:db8::5 is IPv6, but network ltfix-net is IPv4-only", true),
    (&["up", "t", "--image", "img", "--ip", "198.51.100.1"], "lanctl: t: --ip 198.51.100.1 is held by the gateway", true),
    (&["up", "t", "--image", "img", "--ip", "198.51.100.0"], "lanctl: t: --ip 198.51.100.0 is held by the network address", true),
    (&["up", "t", "--image", "img", "--ip", "192.0.2.7"], "lanctl: t: --ip 192.0.2.7 is outside the subnet 198.51.100.0/24", true),
    (&["up", "t", "--image", "img", "--ip", "198.51.100.20"], "lanctl: t: --ip 198.51.100.20 is outside the reserved range", true),
    (&["up", "t", "--image", "img", "--count", "3", "--prefix", "x"], "lanctl: the argument '[NAMES]...' cannot be used with '--count <N>'", false),
    (&["up", "--count", "40", "--prefix", "x", "--image", "img"], "lanctl: 40 new tenants need addresses but network ltfix-net has 30 free in its range 198.51.100.100-198.51.100.131; start at most 30", true),
    (&["up", "t", "--image", "img", "--wait", "3601"], "lanctl: --wait 3601 is too long; give at most 3600 seconds", false),
    (&["up", "t", "--image", "img", "--net", "n", "--hosts=-H,x"], "lanctl: --hosts \"-H\" is not a docker context name", false),
    (&["up", "t", "--image", "img", "--net", "n", "--hosts", "a,a"], "lanctl: --hosts names a twice; name each host once", false),
    (&["up", "t", "--image", "img", "--hosts", "a,b"], "lanctl: --hosts needs --net NET", false),
    (&["down", "--", "--help"], "lanctl: tenant name \"--help\" is invalid", false),
    (&["down", ""], "lanctl: tenant name \"\" is invalid", false),
    (&["down", "a\nb"], "lanctl: tenant name \"a\\nb\" is invalid", false),
    (&["update", "--", "-t"], "lanctl: the following required arguments were not provided", false),
    (&["update", "t", "--image", ""], "lanctl: --image \"\" is not an image reference (it is empty)", false),
    (&["update", "t", "--image=--pid=host"], "lanctl: --image \"--pid=host\" is not an image reference", false),
    (&["update", "t", "--wait", "18446744073709551615"], "lanctl: --wait 18446744073709551615 is too long", false),
    (&["net", "show", "--", "-x"], "lanctl: network \"-x\" is not a network name", false),
    (&["net", "rm", "--", "-x"], "lanctl: network \"-x\" is not a network name", false),
    (
        &["net", "create", "n", "--driver", "macvlan", "--parent=-p", "--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1", "--ip-range", "198.51.100.100-198.51.100.131"],
        "lanctl: --parent \"-p\" is not an interface name",
        false,
    ),
    (
        &["net", "create", "n", "--driver", "macvlan", "--parent", "p", "--mode=-x", "--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1", "--ip-range", "198.51.100.100-198.51.100.131"],
        "lanctl: --mode -x is not a macvlan mode",
        false,
    ),
    (&["doctor", "--dhcp"], "lanctl: doctor --dhcp needs the reserved range to check: give --net NAME, or --ip-range START-END with --parent IF", false),
    (&["doctor", "--net", "n"], "lanctl: the following required arguments were not provided --dhcp", false),
    (&["doctor", "--ip-range", "198.51.100.16-198.51.100.47", "--parent", "p"], "lanctl: the following required arguments were not provided --dhcp", false),
    (&["doctor", "--dhcp", "--ip-range", "198.51.100.16-198.51.100.47"], "lanctl: the following required arguments were not provided --parent <IF>", false),
    (&["doctor", "--dhcp", "--net", "n", "--ip-range", "198.51.100.16-198.51.100.47", "--parent", "p"], "lanctl: the argument '--net <NAME>' cannot be used with '--ip-range <CIDR|START-END>'", false),
    (&["doctor", "--dhcp", "--net=-x"], "lanctl: --net \"-x\" is not a network name", false),
    (&["doctor", "--dhcp", "--parent=-p", "--ip-range", "198.51.100.16-198.51.100.47"], "lanctl: --parent \"-p\" is not an interface name", false),
    (&["doctor", "--parent", "p/q"], "lanctl: --parent \"p/q\" is not an interface name", false),
    (&["doctor", "--dhcp", "--parent", "p", "--ip-range", "198.51.100.47-198.51.100.16"], "lanctl: --ip-range 198.51.100.47-198.51.100.16 ends before it starts", false),
    (&["doctor", "--dhcp", "--parent", "p", "--ip-range", "198.51.100.16-198.51.100.300"], "lanctl: --ip-range 198.51.100.16-198.51.100.300 is not a range", false),
    (&["doctor", "--dhcp", "--parent", "p", "--ip-range", "198.51.100.16/26"], "lanctl: --ip-range 198.51.100.16/26 is not canonical", false),
    (&["doctor", "--dhcp", "--parent", "p", "--ip-range", "2001:db8::1ff-2001:db8::100"], "lanctl: --ip-range 2001:db8::1ff-2001:db8::100 ends before it starts", false),
    (&["doctor", "--dhcp", "--parent", "p", "--ip-range", "2001:db8::10/64"], "lanctl: --ip-range 2001:db8::10/64 is not canonical", false),
    (&["doctor", "--dhcp", "--parent", "p", "--ip-range=-x"], "lanctl: --ip-range -x is not a range", false),
    (&["doctor", "--dhcp", "--net", "ltfix-net", "--parent", "eth7"], "lanctl: --parent eth7 is not the parent of network ltfix-net (", true),
    (
        &["--skip-checks", "net", "create", "n", "--driver", "macvlan", "--parent", "p", "--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1", "--ip-range", "198.51.100.100-198.51.100.131", "--check-dhcp"],
        "lanctl: --check-dhcp asks for a check and --skip-checks for none; give one of them",
        false,
    ),
    (
        &["net", "create", "n", "--driver", "macvlan", "--parent", "p", "--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1", "--ip-range", "198.51.100.100-198.51.100.131", "--hosts=-oProxyCommand=x"],
        "lanctl: --hosts \"-oProxyCommand=x\" is not a docker context name",
        false,
    ),
    (
        &["net", "create", "n", "--driver", "macvlan", "--parent", "h2=--x", "--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1", "--ip-range", "198.51.100.100-198.51.100.131", "--hosts", "h2"],
        "lanctl: --parent \"--x\" is not an interface name",
        false,
    ),
    (
        &["net", "create", "n", "--driver", "macvlan", "--parent", "p", "--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1", "--ip-range", "198.51.100.100-198.51.100.131", "--hosts", "h2", "--slice=-h2=198.51.100.100-198.51.100.131"],
        "lanctl: --slice -h2=198.51.100.100-198.51.100.131 names host \"-h2\", which is not in --hosts h2",
        false,
    ),
    (
        &["net", "create", "n", "--driver", "macvlan", "--parent", "p", "--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1", "--ip-range", "198.51.100.100-198.51.100.131", "--hosts", "h2", "--slice", "h2=198.51.100.100-198.51.100.131;reboot"],
        "lanctl: --slice h2=198.51.100.100-198.51.100.131;reboot: 198.51.100.100-198.51.100.131;reboot is not a range",
        false,
    ),
    (
        &["net", "create", "n", "--driver", "macvlan", "--parent", "p", "--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1", "--ip-range", "198.51.100.100-198.51.100.131", "--swarm"],
        "lanctl: --swarm needs --hosts",
        false,
    ),
    (&["host-access", "--", "-n"], "lanctl: network \"-n\" is not a network name", false),
    (&["host-access", "n", "--ifname=-x"], "lanctl: --ifname \"-x\" is not an interface name", false),
    (&["host-access", "n", "--address", "1.2.3"], "lanctl: --address \"1.2.3\" is not an IPv4 address", false),
    (&["ls", "--net=-x"], "lanctl: --net \"-x\" is not a network name", false),
    (&["--context=-H", "ls"], "lanctl: --host \"-H\" is not a docker context name", false),
    (&["--context=h2", "net", "ls", "--all-hosts"], "lanctl: --all-hosts asks every host, --host h2 one; give one of them", false),
    (&["--host=-oProxyCommand=x", "ls"], "lanctl: --host \"-oProxyCommand=x\" is not a docker context name", false),
    (&["--host", "h2;id", "ls"], "lanctl: --host \"h2;id\" is not a docker context name", false),
];

#[test]
fn hostile_input_exits_2_with_one_line_and_changes_nothing() {
    for (args, want, may_read) in CASES {
        let f = lan();
        let out = lanctl(&f).args(*args).output().expect("run lanctl");
        let err = lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line, got {err:?}");
        assert!(err.starts_with(want), "{args:?}:\n{err}\nshould start with\n{want}");
        assert!(out.stdout.is_empty(), "{args:?}: stdout {:?}", lossy(&out.stdout));
        assert_eq!(changes(&f), Vec::<Vec<String>>::new(), "{args:?} changed the host");
        if !may_read {
            assert_eq!(f.calls(), Vec::<Vec<String>>::new(), "{args:?} ran commands before refusing");
        }
    }
}

/// Env files and fleet files: a value from them is never printed, and a bad file changes
/// nothing and runs nothing.
#[test]
fn bad_files_exit_2_without_showing_values() {
    let dir = tempfile::tempdir().unwrap();
    let file = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let multi = file("multi.env", "A=1\nMIIBfakeSECRET two\n");
    let pem = file("pem.env", "LICENSE=\"-----BEGIN\nMIIBfakeSECRET\n-----END\"\n");
    let net = r#"{"name":"n","driver":"macvlan","parent":"ltp","subnet":"198.51.100.0/24","gateway":"198.51.100.1","ip_range":"198.51.100.100-198.51.100.131"}"#;
    let f1 = file("f1.json", r#"{"tenants":[{"name":"a1","image":"--privileged"}]}"#);
    let f2 = file("f2.json", r#"{"tenants":[{"name":"a1","image":"img","pass_env":["X=1"]}]}"#);
    let f3 = file(
        "f3.json",
        &format!(
            r#"{{"networks":[{net}],"tenants":[{{"name":"a1","image":"img","ip":"198.51.100.100"}},{{"name":"a2","image":"img","ip":"198.51.100.100"}}]}}"#
        ),
    );
    let f4 = file("f4.json", &format!(r#"{{"networks":[{net}],"tenants":[{{"name":"a1","image":"img","ip":"198.51.100.1"}}]}}"#));
    let bad_net = net.replace(r#""ip_range":"198.51.100.100"#, r#""ip_range":"198.51.100.300"#);
    let f5 = file("f5.json", &format!(r#"{{"networks":[{bad_net}]}}"#));
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["up".into(), "t".into(), "--image".into(), "img".into(), "--env-file".into(), multi.clone()],
            format!("lanctl: --env-file {multi}: line 2 is not KEY=VALUE or KEY with a variable name; write one variable per line, without spaces around '='\n"),
        ),
        (
            vec!["up".into(), "t".into(), "--image".into(), "img".into(), "--env-file".into(), pem.clone()],
            format!("lanctl: --env-file {pem}: line 1 starts a quoted value for LICENSE that does not end on that line; an env file holds one line per variable, so pass LICENSE through lanctl's environment instead (-e LICENSE)\n"),
        ),
        (
            vec!["apply".into(), f1.clone()],
            format!("lanctl: {f1}: tenant a1: \"image\" \"--privileged\" is not an image reference (it starts with '-', so docker would read it as an option); give one like flashphoner/webcallserver:latest\n"),
        ),
        (
            vec!["apply".into(), f2.clone()],
            format!("lanctl: {f2}: tenant a1: \"pass_env\" \"X\" holds a value; list only the key there and put literal values under \"env\"\n"),
        ),
        (vec!["apply".into(), f3.clone()], format!("lanctl: {f3}: tenants a1 and a2 both ask for 198.51.100.100; give each its own address\n")),
        (
            vec!["apply".into(), f4.clone()],
            format!("lanctl: {f4}: tenant a1: \"ip\" 198.51.100.1 is the gateway of network n; choose one inside the range\n"),
        ),
        (
            vec!["apply".into(), f5.clone()],
            format!("lanctl: {f5}: network n: \"ip_range\" 198.51.100.300-198.51.100.131 is not a range; write START-END like 192.168.23.100-192.168.23.131\n"),
        ),
    ];
    for (args, want) in cases {
        let f = lan();
        let out = lanctl(&f).args(&args).output().expect("run lanctl");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(lossy(&out.stderr), want, "{args:?}");
        assert!(!lossy(&out.stderr).contains("MIIB"), "a value from a file was printed");
        assert_eq!(f.calls(), Vec::<Vec<String>>::new(), "{args:?} ran commands before refusing");
    }
}

/// A fleet file or env file that is not a regular file (a FIFO nobody writes, a
/// character device like /dev/stdin) is refused before it is read: reading one would
/// block, or read what is not a file.
#[test]
fn a_file_that_is_not_a_regular_file_is_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fleet.fifo");
    quiet("mkfifo", &[fifo.to_str().unwrap()]);
    let fifo = fifo.to_str().unwrap().to_string();
    let cases: Vec<(Vec<String>, String)> = vec![
        (vec!["apply".into(), fifo.clone()], format!("lanctl: {fifo}: it is a FIFO, not a regular file; give a fleet file\n")),
        (
            vec!["apply".into(), "/dev/null".into()],
            "lanctl: /dev/null: it is a character device, not a regular file; give a fleet file\n".into(),
        ),
        (
            vec!["apply".into(), dir.path().to_str().unwrap().into()],
            format!("lanctl: {}: it is a directory, not a regular file; give a fleet file\n", dir.path().display()),
        ),
        (
            vec!["up".into(), "t".into(), "--image".into(), "img".into(), "--env-file".into(), fifo.clone()],
            format!("lanctl: --env-file {fifo}: it is a FIFO, not a regular file; give a readable file\n"),
        ),
    ];
    for (args, want) in cases {
        let f = lan();
        let out = lanctl(&f).args(&args).timeout(std::time::Duration::from_secs(10)).output().expect("run lanctl");
        assert_eq!(lossy(&out.stderr), want, "{args:?}");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(f.calls(), Vec::<Vec<String>>::new(), "{args:?} ran commands before refusing");
    }
}

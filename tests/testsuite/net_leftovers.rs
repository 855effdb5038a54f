//! What a network leaves behind: `net rm` removes its host-access shim (found by what it
//! is) and, with `--yes`, the boot files that would bring it back; `host-access NET
//! --remove` works after the network is gone; doctor reports orphans. Against the fake
//! docker and ip, with boot files under a `LANCTL_CONFIG_ROOT` of the test's own.

use std::path::Path;

use crate::common::*;
use crate::support::*;

/// `ip -j -d addr show` with the parent and `links` (JSON objects) on it.
fn links(extra: &[&str]) -> String {
    let mut all = vec![r#"{"ifname":"ltfixp","flags":["UP"],"linkinfo":{"info_kind":"veth"},"addr_info":[]}"#.to_string()];
    all.extend(extra.iter().map(|s| s.to_string()));
    format!("[{}]", all.join(","))
}

/// A macvlan child of ltfixp named `name` holding `addr`/32.
fn shim(name: &str, addr: &str) -> String {
    format!(
        r#"{{"ifname":"{name}","link":"ltfixp","flags":["UP","LOWER_UP"],"linkinfo":{{"info_kind":"macvlan"}},
            "addr_info":[{{"family":"inet","local":"{addr}","prefixlen":32}}]}}"#
    )
}

/// The fixture network with no container on it, and these host links.
fn host(extra: &[&str]) -> Fake {
    let json = links(extra);
    lan_with(move |f| {
        f.on("docker", "ps --all*", 0, "");
        f.on("ip", "-j -d addr show", 0, &json);
    })
}

/// The fixture network gone: `network ls` and `inspect` know only docker's own networks.
fn gone(extra: &[&str]) -> Fake {
    let json = links(extra);
    lan_with(move |f| {
        f.on("docker", "network ls*", 0, "");
        f.on("docker", "network inspect*", 0, "[]");
        f.on("ip", "-j -d addr show", 0, &json);
    })
}

fn run(f: &Fake, root: &Path, args: &[&str]) -> (i32, String, String) {
    let out = lanctl(f).env("LANCTL_CONFIG_ROOT", root).args(args).output().unwrap();
    (out.status.code().unwrap(), lossy(&out.stdout), lossy(&out.stderr))
}

fn vecs(lines: &[&[&str]]) -> Vec<Vec<String>> {
    lines.iter().map(|l| l.iter().map(|s| s.to_string()).collect()).collect()
}

#[test]
fn net_rm_removes_the_shim_and_with_it_its_routes() {
    let root = tempfile::tempdir().unwrap();
    let f = host(&[&shim("lc-ltfix-net", "198.51.100.254")]);
    let (code, stdout, stderr) = run(&f, root.path(), &["--dry-run", "net", "rm", NET]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(stdout, "docker network rm -- ltfix-net\nip link delete lc-ltfix-net\n");
    assert!(changes(&f).is_empty());
    let (code, stdout, stderr) = run(&f, root.path(), &["net", "rm", NET]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(
        stderr,
        "lanctl: removed network ltfix-net\nlanctl: removed the host-access shim lc-ltfix-net (198.51.100.254) and its routes\n"
    );
    assert_eq!(changes(&f), vecs(&[&["docker", "network", "rm", "--", NET], &["ip", "link", "delete", "lc-ltfix-net"]]));
}

#[test]
fn a_shim_of_another_name_is_told_by_the_routes_it_holds() {
    let root = tempfile::tempdir().unwrap();
    // `mine` routes part of the range; `other` is some macvlan child in the subnet that
    // routes nothing of it: not lanctl's to remove.
    let f = host(&[&shim("other", "198.51.100.250"), &shim("mine", "198.51.100.253")]);
    f.on("ip", "-j route show dev mine", 0, r#"[{"dst":"198.51.100.112/28","dev":"mine","scope":"link"}]"#);
    f.on("ip", "-j route show dev other", 0, r#"[{"dst":"198.51.100.192/26","dev":"other","scope":"link"}]"#);
    let (code, _, stderr) = run(&f, root.path(), &["net", "rm", NET]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(changes(&f), vecs(&[&["docker", "network", "rm", "--", NET], &["ip", "link", "delete", "mine"]]));
    let routes: Vec<Vec<String>> = f.calls_of("ip").into_iter().filter(|c| c.contains(&"route".to_string())).collect();
    assert_eq!(routes, vecs(&[&["-j", "route", "show", "dev", "other"], &["-j", "route", "show", "dev", "mine"]]));
}

#[test]
fn boot_files_stop_net_rm_unless_yes_and_go_with_it() {
    let root = tempfile::tempdir().unwrap();
    let f = host(&[&shim("lc-ltfix-net", "198.51.100.254")]);
    // lanctl itself writes the boot file, as a user would have.
    let (code, _, stderr) =
        run(&f, root.path(), &["host-access", NET, "--persist", "ifupdown", "--write", "--address", "198.51.100.254"]);
    assert_eq!(code, 0, "{stderr}");
    let file = root.path().join("etc/network/interfaces.d/lanctl-lc-ltfix-net");
    assert!(file.exists());
    f.clear_calls();

    let (code, stdout, stderr) = run(&f, root.path(), &["net", "rm", NET]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        format!(
            "lanctl: network ltfix-net's host-access shim comes back at every boot from {}; pass --yes to remove these \
             files too, or delete them first\n",
            file.display()
        )
    );
    assert!(changes(&f).is_empty() && file.exists(), "nothing changed");

    let (code, stdout, _) = run(&f, root.path(), &["--dry-run", "--yes", "net", "rm", NET]);
    assert_eq!(code, 0);
    assert_eq!(stdout, format!("docker network rm -- ltfix-net\nip link delete lc-ltfix-net\nrm -f -- {}\n", file.display()));
    assert!(changes(&f).is_empty() && file.exists(), "a dry run changes nothing");

    let (code, _, stderr) = run(&f, root.path(), &["--yes", "net", "rm", NET]);
    assert_eq!(code, 0);
    assert_eq!(
        stderr,
        format!(
            "lanctl: removed network ltfix-net\nlanctl: removed the host-access shim lc-ltfix-net (198.51.100.254) and \
             its routes\nlanctl: removed {}\n",
            file.display()
        )
    );
    assert!(!file.exists());
    assert_eq!(changes(&f), vecs(&[&["docker", "network", "rm", "--", NET], &["ip", "link", "delete", "lc-ltfix-net"]]));
}

#[test]
fn host_access_remove_works_after_the_network_is_gone() {
    let root = tempfile::tempdir().unwrap();
    let f = gone(&[&shim("lc-ltfix-net", "198.51.100.254")]);
    let (code, stdout, stderr) = run(&f, root.path(), &["host-access", NET, "--remove"]);
    assert_eq!((code, stdout.as_str()), (0, ""));
    assert_eq!(stderr, "lanctl: removed the host-access shim lc-ltfix-net (198.51.100.254) and its routes\n");
    assert_eq!(changes(&f), vecs(&[&["ip", "link", "delete", "lc-ltfix-net"]]));

    // A shim of another name, named with --ifname.
    let f = gone(&[&shim("myshim", "198.51.100.254")]);
    let (code, _, _) = run(&f, root.path(), &["host-access", NET, "--remove", "--ifname", "myshim"]);
    assert_eq!(code, 0);
    assert_eq!(changes(&f), vecs(&[&["ip", "link", "delete", "myshim"]]));

    // Nothing left.
    let f = gone(&[]);
    let (code, _, stderr) = run(&f, root.path(), &["host-access", NET, "--remove"]);
    assert_eq!(code, 0);
    assert_eq!(
        stderr,
        "lanctl: network ltfix-net does not exist and left no host-access shim (no macvlan/ipvlan link lc-ltfix-net); \
         nothing to do\n"
    );
    assert!(changes(&f).is_empty());

    // A link of that name that is no shim is never deleted.
    let f = gone(&[]);
    let (code, _, stderr) = run(&f, root.path(), &["host-access", NET, "--remove", "--ifname", "ltfixp"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "lanctl: ltfixp is a veth interface, not a host-access shim; nothing removed; name the shim with --ifname\n"
    );
    assert!(changes(&f).is_empty());
}

#[test]
fn net_rm_of_a_gone_network_points_at_what_it_left() {
    let root = tempfile::tempdir().unwrap();
    let f = gone(&[&shim("lc-ltfix-net", "198.51.100.254")]);
    let (code, _, stderr) = run(&f, root.path(), &["net", "rm", NET]);
    assert_eq!(code, 0);
    assert_eq!(
        stderr,
        "lanctl: network ltfix-net does not exist, but it left the shim lc-ltfix-net (198.51.100.254); remove it with \
         `lanctl host-access ltfix-net --remove`\n"
    );
    assert!(changes(&f).is_empty());
}

#[test]
fn doctor_reports_shims_and_boot_files_whose_network_is_gone() {
    let root = tempfile::tempdir().unwrap();
    let host_root = tempfile::tempdir().unwrap();
    // Boot files for a shim of network `old`, written by lanctl while `old` existed.
    let old = lan_with(|f| {
        f.on(
            "docker",
            "network inspect*",
            0,
            &std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap().replace("ltfix-net", "old"),
        )
    });
    let (code, _, stderr) =
        run(&old, root.path(), &["host-access", "old", "--persist", "ifupdown", "--write", "--address", "198.51.100.250"]);
    assert_eq!(code, 0, "{stderr}");
    let old_file = root.path().join("etc/network/interfaces.d/lanctl-lc-old");
    // Live: lanctl-named shims of gone networks (one with those files), the fixture
    // network's own shim, and someone else's macvlan link.
    let f = host(&[
        &shim("lc-old", "198.51.100.250"),
        &shim("lc-gone", "198.51.100.251"),
        &shim("lc-ltfix-net", "198.51.100.254"),
        r#"{"ifname":"mac0","link":"ltfixp","flags":["UP"],"linkinfo":{"info_kind":"macvlan"},"addr_info":[]}"#,
    ]);
    let out = lanctl(&f)
        .env("LANCTL_CONFIG_ROOT", root.path())
        .env("LANCTL_HOST_ROOT", host_root.path())
        .args(["--json", "doctor"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let orphans: Vec<[String; 4]> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"].as_str().unwrap().starts_with("host-access.orphan."))
        .map(|c| ["id", "status", "detail", "hint"].map(|k| c[k].as_str().unwrap_or_default().to_string()))
        .collect();
    assert_eq!(
        orphans,
        [
            [
                "host-access.orphan.lc-old".to_string(),
                "warn".into(),
                format!(
                    "shim lc-old (macvlan on ltfixp, 198.51.100.250) belongs to network old, which does not exist; it comes \
                     back at every boot from {}",
                    old_file.display()
                ),
                "remove it with `lanctl host-access old --remove --yes`".into()
            ],
            [
                "host-access.orphan.lc-gone".to_string(),
                "warn".into(),
                "shim lc-gone (macvlan on ltfixp, 198.51.100.251) belongs to network gone, which does not exist".into(),
                "remove it with `lanctl host-access gone --remove`".into()
            ],
        ]
    );
    // Boot files alone, once the link is gone too.
    let f = host(&[]);
    let out = lanctl(&f)
        .env("LANCTL_CONFIG_ROOT", root.path())
        .env("LANCTL_HOST_ROOT", host_root.path())
        .args(["--json", "doctor"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = v["checks"].as_array().unwrap().iter().find(|c| c["id"] == "host-access.orphan.lc-old").unwrap().clone();
    assert_eq!(
        c["detail"],
        format!("boot files for the shim lc-old of network old, which does not exist: {}", old_file.display())
    );
    assert_eq!(c["hint"], "remove it with `lanctl host-access old --remove --yes`");
}

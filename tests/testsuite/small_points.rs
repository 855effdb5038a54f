//! Smaller wrong answers: `host-access` names its positional network as a network,
//! `--persist systemd-networkd` prints only real paths, and `apply --dry-run` says what
//! differs for each tenant it would update (keys only for secrets). Fake docker and ip.

use crate::common::*;
use crate::support::*;

#[test]
fn host_access_names_an_unknown_network_as_the_network_it_was_given() {
    let f = lan();
    let out = lanctl(&f).args(["host-access", "nosuchnet"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lossy(&out.stderr), "lanctl: network nosuchnet is not a lanctl network; use one of ltfix-net\n");
    let out = lanctl(&f).args(["host-access", "nosuchnet", "--status"]).output().unwrap();
    assert_eq!(lossy(&out.stderr), "lanctl: network nosuchnet is not a lanctl network; use one of ltfix-net\n");
    assert!(changes(&f).is_empty());
}

#[test]
fn persist_networkd_prints_the_paths_it_would_write() {
    let root = tempfile::tempdir().unwrap();
    let f = lan();
    let persist = ["host-access", NET, "--persist", "systemd-networkd", "--address", "198.51.100.254"];
    // No .network file for the parent: two real files, and the line to add by hand.
    let out = lanctl(&f).env("LANCTL_CONFIG_ROOT", root.path()).args(persist).output().unwrap();
    assert_eq!((out.status.code(), lossy(&out.stderr)), (Some(0), String::new()));
    let r = root.path().display();
    let header = "# lanctl host-access shim for network ltfix-net: lets this host reach its tenants\n";
    assert_eq!(
        lossy(&out.stdout),
        format!(
            "# {r}/etc/systemd/network/50-lanctl-lc-ltfix-net.netdev\n{header}[NetDev]\nName=lc-ltfix-net\nKind=macvlan\n\n\
             [MACVLAN]\nMode=bridge\n\n\
             # {r}/etc/systemd/network/50-lanctl-lc-ltfix-net.network\n{header}[Match]\nName=lc-ltfix-net\n\n[Network]\n\
             Address=198.51.100.254/32\n\n[Route]\nDestination=198.51.100.100/30\n\n[Route]\nDestination=198.51.100.104/29\n\n\
             [Route]\nDestination=198.51.100.112/28\n\n[Route]\nDestination=198.51.100.128/30\n\n\
             # no .network file in {r}/etc/systemd/network, {r}/run/systemd/network, {r}/usr/lib/systemd/network, \
             {r}/lib/systemd/network matches ltfixp: add this line to the [Network] section of the file\n\
             # that configures it, for networkd to attach the shim\n# MACVLAN=lc-ltfix-net\n"
        )
    );
    assert!(!lossy(&out.stdout).contains('<'), "no placeholder path");
    // The parent's file generated in /run (netplan): the drop-in goes in /etc, by its name.
    let run = root.path().join("run/systemd/network");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::write(run.join("10-netplan-ltfixp.network"), "[Match]\nName=ltfixp\n").unwrap();
    let out = lanctl(&f).env("LANCTL_CONFIG_ROOT", root.path()).args(persist).output().unwrap();
    let paths: Vec<String> = lossy(&out.stdout).lines().filter(|l| l.starts_with("# /")).map(str::to_string).collect();
    assert_eq!(
        paths,
        [
            format!("# {r}/etc/systemd/network/50-lanctl-lc-ltfix-net.netdev"),
            format!("# {r}/etc/systemd/network/50-lanctl-lc-ltfix-net.network"),
            format!("# {r}/etc/systemd/network/10-netplan-ltfixp.network.d/lanctl-lc-ltfix-net.conf"),
        ]
    );
    let out = lanctl(&f).env("LANCTL_CONFIG_ROOT", root.path()).args(persist).arg("--write").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let drop_in = root.path().join("etc/systemd/network/10-netplan-ltfixp.network.d/lanctl-lc-ltfix-net.conf");
    assert_eq!(std::fs::read_to_string(drop_in).unwrap(), format!("{header}[Network]\nMACVLAN=lc-ltfix-net\n"));
}

#[test]
fn apply_dry_run_says_what_differs_for_each_tenant_it_would_update() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.json");
    std::fs::write(
        &file,
        r#"{"tenants": [{"name": "ltfix-run", "image": "lanctl-test/media:2", "env": {"MODE": "dash", "NEW": "1"},
                         "pass_env": ["TOKEN"], "labels": {"team": "video"}, "args": ["--verbose"]}]}"#,
    )
    .unwrap();
    let spec = r#"{"image":"lanctl-test/media:latest","env":{"MODE":"hls","OLD":"x"},"secrets":["LICENSE"],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}"#;
    let f = lan_with(|f| {
        f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(spec));
    });
    let out = lanctl(&f).env("TOKEN", "s3cr3t").args(["--dry-run", "apply"]).arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    let stderr = lossy(&out.stderr);
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("lanctl: ltfix-run would be updated")).collect::<Vec<_>>(),
        ["lanctl: ltfix-run would be updated: image is lanctl-test/media:latest, not lanctl-test/media:2; env MODE is hls, \
          not dash; env NEW is unset, not 1; env OLD is x, not unset; secrets passed are [LICENSE], not [TOKEN]; label team \
          is unset, not video; arguments are [], not [--verbose]"]
    );
    assert!(!stderr.contains("s3cr3t") && !lossy(&out.stdout).contains("s3cr3t"), "no secret value is shown");
}

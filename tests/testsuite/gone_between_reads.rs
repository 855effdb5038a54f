//! A container or network removed between two reads (`docker ps` or `network ls`, then
//! `inspect`) is gone, not an error: `net ls`, `net show`, `net rm`, `host-access` and
//! `doctor` go on without it. Against the fake docker and ip.

use crate::common::*;
use crate::support::*;

/// `docker container inspect` finds only the running fixture container: the stopped one
/// was removed after `docker ps` listed it (asked for alone or with the running one).
fn stopped_one_gone() -> Fake {
    let running = std::fs::read_to_string(fixture("docker-container-inspect-running.json")).unwrap();
    lan_with(|f| {
        f.on_script(
            "docker",
            &format!("container inspect -- {STOPPED_ID}*"),
            &format!(
                "found=; for n in \"${{@:4}}\"; do case $n in {RUNNING_ID}*) found=1;; \
                 *) echo \"Error: No such container: $n\" >&2;; esac; done\n\
                 if [ -n \"$found\" ]; then cat <<'EOF'\n{running}\nEOF\nelse echo '[]'; fi; exit 1"
            ),
        );
    })
}

/// Both fixture containers were removed after `docker ps` listed them.
fn both_gone() -> Fake {
    lan_with(|f| {
        f.on_script(
            "docker",
            "container inspect -- *",
            r#"echo '[]'; for n in "${@:4}"; do echo "Error: No such container: $n" >&2; done; exit 1"#,
        );
    })
}

#[test]
fn net_ls_and_show_leave_out_a_container_gone_since_ps() {
    let f = stopped_one_gone();
    let out = lanctl(&f).args(["net", "ls"]).output().unwrap();
    assert_eq!((out.status.code(), lossy(&out.stderr)), (Some(0), String::new()));
    assert_eq!(
        lossy(&out.stdout),
        "NAME       DRIVER   MODE    PARENT  SUBNET           RANGE                          GATEWAY       TENANTS  FREE\n\
         ltfix-net  macvlan  bridge  ltfixp  198.51.100.0/24  198.51.100.100-198.51.100.131  198.51.100.1  0        31\n"
    );
    let out = lanctl(&f).args(["net", "show", NET]).output().unwrap();
    assert_eq!((out.status.code(), lossy(&out.stderr)), (Some(0), String::new()));
    let text = lossy(&out.stdout);
    let used: Vec<&str> = text.lines().filter(|l| l.starts_with("used")).collect();
    assert_eq!(used, ["used      198.51.100.113  container ltfix-run (running)"]);
    assert_eq!(text.lines().last(), Some("free      31 (next 198.51.100.100)"));
}

#[test]
fn net_rm_counts_only_containers_still_there() {
    let f = stopped_one_gone();
    let out = lanctl(&f).args(["net", "rm", NET]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        lossy(&out.stderr),
        "lanctl: network ltfix-net still has containers attached: ltfix-run (running); remove them first, e.g. \
         `lanctl down ltfix-run`\n"
    );
    let f = both_gone();
    let out = lanctl(&f).args(["net", "rm", NET]).output().unwrap();
    assert_eq!((out.status.code(), lossy(&out.stderr)), (Some(0), "lanctl: removed network ltfix-net\n".to_string()));
    assert_eq!(changes(&f), [["docker", "network", "rm", "--", NET]]);
}

#[test]
fn host_access_goes_on_without_a_container_gone_since_ps() {
    let f = stopped_one_gone();
    let out = lanctl(&f).args(["--dry-run", "host-access", NET, "--no-probe"]).output().unwrap();
    assert_eq!((out.status.code(), lossy(&out.stderr)), (Some(0), String::new()));
    assert_eq!(lossy(&out.stdout).lines().next(), Some("ip link add lc-ltfix-net link ltfixp type macvlan mode bridge"));
    assert_eq!(lossy(&out.stdout).lines().nth(1), Some("ip addr add 198.51.100.254/32 dev lc-ltfix-net"));
}

#[test]
fn doctor_reads_tenants_without_a_container_gone_since_ps() {
    let f = stopped_one_gone();
    // An empty host root: no kernel facts, no VM, no probe; only docker's answers count.
    let root = tempfile::tempdir().unwrap();
    let out = lanctl(&f).env("LANCTL_HOST_ROOT", root.path()).args(["--json", "doctor"]).output().unwrap();
    assert_eq!((out.status.code(), lossy(&out.stderr)), (Some(0), String::new()));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let skipped: Vec<&str> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"] == "host-access")
        .map(|c| c["detail"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, Vec::<&str>::new(), "the tenants could not be read");
}

/// `docker network inspect` of every listed network finds only the fixture network: the
/// others were removed after `docker network ls` listed them.
fn others_gone() -> Fake {
    let net = std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap();
    lan_with(|f| {
        f.on_script(
            "docker",
            "network inspect -- *",
            &format!(
                "cat <<'EOF'\n{net}\nEOF\nfor n in \"${{@:4}}\"; do [[ $n == 123a1fd8* ]] || echo \"Error response from daemon: network $n not found\" >&2; done; exit 1"
            ),
        );
    })
}

#[test]
fn a_network_gone_since_network_ls_is_left_out() {
    let f = others_gone();
    let out = lanctl(&f).args(["net", "ls"]).output().unwrap();
    assert_eq!((out.status.code(), lossy(&out.stderr)), (Some(0), String::new()));
    assert_eq!(lossy(&out.stdout).lines().nth(1).map(|l| l.split_whitespace().next()), Some(Some(NET)));
    assert_eq!(lossy(&out.stdout).lines().count(), 2);
    let root = tempfile::tempdir().unwrap();
    let out = lanctl(&f).env("LANCTL_HOST_ROOT", root.path()).args(["--json", "doctor", "--parent", "ltfixp"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nets: Vec<String> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["id"].as_str().unwrap().starts_with("parent.networks.") || c["id"] == "host-access")
        .map(|c| format!("{} {} {}", c["id"].as_str().unwrap(), c["status"].as_str().unwrap(), c["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        nets,
        [
            "parent.networks.ipvlan warn macvlan network ltfix-net uses ltfixp: the kernel cannot hold ipvlan and macvlan links on one device",
            "parent.networks.macvlan ok lanctl network ltfix-net (macvlan bridge) uses ltfixp"
        ]
    );
}

//! `net create` of a network that already matches: read first, no prerequisite checks,
//! no change; `--skip-checks` skips the checks; a create that loses a race to the same
//! spec is a no-op. Against the fake docker and ip.

use crate::common::*;
use crate::support::*;

const NET_ID: &str = "123a1fd8d77042c48776c15eed17561a3849978b87cde5b2847d1e08c0852fa4";

/// `net create` with the fixture network's own spec, under `name`.
fn create_args(name: &str) -> Vec<String> {
    let more = ["--ip-range", "198.51.100.100-198.51.100.131", "--aux-address", "router2=198.51.100.2"];
    net_create(name, &["--driver", "macvlan", "--parent", "ltfixp"], &more)
}

/// The argv of a line whose words are separated by single spaces; `{{json .}}` is one word.
fn argv(line: &str) -> Vec<String> {
    line.replace("{{json .}}", "{{json\u{0}.}}").split(' ').map(|w| w.replace('\u{0}', " ")).collect()
}

const LS: &str = "docker network ls --no-trunc --format {{json .}}";

fn create_line(name: &str) -> Vec<String> {
    argv(&format!(
        "docker network create --driver macvlan --opt parent=ltfixp --opt macvlan_mode=bridge --subnet 198.51.100.0/24 \
         --gateway 198.51.100.1 --ip-range 198.51.100.112/28 --aux-address router2=198.51.100.2 \
         --label io.lanctl.managed=true --label io.lanctl.range=198.51.100.100-198.51.100.131 -- {name}"
    ))
}

#[test]
fn a_network_that_matches_is_read_and_left_alone_without_checks() {
    let f = lan();
    let out = lanctl(&f).args(create_args(NET)).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lossy(&out.stdout), "");
    assert_eq!(lossy(&out.stderr), "lanctl: network ltfix-net already exists with this spec; nothing to do\n");
    // Two reads; no docker version/info, kernel, probe, parent or hypervisor check.
    assert_eq!(f.calls(), [argv(LS), argv(&format!("docker network inspect -- {NETWORK_IDS}"))]);
}

#[test]
fn a_dry_run_of_a_matching_network_prints_nothing_and_exits_0() {
    let f = lan();
    let out = lanctl(&f).arg("--dry-run").args(create_args(NET)).output().unwrap();
    assert_eq!((out.status.code(), lossy(&out.stdout)), (Some(0), String::new()));
    assert_eq!(f.calls().len(), 2, "{:?}", f.calls());
}

#[test]
fn skip_checks_runs_no_check_at_all() {
    let f = lan_without_networks();
    let out = lanctl(&f).arg("--skip-checks").args(create_args("lan")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    assert_eq!(lossy(&out.stderr), "lanctl: created macvlan network lan on ltfixp (range 198.51.100.100-198.51.100.131)\n");
    assert_eq!(
        f.calls(),
        [argv(LS), argv(&format!("docker network inspect -- {OTHER_IDS}")), argv("ip -j addr show"), create_line("lan")]
    );
}

/// A fake whose `docker network ls` shows the fixture network only once `docker network
/// create` has run: another process created it between lanctl's read and its create.
/// Docker says "already exists" to a create that loses the race on the name.
fn raced(existing: &str) -> (Fake, tempfile::TempDir) {
    raced_saying(existing, &format!("Error response from daemon: network with name {NET} already exists"))
}

fn raced_saying(existing: &str, said: &str) -> (Fake, tempfile::TempDir) {
    raced_listed_after(existing, said, 0)
}

/// Like `raced_saying`, with the winner's network listed only from the read after
/// `reads` reads that followed the create.
fn raced_listed_after(existing: &str, said: &str, reads: usize) -> (Fake, tempfile::TempDir) {
    let state = tempfile::tempdir().unwrap();
    let mark = state.path().join("created");
    let without: String = std::fs::read_to_string(fixture("docker-network-ls.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.contains(NET))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(state.path().join("without"), without).unwrap();
    std::fs::write(state.path().join("inspect"), existing).unwrap();
    let dir = shell_quote(state.path().to_str().unwrap());
    let f = lan_with(|f| {
        f.on_script(
            "docker",
            "network ls*",
            &format!(
                "if [[ -e {dir}/created ]]; then n=$(cat {dir}/reads 2>/dev/null || echo 0); echo $((n + 1)) > {dir}/reads; \
                 if (( n >= {reads} )); then cat {}; else cat {dir}/without; fi; else cat {dir}/without; fi",
                shell_quote(fixture("docker-network-ls.jsonl").to_str().unwrap())
            ),
        );
        // Before the winner's create, the read of every network finds only docker's own.
        f.on("docker", &format!("network inspect -- {OTHER_IDS}"), 0, "[]");
        f.on_script("docker", "network inspect*", &format!("cat {dir}/inspect"));
        f.on_script(
            "docker",
            "network create*",
            &format!("touch {}; echo {} >&2; exit 1", shell_quote(mark.to_str().unwrap()), shell_quote(said)),
        );
    });
    (f, state)
}

#[test]
fn losing_a_race_to_the_same_spec_is_a_no_op() {
    let (f, _state) = raced(&std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap());
    let out = lanctl(&f).arg("--skip-checks").args(create_args(NET)).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    assert_eq!(lossy(&out.stderr), "lanctl: network ltfix-net already exists with this spec; nothing to do\n");
    assert_eq!(
        f.calls(),
        [
            argv(LS),
            argv(&format!("docker network inspect -- {OTHER_IDS}")),
            argv("ip -j addr show"),
            create_line(NET),
            argv(LS),
            argv(&format!("docker network inspect -- {NET_ID}"))
        ]
    );
}

#[test]
fn losing_a_race_on_the_subnet_to_the_same_spec_is_a_no_op_too() {
    // Engine 20.10, when the winner registered the subnet before the loser's name check.
    let (f, _state) = raced_saying(
        &std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap(),
        "Error response from daemon: Pool overlaps with other one on this address space",
    );
    let out = lanctl(&f).arg("--skip-checks").args(create_args(NET)).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    assert_eq!(lossy(&out.stderr), "lanctl: network ltfix-net already exists with this spec; nothing to do\n");
}

#[test]
fn a_subnet_overlap_with_another_network_is_still_an_error() {
    let f = lan_with(|f| {
        without_fixture_network(f);
        f.on_err(
            "docker",
            "network create*",
            1,
            "Error response from daemon: Pool overlaps with other one on this address space\n",
        )
    });
    let out = lanctl(&f).arg("--skip-checks").args(create_args("lan")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line = create_line("lan").join(" ");
    assert_eq!(
        lossy(&out.stderr),
        format!(
            "lanctl: `{line}` failed (exit 1): Error response from daemon: Pool overlaps with other one on this address space\n"
        )
    );
}

#[test]
fn losing_a_race_on_the_subnet_waits_for_the_winner_to_be_listed() {
    // Engine 20.10 with four creates at once: "Pool overlaps" comes back before the
    // winner's network is listed; here it is listed from the third read after the create.
    let (f, state) = raced_listed_after(
        &std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap(),
        "Error response from daemon: Pool overlaps with other one on this address space",
        2,
    );
    let out = lanctl(&f).arg("--skip-checks").args(create_args(NET)).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    assert_eq!(lossy(&out.stderr), "lanctl: network ltfix-net already exists with this spec; nothing to do\n");
    assert_eq!(std::fs::read_to_string(state.path().join("reads")).unwrap().trim(), "3");
}

#[test]
fn losing_a_race_to_another_spec_says_what_differs() {
    let (f, _state) = raced(&network_with_range("198.51.100.96-198.51.100.127"));
    let out = lanctl(&f).arg("--skip-checks").args(create_args(NET)).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        lossy(&out.stderr),
        "lanctl: network ltfix-net already exists with another spec: ip-range is 198.51.100.96-198.51.100.127, \
         not 198.51.100.100-198.51.100.131; remove it with `lanctl net rm ltfix-net` first, or use another name\n"
    );
}

#[test]
fn apply_with_a_matching_network_runs_no_checks_and_reads_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.json");
    std::fs::write(
        &file,
        r#"{"networks": [{"name": "ltfix-net", "driver": "macvlan", "parent": "ltfixp", "subnet": "198.51.100.0/24",
             "gateway": "198.51.100.1", "ip_range": "198.51.100.100-198.51.100.131",
             "aux_addresses": {"router2": "198.51.100.2"}}]}"#,
    )
    .unwrap();
    let f = lan();
    let out = lanctl(&f).arg("apply").arg(&file).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", lossy(&out.stderr));
    assert_eq!(
        lossy(&out.stderr),
        "lanctl: network ltfix-net already exists with this spec; nothing to do\n\
         lanctl: the host already matches the fleet file; nothing to do\n"
    );
    // The file names its network: it is inspected by name, with no listing first.
    assert_eq!(f.calls(), [argv("docker network inspect -- ltfix-net")]);
}

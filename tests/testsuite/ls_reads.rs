//! What `ls` reads (issue 15): `docker ps` and the `docker network inspect` of the
//! tenants' networks in one round when the networks are known before `docker ps` answers:
//! named with `--net`, or those the last `ls` of the host needed (lanctl's hint, in its
//! lock directory). Without a hint, or when the hint misses a network, the network is read
//! after `docker ps`, as before; the rows are the same either way. Against the fake
//! docker and ip.

use crate::common::*;
use crate::support::*;

/// The fixture's two tenants, as `ls` lists them.
const TABLE: &str = "NAME        NETWORK    ADDRESS         STATE    READY    IMAGE                     STATUS\n\
                     ltfix-run   ltfix-net  198.51.100.113  running  running  lanctl-test/media:latest  Up Less than a second\n\
                     ltfix-stop  ltfix-net  198.51.100.114  exited   down     lanctl-test/media:latest  Exited (0) Less than a second ago\n";

fn ps(filter: &str) -> String {
    format!("docker ps --all --no-trunc --filter {filter} --format {}", PS_FORMAT.trim_matches('\''))
}

fn sorted(calls: &[Call]) -> Vec<String> {
    let mut calls: Vec<String> = calls.iter().map(|c| c.argv.join(" ")).collect();
    calls.sort();
    calls
}

/// The fixture host where `docker ps` and the network's inspect each wait, up to 10 s,
/// until both have started, and only then answer: reading them one after the other fails.
fn host_reading_at_once() -> (Fake, tempfile::TempDir) {
    let met = tempfile::tempdir().unwrap();
    let wait = |name: &str, answer: &str| answer_once_all_started(met.path(), name, 2, &fixture(answer));
    let f = lan_with(|f| {
        f.on_script("docker", "network inspect -- ltfix-net", &wait("net", "docker-network-inspect-macvlan.json"));
        f.on_script("docker", "ps --all --no-trunc --filter label=io.lanctl.* --format *", &wait("ps", "docker-ps-a.jsonl"));
    });
    (f, met)
}

/// The fixture host that answers every read at once.
fn host() -> Fake {
    lan()
}

#[test]
fn the_first_ls_reads_the_network_after_docker_ps_and_the_next_reads_both_at_once() {
    let f = host();
    let first = Run::new(&f).args(["ls"]).stdout(TABLE).check();
    let reads = [
        format!("docker container inspect -- {STOPPED_FULL_ID}"),
        "docker network inspect -- ltfix-net".to_string(),
        ps("label=io.lanctl.tenant"),
    ];
    assert_eq!(sorted(&first.calls), reads);
    // The network's inspect started only once `docker ps` had answered.
    let order: Vec<&str> = first.calls.iter().map(|c| c.argv[1].as_str()).collect();
    assert_eq!(order[0], "ps", "{order:?}");
    assert_eq!(
        std::fs::read_to_string(f.lock_dir().join("networks.default")).unwrap(),
        "ltfix-net\n",
        "the hint names the network the running tenant is on"
    );

    // The same host again, where reading one after the other fails: the same rows.
    let (g, _met) = host_reading_at_once();
    std::fs::copy(f.lock_dir().join("networks.default"), g.lock_dir().join("networks.default")).unwrap();
    let next = Run::new(&g).args(["ls"]).stdout(TABLE).check();
    assert_eq!(sorted(&next.calls), reads);
}

#[test]
fn ls_of_one_network_reads_it_with_docker_ps_at_once_from_the_first_run() {
    let (f, _met) = host_reading_at_once();
    let done = Run::new(&f).args(["ls", "--net", "ltfix-net"]).stdout(TABLE).check();
    assert_eq!(
        sorted(&done.calls),
        [
            format!("docker container inspect -- {STOPPED_FULL_ID}"),
            "docker network inspect -- ltfix-net".to_string(),
            ps("label=io.lanctl.network=ltfix-net"),
        ]
    );
    assert!(!f.lock_dir().join("networks.default").exists(), "ls --net names its network itself: no hint");
}

#[test]
fn a_hint_naming_a_network_that_is_gone_costs_nothing_and_is_corrected() {
    let f = lan_with(|f| f.on_err("docker", "network inspect -- ltgone", 1, "Error: No such network: ltgone\n"));
    std::fs::write(f.lock_dir().join("networks.default"), "ltgone\n").unwrap();
    let done = Run::new(&f).args(["ls"]).stdout(TABLE).check();
    assert_eq!(
        sorted(&done.calls),
        [
            format!("docker container inspect -- {STOPPED_FULL_ID}"),
            "docker network inspect -- ltfix-net".to_string(),
            "docker network inspect -- ltgone".to_string(),
            ps("label=io.lanctl.tenant"),
        ]
    );
    assert_eq!(std::fs::read_to_string(f.lock_dir().join("networks.default")).unwrap(), "ltfix-net\n");
}

#[test]
fn a_dry_run_ls_lists_alike_and_leaves_the_hint_alone() {
    let f = host();
    Run::new(&f).args(["--dry-run", "ls"]).stdout(TABLE).check();
    assert!(!f.lock_dir().join("networks.default").exists());
}

/// What docker says when a name is no network's but the prefix of several networks' IDs
/// (a network called `cafe` removed, say, while others' IDs start with `cafe`).
const AMBIGUOUS: &str = "Error response from daemon: network cafe is ambiguous (2 matches found based on ID prefix)\n";

#[test]
fn a_hint_whose_read_fails_costs_the_round_back_and_never_fails_ls() {
    let f = lan_with(|f| f.on_err("docker", "network inspect -- cafe", 1, AMBIGUOUS));
    std::fs::write(f.lock_dir().join("networks.default"), "cafe\n").unwrap();
    Run::new(&f).args(["ls"]).stdout(TABLE).check();
    assert_eq!(std::fs::read_to_string(f.lock_dir().join("networks.default")).unwrap(), "ltfix-net\n");
}

#[test]
fn ls_of_a_network_whose_early_read_fails_lists_what_docker_ps_lists_as_before() {
    // No tenant is on `cafe`, so `docker ps` lists none, and before the early read
    // `ls --net cafe` read nothing more.
    let f = lan_with(|f| {
        f.on("docker", "ps --all --no-trunc --filter label=io.lanctl.network=cafe --format *", 0, "");
        f.on_err("docker", "network inspect -- cafe", 1, AMBIGUOUS);
    });
    Run::new(&f).args(["ls", "--net", "cafe"]).stdout("NAME  NETWORK  ADDRESS  STATE  READY  IMAGE  STATUS\n").check();
}

#[test]
fn a_dry_run_ls_creates_no_lock_directory() {
    let f = host();
    std::fs::remove_dir(f.lock_dir()).unwrap();
    Run::new(&f).args(["--dry-run", "ls"]).stdout(TABLE).check();
    assert!(!f.lock_dir().exists(), "a dry run made the lock directory");
}

//! What `apply` reads (issue 15): when every tenant names its network, a fleet that
//! needs nothing costs one round of reads: those networks, the host's `docker ps` and
//! the tenants' containers, at the same time and nothing after. A tenant without a
//! network still finds the host's only lanctl network through the listing. Against the
//! fake docker and ip.

mod common;
mod support;

use common::*;
use support::*;

/// The spec `{"name": "ltfix-run", "image": "img"}` lowers to.
const SPEC: &str = r#"{"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}"#;

/// The fixture network as a fleet file writes it.
const NETWORK: &str = r#"{"name": "ltfix-net", "driver": "macvlan", "parent": "ltfixp", "subnet": "198.51.100.0/24",
    "gateway": "198.51.100.1", "ip_range": "198.51.100.100-198.51.100.131", "aux_addresses": {"router2": "198.51.100.2"}}"#;

/// What `apply` says when ltfix-run already runs as the file asks (after the network's
/// own line, when the file names the network).
const NOTHING_TO_DO: &str = "lanctl: the host already matches the fleet file; nothing to do\nlanctl: unchanged: ltfix-run\n";

fn fleet(dir: &tempfile::TempDir, text: &str) -> String {
    let file = dir.path().join("fleet.json");
    std::fs::write(&file, text).unwrap();
    file.to_str().unwrap().to_string()
}

/// The fixture host with ltfix-run running as `{"image": "img"}` asks.
fn host() -> Fake {
    lan_with(|f| f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(SPEC)))
}

/// The fixture host where the three reads of a no-op apply each wait, up to 10 s, until
/// all three have started, and only then answer: reads made one after another fail.
fn host_reading_at_once() -> (Fake, tempfile::TempDir) {
    let met = tempfile::tempdir().unwrap();
    let running = met.path().join("running.json");
    std::fs::write(&running, running_tenant_with_spec(SPEC)).unwrap();
    let wait = |name: &str, answer: &std::path::Path| {
        format!(
            r#"d={dir}; touch "$d/{name}"
               for _ in $(seq 100); do [[ $(ls "$d" | grep -c '^read-') -ge 3 ]] && break; sleep 0.1; done
               [[ $(ls "$d" | grep -c '^read-') -ge 3 ]] || {{ echo "{name} waited alone: $(ls "$d")" >&2; exit 1; }}
               cat {answer}"#,
            dir = shell_quote(met.path().to_str().unwrap()),
            answer = shell_quote(answer.to_str().unwrap()),
        )
    };
    let f = lan_with(|f| {
        f.on_script("docker", "network inspect -- ltfix-net", &wait("read-net", &fixture("docker-network-inspect-macvlan.json")));
        f.on_script("docker", "ps --all --no-trunc --format *", &wait("read-ps", &fixture("docker-ps-a.jsonl")));
        f.on_script("docker", "container inspect -- ltfix-run", &wait("read-tenant", &running));
    });
    (f, met)
}

fn ps_all() -> String {
    format!("docker ps --all --no-trunc --format {}", PS_FORMAT.trim_matches('\''))
}

fn sorted(calls: &[Call]) -> Vec<String> {
    let mut calls: Vec<String> = calls.iter().map(|c| c.argv.join(" ")).collect();
    calls.sort();
    calls
}

#[test]
fn a_no_op_apply_reads_its_network_the_host_and_its_tenants_at_once_and_nothing_more() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(&dir, &format!(r#"{{"networks": [{NETWORK}], "tenants": [{{"name": "ltfix-run", "image": "img"}}]}}"#));
    let (f, _met) = host_reading_at_once();
    let done = Run::new(&f)
        .args(["apply", &file])
        .stderr(format!("lanctl: network ltfix-net already exists with this spec; nothing to do\n{NOTHING_TO_DO}"))
        .check();
    assert_eq!(
        sorted(&done.calls),
        ["docker container inspect -- ltfix-run".to_string(), format!("docker network inspect -- {NET}"), ps_all()]
    );
    // A dry run reads the same.
    let done = Run::new(&f)
        .args(["--dry-run", "apply", &file])
        .stderr(format!("lanctl: network ltfix-net already exists with this spec; nothing to do\n{NOTHING_TO_DO}"))
        .check();
    assert_eq!(done.calls.len(), 3, "{:?}", sorted(&done.calls));
}

#[test]
fn a_tenant_naming_a_network_of_the_host_is_read_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(&dir, r#"{"tenants": [{"name": "ltfix-run", "net": "ltfix-net", "image": "img"}]}"#);
    let (f, _met) = host_reading_at_once();
    let done = Run::new(&f).args(["apply", &file]).stderr(NOTHING_TO_DO).check();
    assert_eq!(
        sorted(&done.calls),
        ["docker container inspect -- ltfix-run".to_string(), format!("docker network inspect -- {NET}"), ps_all()]
    );
}

#[test]
fn a_tenant_to_start_reads_the_hosts_addresses_and_the_stopped_holders_for_its_pool() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(
        &dir,
        r#"{"tenants": [{"name": "ltfix-run", "net": "ltfix-net", "image": "img"},
                        {"name": "room-9", "net": "ltfix-net", "image": "img"}]}"#,
    );
    let f = lan_with(|f| f.on("docker", "container inspect -- ltfix-run room-9", 0, &running_tenant_with_spec(SPEC)));
    // .113 and .114 are the fixture's tenants, the stopped one's address read from itself.
    let done = Run::new(&f)
        .args(["--dry-run", "apply", "--no-probe", &file])
        .stdout_contains("--name room-9 --hostname room-9 --network ltfix-net --ip 198.51.100.100 ")
        .stderr("lanctl: would be created: room-9\nlanctl: unchanged: ltfix-run\n")
        .check();
    assert_eq!(
        sorted(&done.calls),
        [
            format!("docker container inspect -- {STOPPED_FULL_ID}"),
            "docker container inspect -- ltfix-run room-9".to_string(),
            format!("docker network inspect -- {NET}"),
            ps_all(),
            "docker version --format {{json .}}".to_string(),
            "ip -j addr show".to_string(),
        ]
    );
}

#[test]
fn a_tenant_without_a_network_finds_the_hosts_only_one_through_the_listing() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(&dir, r#"{"tenants": [{"name": "ltfix-run", "image": "img"}]}"#);
    let f = host();
    let done = Run::new(&f).args(["apply", &file]).stderr(NOTHING_TO_DO).check();
    assert_eq!(
        sorted(&done.calls),
        [
            format!("docker container inspect -- {STOPPED_FULL_ID}"),
            "docker container inspect -- ltfix-run".to_string(),
            format!("docker network inspect -- {NETWORK_IDS}"),
            format!("docker network inspect -- {NET}"),
            "docker network ls --no-trunc --filter label=io.lanctl.managed --format {{json .}}".to_string(),
            ps_all(),
            "ip -j addr show".to_string(),
        ]
    );
}

#[test]
fn a_network_neither_in_the_file_nor_on_the_host_is_refused_in_the_same_words() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(&dir, r#"{"tenants": [{"name": "ltfix-run", "net": "ltgone", "image": "img"}]}"#);
    let f = lan_with(|f| f.on_err("docker", "network inspect -- ltgone", 1, "Error: No such network: ltgone\n"));
    Run::new(&f)
        .args(["apply", &file])
        .code(2)
        .stderr(
            "lanctl: fleet file: tenant ltfix-run: network ltgone is neither in the file nor on the host; add it to \
             \"networks\"\n",
        )
        .check();
    let file = fleet(
        &dir,
        &format!(
            r#"{{"networks": [{NETWORK}, {}], "tenants": [{{"name": "ltfix-run", "image": "img"}}]}}"#,
            NETWORK.replace("ltfix-net", "ltother").replace("198.51.100.", "192.0.2.")
        ),
    );
    Run::new(&f)
        .args(["apply", &file])
        .code(2)
        .stderr("lanctl: fleet file: tenant ltfix-run: there are several networks, so give the tenant a \"net\"\n")
        .check();
}

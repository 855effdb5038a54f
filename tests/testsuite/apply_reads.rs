//! What `apply` reads (issue 15): when every tenant names its network, a fleet that
//! needs nothing costs one round of two reads: those networks and the host's `docker ps`,
//! at the same time, and nothing after. A tenant that runs as asked is decided from its
//! `docker ps` line (its labels) and its network's inspect (its address); only the others
//! that exist are inspected, in a second read. A tenant without a network still finds
//! the host's only lanctl network through the listing. Against the fake docker and ip.

use crate::common::*;
use crate::support::*;

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

/// The fixture host where ltfix-run runs as `{"image": "img"}` asks, labels and all, and
/// where the two reads of a no-op apply each wait, up to 10 s, until both have started,
/// and only then answer: reads made one after another fail. Inspecting a container
/// fails the test.
fn host_reading_at_once() -> (Fake, tempfile::TempDir) {
    let met = tempfile::tempdir().unwrap();
    let ps = met.path().join("ps.jsonl");
    std::fs::write(&ps, ps_with_spec(SPEC, "running")).unwrap();
    let wait = |name: &str, answer: &std::path::Path| answer_once_all_started(met.path(), name, 2, answer);
    let f = lan_with(|f| {
        f.unexpected("docker", "container inspect *");
        f.on_script("docker", "network inspect -- ltfix-net", &wait("net", &fixture("docker-network-inspect-macvlan.json")));
        f.on_script("docker", "ps --all --no-trunc --format *", &wait("ps", &ps));
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
fn a_no_op_apply_reads_its_network_and_the_host_at_once_and_inspects_no_container() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(&dir, &format!(r#"{{"networks": [{NETWORK}], "tenants": [{{"name": "ltfix-run", "image": "img"}}]}}"#));
    let (f, _met) = host_reading_at_once();
    let done = Run::new(&f)
        .args(["apply", &file])
        .stderr(format!("lanctl: network ltfix-net already exists with this spec; nothing to do\n{NOTHING_TO_DO}"))
        .check();
    assert_eq!(sorted(&done.calls), [format!("docker network inspect -- {NET}"), ps_all()]);
    // A dry run reads the same.
    let done = Run::new(&f)
        .args(["--dry-run", "apply", &file])
        .stderr(format!("lanctl: network ltfix-net already exists with this spec; nothing to do\n{NOTHING_TO_DO}"))
        .check();
    assert_eq!(sorted(&done.calls), [format!("docker network inspect -- {NET}"), ps_all()]);
}

#[test]
fn a_tenant_naming_a_network_of_the_host_is_read_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(&dir, r#"{"tenants": [{"name": "ltfix-run", "net": "ltfix-net", "image": "img"}]}"#);
    let (f, _met) = host_reading_at_once();
    let done = Run::new(&f).args(["apply", &file]).stderr(NOTHING_TO_DO).check();
    assert_eq!(sorted(&done.calls), [format!("docker network inspect -- {NET}"), ps_all()]);
}

#[test]
fn a_tenant_to_start_reads_the_hosts_addresses_and_the_stopped_holders_for_its_pool() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(
        &dir,
        r#"{"tenants": [{"name": "ltfix-run", "net": "ltfix-net", "image": "img"},
                        {"name": "room-9", "net": "ltfix-net", "image": "img"}]}"#,
    );
    let f = lan_with(|f| {
        f.on("docker", "ps --all --no-trunc --format *", 0, &ps_with_spec(SPEC, "running"));
        f.unexpected("docker", "container inspect -- ltfix-run*");
    });
    // ltfix-run runs as asked and room-9 is not there: neither is inspected. .113 and .114
    // are the fixture's tenants, the stopped one's address read from itself.
    let done = Run::new(&f)
        .args(["--dry-run", "apply", "--no-probe", &file])
        .stdout_contains("--name room-9 --hostname room-9 --network ltfix-net --ip 198.51.100.100 ")
        .stderr("lanctl: would be created: room-9\nlanctl: unchanged: ltfix-run\n")
        .check();
    assert_eq!(
        sorted(&done.calls),
        [
            format!("docker container inspect -- {STOPPED_FULL_ID}"),
            format!("docker network inspect -- {NET}"),
            format!("docker network inspect -- {NET}.lanctl-cluster"),
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
            format!("docker network inspect -- {NET}.lanctl-cluster"),
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

/// ltfix-run's inspect with the spec `spec_json`, as docker shows it in `status`
/// ("running", "exited", "restarting"; a restarting one last exited with 1).
fn tenant_in(spec_json: &str, status: &str) -> String {
    let mut v: Vec<serde_json::Value> = serde_json::from_str(&running_tenant_with_spec(spec_json)).unwrap();
    let state = &mut v[0]["State"];
    state["Status"] = status.into();
    state["Running"] = (status != "exited").into();
    state["Restarting"] = (status == "restarting").into();
    state["ExitCode"] = if status == "running" { 0 } else { 1 }.into();
    serde_json::to_string(&v).unwrap()
}

/// The fixture host where `docker ps` shows ltfix-run, with the spec `ps_spec`, in docker's
/// `state`, and its inspect shows it with the spec `spec` in that state.
fn host_with(ps_spec: &str, spec: &str, state: &str) -> Fake {
    lan_with(|f| {
        f.on("docker", "ps --all --no-trunc --format *", 0, &ps_with_spec(ps_spec, state));
        f.on("docker", "container inspect -- ltfix-run", 0, &tenant_in(spec, state));
    })
}

/// The calls of a run in order, but for its two first, made at once, which are sorted.
fn in_order(calls: &[Call]) -> Vec<String> {
    let mut all = sorted(&calls[..2.min(calls.len())]);
    all.extend(calls.iter().skip(2).map(|c| c.argv.join(" ")));
    all
}

/// The two reads at once, then ltfix-run inspected, then `more`.
fn reads_then_inspect(more: &[&str]) -> Vec<String> {
    let first = [format!("docker network inspect -- {NET}"), ps_all(), "docker container inspect -- ltfix-run".to_string()];
    first.into_iter().chain(more.iter().map(|m| m.to_string())).collect()
}

#[test]
fn a_tenant_whose_spec_label_differs_is_inspected_after_the_reads_then_updated() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(&dir, r#"{"tenants": [{"name": "ltfix-run", "net": "ltfix-net", "image": "img"}]}"#);
    let old = SPEC.replace(r#""image":"img""#, r#""image":"img:1""#);
    let f = host_with(&old, &old, "running");
    // Recreated on its address, as before this read was split.
    let run = format!(
        "docker run --detach --name ltfix-run --hostname ltfix-run --network ltfix-net --ip 198.51.100.113 --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart \
         unless-stopped --label io.lanctl.tenant=ltfix-run --label io.lanctl.network=ltfix-net --label \
         'io.lanctl.spec={SPEC}' -- img"
    );
    let check = "(for ((i = 0; i < 5; i++)); do sleep 1; [[ $(docker container inspect --format \
                 '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' -- ltfix-run) == 'running 0 0' ]] || exit 1; done)";
    let done = Run::new(&f)
        .args(["--dry-run", "apply", &file])
        .stdout(format!(
            "(\ndocker stop -- ltfix-run || exit 1\nif ! {{\n  docker rename -- ltfix-run ltfix-run.lanctl-prev\n}}; then\n  \
             docker start -- ltfix-run\n  exit 1\nfi\nif ! {{\n  {run} &&\n  {check}\n}}; then\n  \
             docker logs --tail 5 -- ltfix-run >&2\n  docker rm --force -- ltfix-run\n  \
             docker rename -- ltfix-run.lanctl-prev ltfix-run\n  docker start -- ltfix-run\n  exit 1\nfi\n\
             docker rm -- ltfix-run.lanctl-prev || exit 1\n)\n"
        ))
        .stderr("lanctl: ltfix-run would be updated: image is img:1, not img\nlanctl: would be updated: ltfix-run\n")
        .check();
    assert_eq!(in_order(&done.calls), reads_then_inspect(&[]));
}

#[test]
fn a_stopped_tenant_is_inspected_after_the_reads_then_started() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(&dir, r#"{"tenants": [{"name": "ltfix-run", "net": "ltfix-net", "image": "img"}]}"#);
    let f = host_with(SPEC, SPEC, "exited");
    let done = Run::new(&f)
        .args(["apply", "--wait", "0", &file])
        .stderr("lanctl: started: ltfix-run\n")
        .change_lines(["docker update --restart unless-stopped -- ltfix-run", "docker start -- ltfix-run"])
        .check();
    assert_eq!(
        in_order(&done.calls),
        reads_then_inspect(&["docker update --restart unless-stopped -- ltfix-run", "docker start -- ltfix-run"])
    );
}

#[test]
fn a_restarting_tenant_is_inspected_after_the_reads_then_failed() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(&dir, r#"{"tenants": [{"name": "ltfix-run", "net": "ltfix-net", "image": "img"}]}"#);
    let f = host_with(SPEC, SPEC, "restarting");
    let done = Run::new(&f)
        .args(["apply", &file])
        .code(1)
        .stderr(
            "lanctl: ltfix-run failed: it exists with this spec but keeps crashing (exit code 1, docker keeps restarting \
             it); its log is empty; fix what it says, then `lanctl update ltfix-run ...` or `lanctl down ltfix-run`\n\
             lanctl: 1 of the fleet's tenants failed: ltfix-run; fix what is said above and apply again\n",
        )
        .check();
    assert_eq!(in_order(&done.calls), reads_then_inspect(&["docker logs --timestamps --tail 5 -- ltfix-run"]));
}

#[test]
fn a_running_tenant_at_another_address_than_asked_is_inspected_then_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = fleet(&dir, r#"{"tenants": [{"name": "ltfix-run", "net": "ltfix-net", "image": "img", "ip": "198.51.100.120"}]}"#);
    let f = host_with(SPEC, SPEC, "running");
    let done = Run::new(&f)
        .args(["apply", &file])
        .code(2)
        .stderr(
            "lanctl: ltfix-run failed: tenant ltfix-run exists with another spec: address is 198.51.100.113, not \
             198.51.100.120; move it with `lanctl down ltfix-run` and apply again\n\
             lanctl: 1 of the fleet's tenants failed: ltfix-run; fix what is said above and apply again\n",
        )
        .check();
    assert_eq!(in_order(&done.calls), reads_then_inspect(&[]));
}

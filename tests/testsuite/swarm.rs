//! `net create --hosts --swarm`, `up` and `net rm` on a swarm network, against fake
//! contexts: `default` is the fixture host and the swarm's manager; h2 is the same fake
//! engine reached with `--context h2` over a fake ssh, a worker of the same swarm. A test
//! changes what `docker info`/`docker node ls` say to provoke what the checks look for.

use crate::common::*;
use crate::support::*;

const MANAGER: &str = r#"{"NodeID":"n1","LocalNodeState":"active","ControlAvailable":true,"Cluster":{"ID":"c1"}}"#;
/// A worker's `docker info` has no `Cluster` (only a manager's has; moby fills it for an
/// active manager only) and names its managers in `RemoteManagers`, as a real one does.
const WORKER: &str = r#"{"NodeID":"n2","LocalNodeState":"active","ControlAvailable":false,"Error":"","RemoteManagers":[{"NodeID":"n1","Addr":"198.51.100.3:2377"}],"Nodes":0,"Managers":0,"Cluster":null}"#;
const NODES: &str = r#"{"Availability":"Active","Hostname":"m1","ID":"n1","ManagerStatus":"Leader","Status":"Ready"}
{"Availability":"Active","Hostname":"w2","ID":"n2","ManagerStatus":"","Status":"Ready"}
"#;

/// The fake: what each engine says of its swarm, and `rules` of the test's own first.
fn swarm(manager: &str, worker: &str, nodes: &str, rules: impl FnOnce(&Fake)) -> Fake {
    lan_with(|f| {
        rules(f);
        without_fixture_network(f);
        f.on("docker", "info --format {{json .Swarm}}", 0, manager);
        f.on("docker", "--context h2 info --format {{json .Swarm}}", 0, worker);
        f.on("docker", "node ls --format {{json .}}", 0, nodes);
        f.on("docker", "--context h2 network ls *", 0, "");
        f.on_script(
            "arping",
            "-D -c 1 -w 1 -I eth1 198.51.100.*",
            r#"printf 'ARPING %s from 0.0.0.0 eth1\nSent 1 probes (1 broadcast(s))\nReceived 0 response(s)\n' "${@: -1}""#,
        );
        fake_ssh(f);
        fake_context(f, "h2", "ssh://root@h2");
    })
}

fn create(more: &[&str]) -> Vec<String> {
    let hosts = ["--hosts", "default,h2", "--parent", "ltfixp", "--parent", "h2=eth1", "--swarm", "--skip-checks"];
    net_create("ltmh", &["--driver", "macvlan"], &[&["--ip-range", "198.51.100.140-198.51.100.171"], &hosts[..], more].concat())
}

fn part_line(context: &str, parent: &str, block: &str, slice: &str) -> String {
    format!(
        "docker {context}network create --config-only --opt parent={parent} --opt macvlan_mode=bridge --subnet \
         198.51.100.0/24 --gateway 198.51.100.1 --ip-range {block} --label io.lanctl.managed=true --label \
         io.lanctl.range={slice} --label io.lanctl.reservation=198.51.100.140-198.51.100.171 -- ltmh.lanctl-config"
    )
}

const SWARM_LINE: &str =
    "docker network create --driver macvlan --scope swarm --config-from ltmh.lanctl-config --attachable -- ltmh";

fn default_part() -> String {
    part_line("", "ltfixp", "198.51.100.144/29", "198.51.100.140-198.51.100.155")
}

fn h2_part() -> String {
    part_line("--context h2 ", "eth1", "198.51.100.160/29", "198.51.100.156-198.51.100.171")
}

#[test]
fn a_dry_run_prints_each_nodes_part_then_the_swarm_network_from_the_manager() {
    let f = swarm(MANAGER, WORKER, NODES, |_| {});
    Run::new(&f).arg("-n").args(create(&[])).stdout(format!("{}\n{}\n{SWARM_LINE}\n", default_part(), h2_part())).check();
}

#[test]
fn a_run_creates_both_layers_and_says_so_per_host() {
    let f = swarm(MANAGER, WORKER, NODES, |_| {});
    Run::new(&f)
        .args(create(&[]))
        .stderr(
            "lanctl: host default: created the config-only network ltmh.lanctl-config (parent ltfixp, slice \
             198.51.100.140-198.51.100.155 of 198.51.100.140-198.51.100.171)\n\
             lanctl: host h2: created the config-only network ltmh.lanctl-config (parent eth1, slice \
             198.51.100.156-198.51.100.171 of 198.51.100.140-198.51.100.171)\n\
             lanctl: host default: created swarm network ltmh from ltmh.lanctl-config: attachable, each node's tenants \
             take addresses from its own slice\n",
        )
        .change_lines([default_part(), h2_part(), h2_part().replace("--context h2 ", ""), SWARM_LINE.to_string()])
        .check();
}

#[test]
fn what_the_swarm_lacks_is_said_with_exit_3_before_any_change() {
    let inactive = r#"{"NodeID":"","LocalNodeState":"inactive","ControlAvailable":false,"Error":"","RemoteManagers":null}"#;
    // A manager of another swarm (only a manager's info names its cluster).
    let other = r#"{"NodeID":"n2","LocalNodeState":"active","ControlAvailable":true,"Cluster":{"ID":"c9"}}"#;
    let two_workers = WORKER.replace(r#""NodeID":"n2""#, r#""NodeID":"n1""#);
    let cases: [(&str, &str, String, &str); 6] = [
        (
            MANAGER,
            inactive,
            NODES.to_string(),
            "host h2 is not a node of a swarm (its docker info says LocalNodeState \"inactive\"); join it to the others' \
             swarm with the command `docker swarm join-token worker` prints on a manager, or leave --swarm out",
        ),
        (MANAGER, other, NODES.to_string(), "hosts default and h2 are nodes of different swarms; give --hosts of one swarm"),
        (
            &two_workers,
            WORKER,
            NODES.to_string(),
            "no host of --hosts default,h2 is a swarm manager, and the swarm network is created from one; add a manager \
             to --hosts",
        ),
        (
            MANAGER,
            WORKER,
            NODES.replace(r#""ID":"n2","ManagerStatus":"","Status":"Ready""#, r#""ID":"n2","ManagerStatus":"","Status":"Down""#),
            "host h2's node w2 is Down in `docker node ls` on default; bring its engine back before creating the network",
        ),
        (
            MANAGER,
            WORKER,
            NODES.replace(r#"{"Availability":"Active","Hostname":"w2""#, r#"{"Availability":"Drain","Hostname":"w2""#),
            "host h2's node w2 has availability Drain; make it active with `docker node update --availability active w2`",
        ),
        (
            MANAGER,
            WORKER,
            NODES.lines().next().unwrap().to_string(),
            "host h2's node n2 is not in `docker node ls --format '{{json .}}'` on default; join it to the swarm again",
        ),
    ];
    for (m, w, nodes, says) in cases {
        let f = swarm(m, w, &nodes, |_| {});
        Run::new(&f).args(create(&[])).code(3).stderr(format!("lanctl: {says}\n")).check();
    }
    let f = swarm(MANAGER, WORKER, NODES, |_| {});
    let one = ["net", "create", "ltmh", "--driver", "macvlan", "--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1"];
    Run::new(&f)
        .args(one)
        .args(["--ip-range", "198.51.100.140-198.51.100.171", "--parent", "ltfixp", "--swarm"])
        .code(2)
        .stderr("lanctl: --swarm needs --hosts, the swarm's nodes that each get a slice; name them\n")
        .check();
}

/// h2's config-only part of ltmh as docker inspects it.
fn h2_part_json() -> String {
    part_json("cf2", "eth1", "198.51.100.160/29", "198.51.100.156-198.51.100.171")
}

/// A node's config-only part of ltmh as docker inspects it.
fn part_json(id: &str, parent: &str, block: &str, slice: &str) -> String {
    let mut v: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap()).unwrap();
    let n = &mut v[0];
    n["Name"] = "ltmh.lanctl-config".into();
    n["Id"] = id.into();
    n["Driver"] = "null".into();
    n["ConfigOnly"] = true.into();
    n["Options"]["parent"] = parent.into();
    n["IPAM"]["Config"][0]["IPRange"] = block.into();
    n["IPAM"]["Config"][0]["AuxiliaryAddresses"] = serde_json::json!({});
    n["Labels"]["io.lanctl.range"] = slice.into();
    n["Labels"]["io.lanctl.reservation"] = "198.51.100.140-198.51.100.171".into();
    n["Containers"] = serde_json::json!({});
    serde_json::to_string(&v).unwrap()
}

#[test]
fn a_tenant_on_a_worker_takes_an_address_of_its_nodes_slice() {
    // The worker does not see the swarm network before a container of it runs there.
    let f = swarm(MANAGER, WORKER, NODES, |f| {
        f.on("docker", "--context h2 network inspect -- ltmh.lanctl-config", 0, &h2_part_json());
        f.on("docker", "--context h2 ps --all --no-trunc --filter network=ltmh *", 0, "");
        // What `net ls` reads: the node's part is its lanctl network, under the swarm name.
        f.on("docker", "--context h2 network ls --no-trunc --filter *", 0, "{\"ID\":\"cf2\",\"Name\":\"ltmh.lanctl-config\"}\n");
        f.on("docker", "--context h2 network inspect -- cf2", 0, &h2_part_json());
    });
    Run::new(&f)
        .args(["--host", "h2", "-n", "up", "t1", "--image", "img", "--net", "ltmh"])
        .stdout(
            "docker --context h2 run --detach --name t1 --hostname t1 --network ltmh --ip 198.51.100.156 --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart \
             unless-stopped --label io.lanctl.tenant=t1 --label io.lanctl.network=ltmh --label \
             'io.lanctl.spec={\"image\":\"img\",\"env\":{},\"secrets\":[],\"ip_env\":[],\"labels\":{},\"restart\":\"unless-stopped\",\"args\":[]}' \
             -- img\n# then wait up to 500 ms for running on 198.51.100.156 (up to 2 min for healthy if its image has a HEALTHCHECK)\n",
        )
        .stderr("lanctl: t1 would get 198.51.100.156 on ltmh\n")
        .check();
    Run::new(&f)
        .args(["--host", "h2", "net", "ls"])
        .stdout(
            "NAME  DRIVER   MODE    PARENT  SUBNET           RANGE                          GATEWAY       TENANTS  FREE\n\
             ltmh  macvlan  bridge  eth1    198.51.100.0/24  198.51.100.156-198.51.100.171  198.51.100.1  0        16\n",
        )
        .check();
}

/// The swarm network ltmh as its manager inspects it.
const SWARM_NET: &str = r#"[{"Name":"ltmh","Id":"sw1","Driver":"macvlan","Scope":"swarm","IPAM":{"Driver":"","Options":null,"Config":[]},"ConfigFrom":{"Network":"ltmh.lanctl-config"},"ConfigOnly":false,"Containers":null,"Options":null,"Labels":null}]"#;

/// Both layers in place: sw1 and cf1 on the manager, cf2 on h2.
fn both_layers(f: &Fake) {
    f.on("docker", "--context h2 network ls *", 0, "{\"ID\":\"cf2\",\"Name\":\"ltmh.lanctl-config\"}\n");
    f.on("docker", "--context h2 network inspect -- cf2", 0, &h2_part_json());
    // The manager holds docker's own networks and both layers, not the fixture's ltfix-net
    // (its subnet is ltmh's); the read of every network inspects them all at once.
    let others: String = std::fs::read_to_string(fixture("docker-network-ls.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.contains(NET))
        .map(|l| format!("{l}\n"))
        .collect();
    let lines = others + "{\"ID\":\"sw1\",\"Name\":\"ltmh\"}\n{\"ID\":\"cf1\",\"Name\":\"ltmh.lanctl-config\"}\n";
    f.on("docker", "network ls --no-trunc --format *", 0, &lines);
    let cf1 = part_json("cf1", "ltfixp", "198.51.100.144/29", "198.51.100.140-198.51.100.155");
    let both = format!("[{},{}]", &SWARM_NET[1..SWARM_NET.len() - 1], &cf1.trim()[1..cf1.trim().len() - 1]);
    f.on("docker", &format!("network inspect -- {OTHER_IDS} sw1 cf1"), 0, &both);
    f.on("docker", "network inspect -- sw1", 0, SWARM_NET);
    f.on("docker", "network inspect -- cf1", 0, &cf1);
}

#[test]
fn a_second_create_finds_both_layers_and_changes_nothing() {
    let f = swarm(MANAGER, WORKER, NODES, both_layers);
    Run::new(&f)
        .args(create(&[]))
        .stderr(
            "lanctl: host default: network ltmh.lanctl-config already exists with this spec; nothing to do\n\
             lanctl: host h2: network ltmh.lanctl-config already exists with this spec; nothing to do\n\
             lanctl: host default: swarm network ltmh already exists; nothing to do\n",
        )
        .check();
}

#[test]
fn net_rm_on_a_worker_removes_its_part_and_on_the_manager_both_layers() {
    let f = swarm(MANAGER, WORKER, NODES, |f| {
        f.on("docker", "--context h2 ps --all --no-trunc --filter network=ltmh *", 0, "");
        f.on("docker", "ps --all --no-trunc --filter network=sw1 *", 0, "");
        both_layers(f);
    });
    Run::new(&f)
        .args(["--host", "h2", "net", "rm", "ltmh"])
        .stderr("lanctl: removed network ltmh.lanctl-config\n")
        .change_lines(["docker --context h2 network rm -- ltmh.lanctl-config", "docker network rm -- ltmh.lanctl-config"])
        .check();
    Run::new(&f)
        .args(["net", "rm", "ltmh"])
        .stderr("lanctl: removed network ltmh\nlanctl: removed network ltmh.lanctl-config\n")
        .change_lines(["docker network rm -- ltmh", "docker network rm -- ltmh.lanctl-config"])
        .check();
}

#[test]
fn net_ls_lists_a_swarm_network_once_where_its_containers_run() {
    // Once a container of ltmh runs on the manager, its view of ltmh carries the part's
    // labels and addresses (as docker copies them from the config-only network).
    let f = swarm(MANAGER, WORKER, NODES, |f| {
        let part: Vec<serde_json::Value> =
            serde_json::from_str(&part_json("cf1", "ltfixp", "198.51.100.144/29", "198.51.100.140-198.51.100.155")).unwrap();
        let mut view = part[0].clone();
        view["Name"] = "ltmh".into();
        view["Id"] = "sw1".into();
        view["Driver"] = "macvlan".into();
        view["Scope"] = "swarm".into();
        view["ConfigOnly"] = false.into();
        view["ConfigFrom"] = serde_json::json!({"Network": "ltmh.lanctl-config"});
        let both = serde_json::to_string(&[view, part[0].clone()]).unwrap();
        f.on("docker", "network ls --no-trunc --filter label=io.lanctl.managed *", 0, "{\"ID\":\"sw1\"}\n{\"ID\":\"cf1\"}\n");
        f.on("docker", "network inspect -- sw1 cf1", 0, &both);
        f.on("docker", "ps --all --no-trunc --filter network=ltmh *", 0, "");
    });
    Run::new(&f)
        .args(["net", "ls"])
        .stdout(
            "NAME  DRIVER   MODE    PARENT  SUBNET           RANGE                          GATEWAY       TENANTS  FREE\n\
             ltmh  macvlan  bridge  ltfixp  198.51.100.0/24  198.51.100.140-198.51.100.155  198.51.100.1  0        16\n",
        )
        .check();
}

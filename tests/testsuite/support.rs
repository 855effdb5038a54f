//! A fake host for lanctl's integration tests: the fake docker answers with a lanctl
//! network (`ltfix-net`, range 198.51.100.100-198.51.100.131) holding one running
//! tenant at .113 and one stopped tenant at .114, captured from a real engine.

use crate::common::*;

pub const NET: &str = "ltfix-net";
pub const RUNNING_ID: &str = "0e3125603c4c";
pub const STOPPED_ID: &str = "1c35fe27769f";
pub const STOPPED_FULL_ID: &str = "1c35fe27769ff5648f98779f38f1f7eeb88e9ee9fd75d62a27ce8c8eb886ea3a";
/// The IDs of the fixture's networks that carry io.lanctl.managed, as `network ls` lists them.
pub const NETWORK_IDS: &str = "c650ab07b30fadd8fa0e888a0afc3cd963a691aafc29b8af6d42286acca18f83 \
c29dff88cdaacdc93e51791a79f86fc0867af27698d4938aa84deadef91f1c01 \
123a1fd8d77042c48776c15eed17561a3849978b87cde5b2847d1e08c0852fa4 \
1949af00088893394a5deed15fc7f9ce378de45370dee7f6859f3ad86da110a1";
/// The format lanctl gives `docker ps`, as a dry-run line quotes it.
pub const PS_FORMAT: &str = concat!(
    r#"'{"ID":{{json .ID}},"Names":{{json .Names}},"State":{{json .State}},"Status":{{json .Status}},"#,
    r#""Image":{{json .Image}},"Networks":{{json .Networks}},"Network":{{json (.Label "io.lanctl.network")}},"#,
    r#""Tenant":{{json (.Label "io.lanctl.tenant")}},"Spec":{{json (.Label "io.lanctl.spec")}}}'"#
);

/// Lines of the kernel checks: they read this machine's /proc and /boot (lanctl cannot
/// point them at a fixture tree yet), so tests that run checks leave them out.
pub const KERNEL_WARNINGS: &str = "lanctl: warning: kernel.";

/// The changes of the live probe for `driver` that the checks of `net create` run: only
/// as root (else the probe is skipped), in a namespace named with lanctl's pid.
pub fn probe_changes(driver: &str) -> Vec<Vec<String>> {
    if !is_root() {
        return Vec::new();
    }
    let mode = if driver == "macvlan" { "bridge" } else { "l2" };
    [
        "ip netns add lanctl-probe-*".to_string(),
        "ip -n lanctl-probe-* link add lanctl-a type veth peer name lanctl-b".to_string(),
        format!("ip -n lanctl-probe-* link add lanctl-p link lanctl-a type {driver} mode {mode}"),
        "ip netns delete lanctl-probe-*".to_string(),
    ]
    .iter()
    .map(|l| l.split(' ').map(String::from).collect())
    .collect()
}

/// `ip -j -d link show dev ltfixp`: the fixture's parent, a veth that is up.
pub const PARENT_LINK: &str = r#"[{"ifindex":51,"link_index":50,"ifname":"ltfixp","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1500,"qdisc":"noqueue","operstate":"UP","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"ether","address":"06:27:d2:8a:79:ed","broadcast":"ff:ff:ff:ff:ff:ff","link_netnsid":0,"linkinfo":{"info_kind":"veth"}}]"#;

/// `ip -j addr show dev ltfixp`, from the captured `ip -j addr show`.
pub fn parent_addr() -> String {
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("ip-addr-show.json")).unwrap()).unwrap();
    serde_json::to_string(&all.into_iter().filter(|l| l["ifname"] == "ltfixp").collect::<Vec<_>>()).unwrap()
}

/// Both fixture containers as one `docker container inspect` answer.
pub fn both_containers() -> String {
    let read =
        |f: &str| -> Vec<serde_json::Value> { serde_json::from_str(&std::fs::read_to_string(fixture(f)).unwrap()).unwrap() };
    let mut all = read("docker-container-inspect-stopped.json");
    all.extend(read("docker-container-inspect-running.json"));
    serde_json::to_string(&all).unwrap()
}

/// The fixture network with another reserved range.
pub fn network_with_range(range: &str) -> String {
    std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json"))
        .unwrap()
        .replace("198.51.100.100-198.51.100.131", range)
}

/// The running fixture tenant as a full lanctl tenant, with network and spec labels.
pub fn running_tenant_with_spec(spec_json: &str) -> String {
    let mut v: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-container-inspect-running.json")).unwrap()).unwrap();
    let labels = v[0]["Config"]["Labels"].as_object_mut().unwrap();
    labels.insert("io.lanctl.network".into(), NET.into());
    labels.insert("io.lanctl.spec".into(), spec_json.into());
    serde_json::to_string(&v).unwrap()
}

/// The fixture's `docker ps --all` as lanctl's format (`PS_FORMAT`) prints it, its
/// labels included: ltfix-run a tenant of ltfix-net with the spec `spec_json` (as
/// [`running_tenant_with_spec`] gives its inspect) in docker's `state` ("running",
/// "exited", "restarting"), ltfix-stop with the tenant label alone, as captured.
pub fn ps_with_spec(spec_json: &str, state: &str) -> String {
    let text = std::fs::read_to_string(fixture("docker-ps-a.jsonl")).unwrap();
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let run = v["Names"] == "ltfix-run";
            let line = serde_json::json!({
                "ID": v["ID"],
                "Names": v["Names"],
                "State": if run { state.into() } else { v["State"].clone() },
                "Status": v["Status"],
                "Image": v["Image"],
                "Networks": v["Networks"],
                "Network": if run { NET } else { "" },
                "Tenant": v["Names"],
                "Spec": if run { spec_json } else { "" },
            });
            format!("{line}\n")
        })
        .collect()
}

/// What `docker container inspect` says of a tenant that `docker run` (argv as the fake
/// logged it) just created on the fixture network: the running fixture container with
/// that run's name, labels and address.
pub fn created_by(run: &[String]) -> String {
    let value = |flag: &str| -> Vec<&str> { run.windows(2).filter(|w| w[0] == flag).map(|w| w[1].as_str()).collect() };
    let name = value("--name")[0];
    let ip = value("--ip")[0];
    let mut v: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-container-inspect-running.json")).unwrap()).unwrap();
    v[0]["Name"] = format!("/{name}").into();
    let labels: serde_json::Map<String, serde_json::Value> = value("--label")
        .iter()
        .map(|kv| kv.split_once('=').expect("--label K=V"))
        .map(|(k, v)| (k.to_string(), v.into()))
        .collect();
    v[0]["Config"]["Labels"] = labels.into();
    let ep = &mut v[0]["NetworkSettings"]["Networks"][NET];
    ep["IPAMConfig"]["IPv4Address"] = ip.into();
    ep["IPAddress"] = ip.into();
    serde_json::to_string(&v).unwrap()
}

/// The running fixture container renamed and without lanctl's labels.
pub fn plain_container(name: &str) -> String {
    let mut v: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("docker-container-inspect-running.json")).unwrap()).unwrap();
    v[0]["Name"] = format!("/{name}").into();
    v[0]["Config"]["Labels"] = serde_json::json!({"other": "x"});
    serde_json::to_string(&v).unwrap()
}

/// `net create NAME` on the fixture network's subnet and gateway: `driver` (the driver
/// and its options) goes before them, `more` after.
pub fn net_create(name: &str, driver: &[&str], more: &[&str]) -> Vec<String> {
    let addressing = ["--subnet", "198.51.100.0/24", "--gateway", "198.51.100.1"];
    ["net", "create", name].iter().chain(driver).chain(&addressing).chain(more).map(|s| s.to_string()).collect()
}

/// The first lines of `net show ltfix-net`: the fixture network, its subnet and gateway.
pub const SHOW_NETWORK: &str = "network   ltfix-net (macvlan bridge on ltfixp)\n\
                                subnet    198.51.100.0/24 gateway 198.51.100.1\n";

/// `net ls` of the fixture host: its one network, whose two containers hold addresses but
/// count as no tenant (the captured ps lines predate the `io.lanctl.network` label).
pub const NET_LS_FIXTURE: &str =
    "NAME       DRIVER   MODE    PARENT  SUBNET           RANGE                          GATEWAY       TENANTS  FREE\n\
     ltfix-net  macvlan  bridge  ltfixp  198.51.100.0/24  198.51.100.100-198.51.100.131  198.51.100.1  0        30\n";

/// The lines of `net show ltfix-net` for the addresses the fixture holds, whatever its
/// range: those docker reserves, and its two tenants'.
pub const SHOW_HELD: &str = "reserved  198.51.100.0    the network address\n\
                             reserved  198.51.100.1    the gateway\n\
                             reserved  198.51.100.2    the aux address router2\n\
                             reserved  198.51.100.255  the broadcast address\n\
                             used      198.51.100.113  container ltfix-run (running)\n\
                             used      198.51.100.114  container ltfix-stop (exited)\n";

/// What lanctl says when it refuses `slice` for `host` because it overlaps the fixture
/// network on host `other`: one check, in the same words for `net create --hosts` and
/// a fleet file.
pub fn slice_overlaps_fixture(slice: &str, host: &str, other: &str) -> String {
    format!(
        "lanctl: slice {slice} for host {host} overlaps network ltfix-net on host {other} (range \
         198.51.100.100-198.51.100.131); give host {host} a slice outside it (--slice {host}=START-END, or its \
         \"slices\" in a fleet file), or remove that network\n"
    )
}

/// The IDs of the fixture's other networks (bridge, host, none), as `network ls` lists them.
pub const OTHER_IDS: &str = "c650ab07b30fadd8fa0e888a0afc3cd963a691aafc29b8af6d42286acca18f83 \
c29dff88cdaacdc93e51791a79f86fc0867af27698d4938aa84deadef91f1c01 \
1949af00088893394a5deed15fc7f9ce378de45370dee7f6859f3ad86da110a1";

/// Rules of a host without the fixture network: `network ls` lists only docker's own
/// networks (bridge, host, none), and their inspect holds no subnet lanctl's tests use,
/// so a `net create` in 198.51.100.0/24 overlaps nothing.
pub fn without_fixture_network(f: &Fake) {
    let lines: String = std::fs::read_to_string(fixture("docker-network-ls.jsonl"))
        .unwrap()
        .lines()
        .filter(|l| !l.contains(NET))
        .map(|l| format!("{l}\n"))
        .collect();
    f.on("docker", "network ls --no-trunc --format *", 0, &lines);
    f.on("docker", &format!("network inspect -- {OTHER_IDS}"), 0, "[]");
}

/// A fake host like [`lan`] without the fixture network, for `net create` of a network
/// in the fixture's subnet.
pub fn lan_without_networks() -> Fake {
    lan_with(without_fixture_network)
}

/// A fake host with the fixture network; names not listed are absent containers.
pub fn lan() -> Fake {
    lan_with(|_| {})
}

/// Like [`lan`], with rules of the test's own that win over the defaults (the fake takes
/// the first rule that matches).
pub fn lan_with(rules: impl FnOnce(&Fake)) -> Fake {
    let f = Fake::new();
    rules(&f);
    f.on_file("docker", "version*", 0, fixture("docker-version.json"));
    f.on_file("docker", "info*", 0, fixture("docker-info.json"));
    f.on_file("docker", "network ls*", 0, fixture("docker-network-ls.jsonl"));
    f.on_file("docker", "network inspect*", 0, fixture("docker-network-inspect-macvlan.json"));
    // No container parked by an interrupted update, unless a test says otherwise.
    f.on("docker", "ps --all --no-trunc --filter label=io.lanctl.tenant --filter name=lanctl-prev *", 0, "");
    f.on_file("docker", "ps --all*", 0, fixture("docker-ps-a.jsonl"));
    f.on("docker", &format!("container inspect -- {STOPPED_ID}* {RUNNING_ID}*"), 0, &both_containers());
    f.on_file("docker", &format!("container inspect -- {STOPPED_ID}*"), 0, fixture("docker-container-inspect-stopped.json"));
    f.on_file("docker", "container inspect -- ltfix-run", 0, fixture("docker-container-inspect-running.json"));
    f.on_file("docker", "container inspect -- ltfix-stop", 0, fixture("docker-container-inspect-stopped.json"));
    f.on_script(
        "docker",
        "container inspect -- *",
        r#"echo '[]'; for n in "${@:4}"; do echo "Error: No such container: $n" >&2; done; exit 1"#,
    );
    f.on("ip", "-j addr show", 0, "[]");
    f.on("ip", "-j -d addr show", 0, "[]");
    // Changes succeed and print what docker and ip print; each test's Run lists them exactly.
    f.on_script("docker", "run *", r#"echo 5f0c3a1b2d4e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"#);
    f.on_script("docker", "network create *", r#"echo 9a8b7c6d5e4f30211f2e3d4c5b6a79880a1b2c3d4e5f60718293a4b5c6d7e8f9"#);
    for verb in ["stop", "start", "rm", "network rm"] {
        // docker prints each name it acted on.
        f.on_script(
            "docker",
            &format!("{verb} *"),
            r#"for a in "$@"; do [[ $a == -* || $a == stop || $a == start || $a == rm || $a == network ]] || echo "$a"; done"#,
        );
    }
    f.on("docker", "rename *", 0, "");
    // A readiness wait's event stream: none here (it ends at once), so the wait reads the
    // batch every round, unless a test gives the events.
    f.on("docker", "events *", 0, "");
    // A container's log: empty unless a test gives one.
    f.on("docker", "logs *", 0, "");
    // `docker update --restart POLICY -- NAMES...` prints each name.
    f.on_script("docker", "update --restart * -- *", r#"for a in "${@:5}"; do echo "$a"; done"#);
    for pattern in ["link add *", "addr add *", "link set *", "route add *", "link del *", "link delete *", "route del *"] {
        f.on("ip", pattern, 0, "");
    }
    // What the checks of `net create` ask: no VM, the parent as captured (a veth, up),
    // and the live probe's namespace steps (run only as root) succeed.
    f.on("systemd-detect-virt", "--vm", 1, "none\n");
    f.on("ip", "-j -d link show dev ltfixp", 0, PARENT_LINK);
    f.on("ip", "-j addr show dev ltfixp", 0, &parent_addr());
    f.on("ip", "netns add lanctl-probe-*", 0, "");
    f.on("ip", "-n lanctl-probe-* link add *", 0, "");
    f.on("ip", "netns delete lanctl-probe-*", 0, "");
    // The LAN probe on the fixture's parent: nothing answers (what iputils prints then).
    f.on_script(
        "arping",
        "-D -c 1 -w 1 -I ltfixp 198.51.100.*",
        r#"printf 'ARPING %s from 0.0.0.0 ltfixp\nSent 1 probes (1 broadcast(s))\nReceived 0 response(s)\n' "${@: -1}""#,
    );
    // Its IPv6 half: nothing answers ndisc6 either (what ndisc6 1.0.5 prints then).
    f.on_script("ndisc6", "-1 -n -r 3 -w 333 2001:db8:* ltfixp", NDISC6_NONE);
    f
}

/// A fake `ndisc6` that nobody answers: its lines, exit 2 (`$7` is the address asked for).
pub const NDISC6_NONE: &str =
    r#"printf 'Soliciting %s (%s) on %s...\nTimed out.\nTimed out.\nTimed out.\nNo response.\n' "$7" "$7" "$8"; exit 2"#;

/// lanctl in the fake host, for a test that judges the output itself (a table of cases
/// with its own checks); prefer `Run`, which asserts everything exactly.
pub fn lanctl(f: &Fake) -> assert_cmd::Command {
    f.lanctl()
}

/// The calls that changed the host (by lanctl's own `Change` type, `LANCTL_CALL`).
pub fn changes(f: &Fake) -> Vec<Vec<String>> {
    f.changes()
}

/// The guard a dry-run plan prints before a `docker run` that passes `var` from lanctl's
/// environment: pasted without it, the plan refuses instead of running without it.
pub fn guard(var: &str) -> String {
    format!(
        "{{ [[ -v {var} ]] && export {var}; }} || {{ echo 'lanctl: {var} is not set in the environment; export {var}, then \
         run this again' >&2; false; }} || exit 1"
    )
}

/// The script of a read that must run at the same time as others: it marks read `name`
/// as started in `met`, waits up to 10 s until `count` reads have started there, and only
/// then prints the file `answer`. A read made after another has answered waits alone, and
/// fails saying so.
pub fn answer_once_all_started(met: &std::path::Path, name: &str, count: usize, answer: &std::path::Path) -> String {
    format!(
        r#"d={dir}; touch "$d/read-{name}"
           for _ in $(seq 100); do [[ $(ls "$d" | grep -c '^read-') -ge {count} ]] && break; sleep 0.1; done
           [[ $(ls "$d" | grep -c '^read-') -ge {count} ]] || {{ echo "read-{name} waited alone: $(ls "$d")" >&2; exit 1; }}
           cat {answer}"#,
        dir = shell_quote(met.to_str().unwrap()),
        answer = shell_quote(answer.to_str().unwrap()),
    )
}

/// A readiness wait's `docker events` argv (without the program) for `names`, its
/// `--since` time as `SINCE`.
pub fn events_argv(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = ["events", "--since", "SINCE", "--filter", "type=container"].map(String::from).to_vec();
    for n in names {
        v.extend(["--filter".to_string(), format!("container={n}")]);
    }
    for e in ["start", "die", "restart", "health_status", "destroy"] {
        v.extend(["--filter".to_string(), format!("event={e}")]);
    }
    v.extend(["--format".to_string(), "{{json .}}".to_string()]);
    v
}

/// `argv` (without the program) with a `docker events --since` time, which is a moment
/// before the run's own clock (`SECONDS.NANOS`), as `SINCE`; other calls as they are.
pub fn since_masked(argv: &[String]) -> Vec<String> {
    let mut v = argv.to_vec();
    if v.first().map(String::as_str) == Some("events") && v.get(1).map(String::as_str) == Some("--since") {
        let t = &v[2];
        let ok = t
            .split_once('.')
            .is_some_and(|(s, n)| !s.is_empty() && n.len() == 9 && s.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit()));
        assert!(ok, "--since {t} is not SECONDS.NANOS");
        v[2] = "SINCE".into();
    }
    v
}

/// The fixture network made dual-stack: docker's second IPAM config and lanctl's IPv6 range label.
pub fn dual_stack_network() -> String {
    dual_stack(&std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json")).unwrap())
}

/// A fixture network's inspect (on the fixture's IPv4 range) made dual-stack: docker's
/// second IPAM config in 2001:db8:51:100::/64 and lanctl's IPv6 range label.
pub fn dual_stack(inspect: &str) -> String {
    inspect
        .replace(
            r#""Config": ["#,
            r#""Config": [{"Subnet": "2001:db8:51:100::/64", "IPRange": "2001:db8:51:100::100/120", "Gateway": "2001:db8:51:100::1"},"#,
        )
        .replace(
            r#""io.lanctl.range": "198.51.100.100-198.51.100.131""#,
            r#""io.lanctl.range": "198.51.100.100-198.51.100.131", "io.lanctl.range6": "2001:db8:51:100::100-2001:db8:51:100::1ff""#,
        )
}

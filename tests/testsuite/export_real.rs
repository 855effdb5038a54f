//! `lanctl export` read by the real systems: Debian's dnsmasq and Kea DHCPv4, serving the
//! RealEnv's peer namespace (the stand-in LAN behind the veth parent) with the exported
//! file, and a DHCP client (busybox udhcpc) in a namespace of its own on a macvlan child of
//! the parent, with a tenant's MAC or another; Debian's CNI plugins run with the exported
//! conflist (as the NAD's YAML carries it) on pod namespaces over the same parent. Nothing
//! leaves the veth pair.
//!
//! The export is built from a fake docker's answers (a lanctl macvlan network on the env's
//! parent with two running tenants and a stopped one without a MAC), so no container
//! runs: what is tested is that the servers read lanctl's text as it says, not docker.
//! The RealEnv still gives the parent, the blackholed slot, the cross-run lock and the
//! cleanup (it needs an engine only because it checks for one). The servers hold host 2
//! of the slot, their dynamic pools hosts 50-60, outside the reserved range (hosts 16-47);
//! the cluster's slice is hosts 40-43.
//!
//! Run with `cargo test --test testsuite export_real:: -- --include-ignored`.

use std::fs;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use tempfile::TempDir;

const KEA: &str = "/usr/sbin/kea-dhcp4";
/// scripts/test.sh installs it (busybox-static) for the test images.
const BUSYBOX: &str = "/bin/busybox";

/// The tenants of the fake network: (name suffix, host number, MAC).
const TENANTS: [(&str, u32, &str); 2] = [("room-1", 20, "02:6c:74:00:00:14"), ("room-2", 21, "02:6c:74:00:00:15")];
/// A device of the LAN that is no tenant.
const STRANGER: &str = "02:6c:74:00:00:99";
/// A stopped tenant without a MAC (made before lanctl pinned MACs): (name suffix, host).
const NO_MAC: (&str, u32) = ("room-3", 22);

/// The fake docker of a host with network `net` (macvlan bridge on the env's parent,
/// reserving the env's range), the two running [`TENANTS`] and the stopped [`NO_MAC`].
fn fake_host(env: &RealEnv, net: &str) -> Fake {
    let f = Fake::new();
    let mut containers = serde_json::Map::new();
    let mut ps = String::new();
    for (i, (suffix, host, mac)) in TENANTS.iter().enumerate() {
        let (id, name) = (format!("{i:064x}"), env.name(suffix));
        containers.insert(
            id.clone(),
            serde_json::json!({"Name": name, "MacAddress": mac, "IPv4Address": format!("{}/26", env.host(*host))}),
        );
        let line = serde_json::json!({
            "ID": id, "Names": name, "State": "running", "Status": "Up 1 minute", "Image": IMAGE,
            "Networks": net, "Network": net, "Tenant": name, "Spec": format!(r#"{{"image":"{IMAGE}","mac":"{mac}"}}"#),
        });
        ps.push_str(&format!("{line}\n"));
    }
    let (id, name) = ("f".repeat(64), env.name(NO_MAC.0));
    let line = serde_json::json!({
        "ID": id, "Names": name, "State": "exited", "Status": "Exited (0) 1 minute ago", "Image": IMAGE,
        "Networks": net, "Network": net, "Tenant": name, "Spec": format!(r#"{{"image":"{IMAGE}"}}"#),
    });
    ps.push_str(&format!("{line}\n"));
    let stopped = serde_json::json!([{
        "Id": id, "Name": format!("/{name}"), "State": {"Status": "exited"},
        "NetworkSettings": {"Networks": {net: {"IPAMConfig": {"IPv4Address": env.host(NO_MAC.1)}, "IPAddress": "", "MacAddress": ""}}},
    }]);
    f.on("docker", &format!("container inspect -- {id}"), 0, &stopped.to_string());
    let network = serde_json::json!([{
        "Name": net, "Id": "e".repeat(64), "Driver": "macvlan", "Scope": "local",
        "Options": {"parent": env.parent(), "macvlan_mode": "bridge"},
        "IPAM": {"Config": [{"Subnet": env.subnet(), "Gateway": env.gateway(), "IPRange": format!("{}/28", env.host(16))}]},
        "Containers": containers,
        "Labels": {"io.lanctl.managed": "true", "io.lanctl.range": env.range()},
    }]);
    f.on("docker", &format!("network inspect -- {net}"), 0, &network.to_string());
    f.on("docker", "ps --all --no-trunc --filter label=io.lanctl.tenant *", 0, &ps);
    f
}

/// `lanctl export FORMAT NET` on the fake host: its stdout, once it said `stderr`.
fn export(f: &Fake, format: &str, net: &str, stderr: &str) -> String {
    let out = f.lanctl().env("SOURCE_DATE_EPOCH", "1796634000").args(["export", format, net]).output().unwrap();
    assert_eq!((out.status.code(), lossy(&out.stderr).as_str()), (Some(0), stderr));
    lossy(&out.stdout)
}

/// A server in the env's peer namespace, with its files in a directory of its own,
/// killed on drop.
struct Server {
    child: Child,
    dir: TempDir,
}

impl Server {
    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }

    /// Waits until the log says `ready`.
    fn wait_for(&self, what: &str, ready: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.log().contains(ready) {
            assert!(Instant::now() < deadline, "{what} did not start: {}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn need(path: &str, package: &str) {
    assert!(Path::new(path).exists(), "{path} is missing: install Debian's {package} (scripts/test.sh does)");
}

/// Host 2 of the slot on the peer, where the servers listen.
fn server_address(env: &RealEnv) {
    sh_ok("ip", &["-n", env.netns(), "addr", "replace", &format!("{}/26", env.host(2)), "dev", env.peer()]);
}

fn log_file(dir: &TempDir) -> (Stdio, Stdio) {
    let log = fs::File::create(dir.path().join("log")).expect("log file");
    (log.try_clone().unwrap().into(), log.into())
}

/// dnsmasq with `conf` (the exported file) as its only configuration file, DHCP for
/// hosts 50-60 and DNS on port 53 of the peer namespace (nothing else listens there).
fn dnsmasq(env: &RealEnv, conf: &str) -> Dnsmasq {
    server_address(env);
    let range = format!("--dhcp-range={},{},255.255.255.192,2m", env.host(50), env.host(60));
    Dnsmasq::spawn(env, Some(conf), &[&range, "--log-queries"], "DHCP, IP range")
}

/// The Kea DHCPv4 configuration of the env's subnet (pool hosts 50-60) with `reservations`
/// (the exported object's array) embedded in its subnet, as a user merges it; on the peer.
fn kea_config(env: &RealEnv, exported: &str) -> serde_json::Value {
    let v: serde_json::Value = serde_json::from_str(exported).unwrap_or_else(|e| panic!("{e}: {exported}"));
    serde_json::json!({"Dhcp4": {
        "interfaces-config": {"interfaces": [env.peer()]},
        "lease-database": {"type": "memfile", "persist": false},
        "valid-lifetime": 120,
        "subnet4": [{
            "id": 1,
            "subnet": env.subnet(),
            "pools": [{"pool": format!("{} - {}", env.host(50), env.host(60))}],
            "reservations": v["reservations"],
        }],
        "loggers": [{"name": "kea-dhcp4", "severity": "INFO", "output_options": [{"output": "stdout"}]}],
    }})
}

/// Runs `kea-dhcp4` with the config in `dir`, with its lock and pid files there too.
fn kea_command(dir: &TempDir, args: &[&str]) -> Command {
    let mut c = Command::new(args[0]);
    c.args(&args[1..]).env("KEA_LOCKFILE_DIR", dir.path()).env("KEA_PIDFILE_DIR", dir.path()).stdin(Stdio::null());
    c
}

/// A LAN device: a macvlan child of the env's parent with `mac`, in a namespace of its own.
struct Client<'e> {
    env: &'e RealEnv,
    netns: String,
    link: String,
}

impl<'e> Client<'e> {
    fn new(env: &'e RealEnv, suffix: &str, mac: &str) -> Client<'e> {
        let (netns, link) = (env.link_name(&format!("c{suffix}")), env.link_name(&format!("m{suffix}")));
        env.track_netns(&netns);
        env.track_link(&link);
        sh_ok("ip", &["netns", "add", &netns]);
        sh_ok("ip", &["link", "add", &link, "link", env.parent(), "address", mac, "type", "macvlan", "mode", "bridge"]);
        sh_ok("ip", &["link", "set", &link, "netns", &netns]);
        sh_ok("ip", &["-n", &netns, "link", "set", &link, "up"]);
        Client { env, netns, link }
    }

    /// The address a DHCP server leases it, if any: `udhcpc -n -q` with a script that
    /// configures nothing, so the lease is only read from udhcpc's own line.
    fn lease(&self) -> Option<Ipv4Addr> {
        need(BUSYBOX, "busybox-static");
        let out = Command::new("ip")
            .args(["netns", "exec", &self.netns, BUSYBOX, "udhcpc", "-i", &self.link, "-n", "-q", "-s", "/bin/true"])
            .args(["-t", "4", "-T", "2"])
            .output()
            .unwrap();
        let text = format!("{}{}", lossy(&out.stdout), lossy(&out.stderr));
        let lease = text.lines().find_map(|l| l.split_once("lease of ")?.1.split_once(" obtained")?.0.parse().ok());
        assert_eq!(out.status.success(), lease.is_some(), "{text}");
        lease
    }

    /// `nslookup -type=a NAME` against the server, from host `n` of the slot.
    fn lookup(&self, name: &str, n: u32) -> String {
        let _ = sh("ip", &["-n", &self.netns, "addr", "replace", &format!("{}/26", self.env.host(n)), "dev", &self.link]);
        let out = sh("ip", &["netns", "exec", &self.netns, BUSYBOX, "nslookup", "-type=a", name, &self.env.host(2)]);
        format!("{}{}", lossy(&out.stdout), lossy(&out.stderr))
    }
}

fn ip(s: &str) -> Ipv4Addr {
    s.parse().unwrap()
}

/// The stranger's lease lies in the pool, never in the reserved range.
fn assert_in_pool(env: &RealEnv, lease: Option<Ipv4Addr>) {
    let lease = lease.expect("the stranger gets a lease of the pool");
    assert!((ip(&env.host(50))..=ip(&env.host(60))).contains(&lease), "{lease}");
    assert!(!(ip(&env.host(16))..=ip(&env.host(47))).contains(&lease), "{lease} is in the reserved range");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn dnsmasq_with_the_export_leases_each_tenant_its_address_and_answers_its_name() {
    let env = RealEnv::new();
    let net = env.name("lan");
    let f = fake_host(&env, &net);
    let conf = export(&f, "dnsmasq", &net, "");
    for (suffix, host, mac) in TENANTS {
        assert!(conf.contains(&format!("dhcp-host={mac},{},{}\n", env.host(host), env.name(suffix))), "{conf}");
    }
    // The tenant without a MAC gets its name only.
    let no_mac = (env.name(NO_MAC.0), env.host(NO_MAC.1));
    assert!(conf.contains(&format!("\nhost-record={},{}\n", no_mac.0, no_mac.1)), "{conf}");
    assert!(!conf.contains(&format!(",{},{}\n", no_mac.1, no_mac.0)), "{conf}");
    let server = dnsmasq(&env, &conf);
    for (i, (suffix, host, mac)) in TENANTS.iter().enumerate() {
        let client = Client::new(&env, &i.to_string(), mac);
        assert_eq!(client.lease(), Some(ip(&env.host(*host))), "{}", server.log());
        let answer = client.lookup(&env.name(suffix), 5 + i as u32);
        assert!(
            answer.contains(&format!("Name:\t{}\nAddress: {}\n", env.name(suffix), env.host(*host))),
            "{answer}\n{}",
            server.log()
        );
    }
    let stranger = Client::new(&env, "x", STRANGER);
    assert_in_pool(&env, stranger.lease());
    let answer = stranger.lookup(&no_mac.0, 7);
    assert!(answer.contains(&format!("Name:\t{}\nAddress: {}\n", no_mac.0, no_mac.1)), "{answer}");
    // A name lanctl did not export is not answered with an address.
    let answer = stranger.lookup(&env.name("room-9"), 7);
    assert!(!answer.contains("Address: 198.51.100."), "{answer}");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn kea_accepts_the_reservations_and_leases_each_tenant_its_address() {
    need(KEA, "kea-dhcp4-server");
    let env = RealEnv::new();
    let net = env.name("lan");
    let f = fake_host(&env, &net);
    let said = format!(
        "lanctl: export kea: {} ({}) has no reservation: docker reports no MAC for it and none is pinned (stopped, made \
         before lanctl pinned MACs); start it and export again\n",
        env.name(NO_MAC.0),
        env.host(NO_MAC.1)
    );
    let config = kea_config(&env, &export(&f, "kea", &net, &said));
    let dir = tempfile::Builder::new().prefix("lanctl-export-kea").tempdir().expect("tempdir");
    let path = dir.path().join("kea-dhcp4.json");
    fs::write(&path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    let path = path.to_string_lossy().into_owned();
    // The configuration check first, as an admin runs it before a reload; where the
    // server runs, since it checks that the interface exists.
    server_address(&env);
    let in_lan = |config: &str| kea_command(&dir, &["ip", "netns", "exec", env.netns(), KEA, "-t", config]).output().unwrap();
    let out = in_lan(&path);
    assert!(out.status.success(), "kea-dhcp4 -t refused it: {}{}", lossy(&out.stdout), lossy(&out.stderr));
    // A broken reservation is refused by the same check: it does read them.
    let mut broken = config.clone();
    broken["Dhcp4"]["subnet4"][0]["reservations"][0]["hw-address"] = "zz".into();
    let bad = dir.path().join("broken.json");
    fs::write(&bad, broken.to_string()).unwrap();
    let out = in_lan(&bad.to_string_lossy());
    assert!(lossy(&out.stdout).contains("invalid host identifier value 'zz'"), "{}", lossy(&out.stdout));
    assert!(!out.status.success());

    let (out, err) = log_file(&dir);
    let child = kea_command(&dir, &["ip", "netns", "exec", env.netns(), KEA, "-c", &path])
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("start kea-dhcp4");
    let server = Server { child, dir };
    server.wait_for("kea-dhcp4", "DHCP4_STARTED");
    for (i, (_, host, mac)) in TENANTS.iter().enumerate() {
        let client = Client::new(&env, &i.to_string(), mac);
        assert_eq!(client.lease(), Some(ip(&env.host(*host))), "{}", server.log());
    }
    assert_in_pool(&env, Client::new(&env, "x", STRANGER).lease());
}

const CNI_PATH: &str = "/usr/lib/cni";

/// Runs CNI plugin `plugin` as a runtime does: the command and the container in the
/// environment, the plugin's configuration on stdin; its result JSON (empty for DEL).
fn cni(plugin: &str, command: &str, container: &str, netns: &str, config: &serde_json::Value) -> String {
    use std::io::Write;
    let mut child = Command::new(Path::new(CNI_PATH).join(plugin))
        .env("CNI_COMMAND", command)
        .env("CNI_CONTAINERID", container)
        .env("CNI_NETNS", format!("/run/netns/{netns}"))
        .env("CNI_IFNAME", "eth0")
        .env("CNI_PATH", CNI_PATH)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(config.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{plugin} {command}: {}{}", lossy(&out.stdout), lossy(&out.stderr));
    lossy(&out.stdout)
}

/// Each NAD's `spec.config`, read by a YAML parser (python3's, as kubectl's stands in).
fn nad_configs(yaml: &str) -> Vec<serde_json::Value> {
    use std::io::Write;
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import sys, json, yaml\nfor d in yaml.safe_load_all(sys.stdin): print(json.dumps(json.loads(d['spec']['config'])))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 (scripts/test.sh installs python3-yaml)");
    child.stdin.take().unwrap().write_all(yaml.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "the NAD is no YAML: {}\n{yaml}", lossy(&out.stderr));
    lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

/// A plugin's configuration as a runtime hands it over from conflist `list`: its first
/// plugin with the list's version and name.
fn plugin_config(list: &serde_json::Value) -> serde_json::Value {
    let mut config = list["plugins"][0].clone();
    config["cniVersion"] = list["cniVersion"].clone();
    config["name"] = list["name"].clone();
    config
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn the_cni_plugins_give_pods_addresses_of_the_slice_and_a_moved_tenant_its_own() {
    need(&format!("{CNI_PATH}/macvlan"), "containernetworking-plugins");
    let env = RealEnv::new();
    let net = env.name("lan");
    let f = fake_host(&env, &net);
    let slice = format!("{}-{}", env.host(40), env.host(43));
    // The fake engine keeps the cluster record the first export makes (a config-only
    // network of labels) and shows it to the second.
    let state = tempfile::tempdir().unwrap();
    let record_file = state.path().join("cluster-record");
    let record = serde_json::json!([{
        "Name": format!("{net}.lanctl-cluster"), "Id": "c".repeat(64), "Driver": "null", "Scope": "local",
        "ConfigOnly": true, "IPAM": {"Config": []},
        "Labels": {"io.lanctl.cluster-of": &net, "io.lanctl.cluster-slice": &slice},
    }]);
    fs::write(state.path().join("cluster-record.json"), record.to_string()).unwrap();
    f.on_script(
        "docker",
        &format!("network create --config-only --label io.lanctl.cluster-of={net} --label io.lanctl.cluster-slice={slice} -- {net}.lanctl-cluster"),
        &format!("touch {}; echo {}", shell_quote(&record_file.to_string_lossy()), "c".repeat(64)),
    );
    f.on_script(
        "docker",
        &format!("network inspect -- {net}.lanctl-cluster"),
        &format!(
            "if [ -e {0} ]; then cat {1}; else echo 'Error: No such network: {net}.lanctl-cluster' >&2; exit 1; fi",
            shell_quote(&record_file.to_string_lossy()),
            shell_quote(&state.path().join("cluster-record.json").to_string_lossy())
        ),
    );
    let run = |format: &str, said: &str| {
        let out = f.lanctl().env("SOURCE_DATE_EPOCH", "1796634000").args(["export", format, &net, "--slice", &slice]).output();
        let out = out.unwrap();
        assert_eq!((out.status.code(), lossy(&out.stderr).as_str()), (Some(0), said));
        lossy(&out.stdout)
    };
    let recorded = format!(
        "lanctl: export: recorded {slice} as network {net}'s cluster slice; `lanctl up` gives no Docker tenant an address of it\n"
    );
    let conflist: serde_json::Value = serde_json::from_str(&run("cni", &recorded)).unwrap();
    assert!(record_file.exists(), "the first export recorded the slice");
    // What Multus would hand the plugins is the NAD's config: the same list, then the
    // static one that tenants moved to the cluster use. The slice is recorded already.
    let nad = run("k8s", "");
    let configs = nad_configs(&nad);
    assert_eq!((configs.len(), &configs[0]), (2, &conflist), "{nad}");
    // host-local keeps its allocations in a directory of the test's, not /var/lib/cni.
    let data = tempfile::Builder::new().prefix("lanctl-export-cni").tempdir().expect("tempdir");
    let mut config = plugin_config(&conflist);
    config["ipam"]["dataDir"] = data.path().to_string_lossy().into_owned().into();
    assert_eq!(config["type"], "macvlan");
    server_address(&env);
    // Every address a Docker tenant holds, running or stopped.
    let tenants: Vec<String> = TENANTS.iter().map(|(_, h, _)| env.host(*h)).chain([env.host(NO_MAC.1)]).collect();
    let mut handed: Vec<String> = Vec::new();
    let pods: Vec<(String, String)> = (0..2).map(|i| (env.link_name(&format!("k{i}")), env.name(&format!("pod{i}")))).collect();
    for (i, (netns, container)) in pods.iter().enumerate() {
        env.track_netns(netns);
        sh_ok("ip", &["netns", "add", netns]);
        let result: serde_json::Value = serde_json::from_str(&cni("macvlan", "ADD", container, netns, &config)).unwrap();
        let want = env.host(40 + i as u32);
        assert_eq!(result["ips"][0]["address"], format!("{want}/26"), "{result}");
        assert_eq!(result["ips"][0]["gateway"], env.gateway(), "{result}");
        // Two ADDs never hand out an address a Docker tenant holds, nor one address twice.
        assert!(!tenants.contains(&want), "ADD {i} gave {want}, which a Docker tenant holds ({tenants:?})");
        assert!(!handed.contains(&want), "ADD {i} gave {want} again");
        handed.push(want.clone());
        assert!(data.path().join(&net).join(&want).exists(), "host-local keeps its allocations in dataDir");
        assert!(sh_ok("ip", &["-n", netns, "-4", "-o", "addr", "show", "dev", "eth0"]).contains(&format!(" {want}/26 ")));
        // The LAN reaches the pod on its address.
        let ping = sh("ip", &["netns", "exec", env.netns(), BUSYBOX, "ping", "-c", "1", "-W", "2", &want]);
        assert!(ping.status.success(), "{}{}", lossy(&ping.stdout), lossy(&ping.stderr));
    }
    for (netns, container) in &pods {
        cni("macvlan", "DEL", container, netns, &config);
        assert!(!sh("ip", &["-n", netns, "link", "show", "eth0"]).status.success(), "DEL left eth0 in {netns}");
    }
    // A tenant moved over: its pod's annotation, as the export wrote it, becomes the
    // runtime config Multus passes for the `ips` and `mac` capabilities.
    let (suffix, host, mac) = TENANTS[0];
    let marker = format!("#   {}: k8s.v1.cni.cncf.io/networks: '", env.name(suffix));
    let annotation = nad.lines().find_map(|l| l.strip_prefix(&marker)?.strip_suffix('\'')).unwrap_or_else(|| panic!("{nad}"));
    let annotation: serde_json::Value = serde_json::from_str(annotation).unwrap();
    assert_eq!(annotation[0]["name"], configs[1]["name"]);
    let mut moved = plugin_config(&configs[1]);
    moved["runtimeConfig"] = serde_json::json!({"ips": annotation[0]["ips"], "mac": annotation[0]["mac"]});
    let (netns, container) = (env.link_name("k2"), env.name("pod2"));
    env.track_netns(&netns);
    sh_ok("ip", &["netns", "add", &netns]);
    let result: serde_json::Value = serde_json::from_str(&cni("macvlan", "ADD", &container, &netns, &moved)).unwrap();
    assert_eq!(result["ips"][0]["address"], format!("{}/26", env.host(host)), "{result}");
    assert!(sh_ok("ip", &["-n", &netns, "link", "show", "eth0"]).contains(&format!("link/ether {mac} ")));
    let ping = sh("ip", &["netns", "exec", env.netns(), BUSYBOX, "ping", "-c", "1", "-W", "2", &env.host(host)]);
    assert!(ping.status.success(), "{}{}", lossy(&ping.stdout), lossy(&ping.stderr));
    cni("macvlan", "DEL", &container, &netns, &moved);
    // host-local gave both addresses back.
    let left: Vec<String> = fs::read_dir(data.path().join(&net))
        .map(|d| d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with("198.")).collect())
        .unwrap_or_default();
    assert_eq!(left, Vec::<String>::new());
}

//! The native LAN probe on a real veth parent: the "LAN device" is the parent's peer, in
//! the env's namespace, holding an address of the test slot (tests/testsuite/common: RealEnv).

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use crate::common::*;
use lanctl::lan::native::{Socket, PROBE_NUM, PROBE_WAIT};

fn peer_mac(env: &RealEnv) -> String {
    let link = sh_ok("ip", &["-n", env.netns(), "-j", "link", "show", "dev", env.peer()]);
    let link: serde_json::Value = serde_json::from_str(&link).unwrap();
    link[0]["address"].as_str().unwrap().to_string()
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_device_is_found_every_time_and_an_absent_address_is_clear() {
    let env = RealEnv::new();
    let present: Ipv4Addr = env.host(50).parse().unwrap();
    let absent: Ipv4Addr = env.host(51).parse().unwrap();
    sh_ok("ip", &["-n", env.netns(), "addr", "add", &format!("{present}/26"), "dev", env.peer()]);
    let mac = peer_mac(&env);
    let socket = Socket::open(env.parent()).expect("root opens the packet socket");
    let mut latencies = Vec::new();
    for round in 0..20 {
        // Both in one window, as a batch probes them; the window runs to its end since
        // one of the two never answers.
        let started = Instant::now();
        let claims = socket.probe(&[present, absent], &[], PROBE_WAIT, PROBE_NUM).unwrap();
        let took = started.elapsed();
        let found = claims[0].unwrap_or_else(|| panic!("round {round}: {present} on the peer was not found"));
        assert_eq!(found.mac.to_string(), mac, "round {round}");
        assert_eq!(claims[1], None, "round {round}: nothing holds {absent}");
        assert!(took >= PROBE_WAIT && took < PROBE_WAIT + Duration::from_millis(50), "round {round}: took {took:?}");
        latencies.push(found.after);
    }
    latencies.sort();
    // The measurement behind PROBE_WAIT (printed with --nocapture).
    println!("peer answered after: min {:?}, median {:?}, max {:?}", latencies[0], latencies[10], latencies[19]);
    assert!(latencies[19] < PROBE_WAIT / 10, "a namespace on the veth answers at once: {latencies:?}");

    // The device alone: the probe returns as soon as it answers.
    let started = Instant::now();
    let claims = socket.probe(&[present], &[], PROBE_WAIT, PROBE_NUM).unwrap();
    assert!(claims[0].is_some());
    assert!(started.elapsed() < PROBE_WAIT / 2, "took {:?}", started.elapsed());

    // A reply from a MAC the caller owns (a tenant's pinned MAC) is not a foreign claim.
    let own = mac.parse().unwrap();
    let claims = socket.probe(&[present], &[own], PROBE_WAIT, PROBE_NUM).unwrap();
    assert_eq!(claims, vec![None]);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn another_host_probing_for_the_address_counts_as_taken() {
    let env = RealEnv::new();
    let target: Ipv4Addr = env.host(52).parse().unwrap();
    // The peer probes for the address as a DHCP client or another lanctl would: iputils'
    // arping -D from 0.0.0.0, three probes a second apart, while the native probe listens.
    let mut other = std::process::Command::new("ip")
        .args(["netns", "exec", env.netns(), "arping", "-D", "-c", "3", "-I", env.peer(), &target.to_string()])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let socket = Socket::open(env.parent()).unwrap();
    let claims = socket.probe(&[target], &[], Duration::from_millis(2500), PROBE_NUM).unwrap();
    other.wait().unwrap();
    assert_eq!(claims[0].map(|c| c.mac.to_string()), Some(peer_mac(&env)));
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn an_interface_that_does_not_exist_is_an_error() {
    let e = Socket::open("ltnosuchif0").err().expect("no such interface");
    assert_eq!(e.raw_os_error(), Some(19), "ENODEV: {e}");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_dry_run_probes_natively_and_verbose_shows_it() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    // The device holds the first address of the range: the plan must take the next one.
    sh_ok("ip", &["-n", env.netns(), "addr", "add", &format!("{}/26", env.host(16)), "dev", env.peer()]);
    let name = env.name("dry");
    let out = env.lanctl().args(["-n", "-v", "up", &name, "--net", &net, "--image", "img"]).output().unwrap();
    assert!(out.status.success(), "{}", lossy(&out.stderr));
    let stderr = lossy(&out.stderr);
    let probes: Vec<&str> = stderr.lines().filter(|l| l.starts_with("+ # ARP probe")).collect();
    assert_eq!(
        probes,
        [
            format!("+ # ARP probe on {} for {}: 3 probes from 0.0.0.0 over 250 ms (native)", env.parent(), env.host(16)),
            format!("+ # ARP probe on {} for {}: 3 probes from 0.0.0.0 over 250 ms (native)", env.parent(), env.host(17)),
        ],
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("lanctl: skipping {}: a LAN device ({}) already uses it\n", env.host(16), peer_mac(&env))),
        "{stderr}"
    );
    // The probe overlaps docker's create: the plan creates the tenant on the first free
    // address, removes it when the device answers, creates it on the next and starts it
    // there, as a real run does.
    let stdout = lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert!(lines[4].starts_with(&format!("# then wait up to 500 ms for running on {} ", env.host(17))), "{stdout}");
    assert!(
        lines[0].starts_with(&format!("docker create --name {name} --hostname {name} --network {net} --ip {} ", env.host(16))),
        "{stdout}"
    );
    assert_eq!(lines[1], format!("docker rm --force -- {name}"));
    assert!(
        lines[2].starts_with(&format!("docker create --name {name} --hostname {name} --network {net} --ip {} ", env.host(17))),
        "{stdout}"
    );
    assert_eq!(lines[3], format!("docker start -- {name}"));
}

/// The MAC a neighbour (the client namespace) holds for `ip`, if any.
fn neighbour_mac(env: &RealEnv, ip: &str) -> Option<String> {
    let out = sh_ok("ip", &["-n", env.netns(), "-j", "neigh", "show", ip, "dev", env.peer()]);
    let entries: serde_json::Value = serde_json::from_str(&out).unwrap();
    entries[0]["lladdr"].as_str().map(str::to_string)
}

fn container_mac(name: &str, net: &str) -> String {
    let format = format!("{{{{(index .NetworkSettings.Networks \"{net}\").MacAddress}}}}");
    sh_ok("docker", &["container", "inspect", "--format", &format, "--", name]).trim().to_string()
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_lan_client_learns_the_new_mac_from_the_announcement() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    // The LAN client: the peer namespace, with an address of its own and a stale entry for
    // the tenant's address pointing at a MAC that is gone (what a router keeps after a
    // recreate). It sends nothing during the test.
    let ip = env.host(20);
    let gone = "02:00:5e:00:00:01";
    sh_ok("ip", &["-n", env.netns(), "addr", "add", &format!("{}/26", env.host(60)), "dev", env.peer()]);
    let forget = || sh_ok("ip", &["-n", env.netns(), "neigh", "replace", &ip, "lladdr", gone, "dev", env.peer(), "nud", "stale"]);
    forget();
    let name = env.name("ann");
    env.track_container(&name);
    let up = env
        .lanctl()
        .args(["-v", "up", &name, "--net", &net, "--image", "lanctl-test/media:latest", "--pull", "never", "--ip", &ip])
        .args(["--wait", "0"])
        .output()
        .unwrap();
    let stderr = lossy(&up.stderr);
    assert!(up.status.success(), "{stderr}");
    let mac = container_mac(&name, &net);
    assert!(
        stderr.contains(&format!("+ # ARP announcement on {}: {ip} is at {mac} (gratuitous ARP)\n", env.parent())),
        "{stderr}"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(neighbour_mac(&env, &ip).as_deref(), Some(mac.as_str()), "after up");

    // The control: an update with the announcement off (the arping fallback cannot send
    // one) leaves the client on the stale MAC although the tenant was recreated (docker
    // 20.10 derives the MAC from the address, 28 picks a random one: either way the
    // client must hear it from lanctl).
    forget();
    let quiet =
        env.lanctl().env("LANCTL_PROBE", "arping").args(["update", &name, "-e", "ROUND=1", "--wait", "1"]).output().unwrap();
    assert!(quiet.status.success(), "{}", lossy(&quiet.stderr));
    let mac2 = container_mac(&name, &net);
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(neighbour_mac(&env, &ip).as_deref(), Some(gone), "nothing but the announcement updates the client");

    // An update announces the new container's MAC.
    let update = env.lanctl().args(["-v", "update", &name, "-e", "ROUND=2", "--wait", "1"]).output().unwrap();
    let stderr = lossy(&update.stderr);
    assert!(update.status.success(), "{stderr}");
    let mac3 = container_mac(&name, &net);
    assert!(
        stderr.contains(&format!("+ # ARP announcement on {}: {ip} is at {mac3} (gratuitous ARP)\n", env.parent())),
        "{stderr}"
    );
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(neighbour_mac(&env, &ip).as_deref(), Some(mac3.as_str()), "after update");
    println!("MACs: up {mac}, update {mac2}, update {mac3}");
}

/// The engine's API version, e.g. "1.41".
fn engine_api() -> String {
    sh_ok("docker", &["version", "--format", "{{.Server.APIVersion}}"]).trim().to_string()
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn the_mac_survives_update_and_rollback() {
    let env = RealEnv::new();
    let net = env.macvlan_net();
    let name = env.name("mac");
    env.track_container(&name);
    let api = engine_api();
    let (major, minor) = api.split_once('.').map(|(a, b)| (a.parse::<u32>().unwrap(), b.parse::<u32>().unwrap())).unwrap();
    let pins = (major, minor) >= (1, 44);
    if !pins {
        // An engine older than API 1.44 cannot take a MAC per network: --mac is refused
        // before anything is made, and lanctl pins none (the engine derives it).
        let refused = env
            .lanctl()
            .args(["up", &name, "--net", &net, "--image", "lanctl-test/media:latest", "--pull", "never"])
            .args(["--mac", "02:aa:00:00:00:01"])
            .assert()
            .code(3);
        assert!(lossy(&refused.get_output().stderr).contains(&format!("this one speaks {api}")));
        assert_eq!(sh("docker", &["container", "inspect", "--", &name]).status.code(), Some(1), "nothing was created");
    }
    env.lanctl()
        .args(["up", &name, "--net", &net, "--image", "lanctl-test/media:latest", "--pull", "never", "--wait", "0"])
        .assert()
        .success();
    let ip: Ipv4Addr = env.host(16).parse().unwrap();
    let mac = container_mac(&name, &net);
    let label =
        sh_ok("docker", &["container", "inspect", "--format", "{{index .Config.Labels \"io.lanctl.spec\"}}", "--", &name]);
    if pins {
        let pinned = lanctl::lan::arp::derived_mac(&net, ip.into()).to_string();
        assert_eq!(mac, pinned, "up pins the derived MAC");
        assert!(label.trim_end().ends_with(&format!(r#""mac":"{pinned}"}}"#)), "{label}");
    } else {
        assert!(!label.contains("\"mac\""), "nothing pinned on API {api}: {label}");
    }
    env.lanctl().args(["update", &name, "-e", "ROUND=1", "--wait", "1"]).assert().success();
    assert_eq!(container_mac(&name, &net), mac, "update keeps it");
    // An update to an image that exits at once is rolled back: the previous container,
    // with the same MAC, is back.
    env.lanctl()
        .args(["update", &name, "--image", "lanctl-test/crash:latest", "--pull", "never", "--wait", "2"])
        .assert()
        .code(1);
    assert_eq!(container_mac(&name, &net), mac, "the rollback keeps it");
    let image = sh_ok("docker", &["container", "inspect", "--format", "{{.Config.Image}}", "--", &name]);
    assert_eq!(image.trim(), "lanctl-test/media:latest", "the previous container is back");
    println!("engine API {api}, pinned: {pins}, MAC {mac}");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn doctor_says_which_probe_runs() {
    let lan_probe = |env: &[(&str, &str)]| {
        let mut c = std::process::Command::new(LANCTL);
        c.args(["--dry-run", "--json", "doctor"]).envs(env.iter().copied()).env_remove("LANCTL_ARPING");
        let out = c.output().unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", lossy(&out.stdout)));
        json["checks"].as_array().unwrap().iter().find(|c| c["id"] == "lan.probe").cloned().expect("a lan.probe check")
    };
    let native = lan_probe(&[]);
    assert_eq!(native["status"], "ok");
    assert_eq!(native["detail"], "native ARP probes (RFC 5227, 3 per address over 250 ms) ask the LAN before an address is used");
    let fallback = lan_probe(&[("LANCTL_PROBE", "arping")]);
    let (arping, ndisc6) = (which_arping(), sh_ok("sh", &["-c", "command -v ndisc6"]).trim().to_string());
    assert_eq!(
        fallback["detail"],
        format!(
            "{arping} probes addresses on the LAN before they are used, and {ndisc6} the IPv6 ones, a second each when \
             nothing answers (LANCTL_PROBE=arping)"
        )
    );
}

fn which_arping() -> String {
    sh_ok("sh", &["-c", "command -v arping"]).trim().to_string()
}

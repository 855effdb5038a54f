//! The native LAN probe on a real veth parent: the "LAN device" is the parent's peer, in
//! the env's namespace, holding an address of the test slot (tests/common: RealEnv).

mod common;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use common::*;
use lanctl::lanprobe::{Socket, PROBE_NUM, PROBE_WAIT};

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
    let net = env.name("net");
    env.track_network(&net);
    env.lanctl()
        .args(["net", "create", &net, "--driver", "macvlan", "--parent", env.parent()])
        .args(["--subnet", &env.subnet(), "--gateway", &env.gateway(), "--ip-range", &env.range()])
        .assert()
        .success();
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
    assert!(stderr.contains(&format!("lanctl: skipping {}: a LAN device ({}) already uses it\n", env.host(16), peer_mac(&env))), "{stderr}");
    assert!(lossy(&out.stdout).starts_with(&format!("docker run --detach --name {name} --hostname {name} --network {net} --ip {} ", env.host(17))));
}

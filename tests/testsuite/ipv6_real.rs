//! Dual-stack tenants against the real engine (issue 22): a dual-stack macvlan network on
//! the env's veth parent, whose peer namespace is the LAN; a tenant fetched over IPv6 and
//! IPv4 from there; a device in the namespace on the first IPv6 address of the range makes
//! the tenant skip it (the native NDP probe), cross-checked against the kernel's own DAD
//! and ndisc6; the arping fallback's ndisc6 skips the same device; an IPv4-only network's
//! tenant has no IPv6 address at all. On a /28 of its own, 198.51.100.96/28, and
//! 2001:db8:51:100::/64, both behind blackhole routes for the test's duration
//! (common::RealEnv, and `Blackhole6` here).

use std::net::Ipv6Addr;
use std::time::{Duration, Instant};

use crate::common::real::BLACKHOLE_METRIC;
use crate::common::*;
use lanctl::lan::native::{Socket6, PROBE_NUM, PROBE_WAIT};

const SUBNET: &str = "198.51.100.96/28";
const GATEWAY: &str = "198.51.100.97";
const RANGE: &str = "198.51.100.100-198.51.100.103";
const FIRST: &str = "198.51.100.100";
/// The LAN client's own IPv4 address, outside the range.
const CLIENT: &str = "198.51.100.110";
const SUBNET6: &str = "2001:db8:51:100::/64";
const GATEWAY6: &str = "2001:db8:51:100::1";
const RANGE6: &str = "2001:db8:51:100::100/124";
/// The first address of the IPv6 range: a LAN device holds it.
const HELD6: &str = "2001:db8:51:100::100";
/// What the tenant gets instead.
const NEXT6: &str = "2001:db8:51:100::101";
const CLIENT6: &str = "2001:db8:51:100::e";

/// The IPv6 blackhole over the test's /64, removed on drop (also on a panic), and
/// recorded in the env's record first, so the cleanup script removes it after a kill.
struct Blackhole6;

impl Blackhole6 {
    fn new(env: &RealEnv) -> Blackhole6 {
        // Nothing of the host's may lie inside: no address, no route more specific.
        let addrs = sh_ok("ip", &["-6", "-o", "addr", "show"]);
        assert!(!addrs.contains("2001:db8:"), "the host holds an address in 2001:db8::/32: {addrs}");
        let inside = sh_ok("ip", &["-6", "route", "show", "root", SUBNET6]);
        assert!(inside.trim().is_empty(), "routes inside {SUBNET6}: {inside}");
        env.hold(&[format!("blackhole {SUBNET6} {BLACKHOLE_METRIC}")]);
        sh_ok("ip", &["-6", "route", "add", "blackhole", SUBNET6, "metric", BLACKHOLE_METRIC]);
        Blackhole6
    }
}

impl Drop for Blackhole6 {
    fn drop(&mut self) {
        quiet("ip", &["-6", "route", "del", "blackhole", SUBNET6, "metric", BLACKHOLE_METRIC]);
    }
}

/// The env on its /28 with the IPv6 blackhole (dropped before the env), the LAN client's
/// addresses on the peer (no DAD: they are the client's own at once).
fn lan() -> (Blackhole6, RealEnv) {
    let env = RealEnv::on_subnet(SUBNET);
    let hole = Blackhole6::new(&env);
    peer_addr(&env, &format!("{CLIENT}/28"), &[]);
    peer_addr(&env, &format!("{CLIENT6}/64"), &["nodad"]);
    (hole, env)
}

fn peer_addr(env: &RealEnv, addr: &str, flags: &[&str]) {
    let mut args = vec!["-n", env.netns(), "addr", "add", addr, "dev", env.peer()];
    args.extend(flags);
    sh_ok("ip", &args);
}

fn peer_mac(env: &RealEnv) -> String {
    let link: serde_json::Value =
        serde_json::from_str(&sh_ok("ip", &["-n", env.netns(), "-j", "link", "show", "dev", env.peer()])).unwrap();
    link[0]["address"].as_str().unwrap().to_string()
}

/// The dual-stack network on the env's parent.
fn dual_stack_net(env: &RealEnv) -> String {
    let net = env.name("net6");
    env.track_network(&net);
    env.lanctl()
        .args(["net", "create", &net, "--driver", "macvlan", "--parent", env.parent()])
        .args(["--subnet", SUBNET, "--gateway", GATEWAY, "--ip-range", RANGE])
        .args(["--subnet", SUBNET6, "--gateway", GATEWAY6, "--ip-range", RANGE6])
        .assert()
        .success();
    net
}

/// `busybox wget` of the tenant's page from the LAN namespace, retried for a few seconds
/// (an IPv6 address is tentative until the tenant's own DAD is done, about a second).
fn fetch(env: &RealEnv, host: &str) -> String {
    let url = format!("http://{host}/");
    let until = Instant::now() + Duration::from_secs(8);
    loop {
        let o = sh("ip", &["netns", "exec", env.netns(), "timeout", "3", "busybox", "wget", "-q", "-O", "-", &url]);
        if o.status.success() {
            return lossy(&o.stdout);
        }
        assert!(Instant::now() < until, "{url} from the LAN namespace: {}", lossy(&o.stderr));
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The tenant's IPv6 addresses, from its own /proc (busybox has no `ip -6` we can trust
/// to be built in): each as an address and its scope (`00` global, `20` link).
fn tenant_ipv6(name: &str) -> Vec<(Ipv6Addr, String)> {
    let out = sh("docker", &["exec", name, "cat", "/proc/net/if_inet6"]);
    // With IPv6 disabled everywhere the file is empty (or missing on a kernel without it).
    lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let hex = f.first()?;
            let bytes: Vec<u8> = (0..16).map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap()).collect();
            let a: [u8; 16] = bytes.try_into().ok()?;
            Some((Ipv6Addr::from(a), f.get(3)?.to_string()))
        })
        .filter(|(a, _)| !a.is_loopback())
        .collect()
}

fn sysctl_in(name: &str, key: &str) -> String {
    sh_ok("docker", &["exec", name, "cat", &format!("/proc/sys/net/ipv6/conf/all/{key}")]).trim().to_string()
}

fn container_mac(name: &str, net: &str) -> String {
    let format = format!("{{{{(index .NetworkSettings.Networks \"{net}\").MacAddress}}}}");
    sh_ok("docker", &["container", "inspect", "--format", &format, "--", name]).trim().to_string()
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn a_dual_stack_tenant_skips_a_held_ipv6_address_and_serves_the_lan_on_both_families() {
    let (_hole, env) = lan();
    // The LAN device on the first IPv6 address of the range.
    peer_addr(&env, &format!("{HELD6}/64"), &["nodad"]);
    let net = dual_stack_net(&env);
    let name = env.name("web6");
    env.track_container(&name);
    let up = env
        .lanctl()
        .args(["-v", "up", &name, "--net", &net, "--image", IMAGE, "--pull", "never"])
        .args(["--ip-env", "LOCAL_IP", "--ip6-env", "EXTERNAL_IP", "--wait", "1"])
        .output()
        .unwrap();
    let stderr = lossy(&up.stderr);
    assert!(up.status.success(), "{stderr}");
    assert_eq!(lossy(&up.stdout), format!("{name} {FIRST} {NEXT6}\n"), "{stderr}");
    let (parent, mac) = (env.parent(), peer_mac(&env));
    // Both families asked in one window: the ARP probe and the NDP probe of the first
    // picks, then, in the next window, the IPv4 address again (its container was made
    // anew) beside the next IPv6 address.
    // (The two of a window are told from two threads, in either order.)
    let mut probes: Vec<&str> =
        stderr.lines().filter(|l| l.starts_with("+ # ARP probe") || l.starts_with("+ # NDP probe")).collect();
    probes.sort();
    let mut want = [
        format!("+ # ARP probe on {parent} for {FIRST}: 3 probes from 0.0.0.0 over 250 ms (native)"),
        format!("+ # NDP probe on {parent} for {HELD6}: 3 neighbor solicitations from :: over 250 ms (native, RFC 4862 DAD)"),
        format!("+ # ARP probe on {parent} for {FIRST}: 3 probes from 0.0.0.0 over 250 ms (native)"),
        format!("+ # NDP probe on {parent} for {NEXT6}: 3 neighbor solicitations from :: over 250 ms (native, RFC 4862 DAD)"),
    ];
    want.sort();
    assert_eq!(probes, want, "{stderr}");
    assert!(stderr.contains(&format!("lanctl: skipping {HELD6}: a LAN device ({mac}) already uses it\n")), "{stderr}");
    let tenant_mac = container_mac(&name, &net);
    assert!(
        stderr.contains(&format!(
            "+ # NDP announcement on {parent}: {NEXT6} is at {tenant_mac} (unsolicited neighbor advertisement)\n"
        )),
        "{stderr}"
    );

    // The device's address asked for with --ip: refused, naming the device, nothing made.
    let pinned = env.name("pin6");
    env.track_container(&pinned);
    let bad =
        env.lanctl().args(["up", &pinned, "--net", &net, "--image", IMAGE, "--pull", "never", "--ip", HELD6]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2), "{}", lossy(&bad.stderr));
    assert_eq!(
        lossy(&bad.stderr),
        format!(
            "lanctl: {pinned}: --ip {HELD6} is already used on the LAN by {mac} (it answered the NDP probe on {parent}); \
             choose another address\n"
        )
    );
    assert!(!sh("docker", &["container", "inspect", &pinned]).status.success(), "{pinned} was made");

    // The LAN fetches its page over both families; the variables hold both addresses.
    let page6 = fetch(&env, &format!("[{NEXT6}]"));
    assert!(page6.contains(&format!("LOCAL_IP={FIRST}\nEXTERNAL_IP={NEXT6}\n")), "{page6}");
    assert_eq!(fetch(&env, FIRST), page6);

    // It holds the address lanctl gave, a link-local one, and no other: no router
    // advertisement is accepted or autoconfigured from.
    let held = tenant_ipv6(&name);
    let global: Vec<Ipv6Addr> = held.iter().filter(|(_, scope)| scope == "00").map(|(a, _)| *a).collect();
    assert_eq!(global, [NEXT6.parse::<Ipv6Addr>().unwrap()], "{held:?}");
    assert_eq!((sysctl_in(&name, "accept_ra"), sysctl_in(&name, "autoconf")), ("0".into(), "0".into()));

    // ls reads it, running.
    let ls = env.lanctl().args(["--json", "ls", "--net", &net]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&ls.stdout).unwrap();
    assert_eq!(rows[0]["address6"], NEXT6, "{rows}");

    // Cross-checks against the kernel and ndisc6, from the LAN namespace: ndisc6 resolves
    // the tenant's address to the tenant's MAC (it answers NDP there, as the probe reads
    // an answer), and the kernel's own DAD of the same address on the peer fails.
    let nd = sh("ip", &["netns", "exec", env.netns(), "ndisc6", "-1", "-r", "3", NEXT6, env.peer()]);
    let said = lossy(&nd.stdout);
    assert!(nd.status.success(), "ndisc6: {said}{}", lossy(&nd.stderr));
    assert!(said.to_ascii_lowercase().contains(&tenant_mac), "ndisc6 says {said}; the tenant's MAC is {tenant_mac}");
    peer_addr(&env, &format!("{NEXT6}/64"), &[]);
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let a = sh_ok("ip", &["-n", env.netns(), "-6", "addr", "show", "dev", env.peer(), "to", &format!("{NEXT6}/128")]);
        if a.contains("dadfailed") {
            break;
        }
        assert!(Instant::now() < until, "the kernel's DAD of {NEXT6} did not fail: {a}");
        std::thread::sleep(Duration::from_millis(100));
    }
    sh_ok("ip", &["-n", env.netns(), "addr", "del", &format!("{NEXT6}/64"), "dev", env.peer()]);

    // A second tenant takes the next address again: ::100 is the device's, ::101 the
    // first tenant's (running), so ::102.
    let second = env.name("web6b");
    env.track_container(&second);
    let up =
        env.lanctl().args(["up", &second, "--net", &net, "--image", IMAGE, "--pull", "never", "--wait", "1"]).output().unwrap();
    assert!(up.status.success(), "{}", lossy(&up.stderr));
    assert_eq!(lossy(&up.stdout), format!("{second} 198.51.100.101 2001:db8:51:100::102\n"));

    // update recreates it on both of its addresses.
    let upd = env.lanctl().args(["update", &name, "-e", "ROUND=1", "--wait", "1"]).output().unwrap();
    assert!(upd.status.success(), "{}", lossy(&upd.stderr));
    assert_eq!(lossy(&upd.stdout), format!("{name} {FIRST} {NEXT6}\n"));
    assert_eq!(fetch(&env, &format!("[{NEXT6}]")), page6);
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn the_arping_fallback_probes_ipv6_with_ndisc6_and_skips_a_held_address() {
    // Where the native probe cannot run, ndisc6 asks for each IPv6 address, from the
    // parent's link-local address.
    let (_hole, env) = lan();
    peer_addr(&env, &format!("{HELD6}/64"), &["nodad"]);
    let mac = peer_mac(&env);
    let (parent, net) = (env.parent().to_string(), dual_stack_net(&env));
    let name = env.name("nd6");
    env.track_container(&name);
    let up = env
        .lanctl()
        .env("LANCTL_PROBE", "arping")
        .args(["up", &name, "--net", &net, "--image", IMAGE, "--pull", "never", "--wait", "1"])
        .output()
        .unwrap();
    let stderr = lossy(&up.stderr);
    assert_eq!(up.status.code(), Some(0), "{stderr}");
    assert_eq!(lossy(&up.stdout), format!("{name} {FIRST} {NEXT6}\n"), "{stderr}");
    assert_eq!(stderr, format!("lanctl: skipping {HELD6}: a LAN device ({mac}) already uses it\n"));

    // The device's address pinned: refused, naming the device, nothing made; `-v` shows
    // the ndisc6 line.
    let ndisc6 = sh_ok("sh", &["-c", "command -v ndisc6"]).trim().to_string();
    let probe = |ip: &str| format!("+ {ndisc6} -1 -n -r 3 -w 333 {ip} {parent}");
    let pinned = env.name("pin6");
    env.track_container(&pinned);
    let bad = env
        .lanctl()
        .env("LANCTL_PROBE", "arping")
        .args(["-v", "up", &pinned, "--net", &net, "--image", IMAGE, "--pull", "never", "--ip", HELD6])
        .output()
        .unwrap();
    let stderr = lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(&format!("\n{}\n", probe(HELD6))), "{stderr}");
    assert!(
        stderr.ends_with(&format!(
            "lanctl: {pinned}: --ip {HELD6} is already used on the LAN by {mac} (it answered the NDP probe on {parent}); \
             choose another address\n"
        )),
        "{stderr}"
    );
    assert!(!sh("docker", &["container", "inspect", &pinned]).status.success(), "{pinned} was made");

    // A parent that has just come up: its link-local address is tentative (the kernel's
    // DAD of it) and the kernel sends nothing from it, so ndisc6 fails; lanctl waits for
    // it and asks again. The DAD is made to last 1.5 to 2.5 s (its retransmission timer
    // 1.5 s after up to 1 s of random delay), so the first ndisc6 surely meets it.
    sh_ok("sysctl", &["-q", "-w", &format!("net.ipv6.neigh.{parent}.retrans_time_ms=1500")]);
    sh_ok("ip", &["link", "set", &parent, "down"]);
    sh_ok("ip", &["link", "set", &parent, "up"]);
    let ll = sh_ok("ip", &["-6", "addr", "show", "dev", &parent, "scope", "link"]);
    assert!(ll.contains("tentative"), "{ll}");
    let second = env.name("nd6b");
    env.track_container(&second);
    let up = env
        .lanctl()
        .env("LANCTL_PROBE", "arping")
        .args(["-v", "up", &second, "--net", &net, "--image", IMAGE, "--pull", "never", "--wait", "1"])
        .output()
        .unwrap();
    let stderr = lossy(&up.stderr);
    assert_eq!(up.status.code(), Some(0), "{stderr}");
    // ::100 the device's, ::101 the first tenant's, so ::102.
    assert_eq!(lossy(&up.stdout), format!("{second} 198.51.100.101 2001:db8:51:100::102\n"), "{stderr}");
    let waited = format!("+ # waiting for the link-local address of {parent} to leave tentative: ndisc6 sends from it");
    let seen: Vec<&str> = stderr.lines().filter(|l| l.starts_with(&format!("+ {ndisc6} ")) || l.starts_with("+ # ")).collect();
    assert_eq!(seen, [probe(HELD6), waited, probe(HELD6), probe("2001:db8:51:100::102")], "{stderr}");
    assert!(stderr.contains(&format!("lanctl: skipping {HELD6}: a LAN device ({mac}) already uses it\n")), "{stderr}");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn the_native_ndp_probe_finds_a_holder_and_another_hosts_dad_and_nothing_else() {
    let (_hole, env) = lan();
    let held: Ipv6Addr = HELD6.parse().unwrap();
    let absent: Ipv6Addr = "2001:db8:51:100::10f".parse().unwrap();
    peer_addr(&env, &format!("{HELD6}/64"), &["nodad"]);
    let mac = peer_mac(&env);
    let socket = Socket6::open(env.parent()).expect("root opens the packet socket");
    for round in 0..5 {
        let started = Instant::now();
        let claims = socket.probe(&[held, absent], &[], PROBE_WAIT, PROBE_NUM).unwrap();
        let took = started.elapsed();
        let found = claims[0].unwrap_or_else(|| panic!("round {round}: {held} on the peer was not found"));
        assert_eq!(found.mac.to_string(), mac, "round {round}");
        assert_eq!(claims[1], None, "round {round}: nothing holds {absent}");
        assert!(took >= PROBE_WAIT && took < PROBE_WAIT + Duration::from_millis(50), "round {round}: took {took:?}");
        assert!(found.after < PROBE_WAIT / 10, "round {round}: a namespace answers at once: {:?}", found.after);
    }
    // The client's own address answers too, and a MAC the caller owns is no claim.
    let client: Ipv6Addr = CLIENT6.parse().unwrap();
    assert!(socket.probe(&[client], &[], PROBE_WAIT, PROBE_NUM).unwrap()[0].is_some());
    assert_eq!(socket.probe(&[held], &[mac.parse().unwrap()], PROBE_WAIT, PROBE_NUM).unwrap(), vec![None]);

    // The kernel's own DAD of an address in the namespace (an NS from ::, the way another
    // host takes an address; Linux sends it after a random delay of up to a second, with a
    // nonce option) is heard while the probe listens: one probe of ours first, before the
    // address is added, so the kernel's DAD does not hear ours and give up first.
    let target: Ipv6Addr = "2001:db8:51:100::10e".parse().unwrap();
    let adder = {
        let (ns, peer) = (env.netns().to_string(), env.peer().to_string());
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            sh_ok("ip", &["-n", &ns, "addr", "add", &format!("{target}/64"), "dev", &peer]);
        })
    };
    let claims = socket.probe(&[target], &[], Duration::from_millis(2500), 1).unwrap();
    adder.join().unwrap();
    assert_eq!(claims[0].map(|c| c.mac.to_string()), Some(mac.clone()));

    // The other way round, the kernel reads our probe as a DAD probe (its checksum, its
    // addresses): an address the namespace is still checking fails its DAD when our
    // probe for it comes in first.
    let contested: Ipv6Addr = "2001:db8:51:100::10d".parse().unwrap();
    sh_ok("ip", &["-n", env.netns(), "addr", "add", &format!("{contested}/64"), "dev", env.peer()]);
    let claims = socket.probe(&[contested], &[], PROBE_WAIT, PROBE_NUM).unwrap();
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        let a = sh_ok("ip", &["-n", env.netns(), "-6", "addr", "show", "dev", env.peer(), "to", &format!("{contested}/128")]);
        if a.contains("dadfailed") {
            break;
        }
        assert!(Instant::now() < until, "our probe did not fail the kernel's DAD of {contested}: {a} (claims {claims:?})");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn an_ipv4_only_networks_tenant_has_no_ipv6_address() {
    let (_hole, env) = lan();
    let net = env.name("net4");
    env.track_network(&net);
    env.lanctl()
        .args(["net", "create", &net, "--driver", "macvlan", "--parent", env.parent()])
        .args(["--subnet", SUBNET, "--gateway", GATEWAY, "--ip-range", RANGE])
        .assert()
        .success();
    let name = env.name("web4");
    env.track_container(&name);
    let up =
        env.lanctl().args(["up", &name, "--net", &net, "--image", IMAGE, "--pull", "never", "--wait", "1"]).output().unwrap();
    assert!(up.status.success(), "{}", lossy(&up.stderr));
    assert_eq!(lossy(&up.stdout), format!("{name} {FIRST}\n"));
    assert!(fetch(&env, FIRST).contains("HOSTNAME="));
    // Not even a link-local address: IPv6 is off in its namespace.
    assert_eq!(tenant_ipv6(&name), [], "{name} holds IPv6 addresses");
    assert_eq!(sysctl_in(&name, "disable_ipv6"), "1");
    // An IPv6 --ip there: exit 2, one line, nothing made.
    let bad = env.lanctl().args(["up", &env.name("bad"), "--net", &net, "--image", IMAGE, "--ip", NEXT6]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(lossy(&bad.stderr).lines().count(), 1, "{}", lossy(&bad.stderr));
    assert!(sh("docker", &["container", "inspect", &env.name("bad")]).status.code() != Some(0));
}

/// `busybox wget` of `url` from the host itself, retried for a few seconds (the shim's
/// IPv6 address is tentative until the kernel's DAD is done): the page, or `None`.
fn fetch_from_host(url: &str, tries_for: Duration) -> Option<String> {
    let until = Instant::now() + tries_for;
    loop {
        let o = sh("timeout", &["3", "busybox", "wget", "-q", "-O", "-", url]);
        if o.status.success() {
            return Some(lossy(&o.stdout));
        }
        if Instant::now() >= until {
            return None;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn host_access_on_a_dual_stack_network_reaches_a_tenant_over_ipv6_and_remove_takes_it_back() {
    let (_hole, env) = lan();
    let net = dual_stack_net(&env);
    let name = env.name("ha6");
    env.track_container(&name);
    let up =
        env.lanctl().args(["up", &name, "--net", &net, "--image", IMAGE, "--pull", "never", "--wait", "1"]).output().unwrap();
    assert!(up.status.success(), "{}", lossy(&up.stderr));
    assert_eq!(lossy(&up.stdout), format!("{name} {FIRST} {HELD6}\n"));
    let url6 = format!("http://[{HELD6}]/");
    // The LAN reaches it; the host, without a shim, does not (the blackhole has the /64).
    assert!(fetch(&env, &format!("[{HELD6}]")).contains("HOSTNAME="));
    assert_eq!(fetch_from_host(&url6, Duration::ZERO), None, "the host reached a macvlan tenant without a shim");
    let shim = env.link_name("s6");
    env.track_link(&shim);
    let made = env.lanctl().args(["-v", "host-access", &net, "--ifname", &shim]).output().unwrap();
    let stderr = lossy(&made.stderr);
    assert!(made.status.success(), "{stderr}");
    // The shim's IPv6 address is the top of the subnet, probed by NDP as IPv4's by ARP.
    let top = "2001:db8:51:100:ffff:ffff:ffff:ffff";
    let parent = env.parent();
    assert!(stderr.contains(&format!("+ # NDP probe on {parent} for {top} ")), "{stderr}");
    assert!(stderr.contains(&format!("ip addr add {top}/128 dev {shim}\n")), "{stderr}");
    assert!(stderr.contains(&format!("ip -6 route add {RANGE6} dev {shim}\n")), "{stderr}");
    let page = fetch_from_host(&url6, Duration::from_secs(8)).expect("the host reaches its tenant over IPv6 through the shim");
    assert!(page.contains("HOSTNAME="), "{page}");
    assert!(fetch_from_host(&format!("http://{FIRST}/"), Duration::from_secs(4)).is_some(), "and over IPv4");
    // Idempotent, and --status names both families.
    let again = env.lanctl().args(["-n", "host-access", &net]).output().unwrap();
    assert_eq!((lossy(&again.stdout).as_str(), again.status.code()), ("", Some(0)), "{}", lossy(&again.stderr));
    let status = env.lanctl().args(["--json", "host-access", &net, "--status"]).output().unwrap();
    let st: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!((st["shim"]["ifname"].as_str(), st["shim"]["address6"].as_str()), (Some(shim.as_str()), Some(top)));
    assert!(st["routes"].as_array().unwrap().iter().any(|r| r == RANGE6), "{st}");
    assert_eq!(st["missing_routes"], serde_json::json!([]));
    env.lanctl().args(["host-access", &net, "--remove"]).assert().success();
    assert!(!sh("ip", &["link", "show", &shim]).status.success());
    let left = sh_ok("ip", &["-6", "route", "show", "root", SUBNET6]);
    assert!(!left.contains(&shim), "{left}");
    assert_eq!(fetch_from_host(&url6, Duration::ZERO), None, "still reachable over IPv6 after --remove");
}

/// Sends, from the LAN namespace's end of the veth, one unsolicited Neighbor
/// Advertisement that `ip` is at `mac` (what a device taking the address says): from a
/// thread moved into the namespace, whose packet socket is then the namespace's.
fn advertise_from_lan(env: &RealEnv, mac: &str, ip: Ipv6Addr) {
    let (ns, peer, mac) = (env.netns().to_string(), env.peer().to_string(), mac.parse().unwrap());
    std::thread::spawn(move || {
        let f = std::fs::File::open(format!("/run/netns/{ns}")).unwrap();
        // SAFETY: setns on an open namespace file moves this thread alone.
        assert_eq!(unsafe { libc::setns(std::os::fd::AsRawFd::as_raw_fd(&f), libc::CLONE_NEWNET) }, 0);
        let s =
            lanctl::lan::packet::Socket::open(&peer, lanctl::lan::ndp::ETH_P_IPV6, lanctl::lan::packet::Framing::Ethernet, None)
                .unwrap();
        s.send(&lanctl::lan::ndp::announce(mac, ip)).unwrap();
    })
    .join()
    .unwrap();
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn check_hears_ndp_a_lan_device_on_a_tenants_ipv6_address_is_a_conflict_and_watch_prints_its_advertisement() {
    let (_hole, env) = lan();
    let net = dual_stack_net(&env);
    let name = env.name("ck6");
    env.track_container(&name);
    let up =
        env.lanctl().args(["up", &name, "--net", &net, "--image", IMAGE, "--pull", "never", "--wait", "1"]).output().unwrap();
    assert!(up.status.success(), "{}", lossy(&up.stderr));
    assert_eq!(lossy(&up.stdout), format!("{name} {FIRST} {HELD6}\n"));
    let tmac = container_mac(&name, &net);
    // Alone on both addresses: two rows, both ok (the tenant answers the observer's DAD
    // probe once its own DAD is done).
    std::thread::sleep(Duration::from_secs(2));
    let ok = env.lanctl().args(["--json", "check", &name]).output().unwrap();
    let rows: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(ok.status.code(), Some(0), "{rows}{}", lossy(&ok.stderr));
    let got: Vec<(&str, &str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["address"].as_str().unwrap(), r["mac"].as_str().unwrap(), r["status"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [(FIRST, tmac.as_str(), "ok"), (HELD6, tmac.as_str(), "ok")]);

    // `check --watch` hears an NA from another MAC for the tenant's IPv6 address.
    let mut watch = std::process::Command::new(LANCTL)
        .args(["check", "--watch"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, out) = std::sync::mpsc::channel();
    let stdout = watch.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in std::io::BufRead::lines(std::io::BufReader::new(stdout)).map_while(Result::ok) {
            let _ = tx.send(l);
        }
    });
    let mut err = std::io::BufReader::new(watch.stderr.take().unwrap());
    let mut said = String::new();
    std::io::BufRead::read_line(&mut err, &mut said).unwrap();
    assert!(said.starts_with("lanctl: check --watch: listening on "), "{said}");
    let lan = peer_mac(&env);
    advertise_from_lan(&env, &lan, HELD6.parse().unwrap());
    let line = out.recv_timeout(Duration::from_secs(2));
    let _ = watch.kill();
    let _ = watch.wait();
    let line = line.expect("check --watch prints the advertisement");
    let tail =
        format!("  conflict  {name}  {HELD6}  neighbor advertisement from {lan} on {}; the tenant's MAC is {tmac}", env.parent());
    assert!(line.ends_with(&tail), "{line}");

    // The LAN device takes the tenant's IPv6 address: `check` exit 1, naming its MAC.
    peer_addr(&env, &format!("{HELD6}/64"), &["nodad"]);
    let bad = env.lanctl().args(["check", &net]).output().unwrap();
    let (stdout, stderr) = (lossy(&bad.stdout), lossy(&bad.stderr));
    assert_eq!(bad.status.code(), Some(1), "{stdout}{stderr}");
    let row = stdout.lines().find(|l| l.contains(HELD6)).unwrap_or_else(|| panic!("{stdout}"));
    assert!(row.contains("conflict") && row.contains(&format!("also claimed by {lan}; the tenant answered too")), "{stdout}");
    let v4 = stdout.lines().find(|l| l.contains(&format!(" {FIRST} "))).unwrap_or_else(|| panic!("{stdout}"));
    assert!(v4.contains("  ok  "), "{stdout}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&name), "{stderr}");
}

#[test]
#[ignore = "real engine: run scripts/test.sh"]
fn an_ipv6_only_network_on_an_engine_before_27_is_refused_naming_its_version() {
    let (_hole, env) = lan();
    let version = sh_ok("docker", &["version", "--format", "{{.Server.Version}}"]).trim().to_string();
    let major: u32 = version.split('.').next().unwrap().parse().unwrap();
    let net = env.name("only6");
    env.track_network(&net);
    let out = env
        .lanctl()
        .args(["net", "create", &net, "--driver", "macvlan", "--parent", env.parent()])
        .args(["--subnet", SUBNET6, "--gateway", GATEWAY6, "--ip-range", RANGE6])
        .output()
        .unwrap();
    let stderr = lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    if major < 27 {
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(stderr.contains(&format!("need Docker Engine 27.0 or newer; this engine is {version};")), "{stderr}");
    } else {
        assert_eq!(out.status.code(), Some(2), "{stderr}");
    }
    assert!(!sh("docker", &["network", "inspect", &net]).status.success(), "a network was made");
}

//! The arping fallback of the LAN probe against the fake host: only iputils' reply line
//! means "taken"; anything else it cannot read stops the run before any change.

use crate::common::*;
use crate::support::*;

#[test]
fn an_arping_that_is_not_iputils_is_an_error_not_a_taken_address() {
    // Habets' arping reads -D as "display": a dot and exit 1 when nothing answers. Read
    // by its exit status, every address of the range would look taken.
    let f = lan_with(|f| f.on("arping", "-D -c 1 -w 1 -I ltfixp 198.51.100.*", 1, ".\n"));
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .code(1)
        .stderr(format!(
            "lanctl: the LAN probe `{} -D -c 1 -w 1 -I ltfixp 198.51.100.100` gave no answer lanctl can read (exit 1); \
             lanctl needs iputils' arping (apt-get install iputils-arping); check the parent interface is up, or pass --no-probe\n",
            f.program_path("arping").display()
        ))
        .changes(&[])
        .check();
}

#[test]
fn a_reply_skips_the_address_and_names_the_device() {
    let reply = "ARPING 198.51.100.100 from 0.0.0.0 ltfixp\nUnicast reply from 198.51.100.100 [AE:1C:AD:28:13:B4]  0.548ms\nSent 1 probes (1 broadcast(s))\nReceived 1 response(s)\n";
    let f = lan_with(|f| f.on("arping", "-D -c 1 -w 1 -I ltfixp 198.51.100.100", 1, reply));
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.101\n")
        .stderr("lanctl: skipping 198.51.100.100: a LAN device (ae:1c:ad:28:13:b4) already uses it\n")
        .change_lines([r#"docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.101 --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}' -- img"#])
        .check();
}

#[test]
fn a_probe_variable_that_names_no_method_is_bad_input() {
    let f = lan();
    Run::new(&f)
        .env("LANCTL_PROBE", "raw")
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .code(2)
        .stderr("lanctl: LANCTL_PROBE=\"raw\" names no LAN probe; set it to native or arping, or unset it\n")
        .changes(&[])
        .check();
    assert_eq!(f.calls(), Vec::<Vec<String>>::new(), "nothing ran");
}

/// The fixture host with a Docker 28 engine (API 1.50): it takes a MAC per network.
fn docker28() -> Fake {
    let version = std::fs::read_to_string(fixture("docker-version.json")).unwrap().replace("\"1.41\"", "\"1.50\"");
    assert!(version.contains("\"ApiVersion\":\"1.50\""), "{version}");
    lan_with(|f| f.on("docker", "version*", 0, &version))
}

#[test]
fn a_new_engine_pins_the_mac_derived_from_the_address() {
    let f = docker28();
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.100\n")
        .change_lines([r#"docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.100 --sysctl net.ipv6.conf.all.disable_ipv6=1 --mac-address f6:0a:c6:33:64:64 --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[],"mac":"f6:0a:c6:33:64:64"}' -- img"#])
        .check();
}

#[test]
fn an_old_engine_takes_no_mac() {
    // The fixture's engine is 20.10 (API 1.41): docker's CLI refuses --mac-address per
    // network there, and the engine derives the MAC from the address itself.
    let f = lan();
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img", "--mac", "02:aa:00:00:00:01"])
        .code(3)
        .stderr(
            "lanctl: room-1: --mac 02:aa:00:00:00:01 needs a docker engine with API 1.44 or later (Docker 25); this one \
             speaks 1.41; leave --mac out: this engine gives a macvlan container a MAC derived from its address, the same \
             on every recreate\n",
        )
        .changes(&[])
        .check();
}

#[test]
fn mac_gives_the_tenants_mac_exactly() {
    let f = docker28();
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img", "--mac", "02:AA:00:00:00:01"])
        .stdout("room-1 198.51.100.100\n")
        .change_lines([r#"docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.100 --sysctl net.ipv6.conf.all.disable_ipv6=1 --mac-address 02:aa:00:00:00:01 --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[],"mac":"02:aa:00:00:00:01"}' -- img"#])
        .check();
}

#[test]
fn a_bad_mac_is_refused_before_anything_runs() {
    for (mac, extra, said) in [
        ("02:aa:00:00:00", &[][..], "--mac \"02:aa:00:00:00\" is not a MAC address (six hex octets, e.g. 02:42:c6:33:64:10)"),
        ("01:00:5e:00:00:01", &[], "--mac 01:00:5e:00:00:01 is a multicast or broadcast address (the lowest bit of its first octet is set); give a unicast MAC such as 02:00:00:00:00:01"),
        ("00:00:00:00:00:00", &[], "--mac 00:00:00:00:00:00 is all zeros; give a unicast MAC such as 02:00:00:00:00:01"),
        ("02:aa:00:00:00:01", &["room-2"], "--mac gives one MAC address; use it with one tenant name"),
    ] {
        let f = lan();
        Run::new(&f)
            .args(["up", "--wait", "0", "room-1", "--image", "img", "--mac", mac])
            .args(extra)
            .code(2)
            .stderr(format!("lanctl: {said}\n"))
            .changes(&[])
            .check();
        assert_eq!(f.calls(), Vec::<Vec<String>>::new(), "{mac}: nothing ran");
    }
}

#[test]
fn update_keeps_the_pinned_mac() {
    let spec = r#"{"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[],"mac":"f6:0a:c6:33:64:71"}"#;
    let f = lan_with(|f| f.on("docker", "container inspect -- ltfix-run", 0, &running_tenant_with_spec(spec)));
    let done = Run::new(&f).args(["-n", "update", "ltfix-run", "--image", "img2"]).stdout_unchecked().check();
    let run = done.stdout.lines().find(|l| l.contains("docker run ")).unwrap_or_else(|| panic!("no docker run: {done:?}"));
    assert!(
        run.contains(" --ip 198.51.100.113 --sysctl net.ipv6.conf.all.disable_ipv6=1 --mac-address f6:0a:c6:33:64:71 --restart "),
        "{run}"
    );
    assert!(run.contains(r#""args":[],"mac":"f6:0a:c6:33:64:71"}'"#), "{run}");
}

#[test]
fn an_ipvlan_tenant_takes_no_mac() {
    let ipvlan = std::fs::read_to_string(fixture("docker-network-inspect-macvlan.json"))
        .unwrap()
        .replace("\"Driver\": \"macvlan\"", "\"Driver\": \"ipvlan\"")
        .replace("\"macvlan_mode\": \"bridge\"", "\"ipvlan_mode\": \"l2\"");
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &ipvlan));
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img", "--mac", "02:aa:00:00:00:01"])
        .code(2)
        .stderr("lanctl: room-1: --mac 02:aa:00:00:00:01: network ltfix-net is ipvlan, whose tenants all use the MAC of ltfixp; leave --mac out\n")
        .changes(&[])
        .check();
    // Without --mac: no --mac-address, nothing in the spec.
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.100\n")
        .change_lines([r#"docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.100 --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}' -- img"#])
        .check();
}

#[test]
fn a_mac_another_container_has_on_the_network_is_refused() {
    let f = docker28();
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img", "--mac", "02:42:C6:33:64:71"])
        .code(2)
        .stderr(
            "lanctl: room-1: --mac 02:42:c6:33:64:71 is already used on network ltfix-net by ltfix-run; choose another \
             MAC, or leave --mac out for one derived from the address\n",
        )
        .changes(&[])
        .check();
}

#[test]
fn a_mac_a_lan_device_answered_from_is_refused() {
    let reply = "ARPING 198.51.100.100 from 0.0.0.0 ltfixp\nUnicast reply from 198.51.100.100 [02:AA:00:00:00:01]  0.548ms\nSent 1 probes (1 broadcast(s))\nReceived 1 response(s)\n";
    let version = std::fs::read_to_string(fixture("docker-version.json")).unwrap().replace("\"1.41\"", "\"1.50\"");
    let f = lan_with(|f| {
        f.on("docker", "version*", 0, &version);
        f.on("arping", "-D -c 1 -w 1 -I ltfixp 198.51.100.100", 1, reply);
    });
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img", "--mac", "02:aa:00:00:00:01"])
        .code(2)
        .stderr(
            "lanctl: skipping 198.51.100.100: a LAN device (02:aa:00:00:00:01) already uses it\n\
             lanctl: room-1: --mac 02:aa:00:00:00:01 is a LAN device's (it answered the ARP probe for 198.51.100.100 on \
             ltfixp); choose another MAC, or leave --mac out\n",
        )
        .changes(&[])
        .check();
}

/// A parent that is down is a prerequisite, said before any probe or change: exit 3 with
/// the command that brings it up (a dry run warns and still ends with 3; --skip-checks
/// asks nothing).
#[test]
fn a_parent_that_is_down_is_exit_3_before_the_probe() {
    let down = r#"[{"ifname":"ltfixp","flags":["BROADCAST","MULTICAST"],"operstate":"DOWN","addr_info":[]}]"#;
    let f = lan_with(|f| f.on("ip", "-j addr show", 0, down));
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .code(3)
        .stderr("lanctl: parent ltfixp of network ltfix-net is down; run `ip link set ltfixp up`\n")
        .changes(&[])
        .check();
    assert!(f.calls_of("arping").is_empty(), "no probe on a parent that is down");
    Run::new(&f)
        .args(["--dry-run", "up", "--wait", "0", "--no-probe", "room-1", "--image", "img"])
        .code(3)
        .stdout_unchecked()
        .stderr(
            "lanctl: warning: parent ltfixp of network ltfix-net is down; run `ip link set ltfixp up`\n\
             lanctl: room-1 would get 198.51.100.100 on ltfix-net\n\
             lanctl: check failed: parent ltfixp of network ltfix-net is down; run `ip link set ltfixp up` (the plan \
             above would not run here; pass --skip-checks to plan anyway)\n",
        )
        .check();
    let link_down = PARENT_LINK.replace(r#""UP","LOWER_UP"],"mtu""#, r#""LOWER_UP"],"mtu""#);
    let f = lan_with(|f| {
        without_fixture_network(f);
        f.on("ip", "-j -d link show dev ltfixp", 0, &link_down);
    });
    let args: Vec<String> =
        net_create("lan", &["--driver", "ipvlan", "--parent", "ltfixp"], &["--ip-range", "198.51.100.100-198.51.100.131"]);
    let out = lanctl(&f).args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        lossy(&out.stderr).ends_with("lanctl: check failed: parent.up: ltfixp is down; bring it up: ip link set ltfixp up\n"),
        "{}",
        lossy(&out.stderr)
    );
    assert!(f.changes().iter().all(|c| c[0] != "docker"), "nothing created");
}

#[test]
fn apply_probes_the_pinned_addresses_of_a_fleet_at_once() {
    // Issue 26: a fleet whose tenants pin their addresses (as a file mirroring a Compose
    // project does) was probed one address after another, a probe window each (~260 ms
    // natively, a second with arping): 8.3 s of nothing for 32 tenants. Each arping here
    // waits until both have started, so probes made one after another fail.
    let met = tempfile::tempdir().unwrap();
    let none = |ip: &str| {
        let file = met.path().join(format!("answer-{ip}"));
        std::fs::write(
            &file,
            format!("ARPING {ip} from 0.0.0.0 ltfixp\nSent 1 probes (1 broadcast(s))\nReceived 0 response(s)\n"),
        )
        .unwrap();
        file
    };
    let (a120, a121) = (none("198.51.100.120"), none("198.51.100.121"));
    let waits = met.path().join("waits");
    std::fs::create_dir(&waits).unwrap();
    let f = lan_with(|f| {
        for (ip, answer) in [("198.51.100.120", &a120), ("198.51.100.121", &a121)] {
            f.on_script("arping", &format!("-D -c 1 -w 1 -I ltfixp {ip}"), &answer_once_all_started(&waits, ip, 2, answer));
        }
    });
    let file = met.path().join("fleet.json");
    std::fs::write(
        &file,
        r#"{"tenants": [{"name": "room-1", "net": "ltfix-net", "image": "img", "ip": "198.51.100.120"},
                        {"name": "room-2", "net": "ltfix-net", "image": "img", "ip": "198.51.100.121"}]}"#,
    )
    .unwrap();
    let done = Run::new(&f)
        .args(["--dry-run", "apply", "--wait", "0", file.to_str().unwrap()])
        .stdout_contains("--name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.120 ")
        .stdout_contains("--name room-2 --hostname room-2 --network ltfix-net --ip 198.51.100.121 ")
        .stderr("lanctl: would be created: room-1 room-2\n")
        .check();
    let mut probes: Vec<String> = done.calls.iter().filter(|c| c.argv[0] == "arping").map(|c| c.argv[1..].join(" ")).collect();
    probes.sort();
    assert_eq!(probes, ["-D -c 1 -w 1 -I ltfixp 198.51.100.120", "-D -c 1 -w 1 -I ltfixp 198.51.100.121"]);
}

#[test]
fn a_pinned_address_a_device_answers_for_refuses_the_batch_before_any_change() {
    let reply = "ARPING 198.51.100.121 from 0.0.0.0 ltfixp\nUnicast reply from 198.51.100.121 [AE:1C:AD:28:13:B4]  0.548ms\nSent 1 probes (1 broadcast(s))\nReceived 1 response(s)\n";
    let f = lan_with(|f| f.on("arping", "-D -c 1 -w 1 -I ltfixp 198.51.100.121", 1, reply));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fleet.json");
    std::fs::write(
        &file,
        r#"{"tenants": [{"name": "room-1", "net": "ltfix-net", "image": "img", "ip": "198.51.100.120"},
                        {"name": "room-2", "net": "ltfix-net", "image": "img", "ip": "198.51.100.121"}]}"#,
    )
    .unwrap();
    Run::new(&f)
        .args(["apply", "--wait", "0", file.to_str().unwrap()])
        .code(2)
        .stderr(
            "lanctl: room-2: --ip 198.51.100.121 is already used on the LAN by ae:1c:ad:28:13:b4 (it answered the ARP probe \
             on ltfixp); choose another address\n",
        )
        .changes(&[])
        .check();
    let mut probes = f.calls_of("arping").into_iter().map(|a| a.join(" ")).collect::<Vec<_>>();
    probes.sort();
    assert_eq!(probes, ["-D -c 1 -w 1 -I ltfixp 198.51.100.120", "-D -c 1 -w 1 -I ltfixp 198.51.100.121"]);
}

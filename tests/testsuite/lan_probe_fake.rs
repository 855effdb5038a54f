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

/// The dual-stack fixture host, whose first free IPv6 address is 2001:db8:51:100::100.
fn dual_stack_with(rules: impl FnOnce(&Fake)) -> Fake {
    lan_with(|f| {
        rules(f);
        f.on("docker", "network inspect*", 0, &dual_stack_network());
    })
}

const NDISC6_LINE: &str = "-1 -n -r 3 -w 333 2001:db8:51:100::100 ltfixp";
/// What ndisc6 1.0.5 says where the kernel will not send from the interface (no
/// link-local address, or one still tentative): exit 1.
const CANNOT_SEND: &str = r#"echo 'Soliciting 2001:db8:51:100::100 (2001:db8:51:100::100) on ltfixp...'; echo 'Sending ICMPv6 packet: Cannot assign requested address' >&2; exit 1"#;
/// The parent's IPv6 addresses (`ip -j -6 addr show dev ltfixp`) with its link-local one
/// tentative (`"tentative":true`) or not.
fn parent6(tentative: bool) -> String {
    let flag = if tentative { r#","tentative":true"# } else { "" };
    format!(
        r#"[{{"ifindex":7,"ifname":"ltfixp","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"operstate":"UP","addr_info":[{{"family":"inet6","local":"fe80::ac1c:adff:fe28:13b4","prefixlen":64,"scope":"link"{flag},"valid_life_time":4294967295,"preferred_life_time":4294967295}}]}}]"#
    )
}

/// A fake rule script that answers its first `first` calls with `before`, later ones with
/// `after` (each a script), counting in `dir`/`name`.
fn then(dir: &std::path::Path, name: &str, first: usize, before: &str, after: &str) -> String {
    let n = dir.join(name);
    format!(
        "n=$(( $(cat {n} 2>/dev/null || echo 0) + 1 )); echo $n > {n}; if (( n <= {first} )); then {before}; else {after}; fi",
        n = n.display()
    )
}

#[test]
fn an_ndisc6_that_cannot_send_from_a_tentative_link_local_waits_for_it_and_asks_again() {
    // Right after the parent came up its link-local address is tentative (the kernel's
    // DAD of it, up to 2 s), and the kernel sends nothing from it: ndisc6 exits 1.
    let dir = tempfile::tempdir().unwrap();
    let f = dual_stack_with(|f| {
        f.on_script("ndisc6", NDISC6_LINE, &then(dir.path(), "nd", 1, CANNOT_SEND, NDISC6_NONE));
        let (tentative, ready) = (format!("printf '%s' '{}'", parent6(true)), format!("printf '%s' '{}'", parent6(false)));
        f.on_script("ip", "-j -6 addr show dev ltfixp", &then(dir.path(), "ip", 2, &tentative, &ready));
    });
    let done = Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .stdout("room-1 198.51.100.100 2001:db8:51:100::100\n")
        .change_lines([r#"docker run --detach --name room-1 --hostname room-1 --network ltfix-net --ip 198.51.100.100 --ip6 2001:db8:51:100::100 --sysctl net.ipv6.conf.all.accept_ra=0 --sysctl net.ipv6.conf.default.accept_ra=0 --sysctl net.ipv6.conf.all.autoconf=0 --sysctl net.ipv6.conf.default.autoconf=0 --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=ltfix-net --label 'io.lanctl.spec={"image":"img","env":{},"secrets":[],"ip_env":[],"labels":{},"restart":"unless-stopped","args":[]}' -- img"#])
        .check();
    // The probe, the parent read until its link-local is ready, the probe again.
    let asked: Vec<String> = done
        .calls
        .iter()
        .filter(|c| c.argv[0] == "ndisc6" || c.argv[1..].starts_with(&["-j".into(), "-6".into()]))
        .map(|c| c.argv[1..].join(" "))
        .collect();
    assert_eq!(
        asked,
        [NDISC6_LINE, "-j -6 addr show dev ltfixp", "-j -6 addr show dev ltfixp", "-j -6 addr show dev ltfixp", NDISC6_LINE]
    );
}

#[test]
fn a_parent_without_an_ipv6_link_local_address_is_exit_3_naming_it() {
    let f = dual_stack_with(|f| {
        f.on_script("ndisc6", NDISC6_LINE, CANNOT_SEND);
        f.on("ip", "-j -6 addr show dev ltfixp", 0, "[]");
    });
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .code(3)
        .stderr(format!(
            "lanctl: the LAN probe `{} {NDISC6_LINE}` could not send (exit 1: Sending ICMPv6 packet: Cannot assign requested \
             address): ltfixp has no IPv6 link-local address, the address ndisc6 sends from; turn IPv6 on for ltfixp \
             (sysctl -w net.ipv6.conf.ltfixp.disable_ipv6=0, with an addr_gen_mode other than none), or pass --no-probe\n",
            f.program_path("ndisc6").display()
        ))
        .changes(&[])
        .check();
    assert_eq!(f.calls_of("ndisc6"), [NDISC6_LINE.split(' ').collect::<Vec<_>>()], "asked once");
}

#[test]
fn an_ndisc6_output_it_cannot_read_is_an_error_not_a_taken_address() {
    // Not Debian's ndisc6 (or another version): no answer line, no "No response.".
    let f = dual_stack_with(|f| f.on("ndisc6", NDISC6_LINE, 0, "?\n"));
    Run::new(&f)
        .args(["up", "--wait", "0", "room-1", "--image", "img"])
        .code(1)
        .stderr(format!(
            "lanctl: the LAN probe `{} {NDISC6_LINE}` gave no answer lanctl can read (exit 0: ?); lanctl needs Debian's \
             ndisc6 (apt-get install ndisc6) and IPv6 on ltfixp with a link-local address; check the parent interface is \
             up, or pass --no-probe\n",
            f.program_path("ndisc6").display()
        ))
        .changes(&[])
        .check();
}

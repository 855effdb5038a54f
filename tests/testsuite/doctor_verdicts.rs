//! `lanctl doctor`'s verdicts on a host set up with lanctl, against the fake docker and a
//! host root of the test's own (`LANCTL_HOST_ROOT`: kernel release, kernel config, uid,
//! cpu flags), so every check is the same on every machine.

use std::path::Path;

use crate::common::*;
use crate::support::*;
use serde_json::Value;

const SWITCH: &str = "allow promiscuous mode, forged transmits and MAC address changes on the VM's virtual switch port";

/// What the fake host's kernel has.
struct Kernel {
    ipvlan: bool,
    macvlan: bool,
}

/// A host root: kernel 6.1.0-lt with a config, lanctl running as root (so the probe runs,
/// through the fake `ip`), in a QEMU virtual machine.
fn host_root(k: &Kernel) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    write("proc/sys/kernel/osrelease", "6.1.0-lt\n");
    write("proc/self/status", "Name:\tlanctl\nUid:\t0\t0\t0\t0\n");
    write("proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu vme hypervisor\n");
    write("sys/class/dmi/id/sys_vendor", "QEMU\n");
    write("sys/class/dmi/id/product_name", "Standard PC (Q35 + ICH9, 2009)\n");
    let opt = |key: &str, on: bool| if on { format!("{key}=y\n") } else { format!("# {key} is not set\n") };
    write("boot/config-6.1.0-lt", &(opt("CONFIG_IPVLAN", k.ipvlan) + &opt("CONFIG_MACVLAN", k.macvlan)));
    dir
}

const PARENT: &str =
    r#"[{"ifname":"ltfixp","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"operstate":"UP","link_type":"ether"}]"#;

/// The fixture host (lanctl's macvlan network ltfix-net on ltfixp, engine 20.10, which
/// allows one macvlan network per parent) with a kernel that has what `k` says.
fn fake(k: &Kernel) -> Fake {
    lan_with(|f| {
        f.on("ip", "-j -d link show dev ltfixp", 0, PARENT);
        f.on("ip", "-j addr show dev ltfixp", 0, r#"[{"ifname":"ltfixp","addr_info":[]}]"#);
        for (kind, has) in [("ipvlan", k.ipvlan), ("macvlan", k.macvlan)] {
            if !has {
                f.on_err("ip", &format!("* type {kind} *"), 2, "Error: Unknown device type.\n");
            }
        }
    })
}

/// Runs `lanctl --json doctor ARGS` on `root`: exit code, stderr, and the checks.
fn doctor(f: &Fake, root: &Path, args: &[&str]) -> (i32, String, Vec<Value>) {
    let out = lanctl(f).env("LANCTL_HOST_ROOT", root).args(["--json", "doctor"]).args(args).output().unwrap();
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", lossy(&out.stdout)));
    (out.status.code().unwrap(), lossy(&out.stderr), json["checks"].as_array().unwrap().clone())
}

/// `status id` of every check that is not ok.
fn not_ok(checks: &[Value]) -> Vec<String> {
    checks
        .iter()
        .filter(|c| c["status"] != "ok")
        .map(|c| format!("{} {}", c["status"].as_str().unwrap(), c["id"].as_str().unwrap()))
        .collect()
}

/// `[status, detail, hint]` of one check; no hint (JSON null) is "".
fn get(checks: &[Value], id: &str) -> [String; 3] {
    let c = checks.iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no {id} in {checks:?}"));
    assert_ne!(c["hint"], "", "no hint is null, never \"\": {c}");
    ["status", "detail", "hint"].map(|k| c[k].as_str().unwrap_or_default().to_string())
}

fn ids(checks: &[Value]) -> Vec<&str> {
    checks.iter().map(|c| c["id"].as_str().unwrap()).collect()
}

#[test]
fn lanctls_own_network_on_the_parent_is_a_correct_setup() {
    let k = Kernel { ipvlan: false, macvlan: true };
    let (f, root) = (fake(&k), host_root(&k));
    let (code, stderr, checks) = doctor(&f, root.path(), &["--driver", "macvlan", "--parent", "ltfixp"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        ids(&checks),
        [
            "docker.cli",
            "docker.daemon",
            "docker.driver.macvlan",
            "kernel.release.macvlan",
            "kernel.config.macvlan",
            "probe.macvlan",
            "parent.exists",
            "parent.up",
            "parent.carrier",
            "parent.wireless.macvlan",
            "parent.addresses",
            "parent.networks.macvlan",
            "hypervisor.macvlan",
            "lan.probe",
            "tenants.stopped",
        ]
    );
    assert_eq!(not_ok(&checks), ["warn hypervisor.macvlan"]);
    assert_eq!(get(&checks, "parent.networks.macvlan"), ["ok", "lanctl network ltfix-net (macvlan bridge) uses ltfixp", ""]);
    // The kernel has no ipvlan, so the advice for the VM's switch does not offer it.
    assert_eq!(
        get(&checks, "hypervisor.macvlan"),
        [
            "warn",
            "QEMU virtual machine (/proc/cpuinfo): the virtual switch must pass frames from the containers' own MAC addresses",
            SWITCH
        ]
    );
}

#[test]
fn plain_doctor_passes_when_one_driver_works_and_names_it() {
    let k = Kernel { ipvlan: false, macvlan: true };
    let (f, root) = (fake(&k), host_root(&k));
    let (code, stderr, checks) = doctor(&f, root.path(), &["--parent", "ltfixp"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(
        not_ok(&checks),
        ["warn kernel.config.ipvlan", "warn probe.ipvlan", "warn parent.networks.ipvlan", "warn hypervisor.macvlan"]
    );
    assert_eq!(
        get(&checks, "kernel.config.ipvlan"),
        [
            "warn",
            "CONFIG_IPVLAN is not set (/boot/config-6.1.0-lt)",
            "use --driver macvlan, or a kernel built with CONFIG_IPVLAN"
        ]
    );
    let [status, detail, hint] = get(&checks, "probe.ipvlan");
    assert_eq!((status.as_str(), hint.as_str()), ("warn", "use --driver macvlan, or a kernel built with CONFIG_IPVLAN"));
    assert!(detail.starts_with("ipvlan is not supported by this kernel (probe: ip -n lanctl-probe-"), "{detail}");
    assert_eq!(get(&checks, "hypervisor.macvlan")[2], SWITCH);
    assert_eq!(get(&checks, "hypervisor.ipvlan")[0], "ok");
    assert_eq!(get(&checks, "parent.networks.macvlan"), ["ok", "lanctl network ltfix-net (macvlan bridge) uses ltfixp", ""]);
}

#[test]
fn with_no_working_driver_doctor_fails_and_recommends_neither() {
    let k = Kernel { ipvlan: false, macvlan: false };
    let (f, root) = (fake(&k), host_root(&k));
    let (code, stderr, checks) = doctor(&f, root.path(), &[]);
    assert_eq!(code, 3);
    assert_eq!(
        stderr,
        "{\"command\":null,\"error\":\"doctor found failed checks\",\"exit\":3,\"hint\":\"fix the lines marked fail \
         above\",\"stderr\":null}\n"
    );
    assert_eq!(
        not_ok(&checks),
        [
            "fail kernel.config.ipvlan",
            "fail kernel.config.macvlan",
            "fail probe.ipvlan",
            "fail probe.macvlan",
            "skip parent.exists",
            "skip parent.networks.ipvlan",
            "skip parent.networks.macvlan",
            "warn hypervisor.macvlan"
        ]
    );
    assert_eq!(get(&checks, "kernel.config.ipvlan")[2], "use a kernel built with CONFIG_IPVLAN");
    assert_eq!(get(&checks, "kernel.config.macvlan")[2], "use a kernel built with CONFIG_MACVLAN");
    assert_eq!(get(&checks, "probe.ipvlan")[2], "use a kernel built with CONFIG_IPVLAN");
    assert_eq!(get(&checks, "probe.macvlan")[2], "use a kernel built with CONFIG_MACVLAN");
    assert_eq!(get(&checks, "hypervisor.macvlan")[2], SWITCH);
}

#[test]
fn a_kernel_with_ipvlan_keeps_the_advice_to_use_it() {
    let k = Kernel { ipvlan: true, macvlan: true };
    let (f, root) = (fake(&k), host_root(&k));
    let (code, _, checks) = doctor(&f, root.path(), &["--driver", "macvlan"]);
    assert_eq!(code, 0);
    assert_eq!(get(&checks, "hypervisor.macvlan")[2], format!("{SWITCH}, or use --driver ipvlan"));
}

/// The fixture network as ipvlan l3.
fn ipvlan_l3() -> String {
    network_with_range("198.51.100.100-198.51.100.131")
        .replace(r#""Driver": "macvlan""#, r#""Driver": "ipvlan""#)
        .replace(r#""macvlan_mode": "bridge""#, r#""ipvlan_mode": "l3""#)
}

#[test]
fn a_routed_network_whose_parent_has_no_address_is_unreachable_from_the_lan() {
    let k = Kernel { ipvlan: true, macvlan: true };
    let root = host_root(&k);
    let f = lan_with(|f| f.on("docker", "network inspect*", 0, &ipvlan_l3()));
    let (code, stderr, checks) = doctor(&f, root.path(), &["--driver", "ipvlan"]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    assert_eq!(not_ok(&checks), ["skip parent.exists", "skip parent.networks.ipvlan", "warn lan.route.ltfix-net"]);
    assert_eq!(
        get(&checks, "lan.route.ltfix-net"),
        [
            "warn",
            "ipvlan l3 network ltfix-net is routed through this host, but ltfixp has no IPv4 address: nothing on the LAN can reach its tenants",
            "give ltfixp an address on the LAN, then add `ip route add 198.51.100.0/24 via THAT_ADDRESS` on the LAN's router"
        ]
    );
    let f = lan_with(|f| {
        f.on("docker", "network inspect*", 0, &ipvlan_l3());
        f.on(
            "ip",
            "-j -d addr show",
            0,
            r#"[{"ifname":"ltfixp","flags":["UP"],"addr_info":[{"family":"inet","local":"192.0.2.50","prefixlen":24}]}]"#,
        );
    });
    let (code, _, checks) = doctor(&f, root.path(), &["--driver", "ipvlan"]);
    assert_eq!(code, 0);
    assert_eq!(
        get(&checks, "lan.route.ltfix-net"),
        [
            "ok",
            "ipvlan l3 network ltfix-net is routed through this host; the LAN's router needs: ip route add 198.51.100.0/24 via 192.0.2.50",
            ""
        ]
    );
}

#[test]
fn the_dhcp_check_takes_the_networks_parent_and_range_and_needs_root() {
    let k = Kernel { ipvlan: false, macvlan: true };
    let (f, root) = (fake(&k), host_root(&k));
    std::fs::write(root.path().join("proc/self/status"), "Name:\tlanctl\nUid:\t1000\t1000\t1000\t1000\n").unwrap();
    // No --parent: the network's own, ltfixp, is checked like a --parent.
    let (code, stderr, checks) = doctor(&f, root.path(), &["--driver", "macvlan", "--dhcp", "--net", "ltfix-net"]);
    assert_eq!(
        (code, stderr.as_str()),
        (
            3,
            "{\"command\":null,\"error\":\"doctor found failed checks\",\"exit\":3,\"hint\":\"fix the lines marked fail \
             above\",\"stderr\":null}\n"
        )
    );
    assert_eq!(get(&checks, "parent.exists")[0], "ok");
    assert_eq!(ids(&checks)[ids(&checks).len() - 2..], ["dhcp.pool", "lan.ra"]);
    assert_eq!(
        get(&checks, "dhcp.pool"),
        [
            "fail",
            "not root (euid 1000): the DHCP check sends discovers from a packet socket, which needs root",
            "run lanctl as root"
        ]
    );
    assert_eq!(
        get(&checks, "lan.ra"),
        ["fail", "not root: reading router advertisements takes a raw ICMPv6 socket, which needs root", "run lanctl as root"]
    );
    // Without --dhcp there is no such check.
    let (_, _, checks) = doctor(&f, root.path(), &["--driver", "macvlan", "--parent", "ltfixp"]);
    assert!(!ids(&checks).contains(&"dhcp.pool"));
    assert!(!ids(&checks).contains(&"lan.ra"));
}

#[test]
fn a_routed_dual_stack_network_names_its_ipv6_route_and_warns_without_a_global_ipv6_address() {
    let k = Kernel { ipvlan: true, macvlan: true };
    let root = host_root(&k);
    let dual = dual_stack(&ipvlan_l3());
    let with = |addrs: String| {
        let dual = dual.clone();
        lan_with(move |f| {
            f.on("docker", "network inspect*", 0, &dual);
            f.on("ip", "-j -d addr show", 0, &format!(r#"[{{"ifname":"ltfixp","flags":["UP"],"addr_info":[{addrs}]}}]"#));
        })
    };
    let v4 = r#"{"family":"inet","local":"192.0.2.50","prefixlen":24}"#;
    let f = with(format!(r#"{v4},{{"family":"inet6","local":"2001:db8:2::50","prefixlen":64}}"#));
    let (code, _, checks) = doctor(&f, root.path(), &["--driver", "ipvlan"]);
    assert_eq!(code, 0);
    assert_eq!(
        get(&checks, "lan.route.ltfix-net"),
        [
            "ok",
            "ipvlan l3 network ltfix-net is routed through this host; the LAN's router needs: ip route add 198.51.100.0/24 \
             via 192.0.2.50 and ip -6 route add 2001:db8:51:100::/64 via 2001:db8:2::50",
            ""
        ]
    );
    let f = with(v4.to_string());
    let (_, _, checks) = doctor(&f, root.path(), &["--driver", "ipvlan"]);
    assert_eq!(
        get(&checks, "lan.route.ltfix-net"),
        [
            "warn",
            "ipvlan l3 network ltfix-net is routed through this host, but ltfixp has no global IPv6 address: nothing on the \
             LAN can reach its tenants over IPv6 (IPv4: ip route add 198.51.100.0/24 via 192.0.2.50)",
            "give ltfixp an IPv6 address on the LAN, then add `ip -6 route add 2001:db8:51:100::/64 via THAT_ADDRESS` on the \
             LAN's router"
        ]
    );
}

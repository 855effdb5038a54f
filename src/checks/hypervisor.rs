//! `hypervisor.<driver>`: in a virtual machine, macvlan needs the virtual switch to pass
//! frames from MAC addresses it did not assign; ipvlan reuses the parent's MAC address.

use super::host_reads::Host;
use super::{Check, Status};
use crate::engine::netspec::Driver;
use crate::exec::cmd::{Cmd, Query};
use crate::target::ctx::Ctx;

/// What detection found: the hypervisor's name (`None`: no VM) and where that came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    pub vm: Option<String>,
    pub source: String,
}

pub fn detect_virt(program: &str) -> Query {
    Cmd::new(program).arg("--vm").query()
}

/// Reads `systemd-detect-virt --vm`: `Some(Some(name))` for a VM, `Some(None)` for none
/// ("none", exit 1), `None` when it could not tell.
pub fn parse_detect_virt(code: Option<i32>, stdout: &str) -> Option<Option<String>> {
    let word = stdout.trim();
    match code {
        Some(0) if !word.is_empty() && word != "none" => Some(Some(word.to_string())),
        Some(0) | Some(1) if word.is_empty() || word == "none" => Some(None),
        _ => None,
    }
}

/// Whether /proc/cpuinfo's flags include `hypervisor` (set by every mainstream hypervisor).
pub fn cpu_has_hypervisor(cpuinfo: &str) -> bool {
    cpuinfo
        .lines()
        .filter_map(|l| l.split_once(':').filter(|(k, _)| k.trim() == "flags").map(|(_, v)| v))
        .any(|flags| flags.split_whitespace().any(|f| f == "hypervisor"))
}

/// The hypervisor named by DMI's sys_vendor and product_name, if any.
pub fn dmi_hypervisor(vendor: &str, product: &str) -> Option<&'static str> {
    let (v, p) = (vendor.trim(), product.trim());
    let any = |s: &str| v.contains(s) || p.contains(s);
    if any("VMware") {
        Some("VMware")
    } else if any("VirtualBox") || v.contains("innotek") {
        Some("VirtualBox")
    } else if p.contains("KVM") {
        Some("KVM")
    } else if any("QEMU") {
        Some("QEMU")
    } else if v.contains("Microsoft") && p.contains("Virtual Machine") {
        Some("Hyper-V")
    } else if any("Xen") {
        Some("Xen")
    } else if v.contains("Amazon EC2") {
        Some("Amazon EC2")
    } else if p.contains("Google Compute Engine") {
        Some("Google Compute Engine")
    } else {
        None
    }
}

/// systemd-detect-virt when installed (on another host it is simply tried: a missing one
/// answers nothing `parse_detect_virt` reads), else the cpu flag, else DMI. A host read
/// under another root (`LANCTL_HOST_ROOT`) is judged by its files alone.
pub fn detect(ctx: &Ctx, host: &Host) -> Detection {
    let tool = !ctx.transport.is_local() || which::which("systemd-detect-virt").is_ok();
    if host.root() == std::path::Path::new("/") && tool {
        if let Ok(out) = ctx.runner.query_output(&ctx.on_host(detect_virt("systemd-detect-virt"))) {
            if let Some(vm) = parse_detect_virt(out.code, &out.stdout) {
                return Detection { vm, source: "systemd-detect-virt".into() };
            }
        }
    }
    from_files(host)
}

/// Detection without systemd-detect-virt: the cpu flag, else DMI.
pub fn from_files(host: &Host) -> Detection {
    let dmi = dmi_hypervisor(
        &host.read("/sys/class/dmi/id/sys_vendor").unwrap_or_default(),
        &host.read("/sys/class/dmi/id/product_name").unwrap_or_default(),
    );
    if host.read("/proc/cpuinfo").is_some_and(|t| cpu_has_hypervisor(&t)) {
        let vm = dmi.unwrap_or("a hypervisor").to_string();
        return Detection { vm: Some(vm), source: "/proc/cpuinfo".into() };
    }
    match dmi {
        Some(name) => Detection { vm: Some(name.into()), source: "/sys/class/dmi/id".into() },
        None => Detection { vm: None, source: "/proc/cpuinfo, /sys/class/dmi/id".into() },
    }
}

/// What a VM's virtual switch must allow for macvlan.
const SWITCH: &str = "allow promiscuous mode, forged transmits and MAC address changes on the VM's virtual switch port";

/// Clouds whose networks drop frames from MAC addresses they did not assign, whatever the
/// guest asks.
fn is_cloud(vm: &str) -> bool {
    let v = vm.to_ascii_lowercase();
    ["amazon", "google"].iter().any(|c| v.contains(c))
}

pub fn check(driver: Driver, d: &Detection) -> Check {
    let id = format!("hypervisor.{driver}");
    let src = &d.source;
    match (&d.vm, driver) {
        (None, _) => Check::new(id, Status::Ok, format!("no hypervisor detected ({src})"), ""),
        (Some(vm), Driver::Ipvlan) => Check::new(
            id,
            Status::Ok,
            format!("{vm} virtual machine ({src}): ipvlan uses the parent's MAC address, so the virtual switch needs no change"),
            "",
        ),
        (Some(vm), Driver::Macvlan) => {
            let detail = format!(
                "{vm} virtual machine ({src}): the virtual switch must pass frames from the containers' own MAC addresses"
            );
            if is_cloud(vm) {
                Check::new(id, Status::Warn, detail, "cloud networks drop frames from unknown MAC addresses: use --driver ipvlan")
                    .unless_broken(
                        Driver::Ipvlan,
                        "cloud networks drop frames from unknown MAC addresses; ipvlan avoids that but does not work on \
                         this host (`lanctl doctor --driver ipvlan` says why)",
                    )
            } else {
                Check::new(id, Status::Warn, detail, format!("{SWITCH}, or use --driver ipvlan"))
                    .unless_broken(Driver::Ipvlan, SWITCH)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_virt_output() {
        assert_eq!(parse_detect_virt(Some(0), "kvm\n"), Some(Some("kvm".into())));
        assert_eq!(parse_detect_virt(Some(1), "none\n"), Some(None));
        assert_eq!(parse_detect_virt(Some(1), ""), Some(None));
        assert_eq!(parse_detect_virt(Some(0), "none\n"), Some(None));
        assert_eq!(parse_detect_virt(Some(2), ""), None);
        assert_eq!(parse_detect_virt(None, ""), None);
        assert_eq!(detect_virt("systemd-detect-virt").to_string(), "systemd-detect-virt --vm");
    }

    #[test]
    fn cpu_flag() {
        let vm = "processor\t: 0\nflags\t\t: fpu vme de pse hypervisor lahf_lm\n";
        assert!(cpu_has_hypervisor(vm));
        assert!(!cpu_has_hypervisor("processor\t: 0\nflags\t\t: fpu vme de pse lahf_lm\n"));
        assert!(!cpu_has_hypervisor("model name\t: hypervisor-branded cpu\n"));
    }

    #[test]
    fn dmi_names() {
        assert_eq!(dmi_hypervisor("VMware, Inc.\n", "VMware Virtual Platform\n"), Some("VMware"));
        assert_eq!(dmi_hypervisor("innotek GmbH", "VirtualBox"), Some("VirtualBox"));
        assert_eq!(dmi_hypervisor("QEMU", "Standard PC (Q35 + ICH9, 2009)"), Some("QEMU"));
        assert_eq!(dmi_hypervisor("Red Hat", "KVM"), Some("KVM"));
        assert_eq!(dmi_hypervisor("Microsoft Corporation", "Virtual Machine"), Some("Hyper-V"));
        assert_eq!(dmi_hypervisor("Microsoft Corporation", "Surface Laptop 5"), None);
        assert_eq!(dmi_hypervisor("Xen", "HVM domU"), Some("Xen"));
        assert_eq!(dmi_hypervisor("Dell Inc.", "OptiPlex 7090"), None);
    }

    #[test]
    fn detection_from_files() {
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        assert_eq!(from_files(&host), Detection { vm: None, source: "/proc/cpuinfo, /sys/class/dmi/id".into() });
        std::fs::create_dir_all(dir.path().join("sys/class/dmi/id")).unwrap();
        std::fs::write(dir.path().join("sys/class/dmi/id/sys_vendor"), "QEMU\n").unwrap();
        std::fs::write(dir.path().join("sys/class/dmi/id/product_name"), "Standard PC\n").unwrap();
        assert_eq!(from_files(&host), Detection { vm: Some("QEMU".into()), source: "/sys/class/dmi/id".into() });
        std::fs::create_dir_all(dir.path().join("proc")).unwrap();
        std::fs::write(dir.path().join("proc/cpuinfo"), "flags\t: fpu hypervisor\n").unwrap();
        assert_eq!(from_files(&host), Detection { vm: Some("QEMU".into()), source: "/proc/cpuinfo".into() });
        std::fs::remove_file(dir.path().join("sys/class/dmi/id/sys_vendor")).unwrap();
        assert_eq!(from_files(&host).vm.as_deref(), Some("a hypervisor"));
    }

    #[test]
    fn verdict_depends_on_the_driver() {
        let vm = Detection { vm: Some("kvm".into()), source: "systemd-detect-virt".into() };
        let c = check(Driver::Macvlan, &vm);
        assert_eq!((c.id.as_str(), c.status), ("hypervisor.macvlan", Status::Warn));
        assert!(c.hint.contains("promiscuous mode"));
        assert_eq!(check(Driver::Ipvlan, &vm).status, Status::Ok);
        let cloud = Detection { vm: Some("amazon".into()), source: "systemd-detect-virt".into() };
        assert!(check(Driver::Macvlan, &cloud).hint.starts_with("cloud networks"));
        let none = Detection { vm: None, source: "systemd-detect-virt".into() };
        let c = check(Driver::Macvlan, &none);
        assert_eq!((c.status, c.detail.as_str()), (Status::Ok, "no hypervisor detected (systemd-detect-virt)"));
    }
}

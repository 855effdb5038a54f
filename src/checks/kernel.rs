//! Kernel checks: the release (`uname -r`) against each driver's minimum, and the kernel
//! config (`CONFIG_IPVLAN`, `CONFIG_MACVLAN`, `CONFIG_VLAN_8021Q`) with the module state.
//!
//! The config is a guess: a definitive probe (see `probe`) overrides it. Parsing is pure;
//! reading goes through `Host`, so unit tests give it their own files.

use std::path::Path;

use super::feature::Feature;
use super::host_reads::Host;
use super::probe::Outcome;
use super::{Check, Status};
use crate::engine::netspec::Driver;
use crate::exec::cmd::{Cmd, Query};
use crate::target::ctx::Ctx;

/// `MAJOR.MINOR` of a kernel release such as `6.8.0-45-generic` or `4.19.0+`.
pub fn parse_release(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.trim().split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

pub fn release_check(driver: Driver, release: Option<&str>) -> Check {
    let id = format!("kernel.release.{driver}");
    let (min_major, min_minor) = driver.min_kernel();
    let Some(release) = release else {
        return Check::new(id, Status::Warn, "cannot read the kernel release (/proc/sys/kernel/osrelease)", "");
    };
    match parse_release(release) {
        None => Check::new(id, Status::Warn, format!("cannot read a version from kernel release {release}"), ""),
        Some(v) if v >= (min_major, min_minor) => {
            Check::new(id, Status::Ok, format!("{release} ({driver} needs {min_major}.{min_minor} or later)"), "")
        }
        Some(_) => {
            let c = Check::new(
                id,
                Status::Fail,
                format!("kernel {release} is older than {min_major}.{min_minor}, which {driver} needs"),
                match driver {
                    Driver::Ipvlan => "upgrade the kernel, or use --driver macvlan (3.9 or later)",
                    Driver::Macvlan => "upgrade the kernel to 3.9 or later",
                },
            );
            match driver {
                Driver::Ipvlan => c.unless_broken(Driver::Macvlan, "upgrade the kernel to 4.2 or later"),
                Driver::Macvlan => c,
            }
        }
    }
}

/// Whether the kernel plainly lacks `driver`, from its release and config alone (no
/// probe): for a driver the report was not asked about.
pub fn lacks(host: &Host, driver: Driver, config: &Result<Config, String>, release: Option<&str>) -> bool {
    let feature = Feature::Driver(driver);
    release_check(driver, release).status == Status::Fail
        || guess(feature, &Evidence::gather(host, feature, config, release)).0 == Status::Fail
}

/// One option's value in a kernel config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigValue {
    /// `=y`
    Builtin,
    /// `=m`
    Module,
    /// `# CONFIG_X is not set`
    NotSet,
    /// Not mentioned at all (a menu it depends on is off).
    Absent,
    Other(String),
}

pub fn config_value(text: &str, key: &str) -> ConfigValue {
    let not_set = format!("# {key} is not set");
    for line in text.lines().map(str::trim) {
        if line == not_set {
            return ConfigValue::NotSet;
        }
        if let Some(v) = line.strip_prefix(key).and_then(|rest| rest.strip_prefix('=')) {
            return match v {
                "y" => ConfigValue::Builtin,
                "m" => ConfigValue::Module,
                "n" => ConfigValue::NotSet,
                other => ConfigValue::Other(other.to_string()),
            };
        }
    }
    ConfigValue::Absent
}

/// Whether a `modules.dep` or `modules.builtin` text lists `module` (`-` and `_` alike).
pub fn module_listed(text: &str, module: &str) -> bool {
    let want = module.replace('-', "_");
    text.lines().any(|line| {
        let path = line.split(':').next().unwrap_or("").trim();
        let file = path.rsplit('/').next().unwrap_or("");
        file.split(".ko").next().is_some_and(|stem| file.contains(".ko") && stem.replace('-', "_") == want)
    })
}

/// `gzip -dc PATH`: reads /proc/config.gz without a decompression crate.
pub fn gunzip(path: &Path) -> Query {
    Cmd::new("gzip").arg("-dc").arg(path.to_string_lossy()).query()
}

/// A kernel config's text and where it came from.
#[derive(Clone, Debug)]
pub struct Config {
    pub source: String,
    pub text: String,
}

/// Reads /proc/config.gz, else /boot/config-RELEASE. `Err` names where it looked.
pub fn read_config(ctx: &Ctx, host: &Host, release: Option<&str>) -> Result<Config, String> {
    let mut looked = vec!["/proc/config.gz".to_string()];
    if host.exists("/proc/config.gz") {
        if let Ok(out) = ctx.runner.query_output(&ctx.on_host(gunzip(&host.path("/proc/config.gz")))) {
            if out.success() && !out.stdout.is_empty() {
                return Ok(Config { source: "/proc/config.gz".into(), text: out.stdout });
            }
        }
    }
    if let Some(r) = release {
        let boot = format!("/boot/config-{r}");
        if let Some(text) = host.read(&boot) {
            return Ok(Config { source: boot, text });
        }
        looked.push(boot);
    }
    Err(looked.join(", "))
}

/// Everything the config guess rests on, read beforehand so the guess is pure.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    /// The option's value and the file it came from; `None` when no config was found.
    pub config: Option<(ConfigValue, String)>,
    /// Where the config was looked for, when none was found.
    pub looked: String,
    /// /sys/module/NAME exists.
    pub loaded: bool,
    /// modules.builtin lists it (`None`: unreadable).
    pub builtin: Option<bool>,
    /// modules.dep lists it (`None`: unreadable).
    pub installed: Option<bool>,
    /// `/lib/modules/RELEASE`.
    pub modules_dir: String,
    pub release: String,
}

impl Evidence {
    pub fn gather(host: &Host, feature: Feature, config: &Result<Config, String>, release: Option<&str>) -> Evidence {
        let module = feature.module();
        let release = release.unwrap_or("").to_string();
        let modules_dir = format!("/lib/modules/{release}");
        let listed = |file: &str| host.read(&format!("{modules_dir}/{file}")).map(|t| module_listed(&t, module));
        Evidence {
            config: config.as_ref().ok().map(|c| (config_value(&c.text, feature.config_key()), c.source.clone())),
            looked: config.as_ref().err().cloned().unwrap_or_default(),
            loaded: host.exists(&format!("/sys/module/{module}")),
            builtin: if release.is_empty() { None } else { listed("modules.builtin") },
            installed: if release.is_empty() { None } else { listed("modules.dep") },
            modules_dir,
            release,
        }
    }
}

/// What the config and module state suggest, before any probe.
pub fn guess(feature: Feature, e: &Evidence) -> (Status, String, String) {
    let key = feature.config_key();
    let module = feature.module();
    let ok = |detail: String| (Status::Ok, detail, String::new());
    match &e.config {
        Some((ConfigValue::Builtin, src)) => ok(format!("{key}=y ({src})")),
        Some((ConfigValue::Module, src)) if e.loaded => ok(format!("{key}=m ({src}), module loaded")),
        Some((ConfigValue::Module, src)) if e.installed == Some(false) => (
            Status::Warn,
            format!("{key}=m ({src}), but {module}.ko is not installed ({}/modules.dep)", e.modules_dir),
            format!("install the kernel's extra modules (e.g. linux-modules-extra-{})", e.release),
        ),
        Some((ConfigValue::Module, src)) => ok(format!("{key}=m ({src}), module not loaded (it loads on demand)")),
        Some((ConfigValue::NotSet, src)) => {
            (Status::Fail, format!("{key} is not set ({src})"), feature.unsupported_hint().to_string())
        }
        Some((ConfigValue::Absent, src)) => {
            (Status::Fail, format!("{key} is missing from {src}"), feature.unsupported_hint().to_string())
        }
        Some((ConfigValue::Other(v), src)) => (Status::Warn, format!("{key}={v} ({src})"), String::new()),
        None if e.loaded => ok(format!("module {module} loaded (/sys/module/{module}); no kernel config found")),
        None if e.builtin == Some(true) => ok(format!("{module} is built in ({}/modules.builtin)", e.modules_dir)),
        None if e.installed == Some(true) => {
            ok(format!("{module}.ko is installed ({}/modules.dep), not loaded (it loads on demand)", e.modules_dir))
        }
        None => (
            Status::Warn,
            format!("no kernel config found ({}) and module {module} is not loaded", e.looked),
            "the probe tells for sure: run lanctl doctor as root, without --dry-run".to_string(),
        ),
    }
}

/// The config check, with a definitive probe's answer taking precedence over the guess.
pub fn config_check(feature: Feature, e: &Evidence, probe: &Outcome) -> Check {
    let id = format!("kernel.config.{}", feature.suffix());
    let (status, detail, hint) = guess(feature, e);
    let link = feature.link();
    let c = match probe {
        Outcome::Supported if status != Status::Ok => {
            Check::new(id, Status::Ok, format!("{detail}, but the probe created {link}: supported"), "")
        }
        Outcome::Unsupported { .. } if status != Status::Fail => {
            Check::new(id, Status::Fail, format!("{detail}, but the probe could not create {link}"), feature.unsupported_hint())
        }
        _ => Check::new(id, status, detail, hint),
    };
    feature.fallback(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
#
# Automatically generated file; DO NOT EDIT.
CONFIG_MACVLAN=y
# CONFIG_IPVLAN is not set
CONFIG_VLAN_8021Q=m
CONFIG_IPVLAN_L3S=y
CONFIG_HZ=250
";

    #[test]
    fn release_parses_major_minor() {
        assert_eq!(parse_release("6.18.44-fc-v657"), Some((6, 18)));
        assert_eq!(parse_release("5.15.0-91-generic\n"), Some((5, 15)));
        assert_eq!(parse_release("4.19+"), Some((4, 19)));
        assert_eq!(parse_release("4.2"), Some((4, 2)));
        assert_eq!(parse_release("3.10.0-1160.el7.x86_64"), Some((3, 10)));
        assert_eq!(parse_release("garbage"), None);
    }

    #[test]
    fn release_is_compared_with_each_drivers_minimum() {
        assert_eq!(release_check(Driver::Ipvlan, Some("4.2.0")).status, Status::Ok);
        assert_eq!(release_check(Driver::Ipvlan, Some("4.19.0")).status, Status::Ok);
        let old = release_check(Driver::Ipvlan, Some("3.10.0-1160.el7.x86_64"));
        assert_eq!(old.status, Status::Fail);
        assert_eq!(old.id, "kernel.release.ipvlan");
        assert_eq!(old.detail, "kernel 3.10.0-1160.el7.x86_64 is older than 4.2, which ipvlan needs");
        assert_eq!(release_check(Driver::Macvlan, Some("3.10.0")).status, Status::Ok);
        assert_eq!(release_check(Driver::Macvlan, Some("3.8.13")).status, Status::Fail);
        assert_eq!(release_check(Driver::Macvlan, None).status, Status::Warn);
        assert_eq!(release_check(Driver::Macvlan, Some("x")).status, Status::Warn);
    }

    #[test]
    fn config_values() {
        assert_eq!(config_value(CONFIG, "CONFIG_MACVLAN"), ConfigValue::Builtin);
        assert_eq!(config_value(CONFIG, "CONFIG_IPVLAN"), ConfigValue::NotSet);
        assert_eq!(config_value(CONFIG, "CONFIG_VLAN_8021Q"), ConfigValue::Module);
        assert_eq!(config_value(CONFIG, "CONFIG_HZ"), ConfigValue::Other("250".into()));
        assert_eq!(config_value(CONFIG, "CONFIG_VETH"), ConfigValue::Absent);
        // A longer option sharing the prefix is not the option.
        assert_eq!(config_value("CONFIG_IPVLAN_L3S=y\n", "CONFIG_IPVLAN"), ConfigValue::Absent);
    }

    #[test]
    fn modules_lists() {
        let dep = "kernel/drivers/net/ipvlan/ipvlan.ko.zst: kernel/net/core/x.ko\nkernel/net/8021q/8021q.ko:\n";
        assert!(module_listed(dep, "ipvlan"));
        assert!(module_listed(dep, "8021q"));
        assert!(!module_listed(dep, "macvlan"));
        assert!(module_listed("kernel/drivers/net/macvlan.ko\n", "macvlan"));
        assert!(!module_listed("kernel/drivers/net/macvlan_extra.ko\n", "macvlan"));
    }

    #[test]
    fn gunzip_line() {
        assert_eq!(gunzip(Path::new("/proc/config.gz")).to_string(), "gzip -dc /proc/config.gz");
    }

    fn from_config(value: ConfigValue) -> Evidence {
        Evidence {
            config: Some((value, "/proc/config.gz".into())),
            modules_dir: "/lib/modules/6.1.0".into(),
            release: "6.1.0".into(),
            ..Default::default()
        }
    }

    #[test]
    fn guess_from_config() {
        let f = Feature::Driver(Driver::Ipvlan);
        assert_eq!(guess(f, &from_config(ConfigValue::Builtin)).1, "CONFIG_IPVLAN=y (/proc/config.gz)");
        let (s, d, h) = guess(f, &from_config(ConfigValue::NotSet));
        assert_eq!((s, d.as_str()), (Status::Fail, "CONFIG_IPVLAN is not set (/proc/config.gz)"));
        assert_eq!(h, "use --driver macvlan, or a kernel built with CONFIG_IPVLAN");
        assert_eq!(guess(f, &from_config(ConfigValue::Absent)).0, Status::Fail);
        let m = guess(f, &from_config(ConfigValue::Module));
        assert_eq!(
            (m.0, m.1.as_str()),
            (Status::Ok, "CONFIG_IPVLAN=m (/proc/config.gz), module not loaded (it loads on demand)")
        );
        let loaded = Evidence { loaded: true, ..from_config(ConfigValue::Module) };
        assert_eq!(guess(f, &loaded).1, "CONFIG_IPVLAN=m (/proc/config.gz), module loaded");
        let gone = Evidence { installed: Some(false), ..from_config(ConfigValue::Module) };
        let (s, d, h) = guess(f, &gone);
        assert_eq!(s, Status::Warn);
        assert_eq!(d, "CONFIG_IPVLAN=m (/proc/config.gz), but ipvlan.ko is not installed (/lib/modules/6.1.0/modules.dep)");
        assert_eq!(h, "install the kernel's extra modules (e.g. linux-modules-extra-6.1.0)");
    }

    #[test]
    fn guess_without_config() {
        let f = Feature::Vlan;
        let none = Evidence { looked: "/proc/config.gz, /boot/config-6.1.0".into(), ..Default::default() };
        let (s, d, _) = guess(f, &none);
        assert_eq!(s, Status::Warn);
        assert_eq!(d, "no kernel config found (/proc/config.gz, /boot/config-6.1.0) and module 8021q is not loaded");
        assert_eq!(guess(f, &Evidence { loaded: true, ..none.clone() }).0, Status::Ok);
        assert_eq!(guess(f, &Evidence { builtin: Some(true), ..none.clone() }).0, Status::Ok);
        assert_eq!(guess(f, &Evidence { installed: Some(true), ..none }).0, Status::Ok);
    }

    #[test]
    fn a_definitive_probe_overrides_the_guess() {
        let f = Feature::Driver(Driver::Ipvlan);
        let unknown = Evidence { looked: "/proc/config.gz".into(), ..Default::default() };
        let c = config_check(f, &unknown, &Outcome::Supported);
        assert_eq!(c.status, Status::Ok);
        assert!(c.detail.ends_with("but the probe created an ipvlan link: supported"), "{}", c.detail);
        let unsupported = Outcome::Unsupported { line: "ip link add".into(), said: "Unknown device type".into() };
        let c = config_check(f, &from_config(ConfigValue::Module), &unsupported);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.hint, "use --driver macvlan, or a kernel built with CONFIG_IPVLAN");
        let c = config_check(f, &from_config(ConfigValue::NotSet), &unsupported);
        assert_eq!((c.id.as_str(), c.detail.as_str()), ("kernel.config.ipvlan", "CONFIG_IPVLAN is not set (/proc/config.gz)"));
        let c = config_check(f, &from_config(ConfigValue::NotSet), &Outcome::Skipped("dry run".into()));
        assert_eq!(c.status, Status::Fail);
    }

    #[test]
    fn evidence_reads_sys_module_and_modules_lists() {
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        std::fs::create_dir_all(dir.path().join("sys/module/macvlan")).unwrap();
        std::fs::create_dir_all(dir.path().join("lib/modules/6.1.0")).unwrap();
        std::fs::write(dir.path().join("lib/modules/6.1.0/modules.dep"), "kernel/net/8021q/8021q.ko.xz:\n").unwrap();
        let cfg: Result<Config, String> = Err("/proc/config.gz, /boot/config-6.1.0".into());
        let mac = Evidence::gather(&host, Feature::Driver(Driver::Macvlan), &cfg, Some("6.1.0"));
        assert!(mac.loaded);
        assert_eq!(mac.installed, Some(false));
        assert_eq!(mac.builtin, None);
        let vlan = Evidence::gather(&host, Feature::Vlan, &cfg, Some("6.1.0"));
        assert!(!vlan.loaded);
        assert_eq!(vlan.installed, Some(true));
        let c = Config { source: "/boot/config-6.1.0".into(), text: CONFIG.into() };
        let ip = Evidence::gather(&host, Feature::Driver(Driver::Ipvlan), &Ok(c), Some("6.1.0"));
        assert_eq!(ip.config, Some((ConfigValue::NotSet, "/boot/config-6.1.0".into())));
    }
}

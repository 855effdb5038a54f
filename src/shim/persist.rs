//! Boot-time configuration that recreates a shim: systemd-networkd or ifupdown files,
//! printed, or written atomically (temp file and rename) where that system reads them.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use crate::engine::netspec::{Driver, NetSpec};
use crate::exec::error::{Error, Result};
use crate::shim::commands::kind_mode;
use crate::shim::{range_routes, range_routes6};
use crate::target::ctx::Ctx;

pub struct ShimConfig<'a> {
    pub spec: &'a NetSpec,
    pub ifname: &'a str,
    pub address: Ipv4Addr,
    /// Its IPv6 address, on a dual-stack network.
    pub address6: Option<Ipv6Addr>,
}

/// A file to write: where, and what.
#[derive(Debug, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
}

/// Where configuration goes: `/`, or `LANCTL_CONFIG_ROOT` so tests never touch /etc.
pub fn root() -> PathBuf {
    std::env::var_os("LANCTL_CONFIG_ROOT").filter(|r| !r.is_empty()).map(PathBuf::from).unwrap_or_else(|| "/".into())
}

const HEADER: &str = "# lanctl host-access shim for network ";

/// The first line of every file lanctl writes: it names the network, so the files can be
/// found again when the network is gone.
fn header(c: &ShimConfig) -> String {
    format!("{HEADER}{}: lets this host reach its tenants\n", c.spec.name)
}

/// A boot-time file lanctl wrote for a shim.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Persisted {
    pub network: String,
    pub ifname: String,
    pub path: PathBuf,
    /// The shim's IPv4 address the file gives it, if it gives one (the .netdev and the
    /// drop-in do not).
    pub address: Option<Ipv4Addr>,
}

/// The boot files of the host `ctx` drives. They are files of this machine, so for another
/// host there are none to find here (and none lanctl would remove here).
pub fn persisted_on(ctx: &Ctx) -> Vec<Persisted> {
    if ctx.transport.is_local() {
        persisted(&root())
    } else {
        Vec::new()
    }
}

/// Every file under `root` that lanctl wrote to bring a shim back at boot, found where
/// `ifupdown` and `networkd` put them and recognised by their first line.
pub fn persisted(root: &Path) -> Vec<Persisted> {
    let net_dir = root.join("etc/systemd/network");
    let mut places: Vec<(PathBuf, &str, &str)> = vec![
        (root.join("etc/network/interfaces.d"), "lanctl-", ""),
        (net_dir.clone(), "50-lanctl-", ".netdev"),
        (net_dir.clone(), "50-lanctl-", ".network"),
    ];
    let drop_ins = std::fs::read_dir(&net_dir).into_iter().flatten().filter_map(|e| e.ok()).map(|e| e.path());
    places.extend(drop_ins.filter(|p| p.to_string_lossy().ends_with(".network.d")).map(|d| (d, "lanctl-", ".conf")));
    let mut found = Vec::new();
    for (dir, prefix, suffix) in places {
        for path in std::fs::read_dir(&dir).into_iter().flatten().filter_map(|e| e.ok()).map(|e| e.path()) {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let Some(ifname) = name.strip_prefix(prefix).and_then(|n| n.strip_suffix(suffix)) else { continue };
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            let network = text.lines().next().and_then(|l| l.strip_prefix(HEADER)).and_then(|l| l.split_once(':'));
            if let Some((network, _)) = network {
                let address = address_in(&text);
                found.push(Persisted { network: network.to_string(), ifname: ifname.to_string(), path, address });
            }
        }
    }
    found.sort_by(|a, b| a.path.cmp(&b.path));
    found
}

/// The first IPv4 address a boot file gives the shim: ifupdown's `address IP/32`,
/// networkd's `Address=IP/32` (the IPv6 one, `/128`, is not an IPv4 address).
fn address_in(text: &str) -> Option<Ipv4Addr> {
    text.lines().find_map(|l| {
        let l = l.trim();
        let value = l.strip_prefix("address ").or_else(|| l.strip_prefix("Address="))?;
        value.trim().strip_suffix("/32")?.parse().ok()
    })
}

pub fn ifupdown(root: &Path, c: &ShimConfig) -> Vec<File> {
    let (kind, mode) = kind_mode(c.spec.driver);
    let mut text = header(c);
    text.push_str(&format!("auto {0}\niface {0} inet static\n    address {1}/32\n", c.ifname, c.address));
    text.push_str(&format!("    pre-up ip link add {} link {} type {kind} mode {mode}\n", c.ifname, c.spec.parent));
    for net in range_routes(c.spec) {
        text.push_str(&format!("    up ip route add {net} dev {}\n", c.ifname));
    }
    text.push_str(&format!("    post-down ip link delete {}\n", c.ifname));
    // ifupdown configures each family in its own stanza of the same interface, after the
    // inet one that made the link.
    if let Some(a6) = c.address6 {
        text.push_str(&format!("iface {} inet6 static\n    address {a6}/128\n", c.ifname));
        for net in range_routes6(c.spec) {
            text.push_str(&format!("    up ip -6 route add {net} dev {}\n", c.ifname));
        }
    }
    vec![File { path: root.join(format!("etc/network/interfaces.d/lanctl-{}", c.ifname)), text }]
}

/// Where systemd-networkd reads .network files, most important first.
const NETWORKD_DIRS: [&str; 4] = ["etc/systemd/network", "run/systemd/network", "usr/lib/systemd/network", "lib/systemd/network"];

/// systemd-networkd needs three pieces: the netdev, its network, and a line in the
/// parent's own .network file that attaches the shim. The last goes in a drop-in for
/// that file (`NAME.network.d/` under /etc, which networkd reads for a file of that name
/// in any of its directories), so the parent's file itself is never rewritten. Without
/// the parent's file there is no drop-in: `attach_line` says what to add by hand.
pub fn networkd(root: &Path, c: &ShimConfig, parent_file: Option<&Path>) -> Vec<File> {
    let dir = root.join(NETWORKD_DIRS[0]);
    let (kind, mode) = kind_mode(c.spec.driver);
    let section = kind.to_ascii_uppercase();
    let mode = if c.spec.driver == Driver::Ipvlan { mode.to_ascii_uppercase() } else { mode.to_string() };
    let netdev = format!("{}[NetDev]\nName={}\nKind={kind}\n\n[{section}]\nMode={mode}\n", header(c), c.ifname);
    let mut network = format!("{}[Match]\nName={}\n\n[Network]\nAddress={}/32\n", header(c), c.ifname, c.address);
    if let Some(a6) = c.address6 {
        network.push_str(&format!("Address={a6}/128\n"));
    }
    for net in range_routes(c.spec).into_iter().chain(range_routes6(c.spec)) {
        network.push_str(&format!("\n[Route]\nDestination={net}\n"));
    }
    let mut files = vec![
        File { path: dir.join(format!("50-lanctl-{}.netdev", c.ifname)), text: netdev },
        File { path: dir.join(format!("50-lanctl-{}.network", c.ifname)), text: network },
    ];
    if let Some(name) = parent_file.and_then(|f| f.file_name()) {
        let drop_in = dir.join(format!("{}.d", name.to_string_lossy())).join(format!("lanctl-{}.conf", c.ifname));
        files.push(File { path: drop_in, text: format!("{}[Network]\n{}\n", header(c), attach_line(c)) });
    }
    files
}

/// The `[Network]` line of the parent's .network file that attaches the shim.
pub fn attach_line(c: &ShimConfig) -> String {
    format!("{}={}", kind_mode(c.spec.driver).0.to_ascii_uppercase(), c.ifname)
}

/// The .network file of the parent: the first, in networkd's order of directories and
/// then of names, whose `[Match] Name=` names it.
pub fn find_parent_network_file(root: &Path, parent: &str) -> Option<PathBuf> {
    NETWORKD_DIRS.iter().find_map(|d| parent_file_in(&root.join(d), parent))
}

fn parent_file_in(dir: &Path, parent: &str) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "network"))
        .filter(|p| {
            std::fs::read_to_string(p).is_ok_and(|t| {
                t.lines().any(|l| l.trim().strip_prefix("Name=").is_some_and(|v| v.split_whitespace().any(|n| n == parent)))
            })
        })
        .collect();
    found.sort();
    found.into_iter().next()
}

fn networkd_dirs(root: &Path) -> String {
    NETWORKD_DIRS.iter().map(|d| root.join(d).display().to_string()).collect::<Vec<_>>().join(", ")
}

pub fn emit(ctx: &Ctx, kind: &str, c: &ShimConfig, write: bool) -> Result<()> {
    let root = root();
    let mut missing_parent = false;
    let files = match kind {
        "ifupdown" => ifupdown(&root, c),
        _ => {
            let parent_file = find_parent_network_file(&root, &c.spec.parent);
            missing_parent = parent_file.is_none();
            if write && missing_parent {
                return Err(Error::failed(format!(
                    "no .network file in {} matches {}; configure the parent with systemd-networkd first, \
                     or run without --write and add the {} line by hand",
                    networkd_dirs(&root),
                    c.spec.parent,
                    attach_line(c)
                )));
            }
            networkd(&root, c, parent_file.as_deref())
        }
    };
    if !write || ctx.dry_run() {
        for f in &files {
            crate::exec::out::line(format!("# {}\n{}", f.path.display(), f.text));
        }
        if missing_parent {
            crate::exec::out::line(format!(
                "# no .network file in {} matches {}: add this line to the [Network] section of the file\n\
                 # that configures it, for networkd to attach the shim\n# {}",
                networkd_dirs(&root),
                c.spec.parent,
                attach_line(c)
            ));
        }
        return Ok(());
    }
    for f in &files {
        write_atomically(&f.path, &f.text)?;
        ctx.note(format!("wrote {}", f.path.display()));
    }
    Ok(())
}

/// A reader sees the old file or the new one, never half of one.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let fail = |e: &dyn std::fmt::Display| {
        Error::failed(format!("cannot write {}: {e}", path.display())).hint("run as root, or check the directory")
    };
    let dir = path.parent().ok_or_else(|| fail(&"no parent directory"))?;
    std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| fail(&e))?;
    std::io::Write::write_all(&mut tmp, text.as_bytes()).map_err(|e| fail(&e))?;
    tmp.as_file().sync_all().map_err(|e| fail(&e))?;
    let tmp = tmp.into_temp_path();
    std::fs::set_permissions(&tmp, std::os::unix::fs::PermissionsExt::from_mode(0o644)).map_err(|e| fail(&e))?;
    tmp.persist(path).map_err(|e| fail(&e))?;
    Ok(())
}

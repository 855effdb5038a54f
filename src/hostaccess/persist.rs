//! Boot-time configuration that recreates a shim: systemd-networkd or ifupdown files,
//! printed, or written atomically (temp file and rename) where that system reads them.

use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

use crate::ctx::Ctx;
use crate::error::{Error, Result};
use crate::hostaccess::commands::kind_mode;
use crate::hostaccess::range_routes;
use crate::netspec::{Driver, NetSpec};

pub struct ShimConfig<'a> {
    pub spec: &'a NetSpec,
    pub ifname: &'a str,
    pub address: Ipv4Addr,
}

/// A file to write: where, and what.
#[derive(Debug, PartialEq, Eq)]
pub struct File {
    pub path: PathBuf,
    pub text: String,
}

/// Where configuration goes: `/`, or `LANCTL_CONFIG_ROOT` so tests never touch /etc.
fn root() -> PathBuf {
    std::env::var_os("LANCTL_CONFIG_ROOT").filter(|r| !r.is_empty()).map(PathBuf::from).unwrap_or_else(|| "/".into())
}

fn header(c: &ShimConfig) -> String {
    format!("# lanctl host-access shim for network {}: lets this host reach its tenants\n", c.spec.name)
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
    vec![File { path: root.join(format!("etc/network/interfaces.d/lanctl-{}", c.ifname)), text }]
}

/// systemd-networkd needs three pieces: the netdev, its network, and a line in the
/// parent's own .network file that attaches the shim; the last goes in a drop-in next to
/// the file that configures the parent, so the parent's file itself is never rewritten.
pub fn networkd(root: &Path, c: &ShimConfig, parent_file: Option<&Path>) -> Vec<File> {
    let dir = root.join("etc/systemd/network");
    let (kind, mode) = kind_mode(c.spec.driver);
    let section = kind.to_ascii_uppercase();
    let mode = if c.spec.driver == Driver::Ipvlan { mode.to_ascii_uppercase() } else { mode.to_string() };
    let netdev = format!("{}[NetDev]\nName={}\nKind={kind}\n\n[{section}]\nMode={mode}\n", header(c), c.ifname);
    let mut network = format!("{}[Match]\nName={}\n\n[Network]\nAddress={}/32\n", header(c), c.ifname, c.address);
    for net in range_routes(c.spec) {
        network.push_str(&format!("\n[Route]\nDestination={net}\n"));
    }
    let attach = format!("{}[Network]\n{section}={}\n", header(c), c.ifname);
    let attach_path = match parent_file {
        Some(f) => PathBuf::from(format!("{}.d", f.display())).join(format!("lanctl-{}.conf", c.ifname)),
        None => dir.join(format!("<the .network file of {}>.d/lanctl-{}.conf", c.spec.parent, c.ifname)),
    };
    vec![
        File { path: dir.join(format!("50-lanctl-{}.netdev", c.ifname)), text: netdev },
        File { path: dir.join(format!("50-lanctl-{}.network", c.ifname)), text: network },
        File { path: attach_path, text: attach },
    ]
}

/// The .network file under `dir` whose `[Match] Name=` names the parent.
pub fn find_parent_network_file(dir: &Path, parent: &str) -> Option<PathBuf> {
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

pub fn emit(ctx: &Ctx, kind: &str, c: &ShimConfig, write: bool) -> Result<()> {
    let root = root();
    let files = match kind {
        "ifupdown" => ifupdown(&root, c),
        _ => {
            let dir = root.join("etc/systemd/network");
            let parent_file = find_parent_network_file(&dir, &c.spec.parent);
            if write && parent_file.is_none() {
                return Err(Error::failed(format!(
                    "no .network file in {} matches {}; configure the parent with systemd-networkd first, \
                     or run without --write and add the {} line by hand",
                    dir.display(),
                    c.spec.parent,
                    kind_mode(c.spec.driver).0.to_ascii_uppercase()
                )));
            }
            networkd(&root, c, parent_file.as_deref())
        }
    };
    if !write || ctx.dry_run() {
        for f in &files {
            crate::out::line(format!("# {}\n{}", f.path.display(), f.text));
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

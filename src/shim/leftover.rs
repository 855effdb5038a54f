//! What a network leaves on the host besides itself: its host-access shim, found by what
//! it is, and the files that bring the shim back at boot. `net rm` and `host-access
//! --remove` remove them (the files only with `--yes`); doctor reports those whose network
//! is gone.

use std::path::{Path, PathBuf};

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};

use super::persist::{self, Persisted};
use super::{commands, default_ifname, find_shim, is_shim_kind, range_routes, routes, shim_of_link, Shim};
use crate::engine::model::IpLink;
use crate::engine::netspec::NetSpec;
use crate::exec::cmd::{Change, Cmd};
use crate::exec::error::{Error, Result};
use crate::target::ctx::Ctx;

/// A network's shim and boot files, as found on the host.
#[derive(Clone, Debug, Default)]
pub struct Leftovers {
    pub network: String,
    pub shim: Option<Shim>,
    pub files: Vec<PathBuf>,
}

/// `rm -f -- PATH`: a file removal is a command like any change, so a dry run prints it.
pub fn file_rm(path: &Path) -> Change {
    Cmd::new("rm").args(["-f", "--"]).arg(path.to_string_lossy()).change()
}

impl Leftovers {
    pub fn is_empty(&self) -> bool {
        self.shim.is_none() && self.files.is_empty()
    }

    /// "the shim lc-lan (198.51.100.254)", "boot files F, G", or both.
    pub fn describe(&self) -> String {
        let shim = self.shim.as_ref().map(|s| match s.address {
            Some(a) => format!("the shim {} ({a})", s.ifname),
            None => format!("the shim {}", s.ifname),
        });
        let files = (!self.files.is_empty()).then(|| format!("boot files {}", self.file_list()));
        shim.into_iter().chain(files).collect::<Vec<_>>().join(" and ")
    }

    fn file_list(&self) -> String {
        self.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
    }

    /// Refuses, before anything changes, to leave behind files that would bring the shim
    /// back at the next boot: they go only with `--yes`.
    pub fn check(&self, ctx: &Ctx) -> Result<()> {
        if self.files.is_empty() || ctx.yes {
            return Ok(());
        }
        Err(Error::usage(format!(
            "network {}'s host-access shim comes back at every boot from {}; pass --yes to remove these files too, \
             or delete them first",
            self.network,
            self.file_list()
        )))
    }

    /// Deletes the shim (its address and routes go with the link), then its boot files.
    pub fn remove(&self, ctx: &Ctx) -> Result<()> {
        if let Some(s) = &self.shim {
            ctx.runner.change(&commands::link_del(&ctx.ip, &s.ifname))?;
            if !ctx.dry_run() {
                let addr = s.address.map(|a| format!(" ({a})")).unwrap_or_default();
                ctx.note(format!("removed the host-access shim {}{addr} and its routes", s.ifname));
            }
        }
        for f in &self.files {
            ctx.runner.change(&file_rm(f))?;
            if !ctx.dry_run() {
                ctx.note(format!("removed {}", f.display()));
            }
        }
        Ok(())
    }
}

/// The shim and boot files of an existing network. The shim is a macvlan/ipvlan child of
/// the parent with an address in the subnet that is plainly this network's: named
/// `lc-NET` or in its boot files, or routing part of its range. `ifname` names it instead
/// (it must still be such a child).
pub fn of_network(ctx: &Ctx, spec: &NetSpec, links: &[IpLink], ifname: Option<&str>) -> Result<Leftovers> {
    let files: Vec<Persisted> = persist::persisted_on(ctx).into_iter().filter(|p| p.network == spec.name).collect();
    let child = |l: &&IpLink| is_shim_kind(l) && l.link.as_deref() == Some(spec.parent.as_str());
    let shim = match ifname {
        Some(name) => links.iter().filter(child).find(|l| l.ifname == name),
        None => {
            let named = |l: &&IpLink| l.ifname == default_ifname(&spec.name) || files.iter().any(|p| p.ifname == l.ifname);
            let in_subnet = |l: &&IpLink| l.ipv4().any(|(ip, _)| spec.subnet.contains(&IpAddr::V4(ip)));
            let candidates: Vec<&IpLink> = links.iter().filter(child).filter(in_subnet).collect();
            let mut found = candidates.iter().copied().find(named);
            if found.is_none() {
                for l in candidates {
                    if routes_range(ctx, spec, &l.ifname)? {
                        found = Some(l);
                        break;
                    }
                }
            }
            found
        }
    }
    .map(|l| shim_of_link(l, spec.subnet, spec.v6.as_ref().map(|v| v.subnet)));
    Ok(Leftovers { network: spec.name.clone(), shim, files: files.into_iter().map(|p| p.path).collect() })
}

/// Whether `ifname` routes part of the network's range: what a shim is for.
fn routes_range(ctx: &Ctx, spec: &NetSpec, ifname: &str) -> Result<bool> {
    let want = range_routes(spec);
    Ok(routes(ctx, ifname)?.iter().any(|r: &IpNet| want.iter().any(|w| w.contains(r) || r.contains(w))))
}

/// What a network that is gone left: the macvlan/ipvlan link `ifname` (default `lc-NET`),
/// and its boot files. A link of that name of another kind is not a shim: an error.
pub fn of_gone(ctx: &Ctx, net: &str, links: &[IpLink], ifname: Option<&str>) -> Result<Leftovers> {
    let name = ifname.map(str::to_string).unwrap_or_else(|| default_ifname(net));
    let files: Vec<PathBuf> = persist::persisted_on(ctx).into_iter().filter(|p| p.network == net).map(|p| p.path).collect();
    let shim = match links.iter().find(|l| l.ifname == name) {
        Some(l) if is_shim_kind(l) => Some(shim_of_link(l, Ipv4Net::default().into(), None)),
        Some(l) => {
            let kind = l.linkinfo.as_ref().map_or("plain", |k| k.info_kind.as_str());
            return Err(Error::usage(format!(
                "{name} is a {kind} interface, not a host-access shim; nothing removed; name the shim with --ifname"
            )));
        }
        None => None,
    };
    Ok(Leftovers { network: net.to_string(), shim, files })
}

/// A shim or boot files whose network does not exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Orphan {
    pub ifname: String,
    /// The live link, if there is one.
    pub shim: Option<Shim>,
    /// The network it was made for, when its name or boot files tell.
    pub network: Option<String>,
    pub files: Vec<PathBuf>,
}

/// Shims lanctl made (named `lc-…`, or in lanctl's boot files) that belong to none of
/// `nets`, and boot files of networks that are gone. Pure: from state read before.
pub fn orphans(nets: &[NetSpec], links: &[IpLink], files: &[Persisted]) -> Vec<Orphan> {
    // A live network's shim is the one `host-access` itself would use.
    let owned = |l: &IpLink| {
        nets.iter().any(|n| {
            l.ifname == default_ifname(&n.name)
                || files.iter().any(|p| p.network == n.name && p.ifname == l.ifname)
                || find_shim(links, n, None).is_some_and(|s| s.ifname == l.ifname)
        })
    };
    let gone_files = |ifname: &str| -> Vec<&Persisted> {
        files.iter().filter(|p| p.ifname == ifname && !nets.iter().any(|n| n.name == p.network)).collect()
    };
    let mut out: Vec<Orphan> = links
        .iter()
        .filter(|l| is_shim_kind(l) && (l.ifname.starts_with("lc-") || files.iter().any(|p| p.ifname == l.ifname)))
        .filter(|l| !owned(l))
        .map(|l| {
            let mine = gone_files(&l.ifname);
            let network = mine
                .first()
                .map(|p| p.network.clone())
                .or_else(|| l.ifname.strip_prefix("lc-").filter(|n| default_ifname(n) == l.ifname).map(str::to_string));
            Orphan {
                ifname: l.ifname.clone(),
                shim: Some(shim_of_link(l, Ipv4Net::default().into(), None)),
                network,
                files: mine.iter().map(|p| p.path.clone()).collect(),
            }
        })
        .collect();
    for p in files.iter().filter(|p| !nets.iter().any(|n| n.name == p.network)) {
        if out.iter().any(|o| o.ifname == p.ifname) {
            continue;
        }
        let files = gone_files(&p.ifname).iter().map(|p| p.path.clone()).collect();
        out.push(Orphan { ifname: p.ifname.clone(), shim: None, network: Some(p.network.clone()), files });
    }
    out
}

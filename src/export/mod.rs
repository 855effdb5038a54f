//! `lanctl export FORMAT [NET]`: a lanctl network's tenants for the systems around it, so
//! the LAN's DHCP server keeps their addresses and its DNS knows their names. `dnsmasq`
//! (`dnsmasq.rs`), `hosts` (`hosts.rs`) and `kea` (`kea.rs`) render one value (`list.rs`:
//! the network and its tenants by address); `cni` (`cni.rs`) and `k8s` (`k8s.rs`) hand a
//! slice of the range to a cluster; `--json` prints the list of tenants as it is.
//!
//! A read: two queries at once (the network, the host's tenants), one more for stopped
//! tenants, and nothing that changes the host, so it runs under `--dry-run` too. Why its
//! own folder: it is a command (rank 7) that shares nothing with the others but what
//! `state` reads.

pub mod cni;
pub mod dnsmasq;
pub mod hosts;
pub mod k8s;
pub mod kea;
pub mod list;

use std::time::SystemTime;

use crate::engine::labels;
use crate::engine::model::PsLine;
use crate::engine::netspec::{AddrRange, CLUSTER_SUFFIX};
use crate::exec::error::{Error, Result};
use crate::state;
use crate::target::ctx::Ctx;

/// What an export is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Dnsmasq,
    Hosts,
    Kea,
    Cni,
    K8s,
}

impl Format {
    /// Every format, in the order help and errors list them.
    pub const ALL: &'static [Format] = &[Format::Dnsmasq, Format::Hosts, Format::Kea, Format::Cni, Format::K8s];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Dnsmasq => "dnsmasq",
            Format::Hosts => "hosts",
            Format::Kea => "kea",
            Format::Cni => "cni",
            Format::K8s => "k8s",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.as_str() == s)
    }

    /// Whether it hands a slice of the range to a cluster (and so needs `--slice`).
    pub fn takes_slice(self) -> bool {
        matches!(self, Format::Cni | Format::K8s)
    }

    /// The formats as a list for a message: `dnsmasq, hosts, kea, cni, k8s`.
    pub fn names() -> String {
        Format::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(", ")
    }
}

/// `export`'s input: the format, the network (the only one when `None`), the slice of a
/// `cni` or `k8s` export, and the time the header names (`SOURCE_DATE_EPOCH` when set, so
/// an export can be reproduced).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportInput {
    pub format: Format,
    pub net: Option<String>,
    /// Given exactly when `format.takes_slice()` (checked by `input`).
    pub slice: Option<AddrRange>,
    pub at: SystemTime,
}

pub fn export(ctx: &Ctx, input: &ExportInput) -> Result<()> {
    // A slice given to a cluster is recorded under the host-wide lock, taken before the
    // tenants are read: an `up` then either ran before (its tenant is seen, and a slice over
    // it refused) or after (it reads the record and skips the slice).
    let _lock = if input.slice.is_some() { ctx.lock()? } else { None };
    // Only lanctl's networks count (`resolve_network` refuses any other with exit 2), and
    // only containers with lanctl's tenant label.
    let (found, lines) = crate::exec::at_once::two(
        || state::resolve_network(ctx, input.net.as_deref()),
        || ctx.runner.query_lines::<PsLine>(&ctx.docker.ps_all(&[format!("label={}", labels::TENANT)])),
    );
    let (spec, net) = found?;
    let lines: Vec<PsLine> = lines?.into_iter().filter(|l| l.attached_to(&spec.name)).collect();
    let attached = state::attached_from(ctx, &spec.name, &lines, Some(&net))?;
    let (export, skipped) = list::build(&spec, &lines, &attached, crate::exec::clock::utc_seconds(input.at));
    for name in skipped {
        ctx.note(format!("export: container {name} is left out: its name is no hostname (see `lanctl ls`)"));
    }
    if let Some(slice) = input.slice {
        if let Some(why) = cni::refuse_slice(&export, slice) {
            return Err(Error::usage(why));
        }
    }
    if ctx.json {
        ctx.print_json(&export.entries);
        return Ok(());
    }
    let text = match input.format {
        Format::Dnsmasq => dnsmasq::render(&export),
        Format::Hosts => hosts::render(&export),
        Format::Kea => {
            let (text, left_out) = kea::render(&export);
            for line in left_out {
                ctx.note(line);
            }
            text
        }
        Format::Cni | Format::K8s => {
            // `input` gives these formats a slice; the words are for a caller that did not.
            let Some(slice) = input.slice else {
                return Err(Error::usage(format!("export {}: needs --slice START-END", input.format.as_str())));
            };
            if input.format == Format::K8s {
                if let Some(why) = k8s::refuse_name(&export.network) {
                    return Err(Error::usage(why));
                }
            }
            record_slice(ctx, &spec.name, slice)?;
            if input.format == Format::Cni {
                cni::render(&export, slice)
            } else {
                k8s::render(&export, slice)
            }
        }
    };
    crate::exec::out::print(&text);
    Ok(())
}

/// Records `slice` as the one network `net` gives a cluster (its cluster record, see
/// `Docker::cluster_record_create`), so `up` and `apply` never give a Docker tenant an
/// address of it and `net show` lists it. The same slice again changes nothing; another one
/// is refused while the record stands, since pods may hold addresses of the first.
fn record_slice(ctx: &Ctx, net: &str, slice: AddrRange) -> Result<()> {
    match state::cluster_slice(ctx, net)? {
        Some(had) if had == slice => Ok(()),
        Some(had) => Err(Error::usage(format!(
            "export: network {net} already gives a cluster {had} (recorded on {net}{CLUSTER_SUFFIX}); export with --slice \
             {had}, or once no pod holds an address of it, remove the record with `docker network rm {net}{CLUSTER_SUFFIX}`"
        ))),
        None => {
            ctx.runner.change(&ctx.docker.cluster_record_create(net, &slice.to_string()))?;
            if !ctx.dry_run() {
                ctx.note(format!("export: recorded {slice} as network {net}'s cluster slice; `lanctl up` gives no Docker tenant an address of it"));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name() {
        for f in Format::ALL {
            assert_eq!(Format::parse(f.as_str()), Some(*f));
        }
        assert_eq!(Format::parse("Dnsmasq"), None);
        assert_eq!(Format::names(), "dnsmasq, hosts, kea, cni, k8s");
    }
}

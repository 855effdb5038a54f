//! The gratuitous ARP after a start, from the MACs docker gave the tenants: native only,
//! never in a dry run, and a failure only warns.

use std::net::IpAddr;

use crate::engine::netspec::NetSpec;
use crate::target::ctx::Ctx;

/// Announces the addresses of tenants that just started, from the MACs docker gave them
/// (one read for the batch), with `arping::announce`: native only, never in a dry run, a
/// failure only warns. Skipped with a note under `-v` where it cannot run.
pub fn announce(ctx: &Ctx, net: &NetSpec, names: &[&str]) {
    if announcing(ctx, names) {
        announce_read(ctx, net, names);
    }
}

/// Like `announce` for tenants of the network named `network` (`update`, which knows only
/// the name): the network's parent is read only when the announcement can run.
pub fn announce_on(ctx: &Ctx, network: &str, names: &[&str]) {
    if !announcing(ctx, names) {
        return;
    }
    match crate::state::resolve_network(ctx, Some(network)) {
        Ok((net, _)) => announce_read(ctx, &net, names),
        Err(e) => ctx.note(format!("warning: cannot read network {network} to announce {}: {e}", names.join(" "))),
    }
}

pub fn announcing(ctx: &Ctx, names: &[&str]) -> bool {
    if ctx.dry_run() || names.is_empty() {
        return false;
    }
    match crate::lan::prober::cannot_announce(ctx) {
        None => true,
        Some(why) => {
            if ctx.runner.verbose {
                ctx.note(format!("no ARP announcement for {}: {why}", names.join(" ")));
            }
            false
        }
    }
}

fn announce_read(ctx: &Ctx, net: &NetSpec, names: &[&str]) {
    let containers = match crate::state::containers_named(ctx, names) {
        Ok(c) => c,
        Err(e) => return ctx.note(format!("warning: cannot read the MACs of {} to announce them: {e}", names.join(" "))),
    };
    // A dual-stack tenant's IPv6 address is at the same MAC (an unsolicited NA for it).
    let tenants: Vec<(IpAddr, crate::lan::arp::Mac)> = containers
        .iter()
        .filter_map(|c| {
            let ep = c.network_settings.networks.get(&net.name)?;
            let mac = ep.mac_address.parse().ok()?;
            Some(std::iter::once((c.address_on(&net.name)?, mac)).chain(c.address6_on(&net.name).map(|a| (a, mac))))
        })
        .flatten()
        .collect();
    crate::lan::prober::announce(ctx, &net.parent, &tenants);
}

//! Lowering `net create --hosts` and `up --hosts`, checked whole before anything runs
//! (exit 2, one line); the rules of hosts, parents and slices are `provision::slices`.
use crate::cli::NetCreateArgs;
use crate::engine::netspec::{self, NetInput, NetSpec};
use crate::exec::error::{Error, Result};
use crate::net::NetCreateInput;
use crate::provision::slices::{host_names, multi_net};
use crate::target::ctx::Config;
use crate::tenant::place::UpOnHosts;
use crate::tenant::up::UpInput;

use super::{Hosts, Order, Request};

/// `net create`, on one host or, with `--hosts`, on several.
pub fn net_create(a: &NetCreateArgs, host: Option<&str>) -> Result<Request> {
    if a.swarm && a.hosts.is_empty() {
        return Err(Error::usage("--swarm needs --hosts, the swarm's nodes that each get a slice; name them"));
    }
    if let Some(subnet) = netspec::ipv6_only(&a.subnet) {
        return Ok(Request { hosts: Hosts::One, order: Order::NetCreateIpv6Only(subnet.to_string()) });
    }
    if a.hosts.is_empty() {
        let order = Order::NetCreate(NetCreateInput { spec: one_host(a)?, check_dhcp: a.check_dhcp });
        return Ok(Request { hosts: Hosts::One, order });
    }
    if host.is_some() {
        return Err(Error::usage("--host and --hosts both name hosts; name them all with --hosts and leave --host out"));
    }
    let base = input(a)?;
    if let Some(v6) = base.v6 {
        return Err(Error::usage(format!(
            "--subnet {} with --hosts: dual-stack networks on several hosts are not supported yet; leave the IPv6 flags out or create it per host",
            v6.subnet
        )));
    }
    let m = multi_net(&base, &a.hosts, &a.parent, &a.slice)?;
    Ok(Request { hosts: Hosts::Named, order: Order::NetCreateShared { net: m, swarm: a.swarm } })
}

fn one_host(a: &NetCreateArgs) -> Result<NetSpec> {
    if let Some(s) = a.slice.first() {
        return Err(Error::usage(format!("--slice {s} needs --hosts; name the hosts with --hosts H1,H2")));
    }
    match a.parent.as_slice() {
        [parent] => netspec::validate(&NetInput { parent, ..input(a)? }),
        _ => Err(Error::usage(format!(
            "--parent is given {} times for one host; give one, or name the hosts with --hosts and give --parent HOST=IF",
            a.parent.len()
        ))),
    }
}

/// The flags as `netspec` takes them, `--subnet`, `--gateway` and `--ip-range` split by
/// family.
fn input(a: &NetCreateArgs) -> Result<NetInput<'_>> {
    let f = netspec::families(&a.subnet, &a.gateway, &a.ip_range)?;
    Ok(NetInput {
        name: &a.name,
        driver: a.driver,
        parent: "",
        subnet: f.subnet,
        gateway: f.gateway,
        ip_range: f.ip_range,
        mode: a.mode.as_deref(),
        aux: &a.aux_address,
        vlan: a.vlan,
        v6: f.v6,
    })
}

/// `up --hosts`: the hosts, `--net` (the network they share) and `--host`, which must be
/// one of them; `--host` moves from the run's configuration into the placement, so the
/// run itself reads no host before the placement does.
pub fn up_on_hosts(up: UpInput, names: &[String], config: &mut Config) -> Result<Order> {
    let hosts = host_names(names)?;
    let Some(net) = up.tenants.first().and_then(|t| t.net.clone()) else {
        return Err(Error::usage("--hosts needs --net NET, the network the hosts share; name it"));
    };
    if let Some(on) = config.host.as_ref().filter(|h| !hosts.contains(h)) {
        return Err(Error::usage(format!(
            "--host {on} is not in --hosts {}; add it there, or leave --host out",
            hosts.join(",")
        )));
    }
    let on = config.host.take();
    Ok(Order::UpPlaced(UpOnHosts { up, hosts, on, net }))
}

//! The rules of one network on several hosts, lowered and checked whole before anything
//! runs (exit 2, one line): shared by `net create --hosts` and a fleet file's network with
//! `hosts`.
//!
//! Every host is a docker context name, named once; a `--parent HOST=IF` or a
//! `--slice HOST=START-END` names a host of `--hosts`, once; one plain `--parent` is the
//! parent of every host not named in a `HOST=IF`, and every host ends up with one;
//! slices lie inside `--ip-range`, do not overlap, and are given for every host or for
//! none (then the range is split evenly, in the order of `--hosts`).

use crate::engine::netspec::valid_docker_name;
use crate::engine::netspec::{self, AddrRange, NetInput, NetSpec};
use crate::exec::error::{Error, Result};
use crate::provision::multi::{MultiNet, Placement};

/// One network on several hosts (`net create --hosts`, a fleet file's network with
/// `hosts`): `base` with each host's parent (from `parents`: `HOST=IF`, or one plain IF)
/// and slice (from `slices`, `HOST=START-END`, or an even split of `base.ip_range`).
pub fn multi_net(base: &NetInput, hosts: &[String], parents: &[String], slices: &[String]) -> Result<MultiNet> {
    let hosts = host_names(hosts)?;
    let parents = self::parents(parents, &hosts)?;
    // The whole network once, with the first host's parent: every rule but the parents'.
    let whole = netspec::validate(&NetInput { parent: &parents[0], ..*base })?;
    let slices = self::slices(slices, &hosts, whole.range)?;
    let mut placements = Vec::with_capacity(hosts.len());
    for ((host, parent), slice) in hosts.iter().zip(&parents).zip(slices) {
        let range = slice.to_string();
        let spec = netspec::validate(&NetInput { parent, ip_range: &range, ..*base })?;
        placements.push(Placement { host: host.clone(), spec: NetSpec { reservation: Some(whole.range), ..spec } });
    }
    Ok(MultiNet { reservation: whole.range, placements })
}

pub fn host_names(names: &[String]) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for h in names {
        if !valid_docker_name(h) {
            return Err(Error::usage(format!("--hosts {h:?} is not a docker context name; list them with `docker context ls`")));
        }
        if out.contains(h) {
            return Err(Error::usage(format!("--hosts names {h} twice; name each host once")));
        }
        out.push(h.clone());
    }
    Ok(out)
}

/// `HOST=VALUE` for a host of `hosts`, or `None` for a plain value.
fn for_host<'a>(flag: &str, item: &'a str, hosts: &[String]) -> Result<Option<(&'a str, &'a str)>> {
    let Some((host, value)) = item.split_once('=') else { return Ok(None) };
    if !hosts.iter().any(|h| h == host) {
        return Err(Error::usage(format!(
            "{flag} {item} names host {host:?}, which is not in --hosts {}; name a host of --hosts",
            hosts.join(",")
        )));
    }
    Ok(Some((host, value)))
}

/// Each host's parent, in the order of `hosts`.
fn parents(items: &[String], hosts: &[String]) -> Result<Vec<String>> {
    let mut plain: Option<&str> = None;
    let mut named: Vec<(&str, &str)> = Vec::new();
    for item in items {
        match for_host("--parent", item, hosts)? {
            Some((host, _)) if named.iter().any(|(h, _)| *h == host) => {
                return Err(Error::usage(format!("--parent names host {host} twice; give each host one parent")));
            }
            Some(pair) => named.push(pair),
            None if plain.is_some() => {
                return Err(Error::usage(format!(
                    "--parent {item} is a second parent for every host; give one plain --parent, and HOST=IF for the others"
                )));
            }
            None => plain = Some(item),
        }
    }
    hosts
        .iter()
        .map(|h| {
            named.iter().find(|(n, _)| n == h).map(|(_, p)| *p).or(plain).map(String::from).ok_or_else(|| {
                Error::usage(format!("--parent has none for host {h}; give --parent {h}=IF, or one plain --parent for all hosts"))
            })
        })
        .collect()
}

/// Each host's slice of `range`, in the order of `hosts`.
fn slices(items: &[String], hosts: &[String], range: AddrRange) -> Result<Vec<AddrRange>> {
    if items.is_empty() {
        return range.split(hosts.len() as u64).ok_or_else(|| {
            Error::usage(format!(
                "--ip-range {range} has {} addresses, fewer than the {} hosts; give a larger range or fewer hosts",
                range.len(),
                hosts.len()
            ))
        });
    }
    let mut given: Vec<(&str, AddrRange)> = Vec::new();
    for item in items {
        let Some((host, value)) = for_host("--slice", item, hosts)? else {
            return Err(Error::usage(format!(
                "--slice {item} is not HOST=START-END; write it like h2=192.168.23.116-192.168.23.131"
            )));
        };
        let slice = AddrRange::parse(value)
            .filter(|r| r.start <= r.end)
            .ok_or_else(|| Error::usage(format!("--slice {item}: {value} is not a range; write START-END with START <= END")))?;
        if slice.start.is_ipv6() {
            return Err(Error::usage(format!("--slice {item} is IPv6; IPv6 networks are not supported yet")));
        }
        if given.iter().any(|(h, _)| *h == host) {
            return Err(Error::usage(format!("--slice names host {host} twice; give each host one slice")));
        }
        if !range.contains(slice.start) || !range.contains(slice.end) {
            return Err(Error::usage(format!("--slice {item} is not inside --ip-range {range}; give a part of it")));
        }
        if let Some((other, r)) = given.iter().find(|(_, r)| r.overlaps(&slice)) {
            return Err(Error::usage(format!(
                "--slice {item} overlaps --slice {other}={r}; give each host addresses of its own"
            )));
        }
        given.push((host, slice));
    }
    hosts
        .iter()
        .map(|h| {
            given.iter().find(|(n, _)| n == h).map(|(_, r)| *r).ok_or_else(|| {
                Error::usage(format!(
                    "--slice has none for host {h}; give every host of --hosts a slice, or none for an even split"
                ))
            })
        })
        .collect()
}

//! `lanctl up --hosts h1,h2 --net NET`: tenants of a network that several hosts share,
//! placed on one of them.
//!
//! The rule, in order: a tenant asked for that already exists on one of the hosts keeps
//! its host (so running the same `up` again changes nothing); `--host H` places on H; else
//! the host with the most free addresses in its slice, the first in `--hosts` order on a
//! tie. A tenant name lives on one host of the network only: a name found on another host
//! than the one chosen is refused (exit 2, naming that host), before anything changes.
//! Every host is read at once (its network's pool and the tenants of those names); then
//! `up` runs on the chosen host as it does on one host.

use crate::engine::labels;
use crate::exec::at_once;
use crate::exec::error::{Error, Result};
use crate::state;
use crate::target::ctx::{Config, Ctx};
use crate::target::fanout::{self, Host};
use crate::tenant::up::{self, UpInput};

/// `up --hosts`, lowered.
pub struct UpOnHosts {
    pub up: UpInput,
    /// The hosts that share the network, in the order given.
    pub hosts: Vec<String>,
    /// `--host H`: the host to place on; one of `hosts`.
    pub on: Option<String>,
    pub net: String,
}

/// What one host has: free addresses of the network, and the asked-for tenants it holds.
struct Seen {
    free: u64,
    tenants: Vec<String>,
}

pub fn up(config: &Config, a: &UpOnHosts) -> Result<()> {
    let hosts = fanout::connect(config, &a.hosts)?;
    let names: Vec<&str> = a.up.tenants.iter().map(|t| t.name.as_str()).collect();
    let seen: Vec<Seen> = fanout::each(&hosts, |h| see(&h.ctx, &a.net, &names).map_err(|e| e.on_host(&h.name)))
        .into_iter()
        .collect::<Result<_>>()?;
    let i = choose(&hosts, &seen, a)?;
    let chosen = &hosts[i];
    let why = match (&a.on, seen[i].tenants.is_empty()) {
        (_, false) => match seen[i].tenants.as_slice() {
            [one] => format!("{one} is there already"),
            many => format!("{} are there already", many.join(" ")),
        },
        (Some(_), true) => "--host".to_string(),
        (None, true) => format!("{} free addresses on {}, the most of --hosts {}", seen[i].free, a.net, a.hosts.join(",")),
    };
    chosen.ctx.note(format!("placing {} here: {why}", names.join(" ")));
    up::up(&chosen.ctx, &a.up).map_err(|e| e.on_host(&chosen.name))
}

fn see(ctx: &Ctx, net: &str, names: &[&str]) -> Result<Seen> {
    let (pool, named) = at_once::two(|| state::network_pool(ctx, net), || state::containers_named(ctx, names));
    let tenants = named?
        .iter()
        .filter(|c| c.label(labels::TENANT).is_some() && c.address_on(net).is_some())
        .map(|c| c.name().to_string())
        .collect();
    Ok(Seen { free: pool?.1.free_count(), tenants })
}

/// The index of the host to place on, by the rule in the module's comment.
fn choose(hosts: &[Host], seen: &[Seen], a: &UpOnHosts) -> Result<usize> {
    let holding: Vec<usize> = (0..hosts.len()).filter(|&i| !seen[i].tenants.is_empty()).collect();
    let wanted = a.on.as_ref().and_then(|on| hosts.iter().position(|h| &h.name == on));
    let chosen = match (holding.first(), wanted) {
        (Some(&held), _) => held,
        (None, Some(w)) => w,
        // max_by_key keeps the last of equals: reversed, the first in --hosts order wins.
        (None, None) => (0..hosts.len()).rev().max_by_key(|&i| seen[i].free).expect("--hosts names a host"),
    };
    let elsewhere = (0..hosts.len()).filter(|&i| i != wanted.unwrap_or(chosen)).find(|&i| !seen[i].tenants.is_empty());
    if let Some(i) = elsewhere {
        let (host, tenant) = (&hosts[i].name, &seen[i].tenants[0]);
        let target = &hosts[wanted.unwrap_or(chosen)].name;
        return Err(Error::usage(format!(
            "tenant {tenant} of network {} is on host {host}, and a tenant name lives on one host of a network, so it \
             cannot also be on host {target}; place it with --host {host}, or give it another name",
            a.net
        )));
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::transport::Transport;
    use crate::launch::batch::BatchOpts;

    fn hosts(names: &[&str]) -> Vec<Host> {
        let c = Config { docker: "docker".into(), ..Default::default() };
        names.iter().map(|n| Host { name: n.to_string(), ctx: Ctx::with_transport(&c, Some(n), Transport::Local) }).collect()
    }

    fn ask(on: Option<&str>) -> UpOnHosts {
        let opts = BatchOpts {
            no_probe: true,
            parallel: 1,
            pull: None,
            wait: std::time::Duration::ZERO,
            wait_given: true,
            update_wait: std::time::Duration::ZERO,
        };
        UpOnHosts {
            up: UpInput { tenants: Vec::new(), opts },
            hosts: vec!["a".into(), "b".into(), "c".into()],
            on: on.map(String::from),
            net: "lan".into(),
        }
    }

    fn seen(free: &[u64], holding: &[&[&str]]) -> Vec<Seen> {
        free.iter().zip(holding).map(|(&free, t)| Seen { free, tenants: t.iter().map(|s| s.to_string()).collect() }).collect()
    }

    #[test]
    fn most_free_wins_and_the_first_of_equals() {
        let h = hosts(&["a", "b", "c"]);
        assert_eq!(choose(&h, &seen(&[3, 9, 9], &[&[], &[], &[]]), &ask(None)).unwrap(), 1);
        assert_eq!(choose(&h, &seen(&[9, 9, 9], &[&[], &[], &[]]), &ask(None)).unwrap(), 0);
        assert_eq!(choose(&h, &seen(&[0, 0, 1], &[&[], &[], &[]]), &ask(None)).unwrap(), 2);
    }

    #[test]
    fn a_name_keeps_its_host_and_host_places_only_where_no_name_is_elsewhere() {
        let h = hosts(&["a", "b", "c"]);
        assert_eq!(choose(&h, &seen(&[9, 1, 9], &[&[], &["t"], &[]]), &ask(None)).unwrap(), 1);
        assert_eq!(choose(&h, &seen(&[9, 1, 9], &[&[], &[], &[]]), &ask(Some("b"))).unwrap(), 1);
        assert_eq!(choose(&h, &seen(&[9, 1, 9], &[&[], &["t"], &[]]), &ask(Some("b"))).unwrap(), 1);
        let e = choose(&h, &seen(&[9, 1, 9], &[&[], &["t"], &[]]), &ask(Some("c"))).unwrap_err();
        assert!(e.msg.starts_with("tenant t of network lan is on host b, "), "{}", e.msg);
        let e = choose(&h, &seen(&[9, 1, 9], &[&["s"], &["t"], &[]]), &ask(None)).unwrap_err();
        assert!(e.msg.contains("is on host b, ") && e.msg.contains("cannot also be on host a;"), "{}", e.msg);
    }
}

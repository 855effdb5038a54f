//! What `apply` reads before it changes anything when every tenant names its network:
//! first, in one round of processes at once, those networks (the file's and the
//! tenants') and every container's `docker ps` line, labels included. A tenant that runs
//! as the file asks is decided from these two alone ([`plainly_unchanged`]): no
//! `docker container inspect`, which costs the docker CLI about a millisecond per
//! container. The other tenants that exist on a network that was found are inspected
//! after that round, in one call: a second round only when there is work anyway. A
//! network that is there costs no further read: each network's tenants are converged
//! from these reads.

use crate::engine::labels;
use crate::engine::model::{Container, Network, PsLine};
use crate::engine::netspec::NetSpec;
use crate::exec::at_once;
use crate::exec::error::Result;
use crate::launch::converge;
use crate::launch::draft::TenantInput;
use crate::launch::parked;
use crate::launch::spec::TenantSpec;
use crate::state;
use crate::target::ctx::Ctx;

/// The reads of a fleet whose networks are all named.
pub struct Named {
    /// The networks of those names found on the host, whoever made them.
    networks: Vec<Network>,
    /// Every container of the host, one line each.
    pub lines: Vec<PsLine>,
    /// The containers of the file's tenants on networks that were found: those that run
    /// as asked as their `docker ps` line and network show them ([`Container::from_ps`]),
    /// the others that exist inspected.
    pub found: Vec<Container>,
}

impl Named {
    /// The lanctl networks among those read, as `state::lanctl_networks` would list them.
    pub fn managed(&self) -> Vec<Network> {
        self.networks.iter().filter(|n| n.labels.contains_key(labels::MANAGED)).cloned().collect()
    }

    /// The lanctl network `name` and its spec, if it was there when read.
    pub fn network(&self, name: &str) -> Option<(NetSpec, Network)> {
        state::named_among(&self.networks, name)
    }

    /// Whether any network called `name` was there.
    pub fn on_host(&self, name: &str) -> bool {
        self.networks.iter().any(|n| n.name == name)
    }
}

/// The reads of [`Named`], or nothing when they do not settle which network each tenant
/// is on: a tenant without a network (the host's only lanctl network is then its own, so
/// the host's networks must be listed), or one whose network, not in the file, is not
/// found by its name as a lanctl network (a swarm network seen through its node's part,
/// or a name to refuse in the listing's words). The caller then lists the networks as
/// before.
pub fn named(ctx: &Ctx, nets: &[NetSpec], tenants: &[TenantInput]) -> Result<Option<Named>> {
    let Some(of_tenants) = tenants.iter().map(|t| t.net.as_deref()).collect::<Option<Vec<&str>>>() else {
        return Ok(None);
    };
    let mut names: Vec<&str> = nets.iter().map(|n| n.name.as_str()).collect();
    for n in of_tenants {
        if !names.contains(&n) {
            names.push(n);
        }
    }
    let (networks, lines) = if tenants.is_empty() {
        (state::inspect_networks(ctx, &names), None)
    } else {
        let (networks, lines) = at_once::two(|| state::inspect_networks(ctx, &names), || state::ps_all(ctx));
        (networks, Some(lines))
    };
    let mut named = Named { networks: networks?, lines: lines.transpose()?.unwrap_or_default(), found: Vec::new() };
    let settled =
        tenants.iter().filter_map(|t| t.net.as_deref()).all(|n| nets.iter().any(|s| s.name == n) || named.network(n).is_some());
    if !settled {
        return Ok(None);
    }
    // A tenant whose network was not there is read again once it is (`converge::read`).
    let mut inspect: Vec<&str> = Vec::new();
    for t in tenants {
        let Some((_, network)) = t.net.as_deref().and_then(|n| named.network(n)) else { continue };
        match plainly_unchanged(t, &named.lines, &network) {
            Some(c) => named.found.push(c),
            None if named.lines.iter().any(|l| l.names == t.name) => inspect.push(&t.name),
            None => {}
        }
    }
    // A container removed since `docker ps` is left out, as one that never was.
    named.found.extend(state::containers_named(ctx, &inspect)?);
    Ok(Some(named))
}

/// The container of tenant `t` as its `docker ps` line (among `lines`) and the inspect of
/// its network `network` show it, when these tell that it needs nothing; `None` when
/// only an inspect can tell. It needs nothing when it runs (not restarting, not paused),
/// carries `t`'s name and network in its labels and a spec label that differs in nothing
/// from `t`'s (with `converge::wanted`'s rule: a MAC not asked for is the container's
/// own), sits at an address on `network` (the one `t` asks for, if it asks), passes no
/// variable that lanctl's environment lacks (its value is carried over from the
/// container's environment, which only an inspect shows) and has no container parked by
/// an interrupted update (settling reads the restart count).
pub fn plainly_unchanged(t: &TenantInput, lines: &[PsLine], network: &Network) -> Option<Container> {
    let line = lines.iter().find(|l| l.names == t.name)?;
    let own = line.tenant == t.name && line.network == network.name && t.net.as_deref() == Some(network.name.as_str());
    let parked = lines.iter().any(|l| l.names == parked::parked_name(&t.name));
    if !own || parked || !t.unset.is_empty() {
        return None;
    }
    let c = Container::from_ps(line, network)?;
    let address = c.address_on(&network.name)?;
    if t.ip.is_some_and(|ip| ip != address) {
        return None;
    }
    let have = TenantSpec::of_container(&c)?;
    have.differences(&converge::wanted(t, &c).0).is_empty().then_some(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::model::NetworkContainer;

    const SPEC: &str = r#"{"image":"img","restart":"unless-stopped","mac":"f6:0a:c6:33:64:71"}"#;

    fn tenant() -> TenantInput {
        TenantInput {
            name: "web".into(),
            net: Some("lan".into()),
            ip: None,
            ip6: None,
            outside_range: false,
            spec: TenantSpec { image: "img".into(), restart: "unless-stopped".into(), ..Default::default() },
            secrets: Vec::new(),
            env_file: None,
            unset: Vec::new(),
            warnings: Vec::new(),
            ready: None,
        }
    }

    fn line(name: &str, state: &str, spec: &str) -> PsLine {
        PsLine {
            id: format!("{name}-id"),
            names: name.into(),
            state: state.into(),
            network: "lan".into(),
            tenant: name.into(),
            spec: spec.into(),
            ..Default::default()
        }
    }

    fn lan() -> Network {
        let ep = NetworkContainer {
            name: "web".into(),
            ipv4: "198.51.100.113/24".into(),
            ipv6: String::new(),
            mac: "f6:0a:c6:33:64:71".into(),
        };
        Network { name: "lan".into(), containers: [("web-id".to_string(), ep)].into(), ..Default::default() }
    }

    fn plain(t: &TenantInput, lines: &[PsLine]) -> bool {
        plainly_unchanged(t, lines, &lan()).is_some()
    }

    #[test]
    fn a_tenant_running_as_asked_is_decided_from_its_ps_line_and_its_network() {
        let t = tenant();
        let c = plainly_unchanged(&t, &[line("other", "exited", ""), line("web", "running", SPEC)], &lan()).unwrap();
        assert_eq!((c.name(), c.address_on("lan")), ("web", Some("198.51.100.113".parse().unwrap())));
        // The address asked for is the one it has; the MAC it was pinned to, asked for.
        let ip = TenantInput { ip: Some("198.51.100.113".parse().unwrap()), ..tenant() };
        assert!(plain(&ip, &[line("web", "running", SPEC)]));
        let mut mac = tenant();
        mac.spec.mac = Some("f6:0a:c6:33:64:71".into());
        assert!(plain(&mac, &[line("web", "running", SPEC)]));
    }

    #[test]
    fn a_tenant_that_may_need_something_is_left_to_an_inspect() {
        let t = tenant();
        let running = [line("web", "running", SPEC)];
        for state in ["exited", "restarting", "paused", "created"] {
            assert!(!plain(&t, &[line("web", state, SPEC)]), "{state}");
        }
        assert!(!plain(&t, &[]), "no container");
        // Its spec differs, or its label cannot be read.
        let other = TenantInput { spec: TenantSpec { image: "img:2".into(), ..tenant().spec }, ..tenant() };
        assert!(!plain(&other, &running));
        let mut mac = tenant();
        mac.spec.mac = Some("02:00:00:00:00:01".into());
        assert!(!plain(&mac, &running));
        assert!(!plain(&t, &[line("web", "running", "")]));
        assert!(!plain(&t, &[line("web", "running", "{not json")]));
        // Another address than the one asked for, or none on the network.
        let ip = TenantInput { ip: Some("198.51.100.120".parse().unwrap()), ..tenant() };
        assert!(!plain(&ip, &running));
        assert!(!plain(&t, &[PsLine { id: "elsewhere".into(), ..line("web", "running", SPEC) }]));
        // Not this tenant of this network by its labels.
        assert!(!plain(&t, &[PsLine { tenant: String::new(), ..line("web", "running", SPEC) }]));
        assert!(!plain(&t, &[PsLine { tenant: "api".into(), ..line("web", "running", SPEC) }]));
        assert!(!plain(&t, &[PsLine { network: "wan".into(), ..line("web", "running", SPEC) }]));
        assert!(!plain(&TenantInput { net: Some("wan".into()), ..tenant() }, &running));
        // A secret lanctl's environment lacks is carried over from the container's own.
        assert!(!plain(&TenantInput { unset: vec!["TOKEN".into()], ..tenant() }, &running));
        // An interrupted update left a parked container to settle.
        assert!(!plain(&t, &[line("web", "running", SPEC), line("web.lanctl-prev", "exited", SPEC)]));
    }
}

//! Serde types for the JSON that `docker` and `ip -j` print: only the fields lanctl uses,
//! each tolerant of being absent or `null`, because Engine 20.10 through 28 differ.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};

use crate::engine::labels;

/// Reads `null` or an absent field as the type's default.
fn nullable<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

pub type Labels = BTreeMap<String, String>;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Network {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub driver: String,
    #[serde(default, deserialize_with = "nullable")]
    pub options: BTreeMap<String, String>,
    #[serde(default, rename = "IPAM")]
    pub ipam: Ipam,
    #[serde(default, deserialize_with = "nullable")]
    pub containers: BTreeMap<String, NetworkContainer>,
    #[serde(default, deserialize_with = "nullable")]
    pub labels: Labels,
    /// `local` or `swarm`.
    #[serde(default)]
    pub scope: String,
    /// A placeholder holding a configuration for a swarm network (`--config-only`).
    #[serde(default)]
    pub config_only: bool,
    /// The config-only network a swarm network takes its configuration from.
    #[serde(default, deserialize_with = "nullable")]
    pub config_from: ConfigFrom,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigFrom {
    #[serde(default)]
    pub network: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipam {
    #[serde(default, deserialize_with = "nullable")]
    pub config: Vec<IpamConfig>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct IpamConfig {
    #[serde(default, rename = "Subnet")]
    pub subnet: String,
    #[serde(default, rename = "IPRange")]
    pub ip_range: String,
    #[serde(default, rename = "Gateway")]
    pub gateway: String,
    #[serde(default, rename = "AuxiliaryAddresses", deserialize_with = "nullable")]
    pub aux: BTreeMap<String, String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct NetworkContainer {
    #[serde(default, rename = "Name")]
    pub name: String,
    #[serde(default, rename = "IPv4Address")]
    pub ipv4: String,
    /// On a dual-stack network: the endpoint's IPv6 address, `ADDR/N` (empty otherwise).
    #[serde(default, rename = "IPv6Address")]
    pub ipv6: String,
    #[serde(default, rename = "MacAddress")]
    pub mac: String,
}

impl NetworkContainer {
    /// The endpoint's IPv4 address, without its prefix length (docker gives `A.B.C.D/N`).
    pub fn ip(&self) -> Option<std::net::IpAddr> {
        self.ipv4.split('/').next()?.parse().ok()
    }
    /// The endpoint's IPv6 address, without its prefix length.
    pub fn ip6(&self) -> Option<std::net::IpAddr> {
        self.ipv6.split('/').next()?.parse::<std::net::Ipv6Addr>().ok().map(Into::into)
    }
}

/// One line of `docker network ls --format '{{json .}}'`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkLine {
    #[serde(default, rename = "ID")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub driver: String,
}

/// One line of `docker ps` in lanctl's format (`docker::PS_FORMAT`): only the fields it reads.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PsLine {
    #[serde(default, rename = "ID")]
    pub id: String,
    #[serde(default)]
    pub names: String,
    #[serde(default)]
    pub status: String,
    /// "running", "exited", "created", …
    #[serde(default)]
    pub state: String,
    /// The image as docker ps shows it.
    #[serde(default)]
    pub image: String,
    /// The networks the container is attached to, comma-separated.
    #[serde(default)]
    pub networks: String,
    /// The `io.lanctl.network` label: the lanctl network a tenant lives on.
    #[serde(default)]
    pub network: String,
    /// The `io.lanctl.tenant` label: the tenant's name (empty: not a tenant).
    #[serde(default)]
    pub tenant: String,
    /// The `io.lanctl.spec` label: the tenant's spec as compact JSON.
    #[serde(default)]
    pub spec: String,
}

impl PsLine {
    /// Whether the container is attached to network `name` (docker joins the names with
    /// commas, which a network name cannot hold).
    pub fn attached_to(&self, name: &str) -> bool {
        self.networks.split(',').any(|n| n == name)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Container {
    #[serde(default)]
    pub id: String,
    /// Docker prefixes it with `/`; see `Container::name()`.
    #[serde(default, rename = "Name")]
    pub raw_name: String,
    #[serde(default)]
    pub state: ContainerState,
    #[serde(default)]
    pub config: ContainerConfig,
    #[serde(default)]
    pub host_config: HostConfig,
    #[serde(default)]
    pub network_settings: NetworkSettings,
    #[serde(default)]
    pub restart_count: i64,
    /// `docker ps`'s human status ("Up 3 minutes"), filled in by `state::containers`.
    #[serde(skip)]
    pub ps_status: String,
    /// `docker ps`'s state ("running", "exited"), read with `ps_status` at one moment, so
    /// the two never disagree; filled in by `state::containers`.
    #[serde(skip)]
    pub ps_state: String,
}

impl Container {
    /// A running container as its `docker ps` line (`line`, read with its labels) and the
    /// inspect of a network it is on show it, without inspecting the container; `None`
    /// unless docker says it runs (not restarting, not paused) and `network` lists it
    /// with an address. It fills the ID, the name, `ps_state` and `ps_status`, the
    /// labels the line carries (`io.lanctl.tenant`, `io.lanctl.network`, `io.lanctl.spec`),
    /// a state that runs and does not restart, and the endpoint on `network` with its
    /// address (as `IPAddress`) and MAC. That is all `converge` reads of a tenant it
    /// leaves unchanged: whether it is a tenant, its spec, its address, whether it runs.
    /// The rest stays empty (environment, image, hostname, restart policy and count, exit
    /// code, the address asked with `--ip`): only a tenant that is started, updated,
    /// refused or settled reads them, and `apply` inspects every such tenant instead.
    pub fn from_ps(line: &PsLine, network: &Network) -> Option<Container> {
        if line.state != "running" {
            return None;
        }
        let ep = network.containers.get(&line.id)?;
        let ip = ep.ip()?;
        let labels = [(labels::TENANT, &line.tenant), (labels::NETWORK, &line.network), (labels::SPEC, &line.spec)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        let endpoint = Endpoint {
            ipam_config: None,
            ip_address: ip.to_string(),
            global_ipv6: ep.ip6().map(|a| a.to_string()).unwrap_or_default(),
            mac_address: ep.mac.clone(),
        };
        Some(Container {
            id: line.id.clone(),
            raw_name: format!("/{}", line.names),
            state: ContainerState {
                status: "running".into(),
                running: true,
                exit_code: 0,
                restarting: false,
                ..Default::default()
            },
            config: ContainerConfig { labels, ..Default::default() },
            network_settings: NetworkSettings { networks: [(network.name.clone(), endpoint)].into() },
            ps_status: line.status.clone(),
            ps_state: line.state.clone(),
            ..Default::default()
        })
    }

    pub fn name(&self) -> &str {
        self.raw_name.trim_start_matches('/')
    }
    /// The address the container holds on `network`: the static one it was created with
    /// (kept while stopped), else the one Docker assigned while running.
    pub fn address_on(&self, network: &str) -> Option<std::net::IpAddr> {
        let ep = self.network_settings.networks.get(network)?;
        let from_ipam = ep.ipam_config.as_ref().map(|c| c.ipv4.as_str()).unwrap_or("");
        // The IPv4 fields only: the IPv6 address is `address6_on`'s.
        [from_ipam, ep.ip_address.as_str()].into_iter().find_map(|s| s.parse::<std::net::Ipv4Addr>().ok()).map(Into::into)
    }
    /// The IPv6 address the container holds on a dual-stack `network`, read as
    /// `address_on` reads the IPv4 one: the static one (kept while stopped), else docker's.
    pub fn address6_on(&self, network: &str) -> Option<std::net::IpAddr> {
        let ep = self.network_settings.networks.get(network)?;
        let from_ipam = ep.ipam_config.as_ref().map(|c| c.ipv6.as_str()).unwrap_or("");
        [from_ipam, ep.global_ipv6.as_str()].into_iter().find_map(|s| s.parse::<std::net::Ipv6Addr>().ok()).map(Into::into)
    }
    pub fn label(&self, key: &str) -> Option<&str> {
        self.config.labels.get(key).map(String::as_str)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerState {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub running: bool,
    #[serde(default)]
    pub exit_code: i64,
    #[serde(default)]
    pub restarting: bool,
    /// The container's main process on the host, for its network namespace (0: none).
    #[serde(default)]
    pub pid: i64,
    /// docker's health status, when the container has a HEALTHCHECK.
    #[serde(default, deserialize_with = "nullable")]
    pub health: Option<Health>,
    /// When its process last started, RFC 3339 with nanoseconds (docker's clock).
    #[serde(default)]
    pub started_at: String,
}

impl ContainerState {
    /// `started_at` as nanoseconds since the Unix epoch; `None` when docker never started
    /// it (`0001-01-01T00:00:00Z`) or the time is not in docker's UTC form.
    pub fn started_nanos(&self) -> Option<i64> {
        unix_nanos(&self.started_at)
    }
}

/// `2026-12-07T12:24:14.608225405Z` as nanoseconds since the Unix epoch (docker writes
/// its times in UTC, to the nanosecond, trailing zeros of the fraction dropped).
fn unix_nanos(t: &str) -> Option<i64> {
    let t = t.strip_suffix('Z')?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut h = hms.splitn(3, ':').map(|p| p.parse::<i64>().ok());
    let (hh, mm, ss) = (h.next()??, h.next()??, h.next()??);
    if y < 1970 || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let nanos = if frac.is_empty() { 0 } else { format!("{frac:0<9}").parse::<i64>().ok()? };
    // Days from the civil date (Howard Hinnant's algorithm), for the proleptic Gregorian calendar.
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 86_400 + hh * 3600 + mm * 60 + ss) * 1_000_000_000) + nanos)
}

/// One line of `docker events --format '{{json .}}'` (see `Docker::events`): what
/// happened to which container, when by docker's clock. A health verdict's action is
/// `health_status: healthy` (or `unhealthy`, `starting`).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct Event {
    #[serde(default)]
    pub id: String,
    #[serde(rename = "Action", default)]
    pub action: String,
    #[serde(rename = "timeNano", default)]
    pub time_nano: i64,
}

impl Event {
    /// The action's verb: `die`, `start`, `health_status`, ...
    pub fn verb(&self) -> &str {
        self.action.split(':').next().unwrap_or("").trim()
    }

    /// The health verdict of a `health_status` event.
    pub fn health(&self) -> Option<&str> {
        self.action.strip_prefix("health_status:").map(str::trim)
    }
}

/// `State.Health`: `starting`, `healthy` or `unhealthy`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Health {
    #[serde(default)]
    pub status: String,
}

/// `Config.Healthcheck`: the test docker runs; `["NONE"]` turns an image's check off.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Healthcheck {
    #[serde(default, deserialize_with = "nullable")]
    pub test: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ContainerConfig {
    #[serde(default)]
    pub image: String,
    #[serde(default)]
    pub hostname: String,
    #[serde(default, deserialize_with = "nullable")]
    pub env: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub labels: Labels,
    #[serde(default, deserialize_with = "nullable")]
    pub cmd: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub healthcheck: Option<Healthcheck>,
}

impl ContainerConfig {
    /// Whether docker runs a health check in this container (the image's or `docker
    /// run`'s own, not turned off with `NONE`).
    pub fn has_healthcheck(&self) -> bool {
        self.healthcheck.as_ref().is_some_and(|h| !h.test.is_empty() && h.test[0] != "NONE")
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct HostConfig {
    #[serde(default)]
    pub restart_policy: RestartPolicy,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RestartPolicy {
    #[serde(default)]
    pub name: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct NetworkSettings {
    #[serde(default, deserialize_with = "nullable")]
    pub networks: BTreeMap<String, Endpoint>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Endpoint {
    #[serde(default, rename = "IPAMConfig", deserialize_with = "nullable")]
    pub ipam_config: Option<EndpointIpam>,
    #[serde(default, rename = "IPAddress")]
    pub ip_address: String,
    #[serde(default, rename = "GlobalIPv6Address")]
    pub global_ipv6: String,
    /// The endpoint's MAC: its own on macvlan, the parent's on ipvlan (empty when docker
    /// does not say).
    #[serde(default, rename = "MacAddress")]
    pub mac_address: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct EndpointIpam {
    #[serde(default, rename = "IPv4Address")]
    pub ipv4: String,
    #[serde(default, rename = "IPv6Address")]
    pub ipv6: String,
}

/// One interface of `ip -j addr show`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct IpLink {
    #[serde(default)]
    pub ifname: String,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub operstate: String,
    #[serde(default)]
    pub link_type: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub ifalias: String,
    #[serde(default)]
    pub addr_info: Vec<AddrInfo>,
    #[serde(default)]
    pub linkinfo: Option<LinkInfo>,
    /// Set on links whose lower device is another link (`link PARENT`).
    #[serde(default)]
    pub link: Option<String>,
    /// The bridge or bond this link is a port of.
    #[serde(default)]
    pub master: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct LinkInfo {
    #[serde(default)]
    pub info_kind: String,
    #[serde(default)]
    pub info_data: serde_json::Value,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct AddrInfo {
    #[serde(default)]
    pub family: String,
    #[serde(default)]
    pub local: String,
    #[serde(default)]
    pub prefixlen: u8,
    /// `link` for a link-local address, `global`, `host`.
    #[serde(default)]
    pub scope: String,
    /// Still in its duplicate address detection (IPv6): the kernel sends from it only after.
    #[serde(default)]
    pub tentative: bool,
    /// Its duplicate address detection failed (IPv6): never sent from.
    #[serde(default)]
    pub dadfailed: bool,
}

impl IpLink {
    pub fn ipv4(&self) -> impl Iterator<Item = (std::net::Ipv4Addr, u8)> + '_ {
        self.addr_info.iter().filter(|a| a.family == "inet").filter_map(|a| a.local.parse().ok().map(|ip| (ip, a.prefixlen)))
    }
    /// The link's IPv6 addresses other than link-local ones (those are the link's own, in
    /// no subnet a network reserves).
    pub fn ipv6(&self) -> impl Iterator<Item = std::net::Ipv6Addr> + '_ {
        self.addr_info
            .iter()
            .filter(|a| a.family == "inet6")
            .filter_map(|a| a.local.parse::<std::net::Ipv6Addr>().ok())
            .filter(|ip| ip.segments()[0] & 0xffc0 != 0xfe80)
    }
    pub fn is_up(&self) -> bool {
        self.flags.iter().any(|f| f == "UP")
    }
}

/// One route of `ip -j route show`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Route {
    #[serde(default)]
    pub dst: String,
    #[serde(default)]
    pub dev: String,
    #[serde(default, rename = "type")]
    pub kind: String,
}

/// `docker version --format '{{json .}}'`: `Server` is null when the daemon is unreachable.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DockerVersion {
    #[serde(default, deserialize_with = "nullable")]
    pub server: Option<ServerVersion>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServerVersion {
    #[serde(default, deserialize_with = "nullable")]
    pub version: String,
    #[serde(default, deserialize_with = "nullable")]
    pub api_version: String,
}

/// `docker info --format '{{json .}}'`: the plugin lists and security options.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DockerInfo {
    #[serde(default, deserialize_with = "nullable")]
    pub plugins: Plugins,
    /// `name=rootless` marks a rootless daemon.
    #[serde(default, deserialize_with = "nullable")]
    pub security_options: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Plugins {
    #[serde(default, deserialize_with = "nullable")]
    pub network: Vec<String>,
}

/// The parsers every reader of these types uses, kept with the runner that reads them.
pub use crate::exec::json::{parse, parse_lines};

#[cfg(test)]
mod tests {
    use super::*;

    /// Lines as Engine 20.10 prints them (`docker events --format '{{json .}}'`).
    #[test]
    fn docker_events_read_as_what_happened_to_which_container_when() {
        let die = r#"{"status":"die","id":"6c00d91a96ab","from":"lanctl-test/crash","Type":"container","Action":"die","Actor":{"ID":"6c00d91a96ab","Attributes":{"exitCode":"1","image":"lanctl-test/crash","name":"ltev-a"}},"scope":"local","time":1796646254,"timeNano":1796646254868740232}"#;
        let e: Event = parse("docker events", die).unwrap();
        assert_eq!((e.id.as_str(), e.verb(), e.health(), e.time_nano), ("6c00d91a96ab", "die", None, 1796646254868740232));
        let healthy = r#"{"status":"health_status: healthy","id":"af07","from":"img","Type":"container","Action":"health_status: healthy","Actor":{"ID":"af07","Attributes":{"image":"img","name":"h"}},"scope":"local","time":1796646256,"timeNano":1796646256000000000}"#;
        let e: Event = parse("docker events", healthy).unwrap();
        assert_eq!((e.verb(), e.health()), ("health_status", Some("healthy")));
        let c: Vec<Container> =
            parse("x", r#"[{"State":{"Running":true,"StartedAt":"2026-12-07T12:24:14.608225405Z"}}]"#).unwrap();
        assert_eq!(c[0].state.started_nanos(), Some(1796646254608225405));
        assert_eq!(unix_nanos("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix_nanos("2000-03-01T00:00:01.5Z"), Some(951868801500000000));
        assert_eq!(unix_nanos("0001-01-01T00:00:00Z"), None);
        assert_eq!(unix_nanos(""), None);
    }

    #[test]
    fn tolerates_nulls_and_missing_fields() {
        let n: Vec<Network> = parse("x", r#"[{"Name":"n","Options":null,"Labels":null,"IPAM":{"Config":null}}]"#).unwrap();
        assert_eq!(n[0].name, "n");
        assert!(n[0].options.is_empty());
        let c: Vec<Container> = parse("x", r#"[{"Name":"/t1","Config":{"Env":null,"Labels":null},"NetworkSettings":{"Networks":{"lan":{"IPAMConfig":null,"IPAddress":""}}}}]"#).unwrap();
        assert_eq!(c[0].name(), "t1");
        assert_eq!(c[0].address_on("lan"), None);
    }

    #[test]
    fn docker_version_and_info_tolerate_nulls() {
        let v: DockerVersion = parse("x", r#"{"Client":{"Version":"28.2.2"},"Server":null}"#).unwrap();
        assert!(v.server.is_none());
        let v: DockerVersion = parse("x", r#"{"Server":{"Version":"20.10.24","ApiVersion":"1.41"}}"#).unwrap();
        assert_eq!(v.server.unwrap().api_version, "1.41");
        let i: DockerInfo = parse("x", r#"{"Plugins":{"Network":["bridge","macvlan"],"Authorization":null}}"#).unwrap();
        assert_eq!(i.plugins.network, ["bridge", "macvlan"]);
        let i: DockerInfo = parse("x", r#"{"Plugins":{"Network":null}}"#).unwrap();
        assert!(i.plugins.network.is_empty());
    }

    fn line(state: &str) -> PsLine {
        PsLine {
            id: "0e31".into(),
            names: "web".into(),
            state: state.into(),
            status: "Up 3 minutes".into(),
            network: "lan".into(),
            tenant: "web".into(),
            spec: r#"{"image":"img"}"#.into(),
            ..Default::default()
        }
    }

    fn lan(id: &str, ipv4: &str) -> Network {
        let ep = NetworkContainer { name: "web".into(), ipv4: ipv4.into(), ipv6: String::new(), mac: "02:42:c6:33:64:71".into() };
        Network { name: "lan".into(), containers: [(id.to_string(), ep)].into(), ..Default::default() }
    }

    #[test]
    fn a_running_container_is_read_from_its_ps_line_and_its_networks_entry() {
        let c = Container::from_ps(&line("running"), &lan("0e31", "198.51.100.113/24")).unwrap();
        assert_eq!((c.id.as_str(), c.name()), ("0e31", "web"));
        assert!(c.state.running && !c.state.restarting);
        assert_eq!((c.ps_state.as_str(), c.ps_status.as_str()), ("running", "Up 3 minutes"));
        assert_eq!(c.label(labels::TENANT), Some("web"));
        assert_eq!(c.label(labels::NETWORK), Some("lan"));
        assert_eq!(c.label(labels::SPEC), Some(r#"{"image":"img"}"#));
        assert_eq!(c.address_on("lan"), Some("198.51.100.113".parse().unwrap()));
        assert_eq!(c.network_settings.networks["lan"].mac_address, "02:42:c6:33:64:71");
        // A label the line lacks is absent, as on the container itself.
        let bare = Container::from_ps(&PsLine { spec: String::new(), ..line("running") }, &lan("0e31", "198.51.100.113/24"));
        assert_eq!(bare.unwrap().label(labels::SPEC), None);
    }

    #[test]
    fn only_a_running_container_the_network_lists_with_an_address_is_read_from_ps() {
        for state in ["exited", "restarting", "paused", "created"] {
            assert!(Container::from_ps(&line(state), &lan("0e31", "198.51.100.113/24")).is_none(), "{state}");
        }
        assert!(Container::from_ps(&line("running"), &lan("1c35", "198.51.100.113/24")).is_none());
        assert!(Container::from_ps(&line("running"), &lan("0e31", "")).is_none());
    }

    #[test]
    fn stopped_container_keeps_its_static_address() {
        let c: Container = parse("x", r#"{"Name":"/t1","NetworkSettings":{"Networks":{"lan":{"IPAMConfig":{"IPv4Address":"198.51.100.112"},"IPAddress":""}}}}"#).unwrap();
        assert_eq!(c.address_on("lan"), Some("198.51.100.112".parse().unwrap()));
        assert_eq!(c.address6_on("lan"), None);
        // Dual-stack: the IPv6 address asked for, kept while stopped, else docker's.
        let c: Container = parse("x", r#"{"Name":"/t1","NetworkSettings":{"Networks":{"lan":{"IPAMConfig":{"IPv4Address":"198.51.100.112","IPv6Address":"2001:db8::100"},"IPAddress":"","GlobalIPv6Address":""}}}}"#).unwrap();
        assert_eq!(c.address6_on("lan"), Some("2001:db8::100".parse().unwrap()));
        let c: Container = parse("x", r#"{"Name":"/t1","NetworkSettings":{"Networks":{"lan":{"IPAMConfig":null,"IPAddress":"198.51.100.112","GlobalIPv6Address":"2001:db8::101"}}}}"#).unwrap();
        assert_eq!(c.address6_on("lan"), Some("2001:db8::101".parse().unwrap()));
    }
}

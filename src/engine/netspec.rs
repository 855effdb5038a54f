//! A network spec, validated from the command line before anything runs, and read back
//! from `docker network inspect` so an existing network can be compared with a request.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use crate::engine::labels;
use crate::engine::model::{IpLink, Network};
use crate::engine::range::offset;
use crate::exec::error::{Error, Result};

pub use crate::engine::range::AddrRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Driver {
    Ipvlan,
    Macvlan,
}

impl Driver {
    pub fn as_str(self) -> &'static str {
        match self {
            Driver::Ipvlan => "ipvlan",
            Driver::Macvlan => "macvlan",
        }
    }
    pub fn parse(s: &str) -> Option<Driver> {
        match s {
            "ipvlan" => Some(Driver::Ipvlan),
            "macvlan" => Some(Driver::Macvlan),
            _ => None,
        }
    }
    /// The `--opt` key Docker reads the mode from.
    pub fn mode_key(self) -> &'static str {
        match self {
            Driver::Ipvlan => "ipvlan_mode",
            Driver::Macvlan => "macvlan_mode",
        }
    }
    pub fn modes(self) -> &'static [&'static str] {
        match self {
            Driver::Ipvlan => &["l2", "l3", "l3s"],
            Driver::Macvlan => &["bridge", "private", "vepa", "passthru"],
        }
    }
    /// Docker's own default, written out so the created network says what it is.
    pub fn default_mode(self) -> &'static str {
        self.modes()[0]
    }
    /// The oldest kernel release with the driver: ipvlan arrived in 4.2, macvlan in 3.9.
    pub fn min_kernel(self) -> (u32, u32) {
        match self {
            Driver::Ipvlan => (4, 2),
            Driver::Macvlan => (3, 9),
        }
    }
    pub fn kernel_config(self) -> &'static str {
        match self {
            Driver::Ipvlan => "CONFIG_IPVLAN",
            Driver::Macvlan => "CONFIG_MACVLAN",
        }
    }
}

impl fmt::Display for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetSpec {
    pub name: String,
    pub driver: Driver,
    pub parent: String,
    pub subnet: IpNet,
    pub gateway: IpAddr,
    /// Where lanctl allocates tenant addresses.
    pub range: AddrRange,
    /// What Docker gets as `--ip-range`: equal to `range` or a block inside it.
    pub docker_range: IpNet,
    pub mode: String,
    pub aux: Vec<(String, IpAddr)>,
    /// On a network shared by several hosts: the whole reservation, of which `range` is
    /// this host's slice (`None` on a one-host network).
    pub reservation: Option<AddrRange>,
    /// This host's part of a swarm network: a `--config-only` network named
    /// `NAME.lanctl-config` (`config_name`) that the swarm network `NAME` takes its
    /// configuration from.
    pub config_only: bool,
    /// The IPv6 part of a dual-stack network; the fields above are its IPv4 part, which
    /// every network has (IPv6-only networks are not supported yet).
    pub v6: Option<V6Part>,
}

/// The IPv6 part of a dual-stack network: docker's second IPAM config, lanctl's second
/// reserved range (`io.lanctl.range6`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct V6Part {
    pub subnet: IpNet,
    pub gateway: IpAddr,
    /// Where lanctl allocates tenants' IPv6 addresses.
    pub range: AddrRange,
    /// What Docker gets as the IPv6 `--ip-range`: equal to `range` or a block inside it.
    pub docker_range: IpNet,
}

/// The IPv6 `--subnet`, `--gateway` and `--ip-range` of `net create`, as given.
#[derive(Clone, Copy, Debug)]
pub struct V6Input<'a> {
    pub subnet: &'a str,
    pub gateway: &'a str,
    pub ip_range: &'a str,
}

/// The addressing flags of `net create` split by family: the IPv4 values and the IPv6
/// part, if any.
pub struct Families<'a> {
    pub subnet: &'a str,
    pub gateway: &'a str,
    pub ip_range: &'a str,
    pub v6: Option<V6Input<'a>>,
}

/// A flag's values by family (the value's family says which, as docker reads them): at
/// most one each, else exit 2.
fn by_family<'a>(flag: &str, values: &'a [String]) -> Result<(Option<&'a str>, Option<&'a str>)> {
    let (mut v4, mut v6): (Option<&str>, Option<&str>) = (None, None);
    for v in values {
        let (slot, family) = if v.contains(':') { (&mut v6, "IPv6") } else { (&mut v4, "IPv4") };
        if let Some(first) = slot {
            return Err(Error::usage(format!("{flag} is given twice for {family} ({first} and {v}); give it once per family")));
        }
        *slot = Some(v);
    }
    Ok((v4, v6))
}

/// The IPv6 `--subnet` of an IPv6-only `net create` (an IPv6 subnet and no IPv4 one), which
/// lanctl refuses by what the engine can do (`checks::daemon::ipv6_only`), not here.
pub fn ipv6_only(subnet: &[String]) -> Option<&str> {
    let (s4, s6) = by_family("--subnet", subnet).ok()?;
    s4.is_none().then_some(s6).flatten()
}

/// Splits `--subnet`, `--gateway` and `--ip-range` by family. Every network has an IPv4
/// part; an IPv6 subnet makes it dual-stack and then needs its IPv6 gateway and range.
pub fn families<'a>(subnet: &'a [String], gateway: &'a [String], ip_range: &'a [String]) -> Result<Families<'a>> {
    let (s4, s6) = by_family("--subnet", subnet)?;
    let (g4, g6) = by_family("--gateway", gateway)?;
    let (r4, r6) = by_family("--ip-range", ip_range)?;
    let Some(s4) = s4 else {
        return Err(Error::usage(format!(
            "--subnet {}: IPv6-only networks are not supported yet; give an IPv4 --subnet, --gateway and --ip-range beside the IPv6 ones",
            s6.unwrap_or_default()
        )));
    };
    let missing = |flag: &str, family: &str, what: &str| Error::usage(format!("{flag} has no {family} value; give {what}"));
    let v6 = match (s6, g6, r6) {
        (None, None, None) => None,
        (Some(subnet), Some(gateway), Some(ip_range)) => Some(V6Input { subnet, gateway, ip_range }),
        (Some(s6), None, _) => return Err(missing("--gateway", "IPv6", &format!("the router's IPv6 address on --subnet {s6}"))),
        (Some(s6), _, None) => {
            return Err(missing("--ip-range", "IPv6", &format!("the IPv6 addresses reserved for containers in --subnet {s6}")))
        }
        (None, g, r) => {
            let (flag, value) = g.map_or(("--ip-range", r.unwrap_or_default()), |g| ("--gateway", g));
            return Err(Error::usage(format!(
                "{flag} {value} is IPv6 but no IPv6 --subnet is given; give the IPv6 --subnet beside the IPv4 one, or leave {flag} {value} out"
            )));
        }
    };
    // Checked after the IPv6 values, so a lone IPv6 value is named as what it is.
    let g4 = g4.ok_or_else(|| missing("--gateway", "IPv4", &format!("the router's IPv4 address on {s4}")))?;
    let r4 = r4.ok_or_else(|| missing("--ip-range", "IPv4", &format!("the IPv4 addresses reserved for containers in {s4}")))?;
    Ok(Families { subnet: s4, gateway: g4, ip_range: r4, v6 })
}

/// An IPv6 `--ip-range` on its own (START-END, or a canonical CIDR): the range and the
/// block Docker gets; shared by `net create` and `doctor --dhcp --ip-range`.
pub fn parse_range6_alone(r: &str) -> Result<(AddrRange, IpNet)> {
    Ok(if r.contains('-') {
        let range = AddrRange::parse(r).filter(|x| x.start.is_ipv6()).ok_or_else(|| {
            Error::usage(format!("--ip-range {r} is not an IPv6 range; write START-END like 2001:db8:23::100-2001:db8:23::1ff"))
        })?;
        if range.start > range.end {
            return Err(Error::usage(format!("--ip-range {r} ends before it starts; write START-END with START <= END")));
        }
        (range, range.largest_block())
    } else {
        let net: Ipv6Net = r
            .parse()
            .map_err(|_| Error::usage(format!("--ip-range {r} is not an IPv6 CIDR; write it like 2001:db8:23::100/120")))?;
        if net.trunc() != net {
            return Err(Error::usage(format!(
                "--ip-range {r} is not canonical: Docker would silently take it as {}; use --ip-range {}",
                net.trunc(),
                net.trunc()
            )));
        }
        (AddrRange::of_net(net.into()), net.into())
    })
}

/// Validates the IPv6 part: a canonical subnet (not link-local or multicast), its router,
/// and a range inside it that the gateway is not in.
fn v6_part(i: &V6Input) -> Result<V6Part> {
    let s = i.subnet;
    let subnet: Ipv6Net =
        s.parse().map_err(|_| Error::usage(format!("--subnet {s} is not an IPv6 CIDR; write it like 2001:db8:23::/64")))?;
    if subnet.trunc() != subnet {
        return Err(Error::usage(format!("--subnet {s} is not canonical; use --subnet {}", subnet.trunc())));
    }
    let first = subnet.network().segments()[0];
    if first & 0xffc0 == 0xfe80 || first & 0xff00 == 0xff00 {
        return Err(Error::usage(format!(
            "--subnet {s} is link-local or multicast; give the LAN's global or unique local prefix"
        )));
    }
    if subnet.prefix_len() > 126 {
        return Err(Error::usage(format!("--subnet {s} is too small for a gateway and containers; use a /126 or larger")));
    }
    let g = i.gateway;
    let gateway: Ipv6Addr =
        g.parse().map_err(|_| Error::usage(format!("--gateway {g} is not an IPv6 address; write it like 2001:db8:23::1")))?;
    if !subnet.contains(&gateway) {
        return Err(Error::usage(format!(
            "--gateway {g} is outside --subnet {subnet}; give the router's IPv6 address on that subnet"
        )));
    }
    if gateway == subnet.network() {
        return Err(Error::usage(format!(
            "--gateway {g} is the subnet-router anycast address of {subnet}; give the router's address, like {}",
            Ipv6Addr::from(u128::from(subnet.network()) + 1)
        )));
    }
    let r = i.ip_range;
    let (range, docker_range) = parse_range6_alone(r)?;
    let subnet = IpNet::from(subnet);
    range_inside(r, &range, subnet)?;
    if range.contains(gateway.into()) {
        return Err(Error::usage(format!(
            "--gateway {g} is inside --ip-range {r}; give the router's address, or a range that leaves it out"
        )));
    }
    Ok(V6Part { subnet, gateway: gateway.into(), range, docker_range })
}

/// What lanctl appends to a swarm network's name to name each node's config-only network.
pub const CONFIG_SUFFIX: &str = ".lanctl-config";
/// The name of a network's cluster record after the network's: `lan.lanctl-cluster`.
pub const CLUSTER_SUFFIX: &str = ".lanctl-cluster";

/// The raw `net create` arguments.
pub struct NetInput<'a> {
    pub name: &'a str,
    pub driver: Driver,
    pub parent: &'a str,
    pub subnet: &'a str,
    pub gateway: &'a str,
    pub ip_range: &'a str,
    pub mode: Option<&'a str>,
    pub aux: &'a [String],
    /// `--vlan VID`: the parent becomes `PARENT.VID`, which Docker creates.
    pub vlan: Option<u16>,
    /// The IPv6 part of a dual-stack network (`families`); `subnet`, `gateway` and
    /// `ip_range` above are the IPv4 part.
    pub v6: Option<V6Input<'a>>,
}

/// The one reading of a parent named `IF.VID`, docker's own (libnetwork's `parseVlan`):
/// when such a parent does not exist, docker splits the name at its dots, wants exactly
/// two parts, and creates VLAN VID on IF. `None` for names without a dot; `Err` for dotted
/// names docker would refuse to create (they work only if the interface already exists).
pub fn vlan_form(name: &str) -> Option<Result<(String, u16), String>> {
    let (base, vid) = name.split_once('.')?;
    if base.is_empty() || vid.contains('.') {
        return Some(Err(format!("{name} is not of the form IF.VID")));
    }
    match vid.parse::<u16>() {
        Ok(v) if (1..=4094).contains(&v) => Some(Ok((base.to_string(), v))),
        _ => Some(Err(format!("{vid} in {name} is not a VLAN id (1-4094)"))),
    }
}

/// Whether the name ends in `.DIGITS`: meant as a VLAN parent, whatever docker makes of it.
fn looks_like_vlan(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(b, v)| !b.is_empty() && !v.is_empty() && v.bytes().all(|c| c.is_ascii_digit()))
}

fn check_vid(flag: &str, vid: &str) -> Result<()> {
    match vid.parse::<u16>() {
        Ok(v) if (1..=4094).contains(&v) => Ok(()),
        _ => Err(Error::usage(format!("{flag}: VLAN ID {vid} is out of range; use 1 to 4094"))),
    }
}

/// The parent Docker is given: `--parent`, or `--parent.--vlan`.
fn parent_of(input: &NetInput) -> Result<String> {
    let parent = match input.vlan {
        None => input.parent.to_string(),
        Some(_) if vlan_form(input.parent).is_some() => {
            return Err(Error::usage(format!(
                "--parent {} already names a VLAN; drop --vlan, or give the base interface",
                input.parent
            )))
        }
        Some(vid) => {
            check_vid("--vlan", &vid.to_string())?;
            format!("{}.{vid}", input.parent)
        }
    };
    if !valid_ifname(&parent) {
        return Err(Error::usage(format!(
            "--parent {parent:?} is not an interface name (at most 15 characters, no '/' or spaces, not starting with '-'); give one like enp0s3"
        )));
    }
    // A parent meant as IF.VID that docker could not create is refused now; other dotted
    // names are left to the parent check, which knows whether the interface exists.
    if let Some(Err(why)) = vlan_form(&parent).filter(|_| looks_like_vlan(&parent)) {
        return Err(Error::usage(format!("--parent {parent}: {why}; give IF.VID with one dot and a VLAN id from 1 to 4094")));
    }
    Ok(parent)
}

/// Docker's rule for object names (networks and containers).
pub fn valid_docker_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric()) && chars.all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

/// The kernel's rule for interface names: 1 to 15 bytes, no `/`, `:` or white space;
/// and no leading `-`, which the kernel allows but `ip` and docker could read as an option.
pub fn valid_ifname(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('-')
        && name.len() <= 15
        && name != "."
        && name != ".."
        && !name.chars().any(|c| c == '/' || c == ':' || c.is_whitespace() || c.is_control())
}

/// Why a value is not an IPv4 address or CIDR: the one parser every flag goes through, so
/// each caller words its own message (the network flags say how to write one, `--ip` where
/// to choose one) and IPv6 is told apart everywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotIpv4 {
    /// An IPv6 value, which lanctl does not support yet.
    Ipv6,
    /// Not an address (or CIDR) at all.
    Malformed,
}

/// Parses an IPv4 address (`Ipv4Addr`) or CIDR (`Ipv4Net`).
pub fn parse_v4<T: std::str::FromStr>(s: &str) -> std::result::Result<T, NotIpv4> {
    if s.contains(':') {
        return Err(NotIpv4::Ipv6);
    }
    s.parse().map_err(|_| NotIpv4::Malformed)
}

fn ipv4(flag: &str, s: &str) -> Result<Ipv4Addr> {
    parse_v4(s).map_err(|e| match e {
        NotIpv4::Ipv6 => Error::usage(format!("{flag} {s} is IPv6, which lanctl does not support; give an IPv4 address")),
        NotIpv4::Malformed => Error::usage(format!("{flag} {s} is not an IPv4 address; write it like 192.168.23.1")),
    })
}

fn cidr(flag: &str, s: &str) -> Result<Ipv4Net> {
    parse_v4(s).map_err(|e| match e {
        NotIpv4::Ipv6 => Error::usage(format!("{flag} {s} is IPv6, which lanctl does not support; give an IPv4 CIDR")),
        NotIpv4::Malformed => Error::usage(format!("{flag} {s} is not an IPv4 CIDR; write it like 192.168.23.0/24")),
    })
}

fn parse_subnet(s: &str) -> Result<Ipv4Net> {
    let net = cidr("--subnet", s)?;
    if net.trunc() != net {
        let t = net.trunc();
        return Err(Error::usage(format!(
            "--subnet {s} is not canonical: it spans {}-{}; use --subnet {t}",
            t.network(),
            t.broadcast()
        )));
    }
    if net.prefix_len() > 30 {
        return Err(Error::usage(format!("--subnet {s} is too small for a gateway and containers; use a /30 or larger")));
    }
    Ok(net)
}

/// Reads `--ip-range` as a canonical CIDR or a `START-END` range inside the subnet.
fn parse_range(s: &str, subnet: Ipv4Net) -> Result<(AddrRange, IpNet)> {
    let (range, docker) = parse_range_alone(s)?;
    range_inside(s, &range, subnet.into())?;
    Ok((range, docker))
}

/// Refuses `--ip-range s` (read as `range`) unless all of it lies in `subnet`, of either
/// family.
fn range_inside(s: &str, range: &AddrRange, subnet: IpNet) -> Result<()> {
    if subnet.contains(&range.start) && subnet.contains(&range.end) {
        return Ok(());
    }
    Err(Error::usage(format!(
        "--ip-range {s} is not inside --subnet {subnet}; choose a range between {} and {}",
        subnet.network(),
        subnet.broadcast()
    )))
}

/// Reads `--ip-range` as a canonical CIDR or a `START-END` range, with no subnet to be
/// inside (`doctor --dhcp --ip-range`); also the block Docker would be given.
pub fn parse_range_alone(s: &str) -> Result<(AddrRange, IpNet)> {
    Ok(if s.contains('-') {
        let r = AddrRange::parse(s).ok_or_else(|| {
            Error::usage(format!("--ip-range {s} is not a range; write START-END like 192.168.23.100-192.168.23.131"))
        })?;
        if r.start.is_ipv6() {
            return Err(Error::usage(format!("--ip-range {s} is IPv6, which lanctl does not support; give an IPv4 range")));
        }
        if r.start > r.end {
            return Err(Error::usage(format!("--ip-range {s} ends before it starts; write START-END with START <= END")));
        }
        (r, r.largest_block())
    } else {
        let net = cidr("--ip-range", s)?;
        if net.trunc() != net {
            let t = net.trunc();
            let exact_end = Ipv4Addr::from(u32::from(net.addr()).saturating_add((1u32 << (32 - net.prefix_len())) - 1));
            return Err(Error::usage(format!(
                "--ip-range {s} is not canonical: Docker would silently take it as {t}, which spans {}-{}; \
                 use --ip-range {t}, or the exact range --ip-range {}-{exact_end}",
                t.network(),
                t.broadcast(),
                net.addr()
            )));
        }
        (AddrRange::of_net(net.into()), net.into())
    })
}

fn parse_aux(items: &[String], subnet: Ipv4Net) -> Result<Vec<(String, IpAddr)>> {
    let mut out: Vec<(String, IpAddr)> = Vec::new();
    for item in items {
        let (host, ip) = item
            .split_once('=')
            .filter(|(h, _)| !h.is_empty())
            .ok_or_else(|| Error::usage(format!("--aux-address {item} is not HOST=IP; write it like router2=192.168.23.2")))?;
        let ip = ipv4("--aux-address", ip)?;
        if !subnet.contains(&ip) {
            return Err(Error::usage(format!("--aux-address {item} is outside --subnet {subnet}; give an address inside it")));
        }
        if out.iter().any(|(h, _)| h == host) {
            return Err(Error::usage(format!("--aux-address {host} is given twice; name each address once")));
        }
        out.push((host.to_string(), ip.into()));
    }
    Ok(out)
}

/// Validates every rule that needs no look at the host. Nothing runs before this passes.
pub fn validate(input: &NetInput) -> Result<NetSpec> {
    if !valid_docker_name(input.name) {
        return Err(Error::usage(format!(
            "network name {:?} is invalid; use letters, digits, '_', '.', '-', starting with a letter or digit",
            input.name
        )));
    }
    let parent = parent_of(input)?;
    let subnet = parse_subnet(input.subnet)?;
    let gateway = ipv4("--gateway", input.gateway)?;
    if !subnet.contains(&gateway) {
        return Err(Error::usage(format!(
            "--gateway {gateway} is outside --subnet {subnet}; give the router's address on that subnet"
        )));
    }
    if gateway == subnet.network() || gateway == subnet.broadcast() {
        let what = if gateway == subnet.network() { "network" } else { "broadcast" };
        return Err(Error::usage(format!(
            "--gateway {gateway} is the {what} address of {subnet}; give the router's address, like {}",
            Ipv4Addr::from(u32::from(subnet.network()) + 1)
        )));
    }
    let (range, docker_range) = parse_range(input.ip_range, subnet)?;
    let mode = match input.mode {
        None => input.driver.default_mode().to_string(),
        Some(m) if input.driver.modes().contains(&m) => m.to_string(),
        Some(m) => {
            return Err(Error::usage(format!(
                "--mode {m} is not a {} mode; use one of {}",
                input.driver,
                input.driver.modes().join(", ")
            )))
        }
    };
    let aux = parse_aux(input.aux, subnet)?;
    // The router's address is never a container's, whatever else holds around it.
    if range.contains(gateway.into()) {
        return Err(Error::usage(format!(
            "--gateway {gateway} is inside --ip-range {}; the router's address is never a container's: give a range \
             that leaves it out",
            input.ip_range
        )));
    }
    if let Some((host, ip)) = aux.iter().find(|(_, ip)| *ip == gateway) {
        return Err(Error::usage(format!("--aux-address {host}={ip} is the gateway; give the address of another device")));
    }
    let v6 = input.v6.as_ref().map(v6_part).transpose()?;
    Ok(NetSpec {
        name: input.name.to_string(),
        driver: input.driver,
        parent,
        subnet: subnet.into(),
        gateway: gateway.into(),
        range,
        docker_range,
        mode,
        aux,
        reservation: None,
        config_only: false,
        v6,
    })
}

impl NetSpec {
    /// Reads the spec of an existing network; `None` when it is not an ipvlan/macvlan
    /// network with an IPv4 subnet. IPAM has one config per family: the IPv6 one, if
    /// any, is the IPv6 part.
    pub fn from_network(n: &Network) -> Option<NetSpec> {
        // A config-only network has no driver ("null"); lanctl always writes the mode
        // option, whose key names the driver.
        let by_mode = || [Driver::Ipvlan, Driver::Macvlan].into_iter().find(|d| n.options.contains_key(d.mode_key()));
        let driver = Driver::parse(&n.driver).or_else(|| n.config_only.then(by_mode).flatten())?;
        let cfg = n.ipam.config.iter().find(|c| c.subnet.parse::<Ipv4Net>().is_ok())?;
        let subnet: IpNet = cfg.subnet.parse().ok()?;
        let docker_range: IpNet = cfg.ip_range.parse().ok().filter(|r: &IpNet| r.addr().is_ipv4()).unwrap_or(subnet);
        let range =
            n.labels.get(labels::RANGE).and_then(|r| AddrRange::parse(r)).unwrap_or_else(|| AddrRange::of_net(docker_range));
        let mut aux: Vec<(String, IpAddr)> =
            cfg.aux.iter().filter_map(|(h, ip)| Some((h.clone(), ip.parse().ok().filter(|ip: &IpAddr| ip.is_ipv4())?))).collect();
        aux.sort();
        let name = if n.config_only { n.name.strip_suffix(CONFIG_SUFFIX).unwrap_or(&n.name) } else { &n.name };
        let v6 = n.ipam.config.iter().find_map(|c| {
            let subnet: IpNet = c.subnet.parse().ok().filter(|s: &IpNet| s.addr().is_ipv6())?;
            let docker_range: IpNet = c.ip_range.parse().ok().filter(|r: &IpNet| r.addr().is_ipv6()).unwrap_or(subnet);
            let range = n
                .labels
                .get(labels::RANGE6)
                .and_then(|r| AddrRange::parse(r))
                .filter(|r| r.start.is_ipv6())
                .unwrap_or_else(|| AddrRange::of_net(docker_range));
            let gateway = c.gateway.parse().ok().filter(|g: &IpAddr| g.is_ipv6()).or_else(|| offset(subnet.network(), 1))?;
            Some(V6Part { subnet, gateway, range, docker_range })
        });
        Some(NetSpec {
            name: name.to_string(),
            driver,
            parent: n.options.get("parent").cloned().unwrap_or_default(),
            subnet,
            gateway: cfg
                .gateway
                .parse()
                .ok()
                .filter(|g: &IpAddr| g.is_ipv4())
                .or_else(|| offset(subnet.network(), 1))
                .unwrap_or(subnet.network()),
            range,
            docker_range,
            mode: n.options.get(driver.mode_key()).cloned().unwrap_or_else(|| driver.default_mode().to_string()),
            aux,
            reservation: n.labels.get(labels::RESERVATION).and_then(|r| AddrRange::parse(r)),
            config_only: n.config_only,
            v6,
        })
    }

    /// What differs between this (existing) spec and a requested one, one phrase each.
    pub fn differences(&self, wanted: &NetSpec) -> Vec<String> {
        let mut out = Vec::new();
        let mut cmp = |what: &str, have: String, want: String| {
            if have != want {
                out.push(format!("{what} is {have}, not {want}"));
            }
        };
        cmp("driver", self.driver.to_string(), wanted.driver.to_string());
        cmp("parent", self.parent.clone(), wanted.parent.clone());
        cmp("subnet", self.subnet.to_string(), wanted.subnet.to_string());
        cmp("gateway", self.gateway.to_string(), wanted.gateway.to_string());
        cmp("ip-range", self.range.to_string(), wanted.range.to_string());
        cmp("mode", self.mode.clone(), wanted.mode.clone());
        let six = |v6: &Option<V6Part>, f: fn(&V6Part) -> String| v6.as_ref().map_or_else(|| "none".to_string(), f);
        cmp("IPv6 subnet", six(&self.v6, |p| p.subnet.to_string()), six(&wanted.v6, |p| p.subnet.to_string()));
        cmp("IPv6 gateway", six(&self.v6, |p| p.gateway.to_string()), six(&wanted.v6, |p| p.gateway.to_string()));
        cmp("IPv6 ip-range", six(&self.v6, |p| p.range.to_string()), six(&wanted.v6, |p| p.range.to_string()));
        let whole = |r: Option<AddrRange>| r.map_or_else(|| "none".to_string(), |r| r.to_string());
        cmp("reservation", whole(self.reservation), whole(wanted.reservation));
        let mut want_aux = wanted.aux.clone();
        want_aux.sort();
        let show = |a: &[(String, IpAddr)]| {
            if a.is_empty() {
                "none".to_string()
            } else {
                a.iter().map(|(h, ip)| format!("{h}={ip}")).collect::<Vec<_>>().join(",")
            }
        };
        cmp("aux-address", show(&self.aux), show(&want_aux));
        out
    }

    /// Whether `n` is lanctl's: it carries `io.lanctl.managed`, or it is the swarm network
    /// made from lanctl's config-only part of the same name (which can carry no label).
    pub fn is_lanctl(n: &Network) -> bool {
        n.labels.contains_key(labels::MANAGED)
            || (n.scope == "swarm" && n.config_from.network == format!("{}{CONFIG_SUFFIX}", n.name))
    }

    /// The name of this network's config-only part on a node of a swarm network.
    pub fn config_name(&self) -> String {
        format!("{}{CONFIG_SUFFIX}", self.name)
    }

    /// Whether the LAN reaches the tenants only through a route via this host: ipvlan in
    /// l3 or l3s mode answers no ARP for them, so the LAN's router must route the subnet.
    pub fn routed(&self) -> bool {
        self.driver == Driver::Ipvlan && (self.mode == "l3" || self.mode == "l3s")
    }

    /// For a routed network, the route a LAN router or client needs: the subnet via the
    /// host's address on the parent (one outside the subnet first), if it has one.
    pub fn lan_route(&self, links: &[IpLink]) -> Option<LanRoute> {
        if !self.routed() {
            return None;
        }
        let mut on_parent: Vec<IpAddr> =
            links.iter().filter(|l| l.ifname == self.parent).flat_map(|l| l.ipv4().map(|(ip, _)| IpAddr::V4(ip))).collect();
        on_parent.sort_by_key(|ip| self.subnet.contains(ip));
        // The same for IPv6: the IPv6 subnet via the parent's global IPv6 address (a
        // link-local one would need the router's interface named too).
        let ipv6 = self.v6.as_ref().map(|v6| {
            let mut on_parent: Vec<IpAddr> =
                links.iter().filter(|l| l.ifname == self.parent).flat_map(|l| l.ipv6().map(IpAddr::V6)).collect();
            on_parent.sort_by_key(|ip| v6.subnet.contains(ip));
            LanRoute6 { subnet: v6.subnet, via: on_parent.first().copied() }
        });
        Some(LanRoute { subnet: self.subnet, via: on_parent.first().copied(), ipv6, parent: self.parent.clone() })
    }

    /// Addresses in the subnet that no tenant may take: network, broadcast, gateway, aux.
    pub fn reserved(&self) -> Vec<(IpAddr, String)> {
        let mut out = vec![
            (self.subnet.network(), "network address".to_string()),
            (self.subnet.broadcast(), "broadcast address".to_string()),
            (self.gateway, "gateway".to_string()),
        ];
        out.extend(self.aux.iter().map(|(h, ip)| (*ip, format!("aux address {h}"))));
        if let Some(v6) = &self.v6 {
            out.push((v6.subnet.network(), "subnet-router anycast address".to_string()));
            out.push((v6.gateway, "IPv6 gateway".to_string()));
        }
        out
    }
}

/// The route a LAN router or client needs to reach a routed (ipvlan l3/l3s) network.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LanRoute {
    pub subnet: IpNet,
    /// The host's address on the parent; `None` when it has none.
    pub via: Option<IpAddr>,
    /// On a dual-stack network: the IPv6 route.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6: Option<LanRoute6>,
    #[serde(skip)]
    pub parent: String,
}

/// The IPv6 route of a routed dual-stack network: its IPv6 subnet via the host's global
/// IPv6 address on the parent; `None` when it has none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LanRoute6 {
    pub subnet: IpNet,
    pub via: Option<IpAddr>,
}

impl LanRoute {
    /// The line to run on the LAN's router, or what to do first when the parent has no
    /// address.
    pub fn advice(&self) -> String {
        let subnet = self.subnet;
        match self.via {
            Some(via) => format!("ip route add {subnet} via {via}"),
            None => format!(
                "none yet: {} has no IPv4 address; give it one on the LAN, then add `ip route add {subnet} via THAT_ADDRESS` on the LAN's router",
                self.parent
            ),
        }
    }

    /// The IPv6 line to run on the LAN's router, or what to do first, on a dual-stack
    /// network.
    pub fn advice6(&self) -> Option<String> {
        let r = self.ipv6.as_ref()?;
        let subnet = r.subnet;
        Some(match r.via {
            Some(via) => format!("ip -6 route add {subnet} via {via}"),
            None => format!(
                "none yet: {} has no global IPv6 address; give it one on the LAN, then add `ip -6 route add {subnet} via THAT_ADDRESS` on the LAN's router",
                self.parent
            ),
        })
    }
}

#[cfg(test)]
mod tests;

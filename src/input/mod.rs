//! Lowering: the command line as clap read it (`cli`, strings) becomes domain input
//! (`Request`, validated values) before anything runs, as ripgrep turns its `LowArgs`
//! into `HiArgs`. This module and `lib.rs` are the only ones that know `cli`; every
//! check of a value that could reach an argv happens here or in the `lower` functions it
//! calls, so bad input exits 2 with nothing run.

pub mod many_hosts;

use std::net::Ipv4Addr;
use std::time::Duration;

use crate::checks::{DhcpRange, DoctorInput};
use crate::cli::{Cli, Command, DoctorArgs, NetCommand, TenantEnvArgs, UpArgs, UpdateArgs};
use crate::conflict::CheckInput;
use crate::engine::netspec::{self, valid_ifname};
use crate::exec::error::{Error, Result};
use crate::export::{ExportInput, Format};
use crate::fleet::{self, ApplyInput};
use crate::launch::batch::BatchOpts;
use crate::launch::draft::{
    check_image, check_label, check_net_name, check_ready, check_restart, split_label, Origin, TenantDraft,
};
use crate::launch::env::{self, EnvFile, EnvItem};
use crate::launch::health::SETTLE;
use crate::launch::preset::Presets;
use crate::launch::ready::UPDATE_SETTLE_SECS;
use crate::launch::spec::check_name;
use crate::launch::{default_parallel, process_env};
use crate::net::NetCreateInput;
use crate::provision::multi::MultiNet;
use crate::shim::{HostAccessInput, ShimAction};
use crate::target::ctx::Config;
use crate::tenant::down::DownInput;
use crate::tenant::logs::LogsInput;
use crate::tenant::place::UpOnHosts;
use crate::tenant::restart::RestartInput;
use crate::tenant::stop::StopInput;
use crate::tenant::up::UpInput;
use crate::tenant::update::UpdateInput;

/// The longest `--wait`: an update that must prove itself for more than an hour is a
/// mistake, and a bound keeps the deadline arithmetic safe.
pub const MAX_WAIT_SECS: u64 = 3600;

/// One command line, lowered.
pub struct Input {
    pub config: Config,
    pub request: Request,
}

/// What to do (`order`) and on which hosts (`hosts`).
pub struct Request {
    pub hosts: Hosts,
    pub order: Order,
}

/// Which hosts a request is for. `lib::run` reads it beside the order, so a command on
/// every host or on named hosts is the same order as on one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hosts {
    /// The run's one host: `--host`, else the local engine.
    One,
    /// Every context of `docker context ls` (`--all-hosts`): `doctor`, `ls`, `net ls`.
    All,
    /// The hosts the input names, which the order's input holds with what each host gets:
    /// `net create --hosts` (the slices), `up --hosts` (the placement), a fleet file with
    /// `hosts`.
    Named,
}

/// What a command line asks for. An order whose input on several hosts is of another
/// kind than on one (a network's slices, a tenant's placement) has a variant for it.
pub enum Order {
    Doctor(DoctorInput),
    NetCreate(NetCreateInput),
    /// `net create` of an IPv6-only network, with its IPv6 `--subnet`: refused by what the
    /// engine can do, which only the engine's version says.
    NetCreateIpv6Only(String),
    /// `net create --hosts`: one network, a slice of its range on each host; with
    /// `--swarm`, a config-only network per node and one swarm network.
    NetCreateShared {
        net: MultiNet,
        swarm: bool,
    },
    NetLs,
    NetShow(String),
    NetRm(String),
    Up(UpInput),
    /// `up --hosts`: on the host chosen among those sharing the network.
    UpPlaced(UpOnHosts),
    Down(DownInput),
    /// The tenants of one network or all.
    Ls(Option<String>),
    Update(UpdateInput),
    HostAccess(HostAccessInput),
    Apply(ApplyInput),
    Completions(clap_complete::Shell),
    Man(Option<std::path::PathBuf>),
    Logs(LogsInput),
    Restart(RestartInput),
    Stop(StopInput),
    Check(CheckInput),
    Export(ExportInput),
    Presets,
}

pub fn lower(cli: Cli) -> Result<Input> {
    let mut config = config(&cli)?;
    crate::lan::prober::check_env()?;
    let mut hosts = Hosts::One;
    let order = match cli.command {
        Command::Doctor(a) => {
            hosts = all_hosts(a.all_hosts, &config)?;
            Order::Doctor(doctor(a)?)
        }
        Command::Net(NetCommand::Create(a)) => {
            if a.check_dhcp && config.skip_checks {
                return Err(Error::usage("--check-dhcp asks for a check and --skip-checks for none; give one of them"));
            }
            let r = many_hosts::net_create(&a, config.host.as_deref())?;
            hosts = r.hosts;
            r.order
        }
        Command::Net(NetCommand::Ls(a)) => {
            hosts = all_hosts(a.all_hosts, &config)?;
            Order::NetLs
        }
        Command::Net(NetCommand::Show { name }) => Order::NetShow(net_name("network", name)?),
        Command::Net(NetCommand::Rm { name }) => Order::NetRm(net_name("network", name)?),
        Command::Up(a) => {
            let on = a.hosts.clone();
            let input = up(a)?;
            if on.is_empty() {
                Order::Up(input)
            } else {
                hosts = Hosts::Named;
                many_hosts::up_on_hosts(input, &on, &mut config)?
            }
        }
        Command::Down(a) => {
            for n in &a.names {
                check_name(n)?;
            }
            Order::Down(DownInput { names: a.names, all: a.all, timeout: timeout(a.timeout)? })
        }
        Command::Ls(a) => {
            let net = a.net.map(|n| net_name("--net", n)).transpose()?;
            hosts = all_hosts(a.all_hosts, &config)?;
            Order::Ls(net)
        }
        Command::Update(a) => Order::Update(update(a)?),
        Command::HostAccess(a) => Order::HostAccess(HostAccessInput {
            net: net_name("network", a.net)?,
            address: a.address.as_deref().map(|s| ipv4("--address", s)).transpose()?.map(Into::into),
            ifname: a.ifname.map(ifname).transpose()?,
            action: match (a.remove, a.status, a.persist) {
                (true, _, _) => ShimAction::Remove,
                (_, true, _) => ShimAction::Status,
                (_, _, Some(system)) => ShimAction::Persist { system, write: a.write },
                _ => ShimAction::Ensure,
            },
            no_probe: a.no_probe,
        }),
        Command::Completions { shell } => Order::Completions(shell),
        Command::Man { dir } => Order::Man(dir),
        Command::Apply(a) => {
            let apply = ApplyInput {
                fleet: fleet::load(&a.file)?,
                prune: a.prune,
                opts: BatchOpts {
                    no_probe: a.no_probe,
                    parallel: parallel(a.parallel)?,
                    pull: None,
                    // A new tenant settles as `up`'s does; a changed one's new container
                    // as `update`'s, since its old one waits parked meanwhile.
                    wait: a.wait.map(wait).transpose()?.unwrap_or(SETTLE),
                    wait_given: a.wait.is_some(),
                    update_wait: wait(a.wait.unwrap_or(UPDATE_SETTLE_SECS))?,
                },
            };
            match (&apply.fleet.placed, &config.host) {
                (None, _) => Order::Apply(apply),
                (Some(_), None) => {
                    hosts = Hosts::Named;
                    Order::Apply(apply)
                }
                (Some(_), Some(h)) => {
                    return Err(Error::usage(format!(
                        "{} names its hosts, and --host {h} names one; leave --host out",
                        a.file.display()
                    )))
                }
            }
        }
        Command::Logs(a) => {
            check_name(&a.name)?;
            Order::Logs(LogsInput { name: a.name, tail: a.tail, follow: a.follow })
        }
        Command::Restart(a) => Order::Restart(RestartInput {
            names: tenant_names(a.names)?,
            wait: a.wait.map(wait).transpose()?.unwrap_or(SETTLE),
            wait_given: a.wait.is_some(),
        }),
        Command::Stop(a) => Order::Stop(StopInput { names: tenant_names(a.names)?, timeout: timeout(a.timeout)? }),
        Command::Check(a) => Order::Check(CheckInput { names: tenant_names(a.names)?, watch: a.watch, dhcp: a.dhcp }),
        Command::Export(a) => Order::Export(export(a)?),
        Command::Presets => Order::Presets,
    };
    Ok(Input { config, request: Request { hosts, order } })
}

fn config(cli: &Cli) -> Result<Config> {
    let docker = match &cli.docker {
        Some(p) if p.as_os_str().is_empty() => return Err(Error::usage("--docker is empty; give the path of the docker CLI")),
        Some(p) => p.to_string_lossy().into_owned(),
        // Left to PATH at run time, so dry-run lines read `docker ...` and paste anywhere.
        None => "docker".to_string(),
    };
    if let Some(h) = &cli.host {
        // A host is a docker context, whose name is docker's object name; anything else
        // could be read as an option by docker or ssh.
        if !crate::engine::netspec::valid_docker_name(h) {
            return Err(Error::usage(format!("--host {h:?} is not a docker context name; list them with `docker context ls`")));
        }
    }
    Ok(Config {
        dry_run: cli.dry_run,
        json: cli.json,
        verbose: cli.verbose,
        docker,
        host: cli.host.clone(),
        skip_checks: cli.skip_checks,
        yes: cli.yes,
    })
}

fn update(a: UpdateArgs) -> Result<UpdateInput> {
    check_name(&a.name)?;
    let env_file = a.env.env_file.as_deref().map(env::read_file).transpose()?;
    let mut labels = Vec::with_capacity(a.labels.len());
    for l in &a.labels {
        let (k, v) = split_label("--label", l)?;
        check_label("--label", &k, &v)?;
        labels.push((k, v));
    }
    for k in &a.rm_labels {
        check_label("--rm-label", k, "")?;
        if labels.iter().any(|(l, _)| l == k) {
            return Err(Error::usage(format!("--label {k} and --rm-label {k} contradict each other; give one of them")));
        }
    }
    Ok(UpdateInput {
        env: env_items(&a.env, env_file.as_ref())?,
        env_file,
        image: a.env.image.as_deref().map(|i| check_image("--image", i)).transpose()?,
        pull: a.env.pull,
        restart: a.restart.as_deref().map(|r| check_restart("--restart", r)).transpose()?,
        labels,
        rm_labels: a.rm_labels,
        args: match (a.no_args, a.args.is_empty()) {
            (true, _) => Some(Vec::new()),
            (false, true) => None,
            (false, false) => Some(a.args),
        },
        wait: wait(a.wait.unwrap_or(UPDATE_SETTLE_SECS))?,
        wait_given: a.wait.is_some(),
        ready: a.ready.as_deref().map(|r| check_ready("--ready", r)).transpose()?,
        timeout: timeout(a.timeout)?,
        name: a.name,
    })
}

fn doctor(a: DoctorArgs) -> Result<DoctorInput> {
    if let Some(p) = a.parent.as_deref().filter(|p| !valid_ifname(p)) {
        return Err(Error::usage(format!(
            "--parent {p:?} is not an interface name (at most 15 characters, no '/' or spaces, not starting with '-'); give one like enp0s3"
        )));
    }
    let dhcp = match (a.dhcp, a.net, a.ip_range) {
        (false, _, _) => None,
        (true, Some(net), None) => Some(DhcpRange::Net(net_name("--net", net)?)),
        // The value's family says which: an IPv6 range is for the router advertisement check.
        (true, None, Some(range)) if range.contains(':') => Some(DhcpRange::Range(netspec::parse_range6_alone(&range)?.0)),
        (true, None, Some(range)) => Some(DhcpRange::Range(netspec::parse_range_alone(&range)?.0)),
        // clap refuses both together; the words are for neither.
        (true, _, _) => {
            return Err(Error::usage(
                "doctor --dhcp needs the reserved range to check: give --net NAME, or --ip-range START-END with --parent IF",
            ))
        }
    };
    Ok(DoctorInput { driver: a.driver, parent: a.parent, dhcp })
}

/// `--all-hosts`, which `--host` contradicts.
/// `--all-hosts`, which `--host` contradicts.
fn all_hosts(all: bool, config: &Config) -> Result<Hosts> {
    match (all, &config.host) {
        (true, Some(h)) => Err(Error::usage(format!("--all-hosts asks every host, --host {h} one; give one of them"))),
        (true, None) => Ok(Hosts::All),
        (false, _) => Ok(Hosts::One),
    }
}

fn net_name(what: &str, name: String) -> Result<String> {
    check_net_name(what, &name)?;
    Ok(name)
}

fn ipv4(what: &str, s: &str) -> Result<Ipv4Addr> {
    use crate::engine::netspec::{parse_v4, NotIpv4};
    parse_v4(s).map_err(|e| match e {
        NotIpv4::Ipv6 => Error::usage(format!(
            "{what} {s:?} is IPv6, which lanctl does not support yet; give an IPv4 address in the network's subnet"
        )),
        NotIpv4::Malformed => Error::usage(format!("{what} {s:?} is not an IPv4 address; give one in the network's subnet")),
    })
}

fn ifname(name: String) -> Result<String> {
    if valid_ifname(&name) {
        Ok(name)
    } else {
        Err(Error::usage(format!(
            "--ifname {name:?} is not an interface name; use up to 15 characters, no '/' or spaces, not starting with '-'"
        )))
    }
}

/// Tenant names as `down`, `restart` and `stop` take them: each valid, each once.
fn tenant_names(names: Vec<String>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(names.len());
    for n in names {
        check_name(&n)?;
        if !out.contains(&n) {
            out.push(n);
        }
    }
    Ok(out)
}

fn wait(secs: u64) -> Result<Duration> {
    if secs > MAX_WAIT_SECS {
        return Err(Error::usage(format!("--wait {secs} is too long; give at most {MAX_WAIT_SECS} seconds")));
    }
    Ok(Duration::from_secs(secs))
}

/// `--timeout`: docker's stop grace period, bounded as `--wait` is.
fn timeout(secs: Option<u64>) -> Result<Option<u64>> {
    match secs {
        Some(s) if s > MAX_WAIT_SECS => {
            Err(Error::usage(format!("--timeout {s} is too long; give at most {MAX_WAIT_SECS} seconds")))
        }
        _ => Ok(secs),
    }
}

fn parallel(p: Option<usize>) -> Result<usize> {
    match p {
        Some(0) => Err(Error::usage("--parallel 0 runs nothing; give 1 or more")),
        Some(n) => Ok(n.min(64)),
        None => Ok(default_parallel()),
    }
}

/// `--env-file` (first, as docker reads it first), `-e` and `--ip-env`, in order.
fn env_items(a: &TenantEnvArgs, file: Option<&EnvFile>) -> Result<Vec<EnvItem>> {
    let mut items: Vec<EnvItem> = file.iter().flat_map(|f| f.keys.iter().cloned().map(EnvItem::File)).collect();
    for e in &a.env {
        items.push(env::parse_flag("-e", e, &process_env)?);
    }
    for k in &a.ip_env {
        env::check_key("--ip-env", k)?;
        items.push(EnvItem::Ip(k.clone()));
    }
    for k in &a.ip6_env {
        env::check_key("--ip6-env", k)?;
        items.push(EnvItem::Ip6(k.clone()));
    }
    Ok(items)
}

/// The names asked for: listed, or `--count N --prefix P`.
fn names(a: &UpArgs) -> Result<Vec<String>> {
    let names: Vec<String> = match (a.count, &a.prefix) {
        (Some(0), _) => return Err(Error::usage("--count 0 starts nothing; give 1 or more")),
        (Some(n), Some(p)) => (1..=n).map(|i| format!("{p}{i}")).collect(),
        _ => a.names.clone(),
    };
    for (i, n) in names.iter().enumerate() {
        check_name(n)?;
        if names[..i].contains(n) {
            return Err(Error::usage(format!("tenant {n} is named twice; name each tenant once")));
        }
    }
    if !a.ip.is_empty() && names.len() > 1 {
        return Err(Error::usage("--ip gives one address; use it with one tenant name"));
    }
    if a.mac.is_some() && names.len() > 1 {
        return Err(Error::usage("--mac gives one MAC address; use it with one tenant name"));
    }
    Ok(names)
}

/// `--mac`: six hex octets, unicast, not all zeros; kept in lanctl's (and ip's) spelling.
fn mac(s: &str) -> Result<String> {
    let m: crate::lan::arp::Mac = s.parse().map_err(|e: String| Error::usage(format!("--mac {e}")))?;
    match crate::lan::arp::refuse_tenant_mac(m) {
        Some(why) => Err(Error::usage(format!("--mac {s} {why}; give a unicast MAC such as 02:00:00:00:00:01"))),
        None => Ok(m.to_string()),
    }
}

fn up(a: UpArgs) -> Result<UpInput> {
    // `--count` is bounded by the free addresses once the network is read; this bound
    // only keeps a typo from building a huge list first.
    if a.count.is_some_and(|n| n > 65_536) {
        return Err(Error::usage("--count is larger than any IPv4 range lanctl reserves; give the number of tenants to start"));
    }
    let names = names(&a)?;
    let env_file = a.env.env_file.as_deref().map(env::read_file).transpose()?;
    let labels = a.labels.iter().map(|l| split_label("--label", l)).collect::<Result<Vec<_>>>()?;
    let draft = TenantDraft {
        origin: Origin::Cli,
        name: String::new(),
        net: a.net.clone(),
        preset: a.preset.clone(),
        image: a.env.image.clone(),
        ip: a.ip.clone(),
        outside_range: a.outside_range,
        slaac: a.slaac,
        env: env_items(&a.env, env_file.as_ref())?,
        env_file,
        labels,
        restart: a.restart.clone(),
        args: a.args.clone(),
        ready: a.ready.clone(),
    };
    let mut tenants = Vec::with_capacity(names.len());
    let mac = a.mac.as_deref().map(mac).transpose()?;
    // The presets directory is read only when a preset is named, once for all tenants.
    let presets = if draft.preset.is_some() { Presets::load()? } else { Presets::builtin() };
    for name in names {
        let mut t = TenantDraft { name, ..draft.clone() }.lower(&process_env, &presets)?;
        t.spec.mac.clone_from(&mac);
        tenants.push(t);
    }
    let opts = BatchOpts {
        no_probe: a.no_probe,
        parallel: parallel(a.parallel)?,
        pull: a.env.pull,
        wait: a.wait.map(wait).transpose()?.unwrap_or(SETTLE),
        wait_given: a.wait.is_some(),
        update_wait: a.wait.map(wait).transpose()?.unwrap_or(SETTLE),
    };
    Ok(UpInput { tenants, opts })
}

/// `export FORMAT [NET] [--slice START-END]`: a known format, a network name, the slice
/// exactly for the formats that hand one to a cluster, and the time its header names.
fn export(a: crate::cli::ExportArgs) -> Result<ExportInput> {
    let Some(format) = Format::parse(&a.format) else {
        return Err(Error::usage(format!("export: unknown format {:?}; give one of {}", a.format, Format::names())));
    };
    let net = a.net.map(|n| net_name("network", n)).transpose()?;
    let slice = match (format.takes_slice(), a.slice.as_deref()) {
        (true, None) => {
            return Err(Error::usage(format!(
                "export {}: needs --slice START-END, the addresses of the range the cluster may hand out",
                format.as_str()
            )))
        }
        (false, Some(_)) => {
            return Err(Error::usage(format!(
                "export {}: --slice is for cni and k8s, which hand addresses out; leave it out",
                format.as_str()
            )))
        }
        (_, s) => s.map(slice).transpose()?,
    };
    Ok(ExportInput { format, net, slice, at: export_time()? })
}

/// `--slice START-END`, two IPv4 addresses in order.
fn slice(s: &str) -> Result<crate::engine::netspec::AddrRange> {
    match crate::engine::netspec::AddrRange::parse(s) {
        Some(r) if r.start <= r.end => Ok(r),
        _ => Err(Error::usage(format!(
            "--slice {s:?} is not START-END, two IPv4 addresses with the lower first; give one like 192.168.23.124-192.168.23.131"
        ))),
    }
}

/// Now, or `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds convention)
/// when it is set, so the same tenants export the same text.
fn export_time() -> Result<std::time::SystemTime> {
    let Some(v) = std::env::var_os("SOURCE_DATE_EPOCH") else { return Ok(std::time::SystemTime::now()) };
    let v = v.to_string_lossy();
    let secs: u64 = v.trim().parse().map_err(|_| {
        Error::usage(format!("SOURCE_DATE_EPOCH {v:?} is not a number of seconds since 1970; unset it or give one"))
    })?;
    Ok(std::time::UNIX_EPOCH + Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn apply_opts(extra: &[&str]) -> BatchOpts {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fleet.json");
        std::fs::write(
            &file,
            r#"{"networks":[{"name":"lan","driver":"macvlan","parent":"eth1","subnet":"198.51.100.0/24",
                "gateway":"198.51.100.1","ip_range":"198.51.100.140-198.51.100.171"}],
               "tenants":[{"name":"t1","image":"img"}]}"#,
        )
        .unwrap();
        let mut args = vec!["lanctl", "apply"];
        args.extend(extra);
        let path = file.to_string_lossy().into_owned();
        args.push(&path);
        match lower(Cli::try_parse_from(args).unwrap()).unwrap().request.order {
            Order::Apply(a) => a.opts,
            _ => panic!("not an apply"),
        }
    }

    #[test]
    fn apply_settles_a_new_tenant_as_up_does_and_a_changed_one_as_update_does() {
        let opts = apply_opts(&[]);
        assert_eq!((opts.wait, opts.wait_given, opts.update_wait), (SETTLE, false, Duration::from_secs(UPDATE_SETTLE_SECS)));
        let opts = apply_opts(&["--wait", "7"]);
        assert_eq!((opts.wait, opts.wait_given, opts.update_wait), (Duration::from_secs(7), true, Duration::from_secs(7)));
    }
}

//! The command line, as clap reads it. Values stay raw strings here; `input` lowers them
//! into validated domain values before anything runs.

pub mod argv;
pub mod generate;
pub mod man_extra;
pub mod suggest;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::engine::netspec::Driver;

pub const EXIT_CODES: &str = "\
Exit codes:
  0  ok
  1  an operation failed; for check: a problem found (LAN, readiness, shim, DHCP)
  2  invalid usage or input, or a refusal (see the README): nothing changed
  3  a prerequisite check failed: nothing changed
     (with --dry-run the plan is still printed; exit 0 with --skip-checks)
  130 interrupted once the change under way had finished or was undone";

#[derive(Debug, Parser)]
#[command(
    name = "lanctl",
    version,
    about = "Give every container its own LAN address: Docker ipvlan/macvlan networks and tenants",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Print the commands that would change the host, as bash, and change nothing
    #[arg(short = 'n', long, global = true, help_heading = "Global options")]
    pub dry_run: bool,
    /// Print data as JSON
    #[arg(long, global = true, help_heading = "Global options")]
    pub json: bool,
    /// Echo every executed command to stderr as `+ <line>`
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub verbose: bool,
    /// The docker CLI to run [default: docker on PATH]
    #[arg(long, global = true, env = "LANCTL_DOCKER", value_name = "PATH", help_heading = "Global options")]
    pub docker: Option<PathBuf>,
    /// The host to drive: a docker context (ssh:// runs host-side commands over ssh)
    #[arg(long, visible_alias = "context", global = true, value_name = "NAME", help_heading = "Global options")]
    pub host: Option<String>,
    /// Run no prerequisite checks (for planning on another host)
    #[arg(long, global = true, help_heading = "Global options")]
    pub skip_checks: bool,
    /// Answer yes to confirmations
    #[arg(short = 'y', long, global = true, help_heading = "Global options")]
    pub yes: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the host: docker, kernel support, parent interface; with --dhcp, the LAN's DHCP pool
    Doctor(DoctorArgs),
    /// Create, list, show and remove lanctl networks
    #[command(subcommand)]
    Net(NetCommand),
    /// Start a tenant: one container with its own address
    Up(UpArgs),
    /// Stop and remove tenants
    Down(DownArgs),
    /// List tenants
    Ls(LsArgs),
    /// Recreate a tenant with a changed spec on the same address, rolling back on failure
    Update(UpdateArgs),
    /// Let the host reach a network's tenants through a shim interface on the parent
    HostAccess(HostAccessArgs),
    /// Converge the host to a fleet file of networks and tenants
    Apply(ApplyArgs),
    /// Print the shell completion script (bash, zsh, fish, elvish, powershell)
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, or write every page into a directory
    Man {
        /// Write lanctl.1 and one page per subcommand into DIR
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Show a tenant's log
    Logs(LogsArgs),
    /// Restart tenants on their own addresses (also stopped ones)
    Restart(RestartArgs),
    /// Stop tenants and keep them stopped, also across reboots, until restarted
    Stop(StopArgs),
    /// Ask the LAN who holds each running tenant's address (ok, conflict, unreachable), try
    /// each tenant's readiness check (not-ready), look for missing shims (no-shim) and, with
    /// --dhcp, DHCP offers of reserved addresses; --watch keeps listening
    Check(CheckArgs),
    /// Print a network's tenants for the LAN's DHCP and DNS (dnsmasq, hosts, kea), or a slice
    /// of it for a cluster (cni, k8s); read-only
    Export(ExportArgs),
    /// List the presets `--preset` takes: the built-in ones and those of
    /// /etc/lanctl/presets.d (LANCTL_PRESETS_DIR), with their image, check, variables and
    /// secrets
    Presets,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// dnsmasq (dhcp-host and host-record lines), hosts (an /etc/hosts block), kea (a Kea
    /// DHCPv4 "reservations" object), cni (a CNI conflist) or k8s (a Multus
    /// NetworkAttachmentDefinition); --json prints the tenants' name, address and mac instead
    #[arg(value_name = "FORMAT", value_parser = suggest::EXPORT_FORMAT)]
    pub format: String,
    /// The lanctl network [default: the only one]
    #[arg(value_name = "NET")]
    pub net: Option<String>,
    /// For cni and k8s: the addresses of the range the cluster's IPAM may hand out
    #[arg(long, value_name = "START-END")]
    pub slice: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Networks or tenants to check [default: every running tenant]
    #[arg(value_name = "NET|TENANT")]
    pub names: Vec<String>,
    /// Keep listening, passively: one line per ARP or NDP message from another MAC claiming a
    /// tenant's address, and per DHCP offer, request or ack of an address in a reserved range
    /// (NDJSON with --json), until SIGTERM or Ctrl-C
    #[arg(long)]
    pub watch: bool,
    /// Also ask the LAN's DHCP servers (discovers, no lease taken) whether they offer an
    /// address of a reserved range: 4 s more, up to about 34 s
    #[arg(long, conflicts_with = "watch")]
    pub dhcp: bool,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// The tenant
    pub name: String,
    /// Only the last N lines [default: all]
    #[arg(long, value_name = "N")]
    pub tail: Option<u64>,
    /// Keep showing what it writes, until interrupted
    #[arg(short, long)]
    pub follow: bool,
}

#[derive(Debug, Args)]
pub struct RestartArgs {
    /// Tenants to restart
    #[arg(required = true)]
    pub names: Vec<String>,
    /// The most seconds to wait for each to be ready by its image's check (0: do not
    /// wait); running means still running after it [default: 120 for healthy, 0.5 for
    /// running, from its start]
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<u64>,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Tenants to stop
    #[arg(required = true)]
    pub names: Vec<String>,
    /// Seconds docker waits for each container to stop before it kills it (docker stop's
    /// --time), 0 to 3600 [default: docker's, 10]
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The fleet file (JSON; schema in the README)
    pub file: PathBuf,
    /// Remove lanctl tenants on the file's networks that the file does not name
    #[arg(long)]
    pub prune: bool,
    /// How many `docker run`s go at once [default: twice the cores, 2 to 8]
    #[arg(long, value_name = "J")]
    pub parallel: Option<usize>,
    /// Do not probe the LAN (ARP duplicate address detection, RFC 5227) before using addresses
    #[arg(long)]
    pub no_probe: bool,
    /// The most seconds to wait for a created, started or updated tenant to be ready by
    /// its check (the file's "ready"; an updated one before its old container is removed;
    /// 0: do not wait); running means still running after it [default: 60 for tcp and
    /// http, 120 for healthy; for running 0.5 for a new tenant, 5 for an updated one]
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<u64>,
}

#[derive(Debug, Args)]
pub struct HostAccessArgs {
    /// The lanctl network
    pub net: String,
    /// The shim's address, of either family (the other family's is chosen) [default: the highest free address of the subnet outside the range]
    #[arg(long, value_name = "IP")]
    pub address: Option<String>,
    /// The shim's interface name [default: lc-NET]
    #[arg(long, value_name = "NAME")]
    pub ifname: Option<String>,
    /// Remove the shim
    #[arg(long, conflicts_with_all = ["status", "address", "persist"])]
    pub remove: bool,
    /// Show the shim
    #[arg(long, conflicts_with_all = ["address", "persist"])]
    pub status: bool,
    /// Print the configuration that recreates the shim at boot
    #[arg(long, value_name = "SYSTEM", value_parser = ["systemd-networkd", "ifupdown"])]
    pub persist: Option<String>,
    /// With --persist: write the configuration where that system reads it
    #[arg(long, requires = "persist")]
    pub write: bool,
    /// Do not probe the LAN (ARP duplicate address detection, RFC 5227; NDP's, RFC 4862, for IPv6) before choosing the shim's address
    #[arg(long)]
    pub no_probe: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The driver to check for [default: both]
    #[arg(long, value_enum)]
    pub driver: Option<Driver>,
    /// The LAN interface the network will sit on
    #[arg(long, value_name = "IF")]
    pub parent: Option<String>,
    /// Check that the LAN's DHCP server offers no address of the reserved range (--net, or
    /// --ip-range with --parent): DHCPDISCOVERs on the parent, never a DHCPREQUEST, so no
    /// lease is taken; and read the routers' advertisements for IPv6; root only; runs under
    /// --dry-run too
    #[arg(long)]
    pub dhcp: bool,
    /// With --dhcp: the lanctl network whose range is checked, on its parent
    #[arg(long, value_name = "NAME", requires = "dhcp", conflicts_with = "ip_range")]
    pub net: Option<String>,
    /// With --dhcp: the reserved range to check, a canonical CIDR or START-END (needs --parent);
    /// an IPv6 one is checked against the routers' advertisements
    #[arg(long, value_name = "CIDR|START-END", requires_all = ["dhcp", "parent"])]
    pub ip_range: Option<String>,
    /// Every docker context at once, with a HOST column
    #[arg(long, conflicts_with = "dhcp")]
    pub all_hosts: bool,
}

#[derive(Debug, Subcommand)]
pub enum NetCommand {
    /// Create an ipvlan or macvlan network on a parent interface
    Create(NetCreateArgs),
    /// List lanctl networks
    Ls(NetLsArgs),
    /// Show a network's address pool
    Show { name: String },
    /// Remove a network that no container uses
    Rm { name: String },
}

#[derive(Debug, Args)]
pub struct NetCreateArgs {
    /// The network's name, as docker and every other lanctl command know it
    pub name: String,
    /// ipvlan: tenants share the parent's MAC (fits Wi-Fi and switch port security);
    /// macvlan: each tenant has a MAC of its own
    #[arg(long, value_enum)]
    pub driver: Driver,
    /// LAN interface, e.g. enp0s3; with --hosts, HOST=IF for one host (repeatable), a plain
    /// IF for the hosts not named so
    #[arg(long, value_name = "IF|HOST=IF", required = true)]
    pub parent: Vec<String>,
    /// The LAN, in canonical CIDR form, e.g. 192.168.23.0/24; once per family: an IPv6
    /// subnet as well makes the network dual-stack
    #[arg(long, value_name = "CIDR", required = true)]
    pub subnet: Vec<String>,
    /// The LAN's router (once per family)
    #[arg(long, value_name = "IP", required = true)]
    pub gateway: Vec<String>,
    /// Addresses reserved for containers, outside the DHCP pool: a canonical CIDR or
    /// START-END (once per family)
    #[arg(long, value_name = "CIDR|START-END", required = true)]
    pub ip_range: Vec<String>,
    /// ipvlan: l2, l3, l3s; macvlan: bridge, private, vepa, passthru
    #[arg(long, value_parser = suggest::MODE)]
    pub mode: Option<String>,
    /// An address Docker must not hand out, HOST=IP (repeatable)
    #[arg(long = "aux-address", value_name = "HOST=IP")]
    pub aux_address: Vec<String>,
    /// 802.1Q VLAN ID: the parent becomes IF.VID, which Docker creates (same as --parent IF.VID)
    #[arg(long, value_name = "VID")]
    pub vlan: Option<u16>,
    /// Before creating, check with DHCPDISCOVERs that the LAN's DHCP server offers no address
    /// of the range, as `doctor --dhcp` does (no DHCPREQUEST, no lease); a failure exits 3
    #[arg(long, conflicts_with = "hosts")]
    pub check_dhcp: bool,
    /// Create the network on each of these hosts (docker contexts; `default` is the local
    /// engine), each with its own slice of --ip-range
    #[arg(long, value_name = "H1,H2,...", value_delimiter = ',')]
    pub hosts: Vec<String>,
    /// One host's slice of --ip-range (repeatable; give every host one) [default: even split]
    #[arg(long, value_name = "HOST=START-END")]
    pub slice: Vec<String>,
    /// The hosts are nodes of one swarm: a config-only network per node, then one
    /// attachable swarm network from a manager
    #[arg(long)]
    pub swarm: bool,
}

#[derive(Debug, Args)]
pub struct TenantEnvArgs {
    /// Image to run
    #[arg(long)]
    pub image: Option<String>,
    /// Environment: KEY=VALUE is literal; KEY alone passes KEY from lanctl's own
    /// environment, so a secret never appears in any command line (repeatable)
    #[arg(short = 'e', long = "env", value_name = "KEY[=VALUE]")]
    pub env: Vec<String>,
    /// Read KEY=VALUE and KEY lines from a file, like -e
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Set KEY to the tenant's address (repeatable)
    #[arg(long = "ip-env", value_name = "KEY")]
    pub ip_env: Vec<String>,
    /// Set KEY to the tenant's IPv6 address, on a dual-stack network (repeatable)
    #[arg(long = "ip6-env", value_name = "KEY")]
    pub ip6_env: Vec<String>,
    /// Passed to docker run: pull the image always, when missing (docker's default) or never
    #[arg(long, value_parser = ["always", "missing", "never"])]
    pub pull: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Tenant names: each the container name and hostname
    #[arg(required_unless_present = "count", conflicts_with = "count")]
    pub names: Vec<String>,
    /// Start N tenants named PREFIX1 … PREFIXN
    #[arg(long, value_name = "N", requires = "prefix")]
    pub count: Option<u32>,
    /// Name prefix for --count, e.g. room-
    #[arg(long, requires = "count")]
    pub prefix: Option<String>,
    /// How many `docker run`s go at once [default: twice the cores, 2 to 8]
    #[arg(long, value_name = "J")]
    pub parallel: Option<usize>,
    /// lanctl network [default: the only one]
    #[arg(long)]
    pub net: Option<String>,
    /// The hosts that share --net (docker contexts; `default` is the local engine): place
    /// on --host, else where the tenants are, else on the host with the most free addresses
    #[arg(long, value_name = "H1,H2,...", value_delimiter = ',')]
    pub hosts: Vec<String>,
    /// Defaults for a known server: image, variables, arguments, check and secrets; see
    /// `lanctl presets` (janus, jvb, livekit, mediamtx, wcs, wowza, and those of
    /// /etc/lanctl/presets.d)
    #[arg(long, value_parser = suggest::PRESET)]
    pub preset: Option<String>,
    /// Address to use, once per family on a dual-stack network [default: lowest free
    /// address of the range, and of the IPv6 range]
    #[arg(long)]
    pub ip: Vec<String>,
    /// Allow --ip outside the network's reserved range (it may be in the DHCP pool)
    #[arg(long, requires = "ip")]
    pub outside_range: bool,
    /// On a dual-stack network, also take addresses from the LAN's router advertisements
    /// (SLAAC) [default: only the IPv6 address lanctl gives]
    #[arg(long)]
    pub slaac: bool,
    /// MAC address for a macvlan tenant [default: derived from the network and the address;
    /// ipvlan tenants share the parent's MAC and take none]
    #[arg(long, value_name = "MAC")]
    pub mac: Option<String>,
    #[command(flatten)]
    pub env: TenantEnvArgs,
    /// Docker label K=V (repeatable)
    #[arg(long = "label", value_name = "K=V")]
    pub labels: Vec<String>,
    /// Docker restart policy (also on-failure:N)
    #[arg(long, default_value = "unless-stopped", value_parser = suggest::RESTART)]
    pub restart: String,
    /// Do not probe the LAN (ARP duplicate address detection, RFC 5227) for devices already using the address
    #[arg(long)]
    pub no_probe: bool,
    /// When a new tenant counts as up: tcp:PORT[,PORT...] (every port accepts a
    /// connection on its LAN address), http:PORT/PATH (answers 2xx or 3xx there), healthy
    /// (its HEALTHCHECK says so), running, or none [default: the preset's check, else
    /// healthy if the image has a HEALTHCHECK, else running]
    #[arg(long, value_name = "CHECK")]
    pub ready: Option<String>,
    /// The most seconds to wait for each new tenant to be ready (0: do not wait); running
    /// means still running after it [default: 60 for tcp and http, 120 for healthy, 0.5
    /// for running, from its start]; a --dry-run plan shows the wait as a comment
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<u64>,
    /// Arguments passed to the container after the image
    #[arg(last = true)]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DownArgs {
    /// Tenants to remove
    #[arg(required_unless_present = "all", conflicts_with = "all")]
    pub names: Vec<String>,
    /// Remove every tenant (asks, or needs --yes)
    #[arg(long)]
    pub all: bool,
    /// Seconds docker waits for each container to stop before it kills it (docker stop's
    /// --time), 0 to 3600 [default: docker's, 10]
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Only tenants of this network
    #[arg(long)]
    pub net: Option<String>,
    /// Every docker context at once, with a HOST column
    #[arg(long)]
    pub all_hosts: bool,
}

#[derive(Debug, Args)]
pub struct NetLsArgs {
    /// Every docker context at once, with a HOST column
    #[arg(long)]
    pub all_hosts: bool,
}

#[derive(Debug, Args)]
pub struct UpdateArgs {
    pub name: String,
    #[command(flatten)]
    pub env: TenantEnvArgs,
    /// Docker restart policy, also on-failure:N [default: unchanged]
    #[arg(long, value_parser = suggest::RESTART)]
    pub restart: Option<String>,
    /// Set the docker label K to V (repeatable)
    #[arg(long = "label", value_name = "K=V")]
    pub labels: Vec<String>,
    /// Remove the docker label K (repeatable)
    #[arg(long = "rm-label", value_name = "K")]
    pub rm_labels: Vec<String>,
    /// Pass no arguments to the container after the image
    #[arg(long, conflicts_with = "args")]
    pub no_args: bool,
    /// When the new container counts as up, before the old one is removed: tcp:PORT[,PORT...],
    /// http:PORT/PATH, healthy, running or none, as for `up`; the tenant keeps it [default:
    /// the check it keeps, else its preset's by image, else healthy if the image has a
    /// HEALTHCHECK, else running]
    #[arg(long, value_name = "CHECK")]
    pub ready: Option<String>,
    /// The most seconds to wait for the new container to be ready; running means still
    /// running after it [default: 60 for tcp and http, 120 for healthy, 5 for running]
    #[arg(long, value_name = "SECONDS")]
    pub wait: Option<u64>,
    /// Seconds docker waits for the old container to stop before it kills it (docker stop's
    /// --time), 0 to 3600 [default: docker's, 10]
    #[arg(long, value_name = "SECONDS")]
    pub timeout: Option<u64>,
    /// Arguments passed to the container after the image, replacing the current ones
    #[arg(last = true)]
    pub args: Vec<String>,
}

/// Clap's own errors as one line with exit 2, the usage hint at its end, like every other
/// lanctl error; `--help` and `--version` print as clap renders them, with exit 0.
pub fn usage_error(e: clap::Error, args: &[std::ffi::OsString]) -> std::process::ExitCode {
    use clap::error::ErrorKind;
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
        crate::exec::out::print(&e.render().to_string());
        return std::process::ExitCode::SUCCESS;
    }
    if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        // `lanctl` alone: the help is the answer, on stderr since nothing was asked for.
        eprint!("{}", e.render());
        return std::process::ExitCode::from(2);
    }
    let line = match argv::not_utf8(args).filter(|_| e.kind() == ErrorKind::InvalidUtf8) {
        Some(arg) => {
            format!("argument \"{}\" is not UTF-8 text; see `{} --help`", argv::escaped(arg), argv::subcommand_path(args))
        }
        None => one_line_usage(&e.render().to_string(), &argv::subcommand_path(args)),
    };
    // The options are not parsed, so `--json` is looked for among the words before `--`.
    if args.iter().take_while(|a| *a != "--").any(|a| a == "--json") {
        crate::exec::out::error_json(&crate::exec::error::json_of(&line, 2, None));
    } else {
        crate::exec::out::note(line);
    }
    std::process::ExitCode::from(2)
}

/// `error: X\n\n  tip: Y\n\nUsage: lanctl up [OPTIONS] ...\n\nFor more information, try
/// '--help'.` becomes `X (tip: Y); see `lanctl up --help``.
/// A value error carries no usage line, so `command` (the subcommand the words named)
/// is the help it points at then.
pub fn one_line_usage(rendered: &str, command: &str) -> String {
    let mut msg = String::new();
    let mut tips = Vec::new();
    let mut command = command.to_string();
    for line in rendered.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if let Some(m) = line.strip_prefix("error: ") {
            msg = m.to_string();
        } else if let Some(t) = line.strip_prefix("tip: ") {
            tips.push(t.to_string());
        } else if let Some(u) = line.strip_prefix("Usage: ") {
            let words: Vec<&str> = u.split_whitespace().take_while(|w| !w.starts_with(['[', '<', '-'])).collect();
            command = words.join(" ");
        } else if !line.starts_with("For more information") && !msg.is_empty() {
            // The lines under "the following required arguments were not provided:".
            msg = format!("{} {line}", msg.trim_end_matches(':'));
        }
    }
    if !tips.is_empty() {
        msg = format!("{msg} (tip: {})", tips.join("; "));
    }
    // clap ends some messages with a period; an ellipsis (`<NAMES>...`) stays.
    let msg = if msg.ends_with("...") { msg.as_str() } else { msg.strip_suffix('.').unwrap_or(&msg) };
    format!("{msg}; see `{command} --help`")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    fn error_line(args: &[&str]) -> String {
        let os: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
        one_line_usage(&Cli::try_parse_from(args).unwrap_err().render().to_string(), &argv::subcommand_path(&os))
    }

    #[test]
    fn clap_errors_become_one_line_with_the_usage_hint_last() {
        assert_eq!(
            error_line(&["lanctl", "up"]),
            "the following required arguments were not provided <NAMES>...; see `lanctl up --help`"
        );
        assert_eq!(
            error_line(&["lanctl", "up", "x", "--imagee", "i"]),
            "unexpected argument '--imagee' found (tip: a similar argument exists: '--image'; to pass '--imagee' as a \
             value, use '-- --imagee'); see `lanctl up --help`"
        );
        assert_eq!(error_line(&["lanctl", "frobnicate"]), "unrecognized subcommand 'frobnicate'; see `lanctl --help`");
        assert_eq!(
            error_line(&["lanctl", "logs", "--tail", "abc", "x"]),
            "invalid value 'abc' for '--tail <N>': invalid digit found in string; see `lanctl logs --help`"
        );
    }

    /// The systemd unit the .deb ships runs a command line this lanctl takes, and names a
    /// man page that exists (`generate::man` writes one per subcommand).
    #[test]
    fn the_check_service_runs_a_command_lanctl_takes() {
        let unit = include_str!("../../debian/lanctl-check@.service");
        let exec = unit.lines().find_map(|l| l.strip_prefix("ExecStart=")).expect("an ExecStart line");
        let args: Vec<&str> = exec.split_whitespace().map(|w| if w == "%i" { "lan" } else { w }).collect();
        assert_eq!(args[0], "/usr/bin/lanctl");
        let cli = Cli::try_parse_from(&args).unwrap_or_else(|e| panic!("{exec}: {e}"));
        assert!(cli.json);
        assert!(matches!(&cli.command, Command::Check(c) if c.watch && c.names == ["lan"]), "{exec}");
        assert!(unit.contains("Documentation=man:lanctl-check(1)"));
        assert!(Cli::command().find_subcommand("check").is_some());
    }
}

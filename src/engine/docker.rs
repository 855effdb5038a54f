//! Pure builders for `docker` commands. Each returns a `Query` or a `Change`; none runs
//! anything, so each is unit-tested on the line it renders.
//!
//! Invariant: every name, image or other value a user gave comes after `--`, which ends
//! docker's options, so no value can be read as an option whatever it holds.

use std::net::IpAddr;
use std::time::Duration;

use ipnet::IpNet;

use crate::engine::labels;
use crate::engine::netspec::NetSpec;
use crate::exec::cmd::{Change, Cmd, Query};

/// One JSON object per container with the fields `model::PsLine` reads. The image, the
/// networks and the tenant's network label let `ls` and `net ls` skip inspecting running
/// containers (their addresses come from `docker network inspect`); the tenant and spec
/// labels let `apply` skip inspecting a tenant that runs as asked. Each label is one
/// JSON string (empty when the container lacks it), so the line stays one JSON object
/// whatever a label holds. The keys are `labels::NETWORK`, `TENANT` and `SPEC` (written
/// out: `concat!` takes only literals; a unit test holds them equal).
/// How long a `docker stop` runs before lanctl says what it waits for: a server that
/// exits on SIGTERM is gone well within it.
const STOP_SAYS_AFTER: Duration = Duration::from_secs(1);

pub const PS_FORMAT: &str = concat!(
    r#"{"ID":{{json .ID}},"Names":{{json .Names}},"State":{{json .State}},"Status":{{json .Status}},"#,
    r#""Image":{{json .Image}},"Networks":{{json .Networks}},"Network":{{json (.Label "io.lanctl.network")}},"#,
    r#""Tenant":{{json (.Label "io.lanctl.tenant")}},"Spec":{{json (.Label "io.lanctl.spec")}}}"#
);

/// The docker CLI to call and the context every call goes to.
#[derive(Clone, Debug)]
pub struct Docker {
    pub program: String,
    pub context: Option<String>,
}

impl Docker {
    pub fn new(program: impl Into<String>, context: Option<String>) -> Self {
        Docker { program: program.into(), context }
    }

    fn cmd(&self) -> Cmd {
        Cmd::new(&self.program).opt("--context", self.context.as_deref())
    }

    pub fn version(&self) -> Query {
        self.cmd().args(["version", "--format", "{{json .}}"]).query()
    }

    pub fn info(&self) -> Query {
        self.cmd().args(["info", "--format", "{{json .}}"]).query()
    }

    /// Every network, one JSON line each; names are matched exactly by the caller because
    /// docker's `name` filter matches substrings.
    pub fn network_ls(&self) -> Query {
        self.cmd().args(["network", "ls", "--no-trunc", "--format", "{{json .}}"]).query()
    }

    /// The networks lanctl made, one JSON line each.
    pub fn network_ls_managed(&self) -> Query {
        self.cmd()
            .args(["network", "ls", "--no-trunc", "--filter"])
            .arg(format!("label={}", labels::MANAGED))
            .args(["--format", "{{json .}}"])
            .query()
    }

    pub fn network_inspect<S: AsRef<str>>(&self, names: &[S]) -> Query {
        self.cmd().args(["network", "inspect", "--"]).args(names.iter().map(|s| s.as_ref())).query()
    }

    /// The network, or for a node of a swarm network its config-only part (no driver:
    /// the swarm network has it), which holds the node's parent, slice and labels.
    pub fn network_create(&self, spec: &NetSpec) -> Change {
        let head = if spec.config_only { vec!["--config-only"] } else { vec!["--driver", spec.driver.as_str()] };
        let mut c = self
            .cmd()
            .args(["network", "create"])
            .args(head)
            .arg("--opt")
            .arg(format!("parent={}", spec.parent))
            .arg("--opt")
            .arg(format!("{}={}", spec.driver.mode_key(), spec.mode));
        // One family's IPAM: docker pairs a --subnet with the --gateway and --ip-range of
        // its family, so dual-stack is `--ipv6` and the same three flags once more.
        let ipam = |c: Cmd, subnet: &IpNet, gateway: &IpAddr, range: &IpNet| {
            c.arg("--subnet")
                .arg(subnet.to_string())
                .arg("--gateway")
                .arg(gateway.to_string())
                .arg("--ip-range")
                .arg(range.to_string())
        };
        c = ipam(c, &spec.subnet, &spec.gateway, &spec.docker_range);
        if let Some(v6) = &spec.v6 {
            c = ipam(c.arg("--ipv6"), &v6.subnet, &v6.gateway, &v6.docker_range);
        }
        for (host, ip) in &spec.aux {
            c = c.arg("--aux-address").arg(format!("{host}={ip}"));
        }
        c = c
            .arg("--label")
            .arg(labels::kv(labels::MANAGED, "true"))
            .arg("--label")
            .arg(labels::kv(labels::RANGE, &spec.range.to_string()));
        if let Some(v6) = &spec.v6 {
            c = c.arg("--label").arg(labels::kv(labels::RANGE6, &v6.range.to_string()));
        }
        if let Some(whole) = spec.reservation {
            c = c.arg("--label").arg(labels::kv(labels::RESERVATION, &whole.to_string()));
        }
        let name = if spec.config_only { spec.config_name() } else { spec.name.clone() };
        c.arg("--").arg(name).change()
    }

    /// The swarm network of a network whose nodes hold config-only parts: created once,
    /// from a manager; attachable, so tenants stay plain containers with `--ip` on their
    /// node (a swarm service cannot take a static address). It carries no label: docker
    /// refuses any "user specified configuration", labels included, on a network with
    /// `--config-from`, when a node creates its copy. It is lanctl's by what it is made
    /// from, lanctl's labelled `NAME.lanctl-config`.
    pub fn network_create_swarm(&self, spec: &NetSpec) -> Change {
        self.cmd()
            .args(["network", "create", "--driver", spec.driver.as_str(), "--scope", "swarm", "--config-from"])
            .arg(spec.config_name())
            .args(["--attachable", "--"])
            .arg(&spec.name)
            .change()
    }

    /// The swarm this engine is in: `{"NodeID":...,"LocalNodeState":...,"ControlAvailable":...}`.
    pub fn swarm_info(&self) -> Query {
        self.cmd().args(["info", "--format", "{{json .Swarm}}"]).query()
    }

    /// The swarm's nodes, one JSON line each (a manager only).
    pub fn node_ls(&self) -> Query {
        self.cmd().args(["node", "ls", "--format", "{{json .}}"]).query()
    }

    /// The record of the slice of network `net`'s range a cluster was given (`export cni|k8s
    /// --slice`): a config-only network named after it, holding only labels. Docker cannot
    /// change a network's labels once it exists, so the slice lives on an object of its own
    /// on the same engine, where every lanctl that manages the network reads it. It has no
    /// `io.lanctl.managed` label: it is no network of lanctl's to list, only a record.
    pub fn cluster_record_create(&self, net: &str, slice: &str) -> Change {
        self.cmd()
            .args(["network", "create", "--config-only", "--label"])
            .arg(labels::kv(labels::CLUSTER_OF, net))
            .arg("--label")
            .arg(labels::kv(labels::CLUSTER_SLICE, slice))
            .arg("--")
            .arg(format!("{net}{}", crate::engine::netspec::CLUSTER_SUFFIX))
            .change()
    }

    pub fn network_rm(&self, name: &str) -> Change {
        self.cmd().args(["network", "rm", "--", name]).change()
    }

    /// Containers, running or stopped, one JSON line each, selected by `filters`
    /// (`label=...`, `network=...`; docker ORs repeated filters of one key).
    pub fn ps_all<S: AsRef<str>>(&self, filters: &[S]) -> Query {
        let mut c = self.cmd().args(["ps", "--all", "--no-trunc"]);
        for f in filters {
            c = c.arg("--filter").arg(f.as_ref());
        }
        // Only the fields lanctl reads: `{{json .}}` would include .Size, for which docker
        // measures every container's disk use, tens of milliseconds per container.
        c.args(["--format", PS_FORMAT]).query()
    }

    pub fn container_inspect<S: AsRef<str>>(&self, ids: &[S]) -> Query {
        self.cmd().args(["container", "inspect", "--"]).args(ids.iter().map(|s| s.as_ref())).query()
    }

    /// The events of the containers `names` from `since` (Unix seconds, docker's
    /// `SECONDS.NANOS`) on, one JSON object a line, as they happen: what a readiness wait
    /// reacts to (a death, a restart, a health verdict, a removal) and the starts that
    /// tell it the stream has caught up. `--since` replays what happened between that
    /// moment and the stream's connection, so nothing is missed while it connects.
    pub fn events<S: AsRef<str>>(&self, since: &str, names: &[S]) -> Query {
        let mut c = self.cmd().args(["events", "--since", since, "--filter", "type=container"]);
        for n in names {
            c = c.arg("--filter").arg(format!("container={}", n.as_ref()));
        }
        for e in ["start", "die", "restart", "health_status", "destroy"] {
            c = c.arg("--filter").arg(format!("event={e}"));
        }
        c.args(["--format", "{{json .}}"]).query()
    }

    /// The value of the variable `key` in a container's environment, followed by a `.`
    /// (so a value ending in newlines keeps them through `$(...)`; see `plan::Action::Capture`).
    /// Prints nothing when the container lacks the variable. `key` must be a variable name:
    /// it is written into the template as is.
    pub fn env_value(&self, name: &str, key: &str) -> Query {
        let template = format!(
            r#"{{{{range .Config.Env}}}}{{{{if eq (index (split . "=") 0) "{key}"}}}}{{{{slice . {}}}}}.{{{{end}}}}{{{{end}}}}"#,
            key.len() + 1
        );
        self.cmd().args(["container", "inspect", "--format", &template, "--", name]).query()
    }

    /// `STATUS RESTARTS EXITCODE` of a container, e.g. `running 0 0` or `exited 0 1`.
    pub fn run_state(&self, name: &str) -> Query {
        self.cmd()
            .args(["container", "inspect", "--format", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", "--", name])
            .query()
    }

    /// The last `lines` lines a container logged.
    pub fn logs_tail(&self, name: &str, lines: u32) -> Query {
        self.cmd().args(["logs", "--tail", &lines.to_string(), "--", name]).query()
    }

    pub fn start(&self, name: &str) -> Change {
        self.cmd().args(["start", "--", name]).change()
    }

    /// `docker stop`, with `--time SECONDS` when a grace period is given (else docker's).
    pub fn stop(&self, name: &str, timeout: Option<u64>) -> Change {
        self.stop_many(&[name], timeout)
    }

    pub fn stop_many<S: AsRef<str>>(&self, names: &[S], timeout: Option<u64>) -> Change {
        let time: Vec<String> = timeout.map(|t| vec!["--time".to_string(), t.to_string()]).unwrap_or_default();
        let who: Vec<&str> = names.iter().map(|s| s.as_ref()).collect();
        let kills = match timeout {
            Some(t) => format!("{t} s after the stop"),
            None => "10 s after the stop unless its container sets another stop timeout (lanctl stop, down and update take \
                  --timeout SECONDS)"
                .into(),
        };
        // A server that ignores SIGTERM holds the stop for its whole grace period.
        let it = if who.len() == 1 { "it" } else { "each" };
        let note = format!("waiting for {} to exit on SIGTERM; docker kills {it} {kills}", who.join(" "));
        self.cmd().arg("stop").args(time).arg("--").args(who).slow_note(STOP_SAYS_AFTER, note).change()
    }

    pub fn rm_many<S: AsRef<str>>(&self, names: &[S]) -> Change {
        self.cmd().args(["rm", "--"]).args(names.iter().map(|s| s.as_ref())).change()
    }

    pub fn rm_force(&self, name: &str) -> Change {
        self.cmd().args(["rm", "--force", "--", name]).change()
    }

    pub fn rm_force_many<S: AsRef<str>>(&self, names: &[S]) -> Change {
        self.cmd().args(["rm", "--force", "--"]).args(names.iter().map(|s| s.as_ref())).change()
    }

    /// Starts stopped containers; docker starts them one after the other.
    pub fn start_many<S: AsRef<str>>(&self, names: &[S]) -> Change {
        self.cmd().args(["start", "--"]).args(names.iter().map(|s| s.as_ref())).change()
    }

    /// Sets the restart policy of existing containers (`no` keeps a stopped one stopped,
    /// also when the daemon or the host restarts).
    pub fn update_restart<S: AsRef<str>>(&self, policy: &str, names: &[S]) -> Change {
        self.cmd().args(["update", "--restart", policy, "--"]).args(names.iter().map(|s| s.as_ref())).change()
    }

    /// A container's log: the last `tail` lines (all when `None`), and with `follow` what
    /// it writes from then on, until interrupted.
    pub fn logs(&self, name: &str, tail: Option<u64>, follow: bool) -> Query {
        let tail = tail.map(|n| n.to_string());
        let c = self.cmd().arg("logs").opt("--tail", tail);
        let c = if follow { c.arg("--follow") } else { c };
        c.args(["--", name]).query()
    }

    /// The last `tail` lines of a container's log, each with docker's fixed-width
    /// timestamp, so lines docker splits onto stdout and stderr can be put back in order.
    pub fn logs_tail_stamped(&self, name: &str, tail: u64) -> Query {
        self.cmd().args(["logs", "--timestamps", "--tail"]).arg(tail.to_string()).args(["--", name]).query()
    }

    pub fn rename(&self, from: &str, to: &str) -> Change {
        self.cmd().args(["rename", "--", from, to]).change()
    }

    /// A base `docker run` to which the tenant builder adds its flags.
    pub fn run_base(&self) -> Cmd {
        self.cmd().args(["run", "--detach"])
    }

    /// `docker create`: the container of a `docker run` line, not started.
    pub fn create_base(&self) -> Cmd {
        self.cmd().arg("create")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::netspec::{validate, Driver, NetInput};

    #[test]
    fn a_dual_stack_network_adds_dockers_ipv6_flags_and_the_ipv6_range_label() {
        use crate::engine::netspec::V6Input;
        let spec = validate(&NetInput {
            name: "lan",
            driver: Driver::Macvlan,
            parent: "enp0s3",
            subnet: "192.168.23.0/24",
            gateway: "192.168.23.1",
            ip_range: "192.168.23.96/27",
            mode: None,
            aux: &[],
            vlan: None,
            v6: Some(V6Input {
                subnet: "2001:db8:23::/64",
                gateway: "2001:db8:23::1",
                ip_range: "2001:db8:23::100-2001:db8:23::17f",
            }),
        })
        .unwrap();
        assert_eq!(
            Docker::new("docker", None).network_create(&spec).to_string(),
            "docker network create --driver macvlan --opt parent=enp0s3 --opt macvlan_mode=bridge \
             --subnet 192.168.23.0/24 --gateway 192.168.23.1 --ip-range 192.168.23.96/27 \
             --ipv6 --subnet 2001:db8:23::/64 --gateway 2001:db8:23::1 --ip-range 2001:db8:23::100/121 \
             --label io.lanctl.managed=true --label io.lanctl.range=192.168.23.96-192.168.23.127 \
             --label io.lanctl.range6=2001:db8:23::100-2001:db8:23::17f -- lan"
        );
    }

    #[test]
    fn network_create_renders_every_flag_and_both_labels() {
        let aux = vec!["router2=192.168.23.2".to_string()];
        let spec = validate(&NetInput {
            name: "lan",
            driver: Driver::Macvlan,
            parent: "enp0s3",
            subnet: "192.168.23.0/24",
            gateway: "192.168.23.1",
            ip_range: "192.168.23.100-192.168.23.131",
            mode: None,
            aux: &aux,
            vlan: None,
            v6: None,
        })
        .unwrap();
        let d = Docker::new("docker", None);
        assert_eq!(
            d.network_create(&spec).to_string(),
            "docker network create --driver macvlan --opt parent=enp0s3 --opt macvlan_mode=bridge \
             --subnet 192.168.23.0/24 --gateway 192.168.23.1 --ip-range 192.168.23.112/28 \
             --aux-address router2=192.168.23.2 --label io.lanctl.managed=true \
             --label io.lanctl.range=192.168.23.100-192.168.23.131 -- lan"
        );
        // A host's slice of a shared reservation: docker gets the slice's largest block,
        // lanctl's labels the slice and the whole.
        let slice = NetSpec {
            range: crate::engine::netspec::AddrRange::parse("192.168.23.116-192.168.23.131").unwrap(),
            docker_range: "192.168.23.120/29".parse().unwrap(),
            reservation: crate::engine::netspec::AddrRange::parse("192.168.23.100-192.168.23.131"),
            aux: Vec::new(),
            ..spec
        };
        assert_eq!(
            Docker::new("docker", Some("h2".into())).network_create(&slice).to_string(),
            "docker --context h2 network create --driver macvlan --opt parent=enp0s3 --opt macvlan_mode=bridge \
             --subnet 192.168.23.0/24 --gateway 192.168.23.1 --ip-range 192.168.23.120/29 \
             --label io.lanctl.managed=true --label io.lanctl.range=192.168.23.116-192.168.23.131 \
             --label io.lanctl.reservation=192.168.23.100-192.168.23.131 -- lan"
        );
    }

    #[test]
    fn a_swarm_network_is_a_config_only_part_per_node_and_one_attachable_swarm_network() {
        let spec = validate(&NetInput {
            name: "lan",
            driver: Driver::Ipvlan,
            parent: "eno1",
            subnet: "192.168.23.0/24",
            gateway: "192.168.23.1",
            ip_range: "192.168.23.116-192.168.23.131",
            mode: None,
            aux: &[],
            vlan: None,
            v6: None,
        })
        .unwrap();
        let whole = crate::engine::netspec::AddrRange::parse("192.168.23.100-192.168.23.131");
        let part = NetSpec { config_only: true, reservation: whole, ..spec.clone() };
        let d = Docker::new("docker", Some("h2".into()));
        assert_eq!(
            d.network_create(&part).to_string(),
            "docker --context h2 network create --config-only --opt parent=eno1 --opt ipvlan_mode=l2 \
             --subnet 192.168.23.0/24 --gateway 192.168.23.1 --ip-range 192.168.23.120/29 \
             --label io.lanctl.managed=true --label io.lanctl.range=192.168.23.116-192.168.23.131 \
             --label io.lanctl.reservation=192.168.23.100-192.168.23.131 -- lan.lanctl-config"
        );
        assert_eq!(
            d.network_create_swarm(&NetSpec { reservation: whole, ..spec }).to_string(),
            "docker --context h2 network create --driver ipvlan --scope swarm --config-from lan.lanctl-config \
             --attachable -- lan"
        );
        assert_eq!(d.swarm_info().to_string(), "docker --context h2 info --format '{{json .Swarm}}'");
        assert_eq!(d.node_ls().to_string(), "docker --context h2 node ls --format '{{json .}}'");
    }

    #[test]
    fn env_value_names_the_key_in_the_template_and_never_a_value() {
        let d = Docker::new("docker", None);
        assert_eq!(
            d.env_value("web", "LICENSE").to_string(),
            "docker container inspect --format \
             '{{range .Config.Env}}{{if eq (index (split . \"=\") 0) \"LICENSE\"}}{{slice . 8}}.{{end}}{{end}}' -- web"
        );
        assert_eq!(
            d.run_state("web").to_string(),
            "docker container inspect --format '{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}' -- web"
        );
        assert_eq!(d.logs_tail("web", 5).to_string(), "docker logs --tail 5 -- web");
    }

    #[test]
    fn context_goes_to_every_call() {
        let d = Docker::new("/usr/bin/docker", Some("remote host".into()));
        assert_eq!(d.network_rm("lan").to_string(), "/usr/bin/docker --context 'remote host' network rm -- lan");
        assert_eq!(
            d.ps_all(&["network=lan"]).to_string(),
            "/usr/bin/docker --context 'remote host' ps --all --no-trunc --filter network=lan --format \
             '{\"ID\":{{json .ID}},\"Names\":{{json .Names}},\"State\":{{json .State}},\"Status\":{{json .Status}},\
             \"Image\":{{json .Image}},\"Networks\":{{json .Networks}},\"Network\":{{json (.Label \"io.lanctl.network\")}},\
             \"Tenant\":{{json (.Label \"io.lanctl.tenant\")}},\"Spec\":{{json (.Label \"io.lanctl.spec\")}}}'"
        );
        assert_eq!(
            d.container_inspect(&["a", "b"]).to_string(),
            "/usr/bin/docker --context 'remote host' container inspect -- a b"
        );
    }

    #[test]
    fn the_ps_format_reads_lanctls_labels_by_their_keys_into_one_json_object() {
        for (field, key) in [("Network", labels::NETWORK), ("Tenant", labels::TENANT), ("Spec", labels::SPEC)] {
            let asked = format!(r#""{field}":{{{{json (.Label "{key}")}}}}"#);
            assert!(PS_FORMAT.contains(&asked), "{asked} in {PS_FORMAT}");
        }
        // What docker renders from it (each `{{json ...}}` one JSON value, a label
        // holding quotes, braces and a newline included) is one object per line.
        let rendered = PS_FORMAT
            .replace("{{json .ID}}", r#""0e31""#)
            .replace("{{json .Names}}", r#""web""#)
            .replace("{{json .State}}", r#""running""#)
            .replace("{{json .Status}}", r#""Up 3 minutes""#)
            .replace("{{json .Image}}", r#""img""#)
            .replace("{{json .Networks}}", r#""lan""#)
            .replace(r#"{{json (.Label "io.lanctl.network")}}"#, r#""lan""#)
            .replace(r#"{{json (.Label "io.lanctl.tenant")}}"#, r#""web""#)
            .replace(r#"{{json (.Label "io.lanctl.spec")}}"#, r#""{\"image\":\"img\",\"args\":[\"}\n\"]}""#);
        assert!(!rendered.contains("{{") && !rendered.contains('\n'), "{rendered}");
        let line: crate::engine::model::PsLine = crate::engine::model::parse("docker ps", &rendered).unwrap();
        assert_eq!(
            (line.id.as_str(), line.names.as_str(), line.state.as_str(), line.network.as_str(), line.tenant.as_str()),
            ("0e31", "web", "running", "lan", "web")
        );
        assert_eq!(line.spec, "{\"image\":\"img\",\"args\":[\"}\n\"]}");
    }

    #[test]
    fn tenant_lifecycle_builders_put_names_after_the_double_dash() {
        let d = Docker::new("docker", None);
        assert_eq!(d.rm_force_many(&["a", "b"]).to_string(), "docker rm --force -- a b");
        assert_eq!(d.stop_many(&["a", "b"], None).to_string(), "docker stop -- a b");
        assert_eq!(d.stop("a", Some(30)).to_string(), "docker stop --time 30 -- a");
        assert_eq!(d.start_many(&["a", "b"]).to_string(), "docker start -- a b");
        assert_eq!(d.update_restart("no", &["a", "b"]).to_string(), "docker update --restart no -- a b");
        assert_eq!(d.logs("a", None, false).to_string(), "docker logs -- a");
        assert_eq!(d.logs("a", Some(20), true).to_string(), "docker logs --tail 20 --follow -- a");
        assert_eq!(d.logs_tail_stamped("a", 5).to_string(), "docker logs --timestamps --tail 5 -- a");
        assert_eq!(
            d.events("1796646254.5", &["t1", "t2"]).to_string(),
            "docker events --since 1796646254.5 --filter type=container --filter container=t1 --filter container=t2 \
             --filter event=start --filter event=die --filter event=restart --filter event=health_status --filter \
             event=destroy --format '{{json .}}'"
        );
    }
}

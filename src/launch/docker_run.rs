//! The `docker run` line of a tenant: a pure function of its name, network, address,
//! spec and secrets, so `up`, `update` and their dry runs render the same line.

use std::net::IpAddr;
use std::path::Path;

use crate::engine::docker::Docker;
use crate::engine::labels;
use crate::exec::cmd::Change;
use crate::launch::draft::TenantInput;
use crate::launch::spec::{Secrets, TenantSpec};

pub struct Tenant<'a> {
    pub name: &'a str,
    pub network: &'a str,
    pub ip: IpAddr,
    /// On a dual-stack network: the tenant's IPv6 address beside `ip` (`--ip6`), the one
    /// `start::plan` chose (or the container had, for a recreation).
    pub ip6: Option<IpAddr>,
    pub spec: &'a TenantSpec,
    pub secrets: &'a Secrets,
    /// An env file docker reads itself, so its values are in no argv and no plan.
    pub env_file: Option<&'a Path>,
    /// docker's `--pull` policy; not part of the spec, since it does not shape the container.
    pub pull: Option<&'a str>,
}

impl<'a> Tenant<'a> {
    /// Tenant input `t` as it starts on `network` at `ip` (and `t.ip6`, its planned IPv6
    /// address on a dual-stack network) with `spec` (its spec with the MAC the batch pins,
    /// see `start::pinned`).
    pub fn of(t: &'a TenantInput, network: &'a str, ip: IpAddr, spec: &'a TenantSpec, pull: Option<&'a str>) -> Tenant<'a> {
        Tenant {
            name: &t.name,
            network,
            ip,
            ip6: t.ip6,
            spec,
            secrets: &t.secrets,
            env_file: t.env_file.as_ref().map(|f| f.path.as_path()),
            pull,
        }
    }
}

/// The sysctls of a tenant with an IPv6 address from lanctl: it takes no address from the
/// LAN's router advertisements (SLAAC) besides the one it was given, so every address it
/// holds is one lanctl chose and checked.
pub const NO_OTHER_IPV6: &[&str] = &[
    "net.ipv6.conf.all.accept_ra=0",
    "net.ipv6.conf.default.accept_ra=0",
    "net.ipv6.conf.all.autoconf=0",
    "net.ipv6.conf.default.autoconf=0",
];

/// The sysctl of a tenant of an IPv4-only network: no IPv6 at all, so it holds no
/// link-local address and takes no global one from the LAN's router advertisements.
/// Docker sets it too (20.10 for a container on no IPv6 network, 26.0.2 on per
/// interface), but 26.0.0 and 26.0.1 did not (CVE-2024-32473): said on the line, it holds
/// whatever the engine.
pub const NO_IPV6: &str = "net.ipv6.conf.all.disable_ipv6=1";

/// The `--sysctl` values of tenant `t`: none it did not need to keep every address it
/// holds one that lanctl chose (see `NO_OTHER_IPV6`, `NO_IPV6`).
fn sysctls(t: &Tenant) -> &'static [&'static str] {
    match t.ip6 {
        Some(_) if t.spec.slaac => &[],
        Some(_) => NO_OTHER_IPV6,
        None if t.ip.is_ipv4() => std::slice::from_ref(&NO_IPV6),
        None => &[],
    }
}

pub fn docker_run(docker: &Docker, t: &Tenant) -> Change {
    docker_run_passing(docker, t, &[])
}

/// Like `docker_run`, for a plan that supplies the secrets named in `passed` itself, at run
/// time (`plan::Action::Capture` or `Require`): each gets `--env KEY`, and docker reads its
/// value from the environment the plan gives it, not from this command.
pub fn docker_run_passing(docker: &Docker, t: &Tenant, passed: &[String]) -> Change {
    container_line(docker.run_base(), t, passed)
}

/// The `docker create` of the same container as `docker_run_passing`, for a start that
/// probes the LAN while docker creates it and starts it once the address is clear.
pub fn docker_create_passing(docker: &Docker, t: &Tenant, passed: &[String]) -> Change {
    container_line(docker.create_base(), t, passed)
}

fn container_line(base: crate::exec::cmd::Cmd, t: &Tenant, passed: &[String]) -> Change {
    let ip = t.ip.to_string();
    // Docker's flag for the address's family.
    let ip_flag = if t.ip.is_ipv4() { "--ip" } else { "--ip6" };
    let mut c = base
        .args(["--name", t.name, "--hostname", t.name, "--network", t.network, ip_flag, &ip])
        .opt("--ip6", t.ip6.map(|a| a.to_string()).as_deref())
        .args(sysctls(t).iter().flat_map(|s| ["--sysctl", s]))
        .opt("--mac-address", t.spec.mac.as_deref())
        .opt("--pull", t.pull)
        .opt("--stop-timeout", t.spec.stop_timeout.map(|s| s.to_string()).as_deref())
        .args(["--restart", &t.spec.restart])
        .arg("--label")
        .arg(labels::kv(labels::TENANT, t.name))
        .arg("--label")
        .arg(labels::kv(labels::NETWORK, t.network))
        .arg("--label")
        .arg(labels::kv(labels::SPEC, &t.spec.to_label()));
    for (k, v) in &t.spec.labels {
        c = c.arg("--label").arg(labels::kv(k, v));
    }
    if let Some(f) = t.env_file {
        c = c.arg("--env-file").arg(f.to_string_lossy());
    }
    for (k, v) in &t.spec.env {
        c = c.arg("--env").arg(format!("{k}={v}"));
    }
    for k in &t.spec.ip_env {
        c = c.arg("--env").arg(format!("{k}={ip}"));
    }
    // Planned only with an IPv6 address (`start::plan` refuses the key on an IPv4-only network).
    if let Some(ip6) = t.ip6 {
        for k in &t.spec.ip6_env {
            c = c.arg("--env").arg(format!("{k}={ip6}"));
        }
    }
    // `{ip6}` is planned only with an IPv6 address (`start::plan` refuses it on an
    // IPv4-only network).
    let ip6 = t.ip6.map(|a| a.to_string()).unwrap_or_default();
    let place = |v: &str| v.replace("{ip}", &ip).replace("{ip6}", &ip6);
    for (k, v) in &t.spec.ip_templates {
        c = c.arg("--env").arg(format!("{k}={}", place(v)));
    }
    // The value reaches docker through its environment; argv names only the key. A key
    // without a value here comes from the env file, which docker reads.
    for k in &t.spec.secrets {
        if let Some((_, v)) = t.secrets.iter().find(|(s, _)| s == k) {
            c = c.arg("--env").arg(k).secret_env(k, v);
        } else if passed.contains(k) {
            c = c.arg("--env").arg(k);
        }
    }
    // `--` ends docker's options: the image and its arguments can never become one.
    let args = t.spec.args.iter().map(|a| if t.spec.ip_args { place(a) } else { a.clone() });
    c.arg("--").arg(&t.spec.image).args(args).change()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_run_line_without_secret_values() {
        let mut spec = TenantSpec {
            image: "flashphoner/webcallserver:latest".into(),
            restart: "unless-stopped".into(),
            args: vec!["--flag".into()],
            ..Default::default()
        };
        spec.ip_env.insert("LOCAL_IP".into());
        spec.ip_env.insert("EXTERNAL_IP".into());
        spec.secrets.insert("PASSWORD".into());
        spec.env.insert("MODE".into(), "a b".into());
        let secrets = vec![("PASSWORD".to_string(), "hunter2".to_string())];
        let t = Tenant {
            name: "room-1",
            network: "lan",
            ip: "198.51.100.100".parse().unwrap(),
            ip6: None,
            spec: &spec,
            secrets: &secrets,
            env_file: None,
            pull: None,
        };
        let c = docker_run(&Docker::new("docker", None), &t);
        let line = c.to_string();
        assert_eq!(
            line,
            "docker run --detach --name room-1 --hostname room-1 --network lan --ip 198.51.100.100 \
             --sysctl net.ipv6.conf.all.disable_ipv6=1 --restart unless-stopped --label io.lanctl.tenant=room-1 --label io.lanctl.network=lan \
             --label 'io.lanctl.spec={\"image\":\"flashphoner/webcallserver:latest\",\"env\":{\"MODE\":\"a b\"},\
             \"secrets\":[\"PASSWORD\"],\"ip_env\":[\"EXTERNAL_IP\",\"LOCAL_IP\"],\"labels\":{},\
             \"restart\":\"unless-stopped\",\"args\":[\"--flag\"]}' \
             --env 'MODE=a b' --env EXTERNAL_IP=198.51.100.100 --env LOCAL_IP=198.51.100.100 --env PASSWORD \
             -- flashphoner/webcallserver:latest --flag"
        );
        assert!(!line.contains("hunter2"));
        assert_eq!(c.0.secret_env, secrets);
        let t = Tenant { pull: Some("never"), env_file: Some(Path::new("/etc/lanctl/env.list")), ..t };
        let line = docker_run(&Docker::new("docker", None), &t).to_string();
        assert!(line.contains(" --env-file /etc/lanctl/env.list --env 'MODE=a b' "), "{line}");
        assert!(docker_run(&Docker::new("docker", None), &t)
            .to_string()
            .contains(" --ip 198.51.100.100 --sysctl net.ipv6.conf.all.disable_ipv6=1 --pull never --restart "));
        // A secret the plan supplies is named, with no value in the command's environment.
        let none = Secrets::new();
        let t = Tenant { secrets: &none, env_file: None, ..t };
        let c = docker_run_passing(&Docker::new("docker", None), &t, &["PASSWORD".to_string()]);
        assert!(c
            .to_string()
            .ends_with(" --env LOCAL_IP=198.51.100.100 --env PASSWORD -- flashphoner/webcallserver:latest --flag"));
        assert!(c.0.secret_env.is_empty());
        assert!(!docker_run(&Docker::new("docker", None), &t).to_string().contains("PASSWORD -- "));
        // An IPv6 address is docker's --ip6, and the same value in the address variables.
        let t = Tenant { ip: "2001:db8::64".parse().unwrap(), ..t };
        let line = docker_run(&Docker::new("docker", None), &t).to_string();
        assert!(line.contains(" --network lan --ip6 2001:db8::64 --pull never "), "{line}");
        assert!(line.contains(" --env LOCAL_IP=2001:db8::64 "), "{line}");
        // Dual-stack: both addresses, and the sysctls that keep SLAAC from adding another.
        let t = Tenant { ip: "198.51.100.100".parse().unwrap(), ip6: Some("2001:db8::64".parse().unwrap()), ..t };
        let line = docker_run(&Docker::new("docker", None), &t).to_string();
        assert!(
            line.contains(
                " --network lan --ip 198.51.100.100 --ip6 2001:db8::64 --sysctl net.ipv6.conf.all.accept_ra=0 \
                 --sysctl net.ipv6.conf.default.accept_ra=0 --sysctl net.ipv6.conf.all.autoconf=0 \
                 --sysctl net.ipv6.conf.default.autoconf=0 --pull never "
            ),
            "{line}"
        );
        // The IPv6 variables get the IPv6 address; with --slaac no sysctl keeps SLAAC off.
        let mut spec6 = spec.clone();
        spec6.ip6_env.insert("LOCAL_IP6".into());
        spec6.slaac = true;
        let t = Tenant { spec: &spec6, ..t };
        let line = docker_run(&Docker::new("docker", None), &t).to_string();
        assert!(line.contains(" --ip 198.51.100.100 --ip6 2001:db8::64 --pull never --restart "), "{line}");
        assert!(line.contains(" --env LOCAL_IP=198.51.100.100 --env LOCAL_IP6=2001:db8::64 "), "{line}");
        assert!(line.contains(r#""ip6_env":["LOCAL_IP6"]"#) && line.contains(r#""slaac":true"#), "{line}");
    }
}

//! Docker checks: the CLI is there, the daemon answers, and it has the driver.

use super::{Check, Status};
use crate::engine::model::{self, DockerInfo, DockerVersion};
use crate::engine::netspec::Driver;
use crate::exec::error::one_line;
use crate::target::ctx::Ctx;

/// What the docker checks found, for the checks that need the daemon.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The daemon answered: its version.
    Up { version: String },
    /// Why docker-dependent checks cannot run.
    Unavailable(String),
}

impl Engine {
    pub fn skip_reason(&self) -> Option<&str> {
        match self {
            Engine::Up { .. } => None,
            Engine::Unavailable(why) => Some(why),
        }
    }
    /// The engine's major version (20 for `20.10.24+dfsg1`).
    pub fn major(&self) -> Option<u32> {
        match self {
            Engine::Up { version } => major(version),
            Engine::Unavailable(_) => None,
        }
    }
}

pub fn major(version: &str) -> Option<u32> {
    version.trim().trim_start_matches('v').split('.').next()?.parse().ok()
}

/// The first Docker Engine with ipvlan's l3s mode (moby#42542, released in 23.0); an older
/// daemon refuses the network with words of its own only once everything else has passed.
const L3S_SINCE: u32 = 23;

/// `docker.mode`: whether the engine has the driver mode asked for. Only ipvlan's l3s is
/// younger than the engines lanctl supports; an engine whose version is unknown is not
/// judged (docker then answers for itself).
pub fn mode_check(driver: Driver, mode: &str, engine: &Engine) -> Option<Check> {
    if driver != Driver::Ipvlan || mode != "l3s" {
        return None;
    }
    let Engine::Up { version } = engine else { return None };
    let major = major(version)?;
    Some(if major >= L3S_SINCE {
        Check::new("docker.mode", Status::Ok, format!("ipvlan l3s (Docker Engine {version})"), "")
    } else {
        Check::new(
            "docker.mode",
            Status::Fail,
            format!("ipvlan mode l3s needs Docker Engine {L3S_SINCE}.0 or newer; this engine is {version}"),
            "use --mode l3 (the same routing, without the host's netfilter in the path) or upgrade the engine",
        )
    })
}

/// The first Docker Engine that makes IPv6-only networks (`docker network create
/// --ipv4=false`, 27.0); an older one gives every network an IPv4 subnet of its own choice.
pub const IPV6_ONLY_SINCE: u32 = 27;

/// Why an IPv6-only `net create` of `subnet` is refused, by the engine's version (a read,
/// so a dry run says the same): an engine older than 27.0 cannot make one at all (exit 3:
/// upgrading it, or adding IPv4, is the way); on a newer one lanctl itself does not make
/// them yet (exit 2). An engine that cannot be read fails as `docker version` does.
pub fn ipv6_only(ctx: &Ctx, subnet: &str) -> crate::exec::error::Error {
    use crate::exec::error::Error;
    let dual = "give an IPv4 --subnet, --gateway and --ip-range beside the IPv6 ones";
    let q = ctx.docker.version();
    let version = match ctx.runner.query_output(&q) {
        Err(e) => return e,
        Ok(o) => model::parse::<DockerVersion>(&q.to_string(), o.stdout.trim()).ok().and_then(|v| v.server).map(|s| s.version),
    };
    match version.as_deref().and_then(|v| Some((v, major(v)?))) {
        Some((v, m)) if m < IPV6_ONLY_SINCE => Error::check(format!(
            "--subnet {subnet}: IPv6-only networks (docker's --ipv4=false) need Docker Engine {IPV6_ONLY_SINCE}.0 or newer; this engine is {v}"
        ))
        .hint(format!("{dual}, or upgrade the engine")),
        _ => Error::usage(format!("--subnet {subnet}: IPv6-only networks are not supported by lanctl yet; {dual}")),
    }
}

/// Runs `docker.cli`, `docker.daemon` and `docker.driver.<d>`, appending them to `out`.
pub fn check(ctx: &Ctx, drivers: &[Driver], out: &mut Vec<Check>) -> Engine {
    let program = &ctx.docker.program;
    let via = ctx.docker.context.as_deref().map(|c| format!(" (context {c})")).unwrap_or_default();
    match which::which(program) {
        Ok(path) => out.push(Check::new("docker.cli", Status::Ok, format!("{}{via}", path.display()), "")),
        Err(_) => {
            let detail = if program.contains('/') {
                format!("{program} is not an executable file")
            } else {
                format!("{program} is not on PATH")
            };
            out.push(Check::new(
                "docker.cli",
                Status::Fail,
                detail,
                "install docker (https://docs.docker.com/engine/install/), or point lanctl at it with --docker PATH or LANCTL_DOCKER",
            ));
            let engine = Engine::Unavailable("the docker CLI was not found (see docker.cli)".into());
            out.push(Check::new("docker.daemon", Status::Skip, engine.skip_reason().unwrap_or_default(), ""));
            skip_drivers(drivers, &engine, out);
            return engine;
        }
    }

    let q = ctx.docker.version();
    let daemon = match ctx.runner.query_output(&q) {
        Err(e) => Err((e.to_string(), String::new())),
        Ok(o) => {
            let server = model::parse::<DockerVersion>(&q.to_string(), o.stdout.trim()).ok().and_then(|v| v.server);
            match server {
                Some(s) if o.success() => Ok(s),
                _ => {
                    let said = daemon_said(&o.stderr);
                    let said = if said.is_empty() { format!("`{q}` reported no server") } else { said };
                    Err((said, o.stderr))
                }
            }
        }
    };
    let engine = match daemon {
        Ok(s) => {
            let version = if s.version.is_empty() { "unknown".to_string() } else { s.version };
            let api = if s.api_version.is_empty() { "unknown" } else { s.api_version.as_str() };
            out.push(Check::new("docker.daemon", Status::Ok, format!("server {version}, API {api}{via}"), ""));
            Engine::Up { version }
        }
        Err((said, stderr)) => {
            out.push(Check::new("docker.daemon", Status::Fail, said, daemon_hint(&stderr, ctx.docker.context.as_deref())));
            let engine = Engine::Unavailable("the docker daemon is unreachable (see docker.daemon)".into());
            skip_drivers(drivers, &engine, out);
            return engine;
        }
    };

    let q = ctx.docker.info();
    match ctx.runner.query(&q).and_then(|text| model::parse::<DockerInfo>(&q.to_string(), &text)) {
        Ok(info) => out.extend(drivers.iter().map(|&d| driver_check(d, &info))),
        Err(e) => out.extend(drivers.iter().map(|d| Check::new(format!("docker.driver.{d}"), Status::Fail, e.to_string(), ""))),
    }
    engine
}

fn skip_drivers(drivers: &[Driver], engine: &Engine, out: &mut Vec<Check>) {
    let why = engine.skip_reason().unwrap_or_default();
    out.extend(drivers.iter().map(|d| Check::new(format!("docker.driver.{d}"), Status::Skip, why, "")));
}

/// Docker's error on one line, without the `WARNING:` lines it prints before it.
pub fn daemon_said(stderr: &str) -> String {
    let errors: Vec<&str> = stderr.lines().filter(|l| !l.trim_start().starts_with("WARNING:")).collect();
    if errors.iter().all(|l| l.trim().is_empty()) {
        one_line(stderr)
    } else {
        one_line(&errors.join("\n"))
    }
}

/// What to do when `docker version` cannot reach the daemon.
pub fn daemon_hint(stderr: &str, context: Option<&str>) -> String {
    let s = stderr.to_ascii_lowercase();
    if s.contains("permission denied") {
        "add your user to the docker group (sudo usermod -aG docker $USER, then log in again), or run lanctl as root".into()
    } else if let Some(c) = context {
        format!("check the context: docker --context {c} version")
    } else {
        "start the daemon: systemctl start docker (or dockerd)".into()
    }
}

pub fn driver_check(d: Driver, info: &DockerInfo) -> Check {
    let id = format!("docker.driver.{d}");
    let have = &info.plugins.network;
    if info.security_options.iter().any(|o| o.contains("rootless")) {
        return Check::new(
            id,
            Status::Fail,
            format!("the daemon runs rootless, and rootless docker has no {d} networks"),
            "use the system daemon (docker context use default), or run lanctl against a rootful engine",
        );
    }
    if have.iter().any(|n| n == d.as_str()) {
        Check::new(id, Status::Ok, format!("the daemon has the {d} network driver"), "")
    } else {
        let other = match d {
            Driver::Ipvlan => Driver::Macvlan,
            Driver::Macvlan => Driver::Ipvlan,
        };
        Check::new(
            id,
            Status::Fail,
            format!(
                "the daemon has no {d} network driver (it has {})",
                if have.is_empty() { "none".into() } else { have.join(", ") }
            ),
            format!("upgrade docker engine, or use --driver {other}"),
        )
        .unless_broken(other, "upgrade docker engine")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l3s_is_judged_by_the_engine_version_and_nothing_else_is() {
        let old = Engine::Up { version: "20.10.24+dfsg1".into() };
        let new = Engine::Up { version: "27.5.1".into() };
        assert_eq!(
            mode_check(Driver::Ipvlan, "l3s", &old).map(|c| (c.status, c.line())),
            Some((
                Status::Fail,
                "docker.mode: ipvlan mode l3s needs Docker Engine 23.0 or newer; this engine is 20.10.24+dfsg1; use --mode \
                 l3 (the same routing, without the host's netfilter in the path) or upgrade the engine"
                    .to_string()
            ))
        );
        assert_eq!(mode_check(Driver::Ipvlan, "l3s", &new).map(|c| c.status), Some(Status::Ok));
        assert_eq!(mode_check(Driver::Ipvlan, "l3", &old).map(|c| c.line()), None);
        assert_eq!(mode_check(Driver::Macvlan, "bridge", &old).map(|c| c.line()), None);
        assert_eq!(mode_check(Driver::Ipvlan, "l3s", &Engine::Up { version: "unknown".into() }).map(|c| c.line()), None);
        assert_eq!(mode_check(Driver::Ipvlan, "l3s", &Engine::Unavailable("down".into())).map(|c| c.line()), None);
    }

    #[test]
    fn engine_major() {
        assert_eq!(major("20.10.24+dfsg1"), Some(20));
        assert_eq!(major("28.2.2"), Some(28));
        assert_eq!(major("unknown"), None);
        assert_eq!(Engine::Unavailable("x".into()).major(), None);
    }

    #[test]
    fn driver_listed_by_the_daemon() {
        let info: DockerInfo =
            model::parse("x", r#"{"Plugins":{"Network":["bridge","host","ipvlan","macvlan","null","overlay"]}}"#).unwrap();
        assert_eq!(driver_check(Driver::Ipvlan, &info).status, Status::Ok);
        let info: DockerInfo = model::parse("x", r#"{"Plugins":{"Network":["bridge","host","null"]}}"#).unwrap();
        let c = driver_check(Driver::Macvlan, &info);
        assert_eq!(c.status, Status::Fail);
        assert_eq!(c.detail, "the daemon has no macvlan network driver (it has bridge, host, null)");
        assert_eq!(c.hint, "upgrade docker engine, or use --driver ipvlan");
        let info: DockerInfo = model::parse(
            "x",
            r#"{"Plugins":{"Network":["ipvlan","macvlan"]},"SecurityOptions":["name=seccomp,profile=default","name=rootless"]}"#,
        )
        .unwrap();
        assert_eq!(driver_check(Driver::Macvlan, &info).status, Status::Fail);
    }

    #[test]
    fn daemon_error_drops_warnings() {
        let stderr = "WARNING: Error loading config file: open /root/.docker/config.json: permission denied\n\
                      permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock\n";
        assert_eq!(
            daemon_said(stderr),
            "permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock"
        );
        assert_eq!(daemon_said("WARNING: only this.\n"), "WARNING: only this");
    }

    #[test]
    fn daemon_hints() {
        assert_eq!(
            daemon_hint(
                "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
                None
            ),
            "start the daemon: systemctl start docker (or dockerd)"
        );
        assert!(
            daemon_hint("permission denied while trying to connect to the Docker daemon socket", None).contains("docker group")
        );
        assert_eq!(daemon_hint("error during connect", Some("remote")), "check the context: docker --context remote version");
    }
}

//! Pure builders of the readiness checks that run on another host (`--host` over ssh):
//! `nsenter` into the tenant's network namespace, then bash's `/dev/tcp` connects to the
//! tenant's own LAN address, so nothing but util-linux and bash is needed there (no agent).
//!
//! The check connects from inside the tenant's namespace for the reasons `lan::reach`
//! gives for this machine: no route into the LAN is needed, nothing goes on the wire, and
//! a server bound to 127.0.0.1 only is refused as a LAN client would be. User values (the
//! HTTP path) reach bash as positional arguments, never inside its script.

use std::net::IpAddr;
use std::time::Duration;

use crate::exec::cmd::Cmd;

/// How long one connection may take, in whole seconds for `timeout(1)`.
fn secs(timeout: Duration) -> String {
    timeout.as_secs().max(1).to_string()
}

fn enter(pid: i64, timeout: Duration) -> Cmd {
    Cmd::new("nsenter").args(["-t", &pid.to_string(), "-n", "timeout", &secs(timeout), "bash", "-c"])
}

/// Exits 0 when `ip:port` accepts a TCP connection inside process `pid`'s network
/// namespace.
pub fn tcp_check(pid: i64, ip: IpAddr, port: u16, timeout: Duration) -> Cmd {
    enter(pid, timeout).arg(format!("</dev/tcp/{ip}/{port}")).deadline(timeout + Duration::from_secs(10))
}

/// Prints the status line of `GET path` on `ip:port` inside process `pid`'s network
/// namespace (HTTP/1.0, so the server closes after its answer).
pub fn http_check(pid: i64, ip: IpAddr, port: u16, path: &str, timeout: Duration) -> Cmd {
    let script = format!(
        r#"exec 3<>/dev/tcp/{ip}/{port} && printf 'GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: lanctl\r\nConnection: close\r\n\r\n' "$1" {ip} >&3 && IFS= read -r line <&3 && printf '%s\n' "$line""#
    );
    enter(pid, timeout).args([script.as_str(), "lanctl-ready", path]).deadline(timeout + Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::transport::{Ssh, Transport};

    const IP: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 20));

    #[test]
    fn a_port_check_is_one_nsenter_line() {
        assert_eq!(
            tcp_check(4242, IP, 8443, Duration::from_secs(1)).to_string(),
            "nsenter -t 4242 -n timeout 1 bash -c '</dev/tcp/198.51.100.20/8443'"
        );
    }

    #[test]
    fn over_ssh_the_check_is_the_ssh_line_that_runs() {
        let ssh = Transport::Ssh(Ssh { user: Some("ops".into()), host: "media-2".into(), port: None });
        let line = ssh.wrap(tcp_check(4242, IP, 8443, Duration::from_secs(1))).to_string();
        assert_eq!(
            line,
            r"ssh -T -o BatchMode=yes ops@media-2 -- nsenter -t 4242 -n timeout 1 bash -c ''\''</dev/tcp/198.51.100.20/8443'\'''"
        );
    }

    #[test]
    fn an_http_check_passes_the_path_as_an_argument() {
        let c = http_check(7, IP, 80, "/a'b", Duration::from_secs(2));
        assert_eq!(&c.args[..6], ["-t", "7", "-n", "timeout", "2", "bash"]);
        assert_eq!(c.args[6], "-c");
        assert!(c.args[7].starts_with("exec 3<>/dev/tcp/198.51.100.20/80 && printf 'GET %s HTTP/1.0"), "{}", c.args[7]);
        assert_eq!(&c.args[8..], ["lanctl-ready", "/a'b"]);
    }
}

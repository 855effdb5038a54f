//! A TCP connection (and an HTTP status line) to an address as seen from inside another
//! process's network namespace: the readiness check of a tenant on this machine.
//!
//! The check connects to the tenant's LAN address from the tenant's own namespace, where
//! that address is a local one: so it needs no route from the host into the LAN (a
//! macvlan parent cannot reach its own children), it sends nothing onto the wire, and a
//! server that listens only on 127.0.0.1 refuses it, as it would refuse a LAN client.
//! `setns(2)` moves only the calling thread, so each check runs on a thread of its own
//! that ends with it; the caller's threads never change namespace.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::fd::AsFd;
use std::time::Duration;

use rustix::thread::{move_into_link_name_space, LinkNameSpaceType};

/// What to ask once connected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ask {
    /// Only that the port accepts the connection.
    Connect,
    /// `GET path`: the answer's status code.
    Http(String),
}

/// Connects to `ip:port` from the network namespace of process `pid`, within `timeout`
/// for the connection and as long again for an HTTP answer. `Ok(None)` for a connection,
/// `Ok(Some(code))` for an HTTP status.
pub fn from_netns(pid: i64, ip: IpAddr, port: u16, ask: Ask, timeout: Duration) -> io::Result<Option<u16>> {
    if pid <= 0 {
        return Err(io::Error::other("its process is not known (docker shows no PID)"));
    }
    let ns = std::fs::File::open(format!("/proc/{pid}/ns/net"))?;
    let worker = std::thread::spawn(move || -> io::Result<Option<u16>> {
        move_into_link_name_space(ns.as_fd(), Some(LinkNameSpaceType::Network)).map_err(|e| {
            // The kind stays the errno's, so the caller tells "not root" from the rest.
            let e = io::Error::from(e);
            io::Error::new(e.kind(), format!("cannot enter its network namespace: {e}"))
        })?;
        ask_at(SocketAddr::from((ip, port)), &ask, &ip.to_string(), timeout)
    });
    worker.join().unwrap_or_else(|_| Err(io::Error::other("the check's thread panicked")))
}

/// The connection, and the question, on the current thread's namespace.
fn ask_at(addr: SocketAddr, ask: &Ask, host: &str, timeout: Duration) -> io::Result<Option<u16>> {
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    let Ask::Http(path) = ask else {
        return Ok(None);
    };
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(request(path, host).as_bytes())?;
    // The status line is all that is read: `HTTP/1.1 200 OK`.
    let mut head = [0u8; 64];
    let mut got = 0;
    while got < head.len() && !head[..got].contains(&b'\n') {
        match stream.read(&mut head[got..])? {
            0 => break,
            n => got += n,
        }
    }
    status(&head[..got]).map(Some).ok_or_else(|| io::Error::other("it answered, but not with an HTTP status line"))
}

/// The request an HTTP check sends: HTTP/1.0, so the server closes after one answer.
pub fn request(path: &str, host: &str) -> String {
    format!("GET {path} HTTP/1.0\r\nHost: {host}\r\nUser-Agent: lanctl\r\nConnection: close\r\n\r\n")
}

/// The status code of an HTTP status line (`HTTP/1.1 204 No Content`).
pub fn status(head: &[u8]) -> Option<u16> {
    let line = std::str::from_utf8(head).ok()?.lines().next()?;
    let mut words = line.split(' ');
    let proto = words.next()?;
    if !proto.starts_with("HTTP/") {
        return None;
    }
    let code = words.next()?;
    (code.len() == 3).then(|| code.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_line_is_read_for_its_code() {
        assert_eq!(status(b"HTTP/1.1 200 OK\r\nServer: x\r\n"), Some(200));
        assert_eq!(status(b"HTTP/1.0 302 Found\r\n"), Some(302));
        assert_eq!(status(b"HTTP/1.1 204"), Some(204));
        assert_eq!(status(b"SSH-2.0-OpenSSH\r\n"), None);
        assert_eq!(status(b"HTTP/1.1 20 OK"), None);
        assert_eq!(status(b""), None);
    }

    #[test]
    fn the_request_is_one_get_that_closes() {
        assert_eq!(
            request("/health", "198.51.100.20"),
            "GET /health HTTP/1.0\r\nHost: 198.51.100.20\r\nUser-Agent: lanctl\r\nConnection: close\r\n\r\n"
        );
    }

    #[test]
    fn a_refused_port_on_this_namespace_is_an_error() {
        // Port 1 on loopback: nothing listens there in a test environment.
        let r =
            ask_at(SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 1)), &Ask::Connect, "127.0.0.1", Duration::from_millis(200));
        assert!(r.is_err());
        let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        assert_eq!(ask_at(open.local_addr().unwrap(), &Ask::Connect, "127.0.0.1", Duration::from_millis(500)).unwrap(), None);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut buf = [0u8; 256];
            let _ = s.read(&mut buf).unwrap();
            s.write_all(b"HTTP/1.1 503 Service Unavailable\r\n\r\n").unwrap();
        });
        assert_eq!(ask_at(addr, &Ask::Http("/".into()), "127.0.0.1", Duration::from_millis(500)).unwrap(), Some(503));
        server.join().unwrap();
    }
}

//! The native LAN probe and announcement: an AF_PACKET socket bound to the parent, which
//! sends the frames of `arp.rs` and reads the ARP that comes back. It needs CAP_NET_RAW
//! (root) and runs on this machine only; `arping.rs` decides when it is used.
//!
//! Why not iputils' arping: it takes its wait in whole seconds (`-w 0.3` exits 1), so an
//! address nobody holds cost a full second, and it probes one address per process. Here
//! one socket probes a whole batch in one window.
//!
//! The socket comes from rustix (already a dependency, feature `net`), which covers
//! AF_PACKET sockets, interface indexes, timeouts, send and recv without unsafe. It has no
//! `sockaddr_ll`, so binding needs one small `unsafe impl` below.

use std::io;
use std::net::Ipv4Addr;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use rustix::net::addr::{SocketAddrArg, SocketAddrLen, SocketAddrOpaque};
use rustix::net::sockopt::{set_socket_timeout, Timeout};
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};

use crate::arp::{self, Mac};

/// How long a probe listens for an answer, in all. Measured here (tests/lanprobe_real.rs,
/// BENCHMARKS.md): a namespace holding the address on the veth peer answers the first
/// probe in 0.05 to 0.3 ms, and a wired LAN device in about a millisecond. The window is
/// hundreds of times that, for what is slower on a real LAN: a device under load, a Wi-Fi
/// client in power save that hears the broadcast only after the access point's next
/// beacon (about 102 ms apart), or a lost frame, which the later probes cover. 250 ms
/// spans two beacon intervals after the first probe and keeps a probe under the 300 ms
/// the issue allows when nothing answers.
pub const PROBE_WAIT: Duration = Duration::from_millis(250);

/// How many probes go out for each address, spread evenly over the window (at 0, 83 and
/// 167 ms): RFC 5227 sends 3, so one lost frame does not hide a device.
pub const PROBE_NUM: u32 = 3;

// The window fits the 300 ms budget, and one lost frame cannot hide a device.
const _: () = assert!(PROBE_WAIT.as_millis() <= 300 && PROBE_NUM >= 2);

/// The shortest receive timeout set: zero would mean "wait forever" to the kernel.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);

/// A foreign claim on a probed address: who, and how long after the first probe went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claim {
    pub mac: Mac,
    pub after: Duration,
}

/// `struct sockaddr_ll` (packet(7)): the link-layer address a packet socket binds to.
#[repr(C)]
struct SockaddrLl {
    family: u16,
    protocol: u16,
    ifindex: i32,
    hatype: u16,
    pkttype: u8,
    halen: u8,
    addr: [u8; 8],
}

// SAFETY: `with_sockaddr` hands `f` a pointer to `self`, a live `repr(C)` sockaddr_ll, with
// exactly its size, which is what bind(2) reads for an AF_PACKET socket; the pointer is
// not kept past the call.
unsafe impl SocketAddrArg for SockaddrLl {
    unsafe fn with_sockaddr<R>(&self, f: impl FnOnce(*const SocketAddrOpaque, SocketAddrLen) -> R) -> R {
        f((self as *const SockaddrLl).cast(), std::mem::size_of::<SockaddrLl>() as SocketAddrLen)
    }
}

/// A packet socket for ARP on one interface.
pub struct Socket {
    fd: OwnedFd,
    /// The interface's own MAC: the source of probes, and never a foreign claim.
    pub mac: Mac,
}

/// Opens an ARP packet socket bound to nothing: whether this process may probe natively
/// (it fails with EPERM without CAP_NET_RAW). Nothing is sent.
pub fn can_open() -> io::Result<()> {
    raw_socket().map(drop)
}

fn raw_socket() -> io::Result<OwnedFd> {
    let fd = rustix::net::socket_with(AddressFamily::PACKET, SocketType::RAW, SocketFlags::CLOEXEC, Some(rustix::net::eth::ARP))?;
    Ok(fd)
}

impl Socket {
    /// A socket that sends and receives ARP on `dev` only.
    pub fn open(dev: &str) -> io::Result<Socket> {
        let fd = raw_socket()?;
        let ifindex = rustix::net::netdevice::name_to_index(&fd, dev)?;
        let addr = SockaddrLl {
            family: AddressFamily::PACKET.as_raw(),
            protocol: arp::ETH_P_ARP.to_be(),
            ifindex: ifindex as i32,
            hatype: 0,
            pkttype: 0,
            halen: 0,
            addr: [0; 8],
        };
        rustix::net::bind(&fd, &addr)?;
        let mac = own_mac(dev)?;
        Ok(Socket { fd, mac })
    }

    fn send(&self, frame: &[u8]) -> io::Result<()> {
        rustix::net::send(&self.fd, frame, SendFlags::empty())?;
        Ok(())
    }

    /// Probes `targets` at once for `wait`, `num` probes each, and returns the first
    /// foreign claim on each (see `arp::Arp::claims`); MACs in `ours` are not foreign.
    /// Returns early once every target is claimed.
    pub fn probe(&self, targets: &[Ipv4Addr], ours: &[Mac], wait: Duration, num: u32) -> io::Result<Vec<Option<Claim>>> {
        let mut claims: Vec<Option<Claim>> = vec![None; targets.len()];
        let mut ours = ours.to_vec();
        ours.push(self.mac);
        let start = Instant::now();
        let end = start + wait;
        let mut sent = 0;
        let mut buf = [0u8; 1536];
        loop {
            let now = Instant::now();
            if now >= end || claims.iter().all(Option::is_some) {
                return Ok(claims);
            }
            let next_send = start + wait * sent / num.max(1);
            if sent < num && now >= next_send {
                for (ip, c) in targets.iter().zip(&claims) {
                    if c.is_none() {
                        self.send(&arp::probe(self.mac, *ip))?;
                    }
                }
                sent += 1;
                continue;
            }
            let until = if sent < num { next_send.min(end) } else { end };
            set_socket_timeout(&self.fd, Timeout::Recv, Some(until.saturating_duration_since(now).max(MIN_TIMEOUT)))?;
            let n = match rustix::net::recv(&self.fd, &mut buf[..], RecvFlags::empty()) {
                Ok((_, n)) => n,
                Err(e) if e == rustix::io::Errno::AGAIN || e == rustix::io::Errno::INTR => continue,
                Err(e) => return Err(e.into()),
            };
            let Some((ip, mac)) = arp::parse(&buf[..n.min(buf.len())]).and_then(|a| a.claims(targets, &ours)) else {
                continue;
            };
            let i = targets.iter().position(|t| *t == ip).expect("a claim is on a target");
            claims[i].get_or_insert(Claim { mac, after: start.elapsed() });
        }
    }

    /// Sends one gratuitous ARP announcing that `ip` is at `mac`.
    pub fn announce(&self, mac: Mac, ip: Ipv4Addr) -> io::Result<()> {
        self.send(&arp::announce(mac, ip))
    }
}

/// The MAC of `dev`, from sysfs.
fn own_mac(dev: &str) -> io::Result<Mac> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{dev}/address"))?;
    text.trim().parse().map_err(|e: String| io::Error::new(io::ErrorKind::InvalidData, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddr_ll_has_the_kernels_layout() {
        // packet(7): 2 + 2 + 4 + 2 + 1 + 1 + 8 bytes, no padding.
        assert_eq!(std::mem::size_of::<SockaddrLl>(), 20);
    }
}

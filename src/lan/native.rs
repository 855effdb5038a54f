//! The native LAN probe and announcement: an AF_PACKET socket bound to the parent, which
//! sends the frames of `arp.rs` and reads the ARP that comes back. It needs CAP_NET_RAW
//! (root) and runs on this machine only; `arping.rs` decides when it is used.
//!
//! Why not iputils' arping: it takes its wait in whole seconds (`-w 0.3` exits 1), so an
//! address nobody holds cost a full second, and it probes one address per process. Here
//! one socket probes a whole batch in one window.
//!
//! The socket is `packet.rs`'s, writing whole Ethernet frames.

use std::io;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use crate::lan::arp::{self, Mac};
use crate::lan::packet::{self, Framing};

/// How long a probe listens for an answer, in all. Measured here (tests/testsuite/lanprobe_real.rs,
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

/// A foreign claim on a probed address: who, and how long after the first probe went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claim {
    pub mac: Mac,
    pub after: Duration,
}

/// A packet socket for ARP on one interface.
pub struct Socket {
    socket: packet::Socket,
    /// The interface's own MAC: the source of probes, and never a foreign claim.
    pub mac: Mac,
}

impl Socket {
    /// A socket that sends and receives ARP on `dev` only.
    pub fn open(dev: &str) -> io::Result<Socket> {
        let socket = packet::Socket::open(dev, arp::ETH_P_ARP, Framing::Ethernet, None)?;
        let mac = own_mac(dev)?;
        Ok(Socket { socket, mac })
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
                        self.socket.send(&arp::probe(self.mac, *ip))?;
                    }
                }
                sent += 1;
                continue;
            }
            let until = if sent < num { next_send.min(end) } else { end };
            let Some(n) = self.socket.recv_until(until, &mut buf)? else {
                continue; // the loop's checks of the window and of the next send go on
            };
            let Some((ip, mac)) = arp::parse(&buf[..n]).and_then(|a| a.claims(targets, &ours)) else {
                continue;
            };
            let i = targets.iter().position(|t| *t == ip).expect("a claim is on a target");
            claims[i].get_or_insert(Claim { mac, after: start.elapsed() });
        }
    }

    /// Sends one gratuitous ARP announcing that `ip` is at `mac`.
    pub fn announce(&self, mac: Mac, ip: Ipv4Addr) -> io::Result<()> {
        self.socket.send(&arp::announce(mac, ip))
    }
}

/// The MAC of `dev`, from sysfs.
fn own_mac(dev: &str) -> io::Result<Mac> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{dev}/address"))?;
    text.trim().parse().map_err(|e: String| io::Error::new(io::ErrorKind::InvalidData, e))
}

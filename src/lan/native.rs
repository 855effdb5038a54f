//! The native LAN probe and announcement: an AF_PACKET socket bound to the parent, which
//! sends the frames of `arp.rs` and reads the ARP that comes back, and for IPv6 one that
//! sends `ndp.rs`'s (RFC 4862 duplicate address detection) and reads the NDP that comes
//! back. It needs CAP_NET_RAW
//! (root) and runs on this machine only; `arping.rs` decides when it is used.
//!
//! Why not iputils' arping: it takes its wait in whole seconds (`-w 0.3` exits 1), so an
//! address nobody holds cost a full second, and it probes one address per process. Here
//! one socket probes a whole batch in one window.
//!
//! The socket is `packet.rs`'s, writing whole Ethernet frames.

use std::io;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::time::{Duration, Instant};

use crate::lan::arp::{self, Mac};
use crate::lan::ndp;
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
        let mut ours = ours.to_vec();
        ours.push(self.mac);
        let send = |ip: &Ipv4Addr| self.socket.send(&arp::probe(self.mac, *ip));
        let claim = |frame: &[u8]| arp::parse(frame).and_then(|a| a.claims(targets, &ours));
        window(&self.socket, targets, wait, num, send, claim)
    }

    /// Sends one gratuitous ARP announcing that `ip` is at `mac`.
    pub fn announce(&self, mac: Mac, ip: Ipv4Addr) -> io::Result<()> {
        self.socket.send(&arp::announce(mac, ip))
    }
}

/// A packet socket for NDP on one interface: IPv6 frames, of which its filter queues only
/// Neighbor Solicitations and Advertisements.
pub struct Socket6 {
    socket: packet::Socket,
    /// The interface's own MAC: the source of probes, and never a foreign claim.
    pub mac: Mac,
}

/// All nodes' group MAC (`ff02::1`), where a holder answers a DAD probe.
const ALL_NODES_MAC: [u8; 6] = [0x33, 0x33, 0, 0, 0, 1];

impl Socket6 {
    /// A socket that sends and receives NDP on `dev` only.
    pub fn open(dev: &str) -> io::Result<Socket6> {
        let socket = packet::Socket::open(dev, ndp::ETH_P_IPV6, Framing::Ethernet, Some(&ndp::FILTER))?;
        let mac = own_mac(dev)?;
        Ok(Socket6 { socket, mac })
    }

    /// RFC 4862 duplicate address detection for `targets` at once, in the same window and
    /// number of probes as the ARP probe: the first foreign claim on each (see
    /// `ndp::Nd::claims`); MACs in `ours` are not foreign.
    pub fn probe(&self, targets: &[Ipv6Addr], ours: &[Mac], wait: Duration, num: u32) -> io::Result<Vec<Option<Claim>>> {
        // Where the answers and other hosts' probes go, heard even by a NIC that filters.
        self.socket.join(ALL_NODES_MAC)?;
        for t in targets {
            self.socket.join(ndp::multicast_mac(ndp::solicited_node(*t)).0)?;
        }
        let mut ours = ours.to_vec();
        ours.push(self.mac);
        let send = |ip: &Ipv6Addr| self.socket.send(&ndp::probe(self.mac, *ip));
        let claim = |frame: &[u8]| ndp::parse(frame).and_then(|n| n.claims(targets, &ours));
        window(&self.socket, targets, wait, num, send, claim)
    }

    /// Sends one unsolicited Neighbor Advertisement that `ip` is at `mac`.
    pub fn announce(&self, mac: Mac, ip: Ipv6Addr) -> io::Result<()> {
        self.socket.send(&ndp::announce(mac, ip))
    }
}

/// One probe window on `socket`, the same for ARP and NDP: `num` probes of each target
/// (`send`), spread evenly over `wait`, and every frame heard read by `claim` (which of
/// the targets it claims, by whom). Returns the first claim on each, early once every
/// target is claimed.
fn window<T: PartialEq>(
    socket: &packet::Socket,
    targets: &[T],
    wait: Duration,
    num: u32,
    send: impl Fn(&T) -> io::Result<()>,
    claim: impl Fn(&[u8]) -> Option<(T, Mac)>,
) -> io::Result<Vec<Option<Claim>>> {
    let mut claims: Vec<Option<Claim>> = (0..targets.len()).map(|_| None).collect();
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
                    send(ip)?;
                }
            }
            sent += 1;
            continue;
        }
        let until = if sent < num { next_send.min(end) } else { end };
        let Some(n) = socket.recv_until(until, &mut buf)? else {
            continue; // the loop's checks of the window and of the next send go on
        };
        let Some((ip, mac)) = claim(&buf[..n]) else {
            continue;
        };
        let i = targets.iter().position(|t| *t == ip).expect("a claim is on a target");
        claims[i].get_or_insert(Claim { mac, after: start.elapsed() });
    }
}

/// The MAC of `dev`, from sysfs.
pub fn own_mac(dev: &str) -> io::Result<Mac> {
    let text = std::fs::read_to_string(format!("/sys/class/net/{dev}/address"))?;
    text.trim().parse().map_err(|e: String| io::Error::new(io::ErrorKind::InvalidData, e))
}

//! The LAN's view of a parent, for `lanctl check`: a short-lived macvlan (or ipvlan) child
//! of the parent in a network namespace of lanctl's own, with a packet socket on it.
//!
//! Why a child and not the parent itself: on macvlan and ipvlan the parent does not see
//! its own children's frames. A probe sent on the parent never reaches the tenants (the
//! kernel hands a child only what the parent receives, not what it sends), and a tenant's
//! answer to a sibling is switched inside the kernel without touching the parent. A
//! sibling of the tenants sees what the LAN sees: its broadcast reaches the tenants and
//! the wire, and it hears the tenants and the LAN alike. On ipvlan the children share the
//! parent's MAC and the kernel hands a frame to a child by its IP address, which the
//! observer does not have: there the answers to its probes come up the parent's receive
//! path (a tenant's through `dev_forward_skb`), so it listens on the parent and sends on
//! the child.
//!
//! Why a namespace of lanctl's own, and how nothing is left behind: a thread calls
//! `unshare(CLONE_NEWNET)`, which moves that thread alone into a new, nameless namespace;
//! `ip link add ... netns TID` makes the child straight inside it (the child never exists
//! in the host's namespace, so no name can clash and no host tool sees it). The packet
//! socket opened there holds the namespace once the thread ends. When the socket closes,
//! or lanctl dies in any way (kill -9 included), the kernel frees the namespace and with
//! it every virtual link inside: nothing to clean up, no leftover to find on the next start,
//! no name in `/run/netns`. IPv6 is switched off in the namespace before the child exists,
//! so the child sends nothing of its own (no router solicitation, no duplicate address
//! detection): the only frames it sends are lanctl's ARP probes (sender 0.0.0.0) and NDP
//! probes (RFC 4862 DAD, from `::`), which a packet socket sends with IPv6 off. A second
//! socket of the child's hears NDP (its filter queues Neighbor Solicitations and
//! Advertisements only), with the all-nodes group and the tenants' solicited-node groups
//! joined, so IPv6 addresses are asked and watched as IPv4's are. For `check --watch` a
//! third socket hears DHCP (`dhcp::frame::DHCP_EITHER_WAY`: UDP to port 67 or 68), which
//! on a LAN is broadcast where it names an address: a client's REQUEST always, a server's
//! OFFER and ACK when the client asks for a broadcast reply.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::engine::ip::Ip;
use crate::exec::error::{Error, Result};
use crate::exec::runner::Runner;
use crate::lan::arp::{self, Mac, Said};
use crate::lan::dhcp;
use crate::lan::ndp;
use crate::lan::packet::{self, Framing};

/// The child's name, inside lanctl's own namespace (one observer per namespace).
pub const LINK: &str = "lanctl-obs";

/// The driver of the network the observer joins: it must be the tenants' (a parent takes
/// children of one driver only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Macvlan,
    Ipvlan,
}

impl Kind {
    /// The link type and mode: macvlan `bridge`, so it hears its siblings in bridge mode
    /// (lanctl's default); ipvlan `l2`, so ARP goes between it and the tenants.
    fn words(self) -> (&'static str, &'static str) {
        match self {
            Kind::Macvlan => ("macvlan", "bridge"),
            Kind::Ipvlan => ("ipvlan", "l2"),
        }
    }
}

/// How a message heard claims an address: an ARP message (see `arp::Said`), or NDP's
/// counterparts, an advertisement for it (an answer, or an unsolicited one that moves it)
/// and another host's duplicate address detection probe for it (an NS from `::`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    Arp(Said),
    Advertisement,
    Dad,
}

impl Msg {
    /// The words of `check --watch`'s line: "gratuitous ARP", "neighbor advertisement".
    pub fn words(self) -> String {
        match self {
            Msg::Arp(said) => format!("{} ARP", said.as_str()),
            Msg::Advertisement => "neighbor advertisement".to_string(),
            Msg::Dad => "NDP duplicate address probe".to_string(),
        }
    }
}

/// All nodes' group MAC (`ff02::1`), where answers to a DAD probe and unsolicited
/// advertisements go.
const ALL_NODES_MAC: [u8; 6] = [0x33, 0x33, 0, 0, 0, 1];

/// One ARP or NDP message that claims a watched address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Heard {
    pub ip: IpAddr,
    pub mac: Mac,
    pub msg: Msg,
}

/// What `Observer::hear` heard: a claim on a watched address, or a DHCP message that
/// names an address (any: the caller knows which are reserved).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frame {
    Claim(Heard),
    Dhcp(dhcp::heard::Heard),
}

/// Which of the observer's sockets: `check` asks with the first two, `check --watch`
/// listens to all three.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ears {
    ArpNdp,
    ArpNdpDhcp,
}

/// The size of the buffer `Observer::hear` reads into: the largest IPv4 packet.
pub const HEAR_BUF: usize = 65_535;

/// Every MAC heard claiming one address during `Observer::ask`, with how long after the
/// first probe it was first heard.
pub type Holders = Vec<(Mac, Duration)>;

/// The observer of one parent. Dropping it frees its namespace, and its child with it.
pub struct Observer {
    pub parent: String,
    pub kind: Kind,
    /// The child's MAC: its own on macvlan, the parent's on ipvlan.
    pub mac: Mac,
    /// On the child, in lanctl's namespace: sends the probes, and on macvlan hears.
    child: packet::Socket,
    /// On ipvlan, the parent in the host's namespace, which hears (see the module comment).
    parent_ear: Option<packet::Socket>,
    /// The same two for NDP.
    child6: packet::Socket,
    parent_ear6: Option<packet::Socket>,
    /// With `Ears::ArpNdpDhcp`: DHCP, on the child (macvlan) or the parent (ipvlan).
    dhcp: Option<packet::Socket>,
}

impl Observer {
    /// Makes the observer of `parent`: the namespace, the child in it (an `ip` command
    /// run by `runner`), the sockets of `ears`.
    pub fn open(runner: &Runner, ip: &Ip, parent: &str, kind: Kind, ears: Ears) -> Result<Observer> {
        // Exit 3: the LAN could not be asked, which is not a problem found on it.
        let fail = |what: String| {
            Error::check(format!("cannot make the LAN observer on {parent}: {what}"))
                .hint(format!("check that {parent} exists and that lanctl runs as root on this host"))
        };
        let (link_kind, mode) = kind.words();
        let child = std::thread::scope(|s| {
            let (tid_tx, tid_rx) = mpsc::channel::<Option<u32>>();
            let (go_tx, go_rx) = mpsc::channel::<bool>();
            type Inside = (packet::Socket, packet::Socket, Option<packet::Socket>);
            let inside = s.spawn(move || -> io::Result<Inside> {
                if let Err(e) = own_namespace() {
                    let _ = tid_tx.send(None);
                    return Err(e);
                }
                // SAFETY: gettid takes nothing and cannot fail.
                let tid = unsafe { libc::gettid() } as u32;
                let _ = tid_tx.send(Some(tid));
                if !go_rx.recv().unwrap_or(false) {
                    return Err(io::Error::other("the child was not made"));
                }
                // Opened in this thread's namespace: the socket keeps it once the thread ends.
                let arp = packet::Socket::open(LINK, arp::ETH_P_ARP, Framing::Ethernet, None)?;
                let nd = packet::Socket::open(LINK, ndp::ETH_P_IPV6, Framing::Ethernet, Some(&ndp::FILTER))?;
                let dhcp = match (ears, kind) {
                    (Ears::ArpNdpDhcp, Kind::Macvlan) => Some(open_dhcp(LINK)?),
                    _ => None,
                };
                Ok((arp, nd, dhcp))
            });
            let made = match tid_rx.recv().ok().flatten() {
                Some(tid) => runner.query(&ip.observer_add(LINK, parent, tid, link_kind, mode)).map(|_| ()),
                None => Ok(()),
            };
            let _ = go_tx.send(made.is_ok());
            let socket = inside.join().expect("observer thread");
            match (made, socket) {
                (Err(e), _) => Err(fail(e.msg)),
                (Ok(()), Err(e)) => Err(fail(format!("its own network namespace: {e}"))),
                (Ok(()), Ok(s)) => Ok(s),
            }
        })?;
        let (child, child6, mut dhcp) = child;
        let mac = Mac(child.hw_addr().map_err(|e| fail(e.to_string()))?);
        let (parent_ear, parent_ear6) = match kind {
            Kind::Macvlan => (None, None),
            Kind::Ipvlan => {
                let open = |t, f| packet::Socket::open(parent, t, Framing::Ethernet, f).map_err(|e| fail(e.to_string()));
                (Some(open(arp::ETH_P_ARP, None)?), Some(open(ndp::ETH_P_IPV6, Some(&ndp::FILTER))?))
            }
        };
        if ears == Ears::ArpNdpDhcp && kind == Kind::Ipvlan {
            dhcp = Some(open_dhcp(parent).map_err(|e| fail(e.to_string()))?);
        }
        let obs = Observer { parent: parent.to_string(), kind, mac, child, parent_ear, child6, parent_ear6, dhcp };
        obs.ear6().join(ALL_NODES_MAC).map_err(|e| fail(format!("joining the all-nodes group: {e}")))?;
        Ok(obs)
    }

    fn ear(&self) -> &packet::Socket {
        self.parent_ear.as_ref().unwrap_or(&self.child)
    }

    fn ear6(&self) -> &packet::Socket {
        self.parent_ear6.as_ref().unwrap_or(&self.child6)
    }

    /// Joins the solicited-node groups of `targets`, where other hosts' DAD probes for
    /// them go.
    pub fn join6(&self, targets: &[Ipv6Addr]) -> io::Result<()> {
        targets.iter().try_for_each(|t| self.ear6().join(ndp::multicast_mac(ndp::solicited_node(*t)).0))
    }

    /// Probes `targets` at once for `wait`, `num` RFC 5227 probes each spread over it, and
    /// returns, for each, every MAC heard claiming it (see `Observer::next`), in the order
    /// first heard. The whole window runs: a second holder may answer after the first.
    pub fn ask(&self, targets: &[Ipv4Addr], wait: Duration, num: u32) -> io::Result<Vec<Holders>> {
        let send = || targets.iter().try_for_each(|ip| self.child.send(&arp::probe(self.mac, *ip)));
        let ips: Vec<IpAddr> = targets.iter().map(|&ip| IpAddr::V4(ip)).collect();
        self.window(&ips, wait, num, send, |until| self.next(targets, until))
    }

    /// `ask` for IPv6 addresses: RFC 4862 DAD probes (from `::`), every NA for a target
    /// (and another host's DAD probe) heard as a claim.
    pub fn ask6(&self, targets: &[Ipv6Addr], wait: Duration, num: u32) -> io::Result<Vec<Holders>> {
        if targets.is_empty() {
            return Ok(Vec::new());
        }
        self.join6(targets)?;
        let send = || targets.iter().try_for_each(|ip| self.child6.send(&ndp::probe(self.mac, *ip)));
        let ips: Vec<IpAddr> = targets.iter().map(|&ip| IpAddr::V6(ip)).collect();
        self.window(&ips, wait, num, send, |until| self.next6(targets, until))
    }

    /// One window of `ask`/`ask6`: `num` rounds of `send` spread over `wait`, and every
    /// claim `next` hears, per target.
    fn window(
        &self,
        targets: &[IpAddr],
        wait: Duration,
        num: u32,
        send: impl Fn() -> io::Result<()>,
        next: impl Fn(Instant) -> io::Result<Option<Heard>>,
    ) -> io::Result<Vec<Holders>> {
        let mut holders: Vec<Holders> = vec![Vec::new(); targets.len()];
        let start = Instant::now();
        let end = start + wait;
        let mut sent = 0;
        loop {
            let now = Instant::now();
            if now >= end {
                return Ok(holders);
            }
            let next_send = start + wait * sent / num.max(1);
            if sent < num && now >= next_send {
                send()?;
                sent += 1;
                continue;
            }
            let until = if sent < num { next_send.min(end) } else { end };
            let Some(h) = next(until)? else { continue };
            let i = targets.iter().position(|t| *t == h.ip).expect("a claim is on a target");
            if !holders[i].iter().any(|(m, _)| *m == h.mac) {
                holders[i].push((h.mac, start.elapsed()));
            }
        }
    }

    /// The next ARP message heard before `deadline` that claims one of `targets` (a reply,
    /// a gratuitous ARP, a request from the address, another host's probe for it: see
    /// `arp::Arp::claim`), or `None` once the deadline passed. The observer's own probes
    /// are not claims.
    pub fn next(&self, targets: &[Ipv4Addr], deadline: Instant) -> io::Result<Option<Heard>> {
        let mut buf = [0u8; 1536];
        loop {
            let Some(n) = self.ear().recv_until(deadline, &mut buf)? else { return Ok(None) };
            if let Some(h) = self.claim(targets, &buf[..n]) {
                return Ok(Some(h));
            }
        }
    }

    /// `next` for NDP: an advertisement for one of `targets`, or another host's DAD probe
    /// for one (see `claim6`).
    pub fn next6(&self, targets: &[Ipv6Addr], deadline: Instant) -> io::Result<Option<Heard>> {
        let mut buf = [0u8; 1536];
        loop {
            let Some(n) = self.ear6().recv_until(deadline, &mut buf)? else { return Ok(None) };
            if let Some(h) = self.claim6(targets, &buf[..n]) {
                return Ok(Some(h));
            }
        }
    }

    /// The next claim on one of `targets` or `targets6` (as `next` and `next6` hear
    /// them), or DHCP message that names an address (with `Ears::ArpNdpDhcp`), heard
    /// before `deadline`: one wait over every socket, so none waits while another is read.
    /// `buf` is the caller's, kept across calls (a frame longer than it is cut: `HEAR_BUF`
    /// holds the largest IPv4 packet a DHCP message may come in).
    pub fn hear(
        &self,
        targets: &[Ipv4Addr],
        targets6: &[Ipv6Addr],
        deadline: Instant,
        buf: &mut [u8],
    ) -> io::Result<Option<Frame>> {
        let mut ears = vec![self.ear(), self.ear6()];
        ears.extend(&self.dhcp);
        let fds: Vec<_> = ears.iter().map(|s| s.raw_fd()).collect();
        loop {
            let Some(i) = packet::first_readable(&fds, deadline)? else { return Ok(None) };
            let Some(n) = ears[i].try_recv(buf)? else { continue };
            let frame = &buf[..n];
            let heard = match i {
                0 => self.claim(targets, frame).map(Frame::Claim),
                1 => self.claim6(targets6, frame).map(Frame::Claim),
                _ => dhcp::heard::heard(frame).map(Frame::Dhcp),
            };
            if heard.is_some() {
                return Ok(heard);
            }
        }
    }

    /// What an ARP frame says of `targets`: a claim, unless it is the observer's own probe.
    fn claim(&self, targets: &[Ipv4Addr], frame: &[u8]) -> Option<Heard> {
        let a = arp::parse(frame)?;
        let (ip, said) = a.claim(targets)?;
        if said == Said::Probe && a.sha == self.mac {
            return None;
        }
        Some(Heard { ip: IpAddr::V4(ip), mac: a.sha, msg: Msg::Arp(said) })
    }

    /// What an NDP frame says of `targets`: an advertisement for one, or another host's
    /// DAD probe for one, is a claim (the observer's own probes are not; an NS from a
    /// unicast source only asks where the target is).
    fn claim6(&self, targets: &[Ipv6Addr], frame: &[u8]) -> Option<Heard> {
        let nd = ndp::parse(frame)?;
        if !targets.contains(&nd.target) {
            return None;
        }
        let msg = match nd.kind {
            ndp::Kind::Advertisement => Msg::Advertisement,
            ndp::Kind::Solicitation if nd.src.is_unspecified() && nd.mac != self.mac => Msg::Dad,
            ndp::Kind::Solicitation => return None,
        };
        Some(Heard { ip: IpAddr::V6(nd.target), mac: nd.mac, msg })
    }

    /// How many ARP frames the kernel dropped for want of room before lanctl read them.
    pub fn dropped(&self) -> io::Result<u32> {
        self.ear().dropped()
    }
}

/// The DHCP socket on `ifname`: IPv4 packets between the DHCP ports, either way.
fn open_dhcp(ifname: &str) -> io::Result<packet::Socket> {
    packet::Socket::open(ifname, dhcp::frame::ETH_P_IP, Framing::Payload, Some(&dhcp::frame::DHCP_EITHER_WAY))
}

/// Moves the calling thread alone into a new network namespace, with IPv6 off for every
/// interface made there (the `default` of the namespace's own sysctls, which the
/// thread's `/proc/sys/net` now shows).
fn own_namespace() -> io::Result<()> {
    // SAFETY: plain system call; it changes only this thread's namespace.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } < 0 {
        return Err(io::Error::last_os_error());
    }
    match std::fs::write("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1") {
        // A kernel without IPv6 has nothing to switch off.
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        r => r,
    }
}

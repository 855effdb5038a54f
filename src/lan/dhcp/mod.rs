//! DHCP discovery, to learn whether a LAN's DHCP server would hand out addresses of a
//! reserved range: DHCPDISCOVERs that each request one address of the range (option 50),
//! and the DHCPOFFERs that answer them. Nothing here ever sends a DHCPREQUEST, so no
//! server commits a lease; an offer is only a proposal, which a server forgets (dnsmasq)
//! or holds for the client a short while (ISC dhcpd), and always for the one fixed MAC.
//!
//! The messages are built and read here (`message.rs`: one DISCOVER layout, and the
//! fields and options of a message that the check and `check --watch` read; `heard.rs`:
//! what a message heard passively hands out or asks for); the IPv4/UDP framing around
//! them is `frame.rs`, and the one socket is a packet socket (`packet.rs`) on the parent, which
//! sends whole IPv4 packets to the Ethernet broadcast address and hears every IPv4
//! packet to UDP port 68 that reaches the interface. Everything but `exchange` is pure.
//!
//! Why a packet socket and not a UDP socket on port 68: the discover must come from
//! 0.0.0.0, as a client without an address sends it, whether or not the parent has an
//! address; port 68 may already be bound by the host's own DHCP client (dhclient,
//! systemd-networkd); and a broadcast offer from a server the host's routes do not
//! expect (reverse-path filtering) never reaches a UDP socket. A packet socket sees the
//! offer as it arrives, before the host's IP stack judges it. The kernel still writes the
//! Ethernet header, with the interface's own MAC as source, so no switch sees a new MAC.
//! Its filter (`frame::TO_CLIENT`) keeps all but UDP to port 68 out of its buffer; the
//! kernel's count of drops is read at the end all the same (`Exchange::dropped`).
//!
//! Architecture invariant: a low layer; it knows `engine::range` (`AddrRange`, `v4_of`) and `packet`
//! only.

pub mod frame;
pub mod heard;
pub mod message;

use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

use crate::engine::netspec::AddrRange;
use crate::engine::range::v4_of;
use crate::lan::dhcp::message::{Bootp, MessageType};
use crate::lan::packet::{self, Framing};

/// The client hardware address of every discover: locally administered (bit 1 of the
/// first byte), unicast (bit 0 clear), so it can belong to no vendor's device; the other
/// five bytes spell `lanct` in ASCII, so a server's log names who asked. A single fixed
/// address keeps a server's offer table to one entry however often the check runs.
pub const CLIENT_MAC: [u8; 6] = [0x02, 0x6c, 0x61, 0x6e, 0x63, 0x74];

/// The most discovers one check sends. A DHCP pool is a run of consecutive addresses, so
/// a pool that overlaps the range holds a run of it; requests spread evenly across the
/// range with the first and the last address among them find any overlap at least as
/// long as their spacing (all of a range of up to 32 addresses; one in eight of a /24).
/// 32 small broadcasts are nothing to a server, and keep the sending part short.
pub const MAX_REQUESTS: usize = 32;

/// The pause between two discovers: 32 of them take 160 ms, a burst no server's rate
/// limit is likely to cut (dnsmasq has none; ISC dhcpd none by default).
pub const SEND_GAP: Duration = Duration::from_millis(5);

/// The quiet that ends the wait for offers: no offer for this long after the last
/// discover or the last offer. A server answers in milliseconds unless it first pings the
/// address it will offer: dnsmasq, which handles one discover at a time, waits up to 3 s
/// for each new address's echo reply (and remembers the answer for 30 s); ISC dhcpd's
/// `ping-timeout` is 1 s. So a server still working through the discovers is never quiet
/// for 4 s, and when none answers the check ends 4 s after the last discover.
pub const IDLE: Duration = Duration::from_secs(4);

/// The longest wait after the last discover, however the offers trickle in: enough for a
/// pinging dnsmasq to get through ten new addresses. An offer inside the range ends the
/// wait at once (it decides the check), and a server whose pool lies outside the range
/// offers the same few addresses to every discover of the one client, so in practice
/// the wait is one or two pings long.
pub const MAX_WAIT: Duration = Duration::from_secs(30);

/// The addresses to request: all of a range of up to `max`, else `max` spread evenly
/// from its first address to its last.
pub fn sample(range: AddrRange, max: usize) -> Vec<Ipv4Addr> {
    // DHCPv4 hands out IPv4 addresses only: an IPv6 range has none to ask for.
    let Some((first, _)) = range.v4() else { return Vec::new() };
    // An IPv4 range holds at most 2^32 addresses.
    let len = range.len() as u64;
    let max = max.max(2) as u64;
    if len <= max {
        return range.iter().filter_map(v4_of).collect();
    }
    let start = u64::from(u32::from(first));
    // The i-th of `max` points from 0 to len - 1, rounded down: strictly increasing
    // since len > max, and ending on the last address.
    (0..max).map(|i| Ipv4Addr::from((start + i * (len - 1) / (max - 1)) as u32)).collect()
}

/// One discover that went out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sent {
    pub xid: u32,
    pub requested: Ipv4Addr,
}

/// A DHCPOFFER for one of the discovers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Offer {
    pub xid: u32,
    /// The address offered.
    pub yiaddr: Ipv4Addr,
    /// The server that offered it: its server identifier (option 54), else `siaddr`,
    /// else the IPv4 source of the offer.
    pub server: Ipv4Addr,
}

/// The DHCPDISCOVER payload (the UDP data) for transaction `xid` requesting `requested`:
/// from `CLIENT_MAC`, with the broadcast flag set, since the client has no address the
/// server could send to and the packet socket hears only what reaches the interface.
pub fn discover(xid: u32, requested: Ipv4Addr) -> Vec<u8> {
    message::discover(xid, &CLIENT_MAC, requested)
}

/// Reads a DHCP payload from `source`: an offer to `CLIENT_MAC`, or `None` for anything
/// else (a reply to another client, an ack, a request, bytes that are not DHCP).
pub fn parse_offer(payload: &[u8], source: Ipv4Addr) -> Option<Offer> {
    let msg = Bootp::parse(payload)?;
    if !msg.reply || msg.chaddr != CLIENT_MAC || msg.message_type != Some(MessageType::Offer) {
        return None;
    }
    let server = match msg.server_id {
        Some(id) if !id.is_unspecified() => id,
        _ if !msg.siaddr.is_unspecified() => msg.siaddr,
        _ => source,
    };
    Some(Offer { xid: msg.xid, yiaddr: msg.yiaddr, server })
}

/// What one exchange saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Exchange {
    pub sent: Vec<Sent>,
    /// Offers for the discovers sent, in arrival order.
    pub offers: Vec<Offer>,
    /// Packets the kernel dropped for want of room before they were read: an offer may be
    /// among them.
    pub dropped: u32,
}

/// What to check when no server answered on `parent` (doctor's and check's words): the
/// discovers may never have reached one.
pub fn unanswered_hint(parent: &str) -> String {
    format!("if the LAN has a DHCP server, check that it serves {parent} (its VLAN, a DHCP relay)")
}

/// A transaction id base that differs per run, so offers for an earlier run (or another
/// lanctl) are not taken for this one's: discover `i` has `base + i`.
pub fn xid_base() -> u32 {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    nanos ^ std::process::id().rotate_left(16)
}

/// Sends one discover per address in `requested` on `ifname`, `SEND_GAP` apart, then
/// collects offers until one is `decisive`, or none came for `idle`, or `max_wait` after
/// the last discover. `log` gets one line per discover sent and per offer heard (for
/// `--verbose`). It needs CAP_NET_RAW (root).
pub fn exchange(
    ifname: &str,
    requested: &[Ipv4Addr],
    (idle, max_wait): (Duration, Duration),
    decisive: &dyn Fn(&Offer) -> bool,
    log: &dyn Fn(String),
) -> std::io::Result<Exchange> {
    let socket = packet::Socket::open(ifname, frame::ETH_P_IP, Framing::Payload, Some(&frame::TO_CLIENT))?;
    // The largest IPv4 packet; anything longer is cut and then fails to parse.
    let mut buf = vec![0u8; 65_535];
    let base = xid_base();
    let mut ex = Exchange::default();
    let mac = mac_string(&CLIENT_MAC);
    // Reads one packet: whether it was an offer for one of the discovers sent.
    let seen = |ex: &mut Exchange, packet: &[u8]| -> bool {
        let Some((source, payload)) = frame::udp_to_client(packet) else { return false };
        let Some(offer) = parse_offer(payload, source) else { return false };
        if !ex.sent.iter().any(|s| s.xid == offer.xid) {
            return false;
        }
        log(format!("dhcp: DHCPOFFER of {} from server {} (xid {:#010x})", offer.yiaddr, offer.server, offer.xid));
        ex.offers.push(offer);
        true
    };
    for (i, &ip) in requested.iter().enumerate() {
        let xid = base.wrapping_add(i as u32);
        socket.send_broadcast(&frame::udp_broadcast(&discover(xid, ip)))?;
        log(format!("dhcp: DHCPDISCOVER on {ifname} from {mac} requesting {ip} (xid {xid:#010x})"));
        ex.sent.push(Sent { xid, requested: ip });
        // Offers that come in while sending are read now, so the socket's buffer never
        // has to hold them all.
        let gap_end = Instant::now() + SEND_GAP;
        while let Some(n) = socket.recv_until(gap_end, &mut buf)? {
            if seen(&mut ex, &buf[..n]) && ex.offers.last().is_some_and(decisive) {
                ex.dropped = socket.dropped()?;
                return Ok(ex);
            }
        }
    }
    let end = Instant::now() + max_wait;
    let mut quiet_end = Instant::now() + idle;
    while let Some(n) = socket.recv_until(quiet_end.min(end), &mut buf)? {
        if seen(&mut ex, &buf[..n]) {
            if ex.offers.last().is_some_and(decisive) {
                break;
            }
            quiet_end = Instant::now() + idle;
        }
    }
    ex.dropped = socket.dropped()?;
    Ok(ex)
}

/// `02:6c:61:6e:63:74`.
pub fn mac_string(mac: &[u8]) -> String {
    mac.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

#[cfg(test)]
mod tests;

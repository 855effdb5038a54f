//! The one socket of the DHCP check: a packet socket (AF_PACKET, SOCK_DGRAM) on one
//! interface, which sends whole IPv4 packets to the Ethernet broadcast address and hears
//! every IPv4 packet to UDP port 68 that reaches the interface.
//!
//! Why a packet socket and not a UDP socket on port 68: the discover must come from
//! 0.0.0.0, as a client without an address sends it, whether or not the parent has an
//! address; port 68 may already be bound by the host's own DHCP client (dhclient,
//! systemd-networkd); and a broadcast offer from a server the host's routes do not
//! expect (reverse-path filtering) never reaches a UDP socket. A packet socket sees the
//! offer as it arrives, before the host's IP stack judges it. The kernel still writes the
//! Ethernet header, with the interface's own MAC as source, so no switch sees a new MAC.
//!
//! A classic BPF filter (attached before the socket is bound, so nothing unfiltered is
//! queued) keeps everything but unfragmented UDP to port 68 out of the socket's buffer,
//! so a busy interface cannot crowd an offer out; the kernel's count of drops is read at
//! the end all the same (`dropped`).
//!
//! rustix (already a dependency) has no packet-socket address nor socket filters, so this
//! module calls libc (already in the build through duct). Each `unsafe` block is one
//! system call on a descriptor this module owns, with structs that live across the call.
//! It needs CAP_NET_RAW (root).

use std::ffi::CString;
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Instant;

/// ETH_P_IP in network byte order, as packet sockets take protocols.
const IP_BE: u16 = (libc::ETH_P_IP as u16).to_be();

/// The largest IPv4 packet; anything longer is cut and then fails to parse.
const MAX_PACKET: usize = 65_535;

/// Classic BPF over the IPv4 header (a SOCK_DGRAM packet socket filters from the network
/// header): accept UDP (protocol 17) that is not a fragment and goes to port 68.
const FILTER: [libc::sock_filter; 9] = [
    op(0x30, 0, 0, 9),      // 0: ldb [9]            protocol
    op(0x15, 0, 6, 17),     // 1: jeq #17, 2, 8      UDP, else drop
    op(0x28, 0, 0, 6),      // 2: ldh [6]            flags and fragment offset
    op(0x45, 4, 0, 0x1fff), // 3: jset #0x1fff, 8, 4 a later fragment: drop
    op(0xb1, 0, 0, 0),      // 4: ldxb 4*([0]&0xf)   X = IP header length
    op(0x48, 0, 0, 2),      // 5: ldh [x + 2]        UDP destination port
    op(0x15, 0, 1, 68),     // 6: jeq #68, 7, 8
    op(0x06, 0, 0, 0xffff), // 7: ret #65535         accept the whole packet
    op(0x06, 0, 0, 0),      // 8: ret #0             drop
];

const fn op(code: u16, jt: u8, jf: u8, k: u32) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

pub struct Link {
    fd: OwnedFd,
    ifindex: i32,
}

impl Link {
    /// A filtered packet socket bound to `ifname`.
    pub fn open(ifname: &str) -> io::Result<Link> {
        let name = CString::new(ifname).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: `name` is a NUL-terminated string that outlives the call.
        let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
        if ifindex == 0 {
            return Err(io::Error::last_os_error());
        }
        // Protocol 0: the socket hears nothing until `bind` names one, after the filter.
        // SAFETY: plain system call; the descriptor is owned at once below.
        let raw = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a descriptor just opened and owned by nothing else.
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let prog = libc::sock_fprog { len: FILTER.len() as u16, filter: FILTER.as_ptr().cast_mut() };
        // SAFETY: `prog` points at `FILTER`, a static; the kernel copies the program.
        let r = unsafe {
            libc::setsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_ATTACH_FILTER,
                (&prog as *const libc::sock_fprog).cast(),
                size_of::<libc::sock_fprog>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        let link = Link { fd, ifindex: ifindex as i32 };
        let addr = link.address([0; 6]);
        // SAFETY: `addr` is a sockaddr_ll that lives across the call, its size given.
        let r = unsafe {
            libc::bind(
                link.fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(link)
    }

    /// The link-layer address of this interface for IPv4 and hardware address `mac`.
    fn address(&self, mac: [u8; 6]) -> libc::sockaddr_ll {
        let mut addr = [0u8; 8];
        addr[..6].copy_from_slice(&mac);
        libc::sockaddr_ll {
            sll_family: libc::AF_PACKET as u16,
            sll_protocol: IP_BE,
            sll_ifindex: self.ifindex,
            sll_hatype: 0,
            sll_pkttype: 0,
            sll_halen: 6,
            sll_addr: addr,
        }
    }

    /// Sends an IPv4 packet to the Ethernet broadcast address.
    pub fn send_broadcast(&self, packet: &[u8]) -> io::Result<()> {
        let to = self.address([0xff; 6]);
        // SAFETY: `packet` and `to` live across the call, with their sizes given.
        let n = unsafe {
            libc::sendto(
                self.fd.as_raw_fd(),
                packet.as_ptr().cast(),
                packet.len(),
                0,
                (&to as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        match n {
            n if n < 0 => Err(io::Error::last_os_error()),
            n if n as usize != packet.len() => Err(io::Error::other(format!("sent {n} of {} bytes", packet.len()))),
            _ => Ok(()),
        }
    }

    /// The next packet that passed the filter, or `None` once `deadline` has passed.
    pub fn recv_until(&self, deadline: Instant) -> io::Result<Option<Vec<u8>>> {
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            let mut pfd = libc::pollfd { fd: self.fd.as_raw_fd(), events: libc::POLLIN, revents: 0 };
            // Rounded up, so a wait of less than a millisecond still waits.
            let ms = left.as_millis().saturating_add(1).min(i32::MAX as u128) as i32;
            // SAFETY: one pollfd that lives across the call.
            let r = unsafe { libc::poll(&mut pfd, 1, ms) };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if r == 0 {
                continue; // the loop's check of the deadline ends it
            }
            let mut buf = vec![0u8; MAX_PACKET];
            // SAFETY: `buf` is writable for its whole length across the call.
            let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if matches!(e.kind(), io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock) {
                    continue;
                }
                return Err(e);
            }
            buf.truncate(n as usize);
            return Ok(Some(buf));
        }
    }

    /// How many packets that passed the filter the kernel dropped since the socket was
    /// bound, for want of room in its buffer.
    pub fn dropped(&self) -> io::Result<u32> {
        let mut stats = libc::tpacket_stats { tp_packets: 0, tp_drops: 0 };
        let mut len = size_of::<libc::tpacket_stats>() as libc::socklen_t;
        // SAFETY: `stats` and `len` live across the call; `len` is `stats`' size.
        let r = unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut stats as *mut libc::tpacket_stats).cast(),
                &mut len,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(stats.tp_drops)
    }
}

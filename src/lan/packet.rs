//! lanctl's one kind of socket: a packet socket (AF_PACKET, packet(7)) bound to one
//! interface by name, for one EtherType, which sends frames and receives them until a
//! deadline. The native ARP probe (`lanprobe.rs`) writes whole Ethernet frames; the DHCP
//! check (`dhcp/`) writes IPv4 packets to the Ethernet broadcast address and lets the
//! kernel add the Ethernet header, with a classic BPF filter so only what it reads is
//! queued. It needs CAP_NET_RAW (root) and acts on this machine's interfaces only.
//!
//! Why libc and not rustix: rustix (lanctl's other system-call crate, which the lock
//! needs) has no `sockaddr_ll`, no socket filters and no packet statistics, so it would
//! cover only half of this module; libc covers all of it, and is already in the build
//! through duct. Each `unsafe` block is one system call on a descriptor this module owns,
//! with structs that live across the call.
//!
//! The socket is opened with protocol 0, which hears nothing, and hears its EtherType
//! only once bound to the interface, after the filter is attached: nothing from another
//! interface, and nothing unfiltered, is ever queued.

use std::ffi::CString;
use std::io;
use std::mem::size_of;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::sync::Mutex;
use std::time::Instant;

/// What a frame sent or received holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// The whole Ethernet frame, header included (SOCK_RAW).
    Ethernet,
    /// The packet after the Ethernet header, which the kernel writes on send, with the
    /// interface's own MAC as source, and strips on receive (SOCK_DGRAM).
    Payload,
}

/// One instruction of a classic BPF program (`struct sock_filter`), as
/// `Socket::open` attaches it.
pub type Insn = libc::sock_filter;

/// A classic BPF instruction: opcode, jump offsets if true and if false, constant.
pub const fn insn(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
    libc::sock_filter { code, jt, jf, k }
}

/// Opens a packet socket bound to nothing: whether this process may open packet sockets
/// (without CAP_NET_RAW it fails with EPERM). Nothing is sent or heard. The socket is
/// kept for the next `Socket::open` of whole frames rather than closed, because closing a
/// packet socket waits for an RCU grace period (`packet_release` calls
/// `synchronize_net`): 10 to 20 ms on a busy 2-core host, once per socket, paid again
/// for nothing when the probe or the announcement opens its own a moment later.
pub fn can_open() -> io::Result<()> {
    keep_spare(&SPARE)
}

/// The socket `can_open` opened, until a `Socket::open` of whole frames takes it.
static SPARE: Mutex<Option<OwnedFd>> = Mutex::new(None);

/// Opens a socket of whole frames into `spare`, unless it holds one.
fn keep_spare(spare: &Mutex<Option<OwnedFd>>) -> io::Result<()> {
    let mut spare = spare.lock().unwrap_or_else(|e| e.into_inner());
    if spare.is_none() {
        *spare = Some(new_socket(Framing::Ethernet)?);
    }
    Ok(())
}

/// A packet socket of `framing`, with protocol 0 (it hears nothing until bound).
fn raw_socket(framing: Framing) -> io::Result<OwnedFd> {
    spare_or_new(&SPARE, framing)
}

/// The socket in `spare` for whole frames, if it holds one; else a new one.
fn spare_or_new(spare: &Mutex<Option<OwnedFd>>, framing: Framing) -> io::Result<OwnedFd> {
    if framing == Framing::Ethernet {
        if let Some(fd) = spare.lock().unwrap_or_else(|e| e.into_inner()).take() {
            return Ok(fd);
        }
    }
    new_socket(framing)
}

fn new_socket(framing: Framing) -> io::Result<OwnedFd> {
    let ty = match framing {
        Framing::Ethernet => libc::SOCK_RAW,
        Framing::Payload => libc::SOCK_DGRAM,
    };
    // SAFETY: plain system call; the descriptor is owned at once below.
    let raw = unsafe { libc::socket(libc::AF_PACKET, ty | libc::SOCK_CLOEXEC, 0) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a descriptor just opened and owned by nothing else.
    Ok(unsafe { OwnedFd::from_raw_fd(raw) })
}

/// A packet socket on one interface, for one EtherType.
pub struct Socket {
    fd: OwnedFd,
    ifindex: i32,
    /// The EtherType, in network byte order, as packet sockets take it.
    protocol: u16,
}

impl Socket {
    /// A socket that sends and hears frames of EtherType `ethertype` on `ifname` only,
    /// and of those only what `filter` accepts, if given. The interface is looked up
    /// first, so a missing one is ENODEV whoever asks.
    pub fn open(ifname: &str, ethertype: u16, framing: Framing, filter: Option<&[Insn]>) -> io::Result<Socket> {
        let name = CString::new(ifname).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        // SAFETY: `name` is a NUL-terminated string that outlives the call.
        let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
        if ifindex == 0 {
            return Err(io::Error::last_os_error());
        }
        let fd = raw_socket(framing)?;
        if let Some(filter) = filter {
            let len = u16::try_from(filter.len()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
            let prog = libc::sock_fprog { len, filter: filter.as_ptr().cast_mut() };
            // SAFETY: `prog` points at `filter`, which outlives the call; the kernel copies
            // the program and never writes through the pointer.
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
        }
        let socket = Socket { fd, ifindex: ifindex as i32, protocol: ethertype.to_be() };
        let addr = socket.address([0; 6]);
        // SAFETY: `addr` is a sockaddr_ll that lives across the call, its size given.
        let r = unsafe {
            libc::bind(
                socket.fd.as_raw_fd(),
                (&addr as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(socket)
    }

    /// The link-layer address of hardware address `mac` on this socket's interface, for
    /// its EtherType.
    fn address(&self, mac: [u8; 6]) -> libc::sockaddr_ll {
        let mut addr = [0u8; 8];
        addr[..6].copy_from_slice(&mac);
        libc::sockaddr_ll {
            sll_family: libc::AF_PACKET as u16,
            sll_protocol: self.protocol,
            sll_ifindex: self.ifindex,
            sll_hatype: 0,
            sll_pkttype: 0,
            sll_halen: 6,
            sll_addr: addr,
        }
    }

    /// Sends one whole Ethernet frame (`Framing::Ethernet`) as it is.
    pub fn send(&self, frame: &[u8]) -> io::Result<()> {
        // SAFETY: `frame` lives across the call, with its size given.
        let n = unsafe { libc::send(self.fd.as_raw_fd(), frame.as_ptr().cast(), frame.len(), 0) };
        sent(n, frame.len())
    }

    /// Sends one packet (`Framing::Payload`) to the Ethernet broadcast address.
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
        sent(n, packet.len())
    }

    /// Reads the next frame into `buf` and returns its length (at most `buf`'s: a longer
    /// frame is cut), or `None` once `deadline` has passed.
    pub fn recv_until(&self, deadline: Instant, buf: &mut [u8]) -> io::Result<Option<usize>> {
        loop {
            if !readable_before(&self.fd, deadline)? {
                return Ok(None);
            }
            if let Some(n) = self.try_recv(buf)? {
                return Ok(Some(n));
            }
        }
    }

    /// Reads a frame that is already queued, without waiting: `None` when there is none
    /// (for one socket among several that `first_readable` watches).
    pub fn try_recv(&self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        loop {
            // SAFETY: `buf` is writable for its whole length across the call.
            let n = unsafe { libc::recv(self.fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), libc::MSG_DONTWAIT) };
            if n >= 0 {
                return Ok(Some((n as usize).min(buf.len())));
            }
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => return Ok(None),
                _ => return Err(e),
            }
        }
    }

    /// The descriptor, for `first_readable`.
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// The hardware address of the interface the socket is bound to, as the kernel gives
    /// it to `getsockname`: read through the socket, so it is right in whatever network
    /// namespace the socket lives, where `/sys/class/net` (the host's mount) is not.
    pub fn hw_addr(&self) -> io::Result<[u8; 6]> {
        // SAFETY: an all-zero sockaddr_ll is a valid value of the plain C struct.
        let mut addr: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        let mut len = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
        // SAFETY: `addr` and `len` live across the call; `len` is `addr`'s size.
        let r = unsafe { libc::getsockname(self.fd.as_raw_fd(), (&mut addr as *mut libc::sockaddr_ll).cast(), &mut len) };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        if addr.sll_halen != 6 {
            return Err(io::Error::other(format!("the interface has a {}-byte hardware address, not a MAC", addr.sll_halen)));
        }
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&addr.sll_addr[..6]);
        Ok(mac)
    }

    /// Joins the link-layer multicast group `mac` on the socket's interface for as long as
    /// the socket lives (the kernel leaves it when the socket closes), so a NIC that filters
    /// multicast passes the group's frames: NDP's answers to the probe go to all nodes,
    /// another host's DAD probe to the target's solicited-node group.
    pub fn join(&self, mac: [u8; 6]) -> io::Result<()> {
        let mut mr_address = [0u8; 8];
        mr_address[..6].copy_from_slice(&mac);
        let mreq =
            libc::packet_mreq { mr_ifindex: self.ifindex, mr_type: libc::PACKET_MR_MULTICAST as u16, mr_alen: 6, mr_address };
        // SAFETY: `mreq` lives across the call, its size given; the kernel only reads it.
        let r = unsafe {
            libc::setsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_ADD_MEMBERSHIP,
                (&mreq as *const libc::packet_mreq).cast(),
                size_of::<libc::packet_mreq>() as libc::socklen_t,
            )
        };
        if r < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// How many frames that passed the filter the kernel dropped since the socket was
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

/// Waits until `fd` has something to read: `false` once `deadline` has passed first. A
/// signal's interruption waits on; the receive after it may still find nothing (another
/// reader, a packet the filter dropped late), so callers loop.
pub fn readable_before(fd: &impl AsRawFd, deadline: Instant) -> io::Result<bool> {
    Ok(first_readable(&[fd.as_raw_fd()], deadline)?.is_some())
}

/// Waits until one of `fds` has something to read and returns the index of the first
/// that has, or `None` once `deadline` has passed first: one wait over several sockets,
/// so a frame on one never waits while another is read.
pub fn first_readable(fds: &[RawFd], deadline: Instant) -> io::Result<Option<usize>> {
    let mut pfds: Vec<libc::pollfd> = fds.iter().map(|&fd| libc::pollfd { fd, events: libc::POLLIN, revents: 0 }).collect();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        // Rounded up, so a wait of less than a millisecond still waits.
        let ms = left.as_millis().saturating_add(1).min(i32::MAX as u128) as i32;
        // SAFETY: `pfds` lives across the call, its length given.
        let r = unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, ms) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        // An error or a hang-up on a descriptor counts as readable: the read says which.
        if let Some(i) = pfds.iter().position(|p| p.revents != 0) {
            return Ok(Some(i));
        }
        // r == 0: the loop's check of the deadline ends it.
    }
}

/// What `sendto` returned for `len` bytes: a packet socket sends a frame whole or not at
/// all, so anything else is an error.
fn sent(n: isize, len: usize) -> io::Result<()> {
    match n {
        n if n < 0 => Err(io::Error::last_os_error()),
        n if n as usize != len => Err(io::Error::other(format!("sent {n} of {len} bytes"))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interface_is_enodev_before_any_socket() {
        // The DHCP check reads ENODEV as "the parent does not exist yet" (a skip); the
        // name is looked up before the socket is opened, so this holds without root too.
        let e = Socket::open("ltnosuchif0", 0x0800, Framing::Payload, None).err().expect("no such interface");
        assert_eq!(e.raw_os_error(), Some(libc::ENODEV), "{e}");
        let e = Socket::open("lt\0nul", 0x0806, Framing::Ethernet, None).err().expect("a NUL in the name");
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{e}");
    }

    #[test]
    fn the_socket_can_open_keeps_is_the_next_one_of_whole_frames_and_only_that_one() {
        let spare = Mutex::new(None);
        match keep_spare(&spare) {
            Ok(()) => {}
            // Without CAP_NET_RAW there is no socket to keep: what the fake tests cover.
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => return eprintln!("skipped: {e}"),
            Err(e) => panic!("{e}"),
        }
        let kept = spare.lock().unwrap().as_ref().map(|fd| fd.as_raw_fd()).expect("a socket kept");
        keep_spare(&spare).unwrap();
        assert_eq!(spare.lock().unwrap().as_ref().map(|fd| fd.as_raw_fd()), Some(kept), "one socket kept, not two");
        let payload = spare_or_new(&spare, Framing::Payload).unwrap();
        assert_ne!(payload.as_raw_fd(), kept, "a socket of payloads is never the spare");
        let frames = spare_or_new(&spare, Framing::Ethernet).unwrap();
        assert_eq!(frames.as_raw_fd(), kept);
        assert!(spare.lock().unwrap().is_none(), "taken once");
        assert_ne!(spare_or_new(&spare, Framing::Ethernet).unwrap().as_raw_fd(), kept);
    }
}

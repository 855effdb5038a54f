//! The LAN's router advertisements (RFC 4861, 4.2 and 6.3.7): one Router Solicitation to
//! all routers (`ff02::2`) on the parent, and every Router Advertisement heard within a
//! window, read for what decides where IPv6 hosts get their addresses: the M and O flags
//! (a DHCPv6 server assigns addresses, or only other configuration), the router
//! lifetime, and each Prefix Information option with its L and A flags (A: hosts
//! autoconfigure addresses from the prefix, SLAAC). `doctor --dhcp` reports them and
//! warns when a reserved IPv6 range lies in a prefix hosts autoconfigure from.
//!
//! The socket is a raw ICMPv6 socket, not a packet socket: the kernel writes the IPv6
//! header and the ICMPv6 checksum (always, for IPPROTO_ICMPV6, RFC 3542 3.1), picks the
//! parent's link-local address as source (or `::`, which a solicitation may use), and
//! hears advertisements whether or not the host itself accepts them (`accept_ra`), since
//! raw sockets get a copy of every ICMPv6 message before the stack judges it. A filter
//! passes type 134 only. It needs CAP_NET_RAW (root) and IPv6 on the parent. Each
//! `unsafe` block is one system call on the descriptor this module owns. The hop limit
//! of 255 that RFC 4861 asks a receiver to check is not read (it would need ancillary
//! data): this is a report, not a host that configures itself from what it hears.

use std::ffi::CString;
use std::io;
use std::mem::size_of;
use std::net::Ipv6Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use ipnet::Ipv6Net;

/// How long to listen after the solicitation: a router answers one after a random delay of
/// at most `MAX_RA_DELAY_TIME`, 0.5 s (RFC 4861, 6.2.6 and 10), so twice that and a margin.
pub const WINDOW: Duration = Duration::from_millis(1200);

const ROUTER_SOLICITATION: u8 = 133;
const ROUTER_ADVERTISEMENT: u8 = 134;
const OPT_PREFIX_INFORMATION: u8 = 3;
/// `ICMP6_FILTER` of `<netinet/icmp6.h>` (libc does not define it for Linux).
const ICMP6_FILTER: libc::c_int = 1;

/// One Prefix Information option.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix {
    pub prefix: Ipv6Net,
    /// L: the prefix is on this link.
    pub on_link: bool,
    /// A: hosts autoconfigure addresses from it (SLAAC).
    pub autonomous: bool,
    pub valid_secs: u32,
    pub preferred_secs: u32,
}

/// One router advertisement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advert {
    /// The router's (link-local) address it came from.
    pub router: Ipv6Addr,
    /// M: addresses come from a DHCPv6 server.
    pub managed: bool,
    /// O: other configuration (DNS, ...) comes from DHCPv6.
    pub other: bool,
    /// How long it is a default router; 0: it is none.
    pub lifetime_secs: u16,
    pub prefixes: Vec<Prefix>,
}

/// A Router Solicitation without options (a source link-layer address option is not
/// allowed from `::`, and a router answers to all nodes either way); the kernel fills in
/// the checksum.
pub fn solicitation() -> [u8; 8] {
    [ROUTER_SOLICITATION, 0, 0, 0, 0, 0, 0, 0]
}

/// Reads an ICMPv6 message from `router`: an advertisement, or `None` for anything else
/// or one cut short. Options are walked by their length (in units of 8 bytes; 0 is
/// invalid and ends the message, RFC 4861 4.6); unknown ones are skipped.
pub fn parse(b: &[u8], router: Ipv6Addr) -> Option<Advert> {
    if b.len() < 16 || b[0] != ROUTER_ADVERTISEMENT || b[1] != 0 {
        return None;
    }
    let mut ad = Advert {
        router,
        managed: b[5] & 0x80 != 0,
        other: b[5] & 0x40 != 0,
        lifetime_secs: u16::from_be_bytes([b[6], b[7]]),
        prefixes: Vec::new(),
    };
    let mut at = 16;
    while at < b.len() {
        let kind = b[at];
        let len = usize::from(*b.get(at + 1)?) * 8;
        if len == 0 {
            return None;
        }
        let opt = b.get(at..at + len)?;
        if kind == OPT_PREFIX_INFORMATION && len == 32 {
            let bits = opt[2];
            let mut addr = [0u8; 16];
            addr.copy_from_slice(&opt[16..32]);
            if let Ok(net) = Ipv6Net::new(Ipv6Addr::from(addr), bits) {
                ad.prefixes.push(Prefix {
                    prefix: net.trunc(),
                    on_link: opt[3] & 0x80 != 0,
                    autonomous: opt[3] & 0x40 != 0,
                    valid_secs: u32::from_be_bytes([opt[4], opt[5], opt[6], opt[7]]),
                    preferred_secs: u32::from_be_bytes([opt[8], opt[9], opt[10], opt[11]]),
                });
            }
        }
        at += len;
    }
    Some(ad)
}

/// Sends one solicitation on `ifname` and collects the advertisements heard until `window`
/// is over (each router once, its latest).
pub fn solicit(ifname: &str, window: Duration) -> io::Result<Vec<Advert>> {
    let name = CString::new(ifname).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    // SAFETY: a NUL-terminated name that lives across the call.
    let ifindex = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if ifindex == 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: no pointers.
    let raw = unsafe { libc::socket(libc::AF_INET6, libc::SOCK_RAW | libc::SOCK_CLOEXEC, libc::IPPROTO_ICMPV6) };
    if raw < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `raw` is a descriptor just opened and owned by nothing else.
    let fd = unsafe { OwnedFd::from_raw_fd(raw) };
    // A set bit blocks its type (Linux's convention): all but advertisements.
    let mut filter = [u32::MAX; 8];
    filter[usize::from(ROUTER_ADVERTISEMENT >> 5)] &= !(1 << (ROUTER_ADVERTISEMENT & 31));
    set(&fd, libc::IPPROTO_ICMPV6, ICMP6_FILTER, &filter)?;
    let bytes = name.as_bytes_with_nul();
    set_bytes(&fd, libc::SOL_SOCKET, libc::SO_BINDTODEVICE, bytes.as_ptr().cast(), bytes.len())?;
    // Neighbor discovery's messages carry a hop limit of 255, so no router forwarded them.
    set(&fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_HOPS, &255i32)?;
    set(&fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_IF, &(ifindex as i32))?;
    set(&fd, libc::IPPROTO_IPV6, libc::IPV6_MULTICAST_LOOP, &0i32)?;
    // SAFETY: an all-zero sockaddr_in6 is a valid value of the plain C struct.
    let mut to: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    to.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    to.sin6_addr.s6_addr = Ipv6Addr::new(0xff02, 0, 0, 0, 0, 0, 0, 2).octets();
    to.sin6_scope_id = ifindex;
    let rs = solicitation();
    // SAFETY: the message and the address live across the call, with their true sizes.
    let n = unsafe {
        libc::sendto(
            fd.as_raw_fd(),
            rs.as_ptr().cast(),
            rs.len(),
            0,
            (&to as *const libc::sockaddr_in6).cast(),
            size_of::<libc::sockaddr_in6>() as libc::socklen_t,
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let end = Instant::now() + window;
    let mut heard: Vec<Advert> = Vec::new();
    let mut buf = [0u8; 1500];
    while let Some((len, from)) = recv_until(&fd, end, &mut buf)? {
        if let Some(ad) = parse(&buf[..len], from) {
            heard.retain(|h| h.router != ad.router);
            heard.push(ad);
        }
    }
    heard.sort_by_key(|a| a.router);
    Ok(heard)
}

fn set<T>(fd: &OwnedFd, level: libc::c_int, name: libc::c_int, value: &T) -> io::Result<()> {
    set_bytes(fd, level, name, (value as *const T).cast(), size_of::<T>())
}

fn set_bytes(fd: &OwnedFd, level: libc::c_int, name: libc::c_int, ptr: *const libc::c_void, len: usize) -> io::Result<()> {
    // SAFETY: `ptr` points at `len` bytes that live across the call.
    let r = unsafe { libc::setsockopt(fd.as_raw_fd(), level, name, ptr, len as libc::socklen_t) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// The next message and its source, or `None` once `end` has passed.
fn recv_until(fd: &OwnedFd, end: Instant, buf: &mut [u8]) -> io::Result<Option<(usize, Ipv6Addr)>> {
    loop {
        if !crate::lan::packet::readable_before(fd, end)? {
            return Ok(None);
        }
        // SAFETY: an all-zero sockaddr_in6 is a valid value of the plain C struct.
        let mut from: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
        let mut from_len = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
        // SAFETY: `buf` and `from` are writable for their sizes across the call.
        let n = unsafe {
            libc::recvfrom(
                fd.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
                (&mut from as *mut libc::sockaddr_in6).cast(),
                &mut from_len,
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if matches!(e.kind(), io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock) {
                continue;
            }
            return Err(e);
        }
        return Ok(Some(((n as usize).min(buf.len()), Ipv6Addr::from(from.sin6_addr.s6_addr))));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An advertisement as dnsmasq sends one for `ra-only` on 2001:db8:51:1a0::/64: M and O
    /// off, lifetime 0 (`ra-param=IF,0`), an MTU option, the prefix with L and A.
    fn advert(flags: u8, prefix_flags: u8) -> Vec<u8> {
        let mut b = vec![134, 0, 0xab, 0xcd, 64, flags, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        // MTU option (type 5, length 1).
        b.extend_from_slice(&[5, 1, 0, 0, 0, 0, 0x05, 0xdc]);
        // Prefix information (type 3, length 4).
        b.extend_from_slice(&[3, 4, 64, prefix_flags, 0, 0, 0x1c, 0x20, 0, 0, 0x0e, 0x10, 0, 0, 0, 0]);
        b.extend_from_slice(&"2001:db8:51:1a0::".parse::<Ipv6Addr>().unwrap().octets());
        b
    }

    #[test]
    fn an_advertisement_gives_its_flags_and_prefixes() {
        let from: Ipv6Addr = "fe80::1".parse().unwrap();
        let ad = parse(&advert(0x40, 0xc0), from).unwrap();
        assert_eq!(
            ad,
            Advert {
                router: from,
                managed: false,
                other: true,
                lifetime_secs: 0,
                prefixes: vec![Prefix {
                    prefix: "2001:db8:51:1a0::/64".parse().unwrap(),
                    on_link: true,
                    autonomous: true,
                    valid_secs: 7200,
                    preferred_secs: 3600,
                }],
            }
        );
        let ad = parse(&advert(0x80, 0x80), from).unwrap();
        assert!(ad.managed && !ad.other && !ad.prefixes[0].autonomous && ad.prefixes[0].on_link);
    }

    #[test]
    fn what_is_no_advertisement_or_is_cut_short_is_none() {
        let from: Ipv6Addr = "fe80::1".parse().unwrap();
        let good = advert(0, 0xc0);
        assert_eq!(parse(&solicitation(), from), None);
        for n in 0..good.len() {
            // Cut inside the header or an option: never a panic, and never a prefix made up.
            if let Some(ad) = parse(&good[..n], from) {
                assert!(n == 16 || n == 24, "{n}: {ad:?}");
                assert!(ad.prefixes.is_empty());
            }
        }
        let mut zero_len = good.clone();
        zero_len[17] = 0;
        assert_eq!(parse(&zero_len, from), None, "an option of length 0 is invalid");
    }

    #[test]
    fn the_solicitation_is_type_133_without_options() {
        assert_eq!(solicitation(), [133, 0, 0, 0, 0, 0, 0, 0]);
    }
}

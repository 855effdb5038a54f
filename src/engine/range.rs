//! An inclusive range of addresses of one family (`AddrRange`), and the arithmetic on it.
//!
//! The arithmetic is on `u128`, the width of an IPv6 address, so one type holds both
//! families: an IPv4 address is its `u32` widened, an IPv6 one its own `u128`. A range
//! may be as large as its family allows (a /64 is a fine reservation), but no walk
//! through it goes further than `MAX_SCAN` addresses: a pool is searched, never listed.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Subnets, Ipv6Subnets};

/// The most addresses a walk through a range visits (`AddrRange::iter`): all of an IPv4
/// range, the first 2^32 of a larger IPv6 one.
pub const MAX_SCAN: u128 = 1 << 32;

/// An address as a number of its family's width.
pub fn ordinal(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// The address of `like`'s family numbered `n`; `None` past the family's last address.
pub fn from_ordinal(like: IpAddr, n: u128) -> Option<IpAddr> {
    match like {
        IpAddr::V4(_) => u32::try_from(n).ok().map(|n| IpAddr::V4(Ipv4Addr::from(n))),
        IpAddr::V6(_) => Some(IpAddr::V6(Ipv6Addr::from(n))),
    }
}

/// The address `by` after `ip` in its family; `None` past the family's last address.
pub fn offset(ip: IpAddr, by: u128) -> Option<IpAddr> {
    from_ordinal(ip, ordinal(ip).checked_add(by)?)
}

/// The IPv4 address, if `ip` is one: where an IPv4-only part (ARP, DHCP) is reached
/// through a match on the family.
pub fn v4_of(ip: IpAddr) -> Option<Ipv4Addr> {
    match ip {
        IpAddr::V4(a) => Some(a),
        IpAddr::V6(_) => None,
    }
}

/// An inclusive range of addresses of one family, `start <= end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AddrRange {
    pub start: IpAddr,
    pub end: IpAddr,
}

impl AddrRange {
    /// The range from `start` to `end`; `None` across families or when it ends before it
    /// starts.
    pub fn new(start: IpAddr, end: IpAddr) -> Option<Self> {
        (start.is_ipv4() == end.is_ipv4() && start <= end).then_some(AddrRange { start, end })
    }
    pub fn of_net(net: IpNet) -> Self {
        AddrRange { start: net.network(), end: net.broadcast() }
    }
    /// How many addresses it holds; a range is never empty (start <= end). The whole
    /// IPv6 space, one more than `u128` holds, counts as `u128::MAX`.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(&self) -> u128 {
        (ordinal(self.end) - ordinal(self.start)).saturating_add(1)
    }
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.start <= ip && ip <= self.end
    }
    pub fn overlaps(&self, other: &AddrRange) -> bool {
        self.start <= other.end && other.start <= self.end
    }
    /// `parts` consecutive ranges that cover this one, as even as can be: the first
    /// `len % parts` are one address longer. `None` when there are fewer addresses than
    /// parts.
    pub fn split(&self, parts: u64) -> Option<Vec<AddrRange>> {
        let parts = u128::from(parts);
        if parts == 0 || self.len() < parts {
            return None;
        }
        let (each, extra) = (self.len() / parts, self.len() % parts);
        let mut start = ordinal(self.start);
        let at = |n| from_ordinal(self.start, n).expect("inside the range");
        Some(
            (0..parts)
                .map(|i| {
                    let n = each + u128::from(i < extra);
                    // n <= len, so the end stays inside this range.
                    let end = start + (n - 1);
                    let r = AddrRange { start: at(start), end: at(end) };
                    start = end.wrapping_add(1);
                    r
                })
                .collect(),
        )
    }
    /// The part of the range a walk visits: all of it up to `MAX_SCAN` addresses, else
    /// its first `MAX_SCAN`.
    pub fn scanned(&self) -> AddrRange {
        let last = ordinal(self.start) + (self.len().min(MAX_SCAN) - 1);
        AddrRange { start: self.start, end: from_ordinal(self.start, last).expect("inside the range") }
    }
    /// The addresses of `scanned`, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = IpAddr> {
        let s = self.scanned();
        (ordinal(s.start)..=ordinal(s.end)).filter_map(move |n| from_ordinal(s.start, n))
    }
    /// Both ends, when the range is IPv4: what the IPv4-only parts of the LAN layer (ARP,
    /// DHCP) work on.
    pub fn v4(&self) -> Option<(Ipv4Addr, Ipv4Addr)> {
        match (self.start, self.end) {
            (IpAddr::V4(s), IpAddr::V4(e)) => Some((s, e)),
            _ => None,
        }
    }
    /// Reads `START-END` of one family.
    pub fn parse(s: &str) -> Option<Self> {
        let (a, b) = s.split_once('-')?;
        let (start, end): (IpAddr, IpAddr) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
        // Ends of two families are no range; one that ends before it starts is still read,
        // so the caller can say which.
        (start.is_ipv4() == end.is_ipv4()).then_some(AddrRange { start, end })
    }
    /// The CIDR blocks that together cover the range exactly, lowest first.
    pub fn blocks(&self) -> Vec<IpNet> {
        match (self.start, self.end) {
            (IpAddr::V4(s), IpAddr::V4(e)) => Ipv4Subnets::new(s, e, 0).map(IpNet::V4).collect(),
            (IpAddr::V6(s), IpAddr::V6(e)) => Ipv6Subnets::new(s, e, 0).map(IpNet::V6).collect(),
            // A range's ends are of one family (`new`, `parse`); ends of two cover nothing.
            _ => Vec::new(),
        }
    }
    /// The largest CIDR block that lies wholly inside the range: what Docker is told, so
    /// its own allocation can never leave the reservation.
    pub fn largest_block(&self) -> IpNet {
        self.blocks().into_iter().min_by_key(|n| n.prefix_len()).expect("a non-empty range has at least one block")
    }
}

impl fmt::Display for AddrRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.start, self.end)
    }
}

#[cfg(test)]
mod tests;

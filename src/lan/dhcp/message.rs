//! DHCPv4 messages (RFC 2131, options RFC 2132), as far as lanctl needs them: the one
//! DISCOVER the pool check sends, and the fields of a message it or `check --watch` reads
//! (op, xid, ciaddr, yiaddr, siaddr, chaddr; options 50, the requested address, 53, the
//! message type, and 54, the server identifier).
//!
//! Hand-packed, like the ARP and NDP frames of `lan`: `dhcproto` did this before and
//! brought 71 crates (`hickory-proto` and the `idna`/`url` stack, for domain-name options
//! never read), about 50 s of CPU per clean release build and 340 KB of binary
//! (ARCHITECTURE.md). A reply is untrusted input: every read is bounds-checked, any byte
//! string parses to `Some` or `None` and never panics (a test feeds it truncations and
//! noise), and an option that runs past the end makes the whole message `None`.
//! Option overload (52: options continued in `sname`/`file`) is not followed: servers put
//! options 53 and 54 in the options field, and an offer whose message type is elsewhere is
//! not read as an offer, which errs towards "no offer seen" the way a dropped packet does.

use std::net::Ipv4Addr;

/// The fixed BOOTP header, up to the options.
const HEADER: usize = 236;
/// RFC 2131, 3: the first four bytes of the options field.
const MAGIC_COOKIE: [u8; 4] = [99, 130, 83, 99];
/// The minimum size of a BOOTP message (RFC 1542, 3.2): older relays and servers drop
/// shorter ones, so a discover is padded up to it.
const BOOTP_MIN: usize = 300;

const OP_REQUEST: u8 = 1;
const OP_REPLY: u8 = 2;
/// Ethernet, with 6-byte addresses.
const HTYPE_ETHERNET: u8 = 1;
const BROADCAST_FLAG: u16 = 0x8000;

const OPT_PAD: u8 = 0;
const OPT_SUBNET_MASK: u8 = 1;
const OPT_ROUTER: u8 = 3;
const OPT_REQUESTED_IP: u8 = 50;
const OPT_MESSAGE_TYPE: u8 = 53;
const OPT_SERVER_ID: u8 = 54;
const OPT_PARAMETER_LIST: u8 = 55;
const OPT_END: u8 = 255;

/// Option 53's values that the check tells apart (RFC 2132, 9.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageType {
    Discover,
    Offer,
    Request,
    Ack,
    /// Any other (decline, nak, release, inform, and those of later RFCs).
    Other(u8),
}

impl MessageType {
    fn of(b: u8) -> MessageType {
        match b {
            1 => MessageType::Discover,
            2 => MessageType::Offer,
            3 => MessageType::Request,
            5 => MessageType::Ack,
            b => MessageType::Other(b),
        }
    }
}

/// The fields of a message the check reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bootp {
    /// BOOTREPLY (from a server), else BOOTREQUEST.
    pub reply: bool,
    pub xid: u32,
    /// The client's own address, when it has one (renewing, rebinding).
    pub ciaddr: Ipv4Addr,
    pub yiaddr: Ipv4Addr,
    pub siaddr: Ipv4Addr,
    /// The first six bytes of `chaddr` (an Ethernet client's MAC).
    pub chaddr: [u8; 6],
    pub message_type: Option<MessageType>,
    pub server_id: Option<Ipv4Addr>,
    /// Option 50: the address a client's DISCOVER or REQUEST asks for.
    pub requested: Option<Ipv4Addr>,
}

/// A DISCOVER from `mac` for transaction `xid` that requests `requested` (option 50) and
/// asks for the subnet mask and router, broadcast flag set, padded to the BOOTP minimum.
pub fn discover(xid: u32, mac: &[u8; 6], requested: Ipv4Addr) -> Vec<u8> {
    let mut m = vec![0u8; HEADER];
    m[0] = OP_REQUEST;
    m[1] = HTYPE_ETHERNET;
    m[2] = 6; // hlen
    m[4..8].copy_from_slice(&xid.to_be_bytes());
    m[10..12].copy_from_slice(&BROADCAST_FLAG.to_be_bytes());
    // ciaddr, yiaddr, siaddr, giaddr stay 0.0.0.0: a client without an address.
    m[28..34].copy_from_slice(mac);
    m.extend_from_slice(&MAGIC_COOKIE);
    m.extend_from_slice(&[OPT_MESSAGE_TYPE, 1, 1]);
    m.extend_from_slice(&[OPT_REQUESTED_IP, 4]);
    m.extend_from_slice(&requested.octets());
    m.extend_from_slice(&[OPT_PARAMETER_LIST, 2, OPT_SUBNET_MASK, OPT_ROUTER]);
    m.push(OPT_END);
    // Zero bytes after the end option are pad options (RFC 2132, 3.1).
    m.resize(m.len().max(BOOTP_MIN), OPT_PAD);
    m
}

impl Bootp {
    /// Reads a message, or `None` when it is not one: shorter than the header and cookie,
    /// not Ethernet, or with an option that runs past the end.
    pub fn parse(b: &[u8]) -> Option<Bootp> {
        if b.len() < HEADER + MAGIC_COOKIE.len() || b[HEADER..HEADER + 4] != MAGIC_COOKIE {
            return None;
        }
        if b[1] != HTYPE_ETHERNET || b[2] != 6 {
            return None;
        }
        let addr = |at: usize| Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3]);
        let mut chaddr = [0u8; 6];
        chaddr.copy_from_slice(&b[28..34]);
        let mut msg = Bootp {
            reply: match b[0] {
                OP_REPLY => true,
                OP_REQUEST => false,
                _ => return None,
            },
            xid: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            ciaddr: addr(12),
            yiaddr: addr(16),
            siaddr: addr(20),
            chaddr,
            message_type: None,
            server_id: None,
            requested: None,
        };
        let mut at = HEADER + MAGIC_COOKIE.len();
        // A message without an end option ends with its bytes (some servers omit it).
        while let Some(&code) = b.get(at) {
            match code {
                OPT_PAD => at += 1,
                OPT_END => break,
                _ => {
                    let len = usize::from(*b.get(at + 1)?);
                    let value = b.get(at + 2..at + 2 + len)?;
                    // The first of a repeated option counts; a malformed one is ignored, as a
                    // server ignores what it cannot read.
                    match (code, value) {
                        (OPT_MESSAGE_TYPE, [t]) if msg.message_type.is_none() => msg.message_type = Some(MessageType::of(*t)),
                        (OPT_SERVER_ID, [a, b2, c, d]) if msg.server_id.is_none() => {
                            msg.server_id = Some(Ipv4Addr::new(*a, *b2, *c, *d))
                        }
                        (OPT_REQUESTED_IP, [a, b2, c, d]) if msg.requested.is_none() => {
                            msg.requested = Some(Ipv4Addr::new(*a, *b2, *c, *d))
                        }
                        _ => {}
                    }
                    at += 2 + len;
                }
            }
        }
        Some(msg)
    }
}

//! The LAN on the wire: ARP frames (`arp`), the one packet socket (`packet`), the native
//! duplicate-address probe and announcement on it (`native`), the probe as callers see it
//! with the `arping -D` fallback (`prober`), and DHCP discovery for the pool check (`dhcp`).
//!
//! Architecture invariant: nothing here knows docker, tenants or commands; it is handed an
//! interface, addresses and MACs, and answers who on the LAN holds what.

pub mod arp;
pub mod dhcp;
pub mod native;
pub mod packet;
pub mod prober;

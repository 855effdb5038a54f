//! The LAN on the wire: ARP frames (`arp`), the one packet socket (`packet`), the native
//! duplicate-address probe and announcement on it (`native`), the probe as callers see it
//! with the `arping -D` fallback (`prober`) and `ndisc6` for IPv6 (`ndisc6`), DHCP
//! discovery for the pool check (`dhcp`), and the observer of a parent from a namespace of
//! lanctl's own (`observer`, for `check`).
//!
//! Architecture invariant: nothing here knows docker, tenants or commands; it is handed an
//! interface, addresses and MACs, and answers who on the LAN holds what.

pub mod arp;
pub mod dhcp;
pub mod native;
pub mod ndisc6;
pub mod ndp;
pub mod observer;
pub mod packet;
pub mod prober;
pub mod ra;
pub mod reach;

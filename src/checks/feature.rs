//! What the kernel must provide for a network: a driver, or 802.1Q VLANs. Its own file,
//! so the kernel checks and the live probe both use it without importing each other.

use super::Check;
use crate::engine::netspec::Driver;

/// What the kernel must provide: a driver, or 802.1Q VLANs for an `IF.VID` parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Feature {
    Driver(Driver),
    Vlan,
}

impl Feature {
    /// The check-id suffix: `ipvlan`, `macvlan`, `8021q`.
    pub fn suffix(self) -> &'static str {
        match self {
            Feature::Driver(d) => d.as_str(),
            Feature::Vlan => "8021q",
        }
    }
    pub fn config_key(self) -> &'static str {
        match self {
            Feature::Driver(d) => d.kernel_config(),
            Feature::Vlan => "CONFIG_VLAN_8021Q",
        }
    }
    pub fn module(self) -> &'static str {
        match self {
            Feature::Driver(d) => d.as_str(),
            Feature::Vlan => "8021q",
        }
    }
    /// The kind of link, in prose: "an ipvlan link", "an 802.1Q VLAN link".
    pub fn link(self) -> &'static str {
        match self {
            Feature::Driver(Driver::Ipvlan) => "an ipvlan link",
            Feature::Driver(Driver::Macvlan) => "a macvlan link",
            Feature::Vlan => "an 802.1Q VLAN link",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Feature::Driver(d) => d.as_str(),
            Feature::Vlan => "802.1Q VLAN",
        }
    }
    /// A check whose hint is `unsupported_hint`, told what to say instead when the other
    /// driver it recommends does not work here either.
    pub fn fallback(self, c: Check) -> Check {
        if c.hint != self.unsupported_hint() {
            return c;
        }
        match self {
            Feature::Driver(Driver::Ipvlan) => c.unless_broken(Driver::Macvlan, "use a kernel built with CONFIG_IPVLAN"),
            Feature::Driver(Driver::Macvlan) => c.unless_broken(Driver::Ipvlan, "use a kernel built with CONFIG_MACVLAN"),
            Feature::Vlan => c,
        }
    }
    /// What to do when the kernel lacks it.
    pub fn unsupported_hint(self) -> &'static str {
        match self {
            Feature::Driver(Driver::Ipvlan) => "use --driver macvlan, or a kernel built with CONFIG_IPVLAN",
            Feature::Driver(Driver::Macvlan) => "use --driver ipvlan, or a kernel built with CONFIG_MACVLAN",
            Feature::Vlan => "use a parent that is not IF.VID, or a kernel built with CONFIG_VLAN_8021Q",
        }
    }
}

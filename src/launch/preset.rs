//! Presets: defaults for known media servers, as data. Add a row to support another.

pub struct Preset {
    pub name: &'static str,
    pub image: &'static str,
    /// Variables set to the tenant's own address.
    pub ip_env: &'static [&'static str],
    /// Secrets passed through from lanctl's environment when set.
    pub secrets: &'static [&'static str],
    /// Why a missing secret matters, said once per missing key.
    pub missing_secret: &'static str,
    /// The check that says it serves (`ready::Ready::parse`'s form), when the image has
    /// none of its own.
    pub ready: &'static str,
}

pub const PRESETS: &[Preset] = &[Preset {
    name: "wcs",
    image: "flashphoner/webcallserver:latest",
    ip_env: &["LOCAL_IP", "EXTERNAL_IP"],
    secrets: &["PASSWORD", "LICENSE"],
    missing_secret: "without PASSWORD there is no SSH into the container; without LICENSE, activate the license in the web UI",
    // WCS serves its web UI and REST API over HTTPS on 8443 and WebSocket signalling over
    // WSS on 8444, both only once the JVM has loaded (10 s or more); which opens last was
    // not measured here, so a tenant is ready when both accept.
    ready: "tcp:8443,8444",
}];

pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

pub fn names() -> String {
    PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

/// The readiness check of the preset whose image `image` is, for an `update` that names
/// no check: a tenant made with `--preset wcs` keeps its check.
pub fn ready_of_image(image: &str) -> Option<crate::launch::ready::Ready> {
    let p = PRESETS.iter().find(|p| p.image == image)?;
    Some(crate::launch::ready::Ready::parse(p.ready).expect("a preset's check parses"))
}

//! Values that completion offers but the parser does not enforce: `--restart on-failure:3`,
//! a preset or a mode are checked by `input`, which names the flag and what to do, so clap
//! only learns what to suggest. Without a list, the completion scripts fall back to file
//! names, which is never right for these flags.

use clap::builder::{PossibleValue, TypedValueParser};

/// Accepts any UTF-8 string and tells completion and help the usual `values`.
#[derive(Clone)]
pub struct Suggest(pub &'static [&'static str]);

impl TypedValueParser for Suggest {
    type Value = String;

    fn parse_ref(&self, cmd: &clap::Command, arg: Option<&clap::Arg>, value: &std::ffi::OsStr) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.0.iter().map(|v| PossibleValue::new(*v))))
    }
}

/// Docker's restart policies; `on-failure:N` is accepted too.
pub const RESTART: Suggest = Suggest(&["no", "always", "unless-stopped", "on-failure"]);
/// The ipvlan and macvlan modes together; `input` checks the one given against the driver.
pub const MODE: Suggest = Suggest(&["l2", "l3", "l3s", "bridge", "private", "vepa", "passthru"]);
/// The names of the built-in presets (`launch::preset::BUILTIN`; a test keeps the two
/// lists equal). A user preset is not offered by the static scripts.
pub const PRESET: Suggest = Suggest(&["janus", "jvb", "livekit", "mediamtx", "wcs", "wowza"]);
/// `export`'s formats (`export::Format::ALL`; a test keeps the two lists equal).
pub const EXPORT_FORMAT: Suggest = Suggest(&["dnsmasq", "hosts", "kea", "cni", "k8s"]);

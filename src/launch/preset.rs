//! Presets: a known server's defaults, as data. The built-in ones are the files of
//! presets/ compiled in; a sysadmin adds more as `NAME.preset` files in
//! /etc/lanctl/presets.d (`LANCTL_PRESETS_DIR` instead, for tests), read at each run.
//!
//! The format is a small line format (see presets/wcs.preset), not JSON: a preset must
//! cite its server's documentation in comments, and an error must name the file and the
//! line, which `KEY = VALUE` lines give for free. A bad file stops the run (exit 2, one
//! line) before anything runs; a user file may not take a built-in's name.

use std::path::{Path, PathBuf};

use crate::engine::reference;
use crate::exec::error::{Error, Result};
use crate::launch::env::valid_key;
use crate::launch::ready::{Ready, FORMS};

/// The built-in presets: file name and text. `cli::suggest::PRESET` lists the same names
/// (a test keeps the two equal).
pub const BUILTIN: &[(&str, &str)] = &[
    ("janus.preset", include_str!("../../presets/janus.preset")),
    ("jvb.preset", include_str!("../../presets/jvb.preset")),
    ("livekit.preset", include_str!("../../presets/livekit.preset")),
    ("mediamtx.preset", include_str!("../../presets/mediamtx.preset")),
    ("wcs.preset", include_str!("../../presets/wcs.preset")),
    ("wowza.preset", include_str!("../../presets/wowza.preset")),
];

/// Where user presets live when `LANCTL_PRESETS_DIR` is not set.
pub const SYSTEM_DIR: &str = "/etc/lanctl/presets.d";
/// A preset file's name ends so; other files of the directory (editor backups, dpkg's
/// `.dpkg-old`) are not read.
pub const EXT: &str = ".preset";
/// The keys of a preset file.
const KEYS: &str = "about, image, env, arg, secret, missing, ready, stop-timeout";
/// The longest stop timeout a preset may set, as `--wait`'s bound: a server that needs
/// more than an hour to stop is a mistake.
const MAX_STOP_TIMEOUT: u32 = 3600;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preset {
    pub name: String,
    /// `built-in:presets/NAME.preset`, or the user file's path.
    pub source: String,
    pub about: String,
    pub image: String,
    /// Variables and their templates (`{ip}`, `{name}`), in file order.
    pub env: Vec<(String, String)>,
    /// The arguments after the image, templated too; used when the tenant gives none.
    pub args: Vec<String>,
    /// Keys whose values come from lanctl's environment or the env file, never the file.
    pub secrets: Vec<String>,
    /// Why a missing secret matters, said once per tenant.
    pub missing: String,
    /// The check that says it serves, as `--ready` takes it.
    pub ready: Option<String>,
    /// docker's `--stop-timeout`: seconds the server gets to stop before SIGKILL.
    pub stop_timeout: Option<u32>,
}

/// Every preset of one run: the built-in ones, then the user's, by name.
#[derive(Clone, Debug)]
pub struct Presets(pub Vec<Preset>);

impl Presets {
    /// The built-in presets alone (a test or a command that names none).
    pub fn builtin() -> Presets {
        Presets(BUILTIN.iter().map(|(file, text)| parse_builtin(file, text)).collect())
    }

    /// The built-in presets and the user's from `LANCTL_PRESETS_DIR`, else
    /// [`SYSTEM_DIR`]; a directory that does not exist holds none.
    pub fn load() -> Result<Presets> {
        let dir = std::env::var_os("LANCTL_PRESETS_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(SYSTEM_DIR));
        Presets::load_from(&dir)
    }

    pub fn load_from(dir: &Path) -> Result<Presets> {
        let mut all = Presets::builtin();
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(all),
            Err(e) => {
                return Err(Error::usage(format!(
                    "cannot read the presets directory {}: {e}; fix its permissions or set LANCTL_PRESETS_DIR",
                    dir.display()
                )))
            }
        };
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.ends_with(EXT) && !n.starts_with('.')))
            .collect();
        files.sort();
        for path in files {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::usage(format!("{shown}: cannot read it: {e}; fix its permissions or remove it")))?;
            let stem = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(EXT)).unwrap_or_default();
            let p = parse(stem, &shown, &text)?;
            if let Some(b) = all.find(&p.name) {
                return Err(Error::usage(format!(
                    "{shown}: preset {} is built in ({}); a user preset may not shadow it: rename the file, e.g. {}-local{EXT}",
                    p.name, b.source, p.name
                )));
            }
            all.0.push(p);
        }
        Ok(all)
    }

    pub fn find(&self, name: &str) -> Option<&Preset> {
        self.0.iter().find(|p| p.name == name)
    }

    /// The names, for a message: `janus, jvb, ...`.
    pub fn names(&self) -> String {
        self.0.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", ")
    }

    /// The readiness check of the preset whose image `image` is, for an `update` that
    /// names no check: a tenant made with `--preset wcs` keeps its check.
    pub fn ready_of_image(&self, image: &str) -> Option<Ready> {
        let p = self.0.iter().find(|p| p.image == image)?;
        p.ready.as_deref().map(|r| Ready::parse(r).expect("a preset's check was parsed when it was read"))
    }
}

fn parse_builtin(file: &str, text: &str) -> Preset {
    let name = file.strip_suffix(EXT).expect("a built-in file ends in .preset");
    parse(name, &format!("built-in:presets/{file}"), text).unwrap_or_else(|e| panic!("built-in preset {file}: {e}"))
}

/// A tenant-name-like preset name: what `--preset` and a file name both carry.
fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

/// The placeholders a template may hold: the tenant's address, its IPv6 address (a
/// dual-stack network's tenant; on an IPv4-only network the tenant is refused), its name.
pub const PLACEHOLDERS: &[&str] = &["{ip}", "{ip6}", "{name}"];

/// Why `value` is not a template of [`PLACEHOLDERS`], if it is not: every `{word}` must be
/// one of them (a brace around anything else, as in JSON, is text).
fn check_template(value: &str) -> std::result::Result<(), String> {
    let mut rest = value;
    while let Some(at) = rest.find('{') {
        let after = &rest[at + 1..];
        let word: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if !word.is_empty() && after[word.len()..].starts_with('}') {
            match word.as_str() {
                "ip" | "ip6" | "name" => {}
                _ => return Err(format!("{{{word}}} is not a placeholder; use {}", PLACEHOLDERS.join(", "))),
            }
        }
        rest = after;
    }
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err("the value holds a control character; give one line of text".into());
    }
    Ok(())
}

/// Reads one preset file: `name` from its file name, `source` as messages name it.
pub fn parse(name: &str, source: &str, text: &str) -> Result<Preset> {
    if !valid_name(name) {
        return Err(Error::usage(format!(
            "{source}: {name:?} is not a preset name; name the file with lower-case letters, digits and '-', like cam-1{EXT}"
        )));
    }
    let mut p = Preset {
        name: name.to_string(),
        source: source.to_string(),
        about: String::new(),
        image: String::new(),
        env: Vec::new(),
        args: Vec::new(),
        secrets: Vec::new(),
        missing: String::new(),
        ready: None,
        stop_timeout: None,
    };
    let mut seen: Vec<&str> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |msg: String| Error::usage(format!("{source}:{}: {msg}", n + 1));
        let Some((key, value)) = line.split_once('=') else {
            return Err(at(format!("{line:?} is not KEY = VALUE; write it like image = repo/name:tag")));
        };
        let (key, value) = (key.trim(), value.trim());
        let once = ["about", "image", "missing", "ready", "stop-timeout"];
        if once.contains(&key) {
            if seen.contains(&key) {
                return Err(at(format!("{key} is given twice; give it once")));
            }
            seen.push(key);
        }
        match key {
            "about" => p.about = value.to_string(),
            "image" => {
                p.image = reference::parse(value).map(|r| r.to_string()).map_err(|why| {
                    at(format!("image {value:?} is not an image reference ({why}); give one like repo/name:tag"))
                })?
            }
            "env" => {
                let Some((k, v)) = value.split_once('=') else {
                    return Err(at(format!("env {value:?} is not KEY=VALUE; write it like env = LOCAL_IP={{ip}}")));
                };
                if !valid_key(k) {
                    return Err(at(format!(
                        "env {k:?} is not a variable name; use letters, digits and '_', not starting with a digit"
                    )));
                }
                if p.env.iter().any(|(e, _)| e == k) || p.secrets.iter().any(|s| s == k) {
                    return Err(at(format!("env {k} is set twice; set each variable once")));
                }
                check_template(v).map_err(|why| at(format!("env {k}: {why}")))?;
                p.env.push((k.to_string(), v.to_string()));
            }
            "arg" => {
                if value.is_empty() {
                    return Err(at("arg is empty; give one argument a line, like arg = --node-ip".into()));
                }
                check_template(value).map_err(|why| at(format!("arg {value:?}: {why}")))?;
                p.args.push(value.to_string());
            }
            "secret" => {
                if !valid_key(value) {
                    return Err(at(format!(
                        "secret {value:?} is not a variable name; use letters, digits and '_', not starting with a digit"
                    )));
                }
                if p.env.iter().any(|(e, _)| e == value) || p.secrets.iter().any(|s| s == value) {
                    return Err(at(format!("secret {value} is set twice; set each variable once")));
                }
                p.secrets.push(value.to_string());
            }
            "missing" => p.missing = value.to_string(),
            "ready" => {
                Ready::parse(value)
                    .map_err(|why| at(format!("ready {value:?} is not a readiness check ({why}); use {FORMS}")))?;
                p.ready = Some(value.to_string());
            }
            "stop-timeout" => {
                let secs = value.parse::<u32>().ok().filter(|s| *s <= MAX_STOP_TIMEOUT).ok_or_else(|| {
                    at(format!("stop-timeout {value:?} is not a number of seconds; give 0 to {MAX_STOP_TIMEOUT}"))
                })?;
                p.stop_timeout = Some(secs);
            }
            _ => return Err(at(format!("{key:?} is not a preset key; use one of {KEYS}"))),
        }
    }
    if p.image.is_empty() {
        return Err(Error::usage(format!("{source}: no image line; add one like image = repo/name:tag")));
    }
    Ok(p)
}

/// `lanctl presets`: every preset of the run, a table or (`json`) a list.
pub fn list(json: bool) -> Result<()> {
    let all = Presets::load()?;
    if json {
        let rows: Vec<serde_json::Value> = all
            .0
            .iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name,
                    "source": p.source,
                    "about": p.about,
                    "image": p.image,
                    "ready": p.ready,
                    "env": p.env.iter().map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str()))).collect::<serde_json::Map<_, _>>(),
                    "args": p.args,
                    "secrets": p.secrets,
                    "stop_timeout": p.stop_timeout,
                })
            })
            .collect();
        crate::exec::out::json(&rows);
        return Ok(());
    }
    let dash = |s: String| if s.is_empty() { "-".to_string() } else { s };
    let rows: Vec<Vec<String>> = all
        .0
        .iter()
        .map(|p| {
            vec![
                p.name.clone(),
                p.source.clone(),
                p.image.clone(),
                dash(p.ready.clone().unwrap_or_default()),
                dash(p.env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(",")),
                dash(p.secrets.join(",")),
            ]
        })
        .collect();
    crate::exec::out::print(&crate::exec::table::render(&["NAME", "SOURCE", "IMAGE", "READY", "ENV", "SECRETS"], &rows));
    Ok(())
}

/// `template` with the tenant's name in place of `{name}` (the address is put in later,
/// when it is chosen: see `spec::TenantSpec::ip_templates`).
pub fn with_name(template: &str, name: &str) -> String {
    template.replace("{name}", name)
}

#[cfg(test)]
mod tests;

//! A tenant's spec: what `up` asks for and what the `io.lanctl.spec` label records.
//! Secret values are never part of it: only the keys they travel under.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::cli::TenantEnvArgs;
use crate::error::{Error, Result};
use crate::labels;
use crate::model::Container;
use crate::tenant::preset;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantSpec {
    pub image: String,
    /// Literal variables: they appear on the command line.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Variables whose values come from lanctl's environment or an env file and reach
    /// docker through its environment (`-e KEY`), never through argv.
    #[serde(default)]
    pub secrets: BTreeSet<String>,
    /// Variables set to the tenant's address.
    #[serde(default)]
    pub ip_env: BTreeSet<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub restart: String,
    #[serde(default)]
    pub args: Vec<String>,
}

/// Secret values for one `docker run`, handed to docker's environment only.
pub type Secrets = Vec<(String, String)>;

/// Docker's container-name rule narrowed to what is also a hostname label.
pub fn valid_tenant_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

pub fn check_name(name: &str) -> Result<()> {
    if valid_tenant_name(name) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "tenant name {name:?} is invalid: it becomes the container name and hostname; \
             use 1 to 63 letters, digits and '-', starting and ending with a letter or digit"
        )))
    }
}

fn valid_env_key(key: &str) -> bool {
    let mut c = key.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_') && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn check_key(flag: &str, key: &str) -> Result<()> {
    if valid_env_key(key) {
        Ok(())
    } else {
        Err(Error::usage(format!("{flag} {key:?} is not a variable name; use letters, digits and '_'")))
    }
}

/// One environment setting from `-e`, `--env-file` or `--ip-env`, in command-line order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvItem {
    Literal(String, String),
    Secret(String, String),
    /// `-e KEY` whose KEY is not set in lanctl's environment.
    Unset(String),
    Ip(String),
}

impl EnvItem {
    fn key(&self) -> &str {
        match self {
            EnvItem::Literal(k, _) | EnvItem::Secret(k, _) | EnvItem::Unset(k) | EnvItem::Ip(k) => k,
        }
    }
}

/// Reads `-e`, `--env-file` and `--ip-env`. `lookup` is lanctl's environment.
pub fn env_items(a: &TenantEnvArgs, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<EnvItem>> {
    let mut items = Vec::new();
    if let Some(file) = &a.env_file {
        items.extend(read_env_file(file, lookup)?);
    }
    for e in &a.env {
        items.push(match e.split_once('=') {
            Some((k, v)) => {
                check_key("-e", k)?;
                EnvItem::Literal(k.to_string(), v.to_string())
            }
            None => {
                check_key("-e", e)?;
                match lookup(e) {
                    Some(v) => EnvItem::Secret(e.clone(), v),
                    None => EnvItem::Unset(e.clone()),
                }
            }
        });
    }
    for k in &a.ip_env {
        check_key("--ip-env", k)?;
        items.push(EnvItem::Ip(k.clone()));
    }
    Ok(items)
}

/// An env file: `KEY=VALUE` and `KEY` lines, `#` comments. Its values are treated as
/// secrets: an env file is where people keep them.
fn read_env_file(path: &Path, lookup: &dyn Fn(&str) -> Option<String>) -> Result<Vec<EnvItem>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::usage(format!("--env-file {}: {e}; give a readable file", path.display())))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = match line.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.to_string())),
            None => (line, lookup(line)),
        };
        if !valid_env_key(k) {
            return Err(Error::usage(format!(
                "--env-file {} line {}: {k:?} is not a variable name; write KEY=VALUE",
                path.display(),
                n + 1
            )));
        }
        out.push(match v {
            Some(v) => EnvItem::Secret(k.to_string(), v),
            None => EnvItem::Unset(k.to_string()),
        });
    }
    Ok(out)
}

impl TenantSpec {
    /// Applies env items over the spec, later ones winning, and collects secret values.
    /// A key set one way is removed from the other ways.
    pub fn apply_env(&mut self, items: &[EnvItem], secrets: &mut Secrets) {
        for item in items {
            let k = item.key().to_string();
            self.env.remove(&k);
            self.secrets.remove(&k);
            self.ip_env.remove(&k);
            secrets.retain(|(s, _)| *s != k);
            match item {
                EnvItem::Literal(_, v) => {
                    self.env.insert(k, v.clone());
                }
                EnvItem::Secret(_, v) => {
                    self.secrets.insert(k.clone());
                    secrets.push((k, v.clone()));
                }
                EnvItem::Unset(_) => {}
                EnvItem::Ip(_) => {
                    self.ip_env.insert(k);
                }
            }
        }
    }

    /// The spec recorded on a container, if it is a lanctl tenant.
    pub fn of_container(c: &Container) -> Option<TenantSpec> {
        serde_json::from_str(c.label(labels::SPEC)?).ok()
    }

    pub fn to_label(&self) -> String {
        serde_json::to_string(self).expect("a spec serializes")
    }

    /// What differs from a requested spec, one phrase each; secrets by presence only.
    pub fn differences(&self, want: &TenantSpec) -> Vec<String> {
        let mut out = Vec::new();
        if self.image != want.image {
            out.push(format!("image is {}, not {}", self.image, want.image));
        }
        if self.env != want.env {
            out.push("environment differs".to_string());
        }
        if self.secrets != want.secrets {
            let show = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(",");
            out.push(format!("secrets passed are [{}], not [{}]", show(&self.secrets), show(&want.secrets)));
        }
        if self.ip_env != want.ip_env {
            out.push("ip-env differs".to_string());
        }
        if self.labels != want.labels {
            out.push("labels differ".to_string());
        }
        if self.restart != want.restart {
            out.push(format!("restart is {}, not {}", self.restart, want.restart));
        }
        if self.args != want.args {
            out.push("arguments differ".to_string());
        }
        out
    }
}

/// Everything `up` validated from its arguments but the names.
#[derive(Clone)]
pub struct UpRequest {
    pub net: Option<String>,
    pub ip: Option<Ipv4Addr>,
    pub spec: TenantSpec,
    pub secrets: Secrets,
    /// Keys asked to pass through that lanctl's environment does not have.
    pub unset: Vec<String>,
    /// Warnings to give once the request is known to be valid.
    pub warnings: Vec<String>,
}

pub fn up_request(a: &crate::cli::UpArgs, lookup: &dyn Fn(&str) -> Option<String>) -> Result<UpRequest> {
    let mut spec = TenantSpec { restart: a.restart.clone(), args: a.args.clone(), ..Default::default() };
    let mut secrets = Secrets::new();
    let mut warnings = Vec::new();
    let mut unset = Vec::new();
    let items = env_items(&a.env, lookup)?;
    if let Some(name) = &a.preset {
        let p = preset::find(name)
            .ok_or_else(|| Error::usage(format!("--preset {name} is unknown; use one of {}", preset::names())))?;
        spec.image = p.image.to_string();
        spec.ip_env.extend(p.ip_env.iter().map(|k| k.to_string()));
        for key in p.secrets.iter().filter(|k| !items.iter().any(|i| i.key() == **k)) {
            match lookup(key) {
                Some(v) => {
                    spec.secrets.insert(key.to_string());
                    secrets.push((key.to_string(), v));
                }
                None => {
                    unset.push(key.to_string());
                    warnings.push(format!("{key} is not set in lanctl's environment: {}", p.missing_secret))
                }
            }
        }
    }
    for item in &items {
        if let EnvItem::Unset(k) = item {
            unset.push(k.clone());
            warnings.push(format!("{k} is not set in lanctl's environment; the tenant starts without it"));
        }
    }
    spec.apply_env(&items, &mut secrets);
    if let Some(image) = &a.env.image {
        spec.image = image.clone();
    }
    if spec.image.is_empty() {
        return Err(Error::usage("no image to run; give --image IMAGE or --preset wcs"));
    }
    for l in &a.labels {
        let (k, v) = l
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| Error::usage(format!("--label {l} is not K=V; write it like team=video")))?;
        if k.starts_with("io.lanctl.") {
            return Err(Error::usage(format!("--label {k} uses lanctl's own prefix io.lanctl.; choose another key")));
        }
        spec.labels.insert(k.to_string(), v.to_string());
    }
    if !["no", "always", "unless-stopped", "on-failure"].contains(&a.restart.split(':').next().unwrap_or("")) {
        return Err(Error::usage(format!(
            "--restart {} is not a docker restart policy; use no, always, unless-stopped or on-failure[:N]",
            a.restart
        )));
    }
    let ip = match &a.ip {
        None => None,
        Some(s) => Some(
            s.parse::<Ipv4Addr>()
                .map_err(|_| Error::usage(format!("--ip {s} is not an IPv4 address; give one inside the network's subnet")))?,
        ),
    };
    Ok(UpRequest { net: a.net.clone(), ip, spec, secrets, unset, warnings })
}

#[cfg(test)]
mod tests;

//! A tenant's spec: what `up` asks for and what the `io.lanctl.spec` label records.
//! Secret values are never part of it: only the keys they travel under.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::engine::labels;
use crate::engine::model::Container;
use crate::exec::error::{Error, Result};
use crate::launch::env::EnvItem;

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
    /// Variables set to the tenant's IPv6 address (a dual-stack network's tenant).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub ip6_env: BTreeSet<String>,
    /// Variables whose value holds the tenant's address among other text (a preset's
    /// `env = K=udp://{ip}:5000`): `{ip}` is replaced when the address is chosen. A value
    /// that is `{ip}` alone is in `ip_env`, as `--ip-env` puts it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ip_templates: BTreeMap<String, String>,
    /// `args` hold `{ip}` (a preset's `arg = --node-ip` `arg = {ip}`), replaced by the
    /// address when the line is rendered; arguments typed after the image never are.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ip_args: bool,
    /// docker's `--stop-timeout`, from a preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<u32>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub restart: String,
    #[serde(default)]
    pub args: Vec<String>,
    /// The MAC pinned with `--mac-address` (macvlan): given with `--mac`, else derived from
    /// the network and the address (`arp::derived_mac`) when the tenant is created. Kept by
    /// `update`; absent for ipvlan tenants and for tenants created before lanctl pinned MACs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    /// `--slaac`: a dual-stack tenant also takes addresses from the LAN's router
    /// advertisements (SLAAC), which lanctl neither chose nor checked; off by default.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub slaac: bool,
    /// The readiness check asked for (`--ready`, a fleet tenant's `ready`) or its preset's,
    /// as typed (`tcp:8443,8444`): `lanctl check` tries it again later. `None` leaves it to
    /// the image (its HEALTHCHECK, else running), and for tenants made before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready: Option<String>,
}

/// Where a spec holds `{ip6}`: see [`TenantSpec::ip6_placeholder`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placeholder6 {
    Env(String),
    Arg(String),
}

/// The refusal of a spec holding `{ip6}` on the IPv4-only network `net`: the preset's
/// variable or argument, and how to run the tenant anyway.
pub fn ipv4_only(held: &Placeholder6, net: &str) -> String {
    let (what, instead) = match held {
        Placeholder6::Env(k) => (format!("env {k}"), format!("set {k} yourself with -e {k}=VALUE")),
        Placeholder6::Arg(a) => (format!("argument {a:?}"), "give the arguments yourself after --".to_string()),
    };
    format!(
        "{what} holds {{ip6}}, the tenant's IPv6 address, but network {net} is IPv4-only; {instead}, or use a dual-stack \
         network (`lanctl net create` with an IPv6 --subnet)"
    )
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

impl TenantSpec {
    /// Applies env items over the spec, later ones winning, and collects secret values.
    /// A key set one way is removed from the other ways.
    pub fn apply_env(&mut self, items: &[EnvItem], secrets: &mut Secrets) {
        for item in items {
            let k = item.key().to_string();
            self.env.remove(&k);
            self.secrets.remove(&k);
            self.ip_env.remove(&k);
            self.ip6_env.remove(&k);
            self.ip_templates.remove(&k);
            secrets.retain(|(s, _)| *s != k);
            match item {
                EnvItem::Literal(_, v) => {
                    self.env.insert(k, v.clone());
                }
                EnvItem::Secret(_, v) => {
                    self.secrets.insert(k.clone());
                    secrets.push((k, v.clone()));
                }
                EnvItem::File(_) => {
                    self.secrets.insert(k);
                }
                EnvItem::Unset(_) => {}
                EnvItem::Ip(_) => {
                    self.ip_env.insert(k);
                }
                EnvItem::Ip6(_) => {
                    self.ip6_env.insert(k);
                }
            }
        }
    }

    /// Where a preset put `{ip6}` into the environment or the arguments, if it did: the
    /// variable's key, or the argument.
    pub fn ip6_placeholder(&self) -> Option<Placeholder6> {
        if let Some((k, _)) = self.ip_templates.iter().find(|(_, v)| v.contains("{ip6}")) {
            return Some(Placeholder6::Env(k.clone()));
        }
        let arg = self.args.iter().find(|a| self.ip_args && a.contains("{ip6}"))?;
        Some(Placeholder6::Arg(arg.clone()))
    }

    /// The readiness check the tenant keeps, as a value (`None`: it keeps none, or one this
    /// lanctl cannot read).
    pub fn kept_ready(&self) -> Option<crate::launch::ready::Ready> {
        crate::launch::ready::Ready::parse(self.ready.as_deref()?).ok()
    }

    /// The spec recorded on a container, if it is a lanctl tenant.
    pub fn of_container(c: &Container) -> Option<TenantSpec> {
        serde_json::from_str(c.label(labels::SPEC)?).ok()
    }

    pub fn to_label(&self) -> String {
        serde_json::to_string(self).expect("a spec serializes")
    }

    /// What differs from a requested spec, one phrase each, naming each key: literal
    /// variables and labels with their values (they are on the command line anyway),
    /// secrets by presence only.
    pub fn differences(&self, want: &TenantSpec) -> Vec<String> {
        let mut out = Vec::new();
        if self.image != want.image {
            out.push(format!("image is {}, not {}", self.image, want.image));
        }
        map_differences("env", &self.env, &want.env, &mut out);
        if self.secrets != want.secrets {
            let show = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(",");
            out.push(format!("secrets passed are [{}], not [{}]", show(&self.secrets), show(&want.secrets)));
        }
        if self.ip_env != want.ip_env {
            let show = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(",");
            out.push(format!("ip-env is [{}], not [{}]", show(&self.ip_env), show(&want.ip_env)));
        }
        if self.ip6_env != want.ip6_env {
            let show = |s: &BTreeSet<String>| s.iter().cloned().collect::<Vec<_>>().join(",");
            out.push(format!("ip6-env is [{}], not [{}]", show(&self.ip6_env), show(&want.ip6_env)));
        }
        if self.slaac != want.slaac {
            let show = |on: bool| if on { "on" } else { "off" };
            out.push(format!("slaac is {}, not {}", show(self.slaac), show(want.slaac)));
        }
        map_differences("env", &self.ip_templates, &want.ip_templates, &mut out);
        map_differences("label", &self.labels, &want.labels, &mut out);
        if self.restart != want.restart {
            out.push(format!("restart is {}, not {}", self.restart, want.restart));
        }
        if self.args != want.args || self.ip_args != want.ip_args {
            out.push(format!("arguments are [{}], not [{}]", self.args.join(" "), want.args.join(" ")));
        }
        if self.stop_timeout != want.stop_timeout {
            let show = |t: &Option<u32>| t.map_or("docker's".to_string(), |t| format!("{t} s"));
            out.push(format!("stop timeout is {}, not {}", show(&self.stop_timeout), show(&want.stop_timeout)));
        }
        if self.mac != want.mac {
            let show = |m: &Option<String>| m.clone().unwrap_or_else(|| "docker's".to_string());
            out.push(format!("MAC is {}, not {}", show(&self.mac), show(&want.mac)));
        }
        // A tenant made before its check was kept records none: that is no difference, or
        // every tenant would be recreated once after an upgrade.
        if self.ready.is_some() && self.ready != want.ready {
            let show = |r: &Option<String>| r.clone().unwrap_or_else(|| "the image's".to_string());
            out.push(format!("readiness check is {}, not {}", show(&self.ready), show(&want.ready)));
        }
        out
    }
}

/// `WHAT KEY is HAVE, not WANT` for each key whose value differs, `unset` for a missing one.
fn map_differences(what: &str, have: &BTreeMap<String, String>, want: &BTreeMap<String, String>, out: &mut Vec<String>) {
    let keys: BTreeSet<&String> = have.keys().chain(want.keys()).collect();
    for k in keys {
        let (h, w) = (have.get(k), want.get(k));
        if h != w {
            let show = |v: Option<&String>| v.map_or("unset".to_string(), Clone::clone);
            out.push(format!("{what} {k} is {}, not {}", show(h), show(w)));
        }
    }
}

#[cfg(test)]
mod tests;

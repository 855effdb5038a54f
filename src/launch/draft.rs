//! A tenant as asked for, lowered into validated domain values before anything runs.
//!
//! The command line (`up`) and a fleet file (`apply`) both describe a tenant; each fills
//! a `TenantDraft` with what was typed, and `TenantDraft::lower` checks every value that
//! will reach docker's argv, so no value can become a docker option and bad input stops
//! with exit 2 before the first query.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::engine::netspec::{parse_v4, valid_docker_name, NotIpv4};
use crate::engine::reference;
use crate::engine::restart_policy;
use crate::exec::error::{Error, Result};
use crate::launch::env::{EnvFile, EnvItem};
use crate::launch::preset::{self, Presets};
use crate::launch::ready::Ready;
use crate::launch::spec::{check_name, Secrets, TenantSpec};

/// Where a tenant was described, so messages name the flag or the file's field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Cli,
    Fleet,
}

impl Origin {
    /// How the user wrote `field`: `--ip` on the command line, `"ip"` in a fleet file.
    pub fn field(self, field: &str) -> String {
        match self {
            Origin::Cli => format!("--{field}"),
            Origin::Fleet => format!("\"{}\"", field.replace('-', "_")),
        }
    }
}

/// What was typed for one tenant, every value still as given.
#[derive(Clone, Debug)]
pub struct TenantDraft {
    pub origin: Origin,
    pub name: String,
    pub net: Option<String>,
    pub preset: Option<String>,
    pub image: Option<String>,
    /// `--ip` once per family (a fleet file's `ip` and `ip6`), as given.
    pub ip: Vec<String>,
    pub outside_range: bool,
    /// `--slaac`: also take addresses from the LAN's router advertisements.
    pub slaac: bool,
    /// Environment settings in order, already read (see `tenant::env`).
    pub env: Vec<EnvItem>,
    pub env_file: Option<EnvFile>,
    pub labels: Vec<(String, String)>,
    pub restart: String,
    pub args: Vec<String>,
    /// The readiness check, as typed (`--ready`, the file's `ready`).
    pub ready: Option<String>,
}

/// A validated tenant request: what `up` and `apply` plan with.
#[derive(Clone, Debug)]
pub struct TenantInput {
    pub name: String,
    pub net: Option<String>,
    pub ip: Option<IpAddr>,
    /// The IPv6 address asked for on a dual-stack network (`--ip` of that family); once
    /// the batch is planned (`start::plan`), the one it takes.
    pub ip6: Option<IpAddr>,
    /// `--ip` may lie outside the reserved range (it may be in the DHCP pool).
    pub outside_range: bool,
    pub spec: TenantSpec,
    /// Secret values for docker's environment, keyed as in `spec.secrets`.
    pub secrets: Secrets,
    /// The env file docker reads (its keys are in `spec.secrets`).
    pub env_file: Option<EnvFile>,
    /// Keys asked to pass through that lanctl's environment does not have.
    pub unset: Vec<String>,
    /// Warnings to give once the whole request is known to be valid.
    pub warnings: Vec<String>,
    /// The readiness check asked for, or its preset's; `None` leaves it to the image
    /// (its HEALTHCHECK, else running).
    pub ready: Option<Ready>,
}

/// Whether a preset's value holds the tenant's address, `{ip}` or `{ip6}`, which is put in
/// once it is chosen.
fn holds_address(v: &str) -> bool {
    v.contains("{ip}") || v.contains("{ip6}")
}

/// A readiness check as typed: one of `ready::FORMS`.
pub fn check_ready(what: &str, value: &str) -> Result<Ready> {
    Ready::parse(value).map_err(|why| {
        Error::usage(format!("{what} {value:?} is not a readiness check ({why}); use {}", crate::launch::ready::FORMS))
    })
}

/// A network name as given to `--net`: it reaches `docker network inspect` argv.
pub fn check_net_name(what: &str, name: &str) -> Result<()> {
    if valid_docker_name(name) {
        Ok(())
    } else {
        Err(Error::usage(format!("{what} {name:?} is not a network name; list the networks with `lanctl net ls`")))
    }
}

/// The image as docker must read it: a reference, never an option.
pub fn check_image(what: &str, image: &str) -> Result<String> {
    reference::parse(image).map(|r| r.to_string()).map_err(|why| {
        Error::usage(format!(
            "{what} {image:?} is not an image reference ({why}); give one like flashphoner/webcallserver:latest"
        ))
    })
}

/// Label keys: a letter or digit first, then letters, digits and `.-_/`, outside lanctl's
/// own `io.lanctl.` prefix.
pub fn check_label(what: &str, key: &str, value: &str) -> Result<()> {
    let mut c = key.chars();
    let ok =
        matches!(c.next(), Some(f) if f.is_ascii_alphanumeric()) && c.all(|c| c.is_ascii_alphanumeric() || ".-_/".contains(c));
    if !ok {
        return Err(Error::usage(format!(
            "{what} {key:?} is not a label key; start with a letter or digit and use letters, digits and . - _ /"
        )));
    }
    if key.starts_with("io.lanctl.") {
        return Err(Error::usage(format!("{what} {key} uses lanctl's own prefix io.lanctl.; choose another key")));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(Error::usage(format!("{what} {key}: the value holds a newline or control character; give one line")));
    }
    Ok(())
}

/// A restart policy, in docker's canonical form.
pub fn check_restart(what: &str, policy: &str) -> Result<String> {
    restart_policy::parse(policy).map(|p| p.to_string()).map_err(|why| {
        Error::usage(format!(
            "{what} {policy:?} is not a docker restart policy ({why}); use no, always, unless-stopped or on-failure[:N]"
        ))
    })
}

/// Splits `K=V` from `--label`.
pub fn split_label(what: &str, item: &str) -> Result<(String, String)> {
    item.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| Error::usage(format!("{what} {item:?} is not K=V; write it like team=video")))
}

/// `--ip` once per family: the value's family says which (docker's own convention for
/// `--subnet`). An IPv6 address must be one a LAN host can hold as its global or unique
/// local address: not link-local (every interface has its own), multicast, loopback or
/// unspecified.
fn addresses(what: &str, given: &[String]) -> Result<(Option<IpAddr>, Option<IpAddr>)> {
    let (mut v4, mut v6): (Option<IpAddr>, Option<IpAddr>) = (None, None);
    for s in given {
        let (slot, ip, family) = match parse_v4::<Ipv4Addr>(s) {
            Ok(a) => (&mut v4, IpAddr::V4(a), "IPv4"),
            Err(NotIpv4::Ipv6) => {
                let a: Ipv6Addr = s.parse().map_err(|_| not_an_address(what, s))?;
                let first = a.segments()[0];
                if first & 0xffc0 == 0xfe80 || a.is_multicast() || a.is_loopback() || a.is_unspecified() {
                    return Err(Error::usage(format!(
                        "{what} {s} is a link-local, multicast, loopback or unspecified IPv6 address; give a global \
                         or unique local one inside the network's reserved IPv6 range"
                    )));
                }
                (&mut v6, IpAddr::V6(a), "IPv6")
            }
            Err(NotIpv4::Malformed) => return Err(not_an_address(what, s)),
        };
        if let Some(first) = slot {
            return Err(Error::usage(format!("{what} is given twice for {family} ({first} and {ip}); give it once per family")));
        }
        *slot = Some(ip);
    }
    Ok((v4, v6))
}

fn not_an_address(what: &str, s: &str) -> Error {
    Error::usage(format!("{what} {s:?} is not an IP address; give one inside the network's reserved range"))
}

impl TenantDraft {
    /// Validates every value; `lookup` is lanctl's environment (for preset secrets),
    /// `presets` the run's presets (read once by the caller).
    pub fn lower(self, lookup: &dyn Fn(&str) -> Option<String>, presets: &Presets) -> Result<TenantInput> {
        let f = |field: &str| self.origin.field(field);
        check_name(&self.name)?;
        if let Some(net) = &self.net {
            check_net_name(&f("net"), net)?;
        }
        let mut spec = TenantSpec { args: self.args.clone(), ..Default::default() };
        spec.restart = check_restart(&f("restart"), &self.restart)?;
        let mut secrets = Secrets::new();
        let mut warnings = Vec::new();
        let mut unset = Vec::new();
        let preset =
            match &self.preset {
                None => None,
                Some(name) => Some(presets.find(name).ok_or_else(|| {
                    Error::usage(format!("{} {name:?} is unknown; use one of {}", f("preset"), presets.names()))
                })?),
            };
        if let Some(p) = preset {
            spec.image.clone_from(&p.image);
            for (k, template) in &p.env {
                let v = preset::with_name(template, &self.name);
                // `{ip6}` alone is a template too, not an `--ip6-env` key: an IPv4-only
                // network's refusal then names the preset's variable.
                if v == "{ip}" {
                    spec.ip_env.insert(k.clone());
                } else if holds_address(&v) {
                    spec.ip_templates.insert(k.clone(), v);
                } else {
                    spec.env.insert(k.clone(), v);
                }
            }
            // Arguments after the image replace the preset's, as they replace an image's CMD.
            if self.args.is_empty() {
                spec.args = p.args.iter().map(|a| preset::with_name(a, &self.name)).collect();
                spec.ip_args = spec.args.iter().any(|a| holds_address(a));
            }
            spec.stop_timeout = p.stop_timeout;
            let given = |k: &str| self.env.iter().any(|i| i.key() == k);
            let missing: Vec<&str> = p.secrets.iter().map(String::as_str).filter(|k| !given(k) && lookup(k).is_none()).collect();
            for key in p.secrets.iter().filter(|k| !given(k)) {
                match lookup(key) {
                    Some(v) => {
                        spec.secrets.insert(key.to_string());
                        secrets.push((key.to_string(), v));
                    }
                    None => unset.push(key.to_string()),
                }
            }
            // One warning for all missing keys, said once per tenant.
            if !missing.is_empty() {
                let why = if p.missing.is_empty() { "the tenant starts without them" } else { &p.missing };
                let keys = match missing.split_last() {
                    Some((last, [])) => last.to_string(),
                    Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
                    None => String::new(),
                };
                warnings.push(format!("{keys} not set in lanctl's environment: {why}"));
            }
        }
        for item in &self.env {
            if let EnvItem::Unset(k) = item {
                unset.push(k.clone());
                warnings.push(format!("{k} is not set in lanctl's environment; the tenant starts without it"));
            }
        }
        spec.apply_env(&self.env, &mut secrets);
        if let Some(image) = &self.image {
            spec.image = check_image(&f("image"), image)?;
        } else if self.preset.is_none() {
            return Err(Error::usage(format!("no image to run; give {} IMAGE or {} wcs", f("image"), f("preset"))));
        }
        for (k, v) in &self.labels {
            check_label(&f("label"), k, v)?;
            spec.labels.insert(k.clone(), v.clone());
        }
        let (ip, ip6) = addresses(&f("ip"), &self.ip)?;
        spec.slaac = self.slaac;
        let ready = match (&self.ready, preset.and_then(|p| p.ready.as_deref())) {
            (Some(r), _) => Some(check_ready(&f("ready"), r)?),
            (None, Some(r)) => Some(Ready::parse(r).expect("a preset's check was parsed when it was read")),
            (None, None) => None,
        };
        spec.ready = ready.as_ref().map(ToString::to_string);
        if self.outside_range && ip.is_none() && ip6.is_none() {
            return Err(Error::usage("--outside-range needs --ip; give the address to use"));
        }
        Ok(TenantInput {
            name: self.name,
            net: self.net,
            ip,
            ip6,
            outside_range: self.outside_range,
            spec,
            secrets,
            env_file: self.env_file,
            unset,
            warnings,
            ready,
        })
    }
}

#[cfg(test)]
mod tests;

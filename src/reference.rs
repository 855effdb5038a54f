//! Docker image references, checked by the grammar `docker run` applies to its IMAGE
//! argument, before any argv is built from them.
//!
//! lanctl places the image in `docker run ... IMAGE ARGS`, so a value docker would not read
//! as an image ends up read as something else: `--volume=/:/host` became an option that
//! mounts the host's root. Only a value this module accepts may take that place.
//!
//! The rules follow `docker run`: `ParseAnyReference` of github.com/distribution/reference
//! (a full image ID, a bare digest, or a name normalized by `ParseNormalizedNamed`), with
//! digests validated by github.com/opencontainers/go-digest:
//!
//! ```text
//! reference       := name [ ":" tag ] [ "@" digest ]
//! name            := [ domain "/" ] path-component [ "/" path-component ]*
//! domain          := ( domain-name | "[" [a-fA-F0-9:]+ "]" ) [ ":" [0-9]+ ]
//! domain-name     := label [ "." label ]*   label: [a-zA-Z0-9], '-' only inside
//! path-component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag             := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest          := sha256:[a-f0-9]{64} | sha384:[a-f0-9]{96} | sha512:[a-f0-9]{128}
//! ```

use std::fmt;

/// A validated image reference. `Display` gives back the text it was parsed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    raw: String,
    domain: Option<String>,
    path: String,
    tag: Option<String>,
    digest: Option<String>,
}

impl Reference {
    /// The registry host (and port) when the reference names one, as docker decides it: the
    /// first component is a host when it is `localhost`, holds a '.' or ':', or has upper case.
    pub fn domain(&self) -> Option<&str> {
        self.domain.as_deref()
    }

    /// The repository path without the registry; empty for an image ID.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn tag(&self) -> Option<&str> {
        self.tag.as_deref()
    }

    /// The digest with its algorithm; for an image ID given as 64 hex digits, `sha256:` and them.
    pub fn digest(&self) -> Option<&str> {
        self.digest.as_deref()
    }

    /// An image ID or bare digest (`<64 hex>`, `sha256:<64 hex>`): a local image, no name.
    pub fn is_id(&self) -> bool {
        self.path.is_empty()
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl std::str::FromStr for Reference {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        parse(s)
    }
}

/// The longest name docker takes, counted as the registry sees it (see `registry_len`).
pub const NAME_MAX: usize = 255;

/// Parses `s` as `docker run` would parse its IMAGE argument. The error is a short lower-case
/// reason, for the caller to put after the value it names.
pub fn parse(s: &str) -> Result<Reference, String> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    // The grammar refuses these too; saying why matters more here than anywhere else.
    if s.starts_with('-') {
        return Err("it starts with '-', so docker would read it as an option".into());
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains whitespace or a control character".into());
    }
    let mut r = Reference { raw: s.to_string(), domain: None, path: String::new(), tag: None, digest: None };
    // `docker run` tries an image ID and a bare digest before a name (`ParseAnyReference`).
    if s.len() == 64 && is_lower_hex(s) {
        r.digest = Some(format!("sha256:{s}"));
        return Ok(r);
    }
    if check_digest(s).is_ok() {
        r.digest = Some(s.to_string());
        return Ok(r);
    }
    let (rest, digest) = match s.split_once('@') {
        Some((_, d)) if d.contains('@') => return Err("it has more than one '@'".into()),
        Some((rest, d)) => (rest, Some(check_digest(d)?)),
        None => (s, None),
    };
    // A tag follows the last ':' unless a '/' comes after it (then that ':' began a port).
    let (name, tag) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains('/') => (&rest[..i], Some(check_tag(&rest[i + 1..])?)),
        _ => (rest, None),
    };
    let (domain, path) = split_domain(name)?;
    check_path(path)?;
    let len = registry_len(domain, path);
    if len > NAME_MAX {
        return Err(format!("its name is {len} characters as the registry counts it, more than {NAME_MAX}"));
    }
    r.domain = domain.map(str::to_string);
    r.path = path.to_string();
    r.tag = tag.map(str::to_string);
    r.digest = digest.map(str::to_string);
    Ok(r)
}

fn is_lower_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// go-digest checks a digest against the algorithms the binary carries; docker's are these,
/// each with its exact length of lower-case hex.
fn check_digest(d: &str) -> Result<&str, String> {
    if d.is_empty() {
        return Err("its digest after '@' is empty".into());
    }
    let Some((alg, hex)) = d.split_once(':') else {
        return Err(format!("digest {d} has no algorithm; write it as sha256:<64 hex digits>"));
    };
    let len = match alg {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(format!("digest algorithm {alg} is not sha256, sha384 or sha512")),
    };
    if hex.len() != len || !is_lower_hex(hex) {
        return Err(format!("{alg} digest {hex} is not {len} lower-case hex digits"));
    }
    Ok(d)
}

fn check_tag(t: &str) -> Result<&str, String> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if t.is_empty() {
        return Err("its tag after ':' is empty".into());
    }
    if t.len() > 129 {
        return Err(format!("its tag is {} characters, more than 128", t.len()));
    }
    if !word(t.as_bytes()[0]) || !t.bytes().all(|b| word(b) || b == b'.' || b == b'-') {
        return Err(format!("tag {t} must start with a letter, digit or '_' and hold only those, '.' and '-'"));
    }
    Ok(t)
}

/// Splits off the registry the way `splitDockerDomain` does. A first component that looks
/// like a host but is not one (`a_b.c/d`) leaves the whole name a path, as docker's own
/// grammar then reads it.
fn split_domain(name: &str) -> Result<(Option<&str>, &str), String> {
    if let Some((first, rest)) = name.split_once('/') {
        let looks_like_host = first == "localhost" || first.contains(['.', ':']) || first.bytes().any(|b| b.is_ascii_uppercase());
        if looks_like_host {
            if is_host(first) {
                return Ok((Some(first), rest));
            }
            if check_path(name).is_err() {
                return Err(format!("registry {first} is not a host name or [IPv6] address with an optional :port"));
            }
        }
    }
    Ok((None, name))
}

fn is_host(h: &str) -> bool {
    let (host, port) = if let Some(inner) = h.strip_prefix('[') {
        let Some((addr, after)) = inner.split_once(']') else { return false };
        if addr.is_empty() || !addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':') {
            return false;
        }
        (None, after)
    } else {
        match h.split_once(':') {
            Some((host, _)) => (Some(host), &h[host.len()..]),
            None => (Some(h), ""),
        }
    };
    let label = |l: &str| {
        !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let port_ok = match port.strip_prefix(':') {
        Some(p) => !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()),
        None => port.is_empty(),
    };
    port_ok && host.is_none_or(|host| host.split('.').all(label))
}

fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("it has no repository name".into());
    }
    let Some(bad) = path.split('/').find(|c| !is_component(c)) else { return Ok(()) };
    if path.to_ascii_lowercase().split('/').all(is_component) {
        return Err("its repository name must be lower case".into());
    }
    if bad.is_empty() {
        return Err(format!("repository name {path} has an empty component"));
    }
    Err(format!("repository name component {bad} is not lower-case letters and digits joined by '.', '_', '__' or dashes"))
}

/// `[a-z0-9]+` runs joined by exactly one of `.`, `_`, `__` or a run of dashes.
fn is_component(c: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let bytes = c.as_bytes();
    if bytes.is_empty() || !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return false;
    }
    c.split(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
        .filter(|sep| !sep.is_empty())
        .all(|sep| sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-'))
}

/// The name's length as docker sends it to the registry, which is what it limits: no
/// registry means Docker Hub, and a one-component Hub name lives under `library/`.
fn registry_len(domain: Option<&str>, path: &str) -> usize {
    let domain = match domain {
        None | Some("index.docker.io") => "docker.io",
        Some(d) => d,
    };
    let library = if domain == "docker.io" && !path.contains('/') { "library/".len() } else { 0 };
    domain.len() + 1 + library + path.len()
}

#[cfg(test)]
mod tests;

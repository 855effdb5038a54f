//! Docker image references, checked as `docker run` checks its IMAGE argument.
//!
//! lanctl puts the image in `docker run ... IMAGE ARGS`; a value docker does not read as an
//! image is read as something else (`--volume=/:/host` became an option that mounts the
//! host's root), so only a value `parse` accepts may take that place. The rules are those of
//! `ParseAnyReference` (github.com/distribution/reference) and go-digest: an image ID, a bare
//! digest, or `name[:tag][@digest]` where
//!
//! ```text
//! name       := [host[:port] "/"] component ("/" component)*    host: DNS labels or [IPv6]
//! component  := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*
//! tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//! digest     := sha256:[a-f0-9]{64} | sha384:[a-f0-9]{96} | sha512:[a-f0-9]{128}
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
    /// The registry (host and port): by docker's rule a first component that is `localhost` or has '.', ':' or upper case.
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
    let id = |digest: String| Reference { raw: s.into(), domain: None, path: String::new(), tag: None, digest: Some(digest) };
    // `docker run` tries an image ID and a bare digest before a name (`ParseAnyReference`).
    if s.len() == 64 && is_lower_hex(s) {
        return Ok(id(format!("sha256:{s}")));
    }
    if check_digest(s).is_ok() {
        return Ok(id(s.into()));
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
    let own = |o: Option<&str>| o.map(String::from);
    Ok(Reference { raw: s.into(), domain: own(domain), path: path.into(), tag: own(tag), digest: own(digest) })
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
    let Some(&(_, len)) = [("sha256", 64), ("sha384", 96), ("sha512", 128)].iter().find(|(a, _)| *a == alg) else {
        return Err(format!("digest algorithm {alg} is not sha256, sha384 or sha512"));
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
    if t.len() > 128 {
        return Err(format!("its tag is {} characters, more than 128", t.len()));
    }
    if !word(t.as_bytes()[0]) || !t.bytes().all(|b| word(b) || b == b'.' || b == b'-') {
        return Err(format!("tag {t} must start with a letter, digit or '_' and hold only those, '.' and '-'"));
    }
    Ok(t)
}

/// Splits off the registry as `splitDockerDomain` does. A first component that looks like a host
/// but is not one (`a_b.c/d`) leaves the whole name a path, as docker's grammar then reads it.
fn split_domain(name: &str) -> Result<(Option<&str>, &str), String> {
    let looks_like_host = |f: &str| f == "localhost" || f.contains(['.', ':']) || f.bytes().any(|b| b.is_ascii_uppercase());
    match name.split_once('/') {
        Some((first, rest)) if looks_like_host(first) && is_host(first) => Ok((Some(first), rest)),
        Some((first, _)) if looks_like_host(first) && check_path(name).is_err() => {
            Err(format!("registry {first} is not a host name or [IPv6] address with an optional :port"))
        }
        _ => Ok((None, name)),
    }
}

fn is_host(h: &str) -> bool {
    let label = |l: &str| {
        !l.is_empty() && !l.starts_with('-') && !l.ends_with('-') && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let (host_ok, port) = match h.strip_prefix('[').and_then(|inner| inner.split_once(']')) {
        Some((addr, port)) => (!addr.is_empty() && addr.bytes().all(|b| b.is_ascii_hexdigit() || b == b':'), port),
        None => {
            let (host, port) = h.split_at(h.find(':').unwrap_or(h.len()));
            (host.split('.').all(label), port)
        }
    };
    host_ok && (port.is_empty() || port.strip_prefix(':').is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
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
    let alnum = |ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit();
    c.starts_with(alnum)
        && c.ends_with(alnum)
        && c.split(alnum)
            .filter(|sep| !sep.is_empty())
            .all(|sep| sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-'))
}

/// The name's length as docker sends it to the registry, which is what it limits: no
/// registry means Docker Hub, and a one-component Hub name lives under `library/`.
fn registry_len(domain: Option<&str>, path: &str) -> usize {
    let domain = domain.filter(|d| *d != "index.docker.io").unwrap_or("docker.io");
    let library = if domain == "docker.io" && !path.contains('/') { "library/".len() } else { 0 };
    domain.len() + 1 + library + path.len()
}

#[cfg(test)]
mod tests;

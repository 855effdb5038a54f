//! The addresses this host needs to reach for its own tools: the hosts of apt's package
//! sources, its DNS resolvers and cargo's registries. A blackhole over any of them would
//! cut the host off from them (package mirrors do answer inside documentation ranges on
//! some networks), so no test subnet may contain one. Host routes are checked elsewhere.

use std::fs;
use std::net::{IpAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One address the host depends on and why.
#[derive(Clone, Debug)]
pub struct Dependency {
    pub addr: IpAddr,
    pub what: String,
}

/// Every address the host depends on; resolved once per process. A name that does not
/// resolve is skipped: the host cannot reach it either way.
pub fn dependencies() -> &'static [Dependency] {
    static DEPS: OnceLock<Vec<Dependency>> = OnceLock::new();
    DEPS.get_or_init(|| {
        let mut deps = Vec::new();
        for (host, source) in apt_hosts().into_iter().chain(cargo_hosts()) {
            // Port 80: any port does; resolution is what matters.
            for a in (host.as_str(), 80).to_socket_addrs().into_iter().flatten() {
                deps.push(Dependency { addr: a.ip(), what: format!("{host} ({source})") });
            }
        }
        for addr in nameservers(&fs::read_to_string("/etc/resolv.conf").unwrap_or_default()) {
            deps.push(Dependency { addr, what: "a nameserver in /etc/resolv.conf".into() });
        }
        deps
    })
}

/// The hosts of apt's sources, each with the file that names it: /etc/apt/sources.list and
/// the *.list (one-line) and *.sources (deb822) files of sources.list.d, as apt reads them.
pub fn apt_hosts() -> Vec<(String, String)> {
    let mut files = vec![PathBuf::from("/etc/apt/sources.list")];
    if let Ok(dir) = fs::read_dir("/etc/apt/sources.list.d") {
        let mut more: Vec<PathBuf> = dir
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("list" | "sources")))
            .collect();
        more.sort();
        files.extend(more);
    }
    let mut hosts = Vec::new();
    for f in files {
        let Ok(text) = fs::read_to_string(&f) else { continue };
        let found =
            if f.extension().and_then(|e| e.to_str()) == Some("sources") { deb822_uris(&text) } else { one_line_uris(&text) };
        hosts.extend(found.iter().filter_map(|u| uri_host(u)).map(|h| (h, format!("apt source in {}", f.display()))));
    }
    hosts
}

/// URIs of one-line sources: `deb [options] URI suite [component...]`; comments skipped.
pub fn one_line_uris(text: &str) -> Vec<String> {
    let mut uris = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("").trim();
        let Some(rest) = line.strip_prefix("deb-src").or_else(|| line.strip_prefix("deb")) else { continue };
        let rest = rest.trim_start();
        // Options are one bracketed group that may hold spaces.
        let rest = match rest.strip_prefix('[') {
            Some(r) => r.split_once(']').map(|(_, after)| after).unwrap_or(""),
            None => rest,
        };
        uris.extend(rest.split_whitespace().next().map(String::from));
    }
    uris
}

/// URIs of deb822 sources: every value of each `URIs:` field (case-insensitive, several
/// per line, continuation lines indented).
pub fn deb822_uris(text: &str) -> Vec<String> {
    let mut uris = Vec::new();
    let mut in_uris = false;
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        let value = if line.starts_with([' ', '\t']) && in_uris {
            line
        } else if let Some((key, value)) = line.split_once(':').filter(|(k, _)| !k.contains(' ')) {
            in_uris = key.trim().eq_ignore_ascii_case("uris");
            value
        } else {
            in_uris = false;
            continue;
        };
        if in_uris {
            uris.extend(value.split_whitespace().map(String::from));
        }
    }
    uris
}

/// The host of `scheme://[user@]host[:port]/path` (also `mirror+http://…`); none for file:,
/// cdrom: and the like.
pub fn uri_host(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once("://")?;
    let authority = rest.split('/').next().unwrap_or("");
    let authority = authority.rsplit_once('@').map(|(_, h)| h).unwrap_or(authority);
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => authority.split(':').next().unwrap_or(""),
    };
    (!host.is_empty()).then(|| host.to_string())
}

/// `nameserver ADDR` lines of a resolv.conf.
pub fn nameservers(text: &str) -> Vec<IpAddr> {
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next() == Some("nameserver")).then(|| w.next()?.split('%').next()?.parse().ok())?
        })
        .collect()
}

/// Cargo's registries: crates.io (cargo's default, used unless a source replaces it) and
/// every URL in the cargo config files ($CARGO_HOME, else ~/.cargo: config.toml, config).
pub fn cargo_hosts() -> Vec<(String, String)> {
    let mut hosts: Vec<(String, String)> =
        ["index.crates.io", "static.crates.io"].map(|h| (h.to_string(), "cargo's default registry".to_string())).to_vec();
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")));
    for f in home.iter().flat_map(|h| [h.join("config.toml"), h.join("config")]) {
        let Ok(text) = fs::read_to_string(&f) else { continue };
        for url in quoted_urls(&text) {
            hosts.extend(uri_host(&url).map(|h| (h, format!("cargo registry in {}", f.display()))));
        }
    }
    hosts
}

/// Quoted strings holding `://` in a TOML text (registry `index`, source `registry`, …).
pub fn quoted_urls(text: &str) -> Vec<String> {
    let mut urls = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        for (i, piece) in line.split(['"', '\'']).enumerate() {
            if i % 2 == 1 && piece.contains("://") {
                urls.push(piece.to_string());
            }
        }
    }
    urls
}

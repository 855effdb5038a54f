//! A tenant's environment as asked for: `-e KEY=VALUE`, `-e KEY`, `--env-file FILE` and
//! `--ip-env KEY` (or a fleet file's `env`, `pass_env` and `ip_env`), read into `EnvItem`s.
//!
//! An env file is handed to docker itself (`--env-file FILE`), so the printed plan and the
//! run read the same values and no value of it is ever in lanctl's argv or output. lanctl
//! reads the file only for its keys, with docker's own rules, so both agree on what it holds.

use std::path::{Path, PathBuf};

use crate::exec::error::{Error, Result};

/// One environment setting, in the order given; later settings of a key win.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EnvItem {
    /// `KEY=VALUE`: the value is on the command line and in the spec label.
    Literal(String, String),
    /// `KEY` whose value comes from lanctl's environment: docker gets it through its own
    /// environment, never through argv.
    Secret(String, String),
    /// A key of the env file: docker reads its value from the file.
    File(String),
    /// `KEY` that lanctl's environment does not have.
    Unset(String),
    /// `KEY` set to the tenant's address.
    Ip(String),
    /// `KEY` set to the tenant's IPv6 address (`--ip6-env`).
    Ip6(String),
}

impl EnvItem {
    pub fn key(&self) -> &str {
        match self {
            EnvItem::Literal(k, _)
            | EnvItem::Secret(k, _)
            | EnvItem::File(k)
            | EnvItem::Unset(k)
            | EnvItem::Ip(k)
            | EnvItem::Ip6(k) => k,
        }
    }
}

/// A POSIX variable name: what docker and a shell both take as a key.
pub fn valid_key(key: &str) -> bool {
    let mut c = key.chars();
    matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '_') && c.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Checks a key named by `what` (e.g. `-e`, `"pass_env"`).
pub fn check_key(what: &str, key: &str) -> Result<()> {
    if valid_key(key) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "{what} {key:?} is not a variable name; use letters, digits and '_', not starting with a digit"
        )))
    }
}

/// A literal value goes into argv and the spec label: one line of printable text.
pub fn check_literal(what: &str, key: &str, value: &str) -> Result<()> {
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(Error::usage(format!(
            "{what} {key}: the value holds a newline or control character; pass multi-line values through \
             lanctl's environment (-e {key} with {key} exported)"
        )));
    }
    Ok(())
}

/// `-e KEY=VALUE` or `-e KEY`; `lookup` is lanctl's environment.
pub fn parse_flag(what: &str, item: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Result<EnvItem> {
    Ok(match item.split_once('=') {
        Some((k, v)) => {
            check_key(what, k)?;
            check_literal(what, k, v)?;
            EnvItem::Literal(k.to_string(), v.to_string())
        }
        None => {
            check_key(what, item)?;
            match lookup(item) {
                Some(v) => EnvItem::Secret(item.to_string(), v),
                None => EnvItem::Unset(item.to_string()),
            }
        }
    })
}

/// An env file: its absolute path (what docker is given) and its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvFile {
    pub path: PathBuf,
    pub keys: Vec<String>,
}

/// Reads an env file's keys the way docker reads the file: leading white space dropped,
/// blank and `#` lines skipped, `KEY=VALUE` split at the first `=` with the value kept
/// as is, `KEY` alone taken from the environment. A line docker would read differently
/// from what its writer meant (a key with spaces, a quoted value that goes on over the
/// next lines) is refused; no error names a value, only the file, line and key.
pub fn read_file(path: &Path) -> Result<EnvFile> {
    let bad = |msg: String| Error::usage(format!("--env-file {}: {msg}", path.display()));
    let abs = std::fs::canonicalize(path).map_err(|e| bad(format!("{e}; give a readable file")))?;
    let bytes = crate::exec::file::read_regular(&abs).map_err(|e| bad(format!("{e}; give a readable file")))?;
    let text = String::from_utf8(bytes).map_err(|_| bad("is not UTF-8 text; save it as UTF-8".into()))?;
    let mut keys = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = |what: &str| bad(format!("line {} {what}", n + 1));
        let (key, value) = match line.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (line.trim_end(), None),
        };
        if !valid_key(key) {
            return Err(at(
                "is not KEY=VALUE or KEY with a variable name; write one variable per line, without spaces around '='",
            ));
        }
        if let Some(v) = value {
            let opened = v.starts_with('"') || v.starts_with('\'');
            if opened && (v.len() < 2 || !v.ends_with(&v[..1])) {
                return Err(at(&format!(
                    "starts a quoted value for {key} that does not end on that line; an env file holds one line per \
                     variable, so pass {key} through lanctl's environment instead (-e {key})"
                )));
            }
        }
        keys.push(key.to_string());
    }
    Ok(EnvFile { path: abs, keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("env.list");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn env_file_keys_follow_dockers_reading() {
        let (_d, p) = file("# comment\n\n  API_TOKEN=a b=c\nMODE\nQUOTED=\"x\"\n");
        let f = read_file(&p).unwrap();
        assert_eq!(f.keys, ["API_TOKEN", "MODE", "QUOTED"]);
        assert!(f.path.is_absolute());
    }

    #[test]
    fn env_file_errors_never_show_a_value() {
        let (_d, p) = file("LICENSE=\"-----BEGIN LICENSE\nMIIBfakeSECRET\n-----END LICENSE\"\n");
        let e = read_file(&p).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "--env-file {}: line 1 starts a quoted value for LICENSE that does not end on that line; an env file \
                 holds one line per variable, so pass LICENSE through lanctl's environment instead (-e LICENSE)",
                p.display()
            )
        );
        let (_d, p) = file("A=1\nMIIBfakeSECRET line two\n");
        let e = read_file(&p).unwrap_err().to_string();
        assert!(
            e.ends_with(
                "line 2 is not KEY=VALUE or KEY with a variable name; write one variable per line, without spaces around '='"
            ),
            "{e}"
        );
        assert!(!e.contains("MIIB"), "{e}");
        let (_d, p) = file("KEY =v\n");
        assert!(read_file(&p).unwrap_err().to_string().contains("line 1 is not KEY=VALUE"));
    }

    #[test]
    fn literal_values_are_one_line() {
        let none = |_: &str| None;
        assert_eq!(parse_flag("-e", "A=x y", &none).unwrap(), EnvItem::Literal("A".into(), "x y".into()));
        assert_eq!(parse_flag("-e", "A", &none).unwrap(), EnvItem::Unset("A".into()));
        assert_eq!(parse_flag("-e", "A", &|_| Some("v".into())).unwrap(), EnvItem::Secret("A".into(), "v".into()));
        assert_eq!(
            parse_flag("-e", "A=1\n2", &none).unwrap_err().to_string(),
            "-e A: the value holds a newline or control character; pass multi-line values through lanctl's \
             environment (-e A with A exported)"
        );
        for bad in ["-x=1", "--privileged", "1A=2", "", "A B=1"] {
            assert!(parse_flag("-e", bad, &none).is_err(), "{bad:?}");
        }
    }
}

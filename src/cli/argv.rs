//! The raw command line, before and beside clap: lanctl reads argv as `OsString`s, so an
//! argument that is not UTF-8 is an error line that shows its bytes escaped rather than a
//! panic, and a usage error names the help of the subcommand the words named.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use super::Cli;

/// `x\xffy` for the bytes `x`, 0xff, `y`: valid UTF-8 is shown as Rust's `{:?}` shows a
/// character inside quotes, every other byte as `\xNN`, so the line is one line and the
/// reader sees which bytes were wrong.
pub fn escaped(arg: &OsStr) -> String {
    let mut out = String::new();
    for chunk in arg.as_bytes().utf8_chunks() {
        out.extend(chunk.valid().chars().flat_map(char::escape_debug));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// The argument clap refused as not UTF-8. clap's error does not say which, and a path
/// (`--docker`, `apply FILE`) may be any bytes, so the one blamed is the first that still
/// fails when every other non-UTF-8 argument is made valid.
pub fn not_utf8(args: &[OsString]) -> Option<&OsStr> {
    let bad: Vec<usize> = (0..args.len()).filter(|&i| args[i].to_str().is_none()).collect();
    let fails_alone = |i: usize| {
        let trial = args.iter().enumerate().map(|(j, a)| {
            if j != i && bad.contains(&j) {
                OsString::from(a.to_string_lossy().into_owned())
            } else {
                a.clone()
            }
        });
        Cli::try_parse_from(trial).is_err_and(|e| e.kind() == ErrorKind::InvalidUtf8)
    };
    let i = bad.iter().copied().find(|&i| fails_alone(i)).or(bad.first().copied())?;
    Some(&args[i])
}

/// `lanctl net create` for `lanctl --host h net create n --tail 3`: the subcommands the
/// words name, global options (and the values they take) skipped, so an error points at
/// the help that lists the option that was wrong.
pub fn subcommand_path(args: &[OsString]) -> String {
    let mut cmd = Cli::command();
    let mut path = vec!["lanctl".to_string()];
    let mut words = args.iter().skip(1);
    while let Some(word) = words.next() {
        let Some(word) = word.to_str() else { continue };
        if word == "--" {
            break;
        }
        if let Some(flag) = word.strip_prefix('-') {
            // `--host h` takes the next word; `--host=h`, `-nv` and flags do not.
            let takes_value = |a: &clap::Arg| a.get_action().takes_values();
            let arg = match flag.strip_prefix('-') {
                Some(long) if !long.contains('=') => {
                    cmd.get_arguments().find(|a| a.get_long_and_visible_aliases().is_some_and(|l| l.contains(&long)))
                }
                None if flag.chars().count() == 1 => {
                    let c = flag.chars().next();
                    cmd.get_arguments().find(|a| a.get_short() == c)
                }
                _ => None,
            };
            if arg.is_some_and(takes_value) {
                words.next();
            }
            continue;
        }
        match cmd.find_subcommand(word) {
            Some(sub) => {
                path.push(sub.get_name().to_string());
                let sub = sub.clone();
                // Global options stay known below, as clap propagates them.
                let globals: Vec<clap::Arg> = cmd.get_arguments().filter(|a| a.is_global_set()).cloned().collect();
                cmd = globals.into_iter().fold(sub, |c, a| c.arg(a));
            }
            // A positional value: the subcommand named so far is the one.
            None => break,
        }
    }
    path.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn bytes_that_are_not_utf8_are_shown_escaped() {
        assert_eq!(escaped(OsStr::from_bytes(b"x\xffy")), "x\\xffy");
        assert_eq!(escaped(OsStr::from_bytes(b"a\"\n\xc3")), "a\\\"\\n\\xc3");
        assert_eq!(escaped(OsStr::new("é")), "é");
    }

    #[test]
    fn the_subcommand_path_skips_global_options_and_their_values() {
        assert_eq!(subcommand_path(&os(&["lanctl", "logs", "--tail", "abc", "x"])), "lanctl logs");
        assert_eq!(subcommand_path(&os(&["lanctl", "--host", "net", "net", "create", "n"])), "lanctl net create");
        assert_eq!(subcommand_path(&os(&["lanctl", "-n", "--context=h", "up", "t"])), "lanctl up");
        assert_eq!(subcommand_path(&os(&["lanctl", "frobnicate"])), "lanctl");
        assert_eq!(subcommand_path(&os(&["lanctl", "down", "--", "net"])), "lanctl down");
    }

    #[test]
    fn the_argument_blamed_is_the_one_clap_refused() {
        let bad = OsStr::from_bytes(b"x\xffy").to_os_string();
        let path = OsStr::from_bytes(b"/p\xfe").to_os_string();
        let args = vec!["lanctl".into(), "--docker".into(), path, "down".into(), bad.clone()];
        assert_eq!(not_utf8(&args), Some(bad.as_os_str()));
    }
}

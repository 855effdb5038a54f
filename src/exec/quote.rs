//! Shell quoting for rendering commands as lines that bash parses back into the same argv.

/// Characters that never need quoting in any position after the first word.
fn is_safe(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c)
}

/// Quotes one word so that bash reads it back as exactly `word`.
///
/// Plain words stay bare so lines remain readable; anything else is single-quoted, which
/// is POSIX. Control characters (a newline, a tab) use bash's `$'...'` form instead, so a
/// command always renders on one line and a dry-run script keeps one command per line.
pub fn quote(word: &str) -> String {
    if !word.is_empty() && word.chars().all(is_safe) {
        return word.to_string();
    }
    if word.chars().any(|c| c.is_control()) {
        return ansi_c_quote(word);
    }
    let mut out = String::with_capacity(word.len() + 2);
    out.push('\'');
    for c in word.chars() {
        if c == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(c);
        }
    }
    out.push('\'');
    out
}

/// Quotes one word for a POSIX shell (dash, or whatever login shell runs a command sent
/// over ssh): like `quote`, but never `$'...'`, which POSIX sh lacks. A control character
/// stays literal inside the single quotes, where every POSIX shell keeps it as it is.
pub fn quote_posix(word: &str) -> String {
    if !word.is_empty() && word.chars().all(is_safe) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', "'\\''"))
}

fn ansi_c_quote(word: &str) -> String {
    let mut out = String::from("$'");
    for c in word.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Joins words into one shell line.
pub fn join<'a>(words: impl IntoIterator<Item = &'a str>) -> String {
    words.into_iter().map(quote).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_bare() {
        assert_eq!(quote("docker"), "docker");
        assert_eq!(quote("--opt"), "--opt");
        assert_eq!(quote("parent=enp0s3"), "parent=enp0s3");
        assert_eq!(quote("192.168.23.0/24"), "192.168.23.0/24");
    }

    #[test]
    fn hostile_words_are_quoted() {
        assert_eq!(quote(""), "''");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("$HOME"), "'$HOME'");
        assert_eq!(quote("`id`"), "'`id`'");
        assert_eq!(quote("a\nb"), "$'a\\nb'");
        assert_eq!(quote("~root"), "'~root'");
        assert_eq!(quote("#x"), "'#x'");
        assert_eq!(quote("größe"), "'größe'");
    }

    #[test]
    fn posix_quoting_never_uses_ansi_c() {
        assert_eq!(quote_posix("ip"), "ip");
        assert_eq!(quote_posix(""), "''");
        assert_eq!(quote_posix("a\nb"), "'a\nb'");
        assert_eq!(quote_posix("it's"), "'it'\\''s'");
    }

    /// Every hostile word must come back from bash unchanged.
    #[test]
    fn round_trips_through_bash() {
        let words = [
            "",
            " ",
            "a b",
            "it's",
            "\"dq\"",
            "$HOME",
            "${X:-y}",
            "`id`",
            "$(id)",
            "a\nb",
            "tab\there",
            "back\\slash",
            "*",
            "?",
            "[a]",
            "~",
            "#c",
            "!x",
            "a;b",
            "a|b",
            "a&b",
            "<>",
            "größe",
            "日本",
            "\x01ctl",
            "'",
            "''",
            "\\'",
            "-e",
            "KEY=va lue",
            "\r\n",
        ];
        let line = format!("printf '%s\\0' {}", join(words.iter().copied()));
        let out = std::process::Command::new("bash").arg("-c").arg(&line).output().expect("bash runs");
        assert!(out.status.success(), "bash rejected: {line}");
        let back: Vec<String> = String::from_utf8(out.stdout).unwrap().split('\0').map(str::to_string).collect();
        let back = &back[..back.len() - 1];
        assert_eq!(back, &words.map(String::from)[..], "line was: {line}");
        assert!(!line.contains('\n'), "a rendered line must stay one line");
    }
}

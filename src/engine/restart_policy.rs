//! Docker restart policies (`docker run --restart`), checked before any argv is built.
//!
//! Docker splits the value in two places: the CLI (`opts.ParseRestartPolicy`) cuts it at the
//! first ':' and reads the count with `strconv.Atoi`, and the daemon
//! (`container.ValidateRestartPolicy`) checks the name and that only `on-failure` has a
//! count, never a negative one. This module applies both at once, a little stricter: see
//! `parse`.

use std::fmt;

/// The largest retry count docker stores (a Go `int` on the 64-bit hosts lanctl runs on).
pub const MAX_RETRIES: u64 = i64::MAX as u64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartPolicy {
    No,
    Always,
    UnlessStopped,
    /// Restart after a non-zero exit, at most `max_retries` times; 0 means without limit,
    /// which is how docker reads both `on-failure` and `on-failure:0`.
    OnFailure {
        max_retries: u64,
    },
}

impl RestartPolicy {
    /// The policy's name as docker reports it in `HostConfig.RestartPolicy.Name`.
    pub fn name(&self) -> &'static str {
        match self {
            RestartPolicy::No => "no",
            RestartPolicy::Always => "always",
            RestartPolicy::UnlessStopped => "unless-stopped",
            RestartPolicy::OnFailure { .. } => "on-failure",
        }
    }

    /// `HostConfig.RestartPolicy.MaximumRetryCount`: 0 for every policy but a counted `on-failure`.
    pub fn max_retries(&self) -> u64 {
        match self {
            RestartPolicy::OnFailure { max_retries } => *max_retries,
            _ => 0,
        }
    }
}

/// The canonical form: `no`, `always`, `unless-stopped`, `on-failure` or `on-failure:N` with
/// N > 0. Two values docker stores alike render alike (`on-failure:0` is `on-failure`).
impl fmt::Display for RestartPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max_retries() {
            0 => f.write_str(self.name()),
            n => write!(f, "{}:{n}", self.name()),
        }
    }
}

/// Parses a `--restart` value. The error is a short lower-case reason that names the value.
///
/// Refused although docker takes them, because each is more likely a slip than a wish: the
/// empty string (docker's default, `no`; write `no`), a count after the other policies even
/// when it is 0 or empty (`always:0`, `no:`), an empty count (`on-failure:`, docker's
/// unlimited; write `on-failure`), and a count with a sign (`on-failure:+3`).
pub fn parse(s: &str) -> Result<RestartPolicy, String> {
    const NAMES: &str = "no, always, unless-stopped, on-failure or on-failure:N";
    if s.is_empty() {
        return Err(format!("the restart policy is empty; docker reads that as no, so write no or one of {NAMES}"));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{s:?} contains whitespace or a control character; write one of {NAMES}"));
    }
    let (name, count) = match s.split_once(':') {
        Some((name, count)) => (name, Some(count)),
        None => (s, None),
    };
    let policy = match name {
        "" => return Err(format!("{s} has no policy before ':'")),
        "no" => RestartPolicy::No,
        "always" => RestartPolicy::Always,
        "unless-stopped" => RestartPolicy::UnlessStopped,
        "on-failure" => RestartPolicy::OnFailure { max_retries: 0 },
        _ => return Err(format!("{name} is not a docker restart policy; write one of {NAMES}")),
    };
    let Some(count) = count else { return Ok(policy) };
    if name != "on-failure" {
        return Err(format!("{s} gives a retry count, which only on-failure takes"));
    }
    if count.is_empty() {
        return Err(format!("{s} has an empty retry count; write on-failure for no limit"));
    }
    if count.strip_prefix('-').is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())) {
        return Err(format!("{s} has a negative retry count"));
    }
    // `u64::from_str` would take a leading '+'; only digits are a count here.
    if !count.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{s} has a retry count that is not a number"));
    }
    match count.parse::<u64>() {
        Ok(max_retries) if max_retries <= MAX_RETRIES => Ok(RestartPolicy::OnFailure { max_retries }),
        _ => Err(format!("{s} has a retry count larger than docker takes ({MAX_RETRIES})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_policies_render_in_canonical_form() {
        let cases = [
            ("no", RestartPolicy::No, "no"),
            ("always", RestartPolicy::Always, "always"),
            ("unless-stopped", RestartPolicy::UnlessStopped, "unless-stopped"),
            ("on-failure", RestartPolicy::OnFailure { max_retries: 0 }, "on-failure"),
            ("on-failure:0", RestartPolicy::OnFailure { max_retries: 0 }, "on-failure"),
            ("on-failure:3", RestartPolicy::OnFailure { max_retries: 3 }, "on-failure:3"),
            ("on-failure:007", RestartPolicy::OnFailure { max_retries: 7 }, "on-failure:7"),
            (
                "on-failure:9223372036854775807",
                RestartPolicy::OnFailure { max_retries: MAX_RETRIES },
                "on-failure:9223372036854775807",
            ),
        ];
        for (input, want, shown) in cases {
            let got = parse(input).unwrap_or_else(|e| panic!("{input:?} refused: {e}"));
            assert_eq!(got, want, "{input}");
            assert_eq!(got.to_string(), shown, "{input}");
            assert_eq!(parse(shown), Ok(got), "{shown} reads back");
        }
    }

    #[test]
    fn refused_policies_say_why() {
        let names = "no, always, unless-stopped, on-failure or on-failure:N";
        let cases = [
            ("", format!("the restart policy is empty; docker reads that as no, so write no or one of {names}")),
            ("no:3", "no:3 gives a retry count, which only on-failure takes".into()),
            ("always:3", "always:3 gives a retry count, which only on-failure takes".into()),
            ("always:0", "always:0 gives a retry count, which only on-failure takes".into()),
            ("unless-stopped:1", "unless-stopped:1 gives a retry count, which only on-failure takes".into()),
            ("no:", "no: gives a retry count, which only on-failure takes".into()),
            ("on-failure:", "on-failure: has an empty retry count; write on-failure for no limit".into()),
            ("on-failure:abc", "on-failure:abc has a retry count that is not a number".into()),
            ("on-failure:-1", "on-failure:-1 has a negative retry count".into()),
            ("on-failure:-", "on-failure:- has a retry count that is not a number".into()),
            ("on-failure:+3", "on-failure:+3 has a retry count that is not a number".into()),
            ("on-failure:1:2", "on-failure:1:2 has a retry count that is not a number".into()),
            ("on-failure:3.5", "on-failure:3.5 has a retry count that is not a number".into()),
            (
                "on-failure:9223372036854775808",
                "on-failure:9223372036854775808 has a retry count larger than docker takes (9223372036854775807)".into(),
            ),
            (
                "on-failure:99999999999999999999",
                "on-failure:99999999999999999999 has a retry count larger than docker takes (9223372036854775807)".into(),
            ),
            (":3", ":3 has no policy before ':'".into()),
            ("sometimes", format!("sometimes is not a docker restart policy; write one of {names}")),
            ("Always", format!("Always is not a docker restart policy; write one of {names}")),
            ("on_failure", format!("on_failure is not a docker restart policy; write one of {names}")),
            (" always", format!("\" always\" contains whitespace or a control character; write one of {names}")),
            ("always\n", format!("\"always\\n\" contains whitespace or a control character; write one of {names}")),
            ("always\0", format!("\"always\\0\" contains whitespace or a control character; write one of {names}")),
            ("on-failure: 3", format!("\"on-failure: 3\" contains whitespace or a control character; write one of {names}")),
        ];
        for (input, reason) in cases {
            assert_eq!(parse(input), Err(reason), "{input:?}");
        }
    }

    #[test]
    fn name_and_count_are_what_docker_inspect_reports() {
        let p = parse("on-failure:5").unwrap();
        assert_eq!((p.name(), p.max_retries()), ("on-failure", 5));
        assert_eq!((RestartPolicy::UnlessStopped.name(), RestartPolicy::UnlessStopped.max_retries()), ("unless-stopped", 0));
    }
}

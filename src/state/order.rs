//! Orders and judgements over what the reads found, shared by `ls`, `doctor` and the
//! checks: natural order of names, and whether a tenant should run.

use std::cmp::Ordering;

/// A tenant that should run but does not: its restart policy keeps it running
/// (`unless-stopped`, `always`), yet it is exited, as after a daemon crash that docker
/// did not recover from. `lanctl stop` sets the policy to `no`, so a tenant stopped on
/// purpose is not one.
pub fn should_run(restart_policy: &str, state: &str) -> bool {
    matches!(restart_policy, "unless-stopped" | "always") && state == "exited"
}

/// Natural order: digit runs compare as numbers, so `c-2` comes before `c-10`.
pub fn natural(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a, b);
    loop {
        match (a.is_empty(), b.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Less,
            (false, true) => return Ordering::Greater,
            _ => {}
        }
        let (ca, ra) = chunk(a);
        let (cb, rb) = chunk(b);
        let digits = |s: &str| s.as_bytes()[0].is_ascii_digit();
        let order = if digits(ca) && digits(cb) {
            // Numbers of any length: fewer significant digits is smaller, then by text.
            let (ta, tb) = (ca.trim_start_matches('0'), cb.trim_start_matches('0'));
            ta.len().cmp(&tb.len()).then_with(|| ta.cmp(tb)).then_with(|| ca.len().cmp(&cb.len()))
        } else {
            ca.cmp(cb)
        };
        if order != Ordering::Equal {
            return order;
        }
        (a, b) = (ra, rb);
    }
}

/// The leading run of digits or of other characters, and the rest.
fn chunk(s: &str) -> (&str, &str) {
    let digit = s.as_bytes()[0].is_ascii_digit();
    let end = s.bytes().position(|c| c.is_ascii_digit() != digit).unwrap_or(s.len());
    s.split_at(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_compares_numbers_as_numbers() {
        let mut names = vec!["c-10", "c-2", "c-1", "b", "c-02", "c-1a", "c-", "c-100000000000000000000000"];
        names.sort_by(|a, b| natural(a, b));
        assert_eq!(names, ["b", "c-", "c-1", "c-1a", "c-2", "c-02", "c-10", "c-100000000000000000000000"]);
    }

    #[test]
    fn only_a_run_policy_with_an_exited_container_should_run() {
        assert!(should_run("unless-stopped", "exited"));
        assert!(should_run("always", "exited"));
        assert!(!should_run("no", "exited"));
        assert!(!should_run("on-failure", "exited"));
        assert!(!should_run("unless-stopped", "running"));
        assert!(!should_run("always", "restarting"));
    }
}

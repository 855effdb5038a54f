//! Wall-clock time as text: RFC 3339 in UTC, for `check --watch`'s event lines and the
//! header of an export. Kept here, below every command, because two commands print it and
//! a command may not import another; pure arithmetic, no time-zone database.

use std::time::{SystemTime, UNIX_EPOCH};

/// `t` as RFC 3339 in UTC with milliseconds, e.g. `2026-12-07T06:12:41.123Z`.
pub fn utc(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    format!("{}.{:03}Z", civil(d.as_secs()), d.subsec_millis())
}

/// `t` as RFC 3339 in UTC to the second, e.g. `2026-12-07T06:12:41Z`: for a header that a
/// reader compares by eye.
pub fn utc_seconds(t: SystemTime) -> String {
    format!("{}Z", civil(t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()))
}

/// Seconds since 1970-01-01 as `YYYY-MM-DDTHH:MM:SS`.
fn civil(secs: u64) -> String {
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(utc(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        assert_eq!(utc(UNIX_EPOCH + Duration::from_millis(1_796_624_361_123)), "2026-12-07T06:19:21.123Z");
        assert_eq!(utc(UNIX_EPOCH + Duration::from_secs(951_782_400)), "2000-02-29T00:00:00.000Z");
        assert_eq!(utc(UNIX_EPOCH + Duration::from_secs(4_107_542_399)), "2100-02-28T23:59:59.000Z");
        assert_eq!(utc_seconds(UNIX_EPOCH + Duration::from_millis(1_796_624_361_923)), "2026-12-07T06:19:21Z");
    }
}

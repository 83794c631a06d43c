//! Calendar time: the one civil-date conversion (Howard Hinnant's
//! algorithms, proleptic Gregorian, UTC) that the CLI, the lab's price
//! loaders and the tests share.

use anyhow::{bail, Context, Result};

/// Days since 1970-01-01 of the date `y-m-d`.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `(y, m, d)` of `days` since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn fmt_unix(t: i64) -> String {
    let (y, m, d) = civil_from_days(t.div_euclid(86_400));
    let secs = t.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3_600, secs % 3_600 / 60, secs % 60)
}

/// A length of time, `90061` seconds as `1d 1h 1m 1s`, zero parts
/// dropped (`0s` for 0 or less).
pub fn fmt_duration(secs: i64) -> String {
    let mut left = secs.max(0);
    let mut out = Vec::new();
    for (unit, name) in [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")] {
        if left >= unit {
            out.push(format!("{}{name}", left / unit));
            left %= unit;
        }
    }
    if out.is_empty() {
        "0s".into()
    } else {
        out.join(" ")
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` as unix seconds (the inverse of [`fmt_unix`]).
pub fn parse_unix(s: &str) -> Result<i64> {
    let b = s.as_bytes();
    if !(b.len() == 20 && b[4] == b'-' && b[7] == b'-' && b[10] == b'T' && b[19] == b'Z') {
        bail!("`{s}` is not a time like 2024-07-04T12:04:05Z");
    }
    let num = |r: std::ops::Range<usize>| -> Result<i64> { s[r].parse().with_context(|| format!("bad time `{s}`")) };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 59 {
        bail!("`{s}` is out of range");
    }
    Ok(days_from_civil(y, m, d) * 86_400 + h * 3_600 + mi * 60 + sec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_times_render_and_parse_in_utc() {
        assert_eq!(fmt_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(fmt_unix(1_720_094_645), "2024-07-04T12:04:05Z");
        assert_eq!(fmt_unix(951_782_400), "2000-02-29T00:00:00Z");
        for t in [0, 951_782_400, 1_720_094_645, -86_401] {
            assert_eq!(parse_unix(&fmt_unix(t)).unwrap(), t);
        }
        assert!(parse_unix("2024-13-04T12:04:05Z").is_err());
    }

    #[test]
    fn durations_print_their_nonzero_parts() {
        assert_eq!(fmt_duration(90_061), "1d 1h 1m 1s");
        assert_eq!(fmt_duration(432_000), "5d");
        assert_eq!(fmt_duration(3_600), "1h");
        assert_eq!((fmt_duration(0), fmt_duration(-5)), ("0s".to_string(), "0s".to_string()));
    }
}

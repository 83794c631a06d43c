//! Display formatting of fixed-point values and times.

use ballast_risk::precision::{PRICE_DECIMALS, QUOTE_DECIMALS};

/// A fixed-point value with `decimals` decimals, all of them shown.
fn fixed(negative: bool, a: u64, decimals: u32) -> String {
    fmt_fixed(if negative { -(a as i128) } else { a as i128 }, decimals)
}

/// Any signed fixed-point value with `decimals` decimals, all shown (the
/// exact inverse of [`crate::amount::parse_fixed`]).
pub fn fmt_fixed(v: i128, decimals: u32) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let p = 10u128.pow(decimals);
    format!("{sign}{}.{:0width$}", a / p, a % p, width = decimals as usize)
}

/// A signed quote amount (collateral units) with all 6 decimals.
pub fn fmt_signed_quote(v: i128) -> String {
    fmt_fixed(v, QUOTE_DECIMALS)
}

/// A signed base amount with all 9 decimals.
pub fn fmt_base(v: i64) -> String {
    fmt_fixed(v as i128, ballast_risk::precision::BASE_DECIMALS)
}

/// A `PRICE_PRECISION` value as a decimal string with all 9 decimals.
pub fn fmt_price(v: i64) -> String {
    fixed(v < 0, v.unsigned_abs(), PRICE_DECIMALS)
}

/// A quote amount (collateral units, `QUOTE_PRECISION`) with all 6 decimals.
pub fn fmt_quote(v: u64) -> String {
    fixed(false, v, QUOTE_DECIMALS)
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (UTC, proleptic Gregorian).
pub fn fmt_unix(t: i64) -> String {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", secs / 3_600, secs % 3_600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_keep_nine_decimals_and_sign() {
        assert_eq!(fmt_price(132_724_572_490), "132.724572490");
        assert_eq!(fmt_price(-5), "-0.000000005");
        assert_eq!(fmt_price(i64::MIN), "-9223372036.854775808");
        assert_eq!(fmt_quote(1_234_500_001), "1234.500001");
        assert_eq!(fmt_signed_quote(-1_500_000), "-1.500000");
        assert_eq!(fmt_base(-2_500_000_000), "-2.500000000");
        let v = crate::amount::parse_fixed(&fmt_signed_quote(-123_456_789), 6, "x").unwrap();
        assert_eq!(v, -123_456_789, "format and parse are inverses");
    }

    #[test]
    fn unix_times_render_in_utc() {
        assert_eq!(fmt_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(fmt_unix(1_720_094_645), "2024-07-04T12:04:05Z");
        assert_eq!(fmt_unix(951_782_400), "2000-02-29T00:00:00Z");
    }
}

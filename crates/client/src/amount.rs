//! Human amounts (`100.5` USDC, `-2.5` SOL, `123.45` dollars) to native
//! units, exactly: the decimal string is split at the point and scaled with
//! integer arithmetic, never through a float. More decimals than the unit
//! has is an error, never a silent rounding.

use anyhow::{anyhow, bail, Result};

/// `text` as a signed integer with `decimals` decimals: `-2.5` with 9
/// decimals is `-2_500_000_000`. Accepts an optional sign, digits, and at
/// most one point; underscores and exponents are refused.
pub fn parse_fixed(text: &str, decimals: u32, what: &str) -> Result<i128> {
    let t = text.trim();
    let (negative, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if (int.is_empty() && frac.is_empty()) || !all_digits(int) || !all_digits(frac) {
        bail!("{what} `{text}` is not a decimal number");
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > decimals as usize {
        bail!("{what} `{text}` has more than {decimals} decimal places");
    }
    let overflow = || anyhow!("{what} `{text}` is too large");
    let int: i128 = if int.is_empty() { 0 } else { int.parse().map_err(|_| overflow())? };
    let frac_units: i128 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| overflow())? };
    let scale = 10i128.pow(decimals);
    let frac_scaled = frac_units * 10i128.pow(decimals - frac.len() as u32);
    let v = int.checked_mul(scale).and_then(|v| v.checked_add(frac_scaled)).ok_or_else(overflow)?;
    Ok(if negative { -v } else { v })
}

/// A strictly positive amount that fits `u64` (deposits, withdrawals).
pub fn parse_positive(text: &str, decimals: u32, what: &str) -> Result<u64> {
    let v = parse_fixed(text, decimals, what)?;
    if v <= 0 {
        bail!("{what} must be greater than zero, got `{text}`");
    }
    u64::try_from(v).map_err(|_| anyhow!("{what} `{text}` is too large"))
}

/// A strictly positive amount that fits `i64` (prices and sizes of
/// PRICE_PRECISION or BASE_PRECISION).
pub fn parse_positive_i64(text: &str, decimals: u32, what: &str) -> Result<i64> {
    i64::try_from(parse_positive(text, decimals, what)?).map_err(|_| anyhow!("{what} `{text}` is too large"))
}

/// A non-zero signed amount that fits `i64` (trade sizes: positive buys).
pub fn parse_nonzero(text: &str, decimals: u32, what: &str) -> Result<i64> {
    let v = parse_fixed(text, decimals, what)?;
    if v == 0 {
        bail!("{what} must not be zero");
    }
    i64::try_from(v).map_err(|_| anyhow!("{what} `{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_convert_exactly() {
        assert_eq!(parse_positive("100.5", 6, "amount").unwrap(), 100_500_000);
        assert_eq!(parse_positive("0.000001", 6, "amount").unwrap(), 1);
        assert_eq!(parse_positive("7", 6, "amount").unwrap(), 7_000_000);
        assert_eq!(parse_positive(".5", 6, "amount").unwrap(), 500_000);
        assert_eq!(parse_positive("1.500000000", 6, "amount").unwrap(), 1_500_000, "trailing zeros are exact");
        assert_eq!(parse_nonzero("-2.5", 9, "size").unwrap(), -2_500_000_000);
        assert_eq!(parse_nonzero("+0.000000001", 9, "size").unwrap(), 1);
        // 0.1 + 0.2 style inputs stay exact.
        assert_eq!(parse_fixed("0.3", 9, "price").unwrap(), 300_000_000);
        assert_eq!(parse_fixed("18446744073709.551615", 6, "amount").unwrap(), u64::MAX as i128);
    }

    #[test]
    fn bad_amounts_are_refused_with_the_reason() {
        let e = |t: &str, d| parse_positive(t, d, "amount").unwrap_err().to_string();
        assert_eq!(e("1.0000001", 6), "amount `1.0000001` has more than 6 decimal places");
        assert_eq!(e("0", 6), "amount must be greater than zero, got `0`");
        assert_eq!(e("-5", 6), "amount must be greater than zero, got `-5`");
        assert_eq!(e("1e3", 6), "amount `1e3` is not a decimal number");
        assert_eq!(e("1_000", 6), "amount `1_000` is not a decimal number");
        assert_eq!(e("", 6), "amount `` is not a decimal number");
        assert_eq!(e(".", 6), "amount `.` is not a decimal number");
        assert_eq!(e("1.2.3", 6), "amount `1.2.3` is not a decimal number");
        assert_eq!(e("18446744073709.551616", 6), "amount `18446744073709.551616` is too large");
        assert_eq!(
            e("99999999999999999999999999999999999999999", 6),
            "amount `99999999999999999999999999999999999999999` is too large"
        );
        assert_eq!(parse_nonzero("-0.0", 9, "size").unwrap_err().to_string(), "size must not be zero");
    }
}

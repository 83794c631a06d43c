//! Display formatting of fixed-point values (times: [`crate::time`]).

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

/// Dollars with cents from collateral units, thousands grouped, rounded
/// toward zero (`1,234,567.89`): for reports, never for amounts to parse.
pub fn fmt_usd(v: i128) -> String {
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let p = 10u128.pow(QUOTE_DECIMALS);
    let (dollars, cents) = (a / p, (a % p) / (p / 100));
    format!("{sign}{}.{cents:02}", fmt_grouped(dollars))
}

/// An integer with thousands grouped (`1,234,567`).
pub fn fmt_grouped(v: u128) -> String {
    let mut digits = v.to_string();
    let mut i = digits.len() as isize - 3;
    while i > 0 {
        digits.insert(i as usize, ',');
        i -= 3;
    }
    digits
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
        assert_eq!(
            (fmt_grouped(1_555_200), fmt_grouped(999), fmt_grouped(0)),
            ("1,555,200".into(), "999".into(), "0".into())
        );
        assert_eq!(fmt_usd(-1_234_567_891_234), "-1,234,567.89");
    }

    #[test]
    fn dollars_group_thousands_and_keep_the_sign() {
        assert_eq!(fmt_usd(1_234_567_890_000), "1,234,567.89");
        assert_eq!(fmt_usd(-5_000_000), "-5.00");
        assert_eq!(fmt_usd(999_999), "0.99");
    }
}

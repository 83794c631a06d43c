//! Decimal rescaling between an oracle's `(mantissa, exponent)` and Ballast's
//! fixed precision ([`crate::precision::PRICE_EXPO`]).
//!
//! Oracles publish `value = mantissa * 10^expo` with different exponents:
//! Pyth uses -8 or -10, Switchboard On-Demand -18 on an `i128`, Switchboard v2
//! a per-value scale up to 28. Exponents outside [`MIN_EXPO`, `MAX_EXPO`] are
//! rejected as [`MathError::ExponentOutOfRange`].

use crate::math::{pow10, MathError, SafeMath};
use crate::precision::PRICE_EXPO;

/// Smallest accepted source exponent.
pub const MIN_EXPO: i32 = -38;
/// Largest accepted source exponent.
pub const MAX_EXPO: i32 = 18;

/// Rounding direction of a rescale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Round {
    /// Toward zero (floor for positive values).
    Down,
    /// Away from zero (ceil for positive values): used for confidence, so a
    /// tiny non-zero uncertainty never becomes zero.
    Up,
}

/// Rescale `mantissa * 10^expo` into units of `10^PRICE_EXPO`, as `i64`.
///
/// Errors: [`MathError::ExponentOutOfRange`] for exponents outside the
/// supported range, [`MathError::Overflow`] if the result does not fit `i64`.
pub fn to_price_units(mantissa: i128, expo: i32, round: Round) -> Result<i64, MathError> {
    let magnitude = to_price_units_abs(mantissa.unsigned_abs(), expo, round)?;
    let magnitude = i64::try_from(magnitude).map_err(|_| MathError::Overflow)?;
    Ok(if mantissa < 0 { -magnitude } else { magnitude })
}

/// Rescale a non-negative `mantissa * 10^expo` into `10^PRICE_EXPO` units as
/// `u64`. Used for confidence intervals and standard deviations.
pub fn to_price_units_u64(mantissa: u128, expo: i32, round: Round) -> Result<u64, MathError> {
    let v = to_price_units_abs(mantissa, expo, round)?;
    u64::try_from(v).map_err(|_| MathError::Overflow)
}

fn to_price_units_abs(mantissa: u128, expo: i32, round: Round) -> Result<u128, MathError> {
    if !(MIN_EXPO..=MAX_EXPO).contains(&expo) {
        return Err(MathError::ExponentOutOfRange);
    }
    let shift = expo.safe_sub(PRICE_EXPO)?;
    if shift >= 0 {
        mantissa.safe_mul(pow10(shift.unsigned_abs())?)
    } else {
        let d = pow10(shift.unsigned_abs())?;
        let q = mantissa / d;
        match round {
            Round::Down => Ok(q),
            Round::Up if !mantissa.is_multiple_of(d) => q.safe_add(1),
            Round::Up => Ok(q),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pyth_expo_minus_8_scales_up_by_ten() {
        // 132.72457249 at expo -8 -> 132.724572490 at expo -9.
        assert_eq!(to_price_units(13_272_457_249, -8, Round::Down), Ok(132_724_572_490));
    }

    #[test]
    fn switchboard_expo_minus_18_rounds_by_direction() {
        let v: i128 = 155_594_045_270_000_000_001; // 155.594045270000000001
        assert_eq!(to_price_units(v, -18, Round::Down), Ok(155_594_045_270));
        assert_eq!(to_price_units(v, -18, Round::Up), Ok(155_594_045_271));
    }

    #[test]
    fn negative_values_keep_their_sign() {
        assert_eq!(to_price_units(-15, -8, Round::Down), Ok(-150));
    }

    #[test]
    fn extreme_exponents_are_errors_not_panics() {
        assert_eq!(to_price_units(1, 19, Round::Down), Err(MathError::ExponentOutOfRange));
        assert_eq!(to_price_units(1, -39, Round::Down), Err(MathError::ExponentOutOfRange));
        assert_eq!(to_price_units(i128::MAX, 0, Round::Down), Err(MathError::Overflow));
        assert_eq!(to_price_units(i128::MIN, -38, Round::Up), Ok(-1_701_411_835));
        assert_eq!(to_price_units_u64(u128::MAX, 18, Round::Up), Err(MathError::Overflow));
    }

    proptest! {
        #![proptest_config(crate::props())]
        #[test]
        fn rescale_never_panics_and_up_is_down_plus_at_most_one(m in any::<i128>(), e in -60i32..60) {
            let down = to_price_units(m, e, Round::Down);
            let up = to_price_units(m, e, Round::Up);
            if let (Ok(d), Ok(u)) = (down, up) {
                prop_assert!(u.unsigned_abs() - d.unsigned_abs() <= 1);
            }
        }
    }
}

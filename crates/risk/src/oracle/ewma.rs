//! Time-weighted exponential averages in integer math.
//!
//! A continuous-time EMA with half-life `h` gives a new observation that
//! arrives after `dt` seconds the weight `1 - 2^(-dt/h)`. We use the rational
//! approximation `dt / (dt + tau)` with `tau = h / ln 2`, which is exact to
//! first order for small `dt`, tends to 1 for large gaps, and is a convex
//! combination, so the average always lies between the old value and the
//! observation (proved by the property test below).

use crate::math::{isqrt, MathError, SafeMath};
use crate::precision::{BPS_DENOMINATOR, INV_LN2_E4, RETURN_PRECISION, SECONDS_PER_YEAR, VARIANCE_PRECISION};

/// Integer weights `(w_old, w_new)` of an EWMA step of `dt_secs` with
/// half-life `half_life_secs`: `w_old = h * 14427`, `w_new = dt * 10000`.
/// `dt` is clamped to `u32::MAX` seconds (136 years: the weight is already
/// ~1), which keeps every product inside `i128`.
pub fn ewma_weights(dt_secs: u64, half_life_secs: u32) -> (u128, u128) {
    let w_old = (half_life_secs as u128) * INV_LN2_E4;
    let w_new = (dt_secs.min(u32::MAX as u64) as u128) * BPS_DENOMINATOR as u128;
    (w_old, w_new)
}

/// One EWMA step: `(old * w_old + obs * w_new) / (w_old + w_new)`, rounded
/// toward negative infinity, so the result is in `[min(old, obs), max(old, obs)]`.
/// With `dt_secs == 0` the old value is returned unchanged.
pub fn ewma(old: i64, obs: i64, dt_secs: u64, half_life_secs: u32) -> Result<i64, MathError> {
    let (w_old, w_new) = ewma_weights(dt_secs, half_life_secs);
    let total = w_old.safe_add(w_new)?;
    if w_new == 0 || total == 0 {
        return Ok(old);
    }
    // Weights fit in u64·10^4, values in i64: products fit in i128.
    let num = (old as i128).safe_mul(w_old as i128)?.safe_add((obs as i128).safe_mul(w_new as i128)?)?;
    let q = num.div_euclid(total as i128);
    i64::try_from(q).map_err(|_| MathError::Overflow)
}

/// Approximate log-return `ln(p1/p0)` by `2 (p1 - p0) / (p1 + p0)`, accurate
/// to third order and bounded in (-2, 2). precision: RETURN_PRECISION.
pub fn approx_log_return(p0: i64, p1: i64) -> Result<i128, MathError> {
    if p0 <= 0 || p1 <= 0 {
        return Err(MathError::DivideByZero);
    }
    let diff = (p1 as i128).safe_sub(p0 as i128)?;
    let sum = (p1 as i128).safe_add(p0 as i128)?;
    diff.safe_mul(2 * RETURN_PRECISION)?.safe_div(sum)
}

/// Variance-rate sample from one return: `r^2 / dt`, per second.
/// precision: VARIANCE_PRECISION. Always < 4 * 10^18, so it fits `u64`.
pub fn variance_sample(log_return: i128, dt_secs: u64) -> Result<u64, MathError> {
    let r = log_return.unsigned_abs();
    let sq = r.safe_mul(r)?;
    let per_sec = sq.safe_div(dt_secs.max(1) as u128)?;
    u64::try_from(per_sec).map_err(|_| MathError::Overflow)
}

/// Annualised volatility in bps from a variance rate per second
/// (precision VARIANCE_PRECISION): `sqrt(var * year) * 10^4`, rounded down.
pub fn vol_bps(variance_rate: u64) -> Result<u64, MathError> {
    let annual = (variance_rate as u128).safe_mul(SECONDS_PER_YEAR)?;
    // sqrt(annual / 1e18) * 1e4 = sqrt(annual) / 1e5.
    let root = isqrt(annual);
    let bps = root / (isqrt(VARIANCE_PRECISION) / BPS_DENOMINATOR as u128);
    u64::try_from(bps).map_err(|_| MathError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn one_half_life_moves_about_forty_one_percent() {
        // dt = h gives weight 1/(1 + 1.4427) = 0.409 (exact: 0.5).
        let v = ewma(0, 1_000_000, 600, 600).unwrap();
        assert_eq!(v, 409_383);
        assert_eq!(ewma(123, 999, 0, 600).unwrap(), 123);
    }

    #[test]
    fn log_return_approximation() {
        // ln(1.1) = 0.09531; 2*0.1/2.1 = 0.095238.
        assert_eq!(approx_log_return(100, 110).unwrap(), 95_238_095);
        assert_eq!(approx_log_return(110, 100).unwrap(), -95_238_095);
        assert!(approx_log_return(0, 100).is_err());
    }

    #[test]
    fn vol_of_eighty_percent_round_trips() {
        // 80 % annual -> variance 0.64 / year -> per second 0.64 / 31_536_000.
        let rate = (64 * VARIANCE_PRECISION / 100 / SECONDS_PER_YEAR) as u64;
        let bps = vol_bps(rate).unwrap();
        assert!((7_999..=8_000).contains(&bps), "{bps}");
        assert_eq!(vol_bps(0).unwrap(), 0);
        assert!(vol_bps(u64::MAX).is_ok());
    }

    proptest! {
        #![proptest_config(crate::props())]
        #[test]
        fn ema_stays_between_old_value_and_new_price(
            old in any::<i64>(), obs in any::<i64>(), dt in any::<u64>(), h in 1u32..=604_800,
        ) {
            let v = ewma(old, obs, dt, h).unwrap();
            prop_assert!(v >= old.min(obs) && v <= old.max(obs));
        }

        #[test]
        fn variance_sample_fits_for_any_positive_prices(p0 in 1i64.., p1 in 1i64.., dt in any::<u64>()) {
            let r = approx_log_return(p0, p1).unwrap();
            prop_assert!(variance_sample(r, dt).is_ok());
        }
    }
}

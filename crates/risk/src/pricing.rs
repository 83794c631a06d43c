//! Fill prices against the pool: oracle price +- a spread that widens with
//! the oracle's confidence and with the pool's skew.
//!
//! `spread = base + conf_bps * conf_mult + skew_spread * min(skew, 100 %)`,
//! capped at `max_spread`, where `conf_bps = conf / price` and `skew` is the
//! pool's notional in the market after the fill over the pool's depth (its
//! recorded balance), charged only on fills that grow that skew. Buys fill at
//! `price * (1 + spread)` rounded up, sells at `price * (1 - spread)` rounded
//! down: always against the trader.

use crate::math::{MathError, SafeMath};
use crate::position::notional_ceil;
use crate::precision::BPS_DENOMINATOR;

/// Spread parameters of a market (all bps).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpreadParams {
    /// Always charged.
    pub base_spread_bps: u32,
    /// Multiplier on conf/price (10_000 = conf/price added 1:1).
    pub conf_spread_mult_bps: u32,
    /// Added at full skew (pool notional equal to pool depth).
    pub skew_spread_bps: u32,
    /// Cap on the total.
    pub max_spread_bps: u32,
}

/// The pool's situation around one fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolSkew {
    /// Pool base in the market before the fill. precision: BASE_PRECISION.
    pub pool_base_before: i64,
    /// Pool base after the fill (the trader's fill, negated, added).
    pub pool_base_after: i64,
    /// Pool depth: its recorded balance. precision: QUOTE_PRECISION.
    pub pool_depth: u64,
}

/// The spread of a fill, bps, capped at `max_spread_bps`.
pub fn spread_bps(params: &SpreadParams, price: i64, conf: u64, skew: &PoolSkew) -> Result<u32, MathError> {
    if price <= 0 {
        return Err(MathError::DivideByZero);
    }
    let bps = BPS_DENOMINATOR as u128;
    let conf_bps = (conf as u128).safe_mul(bps)?.div_ceil(price as u128);
    let mut s = (params.base_spread_bps as u128)
        .safe_add(conf_bps.safe_mul(params.conf_spread_mult_bps as u128)?.div_ceil(bps))?;
    if skew.pool_base_after.unsigned_abs() > skew.pool_base_before.unsigned_abs() {
        let notional = notional_ceil(skew.pool_base_after, price)? as u128;
        let ratio = notional.safe_mul(bps)?.div_ceil(skew.pool_depth.max(1) as u128).min(bps);
        s = s.safe_add((params.skew_spread_bps as u128).safe_mul(ratio)?.div_ceil(bps))?;
    }
    Ok(s.min(params.max_spread_bps as u128) as u32)
}

/// Execution price of a buy (`buy`) or sell at `price` with `spread_bps`.
/// precision: PRICE_PRECISION. A sell's price is at least 1.
pub fn exec_price(price: i64, buy: bool, spread_bps: u32) -> Result<i64, MathError> {
    let bps = BPS_DENOMINATOR as u128;
    let p = u128::try_from(price)?;
    let e = if buy {
        p.safe_mul(bps.safe_add(spread_bps as u128)?)?.div_ceil(bps)
    } else {
        (p.safe_mul(bps.saturating_sub(spread_bps as u128))? / bps).max(1)
    };
    Ok(i64::try_from(e)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const P: i64 = 1_000_000_000;
    const PARAMS: SpreadParams =
        SpreadParams { base_spread_bps: 5, conf_spread_mult_bps: 10_000, skew_spread_bps: 100, max_spread_bps: 300 };
    const FLAT: PoolSkew = PoolSkew { pool_base_before: 0, pool_base_after: 0, pool_depth: 1_000_000 };

    #[test]
    fn spread_adds_base_conf_and_skew_terms() {
        assert_eq!(spread_bps(&PARAMS, 100 * P, 0, &FLAT), Ok(5));
        // conf 0.1 % adds 10 bps.
        assert_eq!(spread_bps(&PARAMS, 100 * P, (P / 10) as u64, &FLAT), Ok(15));
        // Pool goes short 1 unit at 100 against a depth of 1_000: skew 10 % -> +10 bps.
        let skew = PoolSkew { pool_base_before: 0, pool_base_after: -P, pool_depth: 1_000_000_000 };
        assert_eq!(spread_bps(&PARAMS, 100 * P, 0, &skew), Ok(15));
        // A fill that reduces the pool's skew pays no skew term.
        let back = PoolSkew { pool_base_before: -2 * P, pool_base_after: -P, pool_depth: 1_000_000_000 };
        assert_eq!(spread_bps(&PARAMS, 100 * P, 0, &back), Ok(5));
        assert_eq!(spread_bps(&PARAMS, 100 * P, (50 * P) as u64, &FLAT), Ok(300), "capped");
    }

    #[test]
    fn exec_prices_round_against_the_trader() {
        assert_eq!(exec_price(100 * P, true, 10), Ok(100_100_000_000));
        assert_eq!(exec_price(100 * P, false, 10), Ok(99_900_000_000));
        assert_eq!(exec_price(3, true, 1), Ok(4));
        assert_eq!(exec_price(3, false, 1), Ok(2));
        assert_eq!(exec_price(5, false, 10_000), Ok(1));
        assert_eq!(exec_price(-1, true, 0), Err(MathError::Overflow));
    }

    proptest! {
        #![proptest_config(crate::props())]

        #[test]
        fn buys_never_fill_below_and_sells_never_above_the_oracle(
            price in 1..i64::MAX / 20_000, conf in 0u64..u64::MAX / 20_000, before in any::<i64>(), after in any::<i64>(), depth in any::<u64>(),
        ) {
            let skew = PoolSkew { pool_base_before: before, pool_base_after: after, pool_depth: depth };
            if let Ok(s) = spread_bps(&PARAMS, price, conf, &skew) {
                prop_assert!(s <= PARAMS.max_spread_bps);
                prop_assert!(exec_price(price, true, s).unwrap() >= price);
                prop_assert!(exec_price(price, false, s).unwrap() <= price);
            }
        }

        #[test]
        fn spread_never_falls_as_confidence_widens(price in 1..1_000_000 * P, c1 in 0u64..1_000_000, dc in 0u64..1_000_000) {
            let a = spread_bps(&PARAMS, price, c1, &FLAT).unwrap();
            let b = spread_bps(&PARAMS, price, c1 + dc, &FLAT).unwrap();
            prop_assert!(b >= a);
        }
    }
}

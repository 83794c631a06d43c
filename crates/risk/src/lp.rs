//! Liquidity-provider shares of the pool.
//!
//! Shares are minted rounding down and burned rounding up, so neither a
//! deposit nor a withdrawal can take value from the other LPs. NAV is the
//! pool's recorded balance plus its conservatively valued unrealised PnL; the
//! recorded balance ignores tokens sent straight to the vault, so a donation
//! cannot inflate the share price (the first-depositor attack).

use crate::health::{biased_value, requirement, PositionRisk};
use crate::math::{MathError, SafeMath};

/// The pool's value and what it must keep to cover its exposure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolValuation {
    /// Recorded balance plus the pool's positions valued against the pool
    /// (longs at `p - k*conf`, shorts at `p + k*conf`), floored at zero.
    /// precision: QUOTE_PRECISION.
    pub nav: u64,
    /// Worst-case exposure: the initial requirement of every pool position,
    /// rounded up. An LP withdrawal may not take NAV below it.
    /// precision: QUOTE_PRECISION.
    pub requirement: u128,
}

/// Value the pool: `balance` plus its per-market positions (the mirror of the
/// traders', `{pool_base, pool_quote}`, with each market's price and ratios).
pub fn pool_valuation(balance: u64, positions: &[PositionRisk]) -> Result<PoolValuation, MathError> {
    let mut value = balance as i128;
    let mut req = 0u128;
    for p in positions {
        value = value.safe_add(biased_value(p)?)?;
        req = req.safe_add(requirement(p.position.base, p.price, p.conf, p.conf_mult_bps, p.ratios.imr_bps)?)?;
    }
    Ok(PoolValuation { nav: u64::try_from(value.max(0))?, requirement: req })
}

/// Shares minted for depositing `amount` into a pool with `nav` and `supply`
/// shares, rounded down. The first deposit (or one into an empty pool with
/// no NAV) mints 1 share per quote unit. Zero NAV with outstanding shares
/// is an error: the pool is insolvent and its shares worthless.
pub fn shares_for_deposit(amount: u64, nav: u64, supply: u64) -> Result<u64, MathError> {
    if supply == 0 {
        return Ok(amount);
    }
    if nav == 0 {
        return Err(MathError::DivideByZero);
    }
    Ok(u64::try_from((amount as u128).safe_mul(supply as u128)? / nav as u128)?)
}

/// Quote paid out for burning `shares`, rounded down.
pub fn amount_for_shares(shares: u64, nav: u64, supply: u64) -> Result<u64, MathError> {
    if supply == 0 {
        return Err(MathError::DivideByZero);
    }
    Ok(u64::try_from((shares as u128).safe_mul(nav as u128)? / supply as u128)?)
}

/// Shares burned to withdraw exactly `amount`, rounded up.
pub fn shares_to_burn(amount: u64, nav: u64, supply: u64) -> Result<u64, MathError> {
    if nav == 0 {
        return Err(MathError::DivideByZero);
    }
    Ok(u64::try_from((amount as u128).safe_mul(supply as u128)?.div_ceil(nav as u128))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pool_valuation_counts_positions_against_the_pool() {
        use crate::health::MarginRatios;
        use crate::position::Position;
        // Pool short 1 unit entered at 100 (quote +100), price now 110 +- 1.
        let p = PositionRisk {
            position: Position { base: -1_000_000_000, quote: 100_000_000 },
            price: 110_000_000_000,
            conf: 1_000_000_000,
            conf_mult_bps: 10_000,
            ratios: MarginRatios { imr_bps: 1_000, mmr_bps: 500 },
        };
        let v = pool_valuation(1_000_000_000, &[p]).unwrap();
        assert_eq!(v.nav, 1_000_000_000 - 11_000_000, "short valued at 111");
        assert_eq!(v.requirement, 11_100_000);
        assert_eq!(pool_valuation(0, &[p]).unwrap().nav, 0, "floored at zero");
    }

    #[test]
    fn first_deposit_is_one_to_one_and_later_ones_pro_rata() {
        assert_eq!(shares_for_deposit(1_000, 0, 0), Ok(1_000));
        assert_eq!(shares_for_deposit(100, 2_000, 1_000), Ok(50));
        assert_eq!(shares_for_deposit(1, 3, 1), Ok(0), "rounds down");
        assert_eq!(shares_for_deposit(1, 0, 10), Err(MathError::DivideByZero));
        assert_eq!(amount_for_shares(10, 3, 20), Ok(1));
        assert_eq!(shares_to_burn(1, 3, 20), Ok(7));
    }

    proptest! {
        #![proptest_config(crate::props())]

        #[test]
        fn deposit_then_full_withdraw_returns_at_most_what_went_in(
            nav in 1u64..1_000_000_000_000_000, supply in 1u64..1_000_000_000_000_000, amount in 0u64..1_000_000_000_000,
        ) {
            let minted = shares_for_deposit(amount, nav, supply).unwrap();
            let out = amount_for_shares(minted, nav + amount, supply + minted).unwrap();
            prop_assert!(out <= amount);
        }

        #[test]
        fn burning_for_an_amount_never_costs_less_than_its_value(
            nav in 1u64..1_000_000_000_000_000, supply in 1u64..1_000_000_000_000_000, amount in 0u64..1_000_000_000_000,
        ) {
            let burn = shares_to_burn(amount, nav, supply).unwrap();
            prop_assert!(burn as u128 * nav as u128 >= amount as u128 * supply as u128);
        }
    }
}

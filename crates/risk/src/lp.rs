//! Liquidity-provider shares of the pool.
//!
//! Shares are minted rounding down and burned rounding up, so neither a
//! deposit nor a withdrawal can take value from the other LPs. NAV is the
//! pool's recorded balance plus its conservatively valued unrealised PnL; the
//! recorded balance ignores tokens sent straight to the vault, so a donation
//! cannot inflate the share price (the first-depositor attack).

use crate::math::{MathError, SafeMath};

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
    fn first_deposit_is_one_to_one_and_later_ones_pro_rata() {
        assert_eq!(shares_for_deposit(1_000, 0, 0), Ok(1_000));
        assert_eq!(shares_for_deposit(100, 2_000, 1_000), Ok(50));
        assert_eq!(shares_for_deposit(1, 3, 1), Ok(0), "rounds down");
        assert_eq!(shares_for_deposit(1, 0, 10), Err(MathError::DivideByZero));
        assert_eq!(amount_for_shares(10, 3, 20), Ok(1));
        assert_eq!(shares_to_burn(1, 3, 20), Ok(7));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]

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

//! Liquidity-provider shares of the pool.
//!
//! Shares are minted rounding down and burned rounding up, so neither a
//! deposit nor a withdrawal can take value from the other LPs. NAV is the
//! pool's recorded balance plus its conservatively valued unrealised PnL; the
//! recorded balance ignores tokens sent straight to the vault, so a donation
//! cannot inflate the share price (the first-depositor attack).

use crate::health::{biased_price, biased_value, requirement, PositionRisk};
use crate::math::{MathError, SafeMath};
use crate::precision::NOTIONAL_DIVISOR;

/// Shares locked forever by the first deposit into a pool without shares
/// (1 USDC at 6 decimals): no LP holds them, so the first depositor can
/// never own the whole supply, and no later rounding can be steered by
/// inflating the value of a tiny supply.
pub const LOCKED_SHARES: u64 = 1_000_000;

/// One market's pool exposure, as the valuation needs it. Each position is
/// priced by the engine at the end of the sources' range named here.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolLeg {
    /// The pool's mirror position at the end adverse to the pool: NAV for
    /// burning.
    pub pool_adverse: PositionRisk,
    /// The same at the price its exposure requirement is taken at (the
    /// adverse end, never lowered by a gain's vesting).
    pub pool_requirement: PositionRisk,
    /// The pool's mirror position at the end favourable to the pool: NAV
    /// for minting.
    pub pool_favourable: PositionRisk,
    /// The traders' long side as one position (`long_oi`, the longs'
    /// quote), at the end favourable to the longs.
    pub longs: PositionRisk,
    /// The traders' short side as one position, at the end favourable to
    /// the shorts.
    pub shorts: PositionRisk,
}

/// The pool's value and what it must keep to cover its exposure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolValuation {
    /// Recorded balance plus the pool's positions valued against the pool
    /// (longs at `p - k*conf`, shorts at `p + k*conf`, each at the adverse
    /// source), floored at zero: what a burned share is worth.
    /// precision: QUOTE_PRECISION.
    pub nav: u64,
    /// The same at the end favourable to the pool (`p + k*conf` for its
    /// longs, `p - k*conf` for its shorts), rounded up, plus the deficits
    /// owed to the pool: what a minted share costs. Never below `nav`, so a
    /// deposit followed by a withdrawal cannot gain when confidence narrows
    /// or a deficit is recovered in between.
    /// precision: QUOTE_PRECISION.
    pub mint_nav: u64,
    /// Worst-case exposure: the initial requirement of every pool position,
    /// rounded up. An LP withdrawal may not take NAV below it.
    /// precision: QUOTE_PRECISION.
    pub requirement: u128,
    /// Profits the pool owes traders now: per market, each side's
    /// aggregate unrealised PnL where positive (valued in the traders'
    /// favour), summed without netting the sides, whose losses still sit
    /// in the collateral vault. An LP withdrawal must leave this much cash.
    /// precision: QUOTE_PRECISION.
    pub owed: u64,
}

/// Value of a position at the price most favourable to its holder
/// (`p + k*conf` for a long, `p - k*conf` for a short), rounded up.
/// precision: QUOTE_PRECISION.
pub fn favourable_value(p: &PositionRisk) -> Result<i128, MathError> {
    let side = if p.position.base > 0 { -1 } else { 1 };
    let price = biased_price(side, p.price, p.conf, p.conf_mult_bps)?;
    let v = (p.position.base as i128).safe_mul(price as i128)?;
    let ceil = v.safe_add(NOTIONAL_DIVISOR - 1)?.div_euclid(NOTIONAL_DIVISOR);
    ceil.safe_add(p.position.quote as i128)
}

/// Value the pool: `balance` plus its per-market positions, and what it
/// owes the traders' winning sides. `receivable` (deficits owed to the
/// pool) counts only in the minting NAV: it may arrive at any moment (a
/// repayment, the insurance fund), so a deposit pays for it, and a
/// withdrawal is not paid for it until it has. `unsettled` (realised gains
/// the pool owes and has not paid) is a liability: out of both NAVs, and
/// part of what it owes.
pub fn pool_valuation(
    balance: u64,
    receivable: u64,
    unsettled: u64,
    legs: &[PoolLeg],
) -> Result<PoolValuation, MathError> {
    let cash = (balance as i128).safe_sub(unsettled as i128)?;
    let mint_start = cash.safe_add(receivable as i128)?;
    let (mut value, mut mint_value, mut req, mut owed) = (cash, mint_start, 0u128, unsettled as i128);
    for l in legs {
        let p = &l.pool_adverse;
        value = value.safe_add(biased_value(p)?)?;
        mint_value = mint_value.safe_add(favourable_value(&l.pool_favourable)?)?;
        let r = &l.pool_requirement;
        req = req.safe_add(requirement(r.position.base, r.price, r.conf, r.conf_mult_bps, r.ratios.imr_bps)?)?;
        owed = owed.safe_add(favourable_value(&l.longs)?.max(0))?.safe_add(favourable_value(&l.shorts)?.max(0))?;
    }
    Ok(PoolValuation {
        nav: u64::try_from(value.max(0))?,
        mint_nav: u64::try_from(mint_value.max(value).max(0))?,
        requirement: req,
        owed: u64::try_from(owed)?,
    })
}

/// Shares minted for depositing `amount` into a pool with `supply` shares
/// whose minting NAV is `mint_nav`, rounded down. Into a pool without
/// shares see [`first_deposit`]. Zero NAV with outstanding shares is an
/// error: the pool is insolvent and its shares worthless.
pub fn shares_for_deposit(amount: u64, mint_nav: u64, supply: u64) -> Result<u64, MathError> {
    if supply == 0 || mint_nav == 0 {
        return Err(MathError::DivideByZero);
    }
    Ok(u64::try_from((amount as u128).safe_mul(supply as u128)? / mint_nav as u128)?)
}

/// The first deposit into a pool without shares, at one share per quote
/// unit: `(to the depositor, locked)`. The locked shares are
/// [`LOCKED_SHARES`] of the deposit plus one per unit of value the pool
/// already holds without owners (income booked while nobody held shares),
/// which the depositor must not capture. `None` if `amount` does not exceed
/// [`LOCKED_SHARES`].
pub fn first_deposit(amount: u64, mint_nav: u64) -> Option<(u64, u64)> {
    let to_depositor = amount.checked_sub(LOCKED_SHARES).filter(|s| *s > 0)?;
    Some((to_depositor, mint_nav.checked_add(LOCKED_SHARES)?))
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

    fn risk(base: i64, quote: i64, price: i64, conf: u64) -> PositionRisk {
        use crate::health::MarginRatios;
        use crate::position::Position;
        PositionRisk {
            position: Position { base, quote },
            price,
            conf,
            conf_mult_bps: 10_000,
            ratios: MarginRatios { imr_bps: 1_000, mmr_bps: 500 },
        }
    }

    #[test]
    fn pool_valuation_counts_positions_against_the_pool_and_owes_each_winning_side() {
        // Pool short 1 unit entered at 100 (quote +100), price now 110 +- 1.
        let p = risk(-1_000_000_000, 100_000_000, 110_000_000_000, 1_000_000_000);
        // The traders: longs +2 units from 100 (+20 at 110, +22 at 111);
        // shorts -1 unit from 100 (-10 at 110, at best -9 at 109).
        let longs = risk(2_000_000_000, -200_000_000, 110_000_000_000, 1_000_000_000);
        let shorts = risk(-1_000_000_000, 100_000_000, 110_000_000_000, 1_000_000_000);
        let leg = PoolLeg { pool_adverse: p, pool_requirement: p, pool_favourable: p, longs, shorts };
        let v = pool_valuation(1_000_000_000, 0, 0, &[leg]).unwrap();
        assert_eq!(v.nav, 1_000_000_000 - 11_000_000, "short valued at 111");
        assert_eq!(v.mint_nav, 1_000_000_000 - 9_000_000, "short valued at 109 to mint");
        assert_eq!(v.requirement, 11_100_000);
        assert_eq!(v.owed, 22_000_000, "the longs' gain; the shorts' loss is not netted");
        assert_eq!(pool_valuation(0, 0, 0, &[leg]).unwrap().nav, 0, "floored at zero");
        let owed_to_pool = pool_valuation(1_000_000_000, 5_000_000, 0, &[leg]).unwrap();
        assert_eq!((owed_to_pool.nav, owed_to_pool.mint_nav), (v.nav, v.mint_nav + 5_000_000), "receivable mints only");
        let owing = pool_valuation(1_000_000_000, 0, 3_000_000, &[leg]).unwrap();
        assert_eq!(
            (owing.nav, owing.mint_nav, owing.owed),
            (v.nav - 3_000_000, v.mint_nav - 3_000_000, v.owed + 3_000_000),
            "unsettled PnL is a liability"
        );
    }

    #[test]
    fn the_first_deposit_locks_shares_and_later_ones_mint_pro_rata() {
        assert_eq!(first_deposit(1_000 + LOCKED_SHARES, 0), Some((1_000, LOCKED_SHARES)));
        assert_eq!(
            first_deposit(2 * LOCKED_SHARES, 500),
            Some((LOCKED_SHARES, LOCKED_SHARES + 500)),
            "ownerless value"
        );
        assert_eq!(first_deposit(LOCKED_SHARES, 0), None);
        assert_eq!(shares_for_deposit(100, 2_000, 1_000), Ok(50));
        assert_eq!(shares_for_deposit(1, 3, 1), Ok(0), "rounds down");
        assert_eq!(shares_for_deposit(1, 0, 10), Err(MathError::DivideByZero));
        assert_eq!(amount_for_shares(10, 3, 20), Ok(1));
        assert_eq!(shares_to_burn(1, 3, 20), Ok(7));
    }

    proptest! {
        #![proptest_config(crate::props())]

        #[test]
        fn deposit_at_the_mint_nav_then_withdraw_at_any_burn_nav_not_above_it_returns_at_most_what_went_in(
            mint_nav in 1u64..1_000_000_000_000_000, burn_bps in 0u64..=10_000,
            supply in 1u64..1_000_000_000_000_000, amount in 0u64..1_000_000_000_000,
        ) {
            // Confidence may narrow in between: the burn NAV is anywhere up
            // to the NAV the shares were minted at.
            let minted = shares_for_deposit(amount, mint_nav, supply).unwrap();
            let burn_nav = (mint_nav as u128 * burn_bps as u128 / 10_000) as u64;
            let out = amount_for_shares(minted, burn_nav + amount, supply + minted).unwrap();
            prop_assert!(out <= amount);
        }

        #[test]
        fn the_first_depositor_never_owns_more_than_it_put_in(
            amount in 0u64..1_000_000_000_000, ownerless in 0u64..1_000_000_000_000,
        ) {
            if let Some((mine, locked)) = first_deposit(amount, ownerless) {
                let out = amount_for_shares(mine, ownerless + amount, mine + locked).unwrap();
                prop_assert!(out <= amount);
            }
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

use super::*;
use proptest::prelude::*;

#[test]
fn a_gain_the_pool_can_pay_is_paid_in_full() {
    let p = pay_from_pool(1_000, 500, 10, 10_000).unwrap();
    assert_eq!(p, Payout { collateral: 1_490, fee: 10, unsettled: 0, pool_to_collateral: 500 });
}

#[test]
fn the_shortfall_of_a_gain_becomes_unsettled() {
    // The pool has 200 of the 500 gain: 300 waits; the fee is paid.
    let p = pay_from_pool(1_000, 500, 10, 200).unwrap();
    assert_eq!(p, Payout { collateral: 1_190, fee: 10, unsettled: 300, pool_to_collateral: 200 });
    // An empty pool: the whole gain waits, the fee comes out of collateral.
    let p = pay_from_pool(1_000, 500, 10, 0).unwrap();
    assert_eq!(p, Payout { collateral: 990, fee: 10, unsettled: 500, pool_to_collateral: 0 });
}

#[test]
fn the_pools_shortage_never_makes_an_account_bankrupt() {
    // 5 of collateral, a fee of 10, an empty pool: the fee is cut to 5.
    let p = pay_from_pool(5, 500, 10, 0).unwrap();
    assert_eq!(p, Payout { collateral: 0, fee: 5, unsettled: 500, pool_to_collateral: 0 });
}

#[test]
fn a_gain_repaying_a_deficit_needs_no_cash_for_the_repaid_part() {
    // Owes 100, gains 500, fee 10: 390 of positive collateral plus the fee
    // from the pool; with 100 of cash, 300 waits.
    let p = pay_from_pool(-100, 500, 10, 100).unwrap();
    assert_eq!(p, Payout { collateral: 90, fee: 10, unsettled: 300, pool_to_collateral: 100 });
}

#[test]
fn a_loss_is_unchanged_by_the_pools_cash() {
    let p = pay_from_pool(1_000, -300, 10, 0).unwrap();
    assert_eq!(p, Payout { collateral: 690, fee: 10, unsettled: 0, pool_to_collateral: -300 });
}

#[test]
fn settlement_is_pro_rata_when_cash_is_short() {
    assert_eq!(settlement(300, 1_000, 500), Ok(150));
    assert_eq!(settlement(300, 1_000, 1_000), Ok(300));
    assert_eq!(settlement(0, 1_000, 1_000), Ok(0));
    assert_eq!(settlement(300, 1_000, 0), Ok(0));
}

#[test]
fn adl_triggers_above_the_factor_and_stops_at_the_target() {
    assert_eq!(adl_triggered(900, 1_000, 9_000), Ok(false), "at the factor is not above it");
    assert_eq!(adl_triggered(901, 1_000, 9_000), Ok(true));
    assert_eq!(adl_triggered(1, -5, 9_000), Ok(true), "owing more than it holds");
    assert_eq!(adl_triggered(0, -5, 9_000), Ok(false));
    // 950 owed on 1,000: crystallise 750 to reach 200 / 250 = 80 %.
    assert_eq!(adl_amount(950, 1_000, 8_000), Ok(750));
    assert_eq!(adl_amount(950, -10, 8_000), Ok(950), "the pool is short: everything");
    assert_eq!(adl_amount(100, 1_000, 8_000), Ok(0), "below the target: nothing");
    assert_eq!(adl_amount(100, 1_000, 10_000), Err(MathError::DivideByZero));
}

#[test]
fn the_rank_orders_by_return_times_leverage() {
    // 10 % return at 5x ranks above 20 % at 2x.
    let a = adl_rank(100, 1_000, 1_100, 220).unwrap();
    let b = adl_rank(200, 1_000, 1_200, 600).unwrap();
    assert!(a > b, "{a} {b}");
    assert_eq!(adl_rank(0, 1_000, 1_000, 100), Ok(0));
    assert_eq!(adl_rank(10, 1_000, 1_000, 0), Ok(u128::MAX));
    assert_eq!(above_side_average(100, 1_000, 50, 1_000), Ok(true));
    assert_eq!(above_side_average(100, 1_000, 100, 1_000), Ok(true), "the average itself qualifies");
    assert_eq!(above_side_average(99, 1_000, 100, 1_000), Ok(false));
    assert_eq!(above_side_average(100, 1_000, 0, 1_000), Ok(false), "a side out of profit: no candidate");
}

proptest! {
    #![proptest_config(crate::props())]

    #[test]
    fn payout_never_takes_more_than_the_pools_cash_and_conserves_the_gain(
        before in -1_000_000_000i64..1_000_000_000,
        realized in -1_000_000_000i64..1_000_000_000,
        fee in 0u64..10_000_000,
        cash in 0u64..2_000_000_000,
    ) {
        let p = pay_from_pool(before, realized, fee, cash).unwrap();
        let full = before + realized - fee as i64;
        // Value is conserved: collateral + unsettled + fee charged == what
        // the account would hold with a pool of unlimited cash.
        prop_assert_eq!(p.collateral + p.unsettled as i64 + p.fee as i64, full + fee as i64);
        prop_assert!(p.fee <= fee);
        prop_assert!(p.unsettled as i64 <= realized.max(0));
        prop_assert_eq!(p.pool_to_collateral, p.collateral.max(0) - before.max(0) + p.fee as i64);
        if p.unsettled > 0 {
            prop_assert_eq!(p.pool_to_collateral, cash as i64);
            prop_assert!(p.collateral >= 0 || full < 0, "a shortage alone never makes a deficit");
        }
        prop_assert!(p.pool_to_collateral <= cash as i64, "never more than the cash");
    }

    #[test]
    fn settlement_never_pays_more_than_the_claim_or_the_cash_in_any_order(
        claims in proptest::collection::vec(0u64..1_000_000, 1..8),
        cash in 0u64..5_000_000,
    ) {
        let total: u64 = claims.iter().sum();
        let (mut left_cash, mut left_total, mut paid) = (cash, total, 0u64);
        for c in &claims {
            let pay = settlement(*c, left_total, left_cash).unwrap();
            prop_assert!(pay <= *c && pay <= left_cash);
            // Each claim's share of the original cash, whatever came before.
            if cash < total {
                let share = (cash as u128 * *c as u128 / total as u128) as u64;
                prop_assert!(pay + 1 >= share && pay <= share + claims.len() as u64, "{pay} vs {share}");
            }
            left_cash -= pay;
            left_total -= *c;
            paid += pay;
        }
        prop_assert!(paid <= cash);
    }

    #[test]
    fn adl_amount_never_overshoots_the_target_and_reaches_it_within_rounding(
        owed in 0u64..1_000_000_000_000,
        free in -1_000_000_000_000i128..1_000_000_000_000,
        target in 0u32..9_999,
    ) {
        let x = adl_amount(owed, free, target).unwrap();
        prop_assert!(x <= owed);
        let after = (owed - x) as i128 * 10_000;
        let bound = (free - x as i128) * target as i128;
        prop_assert!(x == 0 || after >= bound, "overshot: {after} < {bound}");
        if x < owed {
            // One more unit would pass the target (or nothing was due).
            let after1 = (owed - x - 1) as i128 * 10_000;
            let bound1 = (free - x as i128 - 1) * target as i128;
            prop_assert!(after1 < bound1 || x == 0 && owed as i128 * 10_000 <= free * target as i128);
        }
    }

    #[test]
    fn adl_rank_is_monotone_in_profit_and_leverage(
        pnl in 1i128..1_000_000_000,
        extra in 0i128..1_000_000,
        cost in 1u128..1_000_000_000,
        notional in 1u128..1_000_000_000,
        equity in 1i128..1_000_000_000,
    ) {
        let r = adl_rank(pnl, cost, notional, equity).unwrap();
        prop_assert!(adl_rank(pnl + extra, cost, notional, equity).unwrap() >= r);
        prop_assert!(adl_rank(pnl, cost, notional, equity + extra).unwrap() <= r);
        prop_assert_eq!(adl_rank(-pnl, cost, notional, equity).unwrap(), 0);
    }
}

#[test]
fn the_rounding_margin_grows_with_the_target() {
    assert_eq!(adl_rounding_margin(6_000), Ok(4));
    assert_eq!(adl_rounding_margin(0), Ok(1));
    assert_eq!(adl_rounding_margin(9_900), Ok(199));
    assert_eq!(adl_rounding_margin(10_000), Err(MathError::DivideByZero));
}

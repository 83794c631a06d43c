use super::*;
use crate::health::{health, MarginRatios, PositionRisk};
use crate::position::Position;
use proptest::prelude::*;

const B: i64 = 1_000_000_000;
const P: i64 = 1_000_000_000;
const LP: LiquidationParams =
    LiquidationParams { mmr_bps: 500, fee_bps: 100, max_fraction_bps: 5_000, dust_notional: 10_000_000 };

#[test]
fn closes_just_enough_to_restore_the_target() {
    // 10 SOL at 100: closing 1 SOL frees 100 * (5 % - 1 %) = 4.
    assert_eq!(close_amount(10 * B, 100 * P, -4_000_000, 0, &LP), Ok(B as u64));
    // One more micro-dollar of deficit needs 250 more base units (4 $ per SOL).
    assert_eq!(close_amount(10 * B, 100 * P, -4_000_001, 0, &LP), Ok(B as u64 + 250));
    assert_eq!(close_amount(10 * B, 100 * P, 1, 0, &LP), Ok(0), "healthy: nothing");
    // Capped at half the position per call...
    assert_eq!(close_amount(10 * B, 100 * P, -1_000_000_000, 0, &LP), Ok(5 * B as u64));
    // ...unless the rest would be dust (under 10): then all of it.
    assert_eq!(close_amount(B / 20, 100 * P, -1_000_000_000, 0, &LP), Ok((B / 20) as u64));
    assert!(close_amount(B, P, -1, 0, &LiquidationParams { fee_bps: 500, ..LP }).is_err(), "fee >= mmr");
}

#[test]
fn the_smallest_close_reaches_the_target_and_one_unit_less_does_not_within_the_cap_and_the_dust_rule() {
    // A stand-in for the health after: 3 per unit closed from -100, with a
    // step of 20 once 10 units are gone (a size premium falling a notch).
    let after = |c: u64| Ok::<i128, ()>(-100 + 3 * c as i128 + if c >= 10 { 20 } else { 0 });
    let p = LiquidationParams { mmr_bps: 500, fee_bps: 100, max_fraction_bps: 5_000, dust_notional: 0 };
    // Target 0: 27 units (1 at 27, -2 at 26): the step makes 27 the
    // answer, not the 34 the slope alone would give.
    assert_eq!(smallest_close(100, P, 34, 0, &p, after), Ok(27));
    assert_eq!((after(27), after(26)), (Ok(1), Ok(-2)));
    let (lo, hi) = (smallest_close(100, P, 34, 0, &p, after), smallest_close(100, P, 34, 1, &p, after));
    assert_eq!((lo, hi), (Ok(27), Ok(27)), "target 1 is reached at 27 too");
    // The estimate may be low: the search goes up to the cap.
    assert_eq!(smallest_close(100, P, 5, 0, &p, after), Ok(27));
    // Capped at half the position when even that cannot reach the target.
    assert_eq!(smallest_close(100, P, 34, 1_000, &p, after), Ok(50));
    // The whole position when the rest would be dust: 73 base units at P
    // are worth nothing at quote precision, under a dust notional of 80.
    let dusty = LiquidationParams { dust_notional: 80, ..p };
    assert_eq!(smallest_close(100, P, 34, 0, &dusty, after), Ok(100));
}

#[test]
fn penalty_split_and_waterfall_examples() {
    assert_eq!(penalty(1_000_000, 100, 3_000), Ok(PenaltySplit { fee: 10_000, keeper: 3_000, insurance: 7_000 }));
    assert_eq!(waterfall(100, 30, 50, 10), Waterfall { from_collateral: 30, from_insurance: 40, socialized: 30 });
    assert_eq!(waterfall(100, 0, 0, 0), Waterfall { from_collateral: 0, from_insurance: 0, socialized: 100 });
}

#[test]
fn throttle_engages_then_releases_when_the_window_rolls() {
    let t = admit(&Throttle::default(), 60, 100, 50, 1_000, false).unwrap();
    let t = admit(&t, 40, 100, 50, 1_010, false).unwrap();
    assert_eq!(admit(&t, 1, 100, 50, 1_020, false), Err(ThrottleFull));
    assert!(admit(&t, 1_000, 100, 50, 1_020, true).is_ok(), "bankrupt accounts are exempt");
    let t = admit(&t, 90, 100, 50, 1_050, false).unwrap();
    assert_eq!(t, Throttle { window_start_slot: 1_050, used: 90 });
}

proptest! {
    #![proptest_config(crate::props())]

    #[test]
    fn a_partial_liquidation_strictly_improves_health_and_stops_at_the_target(
        base in B / 100..10_000 * B, entry in 10 * P..1_000 * P, drop_bps in 0i64..3_000, collateral_bps in 0i64..600,
    ) {
        let price = entry - entry / 10_000 * drop_bps;
        // Collateral as a share of the entry notional: mostly under maintenance.
        let collateral = (crate::position::notional_ceil(base, entry).unwrap() as i64) / 10_000 * collateral_bps;
        let ratios = MarginRatios { imr_bps: 1_000, mmr_bps: 500 };
        let pos = Position { base, quote: crate::position::fill_quote(base, entry).unwrap() };
        let risk = |pos: Position| PositionRisk { position: pos, price, conf: 0, conf_mult_bps: 0, ratios };
        let h = health(collateral, &[risk(pos)]).unwrap().maintenance;
        prop_assume!(h < 0);
        let p = LiquidationParams { dust_notional: 0, max_fraction_bps: 10_000, ..LP };
        let d = close_amount(base, price, h, 0, &p).unwrap() as i64;
        prop_assert!(d > 0 && d <= base);
        // Close d at the price, pay the penalty from collateral.
        let fill = crate::position::apply_fill(pos, -d, price).unwrap();
        let fee = penalty(fill.notional, p.fee_bps, 0).unwrap().fee as i64;
        let after = health(collateral + fill.realized_pnl - fee, &[risk(fill.position)]).unwrap().maintenance;
        prop_assert!(after > h, "health strictly better: {} -> {}", h, after);
        if d < base {
            // Reaches the target and stops there: closing one base unit gains
            // less than one quote unit at these prices, so the minimal close
            // lands within the rounding of the fill and the fee (a few units).
            prop_assert!((-2..=3).contains(&after), "target 0, got {}", after);
        }
    }

    #[test]
    fn the_keeper_reward_never_exceeds_the_fee_and_the_split_is_exact(notional in any::<u64>(), fee_bps in 0u32..=10_000, share in 0u32..=20_000) {
        if let Ok(s) = penalty(notional, fee_bps, share) {
            prop_assert!(s.keeper <= s.fee);
            prop_assert_eq!(s.keeper + s.insurance, s.fee);
        }
    }

    #[test]
    fn the_waterfall_covers_the_deficit_exactly_in_order(deficit in any::<u64>(), collateral in any::<u64>(), insurance in any::<u64>(), floor in any::<u64>()) {
        let w = waterfall(deficit, collateral, insurance, floor);
        prop_assert_eq!(w.from_collateral as u128 + w.from_insurance as u128 + w.socialized as u128, deficit as u128);
        prop_assert!(w.from_collateral <= collateral);
        prop_assert!(w.from_insurance <= insurance.saturating_sub(floor));
        if w.from_insurance > 0 { prop_assert_eq!(w.from_collateral, collateral); }
        if w.socialized > 0 { prop_assert_eq!(w.from_insurance, insurance.saturating_sub(floor)); }
    }

    #[test]
    fn the_throttle_never_admits_more_than_the_cap_per_window_for_non_exempt(
        amounts in prop::collection::vec((0u64..1_000, 0u64..30), 1..100), cap in 1u64..5_000,
    ) {
        let mut t = Throttle::default();
        let mut slot = 1u64;
        for (n, dt) in amounts {
            slot += dt;
            if let Ok(next) = admit(&t, n, cap, 50, slot, false) {
                prop_assert!(next.used <= cap);
                t = next;
            }
        }
    }
}

use super::*;
use proptest::prelude::*;

const B: i64 = 1_000_000_000;
const P: i64 = 1_000_000_000;
const Q: i128 = 1_000_000;
const RATIOS: MarginRatios = MarginRatios { imr_bps: 1_000, mmr_bps: 500 };

fn risk(base: i64, quote: i64, price: i64, conf: u64) -> PositionRisk {
    PositionRisk { position: Position { base, quote }, price, conf, conf_mult_bps: 10_000, ratios: RATIOS }
}

#[test]
fn a_ten_x_long_at_entry_has_zero_initial_health() {
    // 1 SOL long at 100 with 10 collateral, no conf: equity 10, IMR 10 %.
    let h = health(10_000_000, &[risk(B, -100_000_000, 100 * P, 0)]).unwrap();
    assert_eq!(h.equity, 10 * Q);
    assert_eq!(h.initial_requirement, 10_000_000);
    assert_eq!(h.maintenance_requirement, 5_000_000);
    assert_eq!((h.initial, h.maintenance), (0, 5 * Q));
}

#[test]
fn confidence_biases_longs_down_and_shorts_up() {
    assert_eq!(biased_price(B, 100 * P, P as u64, 20_000), Ok(98 * P));
    assert_eq!(biased_price(-B, 100 * P, P as u64, 20_000), Ok(102 * P));
    assert_eq!(biased_price(B, P, (10 * P) as u64, 10_000), Ok(-9 * P), "linear, even below zero");
    // A long at 100 +- 1 is valued at 99 and required on 101.
    let h = health(0, &[risk(B, -100_000_000, 100 * P, P as u64)]).unwrap();
    assert_eq!(h.equity, -Q);
    assert_eq!(h.initial_requirement, 10_100_000);
}

#[test]
fn a_long_stays_monotone_when_confidence_exceeds_the_price() {
    // Found by the monotonicity property: with the long's biased price
    // clamped at zero its value stopped rising while its requirement rose.
    let ratios = MarginRatios { imr_bps: 6_642, mmr_bps: 3_321 };
    let at = |p| {
        health(
            0,
            &[PositionRisk {
                position: Position { base: 11, quote: 0 },
                price: p,
                conf: 73_293_828_850,
                conf_mult_bps: 10_000,
                ratios,
            }],
        )
        .unwrap()
    };
    let (lo, hi) = (at(5_850_169_152), at(5_850_169_152 + 57_726_057_568));
    assert!(hi.initial >= lo.initial && hi.maintenance >= lo.maintenance);
}

#[test]
fn shorts_lose_as_price_rises() {
    let lo = health(10_000_000, &[risk(-B, 100_000_000, 100 * P, 0)]).unwrap();
    let hi = health(10_000_000, &[risk(-B, 100_000_000, 105 * P, 0)]).unwrap();
    assert_eq!(hi.equity, 5 * Q);
    assert!(hi.maintenance < lo.maintenance);
}

#[test]
fn overflow_is_an_error() {
    // |base| * price * 10^4 exceeds i128 for maximal inputs.
    assert_eq!(health(0, &[risk(i64::MAX, 0, i64::MAX, 0)]), Err(MathError::Overflow));
    assert_eq!(requirement(i64::MIN, i64::MAX, u64::MAX, u32::MAX, u32::MAX), Err(MathError::Overflow));
}

proptest! {
    #![proptest_config(crate::props())]

    #[test]
    fn health_is_monotone_in_price_up_for_longs_and_down_for_shorts(
        base in -1_000_000 * B..1_000_000 * B, quote in -1_000_000_000_000i64..1_000_000_000_000,
        p1 in 1..100_000 * P, dp in 0..10_000 * P, conf in 0u64..(P as u64) * 100,
        imr in 1u32..=10_000, collateral in 0i64..1_000_000_000_000,
    ) {
        let ratios = MarginRatios { imr_bps: imr, mmr_bps: imr / 2 };
        let at = |p| health(collateral, &[PositionRisk { position: Position { base, quote }, price: p, conf, conf_mult_bps: 10_000, ratios }]).unwrap();
        let (lo, hi) = (at(p1), at(p1 + dp));
        if base >= 0 {
            prop_assert!(hi.initial >= lo.initial && hi.maintenance >= lo.maintenance);
        } else {
            prop_assert!(hi.initial <= lo.initial && hi.maintenance <= lo.maintenance);
        }
    }

    #[test]
    fn requirements_never_round_down(
        base in any::<i64>(), price in 0..i64::MAX / 4, conf in 0u64..u64::MAX / 4, mult in 0u32..50_000, ratio in 0u32..=10_000,
    ) {
        if let Ok(req) = requirement(base, price, conf, mult, ratio) {
            let adj = (conf as u128 * mult as u128).div_ceil(10_000);
            let exact = base.unsigned_abs() as u128 * (price as u128 + adj) * ratio as u128;
            prop_assert!(req * 10_000_000_000_000_000 >= exact);
        }
    }

    #[test]
    fn health_never_exceeds_the_exact_value(
        base in -1_000 * B..1_000 * B, quote in -1_000_000_000_000i64..1_000_000_000_000, price in 1..100_000 * P, imr in 0u32..=10_000,
    ) {
        let r = PositionRisk { position: Position { base, quote }, price, conf: 0, conf_mult_bps: 0, ratios: MarginRatios { imr_bps: imr, mmr_bps: imr } };
        let h = position_health(&r, imr).unwrap();
        let exact_num = base as i128 * price as i128 * 10_000 - base.unsigned_abs() as i128 * price as i128 * imr as i128
            + quote as i128 * 10_000_000_000_000_000;
        prop_assert!(h * 10_000_000_000_000_000 <= exact_num);
    }
}

use super::*;
use proptest::prelude::*;

const USD: i128 = 1_000_000;
const P: ImpactParams = ImpactParams { exponent: 2, factor_bps: 100, rebate_bps: 50, max_bps: 500 };

#[test]
fn impact_grows_with_the_square_of_the_imbalance() {
    // 0 -> 100 USDC of net long against a 1,000 USDC pool: g = 100^2/1000 =
    // 10 USDC, 1 % of it charged.
    let pool = 1_000 * USD as u64;
    assert_eq!(impact(&P, 0, 100 * USD, pool), Ok(Impact { charge: 100_000, rebate: 0 }));
    // The next 100 costs three times as much (g: 10 -> 40).
    assert_eq!(impact(&P, 100 * USD, 200 * USD, pool), Ok(Impact { charge: 300_000, rebate: 0 }));
    // Back from 200 to 100 earns half the factor on the same g.
    assert_eq!(impact(&P, 200 * USD, 100 * USD, pool), Ok(Impact { charge: 0, rebate: 150_000 }));
    // Across zero: the rebate for 100 -> 0, the charge for 0 -> -100.
    assert_eq!(impact(&P, 100 * USD, -100 * USD, pool), Ok(Impact { charge: 100_000, rebate: 50_000 }));
    let linear = ImpactParams { exponent: 1, ..P };
    assert_eq!(impact(&linear, 0, 100 * USD, pool), Ok(Impact { charge: 1_000_000, rebate: 0 }));
    // The slope 2x/1,000 · 1 % reaches the 5 % cap at x = 2,500: up to 5,000
    // pays 1 % of 2,500^2/1,000 = 62.5, then 5 % of the last 2,500 = 125.
    assert_eq!(impact(&P, 0, 5_000 * USD, pool), Ok(Impact { charge: 187_500_000, rebate: 0 }));
    assert_eq!(impact(&P, 5_000 * USD, 0, pool), Ok(Impact { charge: 0, rebate: 93_750_000 }));
    assert_eq!(rebate_paid(150_000, 100_000), 100_000, "never more than the impact pool");
}

proptest! {
    #![proptest_config(crate::props())]

    /// Impact is convex: the same step in the same direction never costs
    /// less further from balance, and splitting an order in two never pays
    /// less than sending it whole (to rounding), with or without the cap.
    #[test]
    fn impact_is_convex_and_splitting_an_order_never_pays_less(
        s in 0i128..1_000_000 * USD, d in 0i128..1_000_000 * USD, d2 in 0i128..1_000_000 * USD,
        depth in 1u64..10_000_000 * USD as u64, e in 1u32..=3, f in 0u32..1_000, sign in prop::bool::ANY,
        max in 0u32..=2_000,
    ) {
        let p = ImpactParams { exponent: e, factor_bps: f, rebate_bps: f / 2, max_bps: max };
        let k = if sign { 1 } else { -1 };
        let at = |a: i128, b: i128| impact(&p, k * a, k * b, depth).unwrap().charge;
        let (first, second) = (at(s, s + d), at(s + d, s + 2 * d));
        prop_assert!(second + 1 >= first, "the step further from balance costs no less (to rounding)");
        let whole = at(s, s + d + d2);
        let (a, b) = (at(s, s + d), at(s + d, s + d + d2));
        prop_assert!(a + b + 1 >= whole, "split {a} + {b} vs whole {whole}");
    }

    /// The rebate never exceeds the impact pool, and a round trip never
    /// earns, however it is split: leaving an imbalance in many steps costs
    /// at least what coming back in one earns.
    #[test]
    fn the_rebate_never_exceeds_the_impact_pool_and_a_round_trip_never_earns(
        s0 in -1_000_000 * USD..1_000_000 * USD, s1 in -1_000_000 * USD..1_000_000 * USD,
        depth in 1u64..10_000_000 * USD as u64, e in 1u32..=3, f in 0u32..1_000, r in 0u32..2_000, pool in any::<u64>(),
        max in 0u32..=2_000, steps in 1i128..20,
    ) {
        let p = ImpactParams { exponent: e, factor_bps: f, rebate_bps: r, max_bps: max };
        let at = |i: i128| s0 + (s1 - s0) * i / steps;
        let out = (0..steps).map(|i| impact(&p, at(i), at(i + 1), depth).unwrap()).fold(Impact::default(), |t, x| {
            Impact { charge: t.charge + x.charge, rebate: t.rebate + x.rebate }
        });
        let back = impact(&p, s1, s0, depth).unwrap();
        prop_assert!(rebate_paid(out.rebate, pool) <= pool);
        prop_assert!(out.charge as u128 + back.charge as u128 + 1 >= out.rebate as u128 + back.rebate as u128);
    }
}

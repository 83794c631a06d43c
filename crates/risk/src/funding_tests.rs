use super::*;
use proptest::prelude::*;

const P: i64 = 1_000_000_000; // one unit of price or base
const D: i128 = NOTIONAL_DIVISOR * INDEX_PRECISION;
const FUND: FundingParams = FundingParams { factor_ppm: 1_000, max_ppm: 500 };
const BORROW: BorrowParams = BorrowParams { base_ppm: 10, slope_ppm: 40, kink_bps: 8_000, jump_ppm: 1_000 };

#[test]
fn funding_rate_follows_the_skew_over_nav_and_is_capped() {
    // Traders net long 100 USDC of notional against a 1,000 USDC pool: 10 % of
    // the factor (1,000 ppm/h) = 100 ppm/h, paid by longs.
    assert_eq!(funding_rate_ppm(&FUND, 100_000_000, 1_000_000_000), Ok(100));
    assert_eq!(funding_rate_ppm(&FUND, -100_000_000, 1_000_000_000), Ok(-100));
    // One unit more than 10 % rounds away from zero.
    assert_eq!(funding_rate_ppm(&FUND, 100_000_001, 1_000_000_000), Ok(101));
    assert_eq!(funding_rate_ppm(&FUND, 900_000_000, 1_000_000_000), Ok(500), "capped");
    assert_eq!(funding_rate_ppm(&FUND, 0, 0), Ok(0));
    assert_eq!(funding_rate_ppm(&FUND, -1, 0), Ok(-500), "no NAV: the cap");
}

#[test]
fn borrow_rate_has_a_kink() {
    assert_eq!(borrow_rate_ppm(&BORROW, 0), Ok(10));
    assert_eq!(borrow_rate_ppm(&BORROW, 4_000), Ok(30));
    assert_eq!(borrow_rate_ppm(&BORROW, 8_000), Ok(50));
    assert_eq!(borrow_rate_ppm(&BORROW, 9_000), Ok(550));
    assert_eq!(borrow_rate_ppm(&BORROW, 10_000), Ok(1_050));
    assert_eq!(borrow_rate_ppm(&BORROW, 20_000), Ok(1_050), "utilisation is capped at 100 %");
    assert_eq!(utilisation_bps(500, 1_000), Ok(5_000));
    assert_eq!(utilisation_bps(501, 1_000_000), Ok(6));
    assert_eq!(utilisation_bps(1, 0), Ok(10_000));
    assert_eq!(utilisation_bps(0, 0), Ok(0));
}

#[test]
fn one_hour_of_funding_settles_exactly() {
    // 100 ppm/h at a price of 2,000 for one hour: 0.2 USDC per unit of base.
    let delta = index_delta(100, 2_000 * P, SLOTS_PER_HOUR).unwrap();
    assert_eq!(payment(delta, 3 * P), Ok(600_000), "a 3-unit long pays 0.6 USDC");
    assert_eq!(payment(delta, -3 * P), Ok(-600_000), "a 3-unit short receives it");
    // A third of a slot's worth is not a whole unit: the payer rounds up,
    // the receiver down.
    assert_eq!(payment(1, 1), Ok(1));
    assert_eq!(payment(1, -1), Ok(0));
    assert_eq!(payment(-1, 1), Ok(0));
    assert_eq!(pending_quote(-1), Ok(-1), "the pool's own count rounds down");
    assert_eq!(index_delta(100, 0, 10), Ok(0));
}

#[test]
fn fee_split_is_exact() {
    assert_eq!(split_fee(1_000, 7_000, 1_000), Ok(FeeSplit { lp: 700, insurance: 100, protocol: 200 }));
    assert_eq!(split_fee(999, 5_000, 5_000), Ok(FeeSplit { lp: 499, insurance: 499, protocol: 1 }));
    assert_eq!(split_fee(7, 10_000, 10_000), Ok(FeeSplit { lp: 7, insurance: 0, protocol: 0 }));
}

proptest! {
    #![proptest_config(crate::props())]

    /// Funding is zero-sum between traders and the pool up to rounding, and
    /// rounding never favours a trader: each position pays at least, and
    /// receives at most, its exact share (by less than one unit), so the
    /// traders together pay the pool at least the exact net and by less
    /// than one unit per position more.
    #[test]
    fn funding_is_zero_sum_up_to_rounding_and_rounding_never_favours_a_trader(
        bases in proptest::collection::vec(-1_000_000 * P..1_000_000 * P, 1..8),
        rate in -10_000i64..10_000, price in 1..100_000 * P, slots in 0u64..1_000_000,
    ) {
        let delta = index_delta(rate, price, slots).unwrap();
        let mut paid = 0i128;
        for b in &bases {
            let p = payment(delta, *b).unwrap() as i128;
            let exact = delta * *b as i128;
            prop_assert!(p * D >= exact, "a payer never pays less, a receiver never gets more");
            prop_assert!(p * D - exact < D, "by less than one unit");
            paid += p;
        }
        let net: i128 = bases.iter().map(|b| *b as i128).sum();
        let pool = pending_quote(delta * net).unwrap() as i128;
        prop_assert!(paid >= pool, "the pool receives at least its exact share");
        prop_assert!(paid - pool <= bases.len() as i128, "and at most one unit per position more");
    }

    /// The borrow rate is monotone in utilisation.
    #[test]
    fn borrow_rate_is_monotone_in_utilisation(
        u in 0u64..12_000, du in 0u64..12_000, base in 0u32..10_000, slope in 0u32..100_000,
        kink in 1u32..=10_000, jump in 0u32..1_000_000,
    ) {
        let p = BorrowParams { base_ppm: base, slope_ppm: slope, kink_bps: kink, jump_ppm: jump };
        let a = borrow_rate_ppm(&p, u).unwrap();
        let b = borrow_rate_ppm(&p, u + du).unwrap();
        prop_assert!(b >= a);
        prop_assert!(a >= base as u64);
        prop_assert!(b <= base as u64 + slope as u64 + jump as u64 + 2);
    }

    /// The funding rate has the skew's sign, is capped, and never falls as
    /// the skew grows or the NAV shrinks.
    #[test]
    fn funding_rate_is_capped_signed_and_monotone_in_the_skew(
        skew in -(1i128 << 80)..(1i128 << 80), extra in 0u64..u64::MAX / 4, nav in 0u64..u64::MAX / 2, less in 0u64..u64::MAX / 4,
        factor in 0u32..100_000, max in 0u32..100_000,
    ) {
        let p = FundingParams { factor_ppm: factor, max_ppm: max };
        let r = funding_rate_ppm(&p, skew, nav).unwrap();
        prop_assert!(r.unsigned_abs() <= max as u64);
        prop_assert!(r == 0 || (r > 0) == (skew > 0));
        let grown = skew + skew.signum() * extra as i128;
        prop_assert!(funding_rate_ppm(&p, grown, nav).unwrap().unsigned_abs() >= r.unsigned_abs());
        prop_assert!(funding_rate_ppm(&p, skew, nav.saturating_sub(less)).unwrap().unsigned_abs() >= r.unsigned_abs());
    }

    /// A fee's parts add up to the fee, and neither share passes its bps.
    #[test]
    fn fee_split_adds_up_to_the_fee(fee in any::<u64>(), lp in 0u32..=10_000, ins in 0u32..=10_000) {
        let ins = ins % (10_001 - lp);
        let s = split_fee(fee, lp, ins).unwrap();
        prop_assert_eq!(s.lp as u128 + s.insurance as u128 + s.protocol as u128, fee as u128);
        prop_assert!(s.lp as u128 * 10_000 <= fee as u128 * lp as u128);
        prop_assert!(s.insurance as u128 * 10_000 <= fee as u128 * ins as u128);
    }
}

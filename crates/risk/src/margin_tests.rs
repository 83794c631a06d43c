use super::*;
use proptest::prelude::*;

const P: DynamicParams = DynamicParams {
    base_mmr_bps: 500,
    base_imr_bps: 1_000,
    max_mmr_bps: 5_000,
    reference_vol_bps: 8_000,
    vol_cap_bps: 40_000,
    size_factor_bps: 10,
    conf_margin_mult_bps: 10_000,
};
const CALM: MarginInputs =
    MarginInputs { vol_bps: 8_000, notional: 0, conf: 0, price: 100_000_000_000, stress_mult_bps: 10_000 };
const PHASE: PhaseParams = PhaseParams { step_bps_per_slot: 100, cooldown_slots: 50 };

#[test]
fn reference_inputs_give_the_static_ratios() {
    assert_eq!(target_ratios(&P, &CALM), Ok(Ratios { mmr_bps: 500, imr_bps: 1_000 }));
}

#[test]
fn each_term_adds_as_documented() {
    // 4x the reference volatility: MMR 4x, IMR 2x MMR.
    let r = target_ratios(&P, &MarginInputs { vol_bps: 32_000, ..CALM }).unwrap();
    assert_eq!(r, Ratios { mmr_bps: 2_000, imr_bps: 4_000 });
    // Capped at 4x even for 10x volatility.
    assert_eq!(target_mmr_bps(&P, &MarginInputs { vol_bps: 80_000, ..CALM }), Ok(2_000));
    // $1M notional: sqrt = 1,000 -> 10 * 1,000 / 100 = 100 bps.
    assert_eq!(target_mmr_bps(&P, &MarginInputs { notional: 1_000_000_000_000, ..CALM }), Ok(600));
    // conf 0.5 % of price adds 50 bps.
    assert_eq!(target_mmr_bps(&P, &MarginInputs { conf: 500_000_000, ..CALM }), Ok(550));
    // Stress 1.5x.
    assert_eq!(target_mmr_bps(&P, &MarginInputs { stress_mult_bps: 15_000, ..CALM }), Ok(750));
    // Never above the maximum.
    let wild = MarginInputs {
        vol_bps: u64::MAX / 20_000,
        notional: u64::MAX,
        conf: u64::MAX / 20_000,
        stress_mult_bps: 40_000,
        ..CALM
    };
    assert_eq!(target_mmr_bps(&P, &wild), Ok(5_000));
}

#[test]
fn phase_in_rises_by_steps_and_falls_only_after_the_cooldown() {
    let idle = PhaseState { mult_bps: 10_000, updated_slot: 100, last_rise_slot: 0, target_mult_bps: 10_000 };
    let s = phase_toward(&idle, 40_000, 101, &PHASE);
    assert_eq!((s.mult_bps, s.last_rise_slot, s.target_mult_bps), (10_100, 101, 40_000));
    let s = phase_toward(&s, 40_000, 111, &PHASE);
    assert_eq!(s.mult_bps, 11_100);
    let s = phase_toward(&s, 10_000, 150, &PHASE);
    assert_eq!(s.mult_bps, 11_100, "cooldown: no fall before slot 161");
    let s = phase_toward(&s, 10_000, 171, &PHASE);
    assert_eq!(s.mult_bps, 10_100, "ten slots after the cooldown: down by 1,000");
    // 500 idle slots, then a 4x target: ten slots' steps where it is seen.
    assert_eq!(phase_toward(&idle, 40_000, 600, &PHASE).mult_bps, 11_000);
    assert_eq!(phase_toward(&idle, 40_000, 100 + PHASE_CATCH_UP_SLOTS, &PHASE).mult_bps, 11_000, "an active market");
    assert_eq!(phased_mmr_bps(&P, 20_000), 1_000);
    assert_eq!(mult_for_mmr(&P, 2_000), 40_000);
}

fn inputs() -> impl Strategy<Value = MarginInputs> {
    (0u64..1_000_000, 0u64..u64::MAX / 4, 0u64..1_000_000_000_000, 1i64..1_000_000_000_000_000, 10_000u32..50_000)
        .prop_map(|(vol_bps, notional, conf, price, stress_mult_bps)| MarginInputs {
            vol_bps,
            notional,
            conf,
            price,
            stress_mult_bps,
        })
}

proptest! {
    #![proptest_config(crate::props())]

    #[test]
    fn ratio_is_monotone_in_volatility_size_confidence_and_stress(
        i in inputs(), dv in 0u64..100_000, dn in 0u64..1_000_000_000_000, dc in 0u64..1_000_000_000, ds in 0u32..10_000,
    ) {
        let base = target_mmr_bps(&P, &i).unwrap();
        let more = [
            MarginInputs { vol_bps: i.vol_bps + dv, ..i },
            MarginInputs { notional: i.notional.saturating_add(dn), ..i },
            MarginInputs { conf: i.conf + dc, ..i },
            MarginInputs { stress_mult_bps: i.stress_mult_bps + ds, ..i },
        ];
        for m in more {
            prop_assert!(target_mmr_bps(&P, &m).unwrap() >= base);
        }
    }

    #[test]
    fn at_reference_inputs_the_dynamic_ratio_equals_the_static_one(vol in 0u64..=8_000, notional in any::<u64>(), price in 1i64..i64::MAX) {
        // Volatility at or below the reference, no stress, no conf, and no
        // size factor: the static ratios, whatever the size and price.
        let p = DynamicParams { size_factor_bps: 0, ..P };
        let i = MarginInputs { vol_bps: vol, notional, conf: 0, price, stress_mult_bps: MULT_ONE };
        prop_assert_eq!(target_ratios(&p, &i).unwrap(), Ratios { mmr_bps: p.base_mmr_bps, imr_bps: p.base_imr_bps });
    }

    #[test]
    fn position_imr_is_at_least_mmr_whatever_the_phase(
        i in inputs(), phased in 0u32..20_000,
    ) {
        let target = market_mmr_bps(&P, &i).unwrap();
        let r = position_ratios(&P, target, phased, i.notional).unwrap();
        prop_assert!(r.imr_bps >= r.mmr_bps);
        prop_assert!(r.mmr_bps >= P.base_mmr_bps.min(phased) && r.mmr_bps <= P.max_mmr_bps);
        if phased >= P.base_mmr_bps { prop_assert!(r.mmr_bps >= P.base_mmr_bps); }
    }

    #[test]
    fn a_multiplier_below_one_phases_a_base_raise_in_at_the_step(
        mult in 1u32..10_000, elapsed in 0u64..1_000, step in 0u32..1_000,
    ) {
        let s = PhaseState { mult_bps: mult, updated_slot: 100, last_rise_slot: 0, target_mult_bps: MULT_ONE };
        let n = phase_toward(&s, MULT_ONE, 100 + elapsed, &PhaseParams { step_bps_per_slot: step, cooldown_slots: 0 });
        prop_assert_eq!(n.mult_bps as u64, (mult as u64 + step as u64 * elapsed).min(MULT_ONE as u64));
        let doubled = DynamicParams { base_mmr_bps: 2 * P.base_mmr_bps, ..P };
        prop_assert!(phased_mmr_bps(&doubled, mult) <= phased_mmr_bps(&doubled, MULT_ONE));
    }

    #[test]
    fn ratio_is_never_below_base_or_above_max_and_imr_is_at_least_mmr(i in inputs()) {
        let r = target_ratios(&P, &i).unwrap();
        prop_assert!(r.mmr_bps >= P.base_mmr_bps && r.mmr_bps <= P.max_mmr_bps);
        prop_assert!(r.imr_bps >= r.mmr_bps);
    }

    #[test]
    fn phased_multiplier_never_moves_more_than_the_step_and_never_overshoots(
        mult in 10_000u32..100_000, target in 0u32..100_000, updated in 0u64..1_000_000, last_rise in 0u64..1_000_000,
        elapsed in 0u64..10_000, step in 0u32..1_000, cooldown in 0u64..1_000, seen in 0u32..100_000,
    ) {
        let s = PhaseState { mult_bps: mult, updated_slot: updated, last_rise_slot: last_rise, target_mult_bps: seen };
        let p = PhaseParams { step_bps_per_slot: step, cooldown_slots: cooldown };
        let n = phase_toward(&s, target, updated + elapsed, &p);
        let moved = n.mult_bps.abs_diff(mult) as u64;
        prop_assert!(moved <= step as u64 * elapsed);
        let t = target.max(MULT_ONE);
        if t >= mult { prop_assert!(n.mult_bps <= t && n.mult_bps >= mult); }
        else { prop_assert!(n.mult_bps >= t && n.mult_bps <= mult); }
        prop_assert_eq!(n.target_mult_bps, t);
    }

    #[test]
    fn a_rise_passes_the_target_seen_at_the_last_update_by_at_most_the_catch_up_however_long_the_market_was_idle(
        mult in 10_000u32..100_000, seen in 0u32..100_000, target in 0u32..100_000,
        idle in 0u64..1_000_000, step in 0u32..1_000,
    ) {
        let s = PhaseState { mult_bps: mult, updated_slot: 7, last_rise_slot: 7, target_mult_bps: seen };
        let n = phase_toward(&s, target, 7 + idle, &PhaseParams { step_bps_per_slot: step, cooldown_slots: 150 });
        prop_assert!(n.mult_bps as u64 <= mult.max(seen.max(MULT_ONE)) as u64 + step as u64 * PHASE_CATCH_UP_SLOTS);
    }
}

#[test]
fn the_breakdown_names_each_term_of_the_documented_examples() {
    let b = mmr_breakdown(&P, &MarginInputs { vol_bps: 16_000, stress_mult_bps: 15_000, ..CALM }).unwrap();
    assert_eq!((b.base_bps, b.volatility_bps, b.stress_bps, b.cap_bps), (500, 500, 500, 0));
    let b = mmr_breakdown(&P, &MarginInputs { notional: 1_000_000_000_000, conf: 500_000_000, ..CALM }).unwrap();
    assert_eq!((b.confidence_bps, b.size_bps, b.total_bps()), (50, 100, 650));
    let b = mmr_breakdown(&P, &MarginInputs { vol_bps: 80_000, stress_mult_bps: 40_000, ..CALM }).unwrap();
    assert_eq!((b.volatility_bps, b.stress_bps, b.cap_bps, b.total_bps()), (1_500, 6_000, -3_000, 5_000));
}

proptest! {
    #![proptest_config(crate::props())]

    #[test]
    fn breakdown_parts_always_sum_to_the_target_ratio(
        vol in 0u64..2_000_000,
        notional in 0u64..u64::MAX / 2,
        conf in 0u64..1_000_000_000_000,
        price in prop_oneof![1i64..1_000_000, 1i64..1_000_000_000_000_000],
        stress in 10_000u32..60_000,
        size_factor in 0u32..1_000,
        conf_mult in 0u32..40_000,
    ) {
        let p = DynamicParams { size_factor_bps: size_factor, conf_margin_mult_bps: conf_mult, ..P };
        let i = MarginInputs { vol_bps: vol, notional, conf, price, stress_mult_bps: stress };
        let b = mmr_breakdown(&p, &i).unwrap();
        prop_assert_eq!(b.total_bps(), target_mmr_bps(&p, &i).unwrap() as i64);
        prop_assert!(b.cap_bps <= 0);
    }
}

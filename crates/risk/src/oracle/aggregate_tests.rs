use super::*;
use proptest::prelude::*;

const P: i64 = 1_000_000_000; // 1.0 at PRICE_PRECISION
const U: u64 = P as u64;

fn q(price: i64, conf: u64, t: i64) -> Quote {
    Quote { price, conf, publish_time: t, slot: t as u64 }
}

fn priced(price: i64, t: i64) -> FeedState {
    FeedState {
        price,
        ema_price: price,
        publish_time: t,
        publish_slot: t as u64,
        has_price: true,
        ..FeedState::default()
    }
}

#[test]
fn agreeing_sources_are_valid_at_the_median() {
    let g = Guards::default_liquid();
    let a =
        aggregate(&priced(100 * P, 90), &[q(100 * P, U / 10, 100), q(100 * P + P / 5, U / 10, 99)], 2, &g, 100, 100)
            .unwrap();
    assert!(a.applied);
    assert_eq!(a.state.validity(), Validity::Valid);
    assert_eq!(a.state.price, 100 * P + P / 10);
    assert_eq!(a.state.conf, U / 10);
    assert_eq!(a.state.publish_time, 100);
    assert_eq!(a.state.valid_sources, 2);
}

#[test]
fn divergence_beyond_the_limit_is_too_uncertain() {
    let g = Guards::default_liquid(); // 1.5 %
    let a = aggregate(&priced(100 * P, 90), &[q(100 * P, 0, 100), q(102 * P, 0, 100)], 2, &g, 100, 100).unwrap();
    assert_eq!(a.state.validity(), Validity::TooUncertain);
    assert_eq!(a.state.conf, U, "conf covers the dispersion around the median");
}

#[test]
fn a_lone_source_is_degraded_with_doubled_conf() {
    let g = Guards::default_liquid();
    let a = aggregate(&priced(100 * P, 90), &[q(100 * P, U / 10, 100)], 2, &g, 100, 100).unwrap();
    assert_eq!(a.state.validity(), Validity::Degraded);
    assert_eq!(a.state.conf, U / 5);
}

#[test]
fn the_sources_range_and_own_conf_are_published_beside_the_median() {
    let g = Guards::default_liquid();
    let a = aggregate(&priced(100 * P, 90), &[q(100 * P, 3, 100), q(130 * P, 5, 100)], 2, &g, 100, 100).unwrap();
    assert_eq!(a.state.validity(), Validity::TooUncertain);
    assert_eq!((a.state.lo_price, a.state.hi_price, a.state.price), (100 * P, 130 * P, 115 * P));
    assert_eq!(a.state.src_conf, 5, "the dispersion is not the sources' own conf");
    assert_eq!(a.state.conf, 15 * U);
    let lone = aggregate(&priced(100 * P, 90), &[q(100 * P, 4, 100)], 2, &g, 100, 100).unwrap();
    assert_eq!((lone.state.lo_price, lone.state.hi_price, lone.state.src_conf), (100 * P, 100 * P, 8));
}

#[test]
fn one_bad_source_of_three_moves_neither_the_price_nor_the_range_outside_the_honest_sources() {
    let g = Guards { min_valid_sources: 3, ..Guards::default_liquid() };
    let honest = [q(100 * P, 0, 100), q(101 * P, 0, 100)];
    for bad in [1, 50 * P, 130 * P, 1_000 * P] {
        let a = aggregate(&priced(100 * P, 90), &[honest[0], q(bad, 0, 100), honest[1]], 3, &g, 100, 100).unwrap();
        assert!((100 * P..=101 * P).contains(&a.state.price), "bad source at {bad}: {}", a.state.price);
        assert_eq!((a.state.lo_price, a.state.hi_price), (100 * P, 101 * P), "bad source at {bad}");
        assert_eq!(a.state.validity(), Validity::TooUncertain, "still a dispute: nothing but liquidation");
    }
    // Without a majority near the median, every source is the range.
    let spread = [q(100 * P, 0, 100), q(110 * P, 0, 100), q(120 * P, 0, 100)];
    let a = aggregate(&priced(100 * P, 90), &spread, 3, &g, 100, 100).unwrap();
    assert_eq!((a.state.lo_price, a.state.hi_price), (100 * P, 120 * P));
}

#[test]
fn an_agreed_jump_is_too_volatile_for_the_confirmation_window_then_reanchors() {
    let g = Guards { jump_confirm_slots: 30, ..Guards::default_liquid() }; // 25 %
    let mut s = priced(100 * P, 90);
    let crash = [q(60 * P, 0, 0), q(60 * P, 0, 0)];
    for slot in 100..130u64 {
        let qs = crash.map(|x| Quote { publish_time: slot as i64, slot, ..x });
        s = FeedState { last_refresh_slot: slot, ..aggregate(&s, &qs, 2, &g, slot as i64, slot).unwrap().state };
        assert_eq!(s.validity(), Validity::TooVolatile, "slot {slot}");
        assert_eq!((s.jump_since_slot, s.jump_start_price, s.ema_price), (100, 60 * P, 100 * P), "the EMA holds");
    }
    let qs = crash.map(|x| Quote { publish_time: 130, slot: 130, ..x });
    let s = aggregate(&s, &qs, 2, &g, 130, 130).unwrap().state;
    assert_eq!(s.validity(), Validity::Valid, "confirmed after 30 slots");
    assert_eq!((s.ema_price, s.jump_since_slot), (60 * P, 0), "the EMA re-anchors at the price");
}

#[test]
fn a_confirmed_jump_records_the_reference_it_left_and_close_jumps_widen_it() {
    let g = Guards { jump_confirm_slots: 30, ..Guards::default_liquid() };
    let agreed = |p: i64, slot: u64| [q(p, 0, slot as i64), q(p, 0, slot as i64)];
    // Not yet confirmed: no anchor.
    let held = aggregate(&mid_jump(), &agreed(60 * P, 129), 2, &g, 129, 129).unwrap().state;
    assert_eq!((held.anchor_lo, held.anchor_hi, held.anchor_slot), (0, 0, 0));
    // Confirmed at 130: the anchor is the EMA it moved away from.
    let on = aggregate(&mid_jump(), &agreed(60 * P, 130), 2, &g, 130, 130).unwrap().state;
    assert_eq!((on.anchor_lo, on.anchor_hi, on.anchor_slot), (100 * P, 100 * P, 130));
    // A second jump (down to 40) confirmed within the span widens it.
    let second = FeedState { jump_since_slot: 200, jump_start_price: 40 * P, last_refresh_slot: 220, ..on };
    let s = aggregate(&second, &agreed(40 * P, 230), 2, &g, 230, 230).unwrap().state;
    assert_eq!((s.anchor_lo, s.anchor_hi, s.anchor_slot), (60 * P, 100 * P, 230));
    // One confirmed a span later replaces it.
    let late = ANCHOR_SPAN_SLOTS + 130;
    let third = FeedState { jump_since_slot: late - 30, jump_start_price: 40 * P, last_refresh_slot: late - 1, ..on };
    let s = aggregate(&third, &agreed(40 * P, late), 2, &g, late as i64, late).unwrap().state;
    assert_eq!((s.anchor_lo, s.anchor_hi, s.anchor_slot), (60 * P, 60 * P, late));
    // An ordinary refresh keeps it.
    let calm = aggregate(&on, &agreed(60 * P, 131), 2, &g, 131, 131).unwrap().state;
    assert_eq!((calm.anchor_lo, calm.anchor_hi, calm.anchor_slot), (100 * P, 100 * P, 130));
}

/// A feed 60 % into a jump that started at slot 100, last refreshed at 110.
fn mid_jump() -> FeedState {
    FeedState { jump_since_slot: 100, jump_start_price: 60 * P, last_refresh_slot: 110, ..priced(100 * P, 90) }
}

#[test]
fn a_gap_in_refreshes_an_outage_or_a_lone_source_never_confirms_a_jump() {
    let g = Guards { jump_confirm_slots: 30, ..Guards::default_liquid() };
    let agreed = |slot: u64| [q(60 * P, 0, slot as i64), q(60 * P, 0, slot as i64)];
    // Refreshed again within 25 slots: the count goes on and confirms.
    let on = aggregate(&mid_jump(), &agreed(130), 2, &g, 130, 130).unwrap().state;
    assert_eq!((on.validity(), on.ema_price, on.jump_since_slot), (Validity::Valid, 60 * P, 0));
    // Seen at 110 and then only at 136: not seen standing, the count restarts.
    let gap = aggregate(&mid_jump(), &agreed(136), 2, &g, 136, 136).unwrap().state;
    assert_eq!((gap.validity(), gap.jump_since_slot), (Validity::TooVolatile, 136));
    // A lone source shows the jump: it holds the feed, but does not count.
    let lone = aggregate(&mid_jump(), &[q(60 * P, 0, 130)], 2, &g, 130, 130).unwrap().state;
    assert_eq!((lone.validity(), lone.jump_since_slot), (Validity::TooVolatile, 0));
    // No valid source at all: the count ends.
    let out = aggregate(&mid_jump(), &[], 2, &g, 130, 130).unwrap().state;
    assert_eq!((out.validity(), out.jump_since_slot, out.jump_start_price), (Validity::Stale, 0, 0));
    // Two of three configured sources agree on the jump: it holds, never counts.
    let three = Guards { min_valid_sources: 2, ..g };
    let two_of_three = aggregate(&mid_jump(), &agreed(130), 3, &three, 130, 130).unwrap().state;
    assert_eq!((two_of_three.validity(), two_of_three.jump_since_slot), (Validity::TooVolatile, 0));
    // Information older than the published price: not applied, and the count ends.
    let ahead = FeedState { publish_time: 200, ..mid_jump() };
    let older = aggregate(&ahead, &agreed(130), 2, &g, 130, 130).unwrap();
    assert!(!older.applied);
    assert_eq!((older.state.jump_since_slot, older.state.jump_start_price), (0, 0));
}

#[test]
fn a_jump_that_moves_beyond_the_limit_from_where_it_started_restarts() {
    let g = Guards { jump_confirm_slots: 30, ..Guards::default_liquid() };
    // +30 % was the start; now -30 % against the old EMA: a different move.
    let start = FeedState { jump_start_price: 130 * P, ..mid_jump() };
    let flip = aggregate(&start, &[q(70 * P, 0, 130), q(70 * P, 0, 130)], 2, &g, 130, 130).unwrap().state;
    assert_eq!((flip.validity(), flip.jump_since_slot, flip.jump_start_price), (Validity::TooVolatile, 130, 70 * P));
}

#[test]
fn a_dispute_or_a_return_within_the_limit_restarts_the_jump_count() {
    let g = Guards::default_liquid();
    let s = aggregate(&priced(100 * P, 90), &[q(60 * P, 0, 100), q(60 * P, 0, 100)], 2, &g, 100, 100).unwrap().state;
    assert_eq!(s.jump_since_slot, 100);
    let d = aggregate(&s, &[q(60 * P, 0, 101), q(70 * P, 0, 101)], 2, &g, 101, 101).unwrap().state;
    assert_eq!((d.validity(), d.jump_since_slot), (Validity::TooUncertain, 0));
    let back = aggregate(&s, &[q(99 * P, 0, 101), q(99 * P, 0, 101)], 2, &g, 101, 101).unwrap().state;
    assert_eq!((back.validity(), back.jump_since_slot), (Validity::Valid, 0));
}

#[test]
fn a_jump_against_the_ema_is_too_volatile() {
    let g = Guards::default_liquid(); // 25 %
    let a = aggregate(&priced(100 * P, 90), &[q(130 * P, 0, 100), q(130 * P, 0, 100)], 2, &g, 100, 100).unwrap();
    assert_eq!(a.state.validity(), Validity::TooVolatile);
    assert_eq!(a.state.ema_price, 100 * P, "the EMA holds while the jump is being confirmed");
    assert!(a.state.variance_rate > 0, "volatility sees the jump at once");
}

#[test]
fn no_valid_source_keeps_the_price_stale_then_invalid() {
    let g = Guards::default_liquid();
    let prev = priced(100 * P, 100);
    let a = aggregate(&prev, &[], 2, &g, 100 + 600, 100 + 600).unwrap();
    assert!(!a.applied);
    assert_eq!(a.state.validity(), Validity::Stale);
    assert_eq!(a.state.price, 100 * P);
    let a = aggregate(&prev, &[], 2, &g, 100 + 601, 100 + 601).unwrap();
    assert_eq!(a.state.validity(), Validity::Invalid);
    let a = aggregate(&FeedState::default(), &[], 2, &g, 5, 5).unwrap();
    assert_eq!(a.state.validity(), Validity::Invalid);
}

#[test]
fn older_information_is_not_applied() {
    let g = Guards::default_liquid();
    let prev = priced(100 * P, 100);
    let a = aggregate(&prev, &[q(90 * P, 0, 99), q(90 * P, 0, 99)], 2, &g, 100, 100).unwrap();
    assert!(!a.applied);
    assert_eq!(a.state.price, 100 * P);
    assert_eq!(a.state.publish_time, 100);
}

#[test]
fn first_price_seeds_the_ema() {
    let g = Guards::default_liquid();
    let a = aggregate(&FeedState::default(), &[q(7 * P, 0, 10), q(7 * P, 0, 10)], 2, &g, 10, 10).unwrap();
    assert_eq!(a.state.ema_price, 7 * P);
    assert_eq!(a.state.variance_rate, 0);
}

fn quotes_strategy() -> impl Strategy<Value = Vec<Quote>> {
    prop::collection::vec((1i64..=i64::MAX / 2, 0u64..=u64::MAX / 2, 1i64..1_000_000), 1..=MAX_SOURCES)
        .prop_map(|v| v.into_iter().map(|(p, c, t)| q(p, c, t)).collect())
}

fn prev_strategy() -> impl Strategy<Value = FeedState> {
    (any::<bool>(), 1i64..=i64::MAX / 2, 1i64..=i64::MAX / 2, 0u64..4_000_000_000_000_000_000, 0i64..1_000_000)
        .prop_map(|(has, price, ema, var, t)| FeedState {
            price,
            ema_price: ema,
            variance_rate: var,
            publish_time: t,
            has_price: has,
            ..FeedState::default()
        })
}

proptest! {
    #![proptest_config(crate::props())]

    #[test]
    fn aggregate_price_lies_within_min_and_max_of_valid_sources(prev in prev_strategy(), qs in quotes_strategy()) {
        let g = Guards::default_liquid();
        let a = aggregate(&prev, &qs, 4, &g, 1_000_000, 1_000_000).unwrap();
        if a.applied {
            let lo = qs.iter().map(|q| q.price).min().unwrap();
            let hi = qs.iter().map(|q| q.price).max().unwrap();
            prop_assert!(a.state.price >= lo && a.state.price <= hi);
        }
    }

    #[test]
    fn aggregate_conf_is_at_least_every_sources_distance_to_the_median(prev in prev_strategy(), qs in quotes_strategy()) {
        let g = Guards::default_liquid();
        let a = aggregate(&prev, &qs, 4, &g, 1_000_000, 1_000_000).unwrap();
        if a.applied {
            for x in &qs {
                prop_assert!(a.state.conf >= x.price.abs_diff(a.state.price));
                prop_assert!(a.state.conf >= x.conf);
            }
        }
    }

    #[test]
    fn aggregate_ema_stays_between_old_ema_and_new_price(prev in prev_strategy(), qs in quotes_strategy()) {
        let g = Guards::default_liquid();
        let a = aggregate(&prev, &qs, 4, &g, 1_000_000, 1_000_000).unwrap();
        if a.applied && prev.has_price {
            let (lo, hi) = (prev.ema_price.min(a.state.price), prev.ema_price.max(a.state.price));
            prop_assert!(a.state.ema_price >= lo && a.state.ema_price <= hi);
        }
    }

    #[test]
    fn published_range_contains_the_price_within_the_sources_and_every_source_of_two(prev in prev_strategy(), qs in quotes_strategy()) {
        let g = Guards::default_liquid();
        let a = aggregate(&prev, &qs, 4, &g, 1_000_000, 1_000_000).unwrap();
        if a.applied {
            let lo = qs.iter().map(|q| q.price).min().unwrap();
            let hi = qs.iter().map(|q| q.price).max().unwrap();
            prop_assert!(lo <= a.state.lo_price && a.state.lo_price <= a.state.price);
            prop_assert!(a.state.price <= a.state.hi_price && a.state.hi_price <= hi);
            if qs.len() <= 2 {
                prop_assert_eq!((a.state.lo_price, a.state.hi_price), (lo, hi));
            }
            for x in &qs {
                prop_assert!(a.state.src_conf >= x.conf && a.state.src_conf <= a.state.conf);
            }
        }
    }

    #[test]
    fn publish_time_never_goes_backwards(prev in prev_strategy(), qs in quotes_strategy()) {
        let g = Guards::default_liquid();
        let a = aggregate(&prev, &qs, 4, &g, 1_000_000, 1_000_000).unwrap();
        if prev.has_price {
            prop_assert!(a.state.publish_time >= prev.publish_time);
        }
    }
}

#[test]
fn the_dispute_rule_is_the_spread_over_the_median_beyond_the_limit() {
    assert_eq!(median_of_sorted(&[1, 3, 8]), Ok(3));
    assert_eq!(median_of_sorted(&[1, 4]), Ok(2), "the mean of the middle two, rounded down");
    assert_eq!(median_of_sorted(&[]), Err(MathError::DivideByZero));
    // 3 apart around a median of 200: 1.5 % is at the limit, 1.49 % beyond it.
    assert_eq!(prices_diverge(&mut [202, 199], 150), Ok(false));
    assert_eq!(prices_diverge(&mut [202, 199], 149), Ok(true));
    assert_eq!(prices_diverge(&mut [], 1), Ok(false));
}

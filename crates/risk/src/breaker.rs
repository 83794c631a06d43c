//! The per-market price-band circuit breaker.
//!
//! A price further than `band_bps` from its EMA trips the breaker: the
//! market is reduce-only until `cooldown_slots` have passed. The breaker then
//! releases by itself and re-arms; it never extends itself, so a sustained
//! dislocation trips it again at the next observation after the release.

use crate::math::{MathError, SafeMath};
use crate::precision::BPS_DENOMINATOR;

/// Stored breaker state of a market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BreakerState {
    /// Reduce-only while the slot is below this; 0 when not tripped.
    pub until_slot: u64,
    /// Trips so far.
    pub trips: u32,
}

impl BreakerState {
    /// Whether the breaker holds the market reduce-only at `slot`.
    pub fn active(&self, slot: u64) -> bool {
        slot < self.until_slot
    }
}

/// What an observation changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BreakerChange {
    /// The previous trip's cooldown had ended: the breaker released.
    pub released: bool,
    /// The price was outside the band: the breaker tripped.
    pub tripped: bool,
}

/// Whether `price` lies more than `band_bps` away from `ema` (both at the
/// same precision). A non-positive EMA (no history) is never out of band.
pub fn out_of_band(price: i64, ema: i64, band_bps: u32) -> Result<bool, MathError> {
    if ema <= 0 {
        return Ok(false);
    }
    let gap = (price as i128).safe_sub(ema as i128)?.unsigned_abs();
    let limit = (ema as u128).safe_mul(band_bps as u128)?;
    Ok(gap.safe_mul(BPS_DENOMINATOR as u128)? > limit)
}

/// Observe the breaker at `slot` with the price `outside` the band or not.
pub fn observe(s: &BreakerState, outside: bool, slot: u64, cooldown_slots: u64) -> (BreakerState, BreakerChange) {
    let mut next = *s;
    let mut change = BreakerChange::default();
    if next.until_slot != 0 && !next.active(slot) {
        next.until_slot = 0;
        change.released = true;
    }
    if outside && next.until_slot == 0 {
        next.until_slot = slot.saturating_add(cooldown_slots.max(1));
        next.trips = next.trips.saturating_add(1);
        change.tripped = true;
    }
    (next, change)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_trip_holds_for_the_cooldown_then_releases_and_rearms() {
        let s = BreakerState::default();
        let (s, c) = observe(&s, true, 100, 50);
        assert_eq!(
            (s, c),
            (BreakerState { until_slot: 150, trips: 1 }, BreakerChange { released: false, tripped: true })
        );
        assert!(s.active(149) && !s.active(150));
        // Still outside during the cooldown: no extension, no second trip.
        let (s, c) = observe(&s, true, 120, 50);
        assert_eq!((s.until_slot, c), (150, BreakerChange::default()));
        // Back inside after the cooldown: released.
        let (s, c) = observe(&s, false, 150, 50);
        assert_eq!((s.until_slot, c), (0, BreakerChange { released: true, tripped: false }));
        // A second spike trips it again.
        let (s, c) = observe(&s, true, 400, 50);
        assert_eq!((s, c.tripped), (BreakerState { until_slot: 450, trips: 2 }, true));
    }

    #[test]
    fn the_band_is_measured_against_the_ema_both_ways() {
        assert_eq!(out_of_band(110, 100, 1_000), Ok(false), "exactly at the band is inside");
        assert_eq!(out_of_band(111, 100, 1_000), Ok(true));
        assert_eq!(out_of_band(89, 100, 1_000), Ok(true));
        assert_eq!(out_of_band(5, 0, 1_000), Ok(false), "no EMA yet");
        assert_eq!(out_of_band(i64::MIN, i64::MAX, 10_000), Ok(true), "extremes do not overflow");
    }

    proptest! {
        #![proptest_config(crate::props())]

        #[test]
        fn the_breaker_is_active_exactly_from_a_trip_until_its_cooldown_ends(
            outside in proptest::collection::vec(any::<bool>(), 1..40),
            gaps in proptest::collection::vec(1u64..30, 40),
            cooldown in 1u64..50,
        ) {
            let (mut s, mut slot, mut tripped_at) = (BreakerState::default(), 1_000u64, None::<u64>);
            for (o, g) in outside.iter().zip(gaps) {
                slot += g;
                let (next, c) = observe(&s, *o, slot, cooldown);
                if c.tripped {
                    prop_assert!(*o && !s.active(slot), "trips only outside the band, and only when not held");
                    tripped_at = Some(slot);
                }
                let held = tripped_at.is_some_and(|t| slot < t + cooldown);
                prop_assert_eq!(next.active(slot), held);
                s = next;
            }
        }
    }
}

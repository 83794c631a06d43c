//! Network stress, measured on-chain.
//!
//! Two signals:
//! - **slot-time drift**: over a window of at least `window_slots`, the
//!   clock's unix time elapsed per slot, against the nominal 400 ms;
//! - **stale feeds**: the share of the exchange's feeds whose validity is
//!   `Stale` or worse.
//!
//! Either signal above its threshold puts the exchange in stress mode until
//! `cooldown_slots` after the last time a signal fired; while stressed, the
//! stress multiplier raises every market's maintenance target.

use crate::margin::MULT_ONE;

/// Nominal slot time, ms.
pub const NOMINAL_SLOT_MS: u64 = 400;

/// Stress parameters (governance-set, bounds-checked).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StressParams {
    /// Multiplier applied while stressed, bps (>= 10_000).
    pub stress_mult_bps: u32,
    /// Slot time above which the network is stressed, ms.
    pub slot_time_threshold_ms: u32,
    /// Share of stale feeds above which the exchange is stressed, bps.
    pub stale_share_threshold_bps: u32,
    /// Slots per slot-time measurement window.
    pub window_slots: u64,
    /// Slots stress mode lasts after the last signal.
    pub cooldown_slots: u64,
}

/// Stress state stored in the exchange.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StressState {
    /// First slot of the current measurement window.
    pub window_start_slot: u64,
    /// Unix time at the start of the window.
    pub window_start_ts: i64,
    /// Stressed while the current slot is below this.
    pub stressed_until_slot: u64,
    /// Whether stress mode was on at the last observation (for the
    /// entered / left events).
    pub active: bool,
}

/// What an observation did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StressChange {
    /// The new state.
    pub state: StressState,
    /// Stress mode began with this observation.
    pub entered: bool,
    /// Stress mode had ended by this observation.
    pub left: bool,
    /// Slot time measured over a window that closed now, ms.
    pub measured_slot_ms: Option<u64>,
}

impl StressState {
    /// Whether stress mode is on at `slot`.
    pub fn is_stressed(&self, slot: u64) -> bool {
        slot < self.stressed_until_slot
    }
}

/// The stress multiplier at `slot`: `stress_mult_bps` while stressed, else 1.
pub fn stress_mult_bps(p: &StressParams, s: &StressState, slot: u64) -> u32 {
    if s.is_stressed(slot) {
        p.stress_mult_bps.max(MULT_ONE)
    } else {
        MULT_ONE
    }
}

/// Observe the clock (and, when known, the stale-feed share) at
/// `slot`/`now_ts`. Closes the slot-time window once it spans `window_slots`.
pub fn observe(
    p: &StressParams,
    s: &StressState,
    slot: u64,
    now_ts: i64,
    stale_share_bps: Option<u32>,
) -> StressChange {
    let mut next = *s;
    let mut fired = stale_share_bps.is_some_and(|share| share > p.stale_share_threshold_bps);
    let mut measured = None;
    if s.window_start_slot == 0 || slot < s.window_start_slot {
        next.window_start_slot = slot;
        next.window_start_ts = now_ts;
    } else if slot - s.window_start_slot >= p.window_slots.max(1) {
        let slots = slot - s.window_start_slot;
        let ms = (now_ts.saturating_sub(s.window_start_ts).max(0) as u64).saturating_mul(1_000) / slots;
        measured = Some(ms);
        fired |= ms > p.slot_time_threshold_ms as u64;
        next.window_start_slot = slot;
        next.window_start_ts = now_ts;
    }
    if fired {
        next.stressed_until_slot = next.stressed_until_slot.max(slot.saturating_add(p.cooldown_slots));
    }
    next.active = next.is_stressed(slot);
    StressChange {
        state: next,
        entered: next.active && !s.active,
        left: !next.active && s.active,
        measured_slot_ms: measured,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: StressParams = StressParams {
        stress_mult_bps: 15_000,
        slot_time_threshold_ms: 800,
        stale_share_threshold_bps: 3_000,
        window_slots: 100,
        cooldown_slots: 1_000,
    };

    #[test]
    fn a_window_of_two_second_slots_enters_stress_and_the_cooldown_ends_it() {
        let s = observe(&P, &StressState::default(), 1_000, 10_000, None).state;
        // 100 slots took 200 s: 2,000 ms per slot.
        let c = observe(&P, &s, 1_100, 10_200, None);
        assert_eq!(c.measured_slot_ms, Some(2_000));
        assert!(c.entered);
        assert_eq!(c.state.stressed_until_slot, 2_100);
        assert_eq!(stress_mult_bps(&P, &c.state, 1_500), 15_000);
        assert_eq!(stress_mult_bps(&P, &c.state, 2_100), MULT_ONE);
        // Normal slots afterwards: no new signal; stress ends at the cooldown.
        let c2 = observe(&P, &c.state, 1_200, 10_240, None);
        assert!(!c2.entered && !c2.left && c2.state.is_stressed(1_200));
        assert_eq!(c2.measured_slot_ms, Some(400));
        let c3 = observe(&P, &c2.state, 2_100, 10_600, None);
        assert!(c3.left && !c3.state.active);
    }

    #[test]
    fn a_high_stale_share_enters_stress_at_once() {
        let s = observe(&P, &StressState::default(), 1_000, 10_000, None).state;
        let c = observe(&P, &s, 1_001, 10_000, Some(5_000));
        assert!(c.entered);
        let c = observe(&P, &s, 1_001, 10_000, Some(3_000));
        assert!(!c.entered, "at the threshold is not above it");
    }
}

//! Rate limits on the guardian's emergency pauses: each pause expires after
//! at most `max_pause_slots`, at most `max_consecutive` pauses may follow one
//! another without a free interval, and at most `max_per_day` pauses may
//! start in one day. Governance lifting a pause resets the consecutive count.

/// Slots in one day at the nominal 400 ms per slot.
pub const DAY_SLOTS: u64 = 216_000;

/// Governance-set limits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuardianLimits {
    /// Longest pause, slots.
    pub max_pause_slots: u64,
    /// Most pauses in a row (each starting before the previous one ended
    /// plus `max_pause_slots` of freedom).
    pub max_consecutive: u8,
    /// Most pauses starting in one day window.
    pub max_per_day: u8,
}

/// Stored state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuardianState {
    /// The current (or last) guardian pause ends at this slot.
    pub expires_slot: u64,
    /// First slot of the current day window.
    pub day_start_slot: u64,
    /// Pauses started in the current day window.
    pub day_count: u8,
    /// Pauses in the current run.
    pub consecutive: u8,
}

/// Why a guardian pause was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardianRefusal {
    /// Longer than `max_pause_slots`, or zero.
    Duration,
    /// `max_consecutive` reached: governance must act first.
    Consecutive,
    /// `max_per_day` reached.
    Daily,
}

impl GuardianState {
    /// Whether a guardian pause holds at `slot`.
    pub fn active(&self, slot: u64) -> bool {
        slot < self.expires_slot
    }
}

/// Admit a pause of `duration` slots starting at `slot`. The pause ends at
/// the later of its own end and any pause already running.
pub fn admit_pause(
    s: &GuardianState,
    l: &GuardianLimits,
    slot: u64,
    duration: u64,
) -> Result<GuardianState, GuardianRefusal> {
    if duration == 0 || duration > l.max_pause_slots {
        return Err(GuardianRefusal::Duration);
    }
    let in_run = s.consecutive > 0 && slot < s.expires_slot.saturating_add(l.max_pause_slots);
    let consecutive = if in_run { s.consecutive } else { 0 };
    if consecutive >= l.max_consecutive {
        return Err(GuardianRefusal::Consecutive);
    }
    let rolled = slot >= s.day_start_slot.saturating_add(DAY_SLOTS);
    let (day_start_slot, day_count) = if rolled { (slot, 0) } else { (s.day_start_slot, s.day_count) };
    if day_count >= l.max_per_day {
        return Err(GuardianRefusal::Daily);
    }
    Ok(GuardianState {
        expires_slot: s.expires_slot.max(slot.saturating_add(duration)),
        day_start_slot,
        day_count: day_count + 1,
        consecutive: consecutive + 1,
    })
}

/// Governance lifted the guardian's pauses: they end now, and the run of
/// consecutive pauses starts over.
pub fn lift(s: &GuardianState, slot: u64) -> GuardianState {
    GuardianState { expires_slot: s.expires_slot.min(slot), consecutive: 0, ..*s }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const L: GuardianLimits = GuardianLimits { max_pause_slots: 100, max_consecutive: 2, max_per_day: 3 };

    #[test]
    fn pauses_expire_and_runs_and_days_are_limited() {
        let s = GuardianState::default();
        assert_eq!(admit_pause(&s, &L, 1_000, 0), Err(GuardianRefusal::Duration));
        assert_eq!(admit_pause(&s, &L, 1_000, 101), Err(GuardianRefusal::Duration));
        let s = admit_pause(&s, &L, 1_000, 100).unwrap();
        assert!(s.active(1_099) && !s.active(1_100));
        // Re-pausing right after it lapses continues the run: the second is
        // allowed, the third is not.
        let s = admit_pause(&s, &L, 1_150, 100).unwrap();
        assert_eq!(s.consecutive, 2);
        assert_eq!(admit_pause(&s, &L, 1_260, 50), Err(GuardianRefusal::Consecutive));
        // After a free interval of max_pause_slots, a new run starts.
        let s = admit_pause(&s, &L, 1_350, 50).unwrap();
        assert_eq!((s.consecutive, s.day_count), (1, 3));
        // Governance lifting resets the run, but not the day's count.
        let s = lift(&s, 1_360);
        assert!(!s.active(1_360));
        assert_eq!(admit_pause(&s, &L, 1_370, 10), Err(GuardianRefusal::Daily));
        // A new day.
        assert_eq!(admit_pause(&s, &L, 1_000 + DAY_SLOTS, 10).unwrap().day_count, 1);
    }

    proptest! {
        #![proptest_config(crate::props())]

        #[test]
        fn the_guardian_never_holds_a_pause_longer_than_its_limits_allow(
            steps in proptest::collection::vec((1u64..400, 1u64..150, any::<bool>()), 1..60),
        ) {
            let (mut s, mut slot) = (GuardianState::default(), 0u64);
            let mut starts: Vec<u64> = Vec::new();
            for (gap, duration, lift_now) in steps {
                slot += gap;
                if lift_now {
                    s = lift(&s, slot);
                    continue;
                }
                if let Ok(next) = admit_pause(&s, &L, slot, duration) {
                    prop_assert!(next.expires_slot <= slot + L.max_pause_slots, "never beyond one maximum from now");
                    starts.push(slot);
                    let today = starts.iter().filter(|t| **t >= next.day_start_slot).count();
                    prop_assert!(today <= L.max_per_day as usize);
                    prop_assert!(next.consecutive <= L.max_consecutive);
                    s = next;
                }
            }
        }
    }
}

//! Queued governance changes, in both programs: when one can no longer be
//! applied. Only the newest queued change of a field (the engine) or of a
//! feed (the adapter) applies, and each expires a grace period after its
//! earliest slot.

/// Why a queued change is dead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dead {
    /// A newer change of the same field or feed was queued or made since.
    Superseded,
    /// More than its grace period has passed since its eta.
    Expired,
}

/// Whether change `id`, applicable from `eta_slot`, is dead at `slot`.
/// `newest` is the id + 1 of the newest change recorded for its field or
/// feed (0: none recorded, as for changes queued before the record
/// existed).
pub fn dead(id: u64, eta_slot: u64, newest: u64, grace_slots: u64, slot: u64) -> Option<Dead> {
    if newest != 0 && newest != id.saturating_add(1) {
        return Some(Dead::Superseded);
    }
    (slot > eta_slot.saturating_add(grace_slots)).then_some(Dead::Expired)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_newest_change_lives_and_only_until_its_grace_ends() {
        assert_eq!(dead(4, 100, 5, 10, 110), None, "the newest, at the last slot of its grace");
        assert_eq!(dead(4, 100, 5, 10, 111), Some(Dead::Expired));
        assert_eq!(dead(4, 100, 6, 10, 100), Some(Dead::Superseded));
        assert_eq!(dead(4, 100, 0, 10, 105), None, "no record: not superseded");
        assert_eq!(dead(u64::MAX, u64::MAX, 0, u64::MAX, u64::MAX), None, "saturates");
    }
}

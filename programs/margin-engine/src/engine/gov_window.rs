//! Chained-governance rules over a [`GovRecord`]:
//! - **rate limit**: within one timelock window a stepped field moves at
//!   most a factor of 2 from its value when the window opened, however
//!   many changes (each itself within a factor of 2 of the current value);
//! - **supersede**: only the newest queued change of a (target, field) may
//!   be applied, and an instant `set_param` of the field supersedes every
//!   change queued before it;
//! - **expiry**: a queued change may be applied from its eta for
//!   `CHANGE_GRACE_SLOTS`, never later; expired and superseded changes can
//!   only be closed (their rent returns to the payer).

use super::governance::{within_step, FieldSpec};
use crate::constants::CHANGE_GRACE_SLOTS;
use crate::errors::EngineError;
use crate::state::{FieldWindow, GovRecord, PendingChange};
use anchor_lang::prelude::*;
use ballast_risk::queue::{dead, Dead};

/// Record a change of a field from `old` to `new` at `slot` against its
/// rate-limit window (`window_slots` long, opened by the first change after
/// the last one ended). Unstepped fields (keys, status, queued-only kinds)
/// are not rate-limited.
pub fn rate_limit(
    w: &mut FieldWindow,
    spec: &FieldSpec,
    old: u64,
    new: u64,
    slot: u64,
    window_slots: u64,
) -> Result<()> {
    if !spec.stepped {
        return Ok(());
    }
    if slot >= w.window_end_slot {
        w.window_end_slot = slot.saturating_add(window_slots);
        w.window_base = old;
    }
    if w.window_base == 0 {
        // From 0 any value in bounds, once: it becomes the window's base.
        w.window_base = new;
        return Ok(());
    }
    if !within_step(w.window_base, new) {
        msg!("{}: {} -> {} is beyond a factor of 2 of {} (this window's start)", spec.name, old, new, w.window_base);
        return err!(EngineError::RateLimited);
    }
    Ok(())
}

/// Why a queued change can no longer be applied, if it cannot.
pub fn dead_reason(p: &PendingChange, record: &GovRecord, slot: u64) -> Result<Option<EngineError>> {
    let newest = record.field(p.field)?.newest_change;
    Ok(dead(p.id, p.eta_slot, newest, CHANGE_GRACE_SLOTS, slot).map(|d| match d {
        Dead::Superseded => EngineError::ChangeSuperseded,
        Dead::Expired => EngineError::ChangeExpired,
    }))
}

/// A queued change may be applied at `slot`: its timelock passed, it is not
/// expired, and no newer change of its field superseded it.
pub fn require_live(p: &PendingChange, record: &GovRecord, slot: u64) -> Result<()> {
    require!(record.target == p.target, EngineError::WrongChangeTarget);
    require!(slot >= p.eta_slot, EngineError::TimelockPending);
    match dead_reason(p, record, slot)? {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::governance::MARKET_FIELDS;

    #[test]
    fn a_window_allows_one_factor_of_2_in_all_and_reopens_after_its_length() {
        let spec = MARKET_FIELDS[1];
        let mut w = FieldWindow::default();
        assert!(rate_limit(&mut w, &spec, 500, 1_000, 100, 50).is_ok());
        assert_eq!((w.window_end_slot, w.window_base), (150, 500));
        assert!(rate_limit(&mut w, &spec, 1_000, 1_001, 149, 50).is_err(), "chained step");
        assert!(rate_limit(&mut w, &spec, 1_000, 250, 149, 50).is_ok(), "anywhere within 2x of the base");
        assert!(rate_limit(&mut w, &spec, 250, 249, 149, 50).is_err());
        assert!(rate_limit(&mut w, &spec, 250, 500, 150, 50).is_ok(), "a new window from 250");
        assert_eq!(w.window_base, 250);
        let mut z = FieldWindow::default();
        assert!(rate_limit(&mut z, &spec, 0, 7, 1, 50).is_ok() && z.window_base == 7);
        assert!(rate_limit(&mut z, &spec, 7, 15, 2, 50).is_err(), "from 0 only once per window");
    }
}

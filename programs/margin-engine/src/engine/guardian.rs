//! The guardian's three actions on plain values. Each only tightens, for at
//! most `max_pause_slots`, within the rate limit of
//! `ballast_risk::guardian`; a shorter or smaller request never shortens or
//! lowers one already running.

use crate::constants::pause as ops;
use crate::errors::EngineError;
use crate::state::{Exchange, Market};
use anchor_lang::prelude::*;
use ballast_risk::guardian::{admit_pause, GuardianRefusal};
use ballast_risk::margin::MULT_ONE;

/// The largest guardian margin multiplier, bps (4x).
pub const MAX_GUARDIAN_MULT_BPS: u32 = 4 * MULT_ONE;

/// Admit one guardian action of `duration` slots at `slot`; returns when it
/// ends.
fn admit(ex: &mut Exchange, slot: u64, duration: u64) -> Result<u64> {
    let next = admit_pause(&ex.guardian(), &ex.guardian_limits(), slot, duration).map_err(|r| match r {
        GuardianRefusal::Duration => error!(EngineError::GuardianDuration),
        GuardianRefusal::Consecutive | GuardianRefusal::Daily => error!(EngineError::GuardianRateLimited),
    })?;
    ex.set_guardian(&next);
    Ok(next.expires_slot)
}

/// Pause the operations in `bits` (a non-empty subset of `pause::ALL`) for
/// `duration` slots, added to any guardian pause still running. Returns
/// when the run ends.
pub fn pause(ex: &mut Exchange, bits: u32, duration: u64, slot: u64) -> Result<u64> {
    require!(bits != 0 && bits & !ops::ALL == 0, EngineError::InvalidPauseBits);
    let running = if ex.guardian().active(slot) { ex.guardian_pause_bits } else { 0 };
    let until_slot = admit(ex, slot, duration)?;
    ex.guardian_pause_bits = running | bits;
    Ok(until_slot)
}

/// Multiply `market`'s maintenance target by `mult_bps`, in (1x, 4x], for
/// `duration` slots; a running raise keeps the larger multiplier and the
/// later end.
pub fn raise_margin(ex: &mut Exchange, market: &mut Market, duration: u64, mult_bps: u32, slot: u64) -> Result<()> {
    require!(mult_bps > MULT_ONE && mult_bps <= MAX_GUARDIAN_MULT_BPS, EngineError::ParamOutOfBounds);
    admit(ex, slot, duration)?;
    market.guardian_margin_mult_bps = mult_bps.max(market.guardian_mult_bps(slot));
    market.guardian_mult_until_slot = market.guardian_mult_until_slot.max(slot.saturating_add(duration));
    Ok(())
}

/// Hold `market` reduce-only for `duration` slots (never shortening a
/// running hold).
pub fn reduce_only(ex: &mut Exchange, market: &mut Market, duration: u64, slot: u64) -> Result<()> {
    admit(ex, slot, duration)?;
    market.guardian_until_slot = market.guardian_until_slot.max(slot.saturating_add(duration));
    Ok(())
}

//! The guardian: a key that can only tighten, briefly. It pauses operations
//! (`guardian_pause`), holds a market reduce-only (`guardian_reduce_only`)
//! or raises its margin (`guardian_raise_margin`) for at most the governance-set `max_pause_slots`, within a rate limit
//! (`ballast_risk::guardian`). Nothing it can call loosens anything:
//! pauses and holds only add restrictions, and a shorter request never
//! shortens one already running.

use crate::constants::*;
use crate::errors::EngineError;
use crate::events::{GuardianHold, GuardianMarginRaised, GuardianPaused};
use crate::state::{Exchange, Market};
use anchor_lang::prelude::*;
use ballast_risk::guardian::{admit_pause, GuardianRefusal};

/// Accounts of `guardian_pause`.
#[derive(Accounts)]
pub struct GuardianPause<'info> {
    /// The guardian.
    pub guardian: Signer<'info>,
    /// The exchange naming the guardian.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = guardian @ EngineError::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Accounts of `guardian_reduce_only`.
#[derive(Accounts)]
pub struct GuardianReduceOnly<'info> {
    /// The guardian.
    pub guardian: Signer<'info>,
    /// The exchange naming the guardian (rate-limit state).
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = guardian @ EngineError::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market to hold.
    #[account(mut, seeds = [MARKET_SEED, &market.load()?.index.to_le_bytes()], bump = market.load()?.bump)]
    pub market: AccountLoader<'info, Market>,
}

/// Admit one guardian action of `duration` slots; returns when it ends.
fn admit(ex: &mut Exchange, slot: u64, duration: u64) -> Result<u64> {
    let next = admit_pause(&ex.guardian(), &ex.guardian_limits(), slot, duration).map_err(|r| match r {
        GuardianRefusal::Duration => error!(EngineError::GuardianDuration),
        GuardianRefusal::Consecutive | GuardianRefusal::Daily => error!(EngineError::GuardianRateLimited),
    })?;
    ex.set_guardian(&next);
    Ok(next.expires_slot)
}

/// Pause the operations in `bits` for `duration_slots` (added to any
/// guardian pause still running; the run ends at the later end).
pub fn pause_handler(ctx: Context<GuardianPause>, bits: u32, duration_slots: u64) -> Result<()> {
    require!(bits != 0 && bits & !pause::ALL == 0, EngineError::InvalidPauseBits);
    let slot = Clock::get()?.slot;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let running = if ex.guardian().active(slot) { ex.guardian_pause_bits } else { 0 };
    let until_slot = admit(&mut ex, slot, duration_slots)?;
    ex.guardian_pause_bits = running | bits;
    oracle_adapter::emit_event!(GuardianPaused {
        bits: ex.guardian_pause_bits,
        until_slot,
        day_count: ex.guardian_day_count,
        consecutive: ex.guardian_consecutive,
    });
    Ok(())
}

/// Multiply `market`'s maintenance target by `mult_bps` (in (1x, 4x]) for
/// `duration_slots`; a running raise keeps the larger multiplier and the
/// later end.
pub fn raise_margin_handler(ctx: Context<GuardianReduceOnly>, duration_slots: u64, mult_bps: u32) -> Result<()> {
    require!((10_001..=40_000).contains(&mult_bps), EngineError::ParamOutOfBounds);
    let slot = Clock::get()?.slot;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let mut market = ctx.accounts.market.load_mut()?;
    admit(&mut ex, slot, duration_slots)?;
    let mult_bps = mult_bps.max(market.guardian_mult_bps(slot));
    let until_slot = market.guardian_mult_until_slot.max(slot.saturating_add(duration_slots));
    market.guardian_margin_mult_bps = mult_bps;
    market.guardian_mult_until_slot = until_slot;
    oracle_adapter::emit_event!(GuardianMarginRaised { market: market.index, mult_bps, until_slot });
    Ok(())
}

/// Hold `market` reduce-only for `duration_slots`.
pub fn reduce_only_handler(ctx: Context<GuardianReduceOnly>, duration_slots: u64) -> Result<()> {
    let slot = Clock::get()?.slot;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let mut market = ctx.accounts.market.load_mut()?;
    admit(&mut ex, slot, duration_slots)?;
    let until_slot = market.guardian_until_slot.max(slot.saturating_add(duration_slots));
    market.guardian_until_slot = until_slot;
    oracle_adapter::emit_event!(GuardianHold { market: market.index, until_slot });
    Ok(())
}

//! The guardian: a key that can only tighten, briefly. It pauses operations
//! (`guardian_pause`), holds a market reduce-only (`guardian_reduce_only`)
//! or raises its margin (`guardian_raise_margin`) for at most the
//! governance-set `max_pause_slots`, within a rate limit
//! (`ballast_risk::guardian`); the rules are `engine::guardian`'s. Nothing it can call loosens anything:
//! pauses and holds only add restrictions, and a shorter request never
//! shortens one already running.

use crate::constants::*;
use crate::engine::guardian::{pause, raise_margin, reduce_only};
use crate::errors::EngineError;
use crate::events::{GuardianHold, GuardianMarginRaised, GuardianPaused};
use crate::state::{Exchange, Market};
use anchor_lang::prelude::*;

/// Accounts of `guardian_pause`.
#[derive(Accounts)]
pub struct GuardianPause<'info> {
    /// The guardian.
    pub guardian: Signer<'info>,
    /// The exchange naming the guardian.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = guardian @ EngineError::NotGuardian)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// Accounts of `guardian_reduce_only` and `guardian_raise_margin`.
#[derive(Accounts)]
pub struct GuardianMarket<'info> {
    /// The guardian.
    pub guardian: Signer<'info>,
    /// The exchange naming the guardian (rate-limit state).
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = guardian @ EngineError::NotGuardian)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market to hold or raise.
    #[account(mut, seeds = [MARKET_SEED, &market.load()?.index.to_le_bytes()], bump = market.load()?.bump)]
    pub market: AccountLoader<'info, Market>,
}

/// Pause the operations in `bits` for `duration_slots` (added to any
/// guardian pause still running; the run ends at the later end).
pub fn pause_handler(ctx: Context<GuardianPause>, bits: u32, duration_slots: u64) -> Result<()> {
    let slot = Clock::get()?.slot;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let until_slot = pause(&mut ex, bits, duration_slots, slot)?;
    ballast_runtime::emit_event!(GuardianPaused {
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
pub fn raise_margin_handler(ctx: Context<GuardianMarket>, duration_slots: u64, mult_bps: u32) -> Result<()> {
    let slot = Clock::get()?.slot;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let mut market = ctx.accounts.market.load_mut()?;
    raise_margin(&mut ex, &mut market, duration_slots, mult_bps, slot)?;
    ballast_runtime::emit_event!(GuardianMarginRaised {
        market: market.index,
        mult_bps: market.guardian_margin_mult_bps,
        until_slot: market.guardian_mult_until_slot,
    });
    Ok(())
}

/// Hold `market` reduce-only for `duration_slots`.
pub fn reduce_only_handler(ctx: Context<GuardianMarket>, duration_slots: u64) -> Result<()> {
    let slot = Clock::get()?.slot;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let mut market = ctx.accounts.market.load_mut()?;
    reduce_only(&mut ex, &mut market, duration_slots, slot)?;
    ballast_runtime::emit_event!(GuardianHold { market: market.index, until_slot: market.guardian_until_slot });
    Ok(())
}

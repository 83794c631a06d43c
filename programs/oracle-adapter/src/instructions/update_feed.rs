//! Feed governance. `update_feed` applies a tightening change at once (guard
//! rails moved only the tightening way, sources unchanged);
//! `queue_feed_update` puts any change behind the timelock, after which
//! anyone may `apply_feed_update`; `cancel_feed_update` withdraws it. Any
//! change of sources, adding one above all, is loosening.
//!
//! Per feed, only the newest queued update may be applied (`newest_update`
//! on the feed), and an instant `update_feed` supersedes every update queued
//! before it; a queued update expires `UPDATE_GRACE_SLOTS` after its eta.
//! Instant updates of a feed are one per timelock window (`RateLimited`).
//! Anyone may `close_feed_update` an expired or superseded update.

use super::create_feed::{validate_guards, validate_sources};
use crate::constants::*;
use crate::errors::AdapterError;
use crate::events::{FeedUpdateCancelled, FeedUpdateClosed, FeedUpdateQueued, FeedUpdated};
use crate::state::{AdapterConfig, GuardParams, PendingFeedUpdate, PriceFeed, SourceParam};
use anchor_lang::prelude::*;
use ballast_risk::oracle::classify_change;
use ballast_risk::queue::{dead, Dead};
use ballast_runtime::create_pda;

/// Arguments of `update_feed`. `None` keeps the current value.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct UpdateFeedParams {
    /// New sources (1-4, distinct), or `None`.
    pub sources: Option<Vec<SourceParam>>,
    /// New guard rails, or `None`.
    pub guards: Option<GuardParams>,
}

/// Accounts of `update_feed`.
#[derive(Accounts)]
pub struct UpdateFeed<'info> {
    /// The adapter's governance authority.
    pub authority: Signer<'info>,
    /// The adapter config naming the authority.
    #[account(seeds = [CONFIG_SEED], bump = config.bump, has_one = authority @ AdapterError::Unauthorized)]
    pub config: Account<'info, AdapterConfig>,
    /// The feed to change.
    #[account(mut)]
    pub feed: AccountLoader<'info, PriceFeed>,
}

/// Accounts of `queue_feed_update`.
#[derive(Accounts)]
pub struct QueueFeedUpdate<'info> {
    /// The adapter's governance authority; pays the pending update's rent.
    #[account(mut)]
    pub authority: Signer<'info>,
    /// The adapter config naming the authority.
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump, has_one = authority @ AdapterError::Unauthorized)]
    pub config: Account<'info, AdapterConfig>,
    /// The feed to change (checked now, changed when applied; records the
    /// newest queued update).
    #[account(mut)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: the next pending-update PDA (seeds checked), created here.
    #[account(mut, seeds = [UPDATE_SEED, &config.next_update_id.to_le_bytes()], bump)]
    pub pending: UncheckedAccount<'info>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// Accounts of `apply_feed_update` (anyone).
#[derive(Accounts)]
pub struct ApplyFeedUpdate<'info> {
    /// The pending update; closed, rent to its payer.
    #[account(mut, close = payer, seeds = [UPDATE_SEED, &pending.id.to_le_bytes()], bump = pending.bump,
              has_one = feed @ AdapterError::WrongPriceFeed, has_one = payer @ AdapterError::Unauthorized)]
    pub pending: Account<'info, PendingFeedUpdate>,
    /// The feed it changes.
    #[account(mut)]
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: receives the rent (the update's payer, checked by `has_one`).
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
}

/// Accounts of `close_feed_update` (anyone): an expired or superseded update.
#[derive(Accounts)]
pub struct CloseFeedUpdate<'info> {
    /// The pending update; closed, rent to its payer.
    #[account(mut, close = payer, seeds = [UPDATE_SEED, &pending.id.to_le_bytes()], bump = pending.bump,
              has_one = feed @ AdapterError::WrongPriceFeed, has_one = payer @ AdapterError::Unauthorized)]
    pub pending: Account<'info, PendingFeedUpdate>,
    /// The feed it would change.
    pub feed: AccountLoader<'info, PriceFeed>,
    /// CHECK: receives the rent (the update's payer, checked by `has_one`).
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
}

/// Why a queued update can no longer be applied at `slot`, if it cannot.
fn dead_reason(pending: &PendingFeedUpdate, feed: &PriceFeed, slot: u64) -> Option<AdapterError> {
    dead(pending.id, pending.eta_slot, feed.newest_update, UPDATE_GRACE_SLOTS, slot).map(|d| match d {
        Dead::Superseded => AdapterError::UpdateSuperseded,
        Dead::Expired => AdapterError::UpdateExpired,
    })
}

/// Accounts of `cancel_feed_update`.
#[derive(Accounts)]
pub struct CancelFeedUpdate<'info> {
    /// The adapter's governance authority.
    pub authority: Signer<'info>,
    /// The adapter config naming the authority.
    #[account(seeds = [CONFIG_SEED], bump = config.bump, has_one = authority @ AdapterError::Unauthorized)]
    pub config: Account<'info, AdapterConfig>,
    /// The pending update; closed, rent to its payer.
    #[account(mut, close = payer, seeds = [UPDATE_SEED, &pending.id.to_le_bytes()], bump = pending.bump,
              has_one = payer @ AdapterError::Unauthorized)]
    pub pending: Account<'info, PendingFeedUpdate>,
    /// CHECK: receives the rent (the update's payer, checked by `has_one`).
    #[account(mut)]
    pub payer: UncheckedAccount<'info>,
}

/// Validate `params` against `feed` (bounds, source rules, guards against
/// the resulting source count, factor-of-2 steps) and apply them to it.
/// Returns whether the change tightens, and the `FeedUpdated` event.
fn apply_update(feed: &mut PriceFeed, key: Pubkey, params: &UpdateFeedParams) -> Result<(bool, FeedUpdated)> {
    require!(params.sources.is_some() || params.guards.is_some(), AdapterError::EmptyUpdate);
    let old_sources = feed.source_params();
    let old_guards = GuardParams::from(feed.guards());
    if let Some(sources) = &params.sources {
        validate_sources(sources)?;
    }
    let num_sources = params.sources.as_ref().map_or(old_sources.len(), Vec::len);
    let guards = validate_guards(&params.guards.unwrap_or(old_guards), num_sources)?;
    let guards_tighten = classify_change(&feed.guards(), &guards).map_err(|field| {
        msg!("guard {} moves more than a factor of 2", field);
        error!(AdapterError::StepTooLarge)
    })?;
    let sources_unchanged = params.sources.as_ref().is_none_or(|s| *s == old_sources);
    if let Some(sources) = &params.sources {
        feed.set_sources(sources);
    }
    feed.set_guards(&guards);
    let event = FeedUpdated {
        feed: key,
        old_sources,
        new_sources: feed.source_params(),
        old_guards,
        new_guards: GuardParams::from(guards),
    };
    Ok((guards_tighten && sources_unchanged, event))
}

/// Apply a tightening update now; a loosening one is refused
/// (`LooseningNeedsTimelock`) and changes nothing.
pub fn handler(ctx: Context<UpdateFeed>, params: UpdateFeedParams) -> Result<()> {
    let mut feed = ctx.accounts.feed.load_mut()?;
    let (tightening, event) = apply_update(&mut feed, ctx.accounts.feed.key(), &params)?;
    require!(tightening, AdapterError::LooseningNeedsTimelock);
    // One instant update per feed per timelock window.
    let slot = Clock::get()?.slot;
    let last = feed.last_instant_update_slot;
    require!(last == 0 || slot >= last.saturating_add(ctx.accounts.config.timelock_slots), AdapterError::RateLimited);
    feed.last_instant_update_slot = slot.max(1);
    // Supersedes every update of this feed queued before.
    feed.newest_update = ctx.accounts.config.next_update_id.checked_add(1).ok_or(AdapterError::MathOverflow)?;
    drop(feed);
    ballast_runtime::emit_event!(event);
    Ok(())
}

/// Queue an update for the timelock; checked now against the feed.
pub fn queue_handler(ctx: Context<QueueFeedUpdate>, params: UpdateFeedParams) -> Result<()> {
    let mut probe = *ctx.accounts.feed.load()?;
    apply_update(&mut probe, ctx.accounts.feed.key(), &params)?;
    let config = &mut ctx.accounts.config;
    let id = config.next_update_id;
    let eta_slot = Clock::get()?.slot.saturating_add(config.timelock_slots);
    let info = ctx.accounts.pending.to_account_info();
    create_pda(
        &ctx.accounts.authority.to_account_info(),
        &info,
        &ctx.accounts.system_program.to_account_info(),
        PendingFeedUpdate::SPACE,
        &crate::ID,
        &[UPDATE_SEED, &id.to_le_bytes(), &[ctx.bumps.pending]],
        || error!(AdapterError::AlreadyInitialized),
    )?;
    let pending = PendingFeedUpdate {
        id,
        feed: ctx.accounts.feed.key(),
        params,
        eta_slot,
        payer: ctx.accounts.authority.key(),
        bump: ctx.bumps.pending,
    };
    pending.try_serialize(&mut &mut info.try_borrow_mut_data()?[..])?;
    config.next_update_id = id.checked_add(1).ok_or(AdapterError::MathOverflow)?;
    ctx.accounts.feed.load_mut()?.newest_update = config.next_update_id;
    ballast_runtime::emit_event!(FeedUpdateQueued { id, feed: pending.feed, eta_slot });
    Ok(())
}

/// Apply a queued update once its timelock has passed, within its grace
/// period, if it is the feed's newest (anyone may call).
pub fn apply_handler(ctx: Context<ApplyFeedUpdate>) -> Result<()> {
    let slot = Clock::get()?.slot;
    require!(slot >= ctx.accounts.pending.eta_slot, AdapterError::TimelockPending);
    let mut feed = ctx.accounts.feed.load_mut()?;
    if let Some(e) = dead_reason(&ctx.accounts.pending, &feed, slot) {
        return Err(e.into());
    }
    let (_, event) = apply_update(&mut feed, ctx.accounts.feed.key(), &ctx.accounts.pending.params)?;
    drop(feed);
    ballast_runtime::emit_event!(event);
    Ok(())
}

/// Cancel a queued update.
pub fn cancel_handler(ctx: Context<CancelFeedUpdate>) -> Result<()> {
    ballast_runtime::emit_event!(FeedUpdateCancelled { id: ctx.accounts.pending.id });
    Ok(())
}

/// Close an expired or superseded update (anyone may call); its rent
/// returns to its payer. One that may still be applied is refused.
pub fn close_handler(ctx: Context<CloseFeedUpdate>) -> Result<()> {
    let feed = ctx.accounts.feed.load()?;
    let reason = dead_reason(&ctx.accounts.pending, &feed, Clock::get()?.slot).ok_or(AdapterError::UpdateStillLive)?;
    ballast_runtime::emit_event!(FeedUpdateClosed {
        id: ctx.accounts.pending.id,
        expired: matches!(reason, AdapterError::UpdateExpired)
    });
    Ok(())
}

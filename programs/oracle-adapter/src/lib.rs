//! # Ballast oracle adapter
//!
//! Turns Pyth and Switchboard accounts (four formats) into one validated price
//! per asset: a `PriceFeed` PDA with price, confidence, EMA, realised
//! volatility, publish time and a severity-ordered `Validity`.
//!
//! Prices are published at `ballast_risk::precision::PRICE_PRECISION`
//! (10^-9 USD). This file is dispatch only; see `instructions/`.

// Anchor's macros generate undocumented items, so `missing_docs` is
// warned on the modules this crate writes by hand.
#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

#[warn(missing_docs)]
pub mod constants;
#[warn(missing_docs)]
pub mod engine;
#[warn(missing_docs)]
pub mod errors;
#[warn(missing_docs)]
pub mod events;
pub mod instructions;
#[warn(missing_docs)]
pub mod reader;
#[warn(missing_docs)]
pub mod sources;
#[warn(missing_docs)]
pub mod state;

use instructions::*;

declare_id!("8j4nWaroTmNxGem3cmvJeiJ7m6DM99CUZB7f7ypYxFvc");

/// The oracle-adapter program.
#[program]
pub mod oracle_adapter {
    use super::*;

    /// Create the adapter config and set its governance authority. Once only.
    pub fn initialize(ctx: Context<Initialize>, authority: Pubkey, timelock_slots: u64) -> Result<()> {
        instructions::initialize::handler(ctx, authority, timelock_slots)
    }

    /// Governance: create a feed for one asset with 1-4 sources and guard rails.
    pub fn create_feed(ctx: Context<CreateFeed>, params: CreateFeedParams) -> Result<()> {
        instructions::create_feed::handler(ctx, params)
    }

    /// Governance: tighten a feed's guard rails at once (old -> new event);
    /// a loosening update fails with `LooseningNeedsTimelock`.
    pub fn update_feed(ctx: Context<UpdateFeed>, params: UpdateFeedParams) -> Result<()> {
        instructions::update_feed::handler(ctx, params)
    }

    /// Governance: queue any feed update behind the timelock.
    pub fn queue_feed_update(ctx: Context<QueueFeedUpdate>, params: UpdateFeedParams) -> Result<()> {
        instructions::update_feed::queue_handler(ctx, params)
    }

    /// Anyone: apply a queued feed update after its timelock, within its
    /// grace period, if no newer update of the feed was queued or made since.
    pub fn apply_feed_update(ctx: Context<ApplyFeedUpdate>) -> Result<()> {
        instructions::update_feed::apply_handler(ctx)
    }

    /// Anyone: close an expired or superseded queued feed update (rent to
    /// its payer).
    pub fn close_feed_update(ctx: Context<CloseFeedUpdate>) -> Result<()> {
        instructions::update_feed::close_handler(ctx)
    }

    /// Governance: cancel a queued feed update.
    pub fn cancel_feed_update(ctx: Context<CancelFeedUpdate>) -> Result<()> {
        instructions::update_feed::cancel_handler(ctx)
    }

    /// Governance: name a successor authority (the default key withdraws
    /// the proposal). It takes over when it accepts.
    pub fn propose_authority(ctx: Context<ProposeAuthority>, successor: Pubkey) -> Result<()> {
        instructions::authority::propose_handler(ctx, successor)
    }

    /// The proposed successor: take over the adapter's authority.
    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        instructions::authority::accept_handler(ctx)
    }

    /// Permissionless: re-aggregate a feed from its source accounts, passed as
    /// remaining accounts in configured order.
    pub fn refresh<'info>(ctx: Context<'info, Refresh<'info>>) -> Result<()> {
        instructions::refresh::handler(ctx)
    }
}

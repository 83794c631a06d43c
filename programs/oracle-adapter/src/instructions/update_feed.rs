//! `update_feed`: governance changes a feed's sources and/or guard rails.

use super::create_feed::{validate_guards, validate_sources};
use crate::constants::*;
use crate::errors::AdapterError;
use crate::events::FeedUpdated;
use crate::state::{AdapterConfig, GuardParams, PriceFeed, SourceParam};
use anchor_lang::prelude::*;

/// Arguments of `update_feed`. `None` keeps the current value.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
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

/// 1. Require at least one change.
/// 2. Validate the new sources, then the guard rails against the resulting
///    source count (so `min_valid_sources` can never exceed it).
/// 3. Store, and emit `FeedUpdated` with old -> new.
pub fn handler(ctx: Context<UpdateFeed>, params: UpdateFeedParams) -> Result<()> {
    require!(params.sources.is_some() || params.guards.is_some(), AdapterError::EmptyUpdate);
    let mut feed = ctx.accounts.feed.load_mut()?;
    let old_sources = feed.source_params();
    let old_guards = GuardParams::from(feed.guards());

    if let Some(sources) = &params.sources {
        validate_sources(sources)?;
    }
    let num_sources = params.sources.as_ref().map_or(old_sources.len(), Vec::len);
    let guards = validate_guards(&params.guards.unwrap_or(old_guards), num_sources)?;

    if let Some(sources) = &params.sources {
        feed.set_sources(sources);
    }
    feed.set_guards(&guards);
    let new_sources = feed.source_params();
    drop(feed);

    crate::emit_event!(FeedUpdated {
        feed: ctx.accounts.feed.key(),
        old_sources,
        new_sources,
        old_guards,
        new_guards: GuardParams::from(guards),
    });
    Ok(())
}

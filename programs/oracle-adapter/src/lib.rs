//! # Ballast oracle adapter
//!
//! Turns Pyth and Switchboard accounts (four formats) into one validated price
//! per asset: a `PriceFeed` PDA with price, confidence, EMA, realised
//! volatility, publish time and a severity-ordered `Validity`.
//!
//! Prices are published at `ballast_risk::precision::PRICE_PRECISION`
//! (10^-9 USD). This file is dispatch only; see `instructions/`.

#![allow(unexpected_cfgs)]

use anchor_lang::prelude::*;

pub mod compat;
pub mod constants;
pub mod engine;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod reader;
pub mod sources;
pub mod state;

use instructions::*;

declare_id!("8j4nWaroTmNxGem3cmvJeiJ7m6DM99CUZB7f7ypYxFvc");

/// The oracle-adapter program.
#[program]
pub mod oracle_adapter {
    use super::*;

    /// Create the adapter config and set its governance authority. Once only.
    pub fn initialize(ctx: Context<Initialize>, authority: Pubkey) -> Result<()> {
        instructions::initialize::handler(ctx, authority)
    }

    /// Governance: create a feed for one asset with 1-4 sources and guard rails.
    pub fn create_feed(ctx: Context<CreateFeed>, params: CreateFeedParams) -> Result<()> {
        instructions::create_feed::handler(ctx, params)
    }

    /// Governance: change a feed's sources and/or guard rails (old -> new event).
    pub fn update_feed(ctx: Context<UpdateFeed>, params: UpdateFeedParams) -> Result<()> {
        instructions::update_feed::handler(ctx, params)
    }

    /// Permissionless: re-aggregate a feed from its source accounts, passed as
    /// remaining accounts in configured order.
    pub fn refresh<'info>(ctx: Context<'info, Refresh<'info>>) -> Result<()> {
        instructions::refresh::handler(ctx)
    }
}

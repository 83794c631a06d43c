//! `gated_price`: a checked, action-gated read of an oracle-adapter feed.

use crate::errors::EngineError;
use anchor_lang::prelude::*;
use ballast_risk::oracle::Action;
use oracle_adapter::constants::FEED_SEED;
use oracle_adapter::reader::{decode_feed, reading};

/// What `gated_price` returns (Borsh, as return data).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct GatedPrice {
    /// precision: PRICE_PRECISION.
    pub price: i64,
    /// precision: PRICE_PRECISION.
    pub conf: u64,
    /// `Validity` byte at the time of reading.
    pub validity: u8,
}

/// Accounts of `gated_price`.
#[derive(Accounts)]
#[instruction(symbol: String)]
pub struct GatedPriceAccounts<'info> {
    /// CHECK: must be the adapter's feed PDA of `symbol` (seeds checked against
    /// the adapter program id), and is owner- and discriminator-checked before
    /// its bytes are trusted.
    #[account(seeds = [FEED_SEED, symbol.as_bytes()], bump, seeds::program = oracle_adapter::ID)]
    pub feed: UncheckedAccount<'info>,
}

/// Decode an action byte: 0 open risk, 1 reduce risk, 2 liquidate, 3 withdraw.
pub fn action_from_u8(action: u8) -> Result<Action> {
    match action {
        0 => Ok(Action::OpenRisk),
        1 => Ok(Action::ReduceRisk),
        2 => Ok(Action::Liquidate),
        3 => Ok(Action::Withdraw),
        _ => err!(EngineError::InvalidAction),
    }
}

/// 1. Decode the action.
/// 2. Check the feed's owner program and discriminator, decode it.
/// 3. Compute the validity now (stored validity escalated by age).
/// 4. Apply the action's gate and return the price as return data.
pub fn handler(ctx: Context<GatedPriceAccounts>, _symbol: String, action: u8) -> Result<()> {
    let action = action_from_u8(action)?;
    let feed = &ctx.accounts.feed;
    require_keys_eq!(*feed.owner, oracle_adapter::ID, EngineError::NotAPriceFeed);
    let data = feed.try_borrow_data()?;
    let decoded = decode_feed(&data).map_err(|_| error!(EngineError::NotAPriceFeed))?;
    let now = Clock::get()?.unix_timestamp;
    let r = reading(&decoded, now);
    require!(action.allows(r.validity), EngineError::OracleGate);
    let out = GatedPrice { price: r.price, conf: r.conf, validity: r.validity as u8 };
    let mut bytes = Vec::with_capacity(17);
    out.serialize(&mut bytes)?;
    ballast_runtime::set_return_data(&bytes);
    Ok(())
}

//! `refresh_breakers`: the permissionless crank of the markets' price-band
//! breakers and maintenance phase-in. Trips, releases and phase updates
//! also happen inline in every instruction that writes a market; this
//! crank makes them happen when nobody trades.

use super::accounts::quote_market;
use crate::constants::*;
use crate::engine::breaker::observe_breaker;
use crate::engine::health::Now;
use crate::errors::EngineError;
use crate::state::{Exchange, Market};
use anchor_lang::prelude::*;

/// Accounts of `refresh_breakers`. Remaining accounts: `(market, feed)`
/// pairs, markets writable, any subset of the markets, each at most once.
#[derive(Accounts)]
pub struct RefreshBreakers<'info> {
    /// The exchange (stress state for the quotes).
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// For each pair: read the feed (checked against the market), store the
/// maintenance phase (so a new target phases in from now), release an
/// expired trip and trip on a price outside the band; emit each change.
pub fn handler<'info>(ctx: Context<'info, RefreshBreakers<'info>>) -> Result<()> {
    let pairs = ctx.remaining_accounts;
    require!(!pairs.is_empty() && pairs.len().is_multiple_of(2), EngineError::HealthAccountsMismatch);
    let clock = Clock::get()?;
    let now = Now::at(&*ctx.accounts.exchange.load()?, clock.unix_timestamp, clock.slot);
    let mut seen = 0u64; // market indexes are < 64 (MAX_MARKETS is 24)
    for pair in pairs.chunks_exact(2) {
        let loader = AccountLoader::<Market>::try_from(&pair[0])?;
        let mut market = loader.load_mut()?;
        let bit = 1u64.checked_shl(market.index.into()).ok_or(EngineError::WrongMarket)?;
        require!(seen & bit == 0, EngineError::HealthAccountsMismatch);
        seen |= bit;
        let quote = quote_market(&market, &pair[1], &now)?;
        market.set_phase(&quote.phase);
        observe_breaker(&mut market, &quote, clock.slot)?.emit();
    }
    Ok(())
}

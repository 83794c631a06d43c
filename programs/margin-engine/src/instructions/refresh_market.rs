//! `refresh_market`: the permissionless crank of a market's dynamic margin.

use super::accounts::quote_market;
use crate::constants::*;
use crate::engine::breaker::observe_breaker;
use crate::engine::stress::observe;
use crate::events::MarketRefreshed;
use crate::state::{Exchange, Market};
use anchor_lang::prelude::*;

/// Accounts of `refresh_market`.
#[derive(Accounts)]
pub struct RefreshMarket<'info> {
    /// The exchange (stress state).
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The market.
    #[account(mut, seeds = [MARKET_SEED, &market.load()?.index.to_le_bytes()], bump = market.load()?.bump)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's feed; address, owner and discriminator are checked
    /// by `quote_market` before any byte is trusted.
    pub feed: UncheckedAccount<'info>,
}

/// 1. Observe network stress (slot time).
/// 2. Read the feed and phase the maintenance multiplier toward the target.
/// 3. Store the phase and observe the price-band breaker; emit
///    `MarketRefreshed` and any breaker change.
pub fn handler(ctx: Context<RefreshMarket>) -> Result<()> {
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let clock = Clock::get()?;
    let now = observe(&mut ex, &clock, None);
    let mut market = ctx.accounts.market.load_mut()?;
    let q = quote_market(&market, &ctx.accounts.feed.to_account_info(), &now)?;
    market.set_phase(&q.phase);
    observe_breaker(&mut market, &q, clock.slot)?.emit();
    ballast_runtime::emit_event!(MarketRefreshed {
        market: market.index,
        vol_bps: q.vol_bps,
        target_mmr_bps: q.target_mmr_bps,
        phased_mmr_bps: q.phased_mmr_bps,
        phase_mult_bps: q.phase.mult_bps,
    });
    Ok(())
}

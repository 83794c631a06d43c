//! `update_funding`: accrue every market's funding and borrow indexes and
//! record the pool's valuation (permissionless; the keeper cranks it).

use super::accounts::read_market_feed;
use crate::constants::*;
use crate::engine::funding::{accrue, record_snapshot, set_rates};
use crate::engine::health::{quote_from_reading, Now};
use crate::errors::EngineError;
use crate::state::{Exchange, Market, Pool};
use anchor_lang::prelude::*;

/// Accounts of `update_funding`. Remaining accounts: the `(market, feed)`
/// pair of every market, in index order, each market writable.
#[derive(Accounts)]
pub struct UpdateFunding<'info> {
    /// The exchange.
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pool (its valuation snapshot).
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
}

/// 1. For every market in index order (missing, extra, reordered or
///    read-only accounts are refused): read its feed (checked) and accrue
///    its funding and borrow indexes to now at its stored rates
///    (`engine::funding::accrue`).
/// 2. Value the pool at those quotes and record the valuation as its
///    snapshot, when every feed allows value to leave
///    (`engine::funding::record_snapshot`).
/// 3. Set every market's rates for the next interval
///    (`engine::funding::set_rates`).
#[inline(never)] // a symbol of its own for the callgrind cost proxy
pub fn handler<'info>(ctx: Context<'info, UpdateFunding<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let ex = ctx.accounts.exchange.load()?;
    let now = Now::at(&ex, clock.unix_timestamp, clock.slot);
    let count = ex.market_count as usize;
    drop(ex);
    let remaining = ctx.remaining_accounts;
    require!(remaining.len() == 2 * count, EngineError::HealthAccountsMismatch);
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut legs = Vec::with_capacity(count);
    for (i, pair) in remaining.chunks_exact(2).enumerate() {
        require!(pair[0].is_writable, EngineError::HealthAccountsMismatch);
        let loader = AccountLoader::<Market>::try_from(&pair[0])?;
        let mut market = loader.load_mut()?;
        require!(market.index as usize == i, EngineError::WrongMarket);
        let reading = read_market_feed(&market, &pair[1], now.ts)?;
        let quote = quote_from_reading(&market, &reading, &now)?;
        accrue(&mut market, &quote, clock.slot)?;
        legs.push((*market, quote.with_indexes(&market)));
    }
    record_snapshot(&mut pool, &legs)?;
    for (pair, (_, quote)) in remaining.chunks_exact(2).zip(&legs) {
        let loader = AccountLoader::<Market>::try_from(&pair[0])?;
        set_rates(&mut *loader.load_mut()?, &pool, quote)?;
    }
    Ok(())
}

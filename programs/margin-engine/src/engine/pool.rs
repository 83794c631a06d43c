//! Valuing the pool from every market's checked feed.

use super::health::{quote_market, MarketQuote, Now};
use crate::errors::EngineError;
use crate::state::{Exchange, Market, Pool};
use anchor_lang::prelude::*;
use ballast_risk::lp::{pool_valuation, PoolValuation};
use ballast_risk::oracle::Action;

/// Value the pool. `remaining` must be the `(market, feed)` pair of every
/// market, in index order; every feed must allow reducing risk (at most
/// `Degraded`): LPs never enter or leave at an unusable price.
pub fn value_pool<'info>(
    exchange: &Exchange,
    pool: &Pool,
    remaining: &'info [AccountInfo<'info>],
    now: &Now,
) -> Result<PoolValuation> {
    require!(remaining.len() == 2 * exchange.market_count as usize, EngineError::HealthAccountsMismatch);
    let mut legs = Vec::with_capacity(exchange.market_count as usize);
    for (i, pair) in remaining.chunks_exact(2).enumerate() {
        let loader = AccountLoader::<Market>::try_from(&pair[0])?;
        let market = loader.load()?;
        require!(market.index as usize == i, EngineError::WrongMarket);
        legs.push((market.pool_base, market.pool_quote, quote_market(&market, &pair[1], now)?));
    }
    value_legs(pool, &legs)
}

/// The pure half of [`value_pool`]: the pool's balance plus its mirror
/// position `(pool_base, pool_quote)` in every market at that market's
/// quote, each of which must allow value to leave (`Action::Withdraw`).
/// Off-chain previews call this with decoded accounts.
pub fn value_legs(pool: &Pool, legs: &[(i64, i64, MarketQuote)]) -> Result<PoolValuation> {
    let mut positions = Vec::with_capacity(legs.len());
    for (base, quote, q) in legs {
        require!(Action::Withdraw.allows(q.validity), EngineError::OracleGate);
        positions.push(q.position_risk(*base, *quote)?);
    }
    Ok(pool_valuation(pool.balance, &positions).map_err(EngineError::from)?)
}

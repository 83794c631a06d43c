//! Valuing the pool from every market's checked feed.

use super::health::{quote_market, Now};
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
    let mut positions = Vec::with_capacity(exchange.market_count as usize);
    for (i, pair) in remaining.chunks_exact(2).enumerate() {
        let loader = AccountLoader::<Market>::try_from(&pair[0])?;
        let market = loader.load()?;
        require!(market.index as usize == i, EngineError::WrongMarket);
        let q = quote_market(&market, &pair[1], now)?;
        require!(Action::ReduceRisk.allows(q.validity), EngineError::OracleGate);
        positions.push(q.position_risk(market.pool_base, market.pool_quote)?);
    }
    Ok(pool_valuation(pool.balance, &positions).map_err(EngineError::from)?)
}

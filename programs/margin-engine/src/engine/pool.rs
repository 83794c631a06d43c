//! Valuing the pool from every market's checked feed.

use super::health::quote_market;
use crate::errors::EngineError;
use crate::state::{Exchange, Market, Pool};
use anchor_lang::prelude::*;
use ballast_risk::health::PositionRisk;
use ballast_risk::lp::{pool_valuation, PoolValuation};
use ballast_risk::oracle::Action;
use ballast_risk::position::Position;

/// Value the pool. `remaining` must be the `(market, feed)` pair of every
/// market, in index order; every feed must allow reducing risk (at most
/// `Degraded`): LPs never enter or leave at an unusable price.
pub fn value_pool<'info>(
    exchange: &Exchange,
    pool: &Pool,
    remaining: &'info [AccountInfo<'info>],
    now: i64,
) -> Result<PoolValuation> {
    require!(remaining.len() == 2 * exchange.market_count as usize, EngineError::HealthAccountsMismatch);
    let mut positions = Vec::with_capacity(exchange.market_count as usize);
    for (i, pair) in remaining.chunks_exact(2).enumerate() {
        let loader = AccountLoader::<Market>::try_from(&pair[0])?;
        let market = loader.load()?;
        require!(market.index as usize == i, EngineError::WrongMarket);
        let q = quote_market(&market, &pair[1], now)?;
        require!(Action::ReduceRisk.allows(q.validity), EngineError::OracleGate);
        positions.push(PositionRisk {
            position: Position { base: market.pool_base, quote: market.pool_quote },
            price: q.price,
            conf: q.conf,
            conf_mult_bps: q.conf_mult_bps,
            ratios: q.ratios,
        });
    }
    Ok(pool_valuation(pool.balance, &positions).map_err(EngineError::from)?)
}

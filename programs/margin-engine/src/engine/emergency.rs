//! Emergency settlement: closing a position of a settled market at its
//! settlement price, without fee or spread.

use super::settle::{record_collateral, set_collateral, settle_with_pool};
use super::trade::{book_fill, store_position};
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Market, Pool};
use anchor_lang::prelude::*;
use ballast_risk::position::apply_fill;
use ballast_risk::SafeMath;

/// What settling a position did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettleOutcome {
    /// Base closed (signed, the fill's direction).
    pub base: i64,
    /// PnL realised at the settlement price.
    pub realized_pnl: i64,
    /// Tokens from the pool vault to the collateral vault (negative: back).
    pub pool_to_collateral: i64,
    /// Deficit left (the account is then flagged bankrupt).
    pub deficit: u64,
}

/// Close `account`'s position in the settled `market` at its settlement
/// price. A loss beyond the collateral becomes a deficit, flagged bankrupt,
/// for `resolve_bankruptcy` and the waterfall; a profit first repays a
/// deficit the account already owed (and then clears the flag).
pub fn settle_position(
    account: &mut MarginAccount,
    market: &mut Market,
    pool: &mut Pool,
    exchange: &mut Exchange,
) -> Result<SettleOutcome> {
    require!(market.is_settled(), EngineError::MarketNotSettled);
    let idx = account.slot_of(market.index).ok_or(EngineError::NoPosition)?;
    let old = account.positions[idx].position();
    let base = old.base.checked_neg().ok_or(EngineError::MathOverflow)?;
    let fill = apply_fill(old, base, market.settlement_price).map_err(EngineError::from)?;
    let before = account.collateral;
    let after = before.safe_add(fill.realized_pnl).map_err(EngineError::from)?;
    let pool_to_collateral = after.max(0) - before.max(0);
    settle_with_pool(pool, pool_to_collateral)?;
    record_collateral(exchange, before, after)?;
    book_fill(market, old, fill.position)?;
    store_position(account, idx, market.index, fill.position);
    set_collateral(account, pool, after)?;
    Ok(SettleOutcome {
        base,
        realized_pnl: fill.realized_pnl,
        pool_to_collateral,
        deficit: after.min(0).unsigned_abs(),
    })
}

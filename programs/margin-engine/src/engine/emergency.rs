//! Emergency settlement: closing a position of a settled market at its
//! settlement price, without fee or spread.

use super::funding::{settle_funding, FundingPaid};
use super::settle::pay_fill;
use super::trade::{book_fill, store_position};
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Market, Pool};
use anchor_lang::prelude::*;
use ballast_risk::position::apply_fill;

/// What settling a position did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettleOutcome {
    /// Base closed (signed, the fill's direction).
    pub base: i64,
    /// PnL realised at the settlement price.
    pub realized_pnl: i64,
    /// Tokens from the pool vault to the collateral vault (negative: back).
    pub pool_to_collateral: i64,
    /// Of a gain, what the pool could not pay: unsettled PnL.
    pub unsettled: u64,
    /// Deficit left (the account is then flagged bankrupt).
    pub deficit: u64,
    /// The funding and borrow fee settled first (accrued up to the
    /// settlement; its LP share is in `pool_to_collateral`, the handler
    /// pays the insurance share).
    pub funding: FundingPaid,
}

/// Close `account`'s position in the settled `market` at its settlement
/// price. A loss beyond the collateral becomes a deficit, flagged bankrupt,
/// for `resolve_bankruptcy` and the waterfall, after the account's
/// unsettled PnL has been set against it; a profit first repays a deficit
/// the account already owed (and then clears the flag). Paid like any fill
/// (`pay_fill`): what the pool's free cash cannot pay is unsettled PnL.
pub fn settle_position(
    account: &mut MarginAccount,
    market: &mut Market,
    pool: &mut Pool,
    exchange: &mut Exchange,
    slot: u64,
) -> Result<SettleOutcome> {
    require!(market.is_settled(), EngineError::MarketNotSettled);
    let idx = account.slot_of(market.index).ok_or(EngineError::NoPosition)?;
    let funding = settle_funding(account, idx, market, pool, exchange, slot)?;
    let old = account.positions[idx].position();
    let base = old.base.checked_neg().ok_or(EngineError::MathOverflow)?;
    let fill = apply_fill(old, base, market.settlement_price).map_err(EngineError::from)?;
    book_fill(market, old, fill.position)?;
    store_position(account, idx, market, fill.position);
    let paid = pay_fill(account, pool, exchange, fill.realized_pnl, 0, slot)?;
    let sum = |a: i64, b: i64| a.checked_add(b).ok_or(EngineError::MathOverflow);
    Ok(SettleOutcome {
        base,
        realized_pnl: fill.realized_pnl,
        pool_to_collateral: sum(paid.pool_to_collateral, funding.pool_to_collateral)?,
        unsettled: paid.unsettled.checked_add(funding.unsettled).ok_or(EngineError::MathOverflow)?,
        deficit: account.collateral.min(0).unsigned_abs(),
        funding,
    })
}

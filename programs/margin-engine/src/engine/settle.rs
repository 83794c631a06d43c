//! Bookkeeping shared by every fill (trade, liquidation, auto-deleveraging)
//! and by `settle_pnl`: what moves between the pool and the collateral
//! vault, the exchange's total of positive collateral, the pool's
//! receivable (the deficits it is owed) and its unsettled PnL (the gains it
//! owes and could not pay yet). The handlers move the matching tokens.

use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Pool};
use anchor_lang::prelude::*;
use ballast_risk::pnl::{pay_from_pool, settlement, Payout};
use ballast_risk::SafeMath;

/// Book `to_collateral` (signed) moving from the pool to the collateral
/// vault; a negative amount moves to the pool. The pool cannot pay more than
/// its recorded balance.
pub fn settle_with_pool(pool: &mut Pool, to_collateral: i64) -> Result<()> {
    pool.balance = if to_collateral > 0 {
        pool.balance.checked_sub(to_collateral.unsigned_abs()).ok_or(EngineError::PoolInsufficient)?
    } else {
        pool.balance.safe_add(to_collateral.unsigned_abs()).map_err(EngineError::from)?
    };
    Ok(())
}

/// Record an account's collateral going from `before` to `after` in the
/// exchange's total of *positive* collateral (a deficit is owed to the pool,
/// not held in the vault).
pub fn record_collateral(exchange: &mut Exchange, before: i64, after: i64) -> Result<()> {
    let total = exchange.total_collateral as i128 + after.max(0) as i128 - before.max(0) as i128;
    exchange.total_collateral = u64::try_from(total).map_err(|_| EngineError::MathOverflow)?;
    Ok(())
}

/// Set `account`'s collateral from `before` to `after` (flagging it
/// bankrupt exactly when negative) and keep the pool's receivable, the sum
/// of deficits, in step.
pub fn set_collateral(account: &mut MarginAccount, pool: &mut Pool, after: i64) -> Result<()> {
    let before = account.collateral;
    let receivable =
        pool.receivable as i128 - before.min(0).unsigned_abs() as i128 + after.min(0).unsigned_abs() as i128;
    pool.receivable = u64::try_from(receivable).map_err(|_| EngineError::MathOverflow)?;
    account.set_collateral(after);
    Ok(())
}

/// Pay a fill that realised `realized` and charges `fee` to `account`: the
/// pool pays what its cash allows (`ballast_risk::pnl::pay_from_pool`), the
/// rest of a gain becomes the account's unsettled PnL (a close always
/// lands, whatever the pool holds). Books the pool's balance, the exchange's
/// collateral total and the account's collateral; the caller books the fee
/// it returns (possibly waived in part).
pub fn pay_fill(
    account: &mut MarginAccount,
    pool: &mut Pool,
    exchange: &mut Exchange,
    realized: i64,
    fee: u64,
) -> Result<Payout> {
    let before = account.collateral;
    let p = pay_from_pool(before, realized, fee, pool.balance).map_err(EngineError::from)?;
    settle_with_pool(pool, p.pool_to_collateral)?;
    record_collateral(exchange, before, p.collateral)?;
    set_collateral(account, pool, p.collateral)?;
    add_unsettled(account, pool, p.unsettled)?;
    net_unsettled(account, pool)?;
    Ok(p)
}

/// Owe `account` `amount` more of unsettled PnL.
pub fn add_unsettled(account: &mut MarginAccount, pool: &mut Pool, amount: u64) -> Result<()> {
    account.unsettled_pnl = account.unsettled_pnl.safe_add(amount).map_err(EngineError::from)?;
    pool.unsettled = pool.unsettled.safe_add(amount).map_err(EngineError::from)?;
    Ok(())
}

/// Set an account's unsettled PnL against its deficit: the pool owes it
/// one and is owed the other, so no token moves. Returns the amount netted.
pub fn net_unsettled(account: &mut MarginAccount, pool: &mut Pool) -> Result<u64> {
    let n = account.unsettled_pnl.min(account.collateral.min(0).unsigned_abs());
    if n == 0 {
        return Ok(0);
    }
    account.unsettled_pnl -= n;
    pool.unsettled = pool.unsettled.checked_sub(n).ok_or(EngineError::MathOverflow)?;
    // n <= |collateral|: the sum stays <= 0, so no positive collateral moves.
    set_collateral(account, pool, account.collateral + n as i64)?;
    Ok(n)
}

/// What one `settle_pnl` did. precision: QUOTE_PRECISION.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Settled {
    /// Set against the account's deficit (no tokens move).
    pub netted: u64,
    /// Paid from the pool vault into the account's collateral.
    pub paid: u64,
    /// Still unsettled after.
    pub left: u64,
}

/// `settle_pnl`'s rule: net the account's unsettled PnL against any
/// deficit, then pay its pro-rata share of the pool's cash
/// (`ballast_risk::pnl::settlement`: in full once the cash covers every
/// claim). Refused when the account has nothing unsettled
/// (`NothingToSettle`) or when it would neither net nor be paid anything
/// (`PoolInsufficient`: the pool has no cash to share).
pub fn settle_pnl(account: &mut MarginAccount, pool: &mut Pool, exchange: &mut Exchange) -> Result<Settled> {
    require!(account.unsettled_pnl > 0, EngineError::NothingToSettle);
    let netted = net_unsettled(account, pool)?;
    let paid = settlement(account.unsettled_pnl, pool.unsettled, pool.balance).map_err(EngineError::from)?;
    require!(netted > 0 || paid > 0, EngineError::PoolInsufficient);
    if paid > 0 {
        // After netting, an account with unsettled PnL left has no deficit.
        let before = account.collateral;
        let after = before.safe_add(i64::try_from(paid).map_err(|_| EngineError::MathOverflow)?).map_err(EngineError::from)?;
        settle_with_pool(pool, after.max(0) - before.max(0))?;
        record_collateral(exchange, before, after)?;
        set_collateral(account, pool, after)?;
        account.unsettled_pnl -= paid;
        pool.unsettled = pool.unsettled.checked_sub(paid).ok_or(EngineError::MathOverflow)?;
    }
    Ok(Settled { netted, paid, left: account.unsettled_pnl })
}

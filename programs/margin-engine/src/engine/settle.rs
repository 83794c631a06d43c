//! Bookkeeping shared by every fill (trade and liquidation): what moves
//! between the pool and the collateral vault, the exchange's total of
//! positive collateral, and the pool's receivable (the deficits it is
//! owed). The handlers move the matching tokens.

use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Pool};
use anchor_lang::prelude::*;
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

//! Bookkeeping shared by every fill (trade, liquidation, auto-deleveraging)
//! and by `settle_pnl`: what moves between the pool and the collateral
//! vault, the exchange's total of positive collateral, the pool's
//! receivable (the deficits it is owed) and its unsettled PnL (the gains it
//! owes and could not pay yet). The handlers move the matching tokens.

use crate::constants::SETTLE_ROUND_SLOTS;
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Pool};
use anchor_lang::prelude::*;
use ballast_risk::funding::{split_fee, FeeSplit};
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

/// Route `fee` (already taken from a trader's collateral, held in the
/// collateral vault): the LP share into the pool's balance, the insurance
/// share into the fund, the rest to the protocol's `fees_balance`
/// (`ballast_risk::funding::split_fee`). The handler moves the LP and
/// insurance shares' tokens out of the collateral vault.
pub fn route_fee(exchange: &mut Exchange, pool: &mut Pool, fee: u64) -> Result<FeeSplit> {
    let s = split_fee(fee, exchange.lp_fee_share_bps, exchange.insurance_fee_share_bps).map_err(EngineError::from)?;
    pool.balance = pool.balance.safe_add(s.lp).map_err(EngineError::from)?;
    exchange.insurance_balance = exchange.insurance_balance.safe_add(s.insurance).map_err(EngineError::from)?;
    exchange.fees_balance = exchange.fees_balance.safe_add(s.protocol).map_err(EngineError::from)?;
    Ok(s)
}

/// The pool's free cash (`adl::free_cash`: balance less unsettled PnL)
/// where positive: what a new gain may be paid from. A winner closing now
/// never jumps ahead of the claims already waiting (their cash is shared
/// by `settle_pnl`).
pub fn payable_cash(pool: &Pool) -> u64 {
    u64::try_from(super::adl::free_cash(pool).max(0)).unwrap_or(0)
}

/// Pay a fill that realised `realized` and charges `fee` to `account` at
/// `slot`: the pool pays what its free cash allows
/// (`ballast_risk::pnl::pay_from_pool`), the rest of a gain becomes the
/// account's unsettled PnL (a close always lands, whatever the pool holds).
/// Books the pool's balance, the exchange's collateral total and the
/// account's collateral; the caller books the fee it returns (possibly
/// waived in part).
pub fn pay_fill(
    account: &mut MarginAccount,
    pool: &mut Pool,
    exchange: &mut Exchange,
    realized: i64,
    fee: u64,
    slot: u64,
) -> Result<Payout> {
    let before = account.collateral;
    let p = pay_from_pool(before, realized, fee, payable_cash(pool)).map_err(EngineError::from)?;
    settle_with_pool(pool, p.pool_to_collateral)?;
    record_collateral(exchange, before, p.collateral)?;
    set_collateral(account, pool, p.collateral)?;
    add_unsettled(account, pool, p.unsettled, slot)?;
    net_unsettled(account, pool, slot)?;
    Ok(p)
}

/// Whether a settlement round is open at `slot`: one was opened, it still
/// has claims, and `SETTLE_ROUND_SLOTS` have not passed.
pub fn round_open(pool: &Pool, slot: u64) -> bool {
    pool.round_id != 0 && pool.round_total > 0 && slot < pool.round_start_slot.saturating_add(SETTLE_ROUND_SLOTS)
}

/// Of `account`'s unsettled PnL, what was booked while the open round was
/// open (0 without a round): not part of it.
fn booked_in_round(account: &MarginAccount, pool: &Pool, slot: u64) -> u64 {
    if round_open(pool, slot) && account.booked_round == pool.round_id {
        account.booked_in_round
    } else {
        0
    }
}

/// Owe `account` `amount` more of unsettled PnL at `slot` (booked outside
/// an open round's claims).
pub fn add_unsettled(account: &mut MarginAccount, pool: &mut Pool, amount: u64, slot: u64) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    if round_open(pool, slot) {
        let booked = booked_in_round(account, pool, slot);
        account.booked_round = pool.round_id;
        account.booked_in_round = booked.safe_add(amount).map_err(EngineError::from)?;
    }
    account.unsettled_pnl = account.unsettled_pnl.safe_add(amount).map_err(EngineError::from)?;
    pool.unsettled = pool.unsettled.safe_add(amount).map_err(EngineError::from)?;
    Ok(())
}

/// Set an account's unsettled PnL against its deficit: the pool owes it
/// one and is owed the other, so no token moves. What is netted leaves the
/// open round's claims too (booked-in-round first). Returns the amount.
pub fn net_unsettled(account: &mut MarginAccount, pool: &mut Pool, slot: u64) -> Result<u64> {
    let n = account.unsettled_pnl.min(account.collateral.min(0).unsigned_abs());
    if n == 0 {
        return Ok(0);
    }
    if round_open(pool, slot) && account.settled_round != pool.round_id {
        let booked = booked_in_round(account, pool, slot);
        let from_booked = n.min(booked);
        account.booked_in_round = booked - from_booked;
        pool.round_total = pool.round_total.saturating_sub(n - from_booked);
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
    /// The settlement round it was paid in.
    pub round: u64,
}

/// `settle_pnl`'s rule at `slot`:
/// 1. refuse an account with nothing unsettled (`NothingToSettle`); net
///    its unsettled PnL against any deficit;
/// 2. open a round if none is open: its claims are every unsettled PnL
///    now, its cash what the pool holds of it (`min(balance, unsettled)`);
/// 3. pay the account once per round (`SettleNextRound` otherwise, and
///    for a claim booked wholly after the round opened) its pro-rata share
///    of the round's cash (`ballast_risk::pnl::settlement`: in full when
///    the cash covers the round). The round's cash and claims fall by what
///    this account took and was owed, so each claim gets the same share
///    whatever the order the accounts settle in;
/// 4. refuse a call that neither nets nor pays (`PoolInsufficient`).
pub fn settle_pnl(account: &mut MarginAccount, pool: &mut Pool, exchange: &mut Exchange, slot: u64) -> Result<Settled> {
    require!(account.unsettled_pnl > 0, EngineError::NothingToSettle);
    let netted = net_unsettled(account, pool, slot)?;
    if account.unsettled_pnl == 0 {
        return Ok(Settled { netted, paid: 0, left: 0, round: pool.round_id });
    }
    if !round_open(pool, slot) {
        pool.round_id = pool.round_id.safe_add(1).map_err(EngineError::from)?;
        pool.round_start_slot = slot;
        pool.round_total = pool.unsettled;
        pool.round_cash = pool.balance.min(pool.unsettled);
    }
    let claim = account.unsettled_pnl - booked_in_round(account, pool, slot);
    require!(account.settled_round != pool.round_id && claim > 0, EngineError::SettleNextRound);
    // The round's cash is never more than the pool holds.
    pool.round_cash = pool.round_cash.min(pool.balance);
    let paid = settlement(claim, pool.round_total, pool.round_cash).map_err(EngineError::from)?;
    pool.round_total = pool.round_total.saturating_sub(claim);
    pool.round_cash -= paid; // settlement pays at most the cash
    account.settled_round = pool.round_id;
    require!(netted > 0 || paid > 0, EngineError::PoolInsufficient);
    if paid > 0 {
        // After netting, an account with unsettled PnL left has no deficit.
        let before = account.collateral;
        let after =
            before.safe_add(i64::try_from(paid).map_err(|_| EngineError::MathOverflow)?).map_err(EngineError::from)?;
        settle_with_pool(pool, after.max(0) - before.max(0))?;
        record_collateral(exchange, before, after)?;
        set_collateral(account, pool, after)?;
        account.unsettled_pnl -= paid;
        pool.unsettled = pool.unsettled.checked_sub(paid).ok_or(EngineError::MathOverflow)?;
    }
    Ok(Settled { netted, paid, left: account.unsettled_pnl, round: pool.round_id })
}

//! Collateral entering and leaving a margin account.

use super::health::{require_withdrawable, Quotes};
use super::settle::set_collateral;
use crate::constants::pause;
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount, Pool};
use anchor_lang::prelude::*;
use ballast_risk::health::Health;

/// `withdraw`'s rules, in order, on plain values (the handler and the
/// CLI's preview both run this):
/// 1. refuse zero, a paused withdrawal, a bankrupt account, or more than
///    the collateral;
/// 2. debit `amount` from the account;
/// 3. `quotes` covers every open position (none when there are none);
///    with positions open, `require_withdrawable`: initial health >= 0, a
///    `Stale` feed's position at its last price moved 10 % against it,
///    refused while a feed is `TooUncertain`, `TooVolatile` or `Invalid`;
/// 4. debit the exchange's total.
///
/// Returns the health after (`None` without positions).
pub fn withdraw(
    exchange: &mut Exchange,
    account: &mut MarginAccount,
    amount: u64,
    slot: u64,
    quotes: &impl Quotes,
) -> Result<Option<Health>> {
    require!(amount > 0, EngineError::ZeroAmount);
    require!(!exchange.is_paused(pause::WITHDRAW, slot), EngineError::Paused);
    require!(!account.is_bankrupt(), EngineError::AccountBankrupt);
    let delta = i64::try_from(amount).map_err(|_| EngineError::InsufficientCollateral)?;
    require!(account.collateral >= delta, EngineError::InsufficientCollateral);
    account.collateral -= delta;
    let quotes = quotes.covering(account, None)?;
    let health = if account.has_positions() { Some(require_withdrawable(account, &quotes)?) } else { None };
    exchange.total_collateral = exchange.total_collateral.checked_sub(amount).ok_or(EngineError::MathOverflow)?;
    Ok(health)
}

/// Where a deposit's tokens go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deposited {
    /// Repays the account's deficit: to the pool vault.
    pub repay: u64,
    /// The rest: to the collateral vault.
    pub to_vault: u64,
    /// The account's collateral after.
    pub collateral: i64,
}

/// `deposit`'s rules, in order, on plain values:
/// 1. refuse zero, a paused deposit, or collateral above the per-account
///    cap after it;
/// 2. a deficit (negative collateral, flagged bankrupt) is repaid first,
///    into the pool's balance; the rest is collateral;
/// 3. credit the account (unflagging it once it is >= 0) and the
///    exchange's total.
///
/// The handler moves `repay` to the pool vault and `to_vault` to the
/// collateral vault.
pub fn deposit(
    exchange: &mut Exchange,
    account: &mut MarginAccount,
    pool: &mut Pool,
    amount: u64,
    slot: u64,
) -> Result<Deposited> {
    require!(amount > 0, EngineError::ZeroAmount);
    require!(!exchange.is_paused(pause::DEPOSIT, slot), EngineError::Paused);
    let delta = i64::try_from(amount).map_err(|_| EngineError::DepositCapExceeded)?;
    let collateral = account.collateral.checked_add(delta).ok_or(EngineError::DepositCapExceeded)?;
    require!(collateral.max(0) as u64 <= exchange.deposit_cap, EngineError::DepositCapExceeded);
    let repay = amount.min(account.collateral.min(0).unsigned_abs());
    let to_vault = amount - repay;
    pool.balance = pool.balance.checked_add(repay).ok_or(EngineError::MathOverflow)?;
    set_collateral(account, pool, collateral)?;
    exchange.total_collateral = exchange.total_collateral.checked_add(to_vault).ok_or(EngineError::MathOverflow)?;
    Ok(Deposited { repay, to_vault, collateral })
}

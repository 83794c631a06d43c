//! Collateral leaving a margin account.

use super::health::{require_withdrawable, Quotes};
use crate::constants::pause;
use crate::errors::EngineError;
use crate::state::{Exchange, MarginAccount};
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

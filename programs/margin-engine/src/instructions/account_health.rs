//! `account_health`: a read-only view of an account's health.

use super::accounts::collect_quotes;
use crate::engine::health::{account_health, saturate, Now};
use crate::state::{Exchange, MarginAccount};
use anchor_lang::prelude::*;

/// What `account_health` returns (Borsh, as return data). precision:
/// QUOTE_PRECISION; i64 saturated.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct HealthView {
    /// Equity at biased prices.
    pub equity: i64,
    /// Initial health (>= 0 needed to add risk).
    pub initial: i64,
    /// Maintenance health (< 0: liquidatable).
    pub maintenance: i64,
}

/// Accounts of `account_health`. Remaining accounts: the `(market, feed)`
/// pair of every open position, in slot order.
#[derive(Accounts)]
pub struct AccountHealth<'info> {
    /// The exchange (stress multiplier).
    #[account(seeds = [crate::constants::EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The account.
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

/// Compute health with the same code every instruction uses (dynamic ratios,
/// phased maintenance projected to now) and return it; changes nothing.
#[inline(never)] // a symbol of its own for the callgrind cost proxy
pub fn handler<'info>(ctx: Context<'info, AccountHealth<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let ex = ctx.accounts.exchange.load()?;
    let now = Now::at(&ex, clock.unix_timestamp, clock.slot);
    let acc = ctx.accounts.margin_account.load()?;
    let quotes = collect_quotes(&acc, &[], ctx.remaining_accounts, &now)?;
    let h = account_health(&acc, &quotes)?;
    let view =
        HealthView { equity: saturate(h.equity), initial: saturate(h.initial), maintenance: saturate(h.maintenance) };
    let mut bytes = Vec::with_capacity(24);
    view.serialize(&mut bytes)?;
    ballast_runtime::set_return_data(&bytes);
    Ok(())
}

//! `refresh_stress`: the permissionless crank that measures the share of the
//! exchange's feeds that are stale.

use super::accounts::every_market;
use crate::constants::*;
use crate::engine::stress::{observe, stale_share_bps};
use crate::errors::EngineError;
use crate::state::Exchange;
use anchor_lang::prelude::*;

/// Accounts of `refresh_stress`. Remaining accounts: the `(market, feed)` pair
/// of every market, in index order.
#[derive(Accounts)]
pub struct RefreshStress<'info> {
    /// The exchange (stress state).
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// 1. Read every market's feed (checked); `stale_share_bps` of them.
/// 2. Observe stress with that share and the slot time; emit on a change.
pub fn handler<'info>(ctx: Context<'info, RefreshStress<'info>>) -> Result<()> {
    let mut ex = ctx.accounts.exchange.load_mut()?;
    require!(ex.market_count > 0, EngineError::HealthAccountsMismatch);
    let clock = Clock::get()?;
    let markets = every_market(&ex, ctx.remaining_accounts, clock.unix_timestamp)?;
    observe(&mut ex, &clock, Some(stale_share_bps(&markets)));
    Ok(())
}

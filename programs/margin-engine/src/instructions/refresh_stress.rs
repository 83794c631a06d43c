//! `refresh_stress`: the permissionless crank that measures the share of the
//! exchange's feeds that are stale.

use crate::constants::*;
use crate::engine::stress::observe;
use crate::errors::EngineError;
use crate::state::{Exchange, Market};
use anchor_lang::prelude::*;
use ballast_risk::oracle::Validity;
use oracle_adapter::reader::read_feed;

/// Accounts of `refresh_stress`. Remaining accounts: the `(market, feed)` pair
/// of every market, in index order.
#[derive(Accounts)]
pub struct RefreshStress<'info> {
    /// The exchange (stress state).
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
}

/// 1. Read every market's feed (checked) and count those `Stale` or worse.
/// 2. Observe stress with that share and the slot time; emit on a change.
pub fn handler<'info>(ctx: Context<'info, RefreshStress<'info>>) -> Result<()> {
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let count = ex.market_count as usize;
    require!(count > 0 && ctx.remaining_accounts.len() == 2 * count, EngineError::HealthAccountsMismatch);
    let clock = Clock::get()?;
    let mut stale = 0u64;
    for (i, pair) in ctx.remaining_accounts.chunks_exact(2).enumerate() {
        let loader = AccountLoader::<Market>::try_from(&pair[0])?;
        let market = loader.load()?;
        require!(market.index as usize == i, EngineError::WrongMarket);
        require_keys_eq!(*pair[1].key, market.feed, EngineError::WrongFeed);
        let r =
            read_feed(&pair[1], &market.feed, clock.unix_timestamp).map_err(|_| error!(EngineError::NotAPriceFeed))?;
        stale += u64::from(r.validity >= Validity::Stale);
    }
    let share = (stale * 10_000 / count as u64) as u32;
    observe(&mut ex, &clock, Some(share));
    Ok(())
}

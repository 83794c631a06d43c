//! `refresh`: the permissionless crank that re-aggregates a feed.

use crate::engine;
use crate::events::FeedRefreshed;
use crate::sources::SourceInput;
use crate::state::PriceFeed;
use anchor_lang::prelude::*;

/// Accounts of `refresh`. The source accounts follow as remaining accounts,
/// exactly the configured ones, in configured order.
#[derive(Accounts)]
pub struct Refresh<'info> {
    /// The feed to refresh (owner and discriminator checked by the loader).
    #[account(mut)]
    pub feed: AccountLoader<'info, PriceFeed>,
}

/// 1. Require exactly `num_sources` remaining accounts (none skipped, none
///    extra), each the configured source at its position (`engine::refresh`).
/// 2. Judge each against its owner program and format, then the guard rails
///    (`sources::evaluate`).
/// 3. Aggregate the accepted quotes into the feed (`engine::refresh`).
/// 4. Emit `FeedRefreshed` with every source's verdict.
pub fn handler<'info>(ctx: Context<'info, Refresh<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let mut feed = ctx.accounts.feed.load_mut()?;
    let mut datas = Vec::with_capacity(ctx.remaining_accounts.len());
    for acc in ctx.remaining_accounts {
        datas.push(acc.try_borrow_data()?);
    }
    let inputs: Vec<SourceInput> = ctx
        .remaining_accounts
        .iter()
        .zip(&datas)
        .map(|(acc, data)| SourceInput { key: acc.key, owner: acc.owner, data })
        .collect();
    let outcome = engine::refresh(&mut feed, &inputs, clock.unix_timestamp, clock.slot)?;

    ballast_runtime::emit_event!(FeedRefreshed {
        feed: ctx.accounts.feed.key(),
        verdicts: outcome.verdicts,
        applied: outcome.applied,
        validity: feed.validity,
        valid_sources: feed.valid_sources,
        price: feed.price,
        conf: feed.conf,
        ema_price: feed.ema_price,
        vol_bps: feed.vol_bps,
        publish_time: feed.publish_time,
    });
    Ok(())
}

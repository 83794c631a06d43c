//! `add_market`: governance lists a perpetual market.

use crate::constants::*;
use crate::errors::EngineError;
use crate::events::MarketAdded;
use crate::state::{init_zero_copy, AddMarketParams, Exchange, Market};
use anchor_lang::prelude::*;
use oracle_adapter::state::PriceFeed;

/// Accounts of `add_market`.
#[derive(Accounts)]
pub struct AddMarket<'info> {
    /// Governance authority; pays for the market.
    #[account(mut)]
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::NotGovernance)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// CHECK: the next market PDA (address checked by seeds), created here.
    #[account(mut, seeds = [MARKET_SEED, &exchange.load()?.market_count.to_le_bytes()], bump)]
    pub market: UncheckedAccount<'info>,
    /// The oracle-adapter feed (owner and discriminator checked by the loader).
    pub feed: AccountLoader<'info, PriceFeed>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// 1. Validate parameters; at most `MAX_MARKETS` markets.
/// 2. Create the market PDA at index `market_count`, bound to `feed`.
/// 3. Bump the count; emit `MarketAdded`.
pub fn handler(ctx: Context<AddMarket>, params: AddMarketParams) -> Result<()> {
    let symbol = params.validate()?;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    require!(ex.market_count < MAX_MARKETS, EngineError::TooManyMarkets);
    let index = ex.market_count;
    let market_info = ctx.accounts.market.to_account_info();
    let mut m = init_zero_copy::<Market>(
        &ctx.accounts.governance.to_account_info(),
        &market_info,
        &ctx.accounts.system_program.to_account_info(),
        &[MARKET_SEED, &index.to_le_bytes(), &[ctx.bumps.market]],
        || error!(EngineError::AlreadyInitialized),
    )?;
    m.list(index, ctx.accounts.feed.key(), symbol, params.params(), Clock::get()?.slot);
    m.bump = ctx.bumps.market;
    drop(m);
    ex.market_count = index + 1;
    ballast_runtime::emit_event!(MarketAdded {
        market: ctx.accounts.market.key(),
        index,
        symbol,
        feed: ctx.accounts.feed.key()
    });
    Ok(())
}

//! `liquidate`: a keeper partially closes an unhealthy account's position.

use super::accounts::AccountQuotes;
use super::cpi::VaultSigner;
use crate::constants::*;
use crate::engine::health::saturate;
use crate::engine::liquidation::liquidate;
use crate::engine::stress::observe;
use crate::errors::EngineError;
use crate::events::{Liquidated, ThrottleEngaged};
use crate::state::{Exchange, MarginAccount, Market, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `liquidate`. Remaining accounts: the `(market, feed)` pair of
/// every other open position of the liquidated account, in slot order.
#[derive(Accounts)]
pub struct Liquidate<'info> {
    /// The keeper (anyone but the account's owner).
    pub liquidator: Signer<'info>,
    /// The keeper's token account for the reward.
    #[account(mut, token::mint = collateral_mint, token::authority = liquidator)]
    pub liquidator_token: Box<Account<'info, TokenAccount>>,
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pool.
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
    /// The account to liquidate.
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market of the position to close.
    #[account(mut, seeds = [MARKET_SEED, &market.load()?.index.to_le_bytes()], bump = market.load()?.bump)]
    pub market: AccountLoader<'info, Market>,
    /// CHECK: the market's feed; address, owner and discriminator are checked
    /// by `quote_market` before any byte is trusted.
    pub feed: UncheckedAccount<'info>,
    /// The exchange's collateral vault.
    #[account(mut, address = exchange.load()?.collateral_vault @ EngineError::WrongVault)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's pool vault.
    #[account(mut, address = exchange.load()?.pool_vault @ EngineError::WrongVault)]
    pub pool_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's insurance vault.
    #[account(mut, address = exchange.load()?.insurance_vault @ EngineError::WrongVault)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    /// CHECK: the vault authority PDA (seeds and stored bump checked).
    #[account(seeds = [VAULT_AUTHORITY_SEED], bump = exchange.load()?.vault_authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// The collateral mint.
    #[account(address = exchange.load()?.collateral_mint @ EngineError::InvalidCollateralMint)]
    pub collateral_mint: Box<Account<'info, Mint>>,
    /// SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// 1. Observe stress; `engine::liquidation::liquidate`: refuse when paused
///    or self-liquidating; the market's own feed must allow liquidation;
///    positions valued by `liquidation_quotes` (at the source least adverse
///    to the holder, a `Stale` leg at its last price, none `Invalid`) must
///    have maintenance health (dynamic ratios) < 0; close just enough at
///    that price, conf-biased; health strictly better unless the position
///    is fully closed.
/// 2. Move the tokens: pool <-> collateral, reward to the keeper, the rest
///    of the penalty to the insurance vault; emit.
#[inline(never)] // a symbol of its own for the callgrind cost proxy
pub fn handler<'info>(ctx: Context<'info, Liquidate<'info>>) -> Result<()> {
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let clock = Clock::get()?;
    let now = observe(&mut ex, &clock, None);
    let mut acc = ctx.accounts.margin_account.load_mut()?;
    let mut market = ctx.accounts.market.load_mut()?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let feed = ctx.accounts.feed.to_account_info();
    let quotes = AccountQuotes { feed: Some(&feed), remaining: ctx.remaining_accounts, now };
    let liquidator = ctx.accounts.liquidator.key;
    let done = liquidate(&mut ex, &mut acc, &mut market, &mut pool, liquidator, clock.slot, &quotes)?;
    let (out, before, after) = (done.out, done.before, done.after);
    let event = Liquidated {
        account: ctx.accounts.margin_account.key(),
        liquidator: ctx.accounts.liquidator.key(),
        market: market.index,
        base: out.base,
        price: out.price,
        realized_pnl: out.realized_pnl,
        notional: out.notional,
        keeper_reward: out.keeper,
        insurance_fee: out.insurance,
        health_before: saturate(before.maintenance),
        health_after: saturate(after.maintenance),
        deficit: out.deficit,
        unsettled: out.unsettled,
        funding: out.funding.funding,
        borrow_fee: out.funding.borrow_fee(),
    };
    let throttle = ThrottleEngaged {
        market: market.index,
        window_start_slot: market.throttle_window_start,
        used: market.throttle_used,
    };
    let bump = ex.vault_authority_bump;
    drop((acc, market, pool, ex));

    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.settle(&*a.pool_vault, &*a.collateral_vault, out.pool_to_collateral)?;
    vaults.send(&*a.collateral_vault, &*a.liquidator_token, out.keeper)?;
    vaults.send(&*a.collateral_vault, &*a.insurance_vault, out.insurance + out.funding.borrow.insurance)?;
    done.breaker.emit();
    ballast_runtime::emit_event!(event);
    if out.throttle_engaged {
        ballast_runtime::emit_event!(throttle);
    }
    Ok(())
}

//! `auto_deleverage`: reduce a winning position while the traders'
//! unrealised profit outgrows the pool's free cash (permissionless; the
//! keeper plans it with the program's own rules).

use super::accounts::pool_legs;
use super::cpi::VaultSigner;
use crate::constants::*;
use crate::engine::adl::auto_deleverage;
use crate::engine::health::Now;
use crate::errors::EngineError;
use crate::events::AutoDeleveraged;
use crate::state::{Exchange, MarginAccount, Market, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `auto_deleverage`. Remaining accounts: the `(market, feed)`
/// pair of every market, in index order (the liability is the whole
/// venue's), the named market among them.
#[derive(Accounts)]
pub struct AutoDeleverage<'info> {
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pool.
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
    /// The account whose position is reduced.
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The market of the position.
    #[account(mut, seeds = [MARKET_SEED, &market.load()?.index.to_le_bytes()], bump = market.load()?.bump)]
    pub market: AccountLoader<'info, Market>,
    /// The exchange's collateral vault.
    #[account(mut, address = exchange.load()?.collateral_vault @ EngineError::WrongVault)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's pool vault.
    #[account(mut, address = exchange.load()?.pool_vault @ EngineError::WrongVault)]
    pub pool_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's insurance vault (its share of a settled borrow fee).
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

/// 1. Quote every market from the remaining accounts (missing, extra or
///    reordered pairs are refused).
/// 2. `engine::adl::auto_deleverage`: refuse while liquidation is paused,
///    below the trigger, for a non-candidate, or past the throttle; close
///    the amount that brings the liability to the target at the oracle
///    price.
/// 3. Move the paid gain from the pool vault to the collateral vault; emit.
#[inline(never)] // a symbol of its own for the callgrind cost proxy
pub fn handler<'info>(ctx: Context<'info, AutoDeleverage<'info>>) -> Result<()> {
    let clock = Clock::get()?;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let now = Now::at(&ex, clock.unix_timestamp, clock.slot);
    let legs = pool_legs(&ex, ctx.remaining_accounts, &now)?;
    let mut market = ctx.accounts.market.load_mut()?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut acc = ctx.accounts.margin_account.load_mut()?;
    let d = auto_deleverage(&mut ex, &mut acc, &mut market, &mut pool, &legs, clock.slot)?;
    let event = AutoDeleveraged {
        account: ctx.accounts.margin_account.key(),
        market: market.index,
        base: d.base,
        price: d.price,
        realized_pnl: d.realized_pnl,
        notional: d.notional,
        unsettled: d.unsettled,
        liability: d.liability,
        free_cash: d.free_cash,
        position_base: acc.position_in(market.index).base,
        funding: d.funding.funding,
        borrow_fee: d.funding.borrow_fee(),
    };
    let bump = ex.vault_authority_bump;
    drop((acc, pool, market, ex));
    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.settle(&*a.pool_vault, &*a.collateral_vault, d.pool_to_collateral)?;
    vaults.send(&*a.collateral_vault, &*a.insurance_vault, d.funding.borrow.insurance)?;
    ballast_runtime::emit_event!(event);
    Ok(())
}

//! `settle_pnl`: pay an account's unsettled PnL from the pool's cash
//! (permissionless; the keeper runs it).

use super::cpi::VaultSigner;
use crate::constants::*;
use crate::engine::settle::settle_pnl;
use crate::errors::EngineError;
use crate::events::PnlSettled;
use crate::state::{Exchange, MarginAccount, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `settle_pnl` (permissionless: the payment only ever goes
/// into the account's own collateral).
#[derive(Accounts)]
pub struct SettlePnl<'info> {
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pool.
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
    /// The account owed unsettled PnL.
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The exchange's pool vault.
    #[account(mut, address = exchange.load()?.pool_vault @ EngineError::WrongVault)]
    pub pool_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's collateral vault.
    #[account(mut, address = exchange.load()?.collateral_vault @ EngineError::WrongVault)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// CHECK: the vault authority PDA (seeds and stored bump checked).
    #[account(seeds = [VAULT_AUTHORITY_SEED], bump = exchange.load()?.vault_authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// The collateral mint.
    #[account(address = exchange.load()?.collateral_mint @ EngineError::InvalidCollateralMint)]
    pub collateral_mint: Box<Account<'info, Mint>>,
    /// SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// 1. `engine::settle::settle_pnl`: net the unsettled PnL against any
///    deficit, then pay the account, once per settlement round, its
///    pro-rata share of the round's cash.
/// 2. Move what was paid from the pool vault to the collateral vault; emit.
#[inline(never)] // a symbol of its own for the callgrind cost proxy
pub fn handler(ctx: Context<SettlePnl>) -> Result<()> {
    let slot = Clock::get()?.slot;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut acc = ctx.accounts.margin_account.load_mut()?;
    let s = settle_pnl(&mut acc, &mut pool, &mut ex, slot)?;
    let bump = ex.vault_authority_bump;
    drop((acc, pool, ex));
    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.send(&*a.pool_vault, &*a.collateral_vault, s.paid)?;
    ballast_runtime::emit_event!(PnlSettled {
        account: a.margin_account.key(),
        netted: s.netted,
        paid: s.paid,
        left: s.left,
        round: s.round,
    });
    Ok(())
}

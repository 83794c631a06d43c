//! `resolve_bankruptcy`: cover a bankrupt account's deficit down the default
//! waterfall.

use super::cpi::VaultSigner;
use crate::constants::*;
use crate::engine::liquidation::resolve_bankruptcy;
use crate::errors::EngineError;
use crate::events::WaterfallStep;
use crate::state::{Exchange, MarginAccount, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `resolve_bankruptcy` (permissionless).
#[derive(Accounts)]
pub struct ResolveBankruptcy<'info> {
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pool.
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
    /// The bankrupt account (no positions, negative collateral).
    #[account(mut)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The exchange's insurance vault.
    #[account(mut, address = exchange.load()?.insurance_vault @ EngineError::WrongVault)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's pool vault.
    #[account(mut, address = exchange.load()?.pool_vault @ EngineError::WrongVault)]
    pub pool_vault: Box<Account<'info, TokenAccount>>,
    /// CHECK: the vault authority PDA (seeds and stored bump checked).
    #[account(seeds = [VAULT_AUTHORITY_SEED], bump = exchange.load()?.vault_authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// The collateral mint.
    #[account(address = exchange.load()?.collateral_mint @ EngineError::InvalidCollateralMint)]
    pub collateral_mint: Box<Account<'info, Mint>>,
    /// SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// 1. Require a bankrupt account with no positions.
/// 2. Waterfall: the account's collateral (already spent by liquidation:
///    step 1 covers 0), the insurance fund down to its floor, then the pool.
/// 3. Move the insurance share to the pool vault; emit one event per step.
pub fn handler(ctx: Context<ResolveBankruptcy>) -> Result<()> {
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut acc = ctx.accounts.margin_account.load_mut()?;
    let w = resolve_bankruptcy(&mut acc, &mut pool, &mut ex, Clock::get()?.slot)?;
    let bump = ex.vault_authority_bump;
    drop((acc, pool, ex));
    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.send(&*a.insurance_vault, &*a.pool_vault, w.from_insurance)?;
    let account = a.margin_account.key();
    for (step, amount) in [(1u8, w.from_collateral), (2, w.from_insurance), (3, w.socialized)] {
        ballast_runtime::emit_event!(WaterfallStep { account, step, amount });
    }
    Ok(())
}

//! `deposit`: collateral in; it repays a deficit first.

use super::cpi::pay_in;
use crate::constants::*;
use crate::engine::settle::set_collateral;
use crate::errors::EngineError;
use crate::events::CollateralChanged;
use crate::state::{Exchange, MarginAccount, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `deposit`.
#[derive(Accounts)]
pub struct Deposit<'info> {
    /// The trader (signs the token transfer).
    pub owner: Signer<'info>,
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account.
    #[account(mut, has_one = owner @ EngineError::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The pool: it is owed a flagged account's deficit.
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
    /// The trader's collateral token account.
    #[account(mut, token::mint = collateral_mint, token::authority = owner)]
    pub user_token: Box<Account<'info, TokenAccount>>,
    /// The exchange's collateral vault.
    #[account(mut, address = exchange.load()?.collateral_vault @ EngineError::WrongVault)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// The exchange's pool vault (receives the repayment of a deficit).
    #[account(mut, address = exchange.load()?.pool_vault @ EngineError::WrongVault)]
    pub pool_vault: Box<Account<'info, TokenAccount>>,
    /// The collateral mint.
    #[account(address = exchange.load()?.collateral_mint @ EngineError::InvalidCollateralMint)]
    pub collateral_mint: Box<Account<'info, Mint>>,
    /// SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// 1. Refuse zero, paused, or above the per-account cap.
/// 2. A deficit (negative collateral, flagged bankrupt) is repaid first:
///    that part goes to the pool vault and the pool's balance; the rest to
///    the collateral vault (`transfer_checked` from the trader for each).
/// 3. Credit collateral (unflagging the account once it is >= 0) and the
///    exchange total; emit `CollateralChanged`.
pub fn handler(ctx: Context<Deposit>, amount: u64) -> Result<()> {
    require!(amount > 0, EngineError::ZeroAmount);
    let mut ex = ctx.accounts.exchange.load_mut()?;
    require!(!ex.is_paused(pause::DEPOSIT, Clock::get()?.slot), EngineError::Paused);
    let mut acc = ctx.accounts.margin_account.load_mut()?;
    let delta = i64::try_from(amount).map_err(|_| EngineError::DepositCapExceeded)?;
    let collateral = acc.collateral.checked_add(delta).ok_or(EngineError::DepositCapExceeded)?;
    require!(collateral.max(0) as u64 <= ex.deposit_cap, EngineError::DepositCapExceeded);
    let repay = amount.min(acc.collateral.min(0).unsigned_abs());
    let to_vault = amount - repay;

    let a = &ctx.accounts;
    let program = a.token_program.key();
    pay_in(program, &*a.collateral_mint, &*a.user_token, &a.owner, &*a.pool_vault, repay)?;
    pay_in(program, &*a.collateral_mint, &*a.user_token, &a.owner, &*a.collateral_vault, to_vault)?;

    let mut pool = a.pool.load_mut()?;
    pool.balance = pool.balance.checked_add(repay).ok_or(EngineError::MathOverflow)?;
    set_collateral(&mut acc, &mut pool, collateral)?;
    ex.total_collateral = ex.total_collateral.checked_add(to_vault).ok_or(EngineError::MathOverflow)?;
    ballast_runtime::emit_event!(CollateralChanged { account: a.margin_account.key(), delta, collateral });
    Ok(())
}

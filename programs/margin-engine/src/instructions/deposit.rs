//! `deposit`: collateral in; it repays a deficit first.

use super::cpi::pay_in;
use crate::constants::*;
use crate::engine::collateral::deposit;
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

/// `engine::collateral::deposit` (refuse zero, paused or above the cap;
/// repay a deficit first), then pull the repayment into the pool vault and
/// the rest into the collateral vault (`transfer_checked` from the trader
/// for each); emit `CollateralChanged`.
pub fn handler(ctx: Context<Deposit>, amount: u64) -> Result<()> {
    let a = &ctx.accounts;
    let mut ex = a.exchange.load_mut()?;
    let mut acc = a.margin_account.load_mut()?;
    let mut pool = a.pool.load_mut()?;
    let done = deposit(&mut ex, &mut acc, &mut pool, amount, Clock::get()?.slot)?;
    drop((ex, acc, pool));

    let program = a.token_program.key();
    pay_in(program, &*a.collateral_mint, &*a.user_token, &a.owner, &*a.pool_vault, done.repay)?;
    pay_in(program, &*a.collateral_mint, &*a.user_token, &a.owner, &*a.collateral_vault, done.to_vault)?;
    let delta = i64::try_from(amount).map_err(|_| EngineError::MathOverflow)?;
    ballast_runtime::emit_event!(CollateralChanged {
        account: a.margin_account.key(),
        delta,
        collateral: done.collateral
    });
    Ok(())
}

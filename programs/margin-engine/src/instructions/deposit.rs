//! `deposit`: collateral in.

use crate::constants::*;
use crate::errors::EngineError;
use crate::events::CollateralChanged;
use crate::state::{Exchange, MarginAccount};
use anchor_lang::prelude::*;
use anchor_spl::token::{transfer_checked, Mint, Token, TokenAccount, TransferChecked};

/// Accounts of `deposit`.
#[derive(Accounts)]
pub struct Deposit<'info> {
    /// The trader (signs the token transfer).
    pub owner: Signer<'info>,
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account.
    #[account(mut, has_one = owner @ EngineError::Unauthorized)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// The trader's collateral token account.
    #[account(mut, token::mint = collateral_mint, token::authority = owner)]
    pub user_token: Box<Account<'info, TokenAccount>>,
    /// The exchange's collateral vault.
    #[account(mut, address = exchange.load()?.collateral_vault @ EngineError::WrongVault)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// The collateral mint.
    #[account(address = exchange.load()?.collateral_mint @ EngineError::InvalidCollateralMint)]
    pub collateral_mint: Box<Account<'info, Mint>>,
    /// SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// 1. Refuse zero, paused, or above the per-account cap.
/// 2. Transfer from the trader to the vault (`transfer_checked`).
/// 3. Credit collateral and the exchange total; emit `CollateralChanged`.
pub fn handler(ctx: Context<Deposit>, amount: u64) -> Result<()> {
    require!(amount > 0, EngineError::ZeroAmount);
    let mut ex = ctx.accounts.exchange.load_mut()?;
    require!(!ex.is_paused(pause::DEPOSIT, Clock::get()?.slot), EngineError::Paused);
    let mut acc = ctx.accounts.margin_account.load_mut()?;
    require!(!acc.is_bankrupt(), EngineError::AccountBankrupt);
    let delta = i64::try_from(amount).map_err(|_| EngineError::DepositCapExceeded)?;
    let collateral = acc.collateral.checked_add(delta).ok_or(EngineError::DepositCapExceeded)?;
    require!(collateral as u64 <= ex.deposit_cap, EngineError::DepositCapExceeded);

    let a = &ctx.accounts;
    let accounts = TransferChecked {
        from: a.user_token.to_account_info(),
        mint: a.collateral_mint.to_account_info(),
        to: a.collateral_vault.to_account_info(),
        authority: a.owner.to_account_info(),
    };
    transfer_checked(CpiContext::new(a.token_program.key(), accounts), amount, COLLATERAL_DECIMALS)?;

    acc.collateral = collateral;
    ex.total_collateral = ex.total_collateral.checked_add(amount).ok_or(EngineError::MathOverflow)?;
    oracle_adapter::emit_event!(CollateralChanged { account: a.margin_account.key(), delta, collateral });
    Ok(())
}

//! `withdraw_insurance`: governance takes funds out of the insurance fund,
//! never below its floor. (The governance issue puts this behind the
//! timelock: it loosens the venue's protection.)

use crate::constants::*;
use crate::engine::vault::VaultSigner;
use crate::errors::EngineError;
use crate::events::InsuranceWithdrawn;
use crate::state::Exchange;
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};
use ballast_risk::SafeMath;

/// Accounts of `withdraw_insurance`.
#[derive(Accounts)]
pub struct WithdrawInsurance<'info> {
    /// Governance authority.
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The exchange's insurance vault.
    #[account(mut, address = exchange.load()?.insurance_vault @ EngineError::WrongVault)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    /// Where the funds go (any token account of the collateral mint).
    #[account(mut, token::mint = collateral_mint)]
    pub destination: Box<Account<'info, TokenAccount>>,
    /// CHECK: the vault authority PDA (seeds and stored bump checked).
    #[account(seeds = [VAULT_AUTHORITY_SEED], bump = exchange.load()?.vault_authority_bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// The collateral mint.
    #[account(address = exchange.load()?.collateral_mint @ EngineError::InvalidCollateralMint)]
    pub collateral_mint: Box<Account<'info, Mint>>,
    /// SPL Token program.
    pub token_program: Program<'info, Token>,
}

/// 1. `amount` > 0, and the fund stays at or above its floor.
/// 2. Record, transfer from the insurance vault, emit `InsuranceWithdrawn`.
pub fn handler(ctx: Context<WithdrawInsurance>, amount: u64) -> Result<()> {
    require!(amount > 0, EngineError::ZeroAmount);
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let after = ex.insurance_balance.safe_sub(amount).map_err(|_| error!(EngineError::InsuranceBelowFloor))?;
    require!(after >= ex.insurance_floor, EngineError::InsuranceBelowFloor);
    ex.insurance_balance = after;
    let event = InsuranceWithdrawn {
        amount,
        balance_after: after,
        floor: ex.insurance_floor,
        destination: ctx.accounts.destination.key(),
    };
    let bump = ex.vault_authority_bump;
    drop(ex);
    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.send(&*a.insurance_vault, &*a.destination, amount)?;
    oracle_adapter::emit_event!(event);
    Ok(())
}

//! `withdraw_insurance` and `withdraw_fees`: execute a queued insurance or
//! protocol-fee withdrawal. `withdraw_insurance` executes a queued insurance withdrawal (anyone may
//! call, like `apply_change`). Governance queues it with `queue_change`
//! (exchange target, field `insurance_withdrawal`, `value` the amount,
//! `key` the destination token account); after the timelock and within the
//! grace period the amount leaves the fund, never below its floor. It
//! loosens the venue's protection, so it is never instant.

use super::cpi::VaultSigner;
use crate::constants::*;
use crate::engine::gov_window::require_live;
use crate::engine::governance::{
    withdraw_fees, withdraw_insurance, EXCHANGE_TARGET, FEE_WITHDRAWAL_FIELD, INSURANCE_WITHDRAWAL_FIELD,
};
use crate::errors::EngineError;
use crate::events::{FeesWithdrawn, InsuranceWithdrawn};
use crate::state::{Exchange, GovRecord, PendingChange};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `withdraw_insurance` (anyone, once the withdrawal is due).
#[derive(Accounts)]
pub struct WithdrawInsurance<'info> {
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The queued withdrawal; closed, rent to its payer.
    #[account(mut, close = payer, seeds = [CHANGE_SEED, &change.load()?.id.to_le_bytes()], bump = change.load()?.bump)]
    pub change: AccountLoader<'info, PendingChange>,
    /// CHECK: receives the rent; must be the change's payer.
    #[account(mut, address = change.load()?.payer @ EngineError::NotChangePayer)]
    pub payer: UncheckedAccount<'info>,
    /// The exchange's governance record (newest queued withdrawal).
    #[account(seeds = [GOV_RECORD_SEED, &EXCHANGE_TARGET.to_le_bytes()], bump = record.load()?.bump)]
    pub record: AccountLoader<'info, GovRecord>,
    /// The exchange's insurance vault.
    #[account(mut, address = exchange.load()?.insurance_vault @ EngineError::WrongVault)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    /// Where the funds go: the token account the queued withdrawal names.
    #[account(mut, token::mint = collateral_mint, address = change.load()?.key @ EngineError::WrongDestination)]
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

/// 1. The change is a queued insurance withdrawal, due, not expired and
///    the newest one queued.
/// 2. The fund stays at or above its floor (checked now, not at queueing).
/// 3. Record, transfer from the insurance vault, emit `InsuranceWithdrawn`.
pub fn handler(ctx: Context<WithdrawInsurance>) -> Result<()> {
    let p = *ctx.accounts.change.load()?;
    let kind_ok = p.target == EXCHANGE_TARGET && p.field == INSURANCE_WITHDRAWAL_FIELD;
    require!(kind_ok, EngineError::WrongChangeKind);
    require_live(&p, &*ctx.accounts.record.load()?, Clock::get()?.slot)?;
    let amount = p.value;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let after = withdraw_insurance(&mut ex, amount)?;
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
    ballast_runtime::emit_event!(event);
    Ok(())
}

/// Accounts of `withdraw_fees` (anyone, once the withdrawal is due).
#[derive(Accounts)]
pub struct WithdrawFees<'info> {
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The queued withdrawal; closed, rent to its payer.
    #[account(mut, close = payer, seeds = [CHANGE_SEED, &change.load()?.id.to_le_bytes()], bump = change.load()?.bump)]
    pub change: AccountLoader<'info, PendingChange>,
    /// CHECK: receives the rent; must be the change's payer.
    #[account(mut, address = change.load()?.payer @ EngineError::NotChangePayer)]
    pub payer: UncheckedAccount<'info>,
    /// The exchange's governance record (newest queued withdrawal).
    #[account(seeds = [GOV_RECORD_SEED, &EXCHANGE_TARGET.to_le_bytes()], bump = record.load()?.bump)]
    pub record: AccountLoader<'info, GovRecord>,
    /// The exchange's collateral vault (it holds the protocol's fees).
    #[account(mut, address = exchange.load()?.collateral_vault @ EngineError::WrongVault)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// Where the funds go: the token account the queued withdrawal names.
    #[account(mut, token::mint = collateral_mint, address = change.load()?.key @ EngineError::WrongDestination)]
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

/// 1. The change is a queued fee withdrawal, due, not expired and the
///    newest one queued.
/// 2. The protocol's fees cover it (checked now, not at queueing).
/// 3. Record, transfer from the collateral vault, emit `FeesWithdrawn`.
pub fn fees_handler(ctx: Context<WithdrawFees>) -> Result<()> {
    let p = *ctx.accounts.change.load()?;
    let kind_ok = p.target == EXCHANGE_TARGET && p.field == FEE_WITHDRAWAL_FIELD;
    require!(kind_ok, EngineError::WrongChangeKind);
    require_live(&p, &*ctx.accounts.record.load()?, Clock::get()?.slot)?;
    let amount = p.value;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let after = withdraw_fees(&mut ex, amount)?;
    let event = FeesWithdrawn { amount, balance_after: after, destination: ctx.accounts.destination.key() };
    let bump = ex.vault_authority_bump;
    drop(ex);
    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.send(&*a.collateral_vault, &*a.destination, amount)?;
    ballast_runtime::emit_event!(event);
    Ok(())
}

//! `withdraw_insurance` and `withdraw_fees`: execute a queued withdrawal
//! (anyone may call, like `apply_change`). Governance queues it with
//! `queue_change` (exchange target, field `insurance_withdrawal` or
//! `fee_withdrawal`, `value` the amount, `key` the destination token
//! account); after the timelock and within the grace period the amount
//! leaves the insurance fund (never below its floor) or the protocol's fees
//! (never more than they hold). Each loosens what the venue holds, so
//! neither is ever instant.

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

/// Accounts of `withdraw_insurance` and `withdraw_fees` (anyone, once the
/// withdrawal is due).
#[derive(Accounts)]
pub struct QueuedWithdrawal<'info> {
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
    /// The vault paid from: the insurance vault for `withdraw_insurance`,
    /// the collateral vault (it holds the protocol's fees) for
    /// `withdraw_fees` (`WrongVault` otherwise).
    #[account(mut)]
    pub source: Box<Account<'info, TokenAccount>>,
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

/// 1. The change is a queued withdrawal of kind `field`
///    (`INSURANCE_WITHDRAWAL_FIELD` or `FEE_WITHDRAWAL_FIELD`), due, not
///    expired and the newest one queued; `source` is that kind's vault.
/// 2. The insurance fund stays at or above its floor, or the protocol's
///    fees cover the amount (checked now, not at queueing).
/// 3. Record, transfer from the vault, emit `InsuranceWithdrawn` or
///    `FeesWithdrawn`.
pub fn handler(ctx: Context<QueuedWithdrawal>, field: u8) -> Result<()> {
    let p = *ctx.accounts.change.load()?;
    require!(p.target == EXCHANGE_TARGET && p.field == field, EngineError::WrongChangeKind);
    require_live(&p, &*ctx.accounts.record.load()?, Clock::get()?.slot)?;
    let amount = p.value;
    let destination = ctx.accounts.destination.key();
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let insurance = field == INSURANCE_WITHDRAWAL_FIELD;
    let vault = if insurance { ex.insurance_vault } else { ex.collateral_vault };
    require_keys_eq!(ctx.accounts.source.key(), vault, EngineError::WrongVault);
    let event = if insurance {
        let balance_after = withdraw_insurance(&mut ex, amount)?;
        Withdrawn::Insurance(InsuranceWithdrawn { amount, balance_after, floor: ex.insurance_floor, destination })
    } else {
        require!(field == FEE_WITHDRAWAL_FIELD, EngineError::WrongChangeKind);
        let balance_after = withdraw_fees(&mut ex, amount)?;
        Withdrawn::Fees(FeesWithdrawn { amount, balance_after, destination })
    };
    let bump = ex.vault_authority_bump;
    drop(ex);
    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.send(&*a.source, &*a.destination, amount)?;
    match event {
        Withdrawn::Insurance(e) => ballast_runtime::emit_event!(e),
        Withdrawn::Fees(e) => ballast_runtime::emit_event!(e),
    }
    Ok(())
}

/// The event of a withdrawal, emitted once the tokens moved.
enum Withdrawn {
    Insurance(InsuranceWithdrawn),
    Fees(FeesWithdrawn),
}

//! `withdraw`: collateral out, never while it is owed.

use super::accounts::AccountQuotes;
use super::cpi::VaultSigner;
use crate::constants::*;
use crate::engine::collateral::withdraw;
use crate::engine::stress::observe;
use crate::errors::EngineError;
use crate::events::CollateralChanged;
use crate::state::{Exchange, MarginAccount};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `withdraw`. Remaining accounts: the `(market, feed)` pair of
/// every open position, in slot order.
#[derive(Accounts)]
pub struct Withdraw<'info> {
    /// The trader.
    pub owner: Signer<'info>,
    /// The exchange.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The trader's margin account.
    #[account(mut, has_one = owner @ EngineError::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// Destination token account (any holder; the owner chooses).
    #[account(mut, token::mint = collateral_mint)]
    pub user_token: Box<Account<'info, TokenAccount>>,
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

/// 1. Observe network stress.
/// 2. `engine::collateral::withdraw`: refuse zero, paused, bankrupt or more
///    than the collateral; debit; with positions left, initial health >= 0
///    (`require_withdrawable`: a `Stale` feed's position at its last good
///    price moved 10 % against it; refused with a feed `TooUncertain`,
///    `TooVolatile` or `Invalid`). Without positions, no remaining accounts.
/// 3. Transfer from the vault, signed by the vault authority; emit.
#[inline(never)] // a symbol of its own for the callgrind cost proxy
pub fn handler<'info>(ctx: Context<'info, Withdraw<'info>>, amount: u64) -> Result<()> {
    let mut ex = ctx.accounts.exchange.load_mut()?;
    let clock = Clock::get()?;
    let now = observe(&mut ex, &clock, None);
    let mut acc = ctx.accounts.margin_account.load_mut()?;
    let quotes = AccountQuotes { feed: None, remaining: ctx.remaining_accounts, now };
    withdraw(&mut ex, &mut acc, amount, clock.slot, &quotes)?;
    let collateral = acc.collateral;
    let bump = ex.vault_authority_bump;
    drop((acc, ex));

    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.send(&*a.collateral_vault, &*a.user_token, amount)?;
    let delta = -i64::try_from(amount).map_err(|_| EngineError::MathOverflow)?;
    ballast_runtime::emit_event!(CollateralChanged { account: a.margin_account.key(), delta, collateral });
    Ok(())
}

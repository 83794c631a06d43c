//! `lp_withdraw`: burn shares for their value, never below the pool's cover.

use super::accounts::pool_legs;
use super::cpi::VaultSigner;
use crate::constants::*;
use crate::engine::adl::require_adl_headroom;
use crate::engine::health::Now;
use crate::engine::pool::{lp_withdraw, require_lp_open, value_legs};
use crate::errors::EngineError;
use crate::events::LpChanged;
use crate::state::{Exchange, LpPosition, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `lp_withdraw`. Remaining accounts: the `(market, feed)` pair
/// of every market, in index order (to value the pool).
#[derive(Accounts)]
pub struct LpWithdraw<'info> {
    /// The LP.
    pub owner: Signer<'info>,
    /// The exchange.
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pool.
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
    /// The LP's position.
    #[account(mut, seeds = [LP_SEED, owner.key().as_ref()], bump = lp_position.load()?.bump,
              has_one = owner @ EngineError::NotOwner)]
    pub lp_position: AccountLoader<'info, LpPosition>,
    /// Destination token account.
    #[account(mut, token::mint = collateral_mint)]
    pub user_token: Box<Account<'info, TokenAccount>>,
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

/// 1. Refuse zero or paused (`require_lp_open`); value the pool at checked
///    prices.
/// 2. `engine::pool::lp_withdraw`: pay out `shares * NAV / supply` at the
///    NAV adverse to the pool, rounded down; refuse more shares than held,
///    within `LP_MIN_HOLD_SLOTS` of the LP's last deposit, a payout above
///    the cash left after the profits the pool owes winning traders, one
///    that leaves NAV below the pool's exposure requirement, or one below
///    `min_amount_out`; then refuse one that would push the pool into
///    auto-deleveraging (`require_adl_headroom`).
/// 3. Transfer from the pool vault; emit `LpChanged`.
pub fn handler<'info>(ctx: Context<'info, LpWithdraw<'info>>, shares: u64, min_amount_out: u64) -> Result<()> {
    let ex = ctx.accounts.exchange.load()?;
    let clock = Clock::get()?;
    require_lp_open(&ex, shares, clock.slot)?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let mut lp = ctx.accounts.lp_position.load_mut()?;
    let now = Now::at(&ex, clock.unix_timestamp, clock.slot);
    let legs = pool_legs(&ex, ctx.remaining_accounts, &now)?;
    let valuation = value_legs(&pool, &legs)?;
    let amount = lp_withdraw(&mut pool, &mut lp, &valuation, shares, clock.slot, min_amount_out)?;
    require_adl_headroom(&ex, &pool, &legs)?;
    let total_shares = pool.shares;
    let bump = ex.vault_authority_bump;
    drop((lp, pool, ex));

    let a = &ctx.accounts;
    let vaults = VaultSigner::new(&*a.collateral_mint, &a.vault_authority, a.token_program.key(), bump);
    vaults.send(&*a.pool_vault, &*a.user_token, amount)?;
    ballast_runtime::emit_event!(LpChanged {
        owner: a.owner.key(),
        amount: -i64::try_from(amount).map_err(|_| EngineError::MathOverflow)?,
        shares: -i64::try_from(shares).map_err(|_| EngineError::MathOverflow)?,
        nav: valuation.nav,
        total_shares,
    });
    Ok(())
}

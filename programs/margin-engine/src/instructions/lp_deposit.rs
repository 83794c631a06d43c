//! `lp_deposit`: add liquidity to the pool for shares.

use super::accounts::value_pool;
use super::cpi::pay_in;
use crate::constants::*;
use crate::engine::health::Now;
use crate::engine::pool::{deposit_shares, lp_deposit, require_lp_open};
use crate::errors::EngineError;
use crate::events::LpChanged;
use crate::state::{init_zero_copy, load_mut_unchecked, Exchange, LpPosition, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `lp_deposit`. Remaining accounts: the `(market, feed)` pair of
/// every market, in index order (to value the pool).
#[derive(Accounts)]
pub struct LpDeposit<'info> {
    /// The LP; pays for its `LpPosition` on the first deposit.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The exchange.
    #[account(seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// The pool.
    #[account(mut, seeds = [POOL_SEED], bump = pool.load()?.bump)]
    pub pool: AccountLoader<'info, Pool>,
    /// CHECK: the LP's position PDA `[LP_SEED, owner]` (address checked by
    /// seeds); created on first use, else owner- and discriminator-checked.
    #[account(mut, seeds = [LP_SEED, owner.key().as_ref()], bump)]
    pub lp_position: UncheckedAccount<'info>,
    /// The LP's collateral token account.
    #[account(mut, token::mint = collateral_mint, token::authority = owner)]
    pub user_token: Box<Account<'info, TokenAccount>>,
    /// The exchange's pool vault.
    #[account(mut, address = exchange.load()?.pool_vault @ EngineError::WrongVault)]
    pub pool_vault: Box<Account<'info, TokenAccount>>,
    /// The collateral mint.
    #[account(address = exchange.load()?.collateral_mint @ EngineError::InvalidCollateralMint)]
    pub collateral_mint: Box<Account<'info, Mint>>,
    /// SPL Token program.
    pub token_program: Program<'info, Token>,
    /// System program (first deposit).
    pub system_program: Program<'info, System>,
}

/// 1. Refuse zero or paused (`require_lp_open`); value the pool at checked
///    prices; `deposit_shares`: shares at the NAV favourable to the pool,
///    rounding down (the first deposit locks shares; refused below
///    `min_shares_out`).
/// 2. Create the LP's position on first use; `engine::pool::lp_deposit`:
///    credit the shares and restart the LP's hold (`LP_MIN_HOLD_SLOTS`).
/// 3. Transfer into the pool vault; emit `LpChanged`.
pub fn handler<'info>(ctx: Context<'info, LpDeposit<'info>>, amount: u64, min_shares_out: u64) -> Result<()> {
    let ex = ctx.accounts.exchange.load()?;
    let clock = Clock::get()?;
    require_lp_open(&ex, amount, clock.slot)?;
    let mut pool = ctx.accounts.pool.load_mut()?;
    let now = Now::at(&ex, clock.unix_timestamp, clock.slot);
    let valuation = value_pool(&ex, &pool, ctx.remaining_accounts, &now)?;
    let minted = deposit_shares(&pool, &valuation, amount, min_shares_out)?;
    drop(ex);

    let a = &ctx.accounts;
    let owner = a.owner.key();
    let info = a.lp_position.to_account_info();
    let mut lp = if info.owner == &crate::ID {
        load_mut_unchecked::<LpPosition>(&info)?
    } else {
        let mut lp = init_zero_copy::<LpPosition>(
            &a.owner.to_account_info(),
            &info,
            &a.system_program.to_account_info(),
            &[LP_SEED, owner.as_ref(), &[ctx.bumps.lp_position]],
            || error!(EngineError::AlreadyInitialized),
        )?;
        lp.owner = owner;
        lp.bump = ctx.bumps.lp_position;
        lp.version = ACCOUNT_VERSION;
        lp
    };
    require_keys_eq!(lp.owner, owner, EngineError::NotOwner);
    lp_deposit(&mut pool, &mut lp, minted, amount, clock.slot)?;
    let shares = minted.shares;
    let total_shares = pool.shares;
    drop((lp, pool));

    pay_in(a.token_program.key(), &*a.collateral_mint, &*a.user_token, &a.owner, &*a.pool_vault, amount)?;
    ballast_runtime::emit_event!(LpChanged {
        owner,
        amount: i64::try_from(amount).map_err(|_| EngineError::MathOverflow)?,
        shares: i64::try_from(shares).map_err(|_| EngineError::MathOverflow)?,
        nav: valuation.mint_nav,
        total_shares,
    });
    Ok(())
}

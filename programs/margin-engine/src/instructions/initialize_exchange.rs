//! `initialize_exchange`: create the exchange, its vaults and the pool.

use crate::constants::*;
use crate::errors::EngineError;
use crate::events::ExchangeInitialized;
use crate::state::{init_zero_copy, Exchange, InitializeExchangeParams, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Accounts of `initialize_exchange`.
#[derive(Accounts)]
pub struct InitializeExchange<'info> {
    /// Pays for every account created here; must be this program's upgrade
    /// authority, so nobody can front-run the deployment's initialisation.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: this program's own account (address checked).
    #[account(address = crate::ID)]
    pub program: UncheckedAccount<'info>,
    /// CHECK: the program's `ProgramData` (address, owner and contents are
    /// checked by `require_upgrade_authority`).
    pub program_data: UncheckedAccount<'info>,
    /// CHECK: the exchange PDA (address checked by seeds), created by
    /// `init_zero_copy`, which refuses an initialised address.
    #[account(mut, seeds = [EXCHANGE_SEED], bump)]
    pub exchange: UncheckedAccount<'info>,
    /// CHECK: the pool PDA (address checked by seeds), created here.
    #[account(mut, seeds = [POOL_SEED], bump)]
    pub pool: UncheckedAccount<'info>,
    /// CHECK: PDA that owns the token vaults; holds no data.
    #[account(seeds = [VAULT_AUTHORITY_SEED], bump)]
    pub vault_authority: UncheckedAccount<'info>,
    /// The collateral mint (6 decimals).
    pub collateral_mint: Box<Account<'info, Mint>>,
    /// New token account for trader collateral and fees.
    #[account(init, payer = payer, token::mint = collateral_mint, token::authority = vault_authority)]
    pub collateral_vault: Box<Account<'info, TokenAccount>>,
    /// New token account for the insurance fund.
    #[account(init, payer = payer, token::mint = collateral_mint, token::authority = vault_authority)]
    pub insurance_vault: Box<Account<'info, TokenAccount>>,
    /// New token account for the LP pool.
    #[account(init, payer = payer, token::mint = collateral_mint, token::authority = vault_authority)]
    pub pool_vault: Box<Account<'info, TokenAccount>>,
    /// SPL Token program.
    pub token_program: Program<'info, Token>,
    /// System program.
    pub system_program: Program<'info, System>,
}

impl InitializeExchange<'_> {
    /// Semantic checks: upgrade authority, 6-decimal mint, deposit cap within bounds.
    pub fn validate(&self, params: &InitializeExchangeParams) -> Result<()> {
        ballast_runtime::require_upgrade_authority(
            &self.program.to_account_info(),
            &self.program_data.to_account_info(),
            self.payer.key,
            || error!(EngineError::NotUpgradeAuthority),
        )?;
        require!(self.collateral_mint.decimals == COLLATERAL_DECIMALS, EngineError::InvalidCollateralMint);
        params.validate()
    }
}

/// 1. Validate the payer (upgrade authority), the mint and parameters.
/// 2. Create the exchange and pool PDAs (vaults were created by `init`).
/// 3. Record keys, bumps and the cap; emit `ExchangeInitialized`.
pub fn handler(ctx: Context<InitializeExchange>, params: InitializeExchangeParams) -> Result<()> {
    ctx.accounts.validate(&params)?;
    let a = &ctx.accounts;
    let payer = a.payer.to_account_info();
    let system = a.system_program.to_account_info();
    let exchange_info = a.exchange.to_account_info();
    let mut ex =
        init_zero_copy::<Exchange>(&payer, &exchange_info, &system, &[EXCHANGE_SEED, &[ctx.bumps.exchange]], || {
            error!(EngineError::AlreadyInitialized)
        })?;
    params.write_to(&mut ex);
    ex.collateral_mint = a.collateral_mint.key();
    ex.collateral_vault = a.collateral_vault.key();
    ex.insurance_vault = a.insurance_vault.key();
    ex.pool_vault = a.pool_vault.key();
    ex.bump = ctx.bumps.exchange;
    ex.vault_authority_bump = ctx.bumps.vault_authority;
    ex.version = ACCOUNT_VERSION;
    drop(ex);
    let pool_info = a.pool.to_account_info();
    let mut pool = init_zero_copy::<Pool>(&payer, &pool_info, &system, &[POOL_SEED, &[ctx.bumps.pool]], || {
        error!(EngineError::AlreadyInitialized)
    })?;
    pool.bump = ctx.bumps.pool;
    pool.version = ACCOUNT_VERSION;
    drop(pool);
    ballast_runtime::emit_event!(ExchangeInitialized {
        governance: params.governance,
        guardian: params.guardian,
        collateral_mint: a.collateral_mint.key(),
        deposit_cap: params.deposit_cap,
    });
    Ok(())
}

//! `initialize_exchange`: create the exchange, its vaults and the pool.

use crate::constants::*;
use crate::errors::EngineError;
use crate::events::ExchangeInitialized;
use crate::state::{init_zero_copy, Exchange, Pool};
use anchor_lang::prelude::*;
use anchor_spl::token::{Mint, Token, TokenAccount};

/// Bounds of `deposit_cap` (quote units): 1 unit to 10^9 dollars.
pub const DEPOSIT_CAP_BOUNDS: (u64, u64) = (1, 1_000_000_000_000_000);

/// Arguments of `initialize_exchange`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug)]
pub struct InitializeExchangeParams {
    /// Governance authority (a multisig vault in production).
    pub governance: Pubkey,
    /// Guardian key (may only tighten).
    pub guardian: Pubkey,
    /// Max collateral per margin account. precision: QUOTE_PRECISION.
    pub deposit_cap: u64,
    /// Stress multiplier, bps. Bounds [10000, 40000].
    pub stress_mult_bps: u32,
    /// Slot time above which the network is stressed, ms. Bounds [500, 10000].
    pub slot_time_threshold_ms: u32,
    /// Stale-feed share above which the exchange is stressed, bps. Bounds [1, 10000].
    pub stale_share_threshold_bps: u32,
    /// Slots per slot-time window. Bounds [10, 100000].
    pub stress_window_slots: u64,
    /// Slots stress mode lasts after the last signal. Bounds [1, 1000000].
    pub stress_cooldown_slots: u64,
    /// Floor of the insurance fund. precision: QUOTE_PRECISION. Bounds [0, 10^15].
    pub insurance_floor: u64,
    /// Share of every trading fee paid into the insurance fund, bps. Bounds [0, 10000].
    pub insurance_fee_share_bps: u32,
    /// Longest guardian pause or reduce-only hold, slots. Bounds [1, 1000000].
    pub max_pause_slots: u64,
    /// Most guardian pauses in a run before governance must act. Bounds [1, 10].
    pub max_consecutive_pauses: u8,
    /// Most guardian pauses starting per day. Bounds [1, 24].
    pub max_pauses_per_day: u8,
    /// Slots a loosening governance change waits before it may be applied.
    /// Bounds [1, 10000000].
    pub timelock_slots: u64,
}

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
        oracle_adapter::compat::require_upgrade_authority(
            &self.program.to_account_info(),
            &self.program_data.to_account_info(),
            self.payer.key,
            || error!(EngineError::Unauthorized),
        )?;
        require!(self.collateral_mint.decimals == COLLATERAL_DECIMALS, EngineError::InvalidCollateralMint);
        params.validate()
    }
}

impl InitializeExchangeParams {
    /// Every bound (also re-checked after each governance change).
    pub fn validate(&self) -> Result<()> {
        check_bounds("deposit_cap", self.deposit_cap, DEPOSIT_CAP_BOUNDS)?;
        check_bounds("stress_mult_bps", self.stress_mult_bps.into(), (10_000, 40_000))?;
        check_bounds("slot_time_threshold_ms", self.slot_time_threshold_ms.into(), (500, 10_000))?;
        check_bounds("stale_share_threshold_bps", self.stale_share_threshold_bps.into(), (1, 10_000))?;
        check_bounds("stress_window_slots", self.stress_window_slots, (10, 100_000))?;
        check_bounds("stress_cooldown_slots", self.stress_cooldown_slots, (1, 1_000_000))?;
        check_bounds("insurance_floor", self.insurance_floor, (0, 1_000_000_000_000_000))?;
        check_bounds("insurance_fee_share_bps", self.insurance_fee_share_bps.into(), (0, 10_000))?;
        check_bounds("max_pause_slots", self.max_pause_slots, (1, 1_000_000))?;
        check_bounds("max_consecutive_pauses", self.max_consecutive_pauses.into(), (1, 10))?;
        check_bounds("max_pauses_per_day", self.max_pauses_per_day.into(), (1, 24))?;
        check_bounds("timelock_slots", self.timelock_slots, (1, 10_000_000))
    }

    /// The parameters an exchange holds now (to re-validate it after a change).
    pub fn of(e: &Exchange) -> InitializeExchangeParams {
        InitializeExchangeParams {
            governance: e.governance,
            guardian: e.guardian,
            deposit_cap: e.deposit_cap,
            stress_mult_bps: e.stress_mult_bps,
            slot_time_threshold_ms: e.slot_time_threshold_ms,
            stale_share_threshold_bps: e.stale_share_threshold_bps,
            stress_window_slots: e.stress_window_slots,
            stress_cooldown_slots: e.stress_cooldown_slots,
            insurance_floor: e.insurance_floor,
            insurance_fee_share_bps: e.insurance_fee_share_bps,
            max_pause_slots: e.max_pause_slots,
            max_consecutive_pauses: e.max_consecutive_pauses,
            max_pauses_per_day: e.max_pauses_per_day,
            timelock_slots: e.timelock_slots,
        }
    }
}

/// Require `min <= value <= max`, logging the field and range otherwise.
pub fn check_bounds(field: &str, value: u64, (min, max): (u64, u64)) -> Result<()> {
    if value < min || value > max {
        msg!("{} = {} is outside [{}, {}]", field, value, min, max);
        return err!(EngineError::ParamOutOfBounds);
    }
    Ok(())
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
    ex.governance = params.governance;
    ex.guardian = params.guardian;
    ex.collateral_mint = a.collateral_mint.key();
    ex.collateral_vault = a.collateral_vault.key();
    ex.insurance_vault = a.insurance_vault.key();
    ex.pool_vault = a.pool_vault.key();
    ex.deposit_cap = params.deposit_cap;
    ex.stress_mult_bps = params.stress_mult_bps;
    ex.slot_time_threshold_ms = params.slot_time_threshold_ms;
    ex.stale_share_threshold_bps = params.stale_share_threshold_bps;
    ex.stress_window_slots = params.stress_window_slots;
    ex.stress_cooldown_slots = params.stress_cooldown_slots;
    ex.insurance_floor = params.insurance_floor;
    ex.insurance_fee_share_bps = params.insurance_fee_share_bps;
    ex.max_pause_slots = params.max_pause_slots;
    ex.max_consecutive_pauses = params.max_consecutive_pauses;
    ex.max_pauses_per_day = params.max_pauses_per_day;
    ex.timelock_slots = params.timelock_slots;
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
    oracle_adapter::emit_event!(ExchangeInitialized {
        governance: params.governance,
        guardian: params.guardian,
        collateral_mint: a.collateral_mint.key(),
        deposit_cap: params.deposit_cap,
    });
    Ok(())
}

//! `initialize`: create the adapter's singleton config.

use crate::constants::*;
use crate::errors::AdapterError;
use crate::events::AdapterInitialized;
use crate::state::AdapterConfig;
use anchor_lang::prelude::*;
use ballast_runtime::{create_pda, require_upgrade_authority};

/// Accounts of `initialize`.
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Pays rent for the config; must be this program's upgrade authority.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// CHECK: this program's own account (address checked).
    #[account(address = crate::ID)]
    pub program: UncheckedAccount<'info>,
    /// CHECK: the program's `ProgramData` (address, owner and contents are
    /// checked by `require_upgrade_authority`).
    pub program_data: UncheckedAccount<'info>,
    /// CHECK: the config PDA (address checked by seeds), created here by
    /// `create_pda`, which refuses an address that is already initialised.
    #[account(mut, seeds = [CONFIG_SEED], bump)]
    pub config: UncheckedAccount<'info>,
    /// System program, for the account creation.
    pub system_program: Program<'info, System>,
}

/// 1. Require the payer to be the program's upgrade authority (no
///    front-running of the first initialisation).
/// 2. Create the config PDA (fails with `AlreadyInitialized` the second time;
///    pre-funded lamports do not block it).
/// 3. Store the governance authority, bump and version.
/// 4. Emit `AdapterInitialized`.
pub fn handler(ctx: Context<Initialize>, authority: Pubkey, timelock_slots: u64) -> Result<()> {
    require!((TIMELOCK_BOUNDS.0..=TIMELOCK_BOUNDS.1).contains(&timelock_slots), AdapterError::GuardOutOfBounds);
    require_upgrade_authority(
        &ctx.accounts.program.to_account_info(),
        &ctx.accounts.program_data.to_account_info(),
        ctx.accounts.payer.key,
        || error!(AdapterError::Unauthorized),
    )?;
    let bump = ctx.bumps.config;
    let config_info = ctx.accounts.config.to_account_info();
    create_pda(
        &ctx.accounts.payer.to_account_info(),
        &config_info,
        &ctx.accounts.system_program.to_account_info(),
        8 + AdapterConfig::INIT_SPACE,
        &crate::ID,
        &[CONFIG_SEED, &[bump]],
        || error!(AdapterError::AlreadyInitialized),
    )?;
    let config = AdapterConfig {
        authority,
        bump,
        version: CONFIG_VERSION,
        feed_count: 0,
        timelock_slots,
        next_update_id: 0,
        pending_authority: Pubkey::default(),
        reserved: [0; 16],
    };
    let mut data = config_info.try_borrow_mut_data()?;
    let mut writer: &mut [u8] = &mut data;
    config.try_serialize(&mut writer)?;
    ballast_runtime::emit_event!(AdapterInitialized { authority });
    Ok(())
}

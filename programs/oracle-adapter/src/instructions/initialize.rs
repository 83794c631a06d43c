//! `initialize`: create the adapter's singleton config.

use crate::constants::*;
use crate::events::AdapterInitialized;
use crate::state::AdapterConfig;
use anchor_lang::prelude::*;

/// Accounts of `initialize`.
#[derive(Accounts)]
pub struct Initialize<'info> {
    /// Pays rent for the config.
    #[account(mut)]
    pub payer: Signer<'info>,
    /// The singleton config; `init` fails if it already exists.
    #[account(init, payer = payer, space = 8 + AdapterConfig::INIT_SPACE, seeds = [CONFIG_SEED], bump)]
    pub config: Account<'info, AdapterConfig>,
    /// System program, for `init`.
    pub system_program: Program<'info, System>,
}

/// 1. Create the config PDA (re-initialisation fails in `init`).
/// 2. Store the governance authority, bump and version.
/// 3. Emit `AdapterInitialized`.
pub fn handler(ctx: Context<Initialize>, authority: Pubkey) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.authority = authority;
    config.bump = ctx.bumps.config;
    config.version = CONFIG_VERSION;
    config.feed_count = 0;
    crate::emit_event!(AdapterInitialized { authority });
    Ok(())
}

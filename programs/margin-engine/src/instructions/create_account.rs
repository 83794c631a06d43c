//! `create_account`: a trader opens a margin account.

use crate::constants::*;
use crate::errors::EngineError;
use crate::events::AccountCreated;
use crate::state::{init_zero_copy, MarginAccount, PositionSlot};
use anchor_lang::prelude::*;

/// Accounts of `create_account`.
#[derive(Accounts)]
#[instruction(id: u32)]
pub struct CreateAccount<'info> {
    /// The trader; pays rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// CHECK: the margin PDA `[MARGIN_SEED, owner, id]` (address checked by
    /// seeds), created by `init_zero_copy`, which refuses an initialised one.
    #[account(mut, seeds = [MARGIN_SEED, owner.key().as_ref(), &id.to_le_bytes()], bump)]
    pub margin_account: UncheckedAccount<'info>,
    /// System program.
    pub system_program: Program<'info, System>,
}

/// 1. Create the PDA (pre-funded lamports do not block it).
/// 2. Set owner, id, empty slots; emit `AccountCreated`.
pub fn handler(ctx: Context<CreateAccount>, id: u32) -> Result<()> {
    let owner = ctx.accounts.owner.key();
    let info = ctx.accounts.margin_account.to_account_info();
    let mut acc = init_zero_copy::<MarginAccount>(
        &ctx.accounts.owner.to_account_info(),
        &info,
        &ctx.accounts.system_program.to_account_info(),
        &[MARGIN_SEED, owner.as_ref(), &id.to_le_bytes(), &[ctx.bumps.margin_account]],
        || error!(EngineError::AlreadyInitialized),
    )?;
    acc.owner = owner;
    acc.id = id;
    acc.positions = [PositionSlot::EMPTY; MAX_POSITIONS];
    acc.bump = ctx.bumps.margin_account;
    acc.version = ACCOUNT_VERSION;
    drop(acc);
    ballast_runtime::emit_event!(AccountCreated { account: info.key(), owner, id });
    Ok(())
}

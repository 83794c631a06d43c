//! `close_account`: a trader closes an empty margin account.

use crate::constants::TRIGGER_SEED;
use crate::errors::EngineError;
use crate::events::AccountClosed;
use crate::state::MarginAccount;
use anchor_lang::prelude::*;

/// Accounts of `close_account`.
#[derive(Accounts)]
pub struct CloseAccount<'info> {
    /// The trader; receives the rent.
    #[account(mut)]
    pub owner: Signer<'info>,
    /// The account to close: no positions, no collateral.
    #[account(mut, has_one = owner @ EngineError::NotOwner, close = owner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
    /// CHECK: the account's trigger-book address (seeds checked); it must
    /// not hold a book (lamports alone do not count).
    #[account(seeds = [TRIGGER_SEED, margin_account.key().as_ref()], bump)]
    pub trigger_book: UncheckedAccount<'info>,
}

/// 1. Refuse while positions or collateral remain, or while the trigger
///    book exists (`TriggerBookOpen`): a margin account re-created at this
///    address must not find the old triggers.
/// 2. Anchor's `close` zeroes the data, marks it closed and refunds rent, so
///    the account cannot be revived in the same transaction.
pub fn handler(ctx: Context<CloseAccount>) -> Result<()> {
    let acc = ctx.accounts.margin_account.load()?;
    require!(!acc.has_positions() && acc.collateral == 0 && acc.flags == 0, EngineError::AccountNotEmpty);
    require!(*ctx.accounts.trigger_book.owner != crate::ID, EngineError::TriggerBookOpen);
    require!(acc.unsettled_pnl == 0, EngineError::UnsettledPnlLeft);
    drop(acc);
    ballast_runtime::emit_event!(AccountClosed {
        account: ctx.accounts.margin_account.key(),
        owner: ctx.accounts.owner.key()
    });
    Ok(())
}

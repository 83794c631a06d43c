//! `set_delegate`: the owner names a key that may trade its margin account,
//! optionally until a slot, or removes it. The delegate may trade (and so
//! open, resize and close positions, within every check a trade has); it
//! may never withdraw, close the account or change the delegate, which all
//! require the owner.

use crate::errors::EngineError;
use crate::events::DelegateSet;
use crate::state::MarginAccount;
use anchor_lang::prelude::*;

/// Accounts of `set_delegate`.
#[derive(Accounts)]
pub struct SetDelegate<'info> {
    /// The owner (never the delegate).
    pub owner: Signer<'info>,
    /// The owner's margin account.
    #[account(mut, has_one = owner @ EngineError::NotOwner)]
    pub margin_account: AccountLoader<'info, MarginAccount>,
}

/// Set the delegate and its expiry (`MarginAccount::set_delegate`); emit
/// `DelegateSet`.
pub fn handler(ctx: Context<SetDelegate>, delegate: Pubkey, expiry_slot: u64) -> Result<()> {
    let slot = Clock::get()?.slot;
    ctx.accounts.margin_account.load_mut()?.set_delegate(delegate, expiry_slot, slot)?;
    ballast_runtime::emit_event!(DelegateSet { account: ctx.accounts.margin_account.key(), delegate, expiry_slot });
    Ok(())
}

//! Handing the adapter's governance to a new authority in two steps:
//! `propose_authority` by the current authority names the successor,
//! `accept_authority` signed by the successor takes over. A mistyped key
//! never receives the adapter (it cannot sign the acceptance), and a
//! multisig vault accepts through its own proposal. The new authority has
//! exactly the old one's powers: loosening feed changes still wait for the
//! timelock, and updates queued before the handover can be cancelled by it.

use crate::constants::*;
use crate::errors::AdapterError;
use crate::events::{AuthorityAccepted, AuthorityProposed};
use crate::state::AdapterConfig;
use anchor_lang::prelude::*;

/// Accounts of `propose_authority`.
#[derive(Accounts)]
pub struct ProposeAuthority<'info> {
    /// The current governance authority.
    pub authority: Signer<'info>,
    /// The adapter config naming it.
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump, has_one = authority @ AdapterError::Unauthorized)]
    pub config: Account<'info, AdapterConfig>,
}

/// Name `successor` as the next authority (the default key withdraws a
/// proposal); a later proposal replaces an earlier one. Emits
/// `AuthorityProposed`.
pub fn propose_handler(ctx: Context<ProposeAuthority>, successor: Pubkey) -> Result<()> {
    let config = &mut ctx.accounts.config;
    config.pending_authority = successor;
    ballast_runtime::emit_event!(AuthorityProposed { authority: config.authority, successor });
    Ok(())
}

/// Accounts of `accept_authority`.
#[derive(Accounts)]
pub struct AcceptAuthority<'info> {
    /// The proposed successor.
    pub successor: Signer<'info>,
    /// The adapter config.
    #[account(mut, seeds = [CONFIG_SEED], bump = config.bump)]
    pub config: Account<'info, AdapterConfig>,
}

/// The proposed successor becomes the authority; the proposal is cleared.
/// Refused (`NotProposedAuthority`) unless the signer is the one proposed.
/// Emits `AuthorityAccepted`.
pub fn accept_handler(ctx: Context<AcceptAuthority>) -> Result<()> {
    let config = &mut ctx.accounts.config;
    let successor = ctx.accounts.successor.key();
    require!(
        config.pending_authority != Pubkey::default() && config.pending_authority == successor,
        AdapterError::NotProposedAuthority
    );
    let previous = config.authority;
    config.authority = successor;
    config.pending_authority = Pubkey::default();
    ballast_runtime::emit_event!(AuthorityAccepted { previous, authority: successor });
    Ok(())
}

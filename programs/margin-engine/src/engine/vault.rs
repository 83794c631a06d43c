//! Token transfers out of the exchange's vaults, signed by the vault authority.

use crate::constants::{COLLATERAL_DECIMALS, VAULT_AUTHORITY_SEED};
use anchor_lang::prelude::*;
use anchor_spl::token::{transfer_checked, TransferChecked};

/// The accounts a vault transfer needs.
pub struct VaultTransfer<'a, 'info> {
    /// Source vault.
    pub from: &'a AccountInfo<'info>,
    /// Destination token account.
    pub to: &'a AccountInfo<'info>,
    /// The collateral mint.
    pub mint: &'a AccountInfo<'info>,
    /// The vault authority PDA.
    pub authority: &'a AccountInfo<'info>,
    /// SPL Token program id.
    pub token_program: Pubkey,
    /// Stored bump of the vault authority.
    pub bump: u8,
}

impl VaultTransfer<'_, '_> {
    /// Move `amount` (no-op for zero), signed by the vault authority.
    pub fn send(&self, amount: u64) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let accounts = TransferChecked {
            from: self.from.clone(),
            mint: self.mint.clone(),
            to: self.to.clone(),
            authority: self.authority.clone(),
        };
        let seeds: &[&[u8]] = &[VAULT_AUTHORITY_SEED, &[self.bump]];
        transfer_checked(
            CpiContext::new(self.token_program, accounts).with_signer(&[seeds]),
            amount,
            COLLATERAL_DECIMALS,
        )
    }
}

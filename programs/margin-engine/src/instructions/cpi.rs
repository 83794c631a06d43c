//! Token transfers into the exchange's vaults, signed by their payer, and
//! out of them, signed by the vault authority.

use crate::constants::{COLLATERAL_DECIMALS, VAULT_AUTHORITY_SEED};
use anchor_lang::prelude::*;
use anchor_spl::token::{transfer_checked, TransferChecked};

/// What every vault transfer needs: the collateral mint, the vault-authority
/// PDA with its stored bump, and the token program. Built once per handler.
pub struct VaultSigner<'info> {
    /// The collateral mint.
    pub mint: AccountInfo<'info>,
    /// The vault authority PDA.
    pub authority: AccountInfo<'info>,
    /// SPL Token program id.
    pub token_program: Pubkey,
    /// Stored bump of the vault authority.
    pub bump: u8,
}

/// Move `amount` from `from` to `to`, signed by `authority` (a trader or
/// LP paying into a vault); no-op for zero.
pub fn pay_in<'info>(
    token_program: Pubkey,
    mint: &impl ToAccountInfo<'info>,
    from: &impl ToAccountInfo<'info>,
    authority: &impl ToAccountInfo<'info>,
    to: &impl ToAccountInfo<'info>,
    amount: u64,
) -> Result<()> {
    if amount == 0 {
        return Ok(());
    }
    let accounts = TransferChecked {
        from: from.to_account_info(),
        mint: mint.to_account_info(),
        to: to.to_account_info(),
        authority: authority.to_account_info(),
    };
    transfer_checked(CpiContext::new(token_program, accounts), amount, COLLATERAL_DECIMALS)
}

impl<'info> VaultSigner<'info> {
    /// The signer for a handler's accounts.
    pub fn new(
        mint: &impl ToAccountInfo<'info>,
        authority: &impl ToAccountInfo<'info>,
        token_program: Pubkey,
        bump: u8,
    ) -> Self {
        VaultSigner { mint: mint.to_account_info(), authority: authority.to_account_info(), token_program, bump }
    }

    /// Move `amount` from a vault to `to` (no-op for zero).
    pub fn send(&self, from: &impl ToAccountInfo<'info>, to: &impl ToAccountInfo<'info>, amount: u64) -> Result<()> {
        if amount == 0 {
            return Ok(());
        }
        let accounts = TransferChecked {
            from: from.to_account_info(),
            mint: self.mint.clone(),
            to: to.to_account_info(),
            authority: self.authority.clone(),
        };
        let seeds: &[&[u8]] = &[VAULT_AUTHORITY_SEED, &[self.bump]];
        transfer_checked(
            CpiContext::new(self.token_program, accounts).with_signer(&[seeds]),
            amount,
            COLLATERAL_DECIMALS,
        )
    }

    /// Move the tokens booked by `engine::settle::settle_with_pool`:
    /// `to_collateral` from the pool vault to the collateral vault, or the
    /// other way when negative.
    pub fn settle(
        &self,
        pool_vault: &impl ToAccountInfo<'info>,
        collateral_vault: &impl ToAccountInfo<'info>,
        to_collateral: i64,
    ) -> Result<()> {
        if to_collateral > 0 {
            self.send(pool_vault, collateral_vault, to_collateral.unsigned_abs())
        } else {
            self.send(collateral_vault, pool_vault, to_collateral.unsigned_abs())
        }
    }
}

//! The singleton `Exchange`.

use anchor_lang::prelude::*;

/// Global state (PDA `[EXCHANGE_SEED]`). Never reorder fields; append by
/// shrinking `reserved`.
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct Exchange {
    /// Governance authority (a multisig vault in production).
    pub governance: Pubkey,
    /// Guardian: may only tighten (circuit-breaker issue).
    pub guardian: Pubkey,
    /// Collateral mint (6 decimals).
    pub collateral_mint: Pubkey,
    /// Token vault of trader collateral and fees.
    pub collateral_vault: Pubkey,
    /// Token vault of the insurance fund.
    pub insurance_vault: Pubkey,
    /// Token vault of the LP pool.
    pub pool_vault: Pubkey,
    /// Sum of every margin account's collateral. precision: QUOTE_PRECISION.
    /// Invariant: collateral vault balance == total_collateral + fees_balance.
    pub total_collateral: u64,
    /// Trading fees held in the collateral vault. precision: QUOTE_PRECISION.
    pub fees_balance: u64,
    /// Insurance fund; equals the insurance vault. precision: QUOTE_PRECISION.
    pub insurance_balance: u64,
    /// Max collateral per margin account. precision: QUOTE_PRECISION.
    pub deposit_cap: u64,
    /// Operations paused (`constants::pause`).
    pub pause_bits: u32,
    /// Markets created; the next market's index.
    pub market_count: u16,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Canonical bump of the vault authority PDA.
    pub vault_authority_bump: u8,
    /// Layout version.
    pub version: u8,
    /// Padding.
    pub padding: [u8; 7],
    /// Reserved for future fields (stress state, pending changes).
    pub reserved: [u8; 128],
}

const _: () = assert!(core::mem::size_of::<Exchange>() == 368);
const _: () = assert!(core::mem::align_of::<Exchange>() == 8);

impl Exchange {
    /// Whether `op` (a `constants::pause` bit) is paused.
    pub fn is_paused(&self, op: u32) -> bool {
        self.pause_bits & op != 0
    }
}

//! The adapter's singleton configuration.

use anchor_lang::prelude::*;

/// Singleton PDA (`[CONFIG_SEED]`) holding the governance authority that may
/// create and update feeds. In production the authority is a multisig vault.
#[account]
#[derive(InitSpace)]
pub struct AdapterConfig {
    /// May create and update feeds.
    pub authority: Pubkey,
    /// Canonical bump of this PDA.
    pub bump: u8,
    /// Layout version.
    pub version: u8,
    /// Feeds created so far.
    pub feed_count: u32,
    /// Reserved for future fields.
    pub reserved: [u8; 32],
}

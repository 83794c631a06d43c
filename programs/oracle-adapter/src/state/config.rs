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
    /// Slots a loosening feed update waits before it may be applied.
    pub timelock_slots: u64,
    /// Id of the next queued feed update.
    pub next_update_id: u64,
    /// Reserved for future fields.
    pub reserved: [u8; 16],
}

/// A queued (loosening) feed update (PDA `[UPDATE_SEED, id le]`), closed
/// with its rent to `payer` when applied or cancelled.
#[account]
pub struct PendingFeedUpdate {
    /// Sequential id.
    pub id: u64,
    /// The feed it changes.
    pub feed: Pubkey,
    /// The update.
    pub params: crate::instructions::UpdateFeedParams,
    /// First slot it may be applied at.
    pub eta_slot: u64,
    /// Who paid the rent.
    pub payer: Pubkey,
    /// Canonical bump.
    pub bump: u8,
}

impl PendingFeedUpdate {
    /// Account size with the most sources: discriminator, id, feed, params
    /// (two options, four sources of 65 bytes, guards of 29), eta, payer, bump.
    pub const SPACE: usize = 8 + 8 + 32 + (1 + 4 + 4 * 65) + (1 + 29) + 8 + 32 + 1;
}

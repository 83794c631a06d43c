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
    /// The successor `propose_authority` named, until it accepts (default:
    /// none).
    pub pending_authority: Pubkey,
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
    /// (two options, four sources of 65 bytes, guards of 37), eta, payer, bump.
    pub const SPACE: usize = 8 + 8 + 32 + (1 + 4 + 4 * 65) + (1 + 37) + 8 + 32 + 1;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instructions::UpdateFeedParams;
    use crate::state::{GuardParams, SourceParam};

    #[test]
    fn the_largest_queued_feed_update_fits_its_account() -> std::io::Result<()> {
        let source = SourceParam { kind: 0, account: Pubkey::new_unique(), feed_id: [7; 32] };
        let guards = GuardParams {
            max_age_secs: u32::MAX,
            max_age_slots: u32::MAX,
            max_conf_bps: u32::MAX,
            max_divergence_bps: u32::MAX,
            max_jump_bps: u32::MAX,
            min_valid_sources: u8::MAX,
            ema_half_life_secs: u32::MAX,
            vol_half_life_secs: u32::MAX,
            max_future_secs: u32::MAX,
            jump_confirm_slots: u32::MAX,
        };
        let update = PendingFeedUpdate {
            id: u64::MAX,
            feed: Pubkey::new_unique(),
            params: UpdateFeedParams { sources: Some(vec![source; 4]), guards: Some(guards) },
            eta_slot: u64::MAX,
            payer: Pubkey::new_unique(),
            bump: 255,
        };
        let mut bytes = Vec::new();
        update.serialize(&mut bytes)?;
        let len = 8 + bytes.len();
        assert_eq!(len, PendingFeedUpdate::SPACE, "four sources and new guards fill the account exactly");
        Ok(())
    }
}

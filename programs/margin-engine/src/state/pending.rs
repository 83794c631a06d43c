//! A queued governance change.

use anchor_lang::prelude::*;

/// A change waiting for its timelock (PDA `[CHANGE_SEED, id le]`). Closed,
/// rent to whoever paid for it, when applied, cancelled or closed as
/// expired or superseded.
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct PendingChange {
    /// Sequential id.
    pub id: u64,
    /// Slot it was queued at.
    pub queued_slot: u64,
    /// First slot it may be applied at.
    pub eta_slot: u64,
    /// New numeric value.
    pub value: u64,
    /// New key (key fields).
    pub key: Pubkey,
    /// Who paid the rent (refunded on close).
    pub payer: Pubkey,
    /// Market index, or `EXCHANGE_TARGET`.
    pub target: u16,
    /// Field code.
    pub field: u8,
    /// Canonical bump.
    pub bump: u8,
    /// Layout version.
    pub version: u8,
    /// Padding.
    pub padding: [u8; 3],
}

const _: () = assert!(core::mem::size_of::<PendingChange>() == 104);

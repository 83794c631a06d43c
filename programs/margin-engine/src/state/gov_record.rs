//! Per-target governance record: the rate-limit window and the newest
//! queued change of every field of one market or of the exchange.

use anchor_lang::prelude::*;

/// Field slots per record (market fields: 38, exchange fields: 21; room
/// to grow without a new layout).
pub const GOV_RECORD_FIELDS: usize = 48;
const _: () = assert!(GOV_RECORD_FIELDS >= super::MARKET_FIELD_COUNT, "every market field has a slot");
const _: () =
    assert!(GOV_RECORD_FIELDS >= crate::engine::governance::EXCHANGE_FIELDS.len(), "every exchange field has a slot");

/// One field's governance state.
#[zero_copy]
#[repr(C)]
#[derive(Debug, Default, PartialEq, Eq)]
pub struct FieldWindow {
    /// The current rate-limit window ends at this slot (exclusive); 0: none
    /// open. A window opens at the first change after the previous one
    /// ended and lasts `timelock_slots` (as set when it opened).
    pub window_end_slot: u64,
    /// The field's value when the window opened: every change in the
    /// window stays within a factor of 2 of it. A window opened at 0 takes
    /// the first non-zero value set in it.
    pub window_base: u64,
    /// Id + 1 of the newest queued change of this field (0: none recorded).
    /// An instant `set_param` of the field records `next_change_id + 1`, so
    /// it supersedes every change queued before it. Only a change whose
    /// id + 1 equals this (or any, when 0) may be applied.
    pub newest_change: u64,
}

/// PDA `[GOV_RECORD_SEED, target le]`, created (governance pays) by the
/// first `set_param` or `queue_change` on the target. 1,160 bytes + 8 of
/// discriminator: a header of 8 and 48 field slots of 24.
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct GovRecord {
    /// A market index, or `EXCHANGE_TARGET`.
    pub target: u16,
    /// Canonical bump.
    pub bump: u8,
    /// Layout version.
    pub version: u8,
    /// Padding.
    pub padding: [u8; 4],
    /// By field code (`MARKET_FIELDS` / `EXCHANGE_FIELDS` order).
    pub fields: [FieldWindow; GOV_RECORD_FIELDS],
}

const _: () = assert!(core::mem::size_of::<FieldWindow>() == 24);
const _: () = assert!(core::mem::size_of::<GovRecord>() == 1_160);
const _: () = assert!(core::mem::align_of::<GovRecord>() == 8);

impl GovRecord {
    /// The state of `field` (an unknown code is `UnknownField`).
    pub fn field_mut(&mut self, field: u8) -> Result<&mut FieldWindow> {
        self.fields.get_mut(field as usize).ok_or_else(|| error!(crate::errors::EngineError::UnknownField))
    }

    /// See [`GovRecord::field_mut`].
    pub fn field(&self, field: u8) -> Result<&FieldWindow> {
        self.fields.get(field as usize).ok_or_else(|| error!(crate::errors::EngineError::UnknownField))
    }
}

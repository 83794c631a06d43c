//! A trader's cross-margined `MarginAccount`.

use crate::constants::{EMPTY_SLOT, MAX_POSITIONS};
use crate::errors::EngineError;
use anchor_lang::prelude::*;
use ballast_risk::position::Position;

/// One position slot (56 bytes).
#[zero_copy]
#[repr(C)]
#[derive(Debug, PartialEq, Eq)]
pub struct PositionSlot {
    /// Market index, or `EMPTY_SLOT`.
    pub market: u16,
    /// Padding.
    pub padding: [u8; 2],
    /// The position's id in its account (`MarginAccount::positions_opened`
    /// when it was opened; a flip opens a new one): what a trigger is bound
    /// to. 0 in an empty slot.
    pub opened: u32,
    /// Signed size. precision: BASE_PRECISION.
    pub base: i64,
    /// Signed open cash flow (minus the cost basis). precision: QUOTE_PRECISION.
    pub quote: i64,
    /// The market's funding index at the position's last funding
    /// settlement. 16-byte LE i128.
    pub funding: [u8; 16],
    /// The market's borrow index at the same settlement. 16-byte LE i128.
    pub borrow: [u8; 16],
}

impl PositionSlot {
    /// An empty slot.
    pub const EMPTY: PositionSlot = PositionSlot {
        market: EMPTY_SLOT,
        padding: [0; 2],
        opened: 0,
        base: 0,
        quote: 0,
        funding: [0; 16],
        borrow: [0; 16],
    };

    /// The position as plain numbers.
    pub fn position(&self) -> Position {
        Position { base: self.base, quote: self.quote }
    }

    /// The funding and borrow indexes at the last settlement.
    pub fn snapshots(&self) -> (i128, i128) {
        (i128::from_le_bytes(self.funding), i128::from_le_bytes(self.borrow))
    }
}

/// A margin account (PDA `[MARGIN_SEED, owner, id le]`). 576 bytes, 584
/// with the discriminator: Drift's `User` is 4,376. Never reorder fields.
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct MarginAccount {
    /// The trader.
    pub owner: Pubkey,
    /// Collateral. precision: QUOTE_PRECISION. Negative (a deficit owed to
    /// the pool) exactly when flagged bankrupt: write it with
    /// [`MarginAccount::set_collateral`].
    pub collateral: i64,
    /// Positions; empty slots have `market == EMPTY_SLOT`.
    pub positions: [PositionSlot; 8],
    /// Account id (PDA seed).
    pub id: u32,
    /// Flags: `FLAG_BANKRUPT` exactly while the collateral is negative.
    pub flags: u8,
    /// Layout version.
    pub version: u8,
    /// Canonical bump.
    pub bump: u8,
    /// Padding.
    pub padding: u8,
    /// A key the owner lets trade this account (never withdraw, close it
    /// or change the delegate); the default key: none.
    pub delegate: Pubkey,
    /// The slot from which the delegate may no longer act; 0: no expiry.
    pub delegate_expiry_slot: u64,
    /// Positions opened so far (wrapping): the id of the newest.
    pub positions_opened: u32,
    /// Padding.
    pub padding1: [u8; 4],
    /// Realised profit the pool could not pay yet: owed to the account,
    /// paid by `settle_pnl`. Counts in maintenance health in full, in
    /// initial health at the exchange's `unsettled_weight_bps`, and never in
    /// what may be withdrawn. precision: QUOTE_PRECISION.
    pub unsettled_pnl: u64,
    /// The settlement round (`Pool::round_id`) in which `settle_pnl` last
    /// paid this account (0: none): once per round.
    pub settled_round: u64,
    /// The round during which `booked_in_round` was booked.
    pub booked_round: u64,
    /// Unsettled PnL booked while round `booked_round` was open: not part
    /// of that round (it shares the next one). precision: QUOTE_PRECISION.
    pub booked_in_round: u64,
}

/// `MarginAccount::flags` bit: the account owes a deficit (negative
/// collateral). It follows the collateral: set when a loss leaves it
/// negative, cleared as soon as it is back to >= 0, whether by a deposit, a
/// profitable close or liquidation, or by `resolve_bankruptcy` (the
/// waterfall, once no position is left). Meanwhile nothing may withdraw or
/// add risk; reductions that shrink the deficit and deposits may.
pub const FLAG_BANKRUPT: u8 = 1;

/// Size of [`MarginAccount`] without the discriminator.
pub const MARGIN_ACCOUNT_SIZE: usize = 576;
const _: () = assert!(core::mem::size_of::<MarginAccount>() == MARGIN_ACCOUNT_SIZE);
const _: () = assert!(8 + MARGIN_ACCOUNT_SIZE <= 600);
const _: () = assert!(core::mem::align_of::<MarginAccount>() == 8);
const _: () = assert!(core::mem::size_of::<PositionSlot>() == 56);

impl MarginAccount {
    /// Whether `signer` may trade this account at `slot`: its owner, or its
    /// delegate before the delegate's expiry slot.
    pub fn require_trader(&self, signer: &Pubkey, slot: u64) -> Result<()> {
        if *signer == self.owner {
            return Ok(());
        }
        require!(self.delegate != Pubkey::default() && *signer == self.delegate, EngineError::NotOwnerOrDelegate);
        require!(self.delegate_expiry_slot == 0 || slot < self.delegate_expiry_slot, EngineError::DelegateExpired);
        Ok(())
    }

    /// Whether `key` is the account's owner or its named delegate (expired
    /// or not): who is never paid from the account (`liquidate`'s
    /// `SelfLiquidation`; the keeper skips such accounts by the same rule).
    pub fn is_own(&self, key: &Pubkey) -> bool {
        *key == self.owner || *key == self.delegate
    }

    /// Name `delegate` (the default key: none) until `expiry_slot` (0: no
    /// expiry), at `slot`: refused for the owner itself or an expiry not
    /// after `slot`.
    pub fn set_delegate(&mut self, delegate: Pubkey, expiry_slot: u64, slot: u64) -> Result<()> {
        if delegate == Pubkey::default() {
            require!(expiry_slot == 0, EngineError::DelegateExpiryPassed);
        } else {
            require!(delegate != self.owner, EngineError::DelegateIsOwner);
            require!(expiry_slot == 0 || expiry_slot > slot, EngineError::DelegateExpiryPassed);
        }
        self.delegate = delegate;
        self.delegate_expiry_slot = expiry_slot;
        Ok(())
    }

    /// The slot holding `market`, if any.
    pub fn slot_of(&self, market: u16) -> Option<usize> {
        self.positions.iter().position(|s| s.market == market)
    }

    /// The position in `market` (an empty slot if none).
    pub fn position_in(&self, market: u16) -> PositionSlot {
        self.slot_of(market).map_or(PositionSlot::EMPTY, |i| self.positions[i])
    }

    /// The slot holding `market`, or a free slot; `None` if all 8 are taken.
    pub fn slot_for(&self, market: u16) -> Option<usize> {
        self.slot_of(market).or_else(|| self.positions.iter().position(|s| s.market == EMPTY_SLOT))
    }

    /// Occupied slots, in slot order.
    pub fn open_positions(&self) -> impl Iterator<Item = &PositionSlot> {
        self.positions.iter().filter(|s| s.market != EMPTY_SLOT)
    }

    /// Whether the account is flagged bankrupt.
    pub fn is_bankrupt(&self) -> bool {
        self.flags & FLAG_BANKRUPT != 0
    }

    /// Set the collateral, flagging the account bankrupt exactly when it is
    /// negative (SECURITY.md invariant 3, both directions).
    pub fn set_collateral(&mut self, collateral: i64) {
        self.collateral = collateral;
        if collateral < 0 {
            self.flags |= FLAG_BANKRUPT;
        } else {
            self.flags &= !FLAG_BANKRUPT;
        }
    }

    /// A new position id (`positions_opened`, advanced; never 0).
    pub fn next_position_id(&mut self) -> u32 {
        self.positions_opened = self.positions_opened.wrapping_add(1).max(1);
        self.positions_opened
    }

    /// Whether any position is open.
    pub fn has_positions(&self) -> bool {
        self.open_positions().next().is_some()
    }
}

const _: () = assert!(MAX_POSITIONS == 8);

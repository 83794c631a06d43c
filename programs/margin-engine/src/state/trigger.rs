//! A margin account's trigger orders (take-profit and stop-loss): a PDA of
//! its own beside the account, so that accounts without triggers pay no
//! rent for them and `MarginAccount` keeps its 432 bytes.

use crate::constants::{EMPTY_SLOT, MAX_TRIGGERS};
use crate::errors::EngineError;
use anchor_lang::prelude::*;

/// `Trigger::direction`: fire once every source is at or above the price.
pub const ABOVE: u8 = 1;
/// `Trigger::direction`: fire once every source is at or below the price.
pub const BELOW: u8 = 2;

/// One stored trigger (40 bytes). Reduce-only: it executes a trade of
/// `base` (clamped to the position) against the pool when the market's
/// price crosses `trigger_price` in `direction`, filling no worse than
/// `limit_price`, and pays the executing keeper `keeper_fee`. It is bound
/// to the position it was placed on (`position`, the slot's
/// `PositionSlot::opened`): once that position is closed or flipped it
/// never executes.
#[zero_copy]
#[repr(C)]
#[derive(Debug, PartialEq, Eq)]
pub struct Trigger {
    /// Market index, or `EMPTY_SLOT`.
    pub market: u16,
    /// `ABOVE` or `BELOW`.
    pub direction: u8,
    /// Padding.
    pub padding: u8,
    /// Paid from the account to the keeper that executes it.
    /// precision: QUOTE_PRECISION.
    pub keeper_fee: u32,
    /// The id of the position it reduces (`PositionSlot::opened`).
    pub position: u32,
    /// Padding.
    pub padding2: [u8; 4],
    /// The crossing price. precision: PRICE_PRECISION.
    pub trigger_price: i64,
    /// Signed base size to trade (opposite to the position).
    /// precision: BASE_PRECISION.
    pub base: i64,
    /// Worst acceptable fill price. precision: PRICE_PRECISION.
    pub limit_price: i64,
}

/// A take-profit or a stop-loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerKind {
    /// Closes a position in profit: a sell above or a buy below.
    TakeProfit,
    /// Closes a position at a loss: a sell below or a buy above.
    StopLoss,
}

impl Trigger {
    /// An empty slot.
    pub const EMPTY: Trigger = Trigger {
        market: EMPTY_SLOT,
        direction: 0,
        padding: 0,
        keeper_fee: 0,
        position: 0,
        padding2: [0; 4],
        trigger_price: 0,
        base: 0,
        limit_price: 0,
    };

    /// Whether the slot holds no trigger.
    pub fn is_empty(&self) -> bool {
        self.market == EMPTY_SLOT
    }

    /// Whether a price range `[lo, hi]` (every valid source) has crossed the
    /// trigger: all of it at or beyond the trigger price, so that no single
    /// source can fire it.
    pub fn crossed(&self, lo: i64, hi: i64) -> bool {
        match self.direction {
            ABOVE => lo >= self.trigger_price,
            BELOW => hi <= self.trigger_price,
            _ => false,
        }
    }

    /// Take-profit or stop-loss, from the trade's side and the direction.
    pub fn kind(&self) -> TriggerKind {
        if (self.base < 0) == (self.direction == ABOVE) {
            TriggerKind::TakeProfit
        } else {
            TriggerKind::StopLoss
        }
    }
}

/// The trigger orders of one margin account (PDA `[TRIGGER_SEED,
/// margin_account]`). 416 bytes, 424 with the discriminator. It records the
/// owner, so the owner can close it (and take its rent back) even after
/// the margin account is closed. Never reorder fields.
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct TriggerBook {
    /// The margin account the triggers trade.
    pub margin_account: Pubkey,
    /// Its owner: the only key that adds triggers or closes the book.
    pub owner: Pubkey,
    /// Triggers; empty slots have `market == EMPTY_SLOT`.
    pub triggers: [Trigger; MAX_TRIGGERS],
    /// Canonical bump.
    pub bump: u8,
    /// Layout version.
    pub version: u8,
    /// Padding.
    pub padding: [u8; 6],
    /// Reserved for future fields.
    pub reserved: [u8; 24],
}

/// Size of [`TriggerBook`] without the discriminator.
pub const TRIGGER_BOOK_SIZE: usize = 416;
const _: () = assert!(core::mem::size_of::<Trigger>() == 40);
const _: () = assert!(core::mem::size_of::<TriggerBook>() == TRIGGER_BOOK_SIZE);

/// What `add_trigger` stores (see [`Trigger`]).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct TriggerParams {
    /// `ABOVE` or `BELOW`.
    pub direction: u8,
    /// The crossing price. precision: PRICE_PRECISION.
    pub trigger_price: i64,
    /// Signed base size to trade, opposite to the position and at most its
    /// size. precision: BASE_PRECISION.
    pub base: i64,
    /// Worst acceptable fill price. precision: PRICE_PRECISION.
    pub limit_price: i64,
    /// Paid to the executing keeper, at most `MAX_TRIGGER_KEEPER_FEE`.
    /// precision: QUOTE_PRECISION.
    pub keeper_fee: u32,
}

impl TriggerBook {
    /// Indices and triggers of the slots in use.
    pub fn active(&self) -> impl Iterator<Item = (usize, &Trigger)> {
        self.triggers.iter().enumerate().filter(|(_, t)| !t.is_empty())
    }

    /// The trigger at `index`; `TriggerNotFound` for an index past the
    /// book or an empty slot.
    pub fn at(&self, index: u8) -> Result<Trigger> {
        match self.triggers.get(index as usize) {
            Some(t) if !t.is_empty() => Ok(*t),
            _ => err!(EngineError::TriggerNotFound),
        }
    }

    /// Empty every slot of `market`; how many held a trigger.
    pub fn clear_market(&mut self, market: u16) -> u8 {
        let mut cleared = 0;
        for t in self.triggers.iter_mut() {
            if t.market == market {
                *t = Trigger::EMPTY;
                cleared += 1;
            }
        }
        cleared
    }
}

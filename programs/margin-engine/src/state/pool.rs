//! The LP `Pool` and each LP's `LpPosition`.

use anchor_lang::prelude::*;

/// The liquidity pool that takes the other side of every trade
/// (PDA `[POOL_SEED]`). NAV = `balance` + the pool's unrealised PnL across
/// markets, valued against the pool.
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct Pool {
    /// Recorded balance; equals the pool vault. Tokens sent straight to the
    /// vault are not counted. precision: QUOTE_PRECISION.
    pub balance: u64,
    /// LP shares outstanding.
    pub shares: u64,
    /// Canonical bump.
    pub bump: u8,
    /// Layout version.
    pub version: u8,
    /// Padding.
    pub padding: [u8; 6],
    /// Deficits of flagged accounts (their negative collateral), owed to
    /// the pool: not in NAV, but in the minting NAV, since a repayment or
    /// the insurance fund may bring it in at any time.
    /// precision: QUOTE_PRECISION.
    pub receivable: u64,
    /// Realised profit owed to traders and not paid yet (the sum of every
    /// account's `unsettled_pnl`): a liability, out of NAV, and cash LPs
    /// may not take. precision: QUOTE_PRECISION.
    pub unsettled: u64,
    /// The current settlement round (0: none yet). `settle_pnl` shares a
    /// round's cash pro rata among the claims that existed when it opened.
    pub round_id: u64,
    /// Slot the round opened; it ends `SETTLE_ROUND_SLOTS` later, or once
    /// every claim in it was settled.
    pub round_start_slot: u64,
    /// Claims of the round not settled yet. precision: QUOTE_PRECISION.
    pub round_total: u64,
    /// Cash of the round not paid yet. precision: QUOTE_PRECISION.
    pub round_cash: u64,
    /// The pool's NAV at its last full valuation (a trade that added risk,
    /// `update_funding`, an LP flow): the depth funding's skew is measured
    /// against. precision: QUOTE_PRECISION.
    pub nav_snapshot: u64,
    /// The pool's requirement at that valuation: with `nav_snapshot`, the
    /// utilisation the borrow rate rises with. precision: QUOTE_PRECISION.
    pub requirement_snapshot: u64,
}

const _: () = assert!(core::mem::size_of::<Pool>() == 88);

impl Pool {
    /// The depth funding and price impact measure the traders' net
    /// notional against: the last valuation's NAV, or the balance before
    /// any valuation.
    pub fn depth(&self) -> u64 {
        if self.nav_snapshot > 0 {
            self.nav_snapshot
        } else {
            self.balance
        }
    }
}

/// One LP's shares (PDA `[LP_SEED, owner]`).
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct LpPosition {
    /// The LP.
    pub owner: Pubkey,
    /// Shares held.
    pub shares: u64,
    /// Canonical bump.
    pub bump: u8,
    /// Layout version.
    pub version: u8,
    /// Padding.
    pub padding: [u8; 6],
    /// Slot of the last deposit: no share may be burned before
    /// `LP_MIN_HOLD_SLOTS` after it.
    pub last_deposit_slot: u64,
    /// Reserved for future fields.
    pub reserved: [u8; 24],
}

const _: () = assert!(core::mem::size_of::<LpPosition>() == 80);

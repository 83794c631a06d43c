//! A perpetual `Market`.

use anchor_lang::prelude::*;
use ballast_risk::health::MarginRatios;
use ballast_risk::pricing::SpreadParams;

/// Market status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum MarketStatus {
    /// Trading normally.
    Active = 0,
    /// Only trades that shrink |position| (circuit-breaker issue).
    ReduceOnly = 1,
}

/// One perpetual market (PDA `[MARKET_SEED, index le]`). Never reorder
/// fields; append by shrinking `reserved`.
#[account(zero_copy)]
#[repr(C)]
#[derive(Debug)]
pub struct Market {
    /// The oracle-adapter `PriceFeed`, checked by owner and address on every use.
    pub feed: Pubkey,
    /// Symbol, zero-padded.
    pub symbol: [u8; 16],
    /// Index (PDA seed, position slot id).
    pub index: u16,
    /// `MarketStatus` byte.
    pub status: u8,
    /// Canonical bump.
    pub bump: u8,
    /// Layout version.
    pub version: u8,
    /// Padding.
    pub padding0: [u8; 3],
    /// Initial margin ratio, bps.
    pub imr_bps: u32,
    /// Maintenance margin ratio, bps.
    pub mmr_bps: u32,
    /// Confidence multiplier k for biased prices, bps (10_000 = 1.0).
    pub conf_mult_bps: u32,
    /// Size premium factor (dynamic-margin issue), bps.
    pub size_factor_bps: u32,
    /// Trading fee on notional, bps.
    pub fee_bps: u32,
    /// Base spread, bps.
    pub base_spread_bps: u32,
    /// Spread multiplier on conf/price, bps.
    pub conf_spread_mult_bps: u32,
    /// Spread added at full pool skew, bps.
    pub skew_spread_bps: u32,
    /// Spread cap, bps.
    pub max_spread_bps: u32,
    /// Padding.
    pub padding1: u32,
    /// Max open interest per side. precision: BASE_PRECISION.
    pub oi_cap: u64,
    /// Sum of long positions. precision: BASE_PRECISION.
    pub long_oi: u64,
    /// Sum of |short positions|. precision: BASE_PRECISION.
    pub short_oi: u64,
    /// The pool's base: minus the sum of trader base. precision: BASE_PRECISION.
    pub pool_base: i64,
    /// The pool's open quote: minus the sum of trader quote. precision: QUOTE_PRECISION.
    pub pool_quote: i64,
    /// Cumulative funding index (funding issue). 16-byte little-endian i128.
    pub funding_index: [u8; 16],
    /// Reserved for future fields.
    pub reserved: [u8; 64],
}

const _: () = assert!(core::mem::size_of::<Market>() == 216);
const _: () = assert!(core::mem::align_of::<Market>() == 8);

impl Market {
    /// Margin ratios for the risk crate.
    pub fn ratios(&self) -> MarginRatios {
        MarginRatios { imr_bps: self.imr_bps, mmr_bps: self.mmr_bps }
    }

    /// Spread parameters for the risk crate.
    pub fn spread(&self) -> SpreadParams {
        SpreadParams {
            base_spread_bps: self.base_spread_bps,
            conf_spread_mult_bps: self.conf_spread_mult_bps,
            skew_spread_bps: self.skew_spread_bps,
            max_spread_bps: self.max_spread_bps,
        }
    }

    /// Whether only reducing trades are allowed.
    pub fn is_reduce_only(&self) -> bool {
        self.status == MarketStatus::ReduceOnly as u8
    }
}

//! A perpetual `Market`.

use anchor_lang::prelude::*;
use ballast_risk::breaker::BreakerState;
use ballast_risk::funding::{BorrowParams, FundingParams};
use ballast_risk::impact::ImpactParams;
use ballast_risk::liquidation::{LiquidationParams, Throttle};
use ballast_risk::margin::{DynamicParams, PhaseParams, PhaseState, MULT_ONE};
use ballast_risk::pricing::SpreadParams;

use super::MarketParams;

/// Market status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum MarketStatus {
    /// Trading normally.
    Active = 0,
    /// Only trades that shrink |position|.
    ReduceOnly = 1,
    /// Stopped by `emergency_settle`: positions settle at `settlement_price`.
    Settled = 2,
}

/// One perpetual market (PDA `[MARKET_SEED, index le]`): its listing
/// parameters (`params`, defined by `state::params`'s table), then its
/// state. Once deployed, never reorder fields; new fields go at the end
/// (the size assertion below records the layout).
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
    /// The risk parameters set at listing and changed by governance.
    pub params: MarketParams,
    /// Max open interest per side (0 at listing; governance opens the
    /// market by raising it). precision: BASE_PRECISION.
    pub oi_cap: u64,
    /// Sum of long positions. precision: BASE_PRECISION.
    pub long_oi: u64,
    /// Sum of |short positions|. precision: BASE_PRECISION.
    pub short_oi: u64,
    /// The pool's base: minus the sum of trader base. precision: BASE_PRECISION.
    pub pool_base: i64,
    /// The pool's open quote: minus the sum of trader quote. precision: QUOTE_PRECISION.
    pub pool_quote: i64,
    /// Cumulative funding a long pays per unit of base (a short receives
    /// it; `ballast_risk::funding`). precision: INDEX_PRECISION per
    /// PRICE_PRECISION. 16-byte little-endian i128.
    pub funding_index: [u8; 16],
    /// Phased maintenance multiplier, bps of base MMR (>= 10_000).
    pub phase_mult_bps: u32,
    /// Phase-in: the maintenance target multiplier seen at the last phase
    /// update, bps (a rise beyond it phases in from the next update).
    pub phase_target_mult_bps: u32,
    /// Slot of the last phase update.
    pub phase_updated_slot: u64,
    /// Slot the multiplier last rose.
    pub phase_last_rise_slot: u64,
    /// First slot of the current throttle window.
    pub throttle_window_start: u64,
    /// Notional liquidated in the current window. precision: QUOTE_PRECISION.
    pub throttle_used: u64,
    /// Breaker trips so far.
    pub breaker_trips: u32,
    /// Guardian margin multiplier on the maintenance target, bps (>= 10_000).
    pub guardian_margin_mult_bps: u32,
    /// The breaker holds the market reduce-only while the slot is below
    /// this; 0 when not tripped.
    pub breaker_until_slot: u64,
    /// The guardian holds the market reduce-only while the slot is below this.
    pub guardian_until_slot: u64,
    /// The emergency settlement price (status `Settled`). precision: PRICE_PRECISION.
    pub settlement_price: i64,
    /// The guardian's margin multiplier holds while the slot is below this.
    pub guardian_mult_until_slot: u64,
    /// Sum of the quote of every long position: with `long_oi`, the longs'
    /// aggregate PnL (the shorts' quote is `-pool_quote - long_quote`).
    /// precision: QUOTE_PRECISION.
    pub long_quote: i64,
    /// First slot of the current auto-deleveraging throttle window.
    pub adl_window_start: u64,
    /// Notional auto-deleveraged in the current window (capped at
    /// `throttle_cap`, like liquidation's). precision: QUOTE_PRECISION.
    pub adl_used: u64,
    /// Cumulative borrow fee every position pays per unit of |base|.
    /// precision: INDEX_PRECISION per PRICE_PRECISION. 16-byte LE i128.
    pub borrow_index: [u8; 16],
    /// Funding accrued and not settled into positions yet: the sum over
    /// open positions of `(funding_index - snapshot) * base`, exactly (the
    /// pool's share; `ballast_risk::funding::pending_quote` makes it a quote
    /// amount). 16-byte LE i128.
    pub funding_pending: [u8; 16],
    /// The same for the borrow fee (`(borrow_index - snapshot) * |base|`).
    /// 16-byte LE i128.
    pub borrow_pending: [u8; 16],
    /// Slot both indexes were accrued to (0: not yet).
    pub funding_slot: u64,
    /// The funding rate of the last accrual, ppm per hour (positive: longs pay).
    pub funding_rate_ppm: i64,
    /// The borrow rate of the last accrual, ppm per hour.
    pub borrow_rate_ppm: u64,
}

const _: () = assert!(core::mem::size_of::<Market>() == 448);
const _: () = assert!(core::mem::align_of::<Market>() == 8);

impl Market {
    /// Fill a new market at `index`, bound to `feed` (`add_market`; the
    /// pure model test lists its markets with it too). Listing loosens the
    /// venue: a new market opens closed (reduce-only, no open interest
    /// allowed) until queued changes raise its status and cap.
    pub fn list(&mut self, index: u16, feed: Pubkey, symbol: [u8; 16], params: MarketParams, slot: u64) {
        self.feed = feed;
        self.symbol = symbol;
        self.index = index;
        self.status = MarketStatus::ReduceOnly as u8;
        self.oi_cap = 0;
        self.version = crate::constants::ACCOUNT_VERSION;
        self.params = params;
        self.phase_mult_bps = MULT_ONE;
        self.phase_target_mult_bps = MULT_ONE;
        self.phase_updated_slot = slot;
        self.funding_slot = slot;
    }

    /// The cumulative funding index.
    pub fn funding_index(&self) -> i128 {
        i128::from_le_bytes(self.funding_index)
    }

    /// The cumulative borrow index.
    pub fn borrow_index(&self) -> i128 {
        i128::from_le_bytes(self.borrow_index)
    }

    /// Funding accrued and not settled (index-times-base units).
    pub fn funding_pending(&self) -> i128 {
        i128::from_le_bytes(self.funding_pending)
    }

    /// Borrow fees accrued and not settled (index-times-base units).
    pub fn borrow_pending(&self) -> i128 {
        i128::from_le_bytes(self.borrow_pending)
    }

    /// Funding parameters for the risk crate.
    pub fn funding(&self) -> FundingParams {
        FundingParams { factor_ppm: self.params.funding_factor_ppm, max_ppm: self.params.max_funding_ppm }
    }

    /// Price-impact parameters for the risk crate.
    pub fn impact(&self) -> ImpactParams {
        ImpactParams {
            exponent: self.params.impact_exponent,
            factor_bps: self.params.impact_factor_bps,
            rebate_bps: self.params.impact_rebate_bps,
            max_bps: self.params.max_impact_bps,
        }
    }

    /// Borrow-fee parameters for the risk crate.
    pub fn borrow(&self) -> BorrowParams {
        BorrowParams {
            base_ppm: self.params.borrow_base_ppm,
            slope_ppm: self.params.borrow_slope_ppm,
            kink_bps: self.params.borrow_kink_bps,
            jump_ppm: self.params.borrow_jump_ppm,
        }
    }

    /// Dynamic-margin parameters for the risk crate.
    pub fn dynamic(&self) -> DynamicParams {
        DynamicParams {
            base_mmr_bps: self.params.mmr_bps,
            base_imr_bps: self.params.imr_bps,
            max_mmr_bps: self.params.max_mmr_bps,
            reference_vol_bps: self.params.reference_vol_bps,
            vol_cap_bps: self.params.vol_cap_bps,
            size_factor_bps: self.params.size_factor_bps,
            conf_margin_mult_bps: self.params.conf_margin_mult_bps,
        }
    }

    /// The stored phase-in state.
    pub fn phase(&self) -> PhaseState {
        PhaseState {
            mult_bps: self.phase_mult_bps,
            updated_slot: self.phase_updated_slot,
            last_rise_slot: self.phase_last_rise_slot,
            target_mult_bps: self.phase_target_mult_bps,
        }
    }

    /// Store a phase-in state.
    pub fn set_phase(&mut self, s: &PhaseState) {
        self.phase_mult_bps = s.mult_bps;
        self.phase_updated_slot = s.updated_slot;
        self.phase_last_rise_slot = s.last_rise_slot;
        self.phase_target_mult_bps = s.target_mult_bps;
    }

    /// The shorts' aggregate quote: minus the pool's and the longs'.
    pub fn short_quote(&self) -> i64 {
        self.pool_quote.saturating_neg().saturating_sub(self.long_quote)
    }

    /// Phase-in speed.
    pub fn phase_params(&self) -> PhaseParams {
        PhaseParams { step_bps_per_slot: self.params.step_bps_per_slot, cooldown_slots: self.params.cooldown_slots }
    }

    /// Spread parameters for the risk crate.
    pub fn spread(&self) -> SpreadParams {
        SpreadParams {
            base_spread_bps: self.params.base_spread_bps,
            conf_spread_mult_bps: self.params.conf_spread_mult_bps,
            skew_spread_bps: self.params.skew_spread_bps,
            max_spread_bps: self.params.max_spread_bps,
        }
    }

    /// Liquidation parameters for the risk crate, for a position whose
    /// maintenance ratio is `mmr_bps`.
    pub fn liquidation(&self, mmr_bps: u32) -> LiquidationParams {
        LiquidationParams {
            mmr_bps,
            fee_bps: self.params.liq_fee_bps,
            max_fraction_bps: self.params.max_liq_fraction_bps,
            dust_notional: self.params.dust_notional,
        }
    }

    /// The throttle state.
    pub fn throttle(&self) -> Throttle {
        Throttle { window_start_slot: self.throttle_window_start, used: self.throttle_used }
    }

    /// The auto-deleveraging throttle state.
    pub fn adl_throttle(&self) -> Throttle {
        Throttle { window_start_slot: self.adl_window_start, used: self.adl_used }
    }

    /// The symbol as text (it was validated ASCII at listing).
    pub fn symbol_str(&self) -> &str {
        let len = self.symbol.iter().position(|b| *b == 0).unwrap_or(self.symbol.len());
        core::str::from_utf8(&self.symbol[..len]).unwrap_or("")
    }

    /// The guardian's margin multiplier at `slot` (10_000 when none holds).
    pub fn guardian_mult_bps(&self, slot: u64) -> u32 {
        if slot < self.guardian_mult_until_slot {
            self.guardian_margin_mult_bps.max(MULT_ONE)
        } else {
            MULT_ONE
        }
    }

    /// Whether governance stopped the market for emergency settlement.
    pub fn is_settled(&self) -> bool {
        self.status == MarketStatus::Settled as u8
    }

    /// Whether the market is reduce-only at `slot` by its status
    /// (governance) or a guardian hold. (The breaker is separate: its own
    /// error says when it ends.)
    pub fn is_reduce_only(&self, slot: u64) -> bool {
        self.status == MarketStatus::ReduceOnly as u8 || slot < self.guardian_until_slot
    }

    /// The price-band breaker's state.
    pub fn breaker(&self) -> BreakerState {
        BreakerState { until_slot: self.breaker_until_slot, trips: self.breaker_trips }
    }

    /// Store a breaker state.
    pub fn set_breaker(&mut self, s: &BreakerState) {
        self.breaker_until_slot = s.until_slot;
        self.breaker_trips = s.trips;
    }
}

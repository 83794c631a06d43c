//! Events, one per state change. Quote amounts at QUOTE_PRECISION (10^-6),
//! base at BASE_PRECISION (10^-9), prices at PRICE_PRECISION (10^-9).

use anchor_lang::prelude::*;

/// The exchange was created.
#[event]
pub struct ExchangeInitialized {
    /// Governance authority.
    pub governance: Pubkey,
    /// Guardian.
    pub guardian: Pubkey,
    /// Collateral mint.
    pub collateral_mint: Pubkey,
    /// Per-account collateral cap. precision: QUOTE_PRECISION.
    pub deposit_cap: u64,
}

/// A market was listed.
#[event]
pub struct MarketAdded {
    /// Market PDA.
    pub market: Pubkey,
    /// Index.
    pub index: u16,
    /// Symbol.
    pub symbol: [u8; 16],
    /// Its price feed.
    pub feed: Pubkey,
}

/// A margin account was created.
#[event]
pub struct AccountCreated {
    /// The account.
    pub account: Pubkey,
    /// Its owner.
    pub owner: Pubkey,
    /// Its id.
    pub id: u32,
}

/// Collateral moved in or out.
#[event]
pub struct CollateralChanged {
    /// The account.
    pub account: Pubkey,
    /// Signed change (deposit > 0). precision: QUOTE_PRECISION.
    pub delta: i64,
    /// Collateral after. precision: QUOTE_PRECISION.
    pub collateral: i64,
}

/// A trade filled against the pool.
#[event]
pub struct TradeFilled {
    /// The account.
    pub account: Pubkey,
    /// Market index.
    pub market: u16,
    /// Signed size filled. precision: BASE_PRECISION.
    pub base: i64,
    /// Oracle price. precision: PRICE_PRECISION.
    pub oracle_price: i64,
    /// Fill price. precision: PRICE_PRECISION.
    pub fill_price: i64,
    /// Spread charged, bps.
    pub spread_bps: u32,
    /// Fee charged. precision: QUOTE_PRECISION.
    pub fee: u64,
    /// Part of the fee paid into the insurance fund. precision: QUOTE_PRECISION.
    pub insurance_fee: u64,
    /// PnL realised into collateral. precision: QUOTE_PRECISION.
    pub realized_pnl: i64,
    /// Position size after. precision: BASE_PRECISION.
    pub position_base: i64,
    /// Collateral after. precision: QUOTE_PRECISION.
    pub collateral: i64,
    /// Who signed: the owner, or the account's delegate.
    pub authority: Pubkey,
    /// Of the realised gain, what the pool could not pay: booked as
    /// unsettled PnL. precision: QUOTE_PRECISION.
    pub unsettled: u64,
    /// Funding the position settled before the fill (negative: received).
    /// precision: QUOTE_PRECISION.
    pub funding: i64,
    /// Borrow fee the position settled before the fill. precision: QUOTE_PRECISION.
    pub borrow_fee: u64,
    /// The LP pool's share of the fee and the borrow fee. precision: QUOTE_PRECISION.
    pub lp_fee: u64,
    /// Price impact paid (negative: the rebate received). precision: QUOTE_PRECISION.
    pub impact: i64,
}

/// A margin account was closed.
#[event]
pub struct AccountClosed {
    /// The account.
    pub account: Pubkey,
    /// Its owner (rent refunded to).
    pub owner: Pubkey,
}

/// An LP deposited or withdrew.
#[event]
pub struct LpChanged {
    /// The LP.
    pub owner: Pubkey,
    /// Signed quote moved (deposit > 0). precision: QUOTE_PRECISION.
    pub amount: i64,
    /// Signed shares minted (> 0) or burned.
    pub shares: i64,
    /// Pool NAV before. precision: QUOTE_PRECISION.
    pub nav: u64,
    /// Pool shares after.
    pub total_shares: u64,
}

/// The exchange entered stress mode.
#[event]
pub struct StressEntered {
    /// Slot of the observation.
    pub slot: u64,
    /// Stress lasts until this slot unless renewed.
    pub until_slot: u64,
    /// Slot time measured over the window that closed, ms (0 if none closed).
    pub slot_time_ms: u64,
    /// Share of stale feeds observed, bps (0 if not measured).
    pub stale_share_bps: u32,
}

/// The exchange left stress mode.
#[event]
pub struct StressLeft {
    /// Slot of the observation.
    pub slot: u64,
}

/// A market's dynamic margin was refreshed.
#[event]
pub struct MarketRefreshed {
    /// Market index.
    pub market: u16,
    /// Realised volatility read from the feed, annualised bps.
    pub vol_bps: u64,
    /// Market-wide maintenance target, bps.
    pub target_mmr_bps: u32,
    /// Market-wide maintenance after phase-in, bps.
    pub phased_mmr_bps: u32,
    /// Phased multiplier, bps of base MMR.
    pub phase_mult_bps: u32,
}

/// A position was (partly) liquidated.
#[event]
pub struct Liquidated {
    /// The liquidated account.
    pub account: Pubkey,
    /// The keeper.
    pub liquidator: Pubkey,
    /// Market index.
    pub market: u16,
    /// Signed base closed. precision: BASE_PRECISION.
    pub base: i64,
    /// Conservative fill price. precision: PRICE_PRECISION.
    pub price: i64,
    /// PnL realised. precision: QUOTE_PRECISION.
    pub realized_pnl: i64,
    /// Closed notional. precision: QUOTE_PRECISION.
    pub notional: u64,
    /// Penalty to the keeper. precision: QUOTE_PRECISION.
    pub keeper_reward: u64,
    /// Penalty to the insurance fund. precision: QUOTE_PRECISION.
    pub insurance_fee: u64,
    /// Maintenance health before. precision: QUOTE_PRECISION (saturated).
    pub health_before: i64,
    /// Maintenance health after. precision: QUOTE_PRECISION (saturated).
    pub health_after: i64,
    /// Deficit left (bankrupt when > 0). precision: QUOTE_PRECISION.
    pub deficit: u64,
    /// Of a realised gain, what the pool could not pay: booked as
    /// unsettled PnL. precision: QUOTE_PRECISION.
    pub unsettled: u64,
    /// Funding the position settled first (negative: received).
    /// precision: QUOTE_PRECISION.
    pub funding: i64,
    /// Borrow fee the position settled first. precision: QUOTE_PRECISION.
    pub borrow_fee: u64,
}

/// The market's liquidation throttle filled for this window.
#[event]
pub struct ThrottleEngaged {
    /// Market index.
    pub market: u16,
    /// First slot of the window.
    pub window_start_slot: u64,
    /// Notional liquidated in the window. precision: QUOTE_PRECISION.
    pub used: u64,
}

/// A market's price left its band around the EMA: reduce-only until
/// `until_slot`.
#[event]
#[derive(Clone, Copy, Debug)]
pub struct BreakerTripped {
    /// Market index.
    pub market: u16,
    /// The price that tripped it. precision: PRICE_PRECISION.
    pub price: i64,
    /// The EMA it was measured against. precision: PRICE_PRECISION.
    pub ema_price: i64,
    /// The band, bps.
    pub band_bps: u32,
    /// Reduce-only until this slot.
    pub until_slot: u64,
    /// Trips so far.
    pub trips: u32,
}

/// A market's breaker cooldown ended: it trades normally again and re-arms.
#[event]
#[derive(Clone, Copy, Debug)]
pub struct BreakerReleased {
    /// Market index.
    pub market: u16,
    /// Slot the release was observed at.
    pub slot: u64,
}

/// Governance stopped a market for emergency settlement.
#[event]
pub struct MarketSettled {
    /// Market index.
    pub market: u16,
    /// Settlement price. precision: PRICE_PRECISION.
    pub price: i64,
    /// Long open interest left to settle. precision: BASE_PRECISION.
    pub long_oi: u64,
    /// Short open interest left to settle. precision: BASE_PRECISION.
    pub short_oi: u64,
}

/// A position of a settled market was closed at the settlement price.
#[event]
pub struct PositionSettled {
    /// The account.
    pub account: Pubkey,
    /// Market index.
    pub market: u16,
    /// Base closed (signed, the fill's direction). precision: BASE_PRECISION.
    pub base: i64,
    /// Settlement price. precision: PRICE_PRECISION.
    pub price: i64,
    /// PnL realised. precision: QUOTE_PRECISION.
    pub realized_pnl: i64,
    /// Collateral after. precision: QUOTE_PRECISION.
    pub collateral: i64,
    /// Deficit left for the waterfall. precision: QUOTE_PRECISION.
    pub deficit: u64,
    /// Funding the position settled first (negative: received).
    /// precision: QUOTE_PRECISION.
    pub funding: i64,
    /// Borrow fee the position settled first. precision: QUOTE_PRECISION.
    pub borrow_fee: u64,
}

/// A governance change took effect.
#[event]
pub struct ParamChanged {
    /// Market index, or 65535 for the exchange.
    pub target: u16,
    /// Field code.
    pub field: u8,
    /// Field name.
    pub name: String,
    /// Old value (numeric fields).
    pub old: u64,
    /// New value (numeric fields).
    pub new: u64,
    /// Old key (key fields).
    pub old_key: Pubkey,
    /// New key (key fields).
    pub new_key: Pubkey,
    /// Whether the change tightened the venue.
    pub tightening: bool,
}

/// A governance change was queued behind the timelock.
#[event]
pub struct ChangeQueued {
    /// Its id (the pending-change PDA's seed).
    pub id: u64,
    /// Market index, or 65535 for the exchange.
    pub target: u16,
    /// Field code.
    pub field: u8,
    /// New value (numeric fields).
    pub value: u64,
    /// New key (key fields).
    pub key: Pubkey,
    /// First slot it may be applied at.
    pub eta_slot: u64,
}

/// Governance cancelled a queued change.
#[event]
pub struct ChangeCancelled {
    /// Its id.
    pub id: u64,
}

/// A queued change was closed unapplied: expired or superseded.
#[event]
pub struct ChangeClosed {
    /// Its id.
    pub id: u64,
    /// True when expired; false when superseded by a newer change.
    pub expired: bool,
}

/// The guardian paused operations.
#[event]
pub struct GuardianPaused {
    /// Guardian pause bits now in force.
    pub bits: u32,
    /// They lapse at this slot.
    pub until_slot: u64,
    /// Guardian pauses started today.
    pub day_count: u8,
    /// Guardian pauses in the current run.
    pub consecutive: u8,
}

/// The guardian held a market reduce-only.
#[event]
pub struct GuardianHold {
    /// Market index.
    pub market: u16,
    /// Reduce-only until this slot.
    pub until_slot: u64,
}

/// The guardian raised a market's margin.
#[event]
pub struct GuardianMarginRaised {
    /// Market index.
    pub market: u16,
    /// Multiplier on the maintenance target, bps.
    pub mult_bps: u32,
    /// Until this slot.
    pub until_slot: u64,
}

/// Governance set the standing pause bits and lifted the guardian's.
#[event]
pub struct PauseSet {
    /// Standing pause bits now.
    pub bits: u32,
    /// Markets whose guardian hold was lifted.
    pub markets_released: u8,
    /// Slot of the change.
    pub slot: u64,
}

/// Governance withdrew from the insurance fund.
#[event]
pub struct InsuranceWithdrawn {
    /// Amount withdrawn. precision: QUOTE_PRECISION.
    pub amount: u64,
    /// Fund balance after. precision: QUOTE_PRECISION.
    pub balance_after: u64,
    /// The floor it may not go below. precision: QUOTE_PRECISION.
    pub floor: u64,
    /// The receiving token account.
    pub destination: Pubkey,
}

/// A queued withdrawal of the protocol's fees executed (`withdraw_fees`).
#[event]
#[derive(Debug)]
pub struct FeesWithdrawn {
    /// Amount withdrawn. precision: QUOTE_PRECISION.
    pub amount: u64,
    /// The protocol's fees left. precision: QUOTE_PRECISION.
    pub balance_after: u64,
    /// The receiving token account.
    pub destination: Pubkey,
}

/// One step of the default waterfall.
#[event]
pub struct WaterfallStep {
    /// The bankrupt account.
    pub account: Pubkey,
    /// 1 = the account's collateral, 2 = insurance fund, 3 = pool (socialised).
    pub step: u8,
    /// Amount covered by this step. precision: QUOTE_PRECISION.
    pub amount: u64,
}

/// The owner named (or removed, the default key) its account's delegate.
#[event]
pub struct DelegateSet {
    /// The margin account.
    pub account: Pubkey,
    /// The delegate; the default key: none.
    pub delegate: Pubkey,
    /// The slot from which it may no longer act; 0: no expiry.
    pub expiry_slot: u64,
}

/// The owner stored a trigger order.
#[event]
pub struct TriggerAdded {
    /// The margin account.
    pub account: Pubkey,
    /// Its slot in the trigger book.
    pub index: u8,
    /// Market index.
    pub market: u16,
    /// 1 above, 2 below.
    pub direction: u8,
    /// precision: PRICE_PRECISION.
    pub trigger_price: i64,
    /// Signed base size. precision: BASE_PRECISION.
    pub base: i64,
    /// precision: PRICE_PRECISION.
    pub limit_price: i64,
    /// precision: QUOTE_PRECISION.
    pub keeper_fee: u32,
}

/// The owner or the delegate removed a trigger order.
#[event]
pub struct TriggerCancelled {
    /// The margin account.
    pub account: Pubkey,
    /// Its slot in the trigger book.
    pub index: u8,
    /// Market index.
    pub market: u16,
    /// Who signed.
    pub authority: Pubkey,
}

/// A keeper executed a trigger order.
#[event]
pub struct TriggerExecuted {
    /// The margin account.
    pub account: Pubkey,
    /// Its slot in the trigger book.
    pub index: u8,
    /// Market index.
    pub market: u16,
    /// The keeper.
    pub keeper: Pubkey,
    /// Base traded (the trigger's size, clamped to the position).
    pub base: i64,
    /// Fill price. precision: PRICE_PRECISION.
    pub fill_price: i64,
    /// PnL realised. precision: QUOTE_PRECISION.
    pub realized_pnl: i64,
    /// Trading fee. precision: QUOTE_PRECISION.
    pub fee: u64,
    /// Paid to the keeper. precision: QUOTE_PRECISION.
    pub keeper_fee: u64,
    /// Position after. precision: BASE_PRECISION.
    pub position_base: i64,
    /// The market's other triggers removed because the position is closed.
    pub cancelled: u8,
    /// Funding the position settled first (negative: received).
    /// precision: QUOTE_PRECISION.
    pub funding: i64,
    /// Borrow fee the position settled first. precision: QUOTE_PRECISION.
    pub borrow_fee: u64,
}

/// `settle_pnl` paid (or netted) an account's unsettled PnL.
#[event]
pub struct PnlSettled {
    /// The account.
    pub account: Pubkey,
    /// Set against the account's deficit. precision: QUOTE_PRECISION.
    pub netted: u64,
    /// Paid from the pool into its collateral. precision: QUOTE_PRECISION.
    pub paid: u64,
    /// Still unsettled. precision: QUOTE_PRECISION.
    pub left: u64,
    /// The settlement round (`Pool::round_id`).
    pub round: u64,
}

/// `auto_deleverage` reduced a winning position.
#[event]
pub struct AutoDeleveraged {
    /// The account.
    pub account: Pubkey,
    /// Market index.
    pub market: u16,
    /// Signed base closed. precision: BASE_PRECISION.
    pub base: i64,
    /// Fill price: the oracle price. precision: PRICE_PRECISION.
    pub price: i64,
    /// Profit realised. precision: QUOTE_PRECISION.
    pub realized_pnl: i64,
    /// Closed notional. precision: QUOTE_PRECISION.
    pub notional: u64,
    /// Of the profit, what the pool could not pay. precision: QUOTE_PRECISION.
    pub unsettled: u64,
    /// The traders' unrealised profit before. precision: QUOTE_PRECISION.
    pub liability: u64,
    /// The pool's free cash before. precision: QUOTE_PRECISION.
    pub free_cash: i64,
    /// Position size after. precision: BASE_PRECISION.
    pub position_base: i64,
    /// Funding the position settled first (negative: received).
    /// precision: QUOTE_PRECISION.
    pub funding: i64,
    /// Borrow fee the position settled first. precision: QUOTE_PRECISION.
    pub borrow_fee: u64,
}

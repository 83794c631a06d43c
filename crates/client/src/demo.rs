//! The demo venue's parameters: shared by the bank's demo venue (the
//! embedded ledger and the stress lab), the suite and the pure model test.

use margin_engine::state::{AddMarketParams, InitializeExchangeParams};
use solana_sdk::pubkey::Pubkey;

/// One dollar of collateral (6 decimals).
pub const USD: u64 = 1_000_000;

const ONE: i64 = ballast_risk::precision::PRICE_PRECISION;

/// The demo's markets: symbol, starting price (PRICE_PRECISION), maximum
/// leverage (IMR = 1 / leverage, MMR half of it) and open-interest cap in
/// base units.
pub const MARKETS: [(&str, i64, u32, u64); 3] =
    [("SOL", 150 * ONE, 10, 20_000), ("BTC", 60_000 * ONE, 20, 50), ("ETH", 3_000 * ONE, 20, 1_000)];

/// Parameters of a demo market with `leverage`x maximum leverage: dynamic
/// margin against an 80 % reference volatility (4x cap, MMR at most 50 %),
/// a size premium, fee 5 bps, spread 5 bps + conf + up to 50 bps of skew,
/// phase-in 1 % of base per slot; liquidation penalty 1 % (30 % to the
/// keeper), half a position per call, a 10 % buffer; a 20 % price band.
pub fn market_params(symbol: &str, leverage: u32) -> AddMarketParams {
    let imr_bps = 10_000 / leverage.max(1);
    AddMarketParams {
        symbol: symbol.into(),
        imr_bps,
        mmr_bps: imr_bps / 2,
        conf_mult_bps: 10_000,
        size_factor_bps: 5,
        fee_bps: 5,
        base_spread_bps: 5,
        conf_spread_mult_bps: 10_000,
        skew_spread_bps: 50,
        max_spread_bps: 200,
        max_mmr_bps: 5_000,
        reference_vol_bps: 8_000,
        vol_cap_bps: 40_000,
        conf_margin_mult_bps: 5_000,
        step_bps_per_slot: 100,
        cooldown_slots: 150,
        liq_fee_bps: 100,
        keeper_share_bps: 3_000,
        max_liq_fraction_bps: 5_000,
        liq_buffer_bps: 1_000,
        dust_notional: 10 * USD,
        throttle_cap: 5_000_000 * USD,
        throttle_window_slots: 100,
        band_bps: 2_000,
        breaker_cooldown_slots: 300,
    }
}

/// Exchange parameters of the demo: 1M deposit cap per account, stress
/// x1.5 above 800 ms slots or 30 % stale feeds, 20 % of fees to insurance,
/// guardian pauses of at most 1,000 slots, a 50-slot timelock.
pub fn exchange_params(governance: Pubkey, guardian: Pubkey) -> InitializeExchangeParams {
    InitializeExchangeParams {
        governance,
        guardian,
        deposit_cap: 1_000_000 * USD,
        stress_mult_bps: 15_000,
        slot_time_threshold_ms: 800,
        stale_share_threshold_bps: 3_000,
        stress_window_slots: 100,
        stress_cooldown_slots: 1_000,
        insurance_floor: 0,
        insurance_fee_share_bps: 2_000,
        max_pause_slots: 1_000,
        max_consecutive_pauses: 2,
        max_pauses_per_day: 3,
        timelock_slots: 50,
    }
}

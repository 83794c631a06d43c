//! `add_market`: governance lists a perpetual market.

use super::initialize_exchange::check_bounds;
use crate::constants::*;
use crate::errors::EngineError;
use crate::events::MarketAdded;
use crate::state::{init_zero_copy, Exchange, Market, MarketStatus};
use anchor_lang::prelude::*;
use oracle_adapter::state::PriceFeed;

/// Risk parameters of a new market. Every field is bounds-checked, plus the
/// cross-field rules `0 < fee < MMR < IMR <= 100 %` and
/// `base spread <= max spread`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct AddMarketParams {
    /// Symbol, 1-16 bytes of A-Z 0-9 / - _.
    pub symbol: String,
    /// Initial margin ratio, bps. Bounds (mmr, 10000].
    pub imr_bps: u32,
    /// Maintenance margin ratio, bps. Bounds [10, 5000].
    pub mmr_bps: u32,
    /// Confidence multiplier k, bps. Bounds [0, 50000].
    pub conf_mult_bps: u32,
    /// Size premium factor, bps. Bounds [0, 10000].
    pub size_factor_bps: u32,
    /// Trading fee, bps. Bounds [0, 100] and < mmr.
    pub fee_bps: u32,
    /// Base spread, bps. Bounds [0, 500].
    pub base_spread_bps: u32,
    /// Spread multiplier on conf/price, bps. Bounds [0, 50000].
    pub conf_spread_mult_bps: u32,
    /// Spread at full pool skew, bps. Bounds [0, 1000].
    pub skew_spread_bps: u32,
    /// Spread cap, bps. Bounds [base spread, 2000].
    pub max_spread_bps: u32,
    /// Maintenance ceiling of the dynamic ratio, bps. Bounds [mmr, 10000 * mmr / imr]
    /// (so the initial ratio never passes 100 %).
    pub max_mmr_bps: u32,
    /// Volatility at which the multiplier is 1, annualised bps. Bounds [100, 100000].
    pub reference_vol_bps: u32,
    /// Cap of the volatility multiplier, bps. Bounds [10000, 100000].
    pub vol_cap_bps: u32,
    /// Margin add-on per bps of conf/price, bps. Bounds [0, 50000].
    pub conf_margin_mult_bps: u32,
    /// Phase-in step per slot, bps of multiplier. Bounds [1, 10000].
    pub step_bps_per_slot: u32,
    /// Slots after the last rise before maintenance may fall. Bounds [0, 1000000].
    pub cooldown_slots: u64,
    /// Liquidation penalty on closed notional, bps. Bounds [1, mmr - 1].
    pub liq_fee_bps: u32,
    /// Keeper's share of the penalty, bps. Bounds [0, 10000].
    pub keeper_share_bps: u32,
    /// Most of a position one liquidation may close, bps. Bounds [100, 10000].
    pub max_liq_fraction_bps: u32,
    /// Health restored above zero, as a share of the maintenance requirement, bps. Bounds [0, 5000].
    pub liq_buffer_bps: u32,
    /// Notional below which a position is closed whole. Bounds [0, 10^12].
    pub dust_notional: u64,
    /// Notional liquidatable per window. Bounds [1, 10^18].
    pub throttle_cap: u64,
    /// Throttle window, slots. Bounds [1, 1000000].
    pub throttle_window_slots: u64,
    /// Price band around the EMA, bps; outside it the breaker trips. Bounds [50, 5000].
    pub band_bps: u32,
    /// Slots a breaker trip holds the market reduce-only. Bounds [1, 1000000].
    pub breaker_cooldown_slots: u64,
}

/// Accounts of `add_market`.
#[derive(Accounts)]
pub struct AddMarket<'info> {
    /// Governance authority; pays for the market.
    #[account(mut)]
    pub governance: Signer<'info>,
    /// The exchange naming governance.
    #[account(mut, seeds = [EXCHANGE_SEED], bump = exchange.load()?.bump,
              has_one = governance @ EngineError::Unauthorized)]
    pub exchange: AccountLoader<'info, Exchange>,
    /// CHECK: the next market PDA (address checked by seeds), created here.
    #[account(mut, seeds = [MARKET_SEED, &exchange.load()?.market_count.to_le_bytes()], bump)]
    pub market: UncheckedAccount<'info>,
    /// The oracle-adapter feed (owner and discriminator checked by the loader).
    pub feed: AccountLoader<'info, PriceFeed>,
    /// System program.
    pub system_program: Program<'info, System>,
}

impl AddMarketParams {
    /// The parameters a market holds now (to re-validate it after a change).
    pub fn of(m: &Market) -> AddMarketParams {
        AddMarketParams {
            symbol: m.symbol_str().to_string(),
            imr_bps: m.imr_bps,
            mmr_bps: m.mmr_bps,
            conf_mult_bps: m.conf_mult_bps,
            size_factor_bps: m.size_factor_bps,
            fee_bps: m.fee_bps,
            base_spread_bps: m.base_spread_bps,
            conf_spread_mult_bps: m.conf_spread_mult_bps,
            skew_spread_bps: m.skew_spread_bps,
            max_spread_bps: m.max_spread_bps,
            max_mmr_bps: m.max_mmr_bps,
            reference_vol_bps: m.reference_vol_bps,
            vol_cap_bps: m.vol_cap_bps,
            conf_margin_mult_bps: m.conf_margin_mult_bps,
            step_bps_per_slot: m.step_bps_per_slot,
            cooldown_slots: m.cooldown_slots,
            liq_fee_bps: m.liq_fee_bps,
            keeper_share_bps: m.keeper_share_bps,
            max_liq_fraction_bps: m.max_liq_fraction_bps,
            liq_buffer_bps: m.liq_buffer_bps,
            dust_notional: m.dust_notional,
            throttle_cap: m.throttle_cap,
            throttle_window_slots: m.throttle_window_slots,
            band_bps: m.band_bps,
            breaker_cooldown_slots: m.breaker_cooldown_slots,
        }
    }

    /// Check every bound and cross-field rule; returns the padded symbol.
    pub fn validate(&self) -> Result<[u8; 16]> {
        let symbol = oracle_adapter::constants::parse_symbol(&self.symbol).ok_or(EngineError::InvalidSymbol)?;
        check_bounds("mmr_bps", self.mmr_bps.into(), (10, 5_000))?;
        check_bounds("imr_bps", self.imr_bps.into(), (u64::from(self.mmr_bps) + 1, 10_000))?;
        check_bounds("conf_mult_bps", self.conf_mult_bps.into(), (0, 50_000))?;
        check_bounds("size_factor_bps", self.size_factor_bps.into(), (0, 10_000))?;
        check_bounds("fee_bps", self.fee_bps.into(), (0, 100.min(u64::from(self.mmr_bps) - 1)))?;
        check_bounds("base_spread_bps", self.base_spread_bps.into(), (0, 500))?;
        check_bounds("conf_spread_mult_bps", self.conf_spread_mult_bps.into(), (0, 50_000))?;
        check_bounds("skew_spread_bps", self.skew_spread_bps.into(), (0, 1_000))?;
        check_bounds("max_spread_bps", self.max_spread_bps.into(), (self.base_spread_bps.into(), 2_000))?;
        let max_mmr_hi = u64::from(self.mmr_bps) * 10_000 / u64::from(self.imr_bps);
        check_bounds("max_mmr_bps", self.max_mmr_bps.into(), (self.mmr_bps.into(), max_mmr_hi))?;
        check_bounds("reference_vol_bps", self.reference_vol_bps.into(), (100, 100_000))?;
        check_bounds("vol_cap_bps", self.vol_cap_bps.into(), (10_000, 100_000))?;
        check_bounds("conf_margin_mult_bps", self.conf_margin_mult_bps.into(), (0, 50_000))?;
        check_bounds("step_bps_per_slot", self.step_bps_per_slot.into(), (1, 10_000))?;
        check_bounds("cooldown_slots", self.cooldown_slots, (0, 1_000_000))?;
        check_bounds("liq_fee_bps", self.liq_fee_bps.into(), (1, u64::from(self.mmr_bps) - 1))?;
        check_bounds("keeper_share_bps", self.keeper_share_bps.into(), (0, 10_000))?;
        check_bounds("max_liq_fraction_bps", self.max_liq_fraction_bps.into(), (100, 10_000))?;
        check_bounds("liq_buffer_bps", self.liq_buffer_bps.into(), (0, 5_000))?;
        check_bounds("dust_notional", self.dust_notional, (0, 1_000_000_000_000))?;
        check_bounds("throttle_cap", self.throttle_cap, (1, 1_000_000_000_000_000_000))?;
        check_bounds("throttle_window_slots", self.throttle_window_slots, (1, 1_000_000))?;
        check_bounds("band_bps", self.band_bps.into(), (50, 5_000))?;
        check_bounds("breaker_cooldown_slots", self.breaker_cooldown_slots, (1, 1_000_000))?;
        Ok(symbol)
    }
}

/// 1. Validate parameters; at most `MAX_MARKETS` markets.
/// 2. Create the market PDA at index `market_count`, bound to `feed`.
/// 3. Bump the count; emit `MarketAdded`.
pub fn handler(ctx: Context<AddMarket>, params: AddMarketParams) -> Result<()> {
    let symbol = params.validate()?;
    let mut ex = ctx.accounts.exchange.load_mut()?;
    require!(ex.market_count < MAX_MARKETS, EngineError::TooManyMarkets);
    let index = ex.market_count;
    let market_info = ctx.accounts.market.to_account_info();
    let mut m = init_zero_copy::<Market>(
        &ctx.accounts.governance.to_account_info(),
        &market_info,
        &ctx.accounts.system_program.to_account_info(),
        &[MARKET_SEED, &index.to_le_bytes(), &[ctx.bumps.market]],
        || error!(EngineError::AlreadyInitialized),
    )?;
    m.feed = ctx.accounts.feed.key();
    m.symbol = symbol;
    m.index = index;
    // Listing loosens the venue: a new market opens closed (reduce-only, no
    // open interest allowed) until queued changes raise its status and cap.
    m.status = MarketStatus::ReduceOnly as u8;
    m.oi_cap = 0;
    m.bump = ctx.bumps.market;
    m.version = ACCOUNT_VERSION;
    m.imr_bps = params.imr_bps;
    m.mmr_bps = params.mmr_bps;
    m.conf_mult_bps = params.conf_mult_bps;
    m.size_factor_bps = params.size_factor_bps;
    m.fee_bps = params.fee_bps;
    m.base_spread_bps = params.base_spread_bps;
    m.conf_spread_mult_bps = params.conf_spread_mult_bps;
    m.skew_spread_bps = params.skew_spread_bps;
    m.max_spread_bps = params.max_spread_bps;
    m.max_mmr_bps = params.max_mmr_bps;
    m.reference_vol_bps = params.reference_vol_bps;
    m.vol_cap_bps = params.vol_cap_bps;
    m.conf_margin_mult_bps = params.conf_margin_mult_bps;
    m.step_bps_per_slot = params.step_bps_per_slot;
    m.cooldown_slots = params.cooldown_slots;
    m.liq_fee_bps = params.liq_fee_bps;
    m.keeper_share_bps = params.keeper_share_bps;
    m.max_liq_fraction_bps = params.max_liq_fraction_bps;
    m.liq_buffer_bps = params.liq_buffer_bps;
    m.dust_notional = params.dust_notional;
    m.throttle_cap = params.throttle_cap;
    m.throttle_window_slots = params.throttle_window_slots;
    m.band_bps = params.band_bps;
    m.breaker_cooldown_slots = params.breaker_cooldown_slots;
    m.phase_mult_bps = ballast_risk::margin::MULT_ONE;
    m.phase_target_mult_bps = ballast_risk::margin::MULT_ONE;
    m.phase_updated_slot = Clock::get()?.slot;
    drop(m);
    ex.market_count = index + 1;
    oracle_adapter::emit_event!(MarketAdded {
        market: ctx.accounts.market.key(),
        index,
        symbol,
        feed: ctx.accounts.feed.key()
    });
    Ok(())
}

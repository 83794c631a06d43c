//! The parameters governance sets, as instructions carry them, and their
//! validation: the bounds and cross-field rules every listing and every
//! governance change must pass (`engine::governance` re-validates the whole
//! market or exchange after each change).

use crate::errors::EngineError;
use crate::state::{Exchange, Market};
use anchor_lang::prelude::*;
use ballast_risk::precision::BPS_DENOMINATOR;

/// Bounds of `deposit_cap` (quote units): 1 unit to 10^9 dollars.
pub const DEPOSIT_CAP_BOUNDS: (u64, u64) = (1, 1_000_000_000_000_000);

/// Arguments of `initialize_exchange`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitializeExchangeParams {
    /// Governance authority (a multisig vault in production).
    pub governance: Pubkey,
    /// Guardian key (may only tighten).
    pub guardian: Pubkey,
    /// Max collateral per margin account. precision: QUOTE_PRECISION.
    pub deposit_cap: u64,
    /// Stress multiplier, bps. Bounds [10000, 40000].
    pub stress_mult_bps: u32,
    /// Slot time above which the network is stressed, ms. Bounds [500, 10000].
    pub slot_time_threshold_ms: u32,
    /// Stale-feed share above which the exchange is stressed, bps. Bounds [1, 10000].
    pub stale_share_threshold_bps: u32,
    /// Slots per slot-time window. Bounds [10, 100000].
    pub stress_window_slots: u64,
    /// Slots stress mode lasts after the last signal. Bounds [1, 1000000].
    pub stress_cooldown_slots: u64,
    /// Floor of the insurance fund. precision: QUOTE_PRECISION. Bounds [0, 10^15].
    pub insurance_floor: u64,
    /// Share of every trading fee paid into the insurance fund, bps. Bounds [0, 10000].
    pub insurance_fee_share_bps: u32,
    /// Longest guardian pause or reduce-only hold, slots. Bounds [1, 1000000].
    pub max_pause_slots: u64,
    /// Most guardian pauses in a run before governance must act. Bounds [1, 10].
    pub max_consecutive_pauses: u8,
    /// Most guardian pauses starting per day. Bounds [1, 24].
    pub max_pauses_per_day: u8,
    /// Slots a loosening governance change waits before it may be applied.
    /// Bounds [1, 10000000].
    pub timelock_slots: u64,
    /// Weight of unsettled PnL in initial health, bps. Bounds [0, 10000].
    pub unsettled_weight_bps: u32,
    /// Auto-deleveraging trigger: traders' unrealised profit over the pool's
    /// free cash, bps. Bounds [1000, 50000].
    pub max_pnl_factor_bps: u32,
    /// Auto-deleveraging target, bps. Bounds [0, trigger - 1] and <= 9900.
    pub adl_target_bps: u32,
    /// Share of every trading and borrow fee paid to LPs, bps. Bounds [0,
    /// 10000 - insurance_fee_share_bps] (the protocol takes the rest).
    pub lp_fee_share_bps: u32,
    /// New risk may take the pool's requirement up to this share of its
    /// NAV, bps. Bounds [1000, 1000000] (above 10,000 the pool carries more
    /// than its NAV, and unsettled PnL and ADL absorb the rest; 1,000,000,
    /// `RESERVE_OFF_BPS`: no cap).
    pub reserve_factor_bps: u32,
    /// The same while stressed, bps. Bounds [500, reserve_factor_bps].
    pub stress_reserve_factor_bps: u32,
}

impl InitializeExchangeParams {
    /// Every bound (also re-checked after each governance change).
    pub fn validate(&self) -> Result<()> {
        match self.violation() {
            Some(v) => Err(v.refuse()),
            None => Ok(()),
        }
    }

    /// The first bound these parameters break, by field (what `validate`
    /// refuses; tools name the field from it).
    pub fn violation(&self) -> Option<Violation> {
        let checks: [(&'static str, u64, (u64, u64)); 12] = [
            ("deposit_cap", self.deposit_cap, DEPOSIT_CAP_BOUNDS),
            ("stress_mult_bps", self.stress_mult_bps.into(), (10_000, 40_000)),
            ("slot_time_threshold_ms", self.slot_time_threshold_ms.into(), (500, 10_000)),
            ("stale_share_threshold_bps", self.stale_share_threshold_bps.into(), (1, 10_000)),
            ("stress_window_slots", self.stress_window_slots, (10, 100_000)),
            ("stress_cooldown_slots", self.stress_cooldown_slots, (1, 1_000_000)),
            ("insurance_floor", self.insurance_floor, (0, 1_000_000_000_000_000)),
            ("insurance_fee_share_bps", self.insurance_fee_share_bps.into(), (0, 10_000)),
            ("max_pause_slots", self.max_pause_slots, (1, 1_000_000)),
            ("max_consecutive_pauses", self.max_consecutive_pauses.into(), (1, 10)),
            ("max_pauses_per_day", self.max_pauses_per_day.into(), (1, 24)),
            ("timelock_slots", self.timelock_slots, (1, 10_000_000)),
        ];
        checks.into_iter().find_map(|(field, value, bounds)| Violation::of(field, value, bounds, "")).or_else(|| {
            let mut ex: Exchange = bytemuck::Zeroable::zeroed();
            self.write_to(&mut ex);
            ex.pnl_violation().or_else(|| ex.pool_violation())
        })
    }

    /// The parameters an exchange holds now (to re-validate it after a change).
    pub fn of(e: &Exchange) -> InitializeExchangeParams {
        InitializeExchangeParams {
            governance: e.governance,
            guardian: e.guardian,
            deposit_cap: e.deposit_cap,
            stress_mult_bps: e.stress_mult_bps,
            slot_time_threshold_ms: e.slot_time_threshold_ms,
            stale_share_threshold_bps: e.stale_share_threshold_bps,
            stress_window_slots: e.stress_window_slots,
            stress_cooldown_slots: e.stress_cooldown_slots,
            insurance_floor: e.insurance_floor,
            insurance_fee_share_bps: e.insurance_fee_share_bps,
            max_pause_slots: e.max_pause_slots,
            max_consecutive_pauses: e.max_consecutive_pauses,
            max_pauses_per_day: e.max_pauses_per_day,
            timelock_slots: e.timelock_slots,
            unsettled_weight_bps: e.unsettled_weight_bps,
            max_pnl_factor_bps: e.max_pnl_factor_bps,
            adl_target_bps: e.adl_target_bps,
            lp_fee_share_bps: e.lp_fee_share_bps,
            reserve_factor_bps: e.reserve_factor_bps,
            stress_reserve_factor_bps: e.stress_reserve_factor_bps,
        }
    }

    /// Write these parameters into a new exchange (`initialize_exchange`;
    /// the pure model test builds its exchange with it too).
    pub fn write_to(&self, ex: &mut Exchange) {
        ex.governance = self.governance;
        ex.guardian = self.guardian;
        ex.deposit_cap = self.deposit_cap;
        ex.stress_mult_bps = self.stress_mult_bps;
        ex.slot_time_threshold_ms = self.slot_time_threshold_ms;
        ex.stale_share_threshold_bps = self.stale_share_threshold_bps;
        ex.stress_window_slots = self.stress_window_slots;
        ex.stress_cooldown_slots = self.stress_cooldown_slots;
        ex.insurance_floor = self.insurance_floor;
        ex.insurance_fee_share_bps = self.insurance_fee_share_bps;
        ex.max_pause_slots = self.max_pause_slots;
        ex.max_consecutive_pauses = self.max_consecutive_pauses;
        ex.max_pauses_per_day = self.max_pauses_per_day;
        ex.timelock_slots = self.timelock_slots;
        ex.unsettled_weight_bps = self.unsettled_weight_bps;
        ex.max_pnl_factor_bps = self.max_pnl_factor_bps;
        ex.adl_target_bps = self.adl_target_bps;
        ex.lp_fee_share_bps = self.lp_fee_share_bps;
        ex.reserve_factor_bps = self.reserve_factor_bps;
        ex.stress_reserve_factor_bps = self.stress_reserve_factor_bps;
    }
}

impl Exchange {
    /// The first bound the pool fields break (checked with the rest of
    /// `InitializeExchangeParams::violation`): `lp_fee_share_bps` at most
    /// what the insurance share leaves, `reserve_factor_bps` in [1000,
    /// 1000000], `stress_reserve_factor_bps` in [500, reserve_factor_bps].
    pub fn pool_violation(&self) -> Option<Violation> {
        let lp_max = 10_000u64.saturating_sub(self.insurance_fee_share_bps.into());
        let checks: [(&'static str, u64, (u64, u64)); 3] = [
            ("lp_fee_share_bps", self.lp_fee_share_bps.into(), (0, lp_max)),
            ("reserve_factor_bps", self.reserve_factor_bps.into(), (1_000, crate::constants::RESERVE_OFF_BPS.into())),
            ("stress_reserve_factor_bps", self.stress_reserve_factor_bps.into(), (500, self.reserve_factor_bps.into())),
        ];
        checks.into_iter().find_map(|(field, value, bounds)| Violation::of(field, value, bounds, ""))
    }

    /// The first bound the PnL fields break (checked with the rest of
    /// `InitializeExchangeParams::violation`):
    /// `unsettled_weight_bps` in [0, 10000], `max_pnl_factor_bps` in
    /// [1000, 50000], `adl_target_bps` below both the trigger and 100 %.
    pub fn pnl_violation(&self) -> Option<Violation> {
        let target_max = u64::from(self.max_pnl_factor_bps).saturating_sub(1).min(9_900);
        let checks: [(&'static str, u64, (u64, u64)); 3] = [
            ("unsettled_weight_bps", self.unsettled_weight_bps.into(), (0, 10_000)),
            ("max_pnl_factor_bps", self.max_pnl_factor_bps.into(), (1_000, 50_000)),
            ("adl_target_bps", self.adl_target_bps.into(), (0, target_max)),
        ];
        checks.into_iter().find_map(|(field, value, bounds)| Violation::of(field, value, bounds, ""))
    }
}

/// A parameter outside its bounds: the field, its value, the bounds (which
/// may come from other fields: an inconsistent ratio) and the parameter
/// table's description of the field (empty for the exchange's).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Field name, as governance and the venue spec name it.
    pub field: &'static str,
    /// The value given.
    pub value: u64,
    /// Smallest value allowed.
    pub min: u64,
    /// Largest value allowed.
    pub max: u64,
    /// What the field is and how its bounds are derived.
    pub rule: &'static str,
}

impl Violation {
    /// `Some` if `value` is outside `[min, max]`.
    pub fn of(field: &'static str, value: u64, (min, max): (u64, u64), rule: &'static str) -> Option<Violation> {
        (value < min || value > max).then_some(Violation { field, value, min, max, rule })
    }

    /// Log the field and range; the error to return (`ParamOutOfBounds`).
    pub fn refuse(&self) -> Error {
        msg!("{} = {} is outside [{}, {}]", self.field, self.value, self.min, self.max);
        error!(EngineError::ParamOutOfBounds)
    }
}

/// Which way a governable field tightens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    /// Raising it tightens.
    Up,
    /// Lowering it tightens.
    Down,
    /// Every change is loosening (timelocked).
    Timelocked,
}

/// A governable field.
#[derive(Clone, Copy, Debug)]
pub struct FieldSpec {
    /// Field name, as in the account and the IDL.
    pub name: &'static str,
    /// Which way it tightens.
    pub dir: Dir,
    /// Whether the factor-of-2 step rule applies (not to keys or enums).
    pub stepped: bool,
}

impl FieldSpec {
    /// A numeric field under the step rule.
    pub const fn stepped(name: &'static str, dir: Dir) -> FieldSpec {
        FieldSpec { name, dir, stepped: true }
    }

    /// Whether the field is a kind of change that only `queue_change` makes
    /// (a settlement price, an insurance withdrawal).
    pub fn is_queued_only(&self) -> bool {
        matches!(self.name, "settlement_price" | "insurance_withdrawal" | "fee_withdrawal")
    }
}

/// The market parameters, defined once. Each listed row is a field of
/// [`MarketParams`] (embedded in `Market`) and of `AddMarketParams` (in this
/// order, which is the account layout and the instruction's wire order),
/// with its governance code, its bounds (which may name other fields of the
/// parameters `p`, checked in this order) and the direction in which a
/// change tightens. The rows generate both structs, `AddMarketParams`'s
/// `of`, `validate` and `params`, the governance getters and setters
/// `market_get` / `market_set_raw`, and [`MARKET_FIELDS`]. The governed
/// rows are `Market` fields that governance changes but a listing does not
/// set.
macro_rules! market_params {
    (
        $p:ident;
        listed { $( $(#[doc = $doc:literal])* $code:literal $name:ident: $ty:ident, [$lo:expr, $hi:expr], $dir:ident; )* }
        governed { $( $gcode:literal $gname:ident, $gdir:ident, stepped: $gstep:literal; )* }
    ) => {
        /// A market's risk parameters, as its account stores them.
        #[zero_copy]
        #[repr(C)]
        #[derive(Debug, PartialEq, Eq)]
        pub struct MarketParams {
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        /// Risk parameters of a new market. Every field is bounds-checked,
        /// plus the cross-field rules `fee < MMR < IMR <= 100 %` and
        /// `base spread <= max spread`.
        #[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug, PartialEq, Eq)]
        pub struct AddMarketParams {
            /// Symbol, 1-16 bytes of A-Z 0-9 / - _.
            pub symbol: String,
            $( $(#[doc = $doc])* pub $name: $ty, )*
        }

        impl AddMarketParams {
            /// The parameters a market holds now (to re-validate it after a
            /// change).
            pub fn of(m: &Market) -> AddMarketParams {
                AddMarketParams { symbol: m.symbol_str().to_string(), $( $name: m.params.$name, )* }
            }

            /// Check every bound and cross-field rule; returns the padded
            /// symbol.
            pub fn validate(&self) -> Result<[u8; 16]> {
                let symbol =
                    oracle_adapter::constants::parse_symbol(&self.symbol).ok_or(EngineError::InvalidSymbol)?;
                match self.violation() {
                    Some(v) => Err(v.refuse()),
                    None => Ok(symbol),
                }
            }

            /// The first bound or cross-field rule these parameters break,
            /// in the table's order (what `validate` refuses).
            pub fn violation(&self) -> Option<Violation> {
                let $p = self;
                $(
                    let bounds: (u64, u64) = ($lo, $hi);
                    if let Some(v) = Violation::of(stringify!($name), $p.$name.into(), bounds, concat!($($doc),*)) {
                        return Some(v);
                    }
                )*
                None
            }

            /// The parameters as a market stores them.
            pub fn params(&self) -> MarketParams {
                MarketParams { $( $name: self.$name, )* }
            }
        }

        /// Read market field `field` as a `u64`.
        pub fn market_get(m: &Market, field: u8) -> Result<u64> {
            match field {
                $( $code => Ok(m.params.$name as u64), )*
                $( $gcode => Ok(m.$gname as u64), )*
                _ => err!(EngineError::UnknownField),
            }
        }

        /// Write market field `field` (range-checked against the field's own
        /// type; the caller re-validates the whole market).
        pub fn market_set_raw(m: &mut Market, field: u8, v: u64) -> Result<()> {
            match field {
                $( $code => m.params.$name = v.try_into().map_err(|_| error!(EngineError::ParamOutOfBounds))?, )*
                $( $gcode => m.$gname = v.try_into().map_err(|_| error!(EngineError::ParamOutOfBounds))?, )*
                _ => return err!(EngineError::UnknownField),
            }
            Ok(())
        }

        /// Every market field governance can change, by code (the codes
        /// are the table's), then the queued-only settlement price.
        pub const MARKET_FIELDS: [FieldSpec; MARKET_FIELD_COUNT] = {
            let none = FieldSpec { name: "", dir: Dir::Timelocked, stepped: false };
            let mut out = [none; MARKET_FIELD_COUNT];
            $(
                assert!(out[$code].name.is_empty(), "market field codes are unique");
                out[$code] = FieldSpec::stepped(stringify!($name), Dir::$dir);
            )*
            $(
                assert!(out[$gcode].name.is_empty(), "market field codes are unique");
                out[$gcode] = FieldSpec { name: stringify!($gname), dir: Dir::$gdir, stepped: $gstep };
            )*
            // Queued only: settles the market at `value` (the timelocked
            // path of `emergency_settle` for a price outside the band).
            assert!(out[SETTLE_FIELD as usize].name.is_empty(), "market field codes are unique");
            out[SETTLE_FIELD as usize] = FieldSpec { name: "settlement_price", dir: Dir::Timelocked, stepped: false };
            let mut i = 0;
            while i < MARKET_FIELD_COUNT {
                assert!(!out[i].name.is_empty(), "every market field code is defined");
                i += 1;
            }
            out
        };
    };
}

/// How many market field codes there are.
pub const MARKET_FIELD_COUNT: usize = 38;
/// Market field code of `settlement_price` (queued emergency settlement).
pub const SETTLE_FIELD: u8 = 26;
/// 100 %, in bps.
const ALL: u64 = BPS_DENOMINATOR;

market_params! {
    p;
    listed {
        /// Initial margin ratio, bps. Bounds (mmr, 10000].
        0 imr_bps: u32, [u64::from(p.mmr_bps) + 1, ALL], Up;
        /// Maintenance margin ratio, bps. Bounds [10, 5000]. Raising it can
        /// make a healthy position liquidatable at once (and lowers the IMR
        /// that scales with imr/mmr): timelocked. An emergency raise goes
        /// through the guardian's bounded, expiring margin multiplier.
        1 mmr_bps: u32, [10, 5_000], Timelocked;
        /// Confidence multiplier k, bps. Bounds [0, 50000].
        2 conf_mult_bps: u32, [0, 50_000], Timelocked;
        /// Size premium factor, bps. Bounds [0, 10000].
        3 size_factor_bps: u32, [0, ALL], Timelocked;
        /// Trading fee, bps. Bounds [0, 100] and < mmr.
        4 fee_bps: u32, [0, 100.min(u64::from(p.mmr_bps).saturating_sub(1))], Timelocked;
        /// Base spread, bps. Bounds [0, 500].
        5 base_spread_bps: u32, [0, 500], Timelocked;
        /// Spread multiplier on conf/price, bps. Bounds [0, 50000].
        6 conf_spread_mult_bps: u32, [0, 50_000], Timelocked;
        /// Spread at full pool skew, bps. Bounds [0, 1000].
        7 skew_spread_bps: u32, [0, 1_000], Timelocked;
        /// Spread cap, bps. Bounds [base spread, 2000].
        8 max_spread_bps: u32, [p.base_spread_bps.into(), 2_000], Timelocked;
        /// Maintenance ceiling of the dynamic ratio, bps. Bounds [mmr, 10000 * mmr / imr]
        /// (so the initial ratio never passes 100 %).
        10 max_mmr_bps: u32, [p.mmr_bps.into(), u64::from(p.mmr_bps) * ALL / u64::from(p.imr_bps).max(1)], Up;
        /// Volatility at which the multiplier is 1, annualised bps. Bounds [100, 100000].
        11 reference_vol_bps: u32, [100, 100_000], Down;
        /// Cap of the volatility multiplier, bps. Bounds [10000, 100000].
        12 vol_cap_bps: u32, [ALL, 100_000], Up;
        /// Margin add-on per bps of conf/price, bps. Bounds [0, 50000].
        13 conf_margin_mult_bps: u32, [0, 50_000], Up;
        /// Phase-in step per slot, bps of multiplier. Bounds [1, 10000].
        14 step_bps_per_slot: u32, [1, ALL], Up;
        /// Slots after the last rise before maintenance may fall. Bounds [0, 1000000].
        15 cooldown_slots: u64, [0, 1_000_000], Up;
        /// Liquidation penalty on closed notional, bps. Bounds [1, mmr - 1].
        16 liq_fee_bps: u32, [1, u64::from(p.mmr_bps).saturating_sub(1)], Timelocked;
        /// Keeper's share of the penalty, bps. Bounds [0, 10000].
        17 keeper_share_bps: u32, [0, ALL], Timelocked;
        /// Most of a position one liquidation may close, bps. Bounds [100, 10000].
        18 max_liq_fraction_bps: u32, [100, ALL], Timelocked;
        /// Health restored above zero, as a share of the maintenance requirement, bps. Bounds [0, 5000].
        19 liq_buffer_bps: u32, [0, 5_000], Timelocked;
        /// Notional below which a position is closed whole. Bounds [0, 10^12].
        20 dust_notional: u64, [0, 1_000_000_000_000], Timelocked;
        /// Notional liquidatable per window. Bounds [1, 10^18].
        21 throttle_cap: u64, [1, 1_000_000_000_000_000_000], Timelocked;
        /// Throttle window, slots. Bounds [1, 1000000].
        22 throttle_window_slots: u64, [1, 1_000_000], Timelocked;
        /// Slots a breaker trip holds the market reduce-only. Bounds [1, 1000000].
        24 breaker_cooldown_slots: u64, [1, 1_000_000], Up;
        /// Price band around the EMA, bps; outside it the breaker trips. Bounds [50, 5000].
        23 band_bps: u32, [50, 5_000], Down;
        /// Slots after a feed confirms a jump during which gains in the
        /// market are valued at the price the jump started from, not
        /// above it for a long (below it for a short): closes realise them
        /// there, and neither new risk nor withdrawals count more. 0: off.
        /// Bounds [0, 9000] (the feed keeps a jump's anchor that long).
        27 gain_vest_slots: u32, [0, 9_000], Up;
        /// Funding rate when the traders' net notional equals the pool's
        /// NAV, ppm per hour (the heavy side pays; 0: no funding). Bounds [0, 10000].
        28 funding_factor_ppm: u32, [0, 10_000], Timelocked;
        /// Cap of the funding rate, ppm per hour. Bounds [0, 10000].
        29 max_funding_ppm: u32, [0, 10_000], Timelocked;
        /// Borrow fee at zero utilisation, ppm of notional per hour. Bounds [0, 1000].
        30 borrow_base_ppm: u32, [0, 1_000], Timelocked;
        /// Borrow fee added up to the kink, ppm per hour. Bounds [0, 10000].
        31 borrow_slope_ppm: u32, [0, 10_000], Timelocked;
        /// Utilisation (pool requirement over NAV) of the kink, bps. Bounds [1000, 10000].
        32 borrow_kink_bps: u32, [1_000, ALL], Timelocked;
        /// Borrow fee added from the kink to full utilisation, ppm per hour. Bounds [0, 100000].
        33 borrow_jump_ppm: u32, [0, 100_000], Timelocked;
        /// Exponent of the traders' net notional in the price impact. Bounds [1, 3].
        34 impact_exponent: u32, [1, 3], Timelocked;
        /// Impact charged on a fill that grows the imbalance, bps of
        /// `|net|^e / depth^(e-1)`. Bounds [0, 1000].
        35 impact_factor_bps: u32, [0, 1_000], Timelocked;
        /// Impact rebated (from the impact pool) on a fill that shrinks it,
        /// bps. Bounds [0, impact factor].
        36 impact_rebate_bps: u32, [0, p.impact_factor_bps.into()], Timelocked;
        /// Cap of the marginal impact, bps of notional (past the imbalance
        /// where the convex charge's slope reaches it, impact is linear). Bounds [0, 2000].
        37 max_impact_bps: u32, [0, 2_000], Timelocked;
    }
    governed {
        9 oi_cap, Down, stepped: true;
        25 status, Up, stepped: false;
    }
}

const _: () = assert!(core::mem::size_of::<MarketParams>() == 160);

/// One change, as proposed.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamChange {
    /// A market index, or `EXCHANGE_TARGET` (65535).
    pub target: u16,
    /// Field code (`MARKET_FIELDS` / `EXCHANGE_FIELDS` order).
    pub field: u8,
    /// New value (numeric fields; the amount of an insurance withdrawal;
    /// the price of a queued settlement).
    pub value: u64,
    /// New key (the `guardian` and `governance` fields; the destination of
    /// an insurance withdrawal).
    pub key: Pubkey,
}

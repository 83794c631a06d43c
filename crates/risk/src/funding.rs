//! What the pool charges for the risk it carries: funding from the
//! traders' skew, a borrow fee on open interest that rises with the pool's
//! utilisation, and the shares every fee is routed to.
//!
//! Both charges accrue into per-market cumulative indexes and settle lazily
//! into each position on touch (`payment`), Drift- and GMX-style:
//! - **Funding** (signed index `F`): a long of `b` base pays
//!   `(F - F₀)·b`, a short receives it. The heavy side pays; the pool,
//!   which holds the net of the two sides, receives exactly what the sides
//!   pay net: `ΔF·(L - S)`. The light side receives at the same rate per
//!   unit, so traders and pool sum to zero.
//! - **Borrow** (index `B`, never falls): every position pays
//!   `(B - B₀)·|b|`, to the pool and the fee routing.
//!
//! Index precision: [`INDEX_PRECISION`] per unit of price, i.e. an index
//! times a base amount over `NOTIONAL_DIVISOR * INDEX_PRECISION` is a quote
//! amount. Rates are per hour in parts per million ([`RATE_PRECISION`]).

use crate::math::{mul_div_ceil, MathError, SafeMath};
use crate::precision::{BPS_DENOMINATOR, NOTIONAL_DIVISOR};

/// Slots per hour at the nominal 400 ms slot.
pub const SLOTS_PER_HOUR: u64 = 9_000;
/// precision: 10^6. Rates are parts per million per hour.
pub const RATE_PRECISION: i128 = 1_000_000;
/// precision: 10^6 of PRICE_PRECISION. An index accrues `rate_ppm · price`
/// per hour, so it is a price scaled by `RATE_PRECISION`.
pub const INDEX_PRECISION: i128 = RATE_PRECISION;

/// Funding parameters of a market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FundingParams {
    /// Rate when the traders' net notional equals the pool's NAV, ppm per hour.
    pub factor_ppm: u32,
    /// Cap of the rate's magnitude, ppm per hour.
    pub max_ppm: u32,
}

/// Borrow-fee parameters of a market: a rate with a kink in utilisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BorrowParams {
    /// Rate at zero utilisation, ppm per hour.
    pub base_ppm: u32,
    /// Added linearly up to the kink, ppm per hour.
    pub slope_ppm: u32,
    /// The kink, bps of utilisation (> 0).
    pub kink_bps: u32,
    /// Added linearly from the kink to 100 %, ppm per hour (the jump).
    pub jump_ppm: u32,
}

/// The funding rate, ppm per hour: `factor · skew / nav`, clamped to
/// `±max`. `skew` is the traders' net notional (longs minus shorts, signed;
/// the pool holds its negation), `nav` the pool's NAV; a positive rate is
/// paid by longs. Rounded away from zero (the heavy side never pays less);
/// with no NAV any skew pays the cap.
pub fn funding_rate_ppm(p: &FundingParams, skew: i128, nav: u64) -> Result<i64, MathError> {
    let max = p.max_ppm as u128;
    let magnitude = if skew == 0 {
        0
    } else if nav == 0 {
        max
    } else {
        mul_div_ceil(skew.unsigned_abs(), p.factor_ppm as u128, nav as u128)?.min(max)
    };
    let m = i64::try_from(magnitude)?;
    Ok(if skew < 0 { -m } else { m })
}

/// Utilisation of the pool, bps: its requirement over its NAV, rounded up
/// and capped at 100 % (a pool with a requirement and no NAV is full).
pub fn utilisation_bps(requirement: u128, nav: u64) -> Result<u64, MathError> {
    if requirement == 0 {
        return Ok(0);
    }
    if nav == 0 {
        return Ok(BPS_DENOMINATOR);
    }
    Ok(mul_div_ceil(requirement, BPS_DENOMINATOR as u128, nav as u128)?.min(BPS_DENOMINATOR as u128) as u64)
}

/// The borrow rate at `util_bps`, ppm per hour, rounded up: `base` plus
/// `slope` pro rata up to the kink, plus `jump` pro rata above it.
/// Monotone in utilisation.
pub fn borrow_rate_ppm(p: &BorrowParams, util_bps: u64) -> Result<u64, MathError> {
    let u = util_bps.min(BPS_DENOMINATOR) as u128;
    let kink = (p.kink_bps as u128).clamp(1, BPS_DENOMINATOR as u128);
    let below = mul_div_ceil(u.min(kink), p.slope_ppm as u128, kink)?;
    let above = if u > kink && kink < BPS_DENOMINATOR as u128 {
        mul_div_ceil(u - kink, p.jump_ppm as u128, BPS_DENOMINATOR as u128 - kink)?
    } else {
        0
    };
    Ok(u64::try_from((p.base_ppm as u128).safe_add(below)?.safe_add(above)?)?)
}

/// What an index accrues at `rate_ppm` (signed) over `slots` at `price`:
/// `rate · price · slots / SLOTS_PER_HOUR`, truncated toward zero (both
/// sides of a funding index read the same truncated value, so truncation
/// moves nothing between them). precision: INDEX_PRECISION per price unit.
pub fn index_delta(rate_ppm: i64, price: i64, slots: u64) -> Result<i128, MathError> {
    if price <= 0 {
        return Ok(0);
    }
    (rate_ppm as i128).safe_mul(price as i128)?.safe_mul(slots as i128)?.safe_div(SLOTS_PER_HOUR as i128)
}

/// What a position of `base` pays for an index move of `delta` (negative:
/// receives), a quote amount: `delta · base / (NOTIONAL_DIVISOR ·
/// INDEX_PRECISION)` rounded up, so a payer pays at least its share and a
/// receiver gets at most its share: rounding never favours a trader.
pub fn payment(delta: i128, base: i64) -> Result<i64, MathError> {
    let raw = delta.safe_mul(base as i128)?;
    let d = NOTIONAL_DIVISOR.safe_mul(INDEX_PRECISION)?;
    let q = raw.div_euclid(d);
    let q = if raw.rem_euclid(d) != 0 { q.safe_add(1)? } else { q };
    Ok(i64::try_from(q)?)
}

/// An aggregate of index-times-base products (a market's pending funding or
/// borrow) as a quote amount, rounded down (toward minus infinity): what
/// the pool may count as its own.
pub fn pending_quote(raw: i128) -> Result<i64, MathError> {
    Ok(i64::try_from(raw.div_euclid(NOTIONAL_DIVISOR.safe_mul(INDEX_PRECISION)?))?)
}

/// How one fee is routed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeeSplit {
    /// To the LP pool (its balance, so its NAV). precision: QUOTE_PRECISION.
    pub lp: u64,
    /// To the insurance fund. precision: QUOTE_PRECISION.
    pub insurance: u64,
    /// To the protocol (withdrawn by governance behind the timelock): the rest.
    /// precision: QUOTE_PRECISION.
    pub protocol: u64,
}

/// Split `fee` by shares in bps (`lp_bps + insurance_bps <= 10_000`): the LP
/// and insurance shares rounded down, the protocol takes the rest, so the
/// parts always add up to the fee.
pub fn split_fee(fee: u64, lp_bps: u32, insurance_bps: u32) -> Result<FeeSplit, MathError> {
    let bps = BPS_DENOMINATOR as u128;
    let lp = (fee as u128).safe_mul((lp_bps as u128).min(bps))? / bps;
    let insurance = ((fee as u128).safe_mul((insurance_bps as u128).min(bps))? / bps).min(fee as u128 - lp);
    let (lp, insurance) = (lp as u64, insurance as u64);
    Ok(FeeSplit { lp, insurance, protocol: fee - lp - insurance })
}

#[cfg(test)]
#[path = "funding_tests.rs"]
mod tests;

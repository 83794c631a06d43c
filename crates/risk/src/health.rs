//! Account health: equity against the initial and maintenance requirements.
//!
//! Prices are biased by confidence against the trader: a long is valued at
//! `p - k*conf` (negative if the confidence exceeds the price: the formula
//! stays linear, so health stays monotone), a short at `p + k*conf`, and requirements
//! use the larger notional at `p + k*conf` for both sides (`k` =
//! `conf_mult_bps / 10_000`).
//!
//! Health of one position for a ratio `r` (bps) is
//! `quote + floor((base * p_biased * 10^4 - |base| * p_req * r) / (10^12 * 10^4))`:
//! one floor over the whole expression, so health rounds against the trader
//! and is exactly monotone in price (up for longs, down for shorts) whenever
//! `r <= 100 %`. Account health is collateral plus the sum over positions.
//! `equity` and the requirements are also reported on their own (equity
//! rounded down, requirements rounded up) for display and liquidation sizing.

use crate::math::{MathError, SafeMath};
use crate::position::Position;
use crate::precision::{BPS_DENOMINATOR, NOTIONAL_DIVISOR};

/// Margin ratios of a market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MarginRatios {
    /// Initial margin ratio, bps. Gates new risk.
    pub imr_bps: u32,
    /// Maintenance margin ratio, bps. Gates liquidation.
    pub mmr_bps: u32,
}

/// A position with the market data its health needs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PositionRisk {
    /// The position.
    pub position: Position,
    /// Oracle price. precision: PRICE_PRECISION.
    pub price: i64,
    /// Oracle confidence. precision: PRICE_PRECISION.
    pub conf: u64,
    /// Confidence multiplier `k`, bps (10_000 = 1.0).
    pub conf_mult_bps: u32,
    /// The market's margin ratios.
    pub ratios: MarginRatios,
}

/// Health of an account. precision: QUOTE_PRECISION throughout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Health {
    /// Collateral plus position values at biased prices, rounded down.
    pub equity: i128,
    /// Sum of initial requirements, rounded up.
    pub initial_requirement: u128,
    /// Sum of maintenance requirements, rounded up.
    pub maintenance_requirement: u128,
    /// Initial health (>= 0 required after any risk-increasing action).
    pub initial: i128,
    /// Maintenance health (< 0 makes the account liquidatable).
    pub maintenance: i128,
}

/// `k * conf`, rounded up. precision: PRICE_PRECISION.
fn conf_adjustment(conf: u64, conf_mult_bps: u32) -> Result<u128, MathError> {
    Ok((conf as u128).safe_mul(conf_mult_bps as u128)?.div_ceil(BPS_DENOMINATOR as u128))
}

/// The price a position is valued at: `p - k*conf` for longs (negative when
/// the confidence exceeds the price), `p + k*conf` for shorts.
/// precision: PRICE_PRECISION.
pub fn biased_price(base: i64, price: i64, conf: u64, conf_mult_bps: u32) -> Result<i64, MathError> {
    let adj = i128::try_from(conf_adjustment(conf, conf_mult_bps)?)?;
    let p = price.max(0) as i128;
    let biased = if base >= 0 { p.safe_sub(adj)? } else { p.safe_add(adj)? };
    Ok(i64::try_from(biased)?)
}

/// The price requirements use: `p + k*conf`. precision: PRICE_PRECISION.
pub fn requirement_price(price: i64, conf: u64, conf_mult_bps: u32) -> Result<u128, MathError> {
    (price.max(0) as u128).safe_add(conf_adjustment(conf, conf_mult_bps)?)
}

/// Requirement of `|base|` at ratio `ratio_bps`, rounded up.
/// precision: QUOTE_PRECISION.
pub fn requirement(base: i64, price: i64, conf: u64, conf_mult_bps: u32, ratio_bps: u32) -> Result<u128, MathError> {
    let num = (base.unsigned_abs() as u128)
        .safe_mul(requirement_price(price, conf, conf_mult_bps)?)?
        .safe_mul(ratio_bps as u128)?;
    Ok(num.div_ceil(NOTIONAL_DIVISOR as u128 * BPS_DENOMINATOR as u128))
}

/// Value of a position at its biased price, rounded down.
/// precision: QUOTE_PRECISION.
pub fn biased_value(p: &PositionRisk) -> Result<i128, MathError> {
    let biased = biased_price(p.position.base, p.price, p.conf, p.conf_mult_bps)?;
    let v = (p.position.base as i128).safe_mul(biased as i128)?;
    v.div_euclid(NOTIONAL_DIVISOR).safe_add(p.position.quote as i128)
}

/// Health contribution of one position at ratio `ratio_bps` (one floor).
pub fn position_health(p: &PositionRisk, ratio_bps: u32) -> Result<i128, MathError> {
    let base = p.position.base;
    let biased = biased_price(base, p.price, p.conf, p.conf_mult_bps)? as i128;
    let value = (base as i128).safe_mul(biased)?.safe_mul(BPS_DENOMINATOR as i128)?;
    let req_price = i128::try_from(requirement_price(p.price, p.conf, p.conf_mult_bps)?)?;
    let req = (base.unsigned_abs() as i128).safe_mul(req_price)?.safe_mul(ratio_bps as i128)?;
    let scaled = value.safe_sub(req)?.div_euclid(NOTIONAL_DIVISOR * BPS_DENOMINATOR as i128);
    scaled.safe_add(p.position.quote as i128)
}

/// Health of an account with `collateral` (precision QUOTE_PRECISION) and
/// `positions`.
pub fn health(collateral: i64, positions: &[PositionRisk]) -> Result<Health, MathError> {
    let mut h = Health {
        equity: collateral as i128,
        initial: collateral as i128,
        maintenance: collateral as i128,
        ..Health::default()
    };
    for p in positions {
        let (base, r) = (p.position.base, p.ratios);
        h.equity = h.equity.safe_add(biased_value(p)?)?;
        h.initial_requirement =
            h.initial_requirement.safe_add(requirement(base, p.price, p.conf, p.conf_mult_bps, r.imr_bps)?)?;
        h.maintenance_requirement =
            h.maintenance_requirement.safe_add(requirement(base, p.price, p.conf, p.conf_mult_bps, r.mmr_bps)?)?;
        h.initial = h.initial.safe_add(position_health(p, r.imr_bps)?)?;
        h.maintenance = h.maintenance.safe_add(position_health(p, r.mmr_bps)?)?;
    }
    Ok(h)
}

#[cfg(test)]
#[path = "health_tests.rs"]
mod tests;

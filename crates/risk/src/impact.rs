//! Convex price impact on the traders' net open interest (the pool's
//! imbalance), after GMX v2's: a fill that moves the traders' net notional
//! from `s0` to `s1` pays `factor · (g(|s1|) - g(|s0|))` when the imbalance
//! grows, and earns `rebate_factor · (g(|s0|) - g(|s1|))` when it shrinks,
//! where `g(x) = x^e / depth^(e-1)` is convex for `e >= 1`. A fill that
//! takes the imbalance across zero earns the rebate for bringing it to zero
//! and pays the charge for the rest. The rebate factor is at most the
//! charge factor, so a round trip never earns, and a rebate is paid only
//! from the impact pool the charges fund ([`rebate_paid`]).
//!
//! Because `g` is convex, one large order pays more than the same size
//! spread over calmer moments, and a series of small orders in one
//! direction pays at least what the single order would.

use crate::math::{mul_div_ceil, mul_div_floor, MathError};
use crate::precision::BPS_DENOMINATOR;

/// Impact parameters of a market.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImpactParams {
    /// Exponent `e` of the imbalance, 1 to 3.
    pub exponent: u32,
    /// Charge factor on a growing imbalance, bps of `g`.
    pub factor_bps: u32,
    /// Rebate factor on a shrinking imbalance, bps of `g` (at most `factor_bps`).
    pub rebate_bps: u32,
    /// Cap of a fill's charge, and of its rebate, bps of its notional.
    pub max_bps: u32,
}

/// What one fill's impact is, before the impact pool's cap on the rebate.
/// precision: QUOTE_PRECISION.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Impact {
    /// Charged to the trader (rounded up).
    pub charge: u64,
    /// Earned by the trader (rounded down), before the impact pool's cap.
    pub rebate: u64,
}

/// `g(x) = x^e / depth^(e-1)`, a quote amount, rounded down or up at each
/// step; saturates at `u64::MAX` (the caps then bind). `depth` 0 counts as 1.
fn g(x: u128, depth: u64, exponent: u32, up: bool) -> u128 {
    let d = depth.max(1) as u128;
    let mut t = x;
    for _ in 1..exponent.clamp(1, 3) {
        let next = if up { mul_div_ceil(t, x, d) } else { mul_div_floor(t, x, d) };
        t = match next {
            Ok(v) => v.min(u64::MAX as u128),
            Err(_) => u64::MAX as u128,
        };
    }
    t.min(u64::MAX as u128)
}

fn bps_of(v: u128, bps: u32, up: bool) -> Result<u64, MathError> {
    let r = if up {
        mul_div_ceil(v, bps as u128, BPS_DENOMINATOR as u128)?
    } else {
        mul_div_floor(v, bps as u128, BPS_DENOMINATOR as u128)?
    };
    Ok(r.min(u64::MAX as u128) as u64)
}

/// The impact of a fill of `notional` moving the traders' net notional
/// from `s0` to `s1` (signed quote amounts, longs positive) against a pool
/// of `depth`. Charges round up, rebates down; each is capped at
/// `max_bps` of the fill's notional, the rebate at the same cap as the
/// charge, so the leg of a round trip that earns can never earn more than
/// the other leg paid.
pub fn impact(p: &ImpactParams, s0: i128, s1: i128, depth: u64, notional: u64) -> Result<Impact, MathError> {
    let (a0, a1) = (s0.unsigned_abs(), s1.unsigned_abs());
    let e = p.exponent;
    let crosses = (s0 > 0 && s1 < 0) || (s0 < 0 && s1 > 0);
    let rebate_bps = p.rebate_bps.min(p.factor_bps);
    let cap = bps_of(notional as u128, p.max_bps, false)?;
    let (charge, rebate) = if crosses {
        (bps_of(g(a1, depth, e, true), p.factor_bps, true)?, bps_of(g(a0, depth, e, false), rebate_bps, false)?)
    } else if a1 >= a0 {
        let grown = g(a1, depth, e, true).saturating_sub(g(a0, depth, e, false));
        (bps_of(grown, p.factor_bps, true)?, 0)
    } else {
        let shrunk = g(a0, depth, e, false).saturating_sub(g(a1, depth, e, true));
        (0, bps_of(shrunk, rebate_bps, false)?)
    };
    Ok(Impact { charge: charge.min(cap), rebate: rebate.min(cap) })
}

/// The rebate actually paid: never more than the impact pool holds
/// before the fill (a fill's own charge, which may yet be waived, never
/// funds its rebate).
pub fn rebate_paid(rebate: u64, impact_pool: u64) -> u64 {
    rebate.min(impact_pool)
}

#[cfg(test)]
#[path = "impact_tests.rs"]
mod tests;

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
//! The charge is the rise of one convex potential (`factor · g`, linear at
//! `max_bps` of notional past the imbalance where its slope reaches that),
//! so one large order pays more than the same size spread over calmer
//! moments, and a series of small orders in one direction pays what the
//! single order would: the path does not matter. (A first version capped
//! each fill's charge instead; the audit showed many small capped fills
//! paid less than one large uncapped rebate returned.) The depth is the
//! pool's NAV at its last valuation: a round trip at two depths can differ.

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
    /// Cap of the marginal impact, bps of notional: past the imbalance
    /// where the convex charge's slope reaches it, impact grows linearly.
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
/// step; saturates at `u64::MAX`. `depth` 0 counts as 1.
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

fn bps_of(v: u128, bps: u32, up: bool) -> Result<u128, MathError> {
    if up {
        mul_div_ceil(v, bps as u128, BPS_DENOMINATOR as u128)
    } else {
        mul_div_floor(v, bps as u128, BPS_DENOMINATOR as u128)
    }
}

/// Where the convex charge's slope `factor · g'(x)` reaches `max_bps`:
/// past it, impact grows linearly at `max_bps` of notional. `None`: never
/// (a linear impact at most the cap, or no factor).
fn knee(p: &ImpactParams, depth: u64) -> Option<u128> {
    let (f, c, d) = (p.factor_bps as u128, p.max_bps as u128, depth.max(1) as u128);
    if f == 0 {
        return None;
    }
    match p.exponent.clamp(1, 3) {
        1 => (f > c).then_some(0),
        // 2x/D · f = c
        2 => Some(c.saturating_mul(d) / (2 * f)),
        // 3x²/D² · f = c
        _ => Some(crate::math::isqrt(d.saturating_mul(d).saturating_mul(c) / (3 * f))),
    }
}

/// The impact potential of an imbalance of `x` (quote units): `factor ·
/// g(x)` up to the knee, then linear at `max_bps` of notional. Convex, so
/// a fill from `a` to `b` pays `h(b) - h(a)` however it is split.
fn potential(p: &ImpactParams, x: u128, depth: u64, up: bool) -> Result<u128, MathError> {
    match knee(p, depth) {
        Some(k) if x > k => {
            let at_knee = bps_of(g(k, depth, p.exponent, up), p.factor_bps, up)?;
            Ok(at_knee.saturating_add(bps_of(x - k, p.max_bps, up)?))
        }
        _ => bps_of(g(x, depth, p.exponent, up), p.factor_bps, up),
    }
}

/// The impact of moving the traders' net notional from `s0` to `s1`
/// (signed quote amounts, longs positive) against a pool of `depth`: the
/// potential's rise is charged (rounded up), its fall rebated at
/// `rebate_bps / factor_bps` of it (rounded down). A fill across zero
/// earns the rebate to zero and pays the charge beyond. Path-independent:
/// splitting an order changes nothing (to rounding), and a round trip at
/// one depth never earns.
pub fn impact(p: &ImpactParams, s0: i128, s1: i128, depth: u64) -> Result<Impact, MathError> {
    let (a0, a1) = (s0.unsigned_abs(), s1.unsigned_abs());
    let crosses = (s0 > 0 && s1 < 0) || (s0 < 0 && s1 > 0);
    let h = |x: u128, up: bool| potential(p, x, depth, up);
    let rebate_of = |fall: u128| -> Result<u128, MathError> {
        if p.factor_bps == 0 {
            return Ok(0);
        }
        mul_div_floor(fall, p.rebate_bps.min(p.factor_bps) as u128, p.factor_bps as u128)
    };
    let (charge, rebate) = if crosses {
        (h(a1, true)?, rebate_of(h(a0, false)?)?)
    } else if a1 >= a0 {
        (h(a1, true)?.saturating_sub(h(a0, false)?), 0)
    } else {
        (0, rebate_of(h(a0, false)?.saturating_sub(h(a1, true)?))?)
    };
    let cap = |v: u128| v.min(u64::MAX as u128) as u64;
    Ok(Impact { charge: cap(charge), rebate: cap(rebate) })
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

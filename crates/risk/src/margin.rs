//! Dynamic margin: ratios that rise with volatility, size, confidence and
//! network stress, and a maintenance phase-in that keeps a volatility spike
//! from liquidating, in one slot, positions that were healthy a slot earlier.
//!
//! ```text
//! vol_mult  = clamp(realised_vol / reference_vol, 1, vol_cap)
//! mmr       = clamp(base_mmr * vol_mult * stress_mult
//!                   + size_factor * sqrt(|notional| in dollars) / 100
//!                   + conf_margin_mult * conf / price,
//!                   base_mmr, max_mmr)
//! imr       = mmr * base_imr / base_mmr          (so IMR >= MMR always)
//! ```
//!
//! Every term rounds up (requirements never round down). With volatility at
//! or below the reference, no stress, zero size factor and zero confidence
//! add-on, `mmr == base_mmr` and `imr == base_imr`: the static ratios.
//!
//! **Phase-in.** New risk (IMR) pays the target at once. Maintenance uses an
//! effective multiplier (bps of base MMR) that rises toward the target by at
//! most `step_bps_per_slot` per elapsed slot, and falls (by the same step)
//! only once `cooldown_slots` have passed since it last rose.
//!
//! The multiplier is at least 1x, except just after governance raised the
//! base ratio: the engine then rescales it (below 1x) so `base * mult` is
//! unchanged, and the raise phases in at the same step. A stored 0 reads
//! as 1x.

use crate::math::{isqrt, MathError, SafeMath};
use crate::precision::{BPS_DENOMINATOR, QUOTE_PRECISION};

/// A multiplier of 1x in bps: one whole [`BPS_DENOMINATOR`], as the `u32`
/// that multiplier fields hold.
pub const MULT_ONE: u32 = BPS_DENOMINATOR as u32;

/// Dynamic-margin parameters of a market (all bps unless stated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DynamicParams {
    /// Static maintenance ratio.
    pub base_mmr_bps: u32,
    /// Static initial ratio (> base MMR).
    pub base_imr_bps: u32,
    /// Maintenance ceiling.
    pub max_mmr_bps: u32,
    /// Volatility at which the multiplier is 1, annualised bps.
    pub reference_vol_bps: u32,
    /// Cap of the volatility multiplier (>= 10_000).
    pub vol_cap_bps: u32,
    /// Size premium: bps per sqrt(dollar) / 100.
    pub size_factor_bps: u32,
    /// Add-on per bps of conf/price (10_000 = 1:1).
    pub conf_margin_mult_bps: u32,
}

/// What the ratio depends on at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarginInputs {
    /// Realised volatility, annualised bps (from the feed).
    pub vol_bps: u64,
    /// |notional| of the position. precision: QUOTE_PRECISION.
    pub notional: u64,
    /// Oracle confidence. precision: PRICE_PRECISION.
    pub conf: u64,
    /// Oracle price (> 0). precision: PRICE_PRECISION.
    pub price: i64,
    /// Network-stress multiplier (>= 10_000; 10_000 when calm).
    pub stress_mult_bps: u32,
}

/// Target ratios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ratios {
    /// Maintenance, bps.
    pub mmr_bps: u32,
    /// Initial, bps.
    pub imr_bps: u32,
}

/// `clamp(vol / reference, 1, cap)` in bps, rounded up.
pub fn vol_mult_bps(p: &DynamicParams, vol_bps: u64) -> Result<u32, MathError> {
    let reference = p.reference_vol_bps.max(1) as u128;
    let m = (vol_bps as u128).safe_mul(MULT_ONE as u128)?.div_ceil(reference);
    Ok(m.clamp(MULT_ONE as u128, p.vol_cap_bps.max(MULT_ONE) as u128) as u32)
}

/// The market-wide part of the maintenance target (volatility, stress and
/// confidence; no size), bps, rounded up and clamped to `[base_mmr, max_mmr]`.
/// This is the part that phases in.
pub fn market_mmr_bps(p: &DynamicParams, i: &MarginInputs) -> Result<u32, MathError> {
    if i.price <= 0 {
        return Err(MathError::DivideByZero);
    }
    let one = MULT_ONE as u128;
    let scaled = (p.base_mmr_bps as u128)
        .safe_mul(vol_mult_bps(p, i.vol_bps)? as u128)?
        .safe_mul(i.stress_mult_bps.max(MULT_ONE) as u128)?
        .div_ceil(one * one);
    let conf_bps = (i.conf as u128).safe_mul(BPS_DENOMINATOR as u128)?.div_ceil(i.price as u128);
    let conf = conf_bps.safe_mul(p.conf_margin_mult_bps as u128)?.div_ceil(one);
    Ok(clamp_mmr(p, scaled.safe_add(conf)?))
}

/// Add the size premium of a position with `notional` (QUOTE_PRECISION) to a
/// market-wide ratio, clamped to `[min(market_mmr, base_mmr), max_mmr]` (a
/// phased ratio below base, while a governance raise phases in, stays below
/// base). The premium applies at once: only the trader's own trades change it.
pub fn with_size_bps(p: &DynamicParams, market_mmr_bps: u32, notional: u64) -> Result<u32, MathError> {
    let dollars = (notional / QUOTE_PRECISION as u64) as u128;
    let size = (p.size_factor_bps as u128).safe_mul(isqrt(dollars))?.div_ceil(100);
    let sum = (market_mmr_bps as u128).safe_add(size)?;
    if market_mmr_bps < p.base_mmr_bps {
        return Ok(sum.min(p.max_mmr_bps.max(p.base_mmr_bps) as u128) as u32);
    }
    Ok(clamp_mmr(p, sum))
}

fn clamp_mmr(p: &DynamicParams, mmr: u128) -> u32 {
    mmr.clamp(p.base_mmr_bps as u128, p.max_mmr_bps.max(p.base_mmr_bps) as u128) as u32
}

/// The maintenance target before phase-in, bps: the market-wide part plus
/// the size premium, rounded up and clamped to `[base_mmr, max_mmr]`.
pub fn target_mmr_bps(p: &DynamicParams, i: &MarginInputs) -> Result<u32, MathError> {
    with_size_bps(p, market_mmr_bps(p, i)?, i.notional)
}

/// What a maintenance target is made of, bps: the static ratio and each
/// term the dynamic model adds, plus a non-positive `cap` that brings the
/// sum down to `max_mmr`. The parts always add up to [`target_mmr_bps`]
/// of the same inputs (the breakdown a preview shows is the ratio charged).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MmrBreakdown {
    /// The static maintenance ratio.
    pub base_bps: u64,
    /// Added by realised volatility above the reference.
    pub volatility_bps: u64,
    /// Added by network stress (and a guardian raise) on top of volatility.
    pub stress_bps: u64,
    /// Added by the oracle's confidence interval.
    pub confidence_bps: u64,
    /// Added by the position's size.
    pub size_bps: u64,
    /// Removed by the `max_mmr` ceiling (<= 0).
    pub cap_bps: i64,
}

impl MmrBreakdown {
    /// The sum of the parts: the target maintenance ratio, bps.
    pub fn total_bps(&self) -> i64 {
        [self.base_bps, self.volatility_bps, self.stress_bps, self.confidence_bps, self.size_bps]
            .iter()
            .map(|&v| v as i64)
            .sum::<i64>()
            + self.cap_bps
    }
}

/// The target maintenance ratio of `i` split into its terms, each rounded
/// as [`target_mmr_bps`] rounds it.
pub fn mmr_breakdown(p: &DynamicParams, i: &MarginInputs) -> Result<MmrBreakdown, MathError> {
    if i.price <= 0 {
        return Err(MathError::DivideByZero);
    }
    let one = MULT_ONE as u128;
    let base = p.base_mmr_bps as u128;
    let with_vol = base.safe_mul(vol_mult_bps(p, i.vol_bps)? as u128)?.div_ceil(one);
    let scaled = base
        .safe_mul(vol_mult_bps(p, i.vol_bps)? as u128)?
        .safe_mul(i.stress_mult_bps.max(MULT_ONE) as u128)?
        .div_ceil(one * one);
    let conf_bps = (i.conf as u128).safe_mul(BPS_DENOMINATOR as u128)?.div_ceil(i.price as u128);
    let conf = conf_bps.safe_mul(p.conf_margin_mult_bps as u128)?.div_ceil(one);
    let dollars = (i.notional / QUOTE_PRECISION as u64) as u128;
    let size = (p.size_factor_bps as u128).safe_mul(isqrt(dollars))?.div_ceil(100);
    let sum = scaled.safe_add(conf)?.safe_add(size)?;
    let total = target_mmr_bps(p, i)? as u128;
    let part = |v: u128| u64::try_from(v);
    Ok(MmrBreakdown {
        base_bps: p.base_mmr_bps as u64,
        volatility_bps: part(with_vol - base)?,
        stress_bps: part(scaled.saturating_sub(with_vol))?,
        confidence_bps: part(conf)?,
        size_bps: part(size)?,
        cap_bps: i64::try_from(total as i128 - sum as i128)?,
    })
}

/// Ratios of one position: IMR from the target at once (new risk pays it
/// immediately), MMR from the phased market-wide ratio; both with the size
/// premium, and IMR never below MMR.
pub fn position_ratios(
    p: &DynamicParams,
    target_market_mmr: u32,
    phased_market_mmr: u32,
    notional: u64,
) -> Result<Ratios, MathError> {
    let mmr = with_size_bps(p, phased_market_mmr, notional)?;
    let imr = imr_for(p, with_size_bps(p, target_market_mmr, notional)?)?;
    Ok(Ratios { mmr_bps: mmr, imr_bps: imr.max(mmr) })
}

/// IMR for a maintenance ratio: `mmr * base_imr / base_mmr`, rounded up.
pub fn imr_for(p: &DynamicParams, mmr_bps: u32) -> Result<u32, MathError> {
    let imr = (mmr_bps as u128).safe_mul(p.base_imr_bps as u128)?.div_ceil(p.base_mmr_bps.max(1) as u128);
    Ok(u32::try_from(imr.max(mmr_bps as u128))?)
}

/// Target ratios (both immediate: IMR gates new risk at once).
pub fn target_ratios(p: &DynamicParams, i: &MarginInputs) -> Result<Ratios, MathError> {
    let mmr = target_mmr_bps(p, i)?;
    Ok(Ratios { mmr_bps: mmr, imr_bps: imr_for(p, mmr)? })
}

/// The phased-in maintenance multiplier of a market (bps of base MMR).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseState {
    /// Effective multiplier, >= 10_000.
    pub mult_bps: u32,
    /// Slot of the last update.
    pub updated_slot: u64,
    /// Slot the multiplier last rose.
    pub last_rise_slot: u64,
    /// The target multiplier seen at the last update, bps (0: none yet).
    pub target_mult_bps: u32,
}

/// Phase-in speed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhaseParams {
    /// Max change per slot, bps of multiplier.
    pub step_bps_per_slot: u32,
    /// Slots after the last rise before the multiplier may fall.
    pub cooldown_slots: u64,
}

/// The most slots between two updates of a market that count toward a
/// target neither had seen (4 s): gaps between writes of an active market
/// (a keeper cranks every slot or two) phase in fully; a longer idle spell
/// does not count.
pub const PHASE_CATCH_UP_SLOTS: u64 = 10;

/// Move `s` toward `target_mult_bps` for the slots elapsed up to `slot`.
/// Never moves more than `step * elapsed`, never overshoots, never below 1.
///
/// A rise is phased from when its target was first seen, not from the last
/// update: the slots elapsed since then count toward the target seen at
/// that update, and beyond it only the last [`PHASE_CATCH_UP_SLOTS`] of
/// them (the new target may have appeared any time since). So a market
/// nobody wrote for many slots cannot jump to a new target (a stress
/// trigger, a guardian raise, a confidence spike) in the slot the jump is
/// first seen, while a market written every few slots phases in exactly
/// as if each target were known at once.
pub fn phase_toward(s: &PhaseState, target_mult_bps: u32, slot: u64, p: &PhaseParams) -> PhaseState {
    let elapsed = slot.saturating_sub(s.updated_slot);
    let budget = (p.step_bps_per_slot as u64).saturating_mul(elapsed).min(u32::MAX as u64) as u32;
    let target = target_mult_bps.max(MULT_ONE);
    let current = stored_mult(s.mult_bps);
    let (mult, last_rise) = if target > current {
        let catch_up = (p.step_bps_per_slot as u64).saturating_mul(elapsed.min(PHASE_CATCH_UP_SLOTS));
        let beyond_seen = s.target_mult_bps.max(current).saturating_add(catch_up.min(u32::MAX as u64) as u32);
        let mult = current.saturating_add(budget).min(beyond_seen).min(target);
        (mult, if mult > current { slot } else { s.last_rise_slot })
    } else if target < current && slot >= s.last_rise_slot.saturating_add(p.cooldown_slots) {
        // Only the slots after the cooldown ended count toward falling.
        let from = s.updated_slot.max(s.last_rise_slot.saturating_add(p.cooldown_slots));
        let fall = (p.step_bps_per_slot as u64).saturating_mul(slot.saturating_sub(from)).min(u32::MAX as u64) as u32;
        (current.saturating_sub(fall).max(target), s.last_rise_slot)
    } else {
        (current, s.last_rise_slot)
    };
    PhaseState {
        mult_bps: mult,
        updated_slot: slot.max(s.updated_slot),
        last_rise_slot: last_rise,
        target_mult_bps: target,
    }
}

/// A stored multiplier: 0 (never set) reads as 1x; anything else as is
/// (below 1x only while a governance raise of the base phases in).
pub fn stored_mult(mult_bps: u32) -> u32 {
    if mult_bps == 0 {
        MULT_ONE
    } else {
        mult_bps
    }
}

/// Effective maintenance ratio: `base_mmr * mult`, rounded up, at most
/// `max_mmr` (or base, if higher). At least base_mmr unless the multiplier
/// is below 1x (a governance raise phasing in).
pub fn phased_mmr_bps(p: &DynamicParams, mult_bps: u32) -> u32 {
    let m = (p.base_mmr_bps as u64 * stored_mult(mult_bps) as u64).div_ceil(MULT_ONE as u64);
    m.min(p.max_mmr_bps.max(p.base_mmr_bps) as u64) as u32
}

/// The multiplier (bps of base MMR) that a target MMR corresponds to, rounded up.
pub fn mult_for_mmr(p: &DynamicParams, mmr_bps: u32) -> u32 {
    let m = (mmr_bps as u64 * MULT_ONE as u64).div_ceil(p.base_mmr_bps.max(1) as u64);
    m.clamp(MULT_ONE as u64, u32::MAX as u64) as u32
}

#[cfg(test)]
#[path = "margin_tests.rs"]
mod tests;

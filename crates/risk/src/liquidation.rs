//! Liquidation math: how much to close, the penalty split, the throttle
//! window and the default waterfall. Pure; the liquidation engine calls it.
//!
//! Closing `d` base of a position at price `p` changes maintenance health by
//! `d * p * (mmr - fee) / 10^16` (the requirement falls by the maintenance
//! ratio, the penalty costs the fee ratio; `fee < mmr` is a listing rule), so
//! the smallest close that lifts health from `h < 0` to `target >= 0` is
//! `ceil((target - h) * 10^16 / (p * (mmr - fee)))`, capped per call at
//! `max_fraction` of the position unless what remains would be dust. The
//! engine closes [`smallest_close`]: that estimate brackets a search on
//! the exact health after, which also counts the remainder's size premium,
//! the conf-biased requirement and fill, and a penalty the account cannot
//! pay.

use crate::math::{MathError, SafeMath};
use crate::precision::{BPS_DENOMINATOR, NOTIONAL_DIVISOR};

/// Parameters of a liquidation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidationParams {
    /// Maintenance ratio of the position, bps.
    pub mmr_bps: u32,
    /// Penalty on the closed notional, bps (< mmr).
    pub fee_bps: u32,
    /// Most of a position one call may close, bps.
    pub max_fraction_bps: u32,
    /// Below this notional, the whole position is closed. precision: QUOTE_PRECISION.
    pub dust_notional: u64,
}

/// Base to close (positive magnitude, at most `|base|`) so that maintenance
/// health `health` (< 0) reaches `target` (>= 0), with the per-call cap.
pub fn close_amount(
    base: i64,
    price: i64,
    health: i128,
    target: i128,
    p: &LiquidationParams,
) -> Result<u64, MathError> {
    let size = base.unsigned_abs();
    if health >= target || size == 0 {
        return Ok(0);
    }
    if p.fee_bps >= p.mmr_bps || price <= 0 {
        return Err(MathError::DivideByZero);
    }
    let deficit = u128::try_from(target.safe_sub(health)?)?;
    let gain = (price as u128).safe_mul((p.mmr_bps - p.fee_bps) as u128)?;
    let scale = NOTIONAL_DIVISOR as u128 * BPS_DENOMINATOR as u128;
    let needed = deficit.safe_mul(scale)?.div_ceil(gain);
    let mut close = (needed.min(size as u128) as u64).min(per_call_cap(size, p));
    if leaves_dust(size, close, price, p) {
        close = size;
    }
    Ok(close)
}

/// The most base one call may close of a position of `size`:
/// `max_fraction` of it, rounded up, at least 1.
pub fn per_call_cap(size: u64, p: &LiquidationParams) -> u64 {
    // At most `size` (the fraction is at most 100 %), so it fits.
    ((size as u128 * p.max_fraction_bps as u128).div_ceil(BPS_DENOMINATOR as u128).max(1)) as u64
}

/// Whether closing `close` of `size` at `price` leaves less than the dust
/// notional (then the whole position closes).
fn leaves_dust(size: u64, close: u64, price: i64, p: &LiquidationParams) -> bool {
    // u64 * u63 fits in u128.
    let rest = (size - close.min(size)) as u128 * price.max(0) as u128 / NOTIONAL_DIVISOR as u128;
    rest < p.dust_notional as u128
}

/// The smallest close (magnitude, of a position of `size` at `price`) whose
/// exact health after, `after(close)`, reaches `target`, within the
/// per-call cap; the whole position when the rest would be dust; the cap
/// when even it cannot reach the target. `estimate` (from
/// [`close_amount`]'s linear formula) brackets a bisection, which needs
/// `after` non-decreasing in the close: each unit closed frees its
/// requirement, more than its penalty since `fee < mmr`, and a size
/// premium only falls as the position shrinks. About 45 probes at most.
pub fn smallest_close<E>(
    size: u64,
    price: i64,
    estimate: u64,
    target: i128,
    p: &LiquidationParams,
    after: impl Fn(u64) -> Result<i128, E>,
) -> Result<u64, E> {
    let top = per_call_cap(size, p).min(size);
    let guess = estimate.min(top);
    let (mut lo, mut hi) = if guess > 0 && after(guess)? >= target {
        (0, guess)
    } else if after(top)? >= target {
        (guess, top)
    } else {
        (top - 1, top) // capped (or the whole position): this call cannot reach the target
    };
    // after(lo) < target (or lo = 0), after(hi) >= target (or hi = top).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if after(mid)? >= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(if leaves_dust(size, hi, price, p) { size } else { hi })
}

/// Split of a liquidation penalty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PenaltySplit {
    /// The whole penalty, rounded up. precision: QUOTE_PRECISION.
    pub fee: u64,
    /// Paid to the keeper, rounded down.
    pub keeper: u64,
    /// Paid to the insurance fund: the rest.
    pub insurance: u64,
}

/// Penalty of `fee_bps` on `notional`, split `keeper_share_bps` to the keeper.
pub fn penalty(notional: u64, fee_bps: u32, keeper_share_bps: u32) -> Result<PenaltySplit, MathError> {
    let fee = u64::try_from((notional as u128).safe_mul(fee_bps as u128)?.div_ceil(BPS_DENOMINATOR as u128))?;
    split_penalty(fee, keeper_share_bps)
}

/// Split a penalty of `fee` actually paid: `keeper_share_bps` to the keeper
/// (rounded down), the rest to insurance. Used directly when an account can
/// pay only part of its penalty.
pub fn split_penalty(fee: u64, keeper_share_bps: u32) -> Result<PenaltySplit, MathError> {
    let keeper = u64::try_from(
        (fee as u128).safe_mul((keeper_share_bps as u64).min(BPS_DENOMINATOR) as u128)? / BPS_DENOMINATOR as u128,
    )?;
    Ok(PenaltySplit { fee, keeper, insurance: fee - keeper })
}

/// Liquidated notional in the current window of a market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Throttle {
    /// First slot of the window.
    pub window_start_slot: u64,
    /// Notional liquidated in the window. precision: QUOTE_PRECISION.
    pub used: u64,
}

/// The throttle is engaged: the window's cap is reached until it rolls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleFull;

/// Admit `notional` of liquidation at `slot` under a cap of `cap` per window
/// of `window_slots`. Bankrupt accounts are `exempt` (counted, never refused).
pub fn admit(
    t: &Throttle,
    notional: u64,
    cap: u64,
    window_slots: u64,
    slot: u64,
    exempt: bool,
) -> Result<Throttle, ThrottleFull> {
    let rolled = slot >= t.window_start_slot.saturating_add(window_slots.max(1));
    let base = if rolled { Throttle { window_start_slot: slot, used: 0 } } else { *t };
    let used = base.used.saturating_add(notional);
    if !exempt && used > cap {
        return Err(ThrottleFull);
    }
    Ok(Throttle { window_start_slot: base.window_start_slot, used })
}

/// How a bankrupt account's deficit is covered, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Waterfall {
    /// 1. The account's remaining collateral.
    pub from_collateral: u64,
    /// 2. The insurance fund, down to its floor.
    pub from_insurance: u64,
    /// 3. The pool: socialised into NAV.
    pub socialized: u64,
}

/// Cover `deficit` from the account's `collateral`, then the insurance fund's
/// `insurance` above `floor`, then the pool.
pub fn waterfall(deficit: u64, collateral: u64, insurance: u64, floor: u64) -> Waterfall {
    let from_collateral = deficit.min(collateral);
    let rest = deficit - from_collateral;
    let from_insurance = rest.min(insurance.saturating_sub(floor));
    Waterfall { from_collateral, from_insurance, socialized: rest - from_insurance }
}

#[cfg(test)]
#[path = "liquidation_tests.rs"]
mod tests;

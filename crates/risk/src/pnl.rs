//! Paying realised PnL out of the pool: the part of a gain the pool cannot
//! pay now (unsettled PnL), its pro-rata settlement as cash arrives, and
//! how much profit auto-deleveraging crystallises.
//!
//! All amounts are QUOTE_PRECISION. Rounding favours the pool: a trader is
//! never paid more than the pool holds, settlement rounds down, and
//! auto-deleveraging rounds its amount down (it never passes its target).

use crate::math::{MathError, SafeMath};
use crate::precision::BPS_DENOMINATOR;

/// How one fill's change of collateral is paid when the pool holds `cash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payout {
    /// The account's collateral after the fill.
    pub collateral: i64,
    /// The fee actually charged (less than asked only when neither the
    /// pool's cash nor the account's own collateral can pay it: the pool's
    /// shortage never makes an account bankrupt).
    pub fee: u64,
    /// The part of the realised gain the pool could not pay: the account's
    /// new unsettled PnL.
    pub unsettled: u64,
    /// Tokens from the pool vault to the collateral vault (negative: back):
    /// the change in the account's positive collateral plus the fee.
    pub pool_to_collateral: i64,
}

/// Split a fill of `realized` PnL and `fee` on an account holding `before`
/// between cash from the pool (at most `cash`) and unsettled PnL. The
/// collateral vault holds every account's positive collateral and the fees,
/// so the pool pays `max(after, 0) - max(before, 0) + fee`; a gain that
/// repays a deficit (negative `before`) stays in the pool. When that is
/// more than `cash`, the shortfall, up to the gain, becomes unsettled PnL;
/// a fill that leaves a deficit is charged no more fee than the cash can
/// advance. The pool is never asked for more than `cash`.
pub fn pay_from_pool(before: i64, realized: i64, fee: u64, cash: u64) -> Result<Payout, MathError> {
    let cash_i = i64::try_from(cash.min(i64::MAX as u64))?;
    let mut fee_i = i64::try_from(fee)?;
    let mut collateral = before.safe_add(realized)?.safe_sub(fee_i)?;
    if collateral < 0 && realized > 0 && fee_i > cash_i {
        // A gain that only shrinks a deficit repays it inside the pool; of
        // the fee, only what the pool's cash can advance is charged.
        fee_i = cash_i;
        collateral = before.safe_add(realized)?.safe_sub(fee_i)?;
    }
    let to_collateral = |c: i64, fee: i64| -> Result<i64, MathError> { (c.max(0) - before.max(0)).safe_add(fee) };
    let mut wanted = to_collateral(collateral, fee_i)?;
    if wanted > cash_i && collateral < 0 {
        // A loss past the collateral: the pool would advance the fee. It
        // advances no more than its cash; the rest of the fee is waived.
        fee_i = fee_i.safe_sub(wanted - cash_i)?.max(0);
        collateral = before.safe_add(realized)?.safe_sub(fee_i)?;
        wanted = to_collateral(collateral, fee_i)?;
    }
    if wanted <= cash_i || collateral < 0 {
        return Ok(Payout { collateral, fee: fee_i as u64, unsettled: 0, pool_to_collateral: wanted });
    }
    let unsettled = (wanted - cash_i).min(realized.max(0));
    let mut after = collateral - unsettled;
    if after < 0 {
        // The fee neither the pool's cash nor the account can pay is waived.
        fee_i = fee_i.safe_add(after)?.max(0);
        after = 0;
    }
    let pool_to_collateral = to_collateral(after, fee_i)?;
    Ok(Payout { collateral: after, fee: fee_i as u64, unsettled: unsettled as u64, pool_to_collateral })
}

/// What settling a claim of `claim` pays when the pool holds `cash` and
/// owes `total` in unsettled PnL (every claim included): all of it when the
/// cash covers every claim, else the claim's pro-rata share of the cash,
/// rounded down. Shares of one amount of cash are independent of the order
/// in which claims settle, so no claimant gains by settling first.
pub fn settlement(claim: u64, total: u64, cash: u64) -> Result<u64, MathError> {
    if claim == 0 {
        return Ok(0);
    }
    if cash >= total {
        return Ok(claim.min(cash));
    }
    let share = (cash as u128).safe_mul(claim as u128)? / (total.max(claim) as u128);
    Ok(u64::try_from(share)?.min(claim))
}

/// Whether the traders' unrealised profit `owed` is above `max_bps` of the
/// pool's free cash `free` (its balance less the unsettled PnL it owes;
/// possibly negative): auto-deleveraging may run.
pub fn adl_triggered(owed: u64, free: i128, max_bps: u32) -> Result<bool, MathError> {
    if owed == 0 {
        return Ok(false);
    }
    let lhs = (owed as i128).safe_mul(BPS_DENOMINATOR as i128)?;
    Ok(lhs > free.safe_mul(max_bps as i128)?)
}

/// The profit auto-deleveraging crystallises to bring `owed` down to
/// `target_bps` of `free`, both falling by what it pays:
/// the largest `x` with `(owed - x) >= target * (free - x)`, i.e.
/// `x = floor((owed - target * free) / (1 - target))`, within `[0, owed]`.
/// Rounded down, so the ratio after never falls below the target.
/// `target_bps` must be below 100 %.
pub fn adl_amount(owed: u64, free: i128, target_bps: u32) -> Result<u64, MathError> {
    let t = target_bps as i128;
    let denom = (BPS_DENOMINATOR as i128).safe_sub(t)?;
    if denom <= 0 {
        return Err(MathError::DivideByZero);
    }
    let num = (owed as i128).safe_mul(BPS_DENOMINATOR as i128)?.safe_sub(free.safe_mul(t)?)?;
    Ok(num.max(0).div_euclid(denom).min(owed as i128) as u64)
}

/// What an auto-deleveraging fill keeps below [`adl_amount`] so that its
/// rounding never takes the ratio past the target, quote units:
/// `ceil((1 + t) / (1 - t))` (4 at a 60 % target). The fill realises up to
/// 2 units less than its share of the position's value and the side's
/// floored value falls up to 1 unit more, so the liability can fall up to
/// `amount + 1` while free cash falls as little as `amount - 2`; this
/// margin absorbs that at any target below 100 %.
pub fn adl_rounding_margin(target_bps: u32) -> Result<u64, MathError> {
    let t = target_bps as u64;
    let denom = BPS_DENOMINATOR.safe_sub(t)?;
    if denom == 0 {
        return Err(MathError::DivideByZero);
    }
    Ok(BPS_DENOMINATOR.safe_add(t)?.div_ceil(denom))
}

/// A profitable position's auto-deleveraging rank: its return on cost
/// times its account's leverage, `pnl / cost * notional / equity`, in bps
/// of bps (Hyperliquid's ordering). An account whose equity is not positive
/// ranks first (`u128::MAX`); an unprofitable position never ranks (0).
pub fn adl_rank(pnl: i128, cost: u128, notional: u128, equity: i128) -> Result<u128, MathError> {
    if pnl <= 0 || cost == 0 {
        return Ok(0);
    }
    if equity <= 0 {
        return Ok(u128::MAX);
    }
    let scale = (BPS_DENOMINATOR as u128).safe_mul(BPS_DENOMINATOR as u128)?;
    let num = (pnl as u128).safe_mul(scale)?.safe_mul(notional)?;
    Ok(num / cost.safe_mul(equity as u128)?)
}

/// Whether a position with `pnl` on `cost` returns at least as much as its
/// side in aggregate (`side_pnl` on `side_cost`), which must itself be in
/// profit: the on-chain floor of the auto-deleveraging rank. A position
/// below its side's average is never a candidate, however a caller orders
/// the queue.
pub fn above_side_average(pnl: i128, cost: u128, side_pnl: i128, side_cost: u128) -> Result<bool, MathError> {
    if pnl <= 0 || side_pnl <= 0 || cost == 0 {
        return Ok(false);
    }
    // pnl / cost >= side_pnl / side_cost
    Ok((pnl as u128).safe_mul(side_cost)? >= (side_pnl as u128).safe_mul(cost)?)
}

#[cfg(test)]
#[path = "pnl_tests.rs"]
mod tests;

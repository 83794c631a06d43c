//! Perpetual position accounting: fills, realised PnL on reduce or flip, fees.
//!
//! A position is `{base, quote}`: `base` is the signed size (precision
//! BASE_PRECISION) and `quote` the signed cash flow of its fills (precision
//! QUOTE_PRECISION): a long bought for 100 has `quote = -100`. Its value at
//! price `p` is `base * p + quote`. The counterparty of every fill is the
//! pool, which holds the mirror `{-base, -quote}`, so each market nets to zero.
//!
//! Rounding always goes against the trader: a buy pays the ceiling of its
//! notional, a sell receives the floor, the part of the cost basis that is
//! realised on a reduce is rounded toward negative infinity (the trader
//! realises less now; the remainder stays in the position, so no value is
//! created), and fees round up.

use crate::math::{MathError, SafeMath};
use crate::precision::{BPS_DENOMINATOR, NOTIONAL_DIVISOR};

/// A trader's position in one market.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// Signed size. precision: BASE_PRECISION.
    pub base: i64,
    /// Signed cash flow of the open fills (minus the cost basis).
    /// precision: QUOTE_PRECISION.
    pub quote: i64,
}

/// What one fill did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FillResult {
    /// The position after the fill.
    pub position: Position,
    /// PnL realised by the reducing part, to be paid to (positive) or taken
    /// from (negative) the trader's collateral. precision: QUOTE_PRECISION.
    pub realized_pnl: i64,
    /// Absolute notional of the fill, rounded up. precision: QUOTE_PRECISION.
    pub notional: u64,
}

/// Cash flow of trading `base` at `price`: a buy (`base > 0`) pays the
/// ceiling of the notional (negative result), a sell receives the floor.
pub fn fill_quote(base: i64, price: i64) -> Result<i64, MathError> {
    if price <= 0 {
        return Err(MathError::DivideByZero);
    }
    let product = (base.unsigned_abs() as u128).safe_mul(price as u128)?;
    let d = NOTIONAL_DIVISOR as u128;
    let (floor, rem) = (product / d, product % d);
    let q = if base > 0 { -(i128::try_from(floor)? + i128::from(rem != 0)) } else { i128::try_from(floor)? };
    i64::try_from(q).map_err(|_| MathError::Overflow)
}

/// Absolute notional of `base` at `price`, rounded up. precision: QUOTE_PRECISION.
pub fn notional_ceil(base: i64, price: i64) -> Result<u64, MathError> {
    let product = (base.unsigned_abs() as u128).safe_mul(price.unsigned_abs() as u128)?;
    let n = product.div_ceil(NOTIONAL_DIVISOR as u128);
    u64::try_from(n).map_err(|_| MathError::Overflow)
}

/// Fee of `fee_bps` on `notional`, rounded up.
pub fn fee(notional: u64, fee_bps: u32) -> Result<u64, MathError> {
    let f = (notional as u128).safe_mul(fee_bps as u128)?.div_ceil(BPS_DENOMINATOR as u128);
    u64::try_from(f).map_err(|_| MathError::Overflow)
}

/// Apply a fill of `base_delta` (signed; positive buys) at `price` to `pos`.
///
/// - increase (same side or flat): the fill's cash flow joins the basis;
/// - reduce: the closed fraction of the basis is realised against the fill's
///   cash flow;
/// - flip: close everything at `price`, then open the remainder.
pub fn apply_fill(pos: Position, base_delta: i64, price: i64) -> Result<FillResult, MathError> {
    let notional = notional_ceil(base_delta, price)?;
    if base_delta == 0 {
        return Ok(FillResult { position: pos, realized_pnl: 0, notional: 0 });
    }
    if pos.base == 0 || (pos.base > 0) == (base_delta > 0) {
        let position = Position {
            base: pos.base.safe_add(base_delta)?,
            quote: pos.quote.safe_add(fill_quote(base_delta, price)?)?,
        };
        return Ok(FillResult { position, realized_pnl: 0, notional });
    }
    // Reducing side: close at most the whole position.
    let closing = if base_delta.unsigned_abs() >= pos.base.unsigned_abs() { -pos.base } else { base_delta };
    let basis_closed = if closing == -pos.base {
        pos.quote
    } else {
        // quote * |closing| / |base|, toward -inf.
        let num = (pos.quote as i128).safe_mul(closing.unsigned_abs() as i128)?;
        i64::try_from(num.div_euclid(pos.base.unsigned_abs() as i128)).map_err(|_| MathError::Overflow)?
    };
    let realized_pnl = basis_closed.safe_add(fill_quote(closing, price)?)?;
    let mut position = Position { base: pos.base.safe_add(closing)?, quote: pos.quote.safe_sub(basis_closed)? };
    let remainder = base_delta.safe_sub(closing)?;
    if remainder != 0 {
        position = Position { base: remainder, quote: fill_quote(remainder, price)? };
    }
    Ok(FillResult { position, realized_pnl, notional })
}

/// Value of a position at `price`: `base * price + quote`, rounded down.
/// precision: QUOTE_PRECISION.
pub fn position_value(pos: &Position, price: i64) -> Result<i128, MathError> {
    let v = (pos.base as i128).safe_mul(price as i128)?;
    v.div_euclid(NOTIONAL_DIVISOR).safe_add(pos.quote as i128)
}

/// The average entry price of `position` (`|quote| / |base|`), rounded
/// up or down; `i64::MAX` (up) or 0 (down) without a base.
/// precision: PRICE_PRECISION.
pub fn entry_price(position: Position, round_up: bool) -> i64 {
    let base = position.base.unsigned_abs() as u128;
    if base == 0 {
        return if round_up { i64::MAX } else { 0 };
    }
    let num = (position.quote.unsigned_abs() as u128).saturating_mul(NOTIONAL_DIVISOR as u128);
    let e = if round_up { num.div_ceil(base) } else { num / base };
    e.min(i64::MAX as u128) as i64
}

#[cfg(test)]
#[path = "position_tests.rs"]
mod tests;

//! Checked arithmetic. Every operation that can overflow, underflow or divide
//! by zero returns a [`MathError`] instead of wrapping or panicking.

use core::fmt;

/// Why an arithmetic step failed. The programs map every variant to their own
/// `MathOverflow` error code; the variant is kept for logs and off-chain tools.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MathError {
    /// The result does not fit the target integer type.
    Overflow,
    /// Division (or remainder) by zero.
    DivideByZero,
    /// A decimal exponent outside the supported range (see [`crate::fixed`]).
    ExponentOutOfRange,
}

impl fmt::Display for MathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MathError::Overflow => f.write_str("arithmetic overflow"),
            MathError::DivideByZero => f.write_str("division by zero"),
            MathError::ExponentOutOfRange => f.write_str("decimal exponent out of range"),
        }
    }
}

impl std::error::Error for MathError {}

impl From<core::num::TryFromIntError> for MathError {
    /// A narrowing conversion that does not fit is an overflow.
    fn from(_: core::num::TryFromIntError) -> Self {
        MathError::Overflow
    }
}

/// Checked arithmetic with an error instead of an `Option`.
pub trait SafeMath: Sized {
    /// `self + rhs`, or [`MathError::Overflow`].
    fn safe_add(self, rhs: Self) -> Result<Self, MathError>;
    /// `self - rhs`, or [`MathError::Overflow`] (includes unsigned underflow).
    fn safe_sub(self, rhs: Self) -> Result<Self, MathError>;
    /// `self * rhs`, or [`MathError::Overflow`].
    fn safe_mul(self, rhs: Self) -> Result<Self, MathError>;
    /// `self / rhs` rounded toward zero, or [`MathError::DivideByZero`] /
    /// [`MathError::Overflow`] (`MIN / -1`).
    fn safe_div(self, rhs: Self) -> Result<Self, MathError>;
}

macro_rules! impl_safe_math {
    ($($t:ty),*) => {$(
        impl SafeMath for $t {
            #[inline]
            fn safe_add(self, rhs: Self) -> Result<Self, MathError> {
                self.checked_add(rhs).ok_or(MathError::Overflow)
            }
            #[inline]
            fn safe_sub(self, rhs: Self) -> Result<Self, MathError> {
                self.checked_sub(rhs).ok_or(MathError::Overflow)
            }
            #[inline]
            fn safe_mul(self, rhs: Self) -> Result<Self, MathError> {
                self.checked_mul(rhs).ok_or(MathError::Overflow)
            }
            #[inline]
            fn safe_div(self, rhs: Self) -> Result<Self, MathError> {
                if rhs == 0 {
                    return Err(MathError::DivideByZero);
                }
                self.checked_div(rhs).ok_or(MathError::Overflow)
            }
        }
    )*};
}
impl_safe_math!(u8, u16, u32, u64, u128, i32, i64, i128);

/// `10^exp` as `u128`, or [`MathError::ExponentOutOfRange`] above 10^38.
pub fn pow10(exp: u32) -> Result<u128, MathError> {
    10u128.checked_pow(exp).ok_or(MathError::ExponentOutOfRange)
}

/// `a * b / d` in u128, rounded down.
pub fn mul_div_floor(a: u128, b: u128, d: u128) -> Result<u128, MathError> {
    a.safe_mul(b)?.safe_div(d)
}

/// `a * b / d` in u128, rounded up.
pub fn mul_div_ceil(a: u128, b: u128, d: u128) -> Result<u128, MathError> {
    let n = a.safe_mul(b)?;
    let q = n.safe_div(d)?;
    if n % d == 0 {
        Ok(q)
    } else {
        q.safe_add(1)
    }
}

/// Integer square root, rounded down: the largest `r` with `r * r <= n`.
/// Newton's iteration; never overflows.
pub fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    // Initial guess 2^ceil(bits/2) is >= sqrt(n), so the iteration decreases.
    let bits = 128 - n.leading_zeros();
    let mut x: u128 = 1u128 << bits.div_ceil(2);
    loop {
        let y = (x + n / x) / 2;
        if y >= x {
            return x;
        }
        x = y;
    }
}

/// `true` when `part / whole > limit_bps / 10_000`, computed without division
/// (`part * 10_000 > limit_bps * whole`) in u128 so it cannot overflow for
/// u64 inputs.
pub fn exceeds_bps(part: u64, whole: u64, limit_bps: u64) -> bool {
    (part as u128) * (crate::precision::BPS_DENOMINATOR as u128) > (limit_bps as u128) * (whole as u128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn safe_ops_report_overflow_and_zero_division() {
        assert_eq!(u64::MAX.safe_add(1), Err(MathError::Overflow));
        assert_eq!(0u64.safe_sub(1), Err(MathError::Overflow));
        assert_eq!(i64::MIN.safe_div(-1), Err(MathError::Overflow));
        assert_eq!(5u64.safe_div(0), Err(MathError::DivideByZero));
        assert_eq!(7u64.safe_mul(6), Ok(42));
    }

    #[test]
    fn pow10_range() {
        assert_eq!(pow10(0), Ok(1));
        assert_eq!(pow10(38), Ok(100_000_000_000_000_000_000_000_000_000_000_000_000));
        assert_eq!(pow10(39), Err(MathError::ExponentOutOfRange));
    }

    #[test]
    fn mul_div_rounding_directions() {
        assert_eq!(mul_div_floor(10, 1, 3), Ok(3));
        assert_eq!(mul_div_ceil(10, 1, 3), Ok(4));
        assert_eq!(mul_div_ceil(9, 1, 3), Ok(3));
        assert_eq!(mul_div_ceil(1, 1, 0), Err(MathError::DivideByZero));
    }

    #[test]
    fn isqrt_edges() {
        assert_eq!(isqrt(0), 0);
        assert_eq!(isqrt(1), 1);
        assert_eq!(isqrt(15), 3);
        assert_eq!(isqrt(16), 4);
        assert_eq!(isqrt(u128::MAX), u64::MAX as u128);
    }

    proptest! {
        #![proptest_config(crate::props())]
        #[test]
        fn isqrt_is_the_floor_square_root(n in any::<u128>()) {
            let r = isqrt(n);
            prop_assert!(r * r <= n);
            let next = r + 1;
            prop_assert!(next.checked_mul(next).is_none_or(|sq| sq > n));
        }

        #[test]
        fn mul_div_ceil_minus_floor_is_at_most_one(a in any::<u64>(), b in any::<u64>(), d in 1u64..) {
            let f = mul_div_floor(a as u128, b as u128, d as u128).unwrap();
            let c = mul_div_ceil(a as u128, b as u128, d as u128).unwrap();
            prop_assert!(c - f <= 1);
            prop_assert!(f * d as u128 <= a as u128 * b as u128);
            prop_assert!(c * d as u128 >= a as u128 * b as u128);
        }
    }
}

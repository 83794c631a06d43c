//! Named precision constants. Every stored fixed-point field in Ballast says
//! which of these it uses (`/// precision: PRICE_PRECISION`).

/// Decimal exponent of every price Ballast publishes: prices are integers in
/// units of 10^-9 quote currency (USD) per unit of the asset.
pub const PRICE_DECIMALS: u32 = 9;
/// precision: 10^9. One unit of price in [`PRICE_DECIMALS`] fixed point.
pub const PRICE_PRECISION: i64 = 1_000_000_000;
/// The exponent that matches [`PRICE_DECIMALS`], as oracles express it.
pub const PRICE_EXPO: i32 = -(PRICE_DECIMALS as i32);

/// precision: 10^4. Basis points: 10_000 = 100 %.
pub const BPS_DENOMINATOR: u64 = 10_000;

/// precision: 10^9. Returns (simple or log-approximated) in fixed point.
pub const RETURN_PRECISION: i128 = 1_000_000_000;
/// precision: 10^18. Squared returns and variance rates (per second):
/// RETURN_PRECISION squared.
pub const VARIANCE_PRECISION: u128 = 1_000_000_000_000_000_000;

/// Seconds in a 365-day year, used to annualise the variance rate.
pub const SECONDS_PER_YEAR: u128 = 31_536_000;

/// `1 / ln 2` in units of 10^-4 (1.4427): converts a half-life into the time
/// constant of an exponential average.
pub const INV_LN2_E4: u128 = 14_427;

/// Decimal places of base (asset) amounts: positions are integers in units
/// of 10^-9 of the asset.
pub const BASE_DECIMALS: u32 = 9;
/// precision: 10^9. One unit of base.
pub const BASE_PRECISION: i64 = 1_000_000_000;

/// Decimal places of quote amounts: the collateral token's native units.
/// Ballast's collateral is a 6-decimal USD stablecoin (USDC-like).
pub const QUOTE_DECIMALS: u32 = 6;
/// precision: 10^6. One unit of quote (one dollar).
pub const QUOTE_PRECISION: i64 = 1_000_000;

/// `base * price / NOTIONAL_DIVISOR` is a quote amount:
/// 10^9 (base) * 10^9 (price) / 10^6 (quote) = 10^12.
pub const NOTIONAL_DIVISOR: i128 = 1_000_000_000_000;

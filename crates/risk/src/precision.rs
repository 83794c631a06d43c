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

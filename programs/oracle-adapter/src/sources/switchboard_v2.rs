//! Switchboard v2 `AggregatorAccountData` (3,851 bytes, Anchor zero-copy,
//! `repr(packed)`). Own layout code: `switchboard-solana` cannot resolve with
//! a current Anchor (see README).
//!
//! Fields read (offsets include the 8-byte discriminator):
//! ```text
//!   8 name [u8; 32]
//! 236 min_oracle_results u32
//! 341 latest_confirmed_round:
//!     +0 num_success u32   +4 num_error u32   +8 is_closed bool
//!     +9 round_open_slot u64   +17 round_open_timestamp i64
//!     +25 result {mantissa i128, scale u32}   +45 std_deviation {i128, u32}
//! ```

use super::bytes::read;
use ballast_risk::oracle::{RawQuote, Verdict};

/// `sha256("account:AggregatorAccountData")[..8]`.
pub const DISCRIMINATOR: [u8; 8] = [0xd9, 0xe6, 0x41, 0x65, 0xc9, 0xa2, 0x1b, 0x7d];
/// Account length.
pub const ACCOUNT_LEN: usize = 3_851;
/// Offsets of the fields Ballast reads.
pub mod offsets {
    /// `name` [u8; 32].
    pub const NAME: usize = 8;
    /// `min_oracle_results` u32.
    pub const MIN_ORACLE_RESULTS: usize = 236;
    /// `latest_confirmed_round.num_success` u32.
    pub const NUM_SUCCESS: usize = 341;
    /// `latest_confirmed_round.round_open_slot` u64.
    pub const ROUND_OPEN_SLOT: usize = 341 + 9;
    /// `latest_confirmed_round.round_open_timestamp` i64.
    pub const ROUND_OPEN_TIMESTAMP: usize = 341 + 17;
    /// `latest_confirmed_round.result` {i128, u32}.
    pub const RESULT: usize = 341 + 25;
    /// `latest_confirmed_round.std_deviation` {i128, u32}.
    pub const STD_DEVIATION: usize = 341 + 45;
}
use offsets::*;

/// Whether `data` starts with the aggregator discriminator.
pub fn has_discriminator(data: &[u8]) -> bool {
    data.get(..8) == Some(&DISCRIMINATOR[..])
}

/// A `SwitchboardDecimal`: `mantissa * 10^-scale`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimal {
    /// Mantissa.
    pub mantissa: i128,
    /// Number of decimal places.
    pub scale: u32,
}

impl Decimal {
    /// The exponent, or `PriceOutOfRange` for absurd scales.
    pub fn expo(&self) -> Result<i32, Verdict> {
        i32::try_from(self.scale).map(|s| -s).map_err(|_| Verdict::PriceOutOfRange)
    }
}

/// The fields Ballast reads from an aggregator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aggregator {
    /// Feed name, zero-padded.
    pub name: [u8; 32],
    /// Oracle results required per round.
    pub min_oracle_results: u32,
    /// Successful responses in the latest confirmed round.
    pub num_success: u32,
    /// Slot the round opened.
    pub round_open_slot: u64,
    /// Unix seconds the round opened.
    pub round_open_timestamp: i64,
    /// Round result.
    pub result: Decimal,
    /// Standard deviation of the responses.
    pub std_deviation: Decimal,
}

fn decimal(data: &[u8], off: usize) -> Result<Decimal, Verdict> {
    Ok(Decimal { mantissa: read(data, off)?, scale: read(data, off + 16)? })
}

/// Read the aggregator after checking length and discriminator.
pub fn read_aggregator(data: &[u8]) -> Result<Aggregator, Verdict> {
    if data.len() != ACCOUNT_LEN || !has_discriminator(data) {
        return Err(Verdict::Malformed);
    }
    Ok(Aggregator {
        name: read(data, NAME)?,
        min_oracle_results: read(data, MIN_ORACLE_RESULTS)?,
        num_success: read(data, NUM_SUCCESS)?,
        round_open_slot: read(data, ROUND_OPEN_SLOT)?,
        round_open_timestamp: read(data, ROUND_OPEN_TIMESTAMP)?,
        result: decimal(data, RESULT)?,
        std_deviation: decimal(data, STD_DEVIATION)?,
    })
}

/// Parse and check: the latest confirmed round needs at least
/// `min_oracle_results` (and at least one) successful responses.
pub fn parse(data: &[u8]) -> Result<RawQuote, Verdict> {
    let a = read_aggregator(data)?;
    if a.num_success == 0 || a.num_success < a.min_oracle_results {
        return Err(Verdict::TooFewSamples);
    }
    Ok(RawQuote {
        price: a.result.mantissa,
        conf: a.std_deviation.mantissa.unsigned_abs(),
        expo: a.result.expo()?,
        conf_expo: a.std_deviation.expo()?,
        publish_time: a.round_open_timestamp,
        slot: a.round_open_slot,
    })
}

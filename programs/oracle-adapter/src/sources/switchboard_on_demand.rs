//! Switchboard On-Demand `PullFeedAccountData` (3,208 bytes with
//! discriminator). Field offsets come from the maintained crate's own
//! `#[repr(C)]` types via `offset_of!`; values are read unaligned, because the
//! struct contains `i128` (16-aligned on x86-64, 8 on SBF) and account data is
//! not 16-aligned in native tests. The struct has no padding on either target
//! (it derives `Pod`), so the offsets are the same on both.

use super::bytes::read;
use ballast_risk::oracle::{RawQuote, Verdict};
use core::mem::{offset_of, size_of};
use switchboard_on_demand::on_demand::accounts::pull_feed::{CurrentResult, PullFeedAccountData};
use switchboard_on_demand::Discriminator;

/// Total account length: discriminator + struct.
pub const ACCOUNT_LEN: usize = 8 + size_of::<PullFeedAccountData>();
const _: () = assert!(ACCOUNT_LEN == 3_208);

/// Decimal exponent of every On-Demand value (`PRECISION` = 18).
pub const EXPO: i32 = -18;

/// Offsets (with the discriminator) of the fields Ballast reads.
pub mod offsets {
    use super::*;
    const RESULT: usize = 8 + offset_of!(PullFeedAccountData, result);
    /// `result.value` i128.
    pub const VALUE: usize = RESULT + offset_of!(CurrentResult, value);
    /// `result.std_dev` i128.
    pub const STD_DEV: usize = RESULT + offset_of!(CurrentResult, std_dev);
    /// `result.num_samples` u8.
    pub const NUM_SAMPLES: usize = RESULT + offset_of!(CurrentResult, num_samples);
    /// `result.slot` u64.
    pub const RESULT_SLOT: usize = RESULT + offset_of!(CurrentResult, slot);
    /// `min_sample_size` u8.
    pub const MIN_SAMPLE_SIZE: usize = 8 + offset_of!(PullFeedAccountData, min_sample_size);
    /// `last_update_timestamp` i64.
    pub const LAST_UPDATE: usize = 8 + offset_of!(PullFeedAccountData, last_update_timestamp);
}
use offsets::*;

/// Whether `data` starts with the `PullFeedAccountData` discriminator.
pub fn has_discriminator(data: &[u8]) -> bool {
    data.get(..8) == Some(PullFeedAccountData::DISCRIMINATOR)
}

/// The fields Ballast reads from an On-Demand feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OnDemandResult {
    /// Median of the quorum, expo -18.
    pub value: i128,
    /// Standard deviation of the quorum, expo -18.
    pub std_dev: i128,
    /// Samples in the result.
    pub num_samples: u8,
    /// The feed's own minimum sample size.
    pub min_sample_size: u8,
    /// Slot the result was signed at (0 = never).
    pub result_slot: u64,
    /// Unix seconds of the last update.
    pub last_update_timestamp: i64,
}

/// Read the result fields after checking length and discriminator.
pub fn read_result(data: &[u8]) -> Result<OnDemandResult, Verdict> {
    if data.len() < ACCOUNT_LEN || !has_discriminator(data) {
        return Err(Verdict::Malformed);
    }
    Ok(OnDemandResult {
        value: read(data, VALUE)?,
        std_dev: read(data, STD_DEV)?,
        num_samples: read(data, NUM_SAMPLES)?,
        min_sample_size: read(data, MIN_SAMPLE_SIZE)?,
        result_slot: read(data, RESULT_SLOT)?,
        last_update_timestamp: read(data, LAST_UPDATE)?,
    })
}

/// Parse and check: a result must exist and carry at least the feed's
/// minimum sample size (and at least one sample).
pub fn parse(data: &[u8]) -> Result<RawQuote, Verdict> {
    let r = read_result(data)?;
    if r.result_slot == 0 {
        return Err(Verdict::NoResult);
    }
    if r.num_samples == 0 || r.num_samples < r.min_sample_size {
        return Err(Verdict::TooFewSamples);
    }
    Ok(RawQuote {
        price: r.value,
        conf: r.std_dev.unsigned_abs(),
        expo: EXPO,
        conf_expo: EXPO,
        publish_time: r.last_update_timestamp,
        slot: r.result_slot,
    })
}

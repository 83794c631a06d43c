//! Pyth legacy push price account (`pyth-sdk-solana`'s `SolanaPriceAccount`),
//! magic 0xa1b2c3d4, version 2, account type 3 (price). Own layout code: the
//! maintained SDK no longer builds against Solana 3 (see README).
//!
//! Layout (little-endian, offsets in bytes):
//! ```text
//!   0 magic u32     4 ver u32      8 atype u32    12 size u32
//!  16 ptype u32    20 expo i32    24 num u32     28 num_qt u32
//!  32 last_slot u64               40 valid_slot u64
//!  48 ema_price {val i64, numer i64, denom i64}
//!  72 ema_conf  {val u64, numer i64, denom i64}
//!  96 timestamp i64              104 min_pub u8, drv2 u8, drv3 u16, drv4 u32
//! 112 product Pubkey             144 next Pubkey
//! 176 prev_slot u64  184 prev_price i64  192 prev_conf u64  200 prev_timestamp i64
//! 208 agg {price i64, conf u64, status u32, corp_act u32, pub_slot u64}
//! 240 comp[32] of 96 bytes each  (3,312 bytes in all)
//! ```

use super::bytes::read;
use ballast_risk::oracle::{RawQuote, Verdict};
use offsets::*;

/// The magic number at offset 0.
pub const MAGIC: u32 = 0xa1b2_c3d4;
/// Supported layout version.
pub const VERSION: u32 = 2;
/// Account type of a price account.
pub const ACCOUNT_TYPE_PRICE: u32 = 3;
/// `agg.status` value meaning Trading.
pub const STATUS_TRADING: u32 = 1;
/// Bytes up to the end of the aggregate price info.
pub const HEADER_LEN: usize = 240;
/// Full account length with 32 components.
pub const ACCOUNT_LEN: usize = 3_312;
/// Offsets of the fields Ballast reads.
pub mod offsets {
    /// `magic` u32.
    pub const MAGIC: usize = 0;
    /// `ver` u32.
    pub const VERSION: usize = 4;
    /// `atype` u32.
    pub const ACCOUNT_TYPE: usize = 8;
    /// `size` u32: bytes in use.
    pub const SIZE: usize = 12;
    /// `expo` i32.
    pub const EXPO: usize = 20;
    /// `ema_price.val` i64.
    pub const EMA_PRICE: usize = 48;
    /// `timestamp` i64.
    pub const TIMESTAMP: usize = 96;
    /// `agg.price` i64.
    pub const AGG_PRICE: usize = 208;
    /// `agg.conf` u64.
    pub const AGG_CONF: usize = 216;
    /// `agg.status` u32.
    pub const AGG_STATUS: usize = 224;
    /// `agg.pub_slot` u64.
    pub const AGG_PUB_SLOT: usize = 232;
}

/// Whether `data` starts with the Pyth magic.
pub fn has_magic(data: &[u8]) -> bool {
    read::<u32>(data, offsets::MAGIC) == Ok(MAGIC)
}

/// The fields Ballast reads from a legacy price account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LegacyPrice {
    /// Decimal exponent.
    pub expo: i32,
    /// Unix seconds of the aggregate.
    pub timestamp: i64,
    /// EMA price mantissa.
    pub ema_price: i64,
    /// Aggregate price mantissa.
    pub price: i64,
    /// Aggregate confidence mantissa.
    pub conf: u64,
    /// Aggregate status (1 = Trading).
    pub status: u32,
    /// Slot of the aggregate.
    pub pub_slot: u64,
}

/// Read the header and aggregate after checking magic, version, type and size.
pub fn read_price(data: &[u8]) -> Result<LegacyPrice, Verdict> {
    if data.len() < HEADER_LEN
        || read::<u32>(data, offsets::MAGIC)? != MAGIC
        || read::<u32>(data, offsets::VERSION)? != VERSION
        || read::<u32>(data, ACCOUNT_TYPE)? != ACCOUNT_TYPE_PRICE
    {
        return Err(Verdict::Malformed);
    }
    let size = read::<u32>(data, SIZE)? as usize;
    if size < HEADER_LEN || size > data.len() {
        return Err(Verdict::Malformed);
    }
    Ok(LegacyPrice {
        expo: read(data, EXPO)?,
        timestamp: read(data, TIMESTAMP)?,
        ema_price: read(data, EMA_PRICE)?,
        price: read(data, AGG_PRICE)?,
        conf: read(data, AGG_CONF)?,
        status: read(data, AGG_STATUS)?,
        pub_slot: read(data, AGG_PUB_SLOT)?,
    })
}

/// Parse and check: the aggregate must be `Trading`.
pub fn parse(data: &[u8]) -> Result<RawQuote, Verdict> {
    let p = read_price(data)?;
    if p.status != STATUS_TRADING {
        return Err(Verdict::NotTrading);
    }
    Ok(RawQuote {
        price: p.price as i128,
        conf: p.conf as u128,
        expo: p.expo,
        conf_expo: p.expo,
        publish_time: p.timestamp,
        slot: p.pub_slot,
    })
}

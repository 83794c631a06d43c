//! Reader API for consumers (the margin engine, the keeper, the CLI).
//!
//! A consumer never trusts a price it did not check itself: [`read_feed`]
//! checks the account's owner program, address and discriminator, then
//! computes the *effective* validity at the current time (a stored `Valid`
//! price that has since aged past the feed's max age reads as `Stale`). The
//! consumer gates each action on that validity itself
//! (`ballast_risk::oracle::Action::allows`).

use crate::errors::AdapterError;
use crate::state::PriceFeed;
use anchor_lang::prelude::*;
use anchor_lang::Discriminator;
use ballast_risk::oracle::{Validity, STALE_TO_INVALID_FACTOR};

/// A checked snapshot of a feed at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeedReading {
    /// precision: PRICE_PRECISION.
    pub price: i64,
    /// precision: PRICE_PRECISION.
    pub conf: u64,
    /// precision: PRICE_PRECISION.
    pub ema_price: i64,
    /// Annualised realised volatility, bps.
    pub vol_bps: u64,
    /// Realised variance per second, precision VARIANCE_PRECISION.
    pub variance_rate: u64,
    /// Unix seconds of the published price.
    pub publish_time: i64,
    /// Validity at the time of reading (stored validity escalated by age).
    pub validity: Validity,
    /// Lowest valid source price of the published aggregate. precision: PRICE_PRECISION.
    pub lo_price: i64,
    /// Highest valid source price of the published aggregate. precision: PRICE_PRECISION.
    pub hi_price: i64,
    /// Largest own conf of those sources, without the dispersion term.
    /// precision: PRICE_PRECISION.
    pub src_conf: u64,
    /// The reference the last confirmed jump moved away from, lowest
    /// (0: none). precision: PRICE_PRECISION.
    pub anchor_lo: i64,
    /// The same, highest (0: none). precision: PRICE_PRECISION.
    pub anchor_hi: i64,
    /// Slot of that confirmation (0: none).
    pub anchor_slot: u64,
}

/// Effective validity of `feed` at `now_ts`: the stored validity, escalated
/// to `Stale` past `max_age_secs` and to `Invalid` past
/// `STALE_TO_INVALID_FACTOR` max ages or when never priced.
pub fn effective_validity(feed: &PriceFeed, now_ts: i64) -> Validity {
    if feed.has_price == 0 {
        return Validity::Invalid;
    }
    let age = now_ts.saturating_sub(feed.publish_time);
    let max_age = feed.max_age_secs as i64;
    let by_age = if age > max_age.saturating_mul(STALE_TO_INVALID_FACTOR) {
        Validity::Invalid
    } else if age > max_age {
        Validity::Stale
    } else {
        Validity::Valid
    };
    Validity::from_u8(feed.validity).max(by_age)
}

/// A reading of a loaded feed at `now_ts`. A range that does not hold the
/// price (a feed never priced) reads as a range of one price at full conf.
pub fn reading(feed: &PriceFeed, now_ts: i64) -> FeedReading {
    let ranged = feed.lo_price > 0 && feed.lo_price <= feed.price && feed.price <= feed.hi_price;
    let (lo_price, hi_price, src_conf) =
        if ranged { (feed.lo_price, feed.hi_price, feed.src_conf) } else { (feed.price, feed.price, feed.conf) };
    FeedReading {
        price: feed.price,
        conf: feed.conf,
        ema_price: feed.ema_price,
        vol_bps: feed.vol_bps,
        variance_rate: feed.variance_rate,
        publish_time: feed.publish_time,
        validity: effective_validity(feed, now_ts),
        lo_price,
        hi_price,
        src_conf,
        anchor_lo: feed.anchor_lo,
        anchor_hi: feed.anchor_hi,
        anchor_slot: feed.anchor_slot,
    }
}

/// Decode a feed from raw account bytes (discriminator and layout version
/// checked), without alignment requirements. For off-chain tools and for
/// `read_feed`.
pub fn decode_feed(data: &[u8]) -> Result<PriceFeed> {
    let body = data
        .get(8..8 + core::mem::size_of::<PriceFeed>())
        .filter(|_| data.get(..8) == Some(PriceFeed::DISCRIMINATOR))
        .ok_or(AdapterError::NotAPriceFeed)?;
    let feed: PriceFeed = bytemuck::pod_read_unaligned(body);
    require!(feed.version == crate::constants::PRICE_FEED_VERSION, AdapterError::FeedVersionUnsupported);
    Ok(feed)
}

/// Read `account` as the feed at `expected`: checks address, owner program
/// and discriminator, then returns the reading at `now_ts`.
pub fn read_feed(account: &AccountInfo, expected: &Pubkey, now_ts: i64) -> Result<FeedReading> {
    require_keys_eq!(*account.key, *expected, AdapterError::WrongPriceFeed);
    require_keys_eq!(*account.owner, crate::ID, AdapterError::NotAPriceFeed);
    let data = account.try_borrow_data()?;
    let feed = decode_feed(&data)?;
    Ok(reading(&feed, now_ts))
}

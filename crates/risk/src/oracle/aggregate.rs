//! Aggregation of the valid sources of one feed into one published price.
//!
//! 1. price = median of the valid sources (mean of the middle two when even),
//!    so with three or more sources one bad source cannot move it outside
//!    the honest sources' range;
//! 2. conf = max(every source's conf, every source's distance to the median);
//!    the sources' range `[lo, hi]` (with three or more sources, the strict
//!    majority within the divergence limit of the median, when there is
//!    one) and their own largest conf (`src_conf`, without the dispersion)
//!    are published beside it, so a consumer can value a position at the
//!    source least (or most) adverse to its holder;
//! 3. validity = the most severe of:
//!    - `Degraded` when fewer than `min_valid_sources` are valid, or only one
//!      of several configured sources is; a lone source's conf is doubled;
//!    - `TooUncertain` (a dispute) when (max - min) / median exceeds the
//!      divergence limit or conf / price exceeds the conf limit;
//!    - `TooVolatile` when the sources agree but |price - EMA| / EMA exceeds
//!      the jump limit, for at most `jump_confirm_slots`: a jump that every
//!      configured source has shown that long, refreshed throughout and
//!      within the jump limit of where it started, is real, and the EMA
//!      (held while the count runs) re-anchors at the price;
//! 4. publish time = the newest valid source's; it never goes backwards: an
//!    aggregate older than the stored one is not applied;
//! 5. the EMA and the variance-rate EWMA advance by the elapsed publish time;
//! 6. with no valid source the stored price stays, marked `Stale` while it is
//!    younger than `STALE_TO_INVALID_FACTOR` max ages, `Invalid` after.

use super::ewma::{approx_log_return, ewma, variance_sample};
use super::{Guards, Quote, Validity, MAX_SOURCES};
use crate::math::{exceeds_bps, MathError, SafeMath};

/// A lone valid source (of several configured) has its conf multiplied by this.
pub const SINGLE_SOURCE_CONF_MULTIPLIER: u64 = 2;
/// With no valid source, a stored price older than this many max ages is
/// `Invalid` rather than `Stale`.
pub const STALE_TO_INVALID_FACTOR: i64 = 10;
/// An agreed jump confirms only if the feed was refreshed at least this
/// often (slots) throughout the confirmation window: a price seen at the
/// start and the end of the window alone has not stood through it. Below
/// the smallest `jump_confirm_slots` (30).
pub const MAX_CONFIRM_GAP_SLOTS: u64 = 25;

/// The published state of a feed, as plain numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeedState {
    /// precision: PRICE_PRECISION.
    pub price: i64,
    /// precision: PRICE_PRECISION.
    pub conf: u64,
    /// precision: PRICE_PRECISION.
    pub ema_price: i64,
    /// Realised variance per second. precision: VARIANCE_PRECISION.
    pub variance_rate: u64,
    /// Unix seconds of the newest valid source in the last applied aggregate.
    pub publish_time: i64,
    /// Slot of the newest valid source in the last applied aggregate.
    pub publish_slot: u64,
    /// Whether any aggregate was ever applied.
    pub has_price: bool,
    /// Validity as of the last refresh.
    pub validity: u8,
    /// Valid sources in the last refresh.
    pub valid_sources: u8,
    /// Lowest valid source price of the applied aggregate. precision: PRICE_PRECISION.
    pub lo_price: i64,
    /// Highest valid source price of the applied aggregate. precision: PRICE_PRECISION.
    pub hi_price: i64,
    /// Largest own conf of the valid sources (no dispersion term; doubled for
    /// a lone source). precision: PRICE_PRECISION.
    pub src_conf: u64,
    /// First slot of the agreed jump now standing beyond the jump limit
    /// (0: none).
    pub jump_since_slot: u64,
    /// The price that started that jump (0: none). precision: PRICE_PRECISION.
    pub jump_start_price: i64,
    /// Slot of the previous refresh, applied or not (read only: the
    /// adapter stores it after every refresh).
    pub last_refresh_slot: u64,
    /// The reference the last confirmed jump moved away from (the EMA it
    /// re-anchored), lowest of the jumps confirmed within
    /// `ANCHOR_SPAN_SLOTS` of each other: consumers value gains no higher
    /// than this for a while after a jump (0: none). precision: PRICE_PRECISION.
    pub anchor_lo: i64,
    /// The same, highest. precision: PRICE_PRECISION.
    pub anchor_hi: i64,
    /// Slot the last jump was confirmed (0: none).
    pub anchor_slot: u64,
}

/// Jumps confirmed within this many slots of the previous one widen its
/// anchors instead of replacing them (about an hour): a pump in several
/// confirmed steps keeps the price it started from.
pub const ANCHOR_SPAN_SLOTS: u64 = 9_000;

impl FeedState {
    /// The stored validity, decoded.
    pub fn validity(&self) -> Validity {
        Validity::from_u8(self.validity)
    }
}

/// The result of one aggregation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Aggregate {
    /// The new state (equal to the old one but for validity when not applied).
    pub state: FeedState,
    /// Whether a new price was published.
    pub applied: bool,
}

/// The median of `sorted` (ascending, non-empty): the middle price, or the
/// mean of the middle two, rounded down.
pub fn median_of_sorted(sorted: &[i64]) -> Result<i64, MathError> {
    let n = sorted.len();
    if n == 0 {
        return Err(MathError::DivideByZero);
    }
    if n % 2 == 1 {
        return Ok(sorted[n / 2]);
    }
    let (a, b) = (sorted[n / 2 - 1], sorted[n / 2]);
    a.safe_add(b.safe_sub(a)? / 2)
}

/// The dispute rule on source prices: `(max - min) / median` beyond
/// `max_divergence_bps` (sorts `prices`; no prices never diverge). The
/// adapter's aggregation and the stress lab's ground truth both use it.
pub fn prices_diverge(prices: &mut [i64], max_divergence_bps: u32) -> Result<bool, MathError> {
    if prices.is_empty() {
        return Ok(false);
    }
    prices.sort_unstable();
    let (lo, hi) = (prices[0], prices[prices.len() - 1]);
    let median = median_of_sorted(prices)?;
    Ok(exceeds_bps(hi.abs_diff(lo), median.unsigned_abs(), max_divergence_bps as u64))
}

/// Aggregate `quotes` (the sources that passed `check_quote`) of a feed with
/// `configured` sources into a new state at `now_ts` / `now_slot`. See the
/// module docs for the rules.
pub fn aggregate(
    prev: &FeedState,
    quotes: &[Quote],
    configured: usize,
    guards: &Guards,
    now_ts: i64,
    now_slot: u64,
) -> Result<Aggregate, MathError> {
    let n = quotes.len();
    if n > MAX_SOURCES {
        return Err(MathError::Overflow);
    }
    if n == 0 {
        let age = now_ts.saturating_sub(prev.publish_time);
        let invalid_after = (guards.max_age_secs as i64).saturating_mul(STALE_TO_INVALID_FACTOR);
        let validity = if prev.has_price && age <= invalid_after { Validity::Stale } else { Validity::Invalid };
        // An outage ends any jump count: it cannot confirm across a gap.
        let state =
            FeedState { validity: validity as u8, valid_sources: 0, jump_since_slot: 0, jump_start_price: 0, ..*prev };
        return Ok(Aggregate { state, applied: false });
    }

    let mut prices = [0i64; MAX_SOURCES];
    for (slot, q) in prices.iter_mut().zip(quotes) {
        *slot = q.price;
    }
    let prices = &mut prices[..n];
    prices.sort_unstable();
    let (lo, hi) = (prices[0], prices[n - 1]);
    let median = median_of_sorted(prices)?;

    let mut conf = 0u64;
    let mut src_conf = 0u64;
    let mut publish_time = i64::MIN;
    let mut publish_slot = 0u64;
    for q in quotes {
        src_conf = src_conf.max(q.conf);
        conf = conf.max(q.conf).max(q.price.abs_diff(median));
        publish_time = publish_time.max(q.publish_time);
        publish_slot = publish_slot.max(q.slot);
    }

    let mut validity = Validity::Valid;
    if n < guards.min_valid_sources as usize || (n == 1 && configured > 1) {
        validity = validity.max(Validity::Degraded);
        if n == 1 {
            conf = conf.safe_mul(SINGLE_SOURCE_CONF_MULTIPLIER)?;
            src_conf = conf;
        }
    }
    let median_u = median as u64; // median > 0: every quote price is > 0.
    let max_divergence = guards.max_divergence_bps as u64;
    let disputed =
        prices_diverge(prices, guards.max_divergence_bps)? || exceeds_bps(conf, median_u, guards.max_conf_bps as u64);
    // The range a consumer values positions across. With three or more
    // sources, a strict majority within the divergence limit of the median
    // is the range, so one bad source cannot shield an account from
    // liquidation; otherwise (two sources cannot tell which is right) every
    // valid source.
    let (mut near_lo, mut near_hi, mut near) = (i64::MAX, i64::MIN, 0usize);
    for &p in prices.iter() {
        if !exceeds_bps(p.abs_diff(median), median_u, max_divergence) {
            (near_lo, near_hi, near) = (near_lo.min(p), near_hi.max(p), near + 1);
        }
    }
    let (lo_price, hi_price) = if n >= 3 && near * 2 > n { (near_lo, near_hi) } else { (lo, hi) };

    // An agreed jump (every configured source valid, no dispute) is
    // confirmed once it has stood `jump_confirm_slots`: seen at every
    // refresh (no gap over `MAX_CONFIRM_GAP_SLOTS`) and never further than
    // the jump limit from the price that started it. A dispute, a missing
    // source, an information-older refresh, or a price back within the
    // limit restarts the count. While it runs the EMA holds; a confirmed
    // jump re-anchors the EMA at the price.
    let jumped = prev.has_price
        && prev.ema_price > 0
        && exceeds_bps(median.abs_diff(prev.ema_price), prev.ema_price as u64, guards.max_jump_bps as u64);
    let (mut jump_since_slot, mut jump_start_price, mut reanchor) = (0u64, 0i64, false);
    if disputed {
        validity = validity.max(Validity::TooUncertain);
    } else if jumped {
        let continuing = prev.jump_since_slot != 0
            && prev.jump_start_price > 0
            && now_slot.saturating_sub(prev.last_refresh_slot) <= MAX_CONFIRM_GAP_SLOTS
            && !exceeds_bps(
                median.abs_diff(prev.jump_start_price),
                prev.jump_start_price as u64,
                guards.max_jump_bps as u64,
            );
        if validity == Validity::Valid && n == configured {
            (jump_since_slot, jump_start_price) =
                if continuing { (prev.jump_since_slot, prev.jump_start_price) } else { (now_slot.max(1), median) };
            reanchor = now_slot.saturating_sub(jump_since_slot) >= guards.jump_confirm_slots as u64;
        }
        if reanchor {
            (jump_since_slot, jump_start_price) = (0, 0);
        } else {
            validity = validity.max(Validity::TooVolatile);
        }
    }

    if prev.has_price && publish_time < prev.publish_time {
        // Older information than what is published: never go backwards.
        // A jump cannot go on counting on information older than its own.
        let worst = validity.max(prev.validity());
        let state = FeedState {
            validity: worst as u8,
            valid_sources: n as u8,
            jump_since_slot: 0,
            jump_start_price: 0,
            ..*prev
        };
        return Ok(Aggregate { state, applied: false });
    }

    let (ema_price, variance_rate) = if prev.has_price && prev.price > 0 {
        let dt = publish_time.safe_sub(prev.publish_time)? as u64;
        let ema_price = ewma(prev.ema_price, median, dt, guards.ema_half_life_secs)?;
        let variance_rate = if dt > 0 {
            let sample = variance_sample(approx_log_return(prev.price, median)?, dt)?;
            // Both operands are < 4e18 < i64::MAX (see `variance_sample`).
            let v = ewma(prev.variance_rate as i64, sample as i64, dt, guards.vol_half_life_secs)?;
            v as u64
        } else {
            prev.variance_rate
        };
        let ema_price = if reanchor {
            median
        } else if jump_since_slot != 0 {
            prev.ema_price // the jump is being confirmed: the reference holds
        } else {
            ema_price
        };
        (ema_price, variance_rate)
    } else {
        (median, 0)
    };

    // A confirmed jump records the reference it moved away from.
    let (mut anchor_lo, mut anchor_hi, mut anchor_slot) = (prev.anchor_lo, prev.anchor_hi, prev.anchor_slot);
    if reanchor && prev.ema_price > 0 {
        let merge = anchor_slot != 0 && anchor_lo > 0 && now_slot < anchor_slot.saturating_add(ANCHOR_SPAN_SLOTS);
        (anchor_lo, anchor_hi) = if merge {
            (anchor_lo.min(prev.ema_price), anchor_hi.max(prev.ema_price))
        } else {
            (prev.ema_price, prev.ema_price)
        };
        anchor_slot = now_slot.max(1);
    }

    let state = FeedState {
        price: median,
        conf,
        ema_price,
        variance_rate,
        publish_time,
        publish_slot,
        has_price: true,
        validity: validity as u8,
        valid_sources: n as u8,
        lo_price,
        hi_price,
        src_conf,
        jump_since_slot,
        jump_start_price,
        last_refresh_slot: prev.last_refresh_slot,
        anchor_lo,
        anchor_hi,
        anchor_slot,
    };
    Ok(Aggregate { state, applied: true })
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;

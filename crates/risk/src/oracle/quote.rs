//! One source's quote: raw as parsed, then checked and normalised.

use super::{Guards, Verdict};
use crate::fixed::{to_price_units, to_price_units_u64, Round};
use crate::math::exceeds_bps;

/// A source's quote exactly as its account states it: `value = mantissa *
/// 10^expo`. Produced by the adapter's format parsers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawQuote {
    /// Price mantissa.
    pub price: i128,
    /// Confidence (Pyth) or standard deviation (Switchboard) mantissa.
    pub conf: u128,
    /// Decimal exponent of `price`.
    pub expo: i32,
    /// Decimal exponent of `conf` (Switchboard v2 scales them separately).
    pub conf_expo: i32,
    /// Publish time, unix seconds.
    pub publish_time: i64,
    /// The slot the value refers to (posted / result / aggregate slot).
    pub slot: u64,
}

/// A quote that passed [`check_quote`], at Ballast's precision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quote {
    /// precision: PRICE_PRECISION. Always > 0.
    pub price: i64,
    /// precision: PRICE_PRECISION. Rounded up.
    pub conf: u64,
    /// Unix seconds.
    pub publish_time: i64,
    /// Slot of the value.
    pub slot: u64,
}

/// Check one raw quote against the feed's guard rails at time `now_ts` /
/// `now_slot`, and normalise it. The first failing check is the verdict.
///
/// Order: price sign, representability, timestamp presence, future
/// timestamp (beyond `max_future_secs`, or a slot ahead of the clock's),
/// age in seconds, age in slots, conf/price. A publish time ahead of the
/// clock but within the tolerance is clamped to now, so it can never make
/// later honest updates look older than the published price.
pub fn check_quote(raw: &RawQuote, guards: &Guards, now_ts: i64, now_slot: u64) -> Result<Quote, Verdict> {
    if raw.price <= 0 {
        return Err(Verdict::NonPositivePrice);
    }
    let price = to_price_units(raw.price, raw.expo, Round::Down).map_err(|_| Verdict::PriceOutOfRange)?;
    if price <= 0 {
        // Positive at the source but below one unit of our precision.
        return Err(Verdict::PriceOutOfRange);
    }
    let conf = to_price_units_u64(raw.conf, raw.conf_expo, Round::Up).map_err(|_| Verdict::PriceOutOfRange)?;
    if raw.publish_time <= 0 {
        return Err(Verdict::MissingTimestamp);
    }
    // A slot can never be ahead of the clock's; a time may, by clock skew,
    // up to the feed's tolerance.
    if raw.publish_time > now_ts.saturating_add(guards.max_future_secs as i64) || raw.slot > now_slot {
        return Err(Verdict::FutureTimestamp);
    }
    let max_age = guards.max_age_secs as i64;
    if now_ts.saturating_sub(raw.publish_time) > max_age {
        return Err(Verdict::StaleTime);
    }
    if now_slot.saturating_sub(raw.slot) > guards.max_age_slots as u64 {
        return Err(Verdict::StaleSlot);
    }
    if exceeds_bps(conf, price as u64, guards.max_conf_bps as u64) {
        return Err(Verdict::TooUncertain);
    }
    Ok(Quote { price, conf, publish_time: raw.publish_time.min(now_ts), slot: raw.slot })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(price: i128, conf: u128) -> RawQuote {
        RawQuote { price, conf, expo: -8, conf_expo: -8, publish_time: 1_000, slot: 500 }
    }

    #[test]
    fn accepts_and_normalises_a_good_quote() {
        let q = check_quote(&raw(13_272_457_249, 13_518_041), &Guards::default_liquid(), 1_010, 510).unwrap();
        assert_eq!(q.price, 132_724_572_490);
        assert_eq!(q.conf, 135_180_410);
    }

    #[test]
    fn each_check_has_its_verdict() {
        let g = Guards::default_liquid();
        assert_eq!(check_quote(&raw(0, 1), &g, 1_000, 500), Err(Verdict::NonPositivePrice));
        assert_eq!(check_quote(&raw(-5, 1), &g, 1_000, 500), Err(Verdict::NonPositivePrice));
        let mut r = raw(1, 0);
        r.expo = -12;
        assert_eq!(check_quote(&r, &g, 1_000, 500), Err(Verdict::PriceOutOfRange));
        let mut r = raw(100, 0);
        r.expo = 40;
        assert_eq!(check_quote(&r, &g, 1_000, 500), Err(Verdict::PriceOutOfRange));
        let mut r = raw(100, 0);
        r.publish_time = 0;
        assert_eq!(check_quote(&r, &g, 1_000, 500), Err(Verdict::MissingTimestamp));
        // 2 s of tolerance: 3 s ahead is refused, 2 s ahead counts as now.
        assert_eq!(check_quote(&raw(100, 0), &g, 1_000 - 3, 500), Err(Verdict::FutureTimestamp));
        assert_eq!(
            check_quote(&raw(100, 0), &g, 1_000 - 2, 500),
            Ok(Quote { price: 1_000, conf: 0, publish_time: 998, slot: 500 })
        );
        assert_eq!(check_quote(&raw(100, 0), &g, 1_000, 499), Err(Verdict::FutureTimestamp), "a slot ahead");
        assert_eq!(check_quote(&raw(100, 0), &g, 1_000 + 61, 500), Err(Verdict::StaleTime));
        assert_eq!(
            check_quote(&raw(100, 0), &g, 1_000 + 60, 500),
            Ok(Quote { price: 1_000, conf: 0, publish_time: 1_000, slot: 500 })
        );
        assert_eq!(check_quote(&raw(100, 0), &g, 1_000, 651), Err(Verdict::StaleSlot));
        // 2 % limit: conf 2.01 % is rejected, 2 % exactly passes.
        assert_eq!(check_quote(&raw(10_000, 201), &g, 1_000, 500), Err(Verdict::TooUncertain));
        assert!(check_quote(&raw(10_000, 200), &g, 1_000, 500).is_ok());
    }
}

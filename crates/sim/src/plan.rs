//! How a replay maps market time onto slots, how long it will take, and
//! the limit that stops a runaway replay before it starts.
//!
//! A price file replayed at one 400 ms slot per 0.4 s of market time would
//! take about 1.5 million slots for a week of hourly candles. Unless the
//! caller sets `path_secs_per_slot`, the lab fast-forwards: each slot
//! covers `max(span / TARGET_SLOTS, interval / SLOTS_PER_CANDLE)` seconds
//! of market (whole seconds, rounded up), so a file replays in at most
//! about [`TARGET_SLOTS`] slots and no candle is cut into more than
//! [`SLOTS_PER_CANDLE`] slots.

use crate::prices::PricePath;
use anyhow::{bail, Result};
use ballast_client::fmt::fmt_grouped;
use ballast_client::time::fmt_duration as duration;

/// Slots an inferred mapping replays a whole file in, at most.
pub const TARGET_SLOTS: u64 = 3_000;
/// Slots an inferred mapping cuts one candle into, at most.
pub const SLOTS_PER_CANDLE: u64 = 24;
/// Slots a run may replay unless the caller raises the limit.
pub const DEFAULT_MAX_SLOTS: u64 = 20_000;

/// How market time maps onto slots.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Mapping {
    /// Market seconds per slot.
    pub secs_per_slot: f64,
    /// Whether the lab chose it (no `path_secs_per_slot` given).
    pub inferred: bool,
    /// The file's candle interval, seconds (the median gap between points).
    pub interval: Option<i64>,
    /// Market seconds from the first point to the last.
    pub span: i64,
    /// Points in the path.
    pub points: usize,
}

/// The median gap between consecutive points, seconds.
pub fn candle_interval(path: &PricePath) -> Option<i64> {
    let mut gaps: Vec<i64> = path.points.windows(2).map(|w| w[1].0 - w[0].0).collect();
    gaps.sort_unstable();
    gaps.get(gaps.len() / 2).copied()
}

/// The mapping of `path`: `given` seconds per slot, or the inferred one.
pub fn mapping(path: &PricePath, given: Option<f64>) -> Mapping {
    let span = match (path.points.first(), path.points.last()) {
        (Some(a), Some(b)) => b.0 - a.0,
        _ => 0,
    };
    let interval = candle_interval(path);
    let secs_per_slot = given.unwrap_or_else(|| {
        let by_span = span as f64 / TARGET_SLOTS as f64;
        let by_candle = interval.unwrap_or(0) as f64 / SLOTS_PER_CANDLE as f64;
        by_span.max(by_candle).ceil().max(1.0)
    });
    Mapping { secs_per_slot, inferred: given.is_none(), interval, span, points: path.points.len() }
}

impl Mapping {
    /// Slots that replay the whole path (at least 1).
    pub fn whole_slots(&self) -> u64 {
        ((self.span as f64 / self.secs_per_slot) as u64).max(1)
    }

    /// One line: the file's shape and the mapping.
    pub fn describe(&self) -> String {
        let candles = match self.interval {
            Some(i) => format!("{} points {} apart", self.points, duration(i)),
            None => format!("{} point", self.points),
        };
        let how = if self.inferred { "inferred; --path-secs-per-slot sets it" } else { "as given" };
        format!(
            "{candles} over {}, replayed at {} s of market per slot ({how})",
            duration(self.span),
            self.secs_per_slot
        )
    }
}

/// Refuse a run of more than `max_slots` slots, saying how to allow it or
/// how to shorten it (`span`: the price file's market seconds).
pub fn check_limit(slots: u64, max_slots: u64, span: Option<i64>) -> Result<()> {
    if slots <= max_slots {
        return Ok(());
    }
    let shorter = match span {
        Some(span) if span > 0 => format!(
            ", or replay more market time per slot: --path-secs-per-slot {} fits the limit",
            (span as u64).div_ceil(max_slots.max(1))
        ),
        _ => ", or run fewer with --slots".into(),
    };
    bail!(
        "this run would replay {} slots, above the limit of {} (--max-slots): raise it with --max-slots {slots}{shorter}",
        fmt_grouped(slots.into()),
        fmt_grouped(max_slots.into())
    )
}

/// A rough wall-time estimate, seconds, for `runs` runs of `slots` slots,
/// one after another, with `traders` traders: the `lab` build replays
/// about 100,000 / (traders + 15) slots a second on one core of this
/// project's machines (833 a second with 100 traders, 536 with 200, 109
/// with 1,000; BENCHMARKS.md).
pub fn estimate_secs(slots: u64, runs: usize, traders: usize) -> f64 {
    let per_sec = 100_000.0 / (traders as f64 + 15.0);
    slots as f64 * runs as f64 / per_sec
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hourly(days: i64) -> PricePath {
        PricePath { points: (0..=days * 24).map(|h| (h * 3_600, 100)).collect() }
    }

    #[test]
    fn an_hourly_file_with_no_mapping_replays_in_at_most_target_slots() {
        // Five days of hourly candles: 150 s a slot (24 slots a candle),
        // 2,880 slots, where one slot per 0.4 s would be over a million.
        let m = mapping(&hourly(5), None);
        assert_eq!((m.interval, m.span, m.secs_per_slot, m.inferred), (Some(3_600), 432_000, 150.0, true));
        assert_eq!(m.whole_slots(), 2_880);
        // A week: the span bound takes over (202 s, 2,994 slots).
        let w = mapping(&hourly(7), None);
        assert_eq!((w.secs_per_slot, w.whole_slots()), (202.0, 2_994));
        assert!(w.describe().contains("169 points 1h apart over 7d, replayed at 202 s of market per slot (inferred"));
        // A minute file of six days: about 3 candles a slot.
        let minutes = PricePath { points: (0..8_680).map(|i| (i * 60, 100)).collect() };
        let m = mapping(&minutes, None);
        assert_eq!((m.interval, m.secs_per_slot, m.whole_slots()), (Some(60), 174.0, 2_992));
        // A given mapping is kept.
        let g = mapping(&hourly(5), Some(1.5));
        assert_eq!((g.secs_per_slot, g.inferred, g.whole_slots()), (1.5, false, 288_000));
        // One point: 1 s a slot, one slot.
        let one = mapping(&PricePath { points: vec![(7, 100)] }, None);
        assert_eq!((one.interval, one.secs_per_slot, one.whole_slots()), (None, 1.0, 1));
    }

    #[test]
    fn a_run_above_the_slot_limit_is_refused_with_both_ways_out() {
        let e = check_limit(20_001, DEFAULT_MAX_SLOTS, Some(432_000)).unwrap_err().to_string();
        assert_eq!(
            e,
            "this run would replay 20,001 slots, above the limit of 20,000 (--max-slots): raise it with \
             --max-slots 20001, or replay more market time per slot: --path-secs-per-slot 22 fits the limit"
        );
        // Success twin: at the limit.
        assert!(check_limit(20_000, DEFAULT_MAX_SLOTS, Some(432_000)).is_ok());
        let e = check_limit(11, 10, None).unwrap_err().to_string();
        assert!(e.ends_with("raise it with --max-slots 11, or run fewer with --slots"), "{e}");
        // The suggested mapping does fit.
        let m = mapping(&hourly(5), Some(22.0));
        assert!(m.whole_slots() <= DEFAULT_MAX_SLOTS);
    }

    #[test]
    fn the_estimate_scales_with_slots_runs_and_traders() {
        // The default crash took 2.4 s a set; LUNA's 8,679 slots with 200
        // traders 16 s a set.
        assert!((estimate_secs(2_000, 3, 100) - 6.9).abs() < 0.01);
        assert!((estimate_secs(8_679, 3, 200) - 55.98).abs() < 0.01);
        assert!((estimate_secs(8_679, 1, 200) * 3.0 - estimate_secs(8_679, 3, 200)).abs() < 1e-9);
    }
}

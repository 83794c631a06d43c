//! Driving a feed through the real adapter: a slot clock (with congestion
//! stretching) and the emulated publishers of a feed (2 to 4 source
//! accounts), written into the bank each slot with optional faults (a
//! source gone dark, a lagging source, the second source diverging, every
//! source pushed together: an agreed pump).

use ballast_bank::sources::SourceFixture;
use ballast_risk::oracle::prices_diverge;
use oracle_adapter::sources::SourceKind;

/// Slot → unix time. Slots normally take `ms_per_slot`; inside
/// `stretch = (from, until, ms)` they take `ms` (network congestion).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotClock {
    /// First slot.
    pub start_slot: u64,
    /// Unix time of the first slot.
    pub start_time: i64,
    /// Normal slot time, milliseconds.
    pub ms_per_slot: u64,
    /// Congestion window `[from, until)` in slots, and its slot time.
    pub stretch: Option<(u64, u64, u64)>,
}

impl SlotClock {
    /// Milliseconds from the first slot to `slot`.
    pub fn elapsed_ms(&self, slot: u64) -> u64 {
        let n = slot.saturating_sub(self.start_slot);
        match self.stretch {
            Some((from, until, ms)) => {
                let (from, until) = (from.min(n), until.min(n).max(from.min(n)));
                from * self.ms_per_slot + (until - from) * ms + (n - until) * self.ms_per_slot
            }
            None => n * self.ms_per_slot,
        }
    }

    /// Unix seconds at `slot`.
    pub fn unix(&self, slot: u64) -> i64 {
        self.start_time + (self.elapsed_ms(slot) / 1_000) as i64
    }
}

/// Faults of the two publishers, by slot window `[from, until)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OracleFaults {
    /// Source index that stops publishing, and when.
    pub dark: Option<(usize, u64, u64)>,
    /// Source index that publishes `lag` slots late, and when: `(source, from, until, lag)`.
    pub lag: Option<(usize, u64, u64, u64)>,
    /// The second source reports the price moved by `bps`, and when: `(from, until, bps)`.
    pub divergence: Option<(u64, u64, i64)>,
}

/// The emulated publishers of one asset.
pub struct Publishers {
    /// The feed's sources, in configured order.
    pub sources: Vec<SourceFixture>,
    /// Their faults.
    pub faults: OracleFaults,
    /// Every source reports the price moved by `bps`, and when:
    /// `(from, until, bps)` (an agreed push: no source disagrees; applied
    /// before the other faults). Set with [`Publishers::pushed`].
    pub push: Option<(u64, u64, i64)>,
    history: Vec<(u64, i64, i64)>,
}

/// `price` moved by `bps`, at least 1.
fn moved(price: i64, bps: i64) -> i64 {
    ((price as i128 * (10_000 + bps) as i128 / 10_000) as i64).max(1)
}

impl Publishers {
    /// Both publishers at `price` (PRICE_PRECISION) at `t`/`slot`.
    pub fn new(price: i64, t: i64, slot: u64, faults: OracleFaults) -> Publishers {
        let sources = vec![
            SourceFixture::new(SourceKind::PythPull, price, 0, t, slot),
            SourceFixture::new(SourceKind::SwitchboardOnDemand, price, 0, t, slot),
        ];
        Publishers { sources, faults, push: None, history: vec![(slot, t, price)] }
    }

    /// Publishers over existing source accounts (a feed's configured ones).
    pub fn from_sources(sources: Vec<SourceFixture>, faults: OracleFaults) -> Publishers {
        let first = sources.first().map(|s| (s.slot, s.publish_time, s.price)).unwrap_or_default();
        Publishers { sources, faults, push: None, history: vec![first] }
    }

    /// These publishers with every source pushed by `bps` in `[from, until)`.
    pub fn pushed(self, push: Option<(u64, u64, i64)>) -> Publishers {
        Publishers { push, ..self }
    }

    /// Whether the sources' current prices disagree beyond
    /// `max_divergence_bps` of their median: the adapter's own rule
    /// ([`prices_diverge`]) over what the publishers published.
    pub fn disputed(&self, max_divergence_bps: u32) -> bool {
        let mut p: Vec<i64> = self.sources.iter().map(|s| s.price).collect();
        prices_diverge(&mut p, max_divergence_bps).unwrap_or(true)
    }

    /// Publish `price` at `t`/`slot`, with the faults in force; returns the
    /// sources whose accounts changed (to write into the bank).
    pub fn publish(&mut self, price: i64, t: i64, slot: u64) -> Vec<&SourceFixture> {
        let within = |from: u64, until: u64| (from..until).contains(&slot);
        let price = match self.push {
            Some((from, until, bps)) if within(from, until) => moved(price, bps),
            _ => price,
        };
        self.history.push((slot, t, price));
        let mut changed = Vec::new();
        for (i, s) in self.sources.iter_mut().enumerate() {
            if matches!(self.faults.dark, Some((d, from, until)) if d == i && within(from, until)) {
                continue;
            }
            let (mut p, mut pt, mut ps) = (price, t, slot);
            if let Some((l, from, until, lag)) = self.faults.lag {
                if l == i && within(from, until) {
                    let target = slot.saturating_sub(lag);
                    if let Some(&(hs, ht, hp)) = self.history.iter().rev().find(|(hs, _, _)| *hs <= target) {
                        (p, pt, ps) = (hp, ht, hs);
                    }
                }
            }
            if let Some((from, until, bps)) = self.faults.divergence {
                if i == 1 && within(from, until) {
                    p = moved(p, bps);
                }
            }
            *s = s.at(p, pt, ps);
            changed.push(i);
        }
        changed.into_iter().map(|i| &self.sources[i]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn congestion_stretches_the_slot_clock_only_inside_its_window() {
        let c = SlotClock { start_slot: 100, start_time: 1_000, ms_per_slot: 400, stretch: Some((10, 20, 2_000)) };
        assert_eq!(c.elapsed_ms(110), 4_000);
        assert_eq!(c.elapsed_ms(120), 4_000 + 20_000);
        assert_eq!(c.elapsed_ms(130), 24_000 + 4_000);
        assert_eq!(c.unix(130), 1_028);
        assert_eq!(SlotClock { stretch: None, ..c }.unix(100 + 2_500), 2_000);
    }

    #[test]
    fn faults_silence_delay_or_skew_a_publisher_inside_their_windows() {
        let faults = OracleFaults { dark: Some((0, 5, 10)), lag: None, divergence: Some((20, 30, 300)) };
        let mut p = Publishers::new(100, 0, 0, faults);
        assert_eq!(p.publish(101, 1, 1).len(), 2);
        assert_eq!(p.publish(102, 6, 6).len(), 1, "source 0 is dark");
        assert_eq!((p.sources[0].price, p.sources[1].price), (101, 102));
        p.publish(10_000, 21, 21);
        assert_eq!((p.sources[0].price, p.sources[1].price), (10_000, 10_300), "3 % apart");
        // 300 / 10_150 = 2.96 %: disputed under a 2.95 % limit, agreed under 2.96 %.
        assert!(p.disputed(295));
        assert!(!p.disputed(296));
        let mut lag = Publishers::new(100, 0, 0, OracleFaults { lag: Some((1, 0, 100, 3)), ..Default::default() });
        for s in 1..=5 {
            lag.publish(100 + s as i64, s as i64, s);
        }
        assert_eq!((lag.sources[1].price, lag.sources[1].slot), (102, 2), "three slots behind");
    }

    #[test]
    fn a_push_moves_every_source_together_inside_its_window_only() {
        let mut p = Publishers::new(100, 0, 0, OracleFaults::default()).pushed(Some((5, 8, 3_000)));
        p.publish(100, 4, 4);
        assert_eq!((p.sources[0].price, p.sources[1].price), (100, 100));
        p.publish(100, 5, 5);
        assert_eq!((p.sources[0].price, p.sources[1].price), (130, 130), "agreed: no dispute");
        assert!(!p.disputed(1));
        p.publish(100, 8, 8);
        assert_eq!((p.sources[0].price, p.sources[1].price), (100, 100), "then the price returns");
    }
}

//! Bounded per-slot series: a run of any length keeps at most
//! [`ROW_CAP`] points. Up to the cap there is one point per slot; beyond
//! it, neighbouring points merge pairwise and each point covers twice as
//! many slots, so memory stays flat however long the replay. Totals are
//! never taken from the series: the lab sums them exactly as it goes.

/// Most points a series keeps (one per slot up to this many slots).
pub const ROW_CAP: usize = 4_096;

/// A series of points, each covering `width` consecutive slots (the last
/// one possibly fewer, while it fills).
#[derive(Clone, Debug)]
pub struct Sampled<T> {
    items: Vec<T>,
    width: u64,
    filled: u64,
    cap: usize,
    merge: fn(&mut T, T),
}

impl<T> Sampled<T> {
    /// An empty series that keeps at most `cap` points (`cap` is even, at
    /// least 2); `merge(earlier, later)` folds a later point into an
    /// earlier one covering the slots just before it.
    pub fn new(cap: usize, merge: fn(&mut T, T)) -> Sampled<T> {
        assert!(cap >= 2 && cap.is_multiple_of(2), "an even cap of at least 2");
        Sampled { items: Vec::new(), width: 1, filled: 0, cap, merge }
    }

    /// Add the next slot's point.
    pub fn push(&mut self, x: T) {
        if self.filled > 0 && self.filled < self.width {
            if let Some(last) = self.items.last_mut() {
                (self.merge)(last, x);
                self.filled += 1;
                return;
            }
        }
        if self.items.len() == self.cap {
            // Every point is full (an even count of full points): halve.
            let old = std::mem::take(&mut self.items);
            let mut it = old.into_iter();
            while let Some(mut a) = it.next() {
                if let Some(b) = it.next() {
                    (self.merge)(&mut a, b);
                }
                self.items.push(a);
            }
            self.width *= 2;
        }
        self.items.push(x);
        self.filled = 1;
    }

    /// Slots per point.
    pub fn width(&self) -> u64 {
        self.width
    }

    /// The points, oldest first.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The points, oldest first, by value.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(a: &mut u64, b: u64) {
        *a += b;
    }

    #[test]
    fn a_series_stays_within_its_cap_and_every_point_covers_width_slots() {
        for n in [1u64, 7, 8, 9, 100, 1_000] {
            let mut s = Sampled::new(8, add);
            for _ in 0..n {
                s.push(1);
            }
            assert!(s.items().len() <= 8, "{n}: bounded");
            assert_eq!(s.items().iter().sum::<u64>(), n, "{n}: nothing lost");
            let (full, last) = s.items().split_at(s.items().len() - 1);
            assert!(full.iter().all(|x| *x == s.width()), "{n}: full points cover width slots");
            assert!(last[0] >= 1 && last[0] <= s.width(), "{n}: the last point is filling");
        }
        let mut s = Sampled::new(8, add);
        (0..8).for_each(|_| s.push(1));
        assert_eq!((s.items().len(), s.width()), (8, 1), "one point per slot up to the cap");
        s.push(1);
        assert_eq!((s.items().len(), s.width()), (5, 2), "the ninth slot halves");
    }

    #[test]
    fn points_merge_in_slot_order() {
        let mut s = Sampled::new(2, |a: &mut Vec<u32>, b: Vec<u32>| a.extend(b));
        (0..5).for_each(|i| s.push(vec![i]));
        assert_eq!(s.into_items(), vec![vec![0, 1, 2, 3], vec![4]]);
    }
}

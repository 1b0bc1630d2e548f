//! Conformal calibration: a bounded set of past normal scores, kept sorted, turning a score into a
//! p-value `p = (1 + #{calibration >= s}) / (n + 1)` with a binary search. Valid (never
//! anti-conservative) whenever the scores are exchangeable.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Calibration {
    cap: usize,
    /// Scores in arrival order (oldest first), for eviction and snapshots.
    order: VecDeque<f64>,
    /// The same scores, sorted ascending.
    sorted: Vec<f64>,
}

impl Calibration {
    pub(crate) fn new(cap: usize) -> Self {
        Calibration { cap, order: VecDeque::with_capacity(cap), sorted: Vec::with_capacity(cap) }
    }

    /// Like `new`, without reserving memory up front (for streams that may never use it).
    pub(crate) fn lazy(cap: usize) -> Self {
        Calibration { cap, order: VecDeque::new(), sorted: Vec::new() }
    }

    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// Scores in arrival order, oldest first.
    pub(crate) fn scores(&self) -> impl Iterator<Item = f64> + '_ {
        self.order.iter().copied()
    }

    /// Adds a score (NaN is stored as +inf), evicting the oldest when full.
    pub(crate) fn push(&mut self, score: f64) {
        let score = if score.is_nan() { f64::INFINITY } else { score };
        if self.order.len() == self.cap {
            if let Some(old) = self.order.pop_front() {
                // Replace `old` by `score` moving only the elements between their positions
                // (one short shift instead of a remove and an insert over the whole array).
                let i = self.sorted.partition_point(|&x| x < old);
                let j = self.sorted.partition_point(|&x| x <= score);
                if i < j {
                    self.sorted.copy_within(i + 1..j, i);
                    self.sorted[j - 1] = score;
                } else {
                    self.sorted.copy_within(j..i, j + 1);
                    self.sorted[j] = score;
                }
                self.order.push_back(score);
                return;
            }
        }
        self.order.push_back(score);
        let i = self.sorted.partition_point(|&x| x <= score);
        self.sorted.insert(i, score);
    }

    /// The conformal p-value of `score`: 1.0 when empty.
    pub(crate) fn p_value(&self, score: f64) -> f64 {
        let n = self.sorted.len();
        let at_least = n - self.sorted.partition_point(|&x| x < score);
        (1 + at_least) as f64 / (n + 1) as f64
    }

    /// `1 - p_value(score)`, refined beyond the largest calibration score by an exponential
    /// tail (scale: largest minus median) so that the most extreme events still rank.
    pub(crate) fn score(&self, score: f64, p_value: f64) -> f64 {
        let Some(&max) = self.sorted.last() else { return 1.0 - p_value };
        if score.is_nan() || score <= max {
            return 1.0 - p_value;
        }
        let spread = (max - self.median()).max(1e-9);
        let tail = if score.is_finite() { libm::exp(-(score - max) / spread) } else { 0.0 };
        1.0 - p_value * tail
    }

    /// The median score (0 when empty).
    pub(crate) fn median(&self) -> f64 {
        if self.sorted.is_empty() {
            0.0
        } else {
            self.sorted[self.sorted.len() / 2]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replacing_in_place_keeps_the_array_sorted_and_complete() {
        let mut c = Calibration::new(64);
        let mut x = 12345u64;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            c.push((x % 50) as f64 / 7.0);
            let mut expect: Vec<f64> = c.order.iter().copied().collect();
            expect.sort_by(f64::total_cmp);
            assert_eq!(c.sorted, expect);
        }
    }

    #[test]
    fn p_value_counts_ties_and_never_reaches_zero() {
        let mut c = Calibration::new(4);
        assert_eq!(c.p_value(10.0), 1.0);
        for s in [1.0, 2.0, 2.0, 3.0] {
            c.push(s);
        }
        assert_eq!(c.p_value(2.0), 4.0 / 5.0);
        assert_eq!(c.p_value(100.0), 1.0 / 5.0);
        assert_eq!(c.p_value(0.0), 1.0);
        assert_eq!(c.score(2.0, c.p_value(2.0)), 1.0 - 4.0 / 5.0);
        assert!(c.score(4.0, c.p_value(4.0)) > c.score(3.5, c.p_value(3.5)));
        assert!(c.score(4.0, c.p_value(4.0)) < 1.0);
        assert_eq!(c.score(f64::INFINITY, 0.2), 1.0);
        c.push(50.0); // evicts 1.0
        assert_eq!(c.scores().collect::<Vec<_>>(), [2.0, 2.0, 3.0, 50.0]);
        assert_eq!(c.p_value(3.0), 3.0 / 5.0);
    }
}

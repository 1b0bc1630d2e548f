//! Symbolization of numbers against the baseline's distribution: 16 quantile bins inside the
//! baseline's range, and three graded levels beyond each end, so that level, shape and spikes
//! become bytes a compressor can match.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

const BINS: usize = 16;

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Quantizer {
    cap: usize,
    refresh_every: u32,
    pub(crate) values: VecDeque<f64>,
    pub(crate) edges: Vec<f64>,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) since_refresh: u32,
}

impl Quantizer {
    pub(crate) fn new(cap: usize, refresh_every: u32) -> Self {
        Quantizer {
            cap,
            refresh_every,
            values: VecDeque::new(),
            edges: Vec::new(),
            min: 0.0,
            max: 0.0,
            since_refresh: 0,
        }
    }

    /// The symbol for `v`: `a..=p` inside the range, `D C B` below and `U V W` above, `?` before
    /// any baseline, `N` for non-finite values.
    pub(crate) fn symbol(&self, v: f64) -> u8 {
        if !v.is_finite() {
            return b'N';
        }
        if self.edges.is_empty() {
            return b'?';
        }
        let span = (self.max - self.min).max(libm::fabs(self.max) * 1e-9).max(1e-12);
        if v < self.min {
            let d = (self.min - v) / span;
            return if d < 0.1 { b'D' } else if d < 0.5 { b'C' } else { b'B' };
        }
        if v > self.max {
            let d = (v - self.max) / span;
            return if d < 0.1 { b'U' } else if d < 0.5 { b'V' } else { b'W' };
        }
        b'a' + self.edges.partition_point(|&e| e <= v) as u8
    }

    /// A coarse symbol for leaves of multi-field events: `m` when `v` is inside the baseline's
    /// range or within 4 robust standard deviations (IQR / 1.349) of its median; beyond that
    /// `D C B` below and `U V W` above at 4, 6 and 10 deviations.
    pub(crate) fn coarse_symbol(&self, v: f64) -> u8 {
        if !v.is_finite() {
            return b'N';
        }
        if self.edges.len() < BINS - 1 {
            return b'?';
        }
        if v >= self.min && v <= self.max {
            return b'm';
        }
        let median = self.edges[BINS / 2 - 1];
        let iqr = self.edges[BINS * 3 / 4 - 1] - self.edges[BINS / 4 - 1];
        let scale = (iqr / 1.349).max((self.max - self.min) / 6.0).max(libm::fabs(median) * 1e-9).max(1e-12);
        let z = (v - median) / scale;
        let a = libm::fabs(z);
        let level = if a <= 4.0 { 0 } else if a <= 6.0 { 1 } else if a <= 10.0 { 2 } else { 3 };
        match (level, z < 0.0) {
            (0, _) => b'm',
            (1, true) => b'D',
            (2, true) => b'C',
            (_, true) => b'B',
            (1, false) => b'U',
            (2, false) => b'V',
            (_, false) => b'W',
        }
    }

    /// Adds a baseline value; refreshes bins on schedule. Non-finite values are ignored.
    pub(crate) fn push(&mut self, v: f64) {
        if !v.is_finite() {
            return;
        }
        if self.values.len() == self.cap {
            self.values.pop_front();
        }
        self.values.push_back(v);
        self.since_refresh += 1;
        let early = self.values.len() < self.cap && self.since_refresh >= 8;
        if early || self.since_refresh >= self.refresh_every {
            self.refresh();
        }
    }

    /// Recomputes bins from the current values.
    pub(crate) fn refresh(&mut self) {
        self.since_refresh = 0;
        if self.values.is_empty() {
            return;
        }
        // Only 15 order statistics and the extremes are needed, not a sorted copy: selecting
        // them costs ~4 passes over the values instead of a sort (for the 1,024 values of a
        // plain number stream, refreshed every few events, the sort was a quarter of the time).
        // Under `total_cmp` the value at a rank is unique, so the edges are what sorting gave.
        let mut values: Vec<f64> = self.values.iter().copied().collect();
        let n = values.len();
        let ranks: [usize; BINS - 1] = core::array::from_fn(|k| (k + 1) * (n - 1) / BINS);
        select_ranks(&mut values, 0, &ranks);
        self.min = values.iter().copied().min_by(f64::total_cmp).unwrap_or(0.0);
        self.max = values.iter().copied().max_by(f64::total_cmp).unwrap_or(0.0);
        self.edges.clear();
        self.edges.extend(ranks.iter().map(|&r| values[r]));
    }
}

/// Reorders `v` so that each position in `ranks` (ascending, offset by `base`) holds the value a
/// full sort by `total_cmp` would put there.
fn select_ranks(v: &mut [f64], base: usize, ranks: &[usize]) {
    let Some(&pivot) = ranks.get(ranks.len() / 2) else { return };
    let (left, _, right) = v.select_nth_unstable_by(pivot - base, f64::total_cmp);
    let below = ranks.partition_point(|&r| r < pivot);
    let above = ranks.partition_point(|&r| r <= pivot);
    select_ranks(left, base, &ranks[..below]);
    select_ranks(right, pivot + 1, &ranks[above..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_are_what_sorting_the_values_gives() {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for n in [1usize, 2, 3, 15, 16, 17, 31, 100, 512, 1024, 1500] {
            for round in 0..20 {
                let mut q = Quantizer::new(n, u32::MAX);
                for _ in 0..n {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // Ties, signed zeros, spread values.
                    let v = match (round % 4, x % 7) {
                        (0, _) => (x % 5) as f64,
                        (1, 0) => -0.0,
                        (1, 1) => 0.0,
                        _ => (x >> 11) as f64 / (1u64 << 53) as f64 * 1e6 - 5e5,
                    };
                    q.push(v);
                }
                q.refresh();
                let mut sorted: Vec<f64> = q.values.iter().copied().collect();
                sorted.sort_unstable_by(f64::total_cmp);
                let edges: Vec<u64> = (1..BINS).map(|k| sorted[k * (n - 1) / BINS].to_bits()).collect();
                assert_eq!(q.edges.iter().map(|e| e.to_bits()).collect::<Vec<_>>(), edges, "n {n} round {round}");
                assert_eq!((q.min.to_bits(), q.max.to_bits()), (sorted[0].to_bits(), sorted[n - 1].to_bits()), "n {n}");
            }
        }
    }

    #[test]
    fn spikes_and_level_shifts_get_their_own_symbols() {
        let mut q = Quantizer::new(256, 32);
        assert_eq!(q.symbol(1.0), b'?');
        for i in 0..256 {
            q.push((i % 100) as f64);
        }
        assert_eq!(q.symbol(0.0), b'a');
        assert!(q.symbol(99.0) >= b'o');
        assert_eq!(q.symbol(105.0), b'U');
        assert_eq!(q.symbol(1000.0), b'W');
        assert_eq!(q.symbol(-30.0), b'C');
        assert_eq!(q.symbol(f64::NAN), b'N');
        // Coarse: inside the range or near the median is `m`; far out is graded.
        assert_eq!(q.coarse_symbol(50.0), b'm');
        assert_eq!(q.coarse_symbol(101.0), b'm');
        assert_eq!(q.coarse_symbol(49.5 + 5.0 * 37.0), b'U');
        assert_eq!(q.coarse_symbol(49.5 - 20.0 * 37.0), b'B');
    }
}

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
        let mut sorted: Vec<f64> = self.values.iter().copied().collect();
        sorted.sort_unstable_by(f64::total_cmp);
        self.min = sorted[0];
        self.max = sorted[sorted.len() - 1];
        self.edges.clear();
        for k in 1..BINS {
            self.edges.push(sorted[k * (sorted.len() - 1) / BINS]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

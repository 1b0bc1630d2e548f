//! An LZ77 match finder over the baseline, primed once and updated incrementally: the conditional
//! cost of an event given the baseline, `C(B+e) - C(B)`, in O(|event|) whatever the baseline size.
//!
//! The history is a ring of the baseline's normalized bytes with zlib-style hash chains. An event
//! is parsed greedily into matches (against the baseline or its own earlier bytes) and literals;
//! each is priced with a deflate- or zstd-shaped cost model. Literal runs are the novel bytes.

use crate::config::Compressor;
use alloc::vec;
use alloc::vec::Vec;

/// Shortest match worth coding.
pub(crate) const MIN_MATCH: usize = 4;
/// Candidates examined per position.
const CHAIN_DEPTH: usize = 8;
/// Purge stale hash heads this often (bytes), so 32-bit positions never alias.
const PURGE_EVERY: u64 = 1 << 30;
const LOCAL_BITS: u32 = 8;

#[inline]
fn hash4(b: &[u8], bits: u32) -> usize {
    let v = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    (v.wrapping_mul(0x9E37_79B1) >> (32 - bits)) as usize
}

/// Length of the common prefix of `a` and `b`, eight bytes at a time.
#[inline]
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let mut x = [0u8; 8];
        let mut y = [0u8; 8];
        x.copy_from_slice(&a[i..i + 8]);
        y.copy_from_slice(&b[i..i + 8]);
        let d = u64::from_le_bytes(x) ^ u64::from_le_bytes(y);
        if d != 0 {
            return i + (d.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    i
}

#[inline]
fn log2_floor(x: u32) -> u32 {
    31 - (x | 1).leading_zeros()
}

/// The chain link from position `p` to the previous one with its hash (`head`: that position + 1,
/// 0 for none): the distance back, or 0 (end of chain) when there is none or it is out of reach.
#[inline]
fn chain_delta(p: u32, head: u32) -> u16 {
    let delta = if head == 0 { 0 } else { p.wrapping_sub(head - 1) };
    if delta > 0 && delta <= u16::MAX as u32 {
        delta as u16
    } else {
        0
    }
}

/// Bits to code one match, by compressor.
#[inline]
fn match_bits(kind: Compressor, len: usize, dist: u32, last_dist: u32) -> f64 {
    let l = (len - MIN_MATCH + 1) as u32;
    let len_bits = 2 * log2_floor(l) + 1;
    let dist_bits = match kind {
        Compressor::Zstd if dist == last_dist => 2,
        Compressor::Zstd => 5 + log2_floor(dist + 3),
        Compressor::Deflate => 5 + log2_floor(dist).saturating_sub(1),
    };
    (1 + len_bits + dist_bits) as f64
}

/// What a parse found.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Parse {
    /// Estimated compressed size of the event in bits.
    pub bits: f64,
    /// Bytes coded as literals (no match found).
    pub literal_bytes: u32,
}

/// The baseline's bytes and their hash chains.
#[derive(Clone)]
pub(crate) struct History {
    kind: Compressor,
    buf: Vec<u8>,
    mask: u64,
    limit: u64,
    max_len: usize,
    hash_bits: u32,
    pos: u64,
    lo: u64,
    counted_lo: u64,
    hashed: u64,
    last_purge: u64,
    head: Vec<u32>,
    prev: Vec<u16>,
    counts: [u32; 256],
    lit_bits: [f64; 256],
}

/// An event's own hash chains, for matches within the event: built once per event and shared
/// by every history that prices it (the baseline, the incident memory).
#[derive(Clone, Debug, Default)]
pub(crate) struct SelfChains {
    /// Per position `p` of the event: the previous position with the same hash, + 1 (0: none).
    prev: Vec<u16>,
}

impl SelfChains {
    /// Chains every position of `event` that has `MIN_MATCH` bytes after it.
    pub(crate) fn index(&mut self, event: &[u8]) {
        let mut head = [0u16; 1 << LOCAL_BITS];
        let n = event.len().saturating_sub(MIN_MATCH - 1);
        self.prev.clear();
        self.prev.resize(n, 0);
        for (p, (slot, key)) in self.prev.iter_mut().zip(event.windows(MIN_MATCH)).enumerate() {
            let h = hash4(key, LOCAL_BITS);
            *slot = head[h];
            head[h] = (p + 1) as u16;
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.prev.capacity() * 2
    }
}

impl History {
    /// A history holding at most `limit` bytes.
    pub(crate) fn new(kind: Compressor, limit: u32) -> Self {
        let cap = (limit as usize).next_power_of_two().max(1024);
        let hash_bits = (log2_floor(cap as u32) - 2).clamp(10, 16);
        let mut h = History {
            kind,
            buf: vec![0; cap],
            mask: cap as u64 - 1,
            limit: limit as u64,
            max_len: match kind {
                Compressor::Deflate => 258,
                Compressor::Zstd => 1 << 16,
            },
            hash_bits,
            pos: 0,
            lo: 0,
            counted_lo: 0,
            hashed: 0,
            last_purge: 0,
            head: vec![0; 1 << hash_bits],
            prev: vec![0; cap],
            counts: [0; 256],
            lit_bits: [0.0; 256],
        };
        h.refresh_costs();
        h
    }

    /// Heap bytes held (ring, hash chains).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.buf.capacity() + self.head.capacity() * 4 + self.prev.capacity() * 2 + 256 * 12
    }

    /// Total bytes ever appended.
    pub(crate) fn pos(&self) -> u64 {
        self.pos
    }

    /// Oldest position still matchable.
    #[inline]
    pub(crate) fn lo_eff(&self) -> u64 {
        self.lo.max(self.pos.saturating_sub(self.limit))
    }

    /// Bytes currently in the baseline.
    pub(crate) fn len(&self) -> usize {
        (self.pos - self.lo_eff()) as usize
    }

    /// Forget everything before absolute position `lo` (used to bound the baseline by events).
    pub(crate) fn set_lo(&mut self, lo: u64) {
        if lo > self.lo {
            self.lo = lo.min(self.pos);
            self.uncount_to(self.lo_eff());
        }
    }

    fn uncount_to(&mut self, new_lo: u64) {
        while self.counted_lo < new_lo {
            let start = (self.counted_lo & self.mask) as usize;
            let run = ((new_lo - self.counted_lo) as usize).min(self.buf.len() - start);
            for &b in &self.buf[start..start + run] {
                self.counts[b as usize] -= 1;
            }
            self.counted_lo += run as u64;
        }
    }

    /// Appends admitted bytes and indexes them.
    pub(crate) fn append(&mut self, bytes: &[u8]) {
        let bytes = &bytes[bytes.len().saturating_sub(self.limit as usize)..];
        let new_pos = self.pos + bytes.len() as u64;
        let new_lo = self.lo.max(new_pos.saturating_sub(self.limit));
        self.uncount_to(new_lo);
        let mut rest = bytes;
        while !rest.is_empty() {
            let start = (self.pos & self.mask) as usize;
            let run = rest.len().min(self.buf.len() - start);
            self.buf[start..start + run].copy_from_slice(&rest[..run]);
            for &b in &rest[..run] {
                self.counts[b as usize] += 1;
            }
            self.pos += run as u64;
            rest = &rest[run..];
        }
        self.counted_lo = self.counted_lo.max(new_lo);
        self.hashed = self.hashed.max(self.lo_eff());
        self.index();
        if self.pos - self.last_purge >= PURGE_EVERY {
            self.purge();
        }
    }

    /// Chains every position from `hashed` that has `MIN_MATCH` bytes after it.
    fn index(&mut self) {
        let (mask, bits) = (self.mask, self.hash_bits);
        let head_mask = self.head.len() - 1; // a power of two: `& head_mask` is free of bounds checks
        let mut p = self.hashed;
        while p + MIN_MATCH as u64 <= self.pos {
            let at = (p & mask) as usize;
            if at + MIN_MATCH > self.buf.len() {
                // The key wraps around the ring's end.
                let mut key = [0u8; 4];
                for (k, slot) in key.iter_mut().enumerate() {
                    *slot = self.buf[((p + k as u64) & mask) as usize];
                }
                self.link(p, hash4(&key, bits) & head_mask);
                p += 1;
                continue;
            }
            // Positions at.. whose keys lie inside the ring: one window per position.
            let n = ((self.pos - p) as usize).min(self.buf.len() - at) - (MIN_MATCH - 1);
            let keys = &self.buf[at..at + n + MIN_MATCH - 1];
            let prev = &mut self.prev[at..at + n];
            let mut p32 = p as u32;
            for (slot, key) in prev.iter_mut().zip(keys.windows(MIN_MATCH)) {
                let h = hash4(key, bits) & head_mask;
                *slot = chain_delta(p32, self.head[h]);
                p32 = p32.wrapping_add(1);
                self.head[h] = p32;
            }
            p += n as u64;
        }
        self.hashed = p;
    }

    /// Puts position `p` at the front of the chain of hash `h`.
    #[inline]
    fn link(&mut self, p: u64, h: usize) {
        self.prev[(p & self.mask) as usize] = chain_delta(p as u32, self.head[h]);
        self.head[h] = (p as u32).wrapping_add(1);
    }

    #[cold]
    fn purge(&mut self) {
        let lo = self.lo_eff();
        let pos32 = self.pos as u32;
        let avail = (self.pos - lo) as u32;
        for slot in self.head.iter_mut() {
            if *slot != 0 && pos32.wrapping_sub(*slot - 1) > avail {
                *slot = 0;
            }
        }
        self.last_purge = self.pos;
    }

    /// Recomputes literal prices from the baseline's byte frequencies.
    pub(crate) fn refresh_costs(&mut self) {
        let total: u64 = self.counts.iter().map(|&c| c as u64).sum();
        let denom = total as f64 + 128.0;
        // Most byte values never occur: their price is one logarithm, computed once.
        let unseen = 1.0 + libm::log2(denom / 0.5);
        for (bits, &c) in self.lit_bits.iter_mut().zip(self.counts.iter()) {
            *bits = if c == 0 { unseen } else { 1.0 + libm::log2(denom / (c as f64 + 0.5)) };
        }
    }

    /// Literal prices, for snapshots.
    pub(crate) fn lit_bits(&self) -> &[f64; 256] {
        &self.lit_bits
    }

    /// Restores literal prices from a snapshot.
    pub(crate) fn set_lit_bits(&mut self, bits: [f64; 256]) {
        self.lit_bits = bits;
    }

    /// Copies the baseline's bytes, oldest first.
    pub(crate) fn copy_to(&self, out: &mut Vec<u8>) {
        let mut p = self.lo_eff();
        while p < self.pos {
            let start = (p & self.mask) as usize;
            let run = ((self.pos - p) as usize).min(self.buf.len() - start);
            out.extend_from_slice(&self.buf[start..start + run]);
            p += run as u64;
        }
    }

    /// Rebuilds a history from its bytes (oldest first) and the absolute position they end at.
    pub(crate) fn rebuild(kind: Compressor, limit: u32, bytes: &[u8], end_pos: u64, lo: u64) -> Self {
        let mut h = History::new(kind, limit);
        let start = end_pos - bytes.len() as u64;
        h.pos = start;
        h.lo = lo;
        h.counted_lo = start;
        h.hashed = start;
        h.last_purge = start - start % PURGE_EVERY;
        for &b in bytes {
            h.buf[(h.pos & h.mask) as usize] = b;
            h.counts[b as usize] += 1;
            h.pos += 1;
        }
        h.index();
        h
    }

    /// Prices `event` given the baseline (or, with `with_history == false`, alone); `chains` are
    /// the event's own (`SelfChains::index(event)`). Literal runs are pushed to `novel` as
    /// `[start, end)` byte ranges of `event`.
    pub(crate) fn parse(
        &self,
        event: &[u8],
        chains: &SelfChains,
        with_history: bool,
        mut novel: Option<&mut Vec<(u32, u32)>>,
    ) -> Parse {
        let n = event.len();
        let pos32 = self.pos as u32;
        let avail = (self.pos - self.lo_eff()) as u32;
        // The fields the loop reads, as locals (kept in registers, one bounds check fewer each).
        let (mask, max_len, hash_bits) = (self.mask as usize, self.max_len, self.hash_bits);
        let (buf, head, prev) = (&self.buf[..], &self.head[..], &self.prev[..]);
        let head_mask = head.len() - 1;
        let local_prev = &chains.prev[..];
        debug_assert_eq!(local_prev.len(), n.saturating_sub(MIN_MATCH - 1), "chains of another event");
        let mut out = Parse::default();
        let mut last_dist = 0u32;
        let mut run_start: Option<usize> = None;
        let mut i = 0usize;
        while i < n {
            let mut best_len = 0usize;
            let mut best_dist = 0u32;
            if i + MIN_MATCH <= n {
                let max_here = (n - i).min(max_len);
                // Self-matches within the event: earlier positions with the same hash, latest first.
                let mut cand = local_prev[i] as usize;
                let mut depth = 0;
                while cand != 0 && depth < CHAIN_DEPTH {
                    let c = cand - 1;
                    let l = common_prefix(&event[c..c + max_here], &event[i..i + max_here]);
                    if l > best_len {
                        best_len = l;
                        best_dist = (i - c) as u32;
                    }
                    cand = local_prev[c] as usize;
                    depth += 1;
                }
                // Matches against the baseline.
                if with_history && avail > 0 {
                    let mut cand = head[hash4(&event[i..], hash_bits) & head_mask];
                    let mut depth = 0;
                    while cand != 0 && depth < CHAIN_DEPTH {
                        let c = cand - 1;
                        let dist = pos32.wrapping_sub(c);
                        if dist == 0 || dist > avail {
                            break;
                        }
                        let max_l = max_here.min(dist as usize);
                        let start = c as usize & mask;
                        let l = if best_len >= max_l {
                            0
                        } else if start + max_l <= buf.len() {
                            if best_len > 0 && buf[start + best_len] != event[i + best_len] {
                                0
                            } else {
                                common_prefix(&buf[start..start + max_l], &event[i..i + max_l])
                            }
                        } else {
                            let mut l = 0;
                            while l < max_l && buf[(start + l) & mask] == event[i + l] {
                                l += 1;
                            }
                            l
                        };
                        let d = dist + i as u32;
                        if l > best_len || (l == best_len && l > 0 && d < best_dist) {
                            best_len = l;
                            best_dist = d;
                        }
                        let delta = prev[start];
                        if delta == 0 {
                            break;
                        }
                        cand = c.wrapping_sub(delta as u32).wrapping_add(1);
                        depth += 1;
                    }
                }
            }
            if best_len >= MIN_MATCH {
                if let (Some(s), Some(v)) = (run_start.take(), novel.as_deref_mut()) {
                    v.push((s as u32, i as u32));
                }
                out.bits += match_bits(self.kind, best_len, best_dist, last_dist);
                last_dist = best_dist;
                i += best_len;
            } else {
                out.bits += self.lit_bits[event[i] as usize];
                out.literal_bytes += 1;
                if run_start.is_none() {
                    run_start = Some(i);
                }
                i += 1;
            }
        }
        if let (Some(s), Some(v)) = (run_start, novel) {
            v.push((s as u32, n as u32));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `History::parse` with the event's own chains.
    fn parse(h: &History, event: &[u8], novel: Option<&mut Vec<(u32, u32)>>) -> Parse {
        let mut chains = SelfChains::default();
        chains.index(event);
        h.parse(event, &chains, true, novel)
    }

    fn primed(kind: Compressor, text: &[u8]) -> History {
        let mut h = History::new(kind, 32 * 1024);
        h.append(text);
        h.refresh_costs();
        h
    }

    #[test]
    fn a_seen_event_is_cheap_and_a_new_one_is_not() {
        for kind in [Compressor::Zstd, Compressor::Deflate] {
            let h = primed(kind, &b"RAS KERNEL INFO instruction cache parity error corrected\n".repeat(50));
            let seen = parse(&h, b"RAS KERNEL INFO instruction cache parity error corrected\n", None);
            let new = parse(&h, b"ciod: Error loading /home/x/prog.rts: permission denied\n", None);
            assert!(seen.bits < 40.0, "{kind:?} {seen:?}");
            assert!(new.bits > 200.0, "{kind:?} {new:?}");
            assert_eq!(seen.literal_bytes, 0);
        }
    }

    #[test]
    fn novel_spans_cover_exactly_the_unmatched_bytes() {
        let h = primed(Compressor::Zstd, &b"user login ok from gateway\n".repeat(20));
        let mut spans = Vec::new();
        let e = b"user login ok from ZZQXJW gateway\n";
        parse(&h, e, Some(&mut spans));
        assert_eq!(spans.len(), 1, "{spans:?}");
        let (s, t) = spans[0];
        let novel = &e[s as usize..t as usize];
        assert!(novel.windows(6).any(|w| w == b"ZZQXJW"), "{:?}", core::str::from_utf8(novel));
        assert!(t - s <= 8, "{spans:?}");
    }

    #[test]
    fn cost_does_not_depend_on_what_fell_out_of_the_window() {
        let mut h = History::new(Compressor::Deflate, 1024);
        h.append(&b"alpha beta gamma delta\n".repeat(10));
        let filler: Vec<u8> = (0..4000u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
        h.append(&filler);
        let p = parse(&h, b"alpha beta gamma delta\n", None);
        // Only self matches are possible now: most bytes are literals.
        assert!(p.literal_bytes > 15, "{p:?}");
        assert_eq!(h.len(), 1024);
    }

    #[test]
    fn rebuild_gives_identical_parses() {
        let mut h = History::new(Compressor::Zstd, 2048);
        let mut x = 7u32;
        for i in 0..400 {
            x = x.wrapping_mul(1103515245).wrapping_add(12345);
            let line = alloc::format!("event {} kind {} value {}\n", i % 7, (x >> 16) % 5, (x >> 8) % 3);
            h.append(line.as_bytes());
            if i == 250 {
                h.set_lo(h.pos() - 500);
            }
        }
        let mut bytes = Vec::new();
        h.copy_to(&mut bytes);
        let mut r = History::rebuild(Compressor::Zstd, 2048, &bytes, h.pos(), h.lo_eff());
        r.set_lit_bits(*h.lit_bits());
        for probe in [&b"event 3 kind 4 value 1\n"[..], b"event 9 kind 1 value 2\n", b"something else entirely\n"] {
            let (mut a, mut b) = (Vec::new(), Vec::new());
            assert_eq!(parse(&h, probe, Some(&mut a)), parse(&r, probe, Some(&mut b)));
            assert_eq!(a, b);
        }
    }
}

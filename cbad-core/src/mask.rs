//! Masking of volatile tokens (timestamps, UUIDs, hex ids, IPs, numbers) before compression, with
//! a compact map from normalized bytes back to the original text for explanations.

use alloc::vec::Vec;

/// The byte that replaces a masked run.
pub(crate) const MASK: u8 = b'#';

const fn hex_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_hexdigit();
        b += 1;
    }
    t
}
/// Whether a byte is a hex digit (0-9, a-f, A-F).
static IS_HEX: [bool; 256] = hex_table();

/// A run of normalized bytes and where it came from: a copy (byte for byte) or one mask byte
/// standing for `orig_len` original bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Seg {
    norm: u32,
    orig: u32,
    orig_len: u32,
    masked: bool,
}

impl Seg {
    fn norm_len(&self) -> u32 {
        if self.masked { 1 } else { self.orig_len }
    }
}

/// Map from normalized offsets to original offsets, one entry per run (not per byte).
#[derive(Clone, Debug, Default)]
pub(crate) struct SegMap {
    segs: Vec<Seg>,
}

impl SegMap {
    pub(crate) fn clear(&mut self) {
        self.segs.clear();
    }

    pub(crate) fn capacity_bytes(&self) -> usize {
        self.segs.capacity() * core::mem::size_of::<Seg>()
    }

    /// Records `len` normalized bytes at `norm` copied from original offset `orig`.
    #[inline]
    pub(crate) fn copy(&mut self, norm: u32, orig: u32, len: u32) {
        if len == 0 {
            return;
        }
        if let Some(last) = self.segs.last_mut() {
            if !last.masked && last.norm + last.orig_len == norm && last.orig + last.orig_len == orig {
                last.orig_len += len;
                return;
            }
        }
        self.segs.push(Seg { norm, orig, orig_len: len, masked: false });
    }

    /// Records one normalized byte at `norm` standing for original bytes `[orig, orig + len)`.
    #[inline]
    pub(crate) fn masked(&mut self, norm: u32, orig: u32, len: u32) {
        self.segs.push(Seg { norm, orig, orig_len: len, masked: true });
    }

    /// Original byte ranges covered by normalized range `[s, e)`, appended to `out` (unsorted).
    pub(crate) fn map_span(&self, s: u32, e: u32, out: &mut Vec<(u32, u32)>) {
        let first = self.segs.partition_point(|g| g.norm + g.norm_len() <= s);
        for g in &self.segs[first..] {
            if g.norm >= e {
                break;
            }
            let a = s.max(g.norm);
            let b = e.min(g.norm + g.norm_len());
            if a >= b {
                continue;
            }
            if g.masked {
                out.push((g.orig, g.orig + g.orig_len));
            } else {
                out.push((g.orig + (a - g.norm), g.orig + (b - g.norm)));
            }
        }
    }
}

/// The first decimal digit of `src` at or after `i`: eight bytes per step (digit-free stretches
/// of text are skipped without looking at each byte).
#[inline]
fn next_digit(src: &[u8], mut i: usize) -> Option<usize> {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const fn each(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    while let Some(c) = src.get(i..i + 8) {
        let x = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        // High bit of each byte in b'0'..=b'9' (no byte carries into the next).
        let low = x & LOW7;
        let digits = (low + each(0x80 - b'0')) & !(low + each(0x80 - b'9' - 1)) & !x & HIGH;
        if digits != 0 {
            return Some(i + (digits.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    (i..src.len()).find(|&k| src[k].is_ascii_digit())
}

/// Writes `src[from..to]` at `dst[at..]` (`at <= from`, `dst` as long as `src`), eight bytes per
/// step: the gaps between masks are short, and a `memcpy` call each (in wasm, a `memory.copy`)
/// would cost more than the copy. May write up to 7 bytes of garbage after `at + (to - from)`,
/// which the caller overwrites or truncates.
#[inline(always)]
fn place(dst: &mut [u8], at: usize, src: &[u8], from: usize, to: usize) {
    let mut k = 0;
    while from + k < to {
        if let (Some(d), Some(s)) = (dst.get_mut(at + k..at + k + 8), src.get(from + k..from + k + 8)) {
            d.copy_from_slice(s);
            k += 8;
        } else {
            dst[at + k] = src[from + k];
            k += 1;
        }
    }
}

/// Appends `src` (whose first byte is at original offset `base`) to `out`, masking volatile runs
/// when `mask` is set: in every token that contains a digit, each run of hex digits that contains
/// a decimal digit becomes one `#`. `map`, if given, records where each normalized byte came
/// from (the detector builds it only for events that have novel spans to map back).
///
/// Tokens are separated by delimiters (space, punctuation), none of which is a hex digit, so a
/// run of hex digits never crosses a token and a token without a digit has no run with one: the
/// rule is the same as "every maximal run of hex digits containing a decimal digit becomes `#`",
/// which is what this computes: from each decimal digit (found eight bytes at a time) out to the
/// ends of its run. `src` is copied once, then compacted in place behind the masks.
pub(crate) fn push_masked(src: &[u8], base: u32, mask: bool, out: &mut Vec<u8>, mut map: Option<&mut SegMap>) {
    let norm0 = out.len();
    out.extend_from_slice(src);
    if !mask {
        if let Some(map) = map {
            map.copy(norm0 as u32, base, src.len() as u32);
        }
        return;
    }
    let dst = &mut out[norm0..];
    let n = src.len();
    let mut w = 0; // dst[..w] is final
    let mut copied = 0; // src[..copied] is placed (w <= copied)
    while let Some(d) = next_digit(src, copied) {
        // The run of hex digits around d; it cannot reach back past `copied` (the byte there
        // ended the previous run, or is the start).
        let mut s = d;
        while s > copied && IS_HEX[src[s - 1] as usize] {
            s -= 1;
        }
        let mut e = d + 1;
        while e < n && IS_HEX[src[e] as usize] {
            e += 1;
        }
        if let Some(map) = map.as_deref_mut() {
            map.copy((norm0 + w) as u32, base + copied as u32, (s - copied) as u32);
            map.masked((norm0 + w + s - copied) as u32, base + s as u32, (e - s) as u32);
        }
        if w != copied {
            place(dst, w, src, copied, s);
        }
        w += s - copied;
        dst[w] = MASK;
        w += 1;
        copied = e;
    }
    if let Some(map) = map {
        map.copy((norm0 + w) as u32, base + copied as u32, (n - copied) as u32);
    }
    if w != copied {
        place(dst, w, src, copied, n);
    }
    out.truncate(norm0 + w + (n - copied));
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn masked(s: &str) -> String {
        let (mut out, mut map) = (Vec::new(), SegMap::default());
        push_masked(s.as_bytes(), 0, true, &mut out, Some(&mut map));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn volatile_tokens_are_masked_and_words_kept() {
        assert_eq!(
            masked("2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO cache parity error"),
            "#-#-#-#.#.#.# R#-M#-N#-C:J#-U# RAS KERNEL INFO cache parity error"
        );
        assert_eq!(masked("id=550e8400-e29b-41d4-a716-446655440000 ok"), "id=#-#-#-#-# ok");
        assert_eq!(masked("from 172.16.96.116:41554, type=42315"), "from #.#.#.#:#, type=#");
        assert_eq!(masked("softheader=00ce22e8 0x1f"), "softheader=# #x#");
        assert_eq!(masked("deadbeef cafe face"), "deadbeef cafe face");
        assert_eq!(masked(""), "");
    }

    /// The token-by-token formulation of the rule (the first implementation), for comparison.
    fn push_masked_by_token(src: &[u8], base: u32, out: &mut Vec<u8>, map: &mut SegMap) {
        const DELIM: &[u8] = b" \t\r\n,;=()[]{}\"'<>|:/";
        let delim = |b: u8| DELIM.contains(&b);
        let mut i = 0;
        while i < src.len() {
            let start = i;
            let mut has_digit = false;
            while i < src.len() && delim(src[i]) {
                i += 1;
            }
            let tok = i;
            while i < src.len() && !delim(src[i]) {
                has_digit |= src[i].is_ascii_digit();
                i += 1;
            }
            if !has_digit {
                map.copy(out.len() as u32, base + start as u32, (i - start) as u32);
                out.extend_from_slice(&src[start..i]);
                continue;
            }
            map.copy(out.len() as u32, base + start as u32, (tok - start) as u32);
            out.extend_from_slice(&src[start..tok]);
            let token = &src[tok..i];
            let mut j = 0;
            while j < token.len() {
                let s = j;
                if token[j].is_ascii_hexdigit() {
                    let mut digit = false;
                    while j < token.len() && token[j].is_ascii_hexdigit() {
                        digit |= token[j].is_ascii_digit();
                        j += 1;
                    }
                    if digit {
                        map.masked(out.len() as u32, base + (tok + s) as u32, (j - s) as u32);
                        out.push(MASK);
                        continue;
                    }
                } else {
                    while j < token.len() && !token[j].is_ascii_hexdigit() {
                        j += 1;
                    }
                }
                map.copy(out.len() as u32, base + (tok + s) as u32, (j - s) as u32);
                out.extend_from_slice(&token[s..j]);
            }
        }
    }

    #[test]
    fn one_pass_masking_equals_the_token_rule() {
        let digits: &[u8] = b"09375";
        let others: &[u8] = b" \t,;=()[]{}\"'<>|:/.-_xXgzAFaf\xc3\xa9\xff";
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for round in 0..5000 {
            let (mut a, mut am) = (Vec::new(), SegMap::default());
            let (mut b, mut bm) = (Vec::new(), SegMap::default());
            // Several pieces per output, as JSON string values are, with gaps in the offsets;
            // digits from dense to rare (long digit-free stretches).
            let mut base = 0u32;
            let one_in = [2, 5, 20, 200][round % 4];
            for _ in 0..1 + round % 3 {
                let len = (next() % 130) as usize;
                let src: Vec<u8> = (0..len)
                    .map(|_| {
                        let r = next();
                        if r % one_in == 0 {
                            digits[(r >> 32) as usize % digits.len()]
                        } else {
                            others[(r >> 32) as usize % others.len()]
                        }
                    })
                    .collect();
                push_masked(&src, base, true, &mut a, Some(&mut am));
                let mut unmapped = Vec::new();
                push_masked(&src, base, true, &mut unmapped, None);
                assert_eq!(unmapped[..], a[a.len() - unmapped.len()..]);
                push_masked_by_token(&src, base, &mut b, &mut bm);
                base += len as u32 + (next() % 2) as u32;
            }
            assert_eq!(a, b, "{:?}", String::from_utf8_lossy(&b));
            assert_eq!(am.segs, bm.segs, "{:?}", String::from_utf8_lossy(&b));
        }
    }

    #[test]
    fn long_hex_runs_at_every_offset_mask_as_the_token_rule() {
        for prefix in 0..70 {
            for len in [1, 7, 8, 9, 63, 64, 65, 127, 128, 130, 200] {
                for digit in [None, Some(0), Some(len / 2), Some(len - 1)] {
                    let mut src: Vec<u8> = b"x;".iter().copied().cycle().take(prefix).collect();
                    src.extend((0..len).map(|k| if Some(k) == digit { b'7' } else { b"deadBEEF"[k % 8] }));
                    src.extend_from_slice(b" ok 12 ");
                    let (mut a, mut am) = (Vec::new(), SegMap::default());
                    let (mut b, mut bm) = (Vec::new(), SegMap::default());
                    push_masked(&src, 3, true, &mut a, Some(&mut am));
                    push_masked_by_token(&src, 3, &mut b, &mut bm);
                    assert_eq!(a, b, "prefix {prefix} len {len} digit {digit:?}");
                    assert_eq!(am.segs, bm.segs, "prefix {prefix} len {len} digit {digit:?}");
                }
            }
        }
    }

    #[test]
    fn map_points_back_to_original_offsets() {
        let (mut out, mut map) = (Vec::new(), SegMap::default());
        push_masked(b"at 12345 x", 10, true, &mut out, Some(&mut map));
        assert_eq!(out, b"at # x");
        let mut spans = Vec::new();
        map.map_span(3, 4, &mut spans); // the '#'
        assert_eq!(spans, [(13, 18)]);
        spans.clear();
        map.map_span(0, 6, &mut spans);
        assert_eq!(spans, [(10, 13), (13, 18), (18, 20)]);
    }
}

//! Masking of volatile tokens (timestamps, UUIDs, hex ids, IPs, numbers) before compression, with
//! a compact map from normalized bytes back to the original text for explanations.

use alloc::vec::Vec;

/// The byte that replaces a masked run.
pub(crate) const MASK: u8 = b'#';

/// Byte classes for masking: `HEX_LETTER` (a-f, A-F), `DIGIT` (0-9), otherwise 0.
const HEX_LETTER: u8 = 1;
const DIGIT: u8 = 2;
const fn hex_table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_digit() {
            DIGIT
        } else if c.is_ascii_hexdigit() {
            HEX_LETTER
        } else {
            0
        };
        b += 1;
    }
    t
}
static HEX: [u8; 256] = hex_table();

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

/// Appends `src` (whose first byte is at original offset `base`) to `out`, masking volatile runs
/// when `mask` is set: in every token that contains a digit, each run of hex digits that contains
/// a decimal digit becomes one `#`. `map` records where each normalized byte came from.
///
/// Tokens are separated by delimiters (space, punctuation), none of which is a hex digit, so a
/// run of hex digits never crosses a token and a token without a digit has no run with one: the
/// rule is the same as "every maximal run of hex digits containing a decimal digit becomes `#`",
/// which is what this computes in one pass. `src` is copied once, then compacted in place (no
/// copy per run: in wasm each small `memory.copy` is a call).
pub(crate) fn push_masked(src: &[u8], base: u32, mask: bool, out: &mut Vec<u8>, map: &mut SegMap) {
    let norm0 = out.len();
    out.extend_from_slice(src);
    if !mask {
        map.copy(norm0 as u32, base, src.len() as u32);
        return;
    }
    let dst = &mut out[norm0..];
    let n = src.len();
    let mut i = 0; // next byte of src
    let mut w = 0; // next byte of dst (w <= i)
    let (mut copied, mut copied_w) = (0, 0); // where the pending verbatim run starts in src, dst
    while i < n {
        let b = src[i];
        let c = HEX[b as usize];
        dst[w] = b;
        i += 1;
        w += 1;
        if c == 0 {
            continue;
        }
        // A run of hex digits from s; masked at its end if it holds a decimal digit.
        let (s, ws) = (i - 1, w - 1);
        let mut class = c;
        while i < n {
            let b = src[i];
            let c = HEX[b as usize];
            if c == 0 {
                break;
            }
            class |= c;
            dst[w] = b;
            i += 1;
            w += 1;
        }
        if class & DIGIT != 0 {
            map.copy((norm0 + copied_w) as u32, base + copied as u32, (s - copied) as u32);
            map.masked((norm0 + ws) as u32, base + s as u32, (i - s) as u32);
            dst[ws] = MASK;
            w = ws + 1;
            (copied, copied_w) = (i, w);
        }
    }
    map.copy((norm0 + copied_w) as u32, base + copied as u32, (n - copied) as u32);
    out.truncate(norm0 + w);
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn masked(s: &str) -> String {
        let (mut out, mut map) = (Vec::new(), SegMap::default());
        push_masked(s.as_bytes(), 0, true, &mut out, &mut map);
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
        let alphabet: &[u8] = b" \t,;=()[]{}\"'<>|:/.-_xXgzAFaf09375\xc3\xa9\xff";
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for round in 0..3000 {
            let (mut a, mut am) = (Vec::new(), SegMap::default());
            let (mut b, mut bm) = (Vec::new(), SegMap::default());
            // Several pieces per output, as JSON string values are, with gaps in the offsets.
            let mut base = 0u32;
            for _ in 0..1 + round % 3 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let len = (x % 40) as usize;
                let src: Vec<u8> = (0..len)
                    .map(|k| alphabet[((x >> (k % 50)) as usize ^ k.wrapping_mul(2654435761)) % alphabet.len()])
                    .collect();
                push_masked(&src, base, true, &mut a, &mut am);
                push_masked_by_token(&src, base, &mut b, &mut bm);
                base += len as u32 + (x >> 60) as u32 % 2;
            }
            assert_eq!(a, b, "{:?}", String::from_utf8_lossy(&b));
            assert_eq!(am.segs, bm.segs, "{:?}", String::from_utf8_lossy(&b));
        }
    }

    #[test]
    fn map_points_back_to_original_offsets() {
        let (mut out, mut map) = (Vec::new(), SegMap::default());
        push_masked(b"at 12345 x", 10, true, &mut out, &mut map);
        assert_eq!(out, b"at # x");
        let mut spans = Vec::new();
        map.map_span(3, 4, &mut spans); // the '#'
        assert_eq!(spans, [(13, 18)]);
        spans.clear();
        map.map_span(0, 6, &mut spans);
        assert_eq!(spans, [(10, 13), (13, 18), (18, 20)]);
    }
}

//! Severity vocabulary: what a log line says about itself weighs in on its score.
//!
//! The weight is `level x vocabulary`. The level is the line's first level word, doubling per
//! syslog level (fatal/critical/panic/emerg 8, error/severe 4, warn 2, notice 1, info 0.5,
//! debug 0.25; 1 when there is none): loggers write the level before the message, so a line
//! that declares itself `INFO` stays informational when its message says "0 critical input
//! interrupts", and a declared `INFO` or `DEBUG` line needs stronger evidence than one without a
//! level. Times `1 + 0.5` per distinct error-vocabulary word anywhere in the line (failed,
//! interrupt, timeout, refused, ...), at most 2.5. Case-insensitive, whole words.

/// Error vocabulary: each distinct word found adds to the weight.
fn vocab_bit(w: &[u8]) -> u32 {
    let k = match w {
        b"abort" | b"aborted" => 0,
        b"crash" | b"crashed" => 1,
        b"corrupt" | b"corrupted" => 2,
        b"denied" => 3,
        b"exception" => 4,
        b"fail" | b"failed" | b"failure" => 5,
        b"fault" => 6,
        b"interrupt" => 7,
        b"killed" => 8,
        b"lost" => 9,
        b"panic" => 10,
        b"refused" => 11,
        b"severed" => 12,
        b"terminated" => 13,
        b"timeout" | b"timed" => 14,
        b"unreachable" | b"unavailable" => 15,
        b"invalid" => 16,
        b"error" | b"errors" => 17,
        _ => return 0,
    };
    1 << k
}

/// Bit `k` set when byte `k` of `chunk` (little-endian) is an ASCII letter: eight bytes at once.
#[inline]
fn letter_bits8(chunk: u64) -> u64 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const fn each(b: u8) -> u64 {
        u64::from_le_bytes([b; 8])
    }
    // Folded to lower case (other bytes land outside a..z); no byte carries into the next.
    let lower = (chunk | each(0x20)) & LOW7;
    let at_least_a = lower + each(0x80 - b'a');
    let past_z = lower + each(0x80 - b'z' - 1);
    let letters = at_least_a & !past_z & !chunk & HIGH;
    (letters >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// Bit `k` set when `block[k]` is an ASCII letter (`block` at most 64 bytes).
#[inline]
fn letter_bits(block: &[u8]) -> u64 {
    let mut bits = 0;
    let mut chunks = block.chunks_exact(8);
    let mut shift = 0;
    for c in &mut chunks {
        bits |= letter_bits8(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])) << shift;
        shift += 8;
    }
    let mut last = [0u8; 8];
    for (d, &b) in last.iter_mut().zip(chunks.remainder()) {
        *d = b;
    }
    bits | letter_bits8(u64::from_le_bytes(last)) << (shift & 63)
}

/// Every word `known_word` recognizes (level words and vocabulary), for the prefilter below: a
/// word added to the matches must be added here too.
const KNOWN: [&[u8]; 36] = [
    b"fatal", b"critical", b"panic", b"emerg", b"emergency", b"error", b"errors", b"severe", b"warn", b"warning",
    b"notice", b"info", b"debug",
    b"abort", b"aborted", b"crash", b"crashed", b"corrupt", b"corrupted", b"denied", b"exception", b"fail",
    b"failed", b"failure", b"fault", b"interrupt", b"killed", b"lost", b"refused", b"severed", b"terminated",
    b"timeout", b"timed", b"unreachable", b"unavailable", b"invalid",
];

/// By first letter (`a` = 0): a bit per length, and a bit per last letter, of the known words.
const fn known_shapes() -> [(u16, u32); 32] {
    let mut t = [(0u16, 0u32); 32];
    let mut i = 0;
    while i < KNOWN.len() {
        let w = KNOWN[i];
        let f = (w[0] - b'a') as usize;
        t[f].0 |= 1 << w.len();
        t[f].1 |= 1 << (w[w.len() - 1] - b'a');
        i += 1;
    }
    t
}
static SHAPES: [(u16, u32); 32] = known_shapes();

/// Folds one word (a maximal run of ASCII letters) into the level and the vocabulary seen.
#[inline(always)]
fn word(w: &[u8], level: &mut f64, seen: &mut u32) {
    // Most words are ruled out by their length, first and last letter, without a call.
    if (4..=11).contains(&w.len()) {
        let (lens, lasts) = SHAPES[((w[0] | 0x20) - b'a') as usize & 31];
        if lens & (1 << w.len()) != 0 && lasts & (1 << (((w[w.len() - 1] | 0x20) - b'a') & 31)) != 0 {
            known_word(w, level, seen);
        }
    }
}

/// [`word`] for a word of 4 to 11 letters.
#[inline(never)]
fn known_word(w: &[u8], level: &mut f64, seen: &mut u32) {
    let mut lower = [0u8; 11];
    for (d, c) in lower.iter_mut().zip(w) {
        *d = c.to_ascii_lowercase();
    }
    let w = &lower[..w.len()];
    if *level == NO_LEVEL {
        *level = match w {
            b"fatal" | b"critical" | b"panic" | b"emerg" | b"emergency" => 8.0,
            b"error" | b"errors" | b"severe" => 4.0,
            b"warn" | b"warning" => 2.0,
            b"notice" => 1.0,
            b"info" => 0.5,
            b"debug" => 0.25,
            _ => NO_LEVEL,
        };
    }
    *seen |= vocab_bit(w);
}

/// No level word seen yet.
const NO_LEVEL: f64 = 0.0;

/// The weight of `text`. Words are found 64 bytes at a time from a bitmap of letters (one bit
/// per byte, eight bytes per step), not byte by byte.
pub(crate) fn weight(text: &[u8]) -> f64 {
    let mut level = NO_LEVEL;
    let mut seen = 0u32; // bit per vocabulary word family
    let mut open = None; // start of a word that reached the end of the previous block
    for (n, block) in text.chunks(64).enumerate() {
        let base = n * 64;
        let mut bits = letter_bits(block);
        if let Some(s) = open {
            let ones = (!bits).trailing_zeros() as usize;
            if ones == 64 {
                continue;
            }
            word(&text[s..base + ones], &mut level, &mut seen);
            open = None;
            bits &= !0 << ones;
        }
        while bits != 0 {
            let s = bits.trailing_zeros() as usize;
            let e = s + (!(bits >> s)).trailing_zeros() as usize;
            if e == 64 {
                open = Some(base + s);
                break;
            }
            word(&text[base + s..base + e], &mut level, &mut seen);
            bits &= !0 << e;
        }
    }
    if let Some(s) = open {
        word(&text[s..], &mut level, &mut seen);
    }
    let level = if level == NO_LEVEL { 1.0 } else { level };
    level * (1.0 + 0.5 * seen.count_ones() as f64).min(2.5)
}

#[cfg(test)]
mod tests {
    /// The byte-by-byte scan (the first implementation), for comparison.
    fn weight_bytewise(text: &[u8]) -> f64 {
        let (mut level, mut seen) = (super::NO_LEVEL, 0u32);
        let mut i = 0;
        while i < text.len() {
            if !text[i].is_ascii_alphabetic() {
                i += 1;
                continue;
            }
            let s = i;
            while i < text.len() && text[i].is_ascii_alphabetic() {
                i += 1;
            }
            super::word(&text[s..i], &mut level, &mut seen);
        }
        let level = if level == super::NO_LEVEL { 1.0 } else { level };
        level * (1.0 + 0.5 * seen.count_ones() as f64).min(2.5)
    }

    #[test]
    fn the_prefilter_passes_every_known_word_in_any_case() {
        for w in super::KNOWN {
            let mut upper = w.to_vec();
            upper.make_ascii_uppercase();
            for w in [w, &upper[..]] {
                let (mut plain, mut filtered) = ((super::NO_LEVEL, 0), (super::NO_LEVEL, 0));
                super::known_word(w, &mut plain.0, &mut plain.1);
                super::word(w, &mut filtered.0, &mut filtered.1);
                assert_eq!(plain, filtered, "{:?}", core::str::from_utf8(w));
                assert!(plain != (super::NO_LEVEL, 0), "{:?} is not a known word", core::str::from_utf8(w));
            }
        }
    }

    #[test]
    fn words_across_blocks_and_every_byte_value_weigh_as_scanned_byte_by_byte() {
        for b in 0..=255u8 {
            let letter = super::letter_bits(&[b; 64]) == !0;
            assert_eq!(letter, b.is_ascii_alphabetic(), "{b}");
            assert_eq!(super::letter_bits(&[b; 13]), if letter { (1 << 13) - 1 } else { 0 }, "{b}");
        }
        let words: [&[u8]; 8] = [b"FATAL", b"error", b"x", b"timeout", b"Interrupt", b"warn", b"lost", b"abcdefghijklmnopqrstuvwxyz"];
        let seps: [&[u8]; 5] = [b" ", b"", b"_", b"\xc3\xa9", b"0"];
        let mut x = 0x1234_5678u32;
        for _ in 0..3000 {
            let mut text = alloc::vec::Vec::new();
            while text.len() < 200 {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                text.extend_from_slice(words[(x % 8) as usize]);
                text.extend_from_slice(seps[((x >> 8) % 5) as usize]);
            }
            for end in [0, 1, 5, 63, 64, 65, 127, 128, 129, text.len()] {
                let t = &text[..end.min(text.len())];
                assert_eq!(super::weight(t), weight_bytewise(t), "{:?}", core::str::from_utf8(t));
            }
        }
    }

    #[test]
    fn level_and_vocabulary_multiply_and_substrings_do_not_count() {
        assert_eq!(super::weight(b"RAS KERNEL FATAL data TLB error interrupt"), 8.0 * 2.0);
        assert_eq!(super::weight(b"RAS KERNEL FATAL instruction address: 0x0"), 8.0);
        assert_eq!(super::weight(b"ciod: Error reading message"), 4.0 * 1.5);
        assert_eq!(super::weight(b"RAS KERNEL INFO generating core"), 0.5);
        assert_eq!(super::weight(b"app started"), 1.0);
        assert_eq!(super::weight(b"terrorism errorless"), 1.0);
        assert_eq!(super::weight(b"warning: disk"), 2.0);
        assert_eq!(super::weight(b"request refused, connection timed out, peer unreachable, lost"), 2.5);
    }

    #[test]
    fn the_first_level_word_is_the_declared_level() {
        // A message word does not raise a declared level; error vocabulary still counts.
        assert_eq!(super::weight(b"RAS KERNEL INFO 0 critical input interrupts"), 0.5);
        assert_eq!(super::weight(b"INFO 3 ddr errors detected and corrected"), 0.5 * 1.5);
        assert_eq!(super::weight(b"DEBUG retry"), 0.25);
        assert_eq!(super::weight(b"level=warn msg=\"fatal signal\""), 2.0);
        // Without a declared level, the first level word in the message is taken.
        assert_eq!(super::weight(b"kernel: panic: fatal trap"), 8.0 * 1.5);
    }
}

//! Severity vocabulary: what a log line says about itself weighs in on its score.
//!
//! The weight is `level x vocabulary`: the strongest level word, doubling per syslog level
//! (fatal/critical/panic/emerg 8, error/severe 4, warn 2, otherwise 1) times `1 + 0.5` per distinct error-vocabulary word
//! (failed, interrupt, timeout, refused, ...), at most 2.5. Case-insensitive, whole words.

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

pub(crate) fn weight(text: &[u8]) -> f64 {
    let mut level = 1.0f64;
    let mut seen = 0u32; // bit per vocabulary word family
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
        let w = &text[s..i];
        if w.len() < 4 || w.len() > 11 || !matches!(w[0] | 0x20, b'a' | b'c' | b'd' | b'e' | b'f' | b'i' | b'k' | b'l' | b'p' | b'r' | b's' | b't' | b'u' | b'w') {
            continue;
        }
        let mut lower = [0u8; 11];
        for (d, c) in lower.iter_mut().zip(w) {
            *d = c.to_ascii_lowercase();
        }
        let w = &lower[..w.len()];
        let l = match w {
            b"fatal" | b"critical" | b"panic" | b"emerg" | b"emergency" => 8.0,
            b"error" | b"errors" | b"severe" => 4.0,
            b"warn" | b"warning" => 2.0,
            _ => 1.0,
        };
        level = level.max(l);
        seen |= vocab_bit(w);
    }
    level * (1.0 + 0.5 * seen.count_ones() as f64).min(2.5)
}

#[cfg(test)]
mod tests {
    #[test]
    fn level_and_vocabulary_multiply_and_substrings_do_not_count() {
        assert_eq!(super::weight(b"RAS KERNEL FATAL data TLB error interrupt"), 8.0 * 2.0);
        assert_eq!(super::weight(b"RAS KERNEL FATAL instruction address: 0x0"), 8.0);
        assert_eq!(super::weight(b"ciod: Error reading message"), 4.0 * 1.5);
        assert_eq!(super::weight(b"RAS KERNEL INFO generating core"), 1.0);
        assert_eq!(super::weight(b"terrorism errorless"), 1.0);
        assert_eq!(super::weight(b"warning: disk"), 2.0);
        assert_eq!(super::weight(b"request refused, connection timed out, peer unreachable, lost"), 2.5);
    }
}

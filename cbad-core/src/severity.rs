//! Severity vocabulary: what a log line says about itself weighs in on its score.

/// Multiplier for the conditional cost of a log or trace event, from the strongest severity word
/// it contains (case-insensitive, whole words): fatal/critical/panic/emerg 4, error/severe/fail
/// family 2.5, warn 1.5, otherwise 1.
pub(crate) fn weight(text: &[u8]) -> f64 {
    let mut best = 1.0f64;
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
        if w.len() < 4 || w.len() > 9 || !matches!(w[0] | 0x20, b'f' | b'c' | b'p' | b'e' | b's' | b'w') {
            continue;
        }
        let mut lower = [0u8; 9];
        for (d, c) in lower.iter_mut().zip(w) {
            *d = c.to_ascii_lowercase();
        }
        let wt = match &lower[..w.len()] {
            b"fatal" | b"critical" | b"panic" | b"emerg" | b"emergency" => 4.0,
            b"error" | b"errors" | b"severe" | b"failure" | b"failed" | b"fail" | b"exception" => 2.5,
            b"warn" | b"warning" => 1.5,
            _ => 1.0,
        };
        best = best.max(wt);
    }
    best
}

#[cfg(test)]
mod tests {
    #[test]
    fn strongest_word_wins_and_substrings_do_not_count() {
        assert_eq!(super::weight(b"RAS KERNEL FATAL data TLB error interrupt"), 4.0);
        assert_eq!(super::weight(b"ciod: Error reading message"), 2.5);
        assert_eq!(super::weight(b"RAS KERNEL INFO generating core"), 1.0);
        assert_eq!(super::weight(b"terrorism errorless"), 1.0);
        assert_eq!(super::weight(b"warning: disk"), 1.5);
    }
}

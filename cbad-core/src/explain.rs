//! The plain sentence of a flagged verdict. Written for every anomaly (a fifth of a noisy log
//! batch), so its numbers are formatted without `core::fmt`'s exact float machinery (which
//! falls back to bignum arithmetic), yet byte for byte as `format!("{:.N}")` would write them
//! (tested).

use crate::verdict::Metrics;
use alloc::format;
use alloc::string::String;

/// The sentence for one event: what found no match and how unusual its cost is (text), or how
/// far the last `shingle` values are from the baseline's (plain numbers).
pub(crate) fn explain(m: &Metrics, p: f64, len: usize, literal: u32, numeric: bool, shingle: usize) -> String {
    let mut s = String::with_capacity(192);
    if numeric {
        s.push_str("The last ");
        push_uint(&mut s, shingle as u64);
        s.push_str(" values are far from the baseline's stretches: mean distance ");
        push_fixed(&mut s, m.raw_score, 4);
        s.push_str(" to the nearest ones, more than ");
        push_fixed(&mut s, (1.0 - p) * 100.0, 1);
        s.push_str("% of recent values (p = ");
        push_fixed(&mut s, p, 4);
        s.push_str("; ");
        push_fixed(&mut s, m.conditional_bits_per_byte * len as f64, 1);
        s.push_str(" bits to encode given the baseline).");
    } else {
        push_uint(&mut s, u64::from(literal));
        s.push_str(" of ");
        push_uint(&mut s, len as u64);
        s.push_str(" bytes found no match in the baseline; the event costs ");
        push_fixed(&mut s, m.conditional_bits_per_byte, 2);
        s.push_str(" bits/byte given the baseline, more than ");
        push_fixed(&mut s, (1.0 - p) * 100.0, 1);
        s.push_str("% of recent normal events (p = ");
        push_fixed(&mut s, p, 4);
        s.push_str(").");
    }
    s
}

/// The sentence for an event flagged because it continues an incident: recently flagged events
/// explain it far better than the baseline.
pub(crate) fn incident_continued(p: f64, len: usize, literal: u32) -> String {
    let mut s = String::with_capacity(160);
    s.push_str("Continues an incident: recently flagged events explain this event far better than the baseline (");
    push_uint(&mut s, u64::from(literal));
    s.push_str(" of ");
    push_uint(&mut s, len as u64);
    s.push_str(" bytes unmatched in the baseline, p = ");
    push_fixed(&mut s, p, 4);
    s.push_str(").");
    s
}

fn push_uint(s: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    s.push_str(core::str::from_utf8(&digits[i..]).unwrap_or("0"));
}

/// Appends `x` with `decimals` digits after the point, as `format!("{x:.decimals$}")` does.
fn push_fixed(s: &mut String, x: f64, decimals: u32) {
    let scale = 10u64.pow(decimals);
    let scaled = x * scale as f64;
    // The product is within ~1e-7 of x * 10^d for these magnitudes; only a value that close to
    // a rounding tie needs the exact (slow) path to round as `core::fmt` does.
    if x.is_sign_positive() && (0.0..1e9).contains(&scaled) {
        let floor = scaled as u64; // truncation is the floor of a non-negative number
        let frac = scaled - floor as f64;
        if (frac - 0.5).abs() > 1e-6 {
            let units = floor + u64::from(frac > 0.5);
            push_uint(s, units / scale);
            if decimals > 0 {
                s.push('.');
                let mut rest = units % scale;
                let mut digits = [b'0'; 9];
                for d in digits[..decimals as usize].iter_mut().rev() {
                    *d = b'0' + (rest % 10) as u8;
                    rest /= 10;
                }
                s.push_str(core::str::from_utf8(&digits[..decimals as usize]).unwrap_or(""));
            }
            return;
        }
    }
    s.push_str(&format!("{x:.prec$}", prec = decimals as usize));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(x: f64, d: u32) -> String {
        let mut s = String::new();
        push_fixed(&mut s, x, d);
        s
    }

    #[test]
    fn fixed_point_numbers_are_what_format_writes() {
        let mut cases = alloc::vec![0.0, -0.0, 0.125, 0.5, 2.5, 0.05, 0.15, 0.25, 1.0 - 1e-9, 99.95, 99.94999999, 1e9, 3e12, -1.5, f64::NAN, f64::INFINITY, 1e-300];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = (x >> 11) as f64 / (1u64 << 53) as f64;
            cases.push(v);
            cases.push(v * 100.0);
            cases.push(v * 9.0);
            cases.push((v * 10_000.0).round() / 10_000.0 + 0.00005); // near ties of 4 decimals
            cases.push((v * 1000.0).round() / 1000.0 + 0.0005);
        }
        for &v in &cases {
            for d in [1, 2, 4] {
                assert_eq!(fixed(v, d), format!("{v:.prec$}", prec = d as usize), "{v:e} with {d} decimals");
            }
        }
    }

    #[test]
    fn the_incident_sentence_is_what_it_was_as_a_format_string() {
        for (p, len, literal) in [(0.0123456, 140, 12), (0.5, 0, 0), (1.0, 99_999, 3)] {
            assert_eq!(
                incident_continued(p, len, literal),
                format!(
                    "Continues an incident: recently flagged events explain this event far better than the baseline \
                     ({} of {} bytes unmatched in the baseline, p = {:.4}).",
                    literal, len, p
                )
            );
        }
    }

    #[test]
    fn integers_are_written_in_decimal() {
        for n in [0u64, 7, 10, 1234, u64::MAX] {
            let mut s = String::new();
            push_uint(&mut s, n);
            assert_eq!(s, format!("{n}"));
        }
    }
}

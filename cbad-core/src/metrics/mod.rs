//! Pure functions of bytes and compressed lengths.

/// Shannon entropy of the bytes, in bits per byte (0 for empty input).
pub fn entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let n = bytes.len() as f64;
    let mut sum_clogc = 0.0;
    for &c in counts.iter().filter(|&&c| c > 1) {
        let c = c as f64;
        sum_clogc += c * libm::log2(c);
    }
    libm::log2(n) - sum_clogc / n
}

/// `c * log2(c)` for `c < 256`, to price entropy without a logarithm per byte value.
pub(crate) fn clogc_table() -> alloc::boxed::Box<[f64; 256]> {
    let mut t = alloc::boxed::Box::new([0.0; 256]);
    for (c, v) in t.iter_mut().enumerate().skip(2) {
        *v = c as f64 * libm::log2(c as f64);
    }
    t
}

/// [`entropy`] with a `c * log2(c)` table (identical results).
///
/// Only the byte values present are visited (a bitmap, in ascending order, as `entropy` adds
/// them): an event has a few dozen distinct bytes, not 256. Values seen once add `clogc[1]`,
/// i.e. +0.0, which leaves the (non-negative) sum unchanged.
pub(crate) fn entropy_with(bytes: &[u8], clogc: &[f64; 256]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    let mut present = [0u64; 4];
    for &b in bytes {
        counts[b as usize] += 1;
        present[(b >> 6) as usize] |= 1 << (b & 63);
    }
    let n = bytes.len() as f64;
    let mut sum_clogc = 0.0;
    for (k, &word) in present.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            let c = counts[k * 64 + bits.trailing_zeros() as usize];
            bits &= bits - 1;
            sum_clogc += if c < 256 { clogc[c as usize] } else { c as f64 * libm::log2(c as f64) };
        }
    }
    libm::log2(n) - sum_clogc / n
}

/// Compression ratio: original bytes over compressed bytes (0 when nothing was compressed).
pub fn compression_ratio(original: usize, compressed_bits: f64) -> f64 {
    if compressed_bits <= 0.0 {
        0.0
    } else {
        original as f64 * 8.0 / compressed_bits
    }
}

/// Normalized compression distance `(C(BW) - min(C(B), C(W))) / max(C(B), C(W))`.
/// Returns `None` when both sizes are zero.
pub fn ncd(c_b: usize, c_w: usize, c_bw: usize) -> Option<f64> {
    let (lo, hi) = if c_b < c_w { (c_b, c_w) } else { (c_w, c_b) };
    if hi == 0 {
        return None;
    }
    Some((c_bw as f64 - lo as f64) / hi as f64)
}

/// Conditional cost in bits per byte of an event of `len` bytes that cost `bits` given the baseline.
pub fn bits_per_byte(bits: f64, len: usize) -> f64 {
    if len == 0 {
        0.0
    } else {
        bits / len as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_of_uniform_bytes_is_eight_bits() {
        let all: alloc::vec::Vec<u8> = (0..=255u8).collect();
        assert!((entropy(&all) - 8.0).abs() < 1e-9);
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abab") - 1.0).abs() < 1e-12);
        let t = clogc_table();
        let text = b"RAS KERNEL INFO instruction cache parity error corrected, again and again";
        assert_eq!(entropy(text), entropy_with(text, &t));
        // Bit for bit, over byte values across all four bitmap words and counts past 255.
        let mut x = 0x9E37_79B9u32;
        for len in [1usize, 2, 3, 17, 64, 255, 256, 300, 1000, 4000] {
            for spread in [1u32, 3, 40, 256] {
                let bytes: alloc::vec::Vec<u8> = (0..len)
                    .map(|_| {
                        x ^= x << 13;
                        x ^= x >> 17;
                        x ^= x << 5;
                        (x % spread) as u8 ^ 0xA5
                    })
                    .collect();
                assert_eq!(entropy(&bytes).to_bits(), entropy_with(&bytes, &t).to_bits(), "{len} {spread}");
            }
        }
    }

    #[test]
    fn ncd_is_zero_for_identical_and_one_for_unrelated() {
        assert_eq!(ncd(100, 100, 100), Some(0.0));
        assert_eq!(ncd(100, 100, 200), Some(1.0));
        assert_eq!(ncd(0, 0, 0), None);
    }
}

//! Deterministic test inputs shared by the unit tests.

use alloc::vec::Vec;

/// `len` pseudo-random bytes from a xorshift32 generator seeded with `seed` (non-zero): noise
/// that compresses badly and is the same on every run and target.
pub(crate) fn noise(seed: u32, len: usize) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

//! The real compressors, used for window-level figures (compressed sizes, NCD).
//! The only files that import `ruzstd` or `miniz_oxide`.

mod deflate;
mod zstd;

use crate::config::Compressor;
use alloc::vec::Vec;

/// A reusable compressor that reports compressed lengths.
pub(crate) struct Codec {
    kind: Compressor,
    deflate: Option<deflate::Deflate>,
    scratch: Vec<u8>,
}

impl Codec {
    pub(crate) fn new(kind: Compressor) -> Self {
        Codec { kind, deflate: None, scratch: Vec::new() }
    }

    /// Heap bytes held between calls.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.scratch.capacity() + if self.deflate.is_some() { deflate::STATE_BYTES } else { 0 }
    }

    /// Frees reusable buffers (the next call allocates again).
    pub(crate) fn release(&mut self) {
        self.scratch = Vec::new();
        self.deflate = None;
    }

    /// Compressed size of `data` in bytes (whole frame / stream, headers included).
    pub(crate) fn compressed_len(&mut self, data: &[u8]) -> usize {
        match self.kind {
            Compressor::Zstd => zstd::compressed_len(data, &mut self.scratch),
            Compressor::Deflate => self
                .deflate
                .get_or_insert_with(deflate::Deflate::new)
                .compressed_len(data),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetitive_data_compresses_better_than_noise() {
        let text: Vec<u8> = b"INFO cache parity error corrected\n".repeat(200);
        let noise = crate::test_data::noise(12345, text.len());
        for kind in [Compressor::Zstd, Compressor::Deflate] {
            let mut c = Codec::new(kind);
            let a = c.compressed_len(&text);
            let b = c.compressed_len(&noise);
            assert!(a * 10 < text.len(), "{kind:?}: {a}");
            assert!(b > noise.len() * 9 / 10, "{kind:?}: {b}");
            // Reuse gives the same answer.
            assert_eq!(a, c.compressed_len(&text));
        }
    }
}

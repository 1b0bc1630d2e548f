//! zstd via ruzstd (level Fastest, the only one ruzstd implements).

use alloc::vec::Vec;
use ruzstd::encoding::{CompressionLevel, FrameCompressor};

pub(super) fn compressed_len(data: &[u8], scratch: &mut Vec<u8>) -> usize {
    scratch.clear();
    let mut enc = FrameCompressor::new(CompressionLevel::Fastest);
    enc.set_source(data);
    enc.set_drain(core::mem::take(scratch));
    enc.compress();
    let out = enc.take_drain().unwrap_or_default();
    let n = out.len();
    *scratch = out;
    n
}

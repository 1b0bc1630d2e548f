//! deflate via miniz_oxide (level 1), with a reused compressor state.

use alloc::boxed::Box;
use miniz_oxide::deflate::core::{compress_to_output, create_comp_flags_from_zip_params, CompressorOxide, TDEFLFlush};

/// Size of miniz_oxide's compressor state.
pub(super) const STATE_BYTES: usize = core::mem::size_of::<CompressorOxide>();

pub(super) struct Deflate {
    state: Box<CompressorOxide>,
}

impl Deflate {
    pub(super) fn new() -> Self {
        let flags = create_comp_flags_from_zip_params(1, -15, 0);
        Deflate { state: Box::new(CompressorOxide::new(flags)) }
    }

    pub(super) fn compressed_len(&mut self, data: &[u8]) -> usize {
        self.state.reset();
        let mut n = 0usize;
        let _ = compress_to_output(&mut self.state, data, TDEFLFlush::Finish, |out| {
            n += out.len();
            true
        });
        n
    }
}

//! cbad-core: compression-based anomaly detection.
#![no_std]
extern crate alloc;

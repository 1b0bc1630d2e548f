//! # cbad-core: compression-based anomaly detection
//!
//! A per-stream detector that asks "how much does this event cost to compress, given the recent
//! normal events?". The baseline primes an LZ77 match finder once; each event is priced in
//! O(|event|), turned into a conformal p-value against the baseline's own recent scores, and
//! flagged when the p-value is at most the false-alarm rate the sensitivity stands for.
//! Anomalies come with the byte spans that found no match and one plain sentence.
//!
//! `no_std` + `alloc`; deterministic (no clock, no randomness); the state snapshots to bytes.
//!
//! ```
//! use cbad_core::{Compressor, DetectorConfig, EventBody, EventKind, StreamDetector};
//!
//! let config = DetectorConfig::builder()
//!     .kind(EventKind::Log)
//!     .compressor(Compressor::Zstd)
//!     .sensitivity(0.5) // 1 % false alarms on normal traffic
//!     .warmup_events(50)
//!     .build()?;
//! let mut det = StreamDetector::new(config);
//! for i in 0..300 {
//!     let line = format!("2024-05-01T10:00:{:02} INFO request {} served in {} ms", i % 60, i, i % 17);
//!     det.score(EventBody::Text(&line));
//! }
//! let v = det.score(EventBody::Text("2024-05-01T10:05:00 FATAL kernel panic: unable to mount root fs"));
//! assert!(v.anomaly, "{v:?}");
//! assert!(!v.novel.is_empty());
//!
//! // Snapshot and restore: the restored detector continues bit-identically.
//! let bytes = det.snapshot();
//! let mut again = StreamDetector::restore(&bytes)?;
//! let next = "2024-05-01T10:05:01 INFO request 301 served in 3 ms";
//! assert_eq!(det.score(EventBody::Text(next)), again.score(EventBody::Text(next)));
//! # Ok::<(), cbad_core::Error>(())
//! ```
#![no_std]
#![deny(missing_docs)]
extern crate alloc;

mod calibration;
mod codec;
mod config;
mod detector;
mod error;
mod explain;
mod json;
mod mask;
mod matcher;
pub mod metrics;
mod quantize;
mod severity;
mod snapshot;
#[cfg(test)]
mod test_data;
mod verdict;

pub use config::{Compressor, DetectorConfig, DetectorConfigBuilder, EventKind, Sensitivity};
pub use detector::{EventBody, StreamDetector};
pub use error::{Error, ErrorKind};
pub use snapshot::SNAPSHOT_VERSION;
pub use verdict::{Metrics, Severity, Verdict};

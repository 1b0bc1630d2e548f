//! Plain types and rules: event batches, stream settings, limits. No worker types; tested natively.

pub mod batch;
pub mod echo;
pub mod plan;
pub mod prometheus;
pub mod stream;

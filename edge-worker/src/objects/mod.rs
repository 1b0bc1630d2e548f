//! Durable Objects and the typed clients handlers use to reach them.

mod protocol;
// `#[durable_object]` generates public glue without docs.
#[allow(missing_docs)]
mod stream_detector;

pub use protocol::{DetectorSettings, EventRef, EventToScore, FramedEvent, MetricsJson, ScoreAnswer, ScoreHeader};
pub use stream_detector::{check_settings, DetectorClient, StreamDetectorObject};

//! What the Worker and a stream's Durable Object say to each other.

use serde::{Deserialize, Serialize};

/// A stream's detector settings, as stored in the `streams` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorSettings {
    /// log | metric | trace | llm | json
    pub event_type: String,
    /// zstd | deflate
    pub compressor: String,
    /// 0.0..=1.0; higher flags more.
    pub sensitivity: f64,
    /// Events kept as the baseline.
    pub baseline_size: u32,
    /// Events per drift window.
    pub window_size: u32,
}

/// One event's body, already validated by the handler.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum EventToScore {
    /// A log line, trace or LLM text.
    Text(String),
    /// A metric value.
    Number(f64),
    /// The raw JSON text of an object body.
    Json(String),
}

/// A batch to score, in order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoreRequest {
    /// The stream's current settings: changes reach the detector with the next batch.
    pub settings: DetectorSettings,
    /// The same key returns the same verdicts without scoring again.
    pub idempotency_key: String,
    /// The events, in the order the client sent them.
    pub events: Vec<EventToScore>,
}

/// One event's verdict, as the API answers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerdictJson {
    /// Position in the stream (0-based, over the stream's lifetime).
    pub index: u64,
    /// 0..1, higher is more anomalous.
    pub score: f64,
    /// Calibrated p-value.
    pub p_value: f64,
    /// Whether the event is flagged.
    pub anomaly: bool,
    /// low | medium | high when flagged.
    pub severity: Option<String>,
    /// The detector's metrics for this event.
    pub metrics: MetricsJson,
    /// Byte spans of the body that found no match in the baseline.
    pub novel: Vec<[u32; 2]>,
    /// One plain sentence.
    pub explanation: String,
    /// True while the baseline is still filling.
    pub warming_up: bool,
    /// The stored anomaly's id (set by the Worker once stored; never by the detector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anomaly_id: Option<String>,
}

/// The metrics of one verdict (non-finite values become `null`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricsJson {
    /// Conditional compression cost of the event given the baseline, bits per byte.
    pub conditional_bits_per_byte: Option<f64>,
    /// Compressed size over raw size of the event on its own.
    pub compression_ratio: Option<f64>,
    /// Shannon entropy of the event's bytes, bits per byte.
    pub entropy: Option<f64>,
    /// Normalized compression distance of baseline and window, when computed.
    pub ncd: Option<f64>,
    /// Whether the window-level drift test fired.
    pub drift: bool,
}

/// The verdicts for a batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScoreResponse {
    /// One per event, in order.
    pub verdicts: Vec<VerdictJson>,
    /// True when this answer was stored from an earlier call with the same key.
    pub replayed: bool,
}

//! Scoring a batch and storing what it found: shared by `POST /events` (synchronous) and the
//! ingest queue's consumer (asynchronous mode).
//!
//! The stream's Durable Object scores the events in order and keeps its answer under the
//! idempotency key; then the anomalies and the usage go to the database in one transaction
//! (`rpc/ingest_batch`, idempotent by the same key). Either step may be retried safely.

use std::borrow::Cow;

use crate::context::Ctx;
use crate::domain::batch::{BatchEvent, EventBody};
use crate::error::ApiError;
use crate::handlers::anomalies::{excerpt, EXCERPT_BYTES};
use crate::handlers::streams::settings_of;
use crate::objects::{DetectorClient, EventToScore, MetricsJson, ScoreAnswer, ScoreHeader};
use crate::store::StreamRow;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// One validated event, ready to score and (if flagged) store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreparedEvent {
    /// What the detector scores.
    pub body: EventToScore,
    /// A number body as the client wrote it (`1e3`, `42.50`), for the stored excerpt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number_text: Option<String>,
    /// The event's declared type, if any.
    pub event_type: Option<String>,
    /// Client metadata plus `ts` when given.
    pub metadata: Map<String, Value>,
}

impl From<BatchEvent> for PreparedEvent {
    fn from(e: BatchEvent) -> Self {
        let (body, number_text) = match e.body {
            EventBody::Text(t) => (EventToScore::Text(t), None),
            // The batch parser already checked this is a JSON number.
            EventBody::Number(n) => (EventToScore::Number(n.parse().unwrap_or(f64::NAN)), Some(n)),
            EventBody::Json(j) => (EventToScore::Json(j), None),
        };
        let mut metadata = e.metadata.unwrap_or_default();
        if let Some(ts) = e.ts {
            metadata.insert("ts".into(), json!(ts.to_rfc3339()));
        }
        Self { body, number_text, event_type: e.event_type.map(|t| t.as_str().to_string()), metadata }
    }
}

impl PreparedEvent {
    /// The event as text: what an anomaly's excerpt shows.
    pub fn text(&self) -> Cow<'_, str> {
        match (&self.body, &self.number_text) {
            (EventToScore::Text(t) | EventToScore::Json(t), _) => Cow::Borrowed(t),
            (EventToScore::Number(_), Some(n)) => Cow::Borrowed(n),
            (EventToScore::Number(n), None) => Cow::Owned(n.to_string()),
        }
    }
}

/// A batch accepted in asynchronous mode, as it travels on the ingest queue.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QueuedBatch {
    /// Organization.
    pub org_id: String,
    /// Stream id.
    pub stream_id: String,
    /// The client's key or one chosen at acceptance: retries never count twice.
    pub idempotency_key: String,
    /// The events, in order.
    pub events: Vec<PreparedEvent>,
}

/// A detected anomaly as `rpc/ingest_batch` takes it (the field names of
/// [`crate::store::NewAnomaly`]), borrowed from the batch and its verdict rather than copied.
#[derive(Serialize)]
struct DetectedAnomaly<'a> {
    event_type: &'a str,
    event_excerpt: String,
    metadata: &'a Map<String, Value>,
    metrics: &'a MetricsJson,
    p_value: f64,
    score: f64,
    severity: &'a str,
    novel_spans: &'a [[u32; 2]],
    explanation: &'a str,
}

/// A batch's idempotency key, and whether the same batch can be sent again under it.
#[derive(Debug, Clone, Copy)]
pub struct BatchKey<'a> {
    /// The client's key, or one chosen when the batch was accepted.
    pub value: &'a str,
    /// False for a key the Worker chose for a synchronous batch and told no one: no retry can
    /// name it, so the stream's detector does not keep its answer (a 1,000-event answer is
    /// ~300 KB of storage and CPU per batch).
    pub replayable: bool,
}

/// What a scored and stored batch produced.
pub struct Stored {
    /// The detector's answer, with the stored anomalies' ids filled in.
    pub answer: ScoreAnswer,
    /// The quota state `rpc/ingest_batch` returned.
    pub state: Value,
}

/// Scores `events` in the stream's detector and stores anomalies and usage atomically.
pub async fn score_and_store(
    ctx: &Ctx,
    org_id: &str,
    stream: &StreamRow,
    key: BatchKey<'_>,
    events: &[PreparedEvent],
) -> Result<Stored, ApiError> {
    let detector = DetectorClient::for_stream(&ctx.env, org_id, &stream.id)?;
    let header =
        ScoreHeader { settings: settings_of(stream), idempotency_key: key.replayable.then(|| key.value.to_string()) };
    let mut answer = detector.score(&header, events.iter().map(|e| e.body.as_ref())).await?;

    let mut anomalies = Vec::with_capacity(answer.flagged.len());
    for f in &answer.flagged {
        let (v, e) = (&f.verdict, events.get(f.position).ok_or_else(|| ApiError::internal("a verdict for an event the batch does not have"))?);
        anomalies.push(DetectedAnomaly {
            event_type: e.event_type.as_deref().unwrap_or(&stream.event_type),
            event_excerpt: excerpt(&e.text(), EXCERPT_BYTES),
            metadata: &e.metadata,
            metrics: &v.metrics,
            p_value: v.p_value,
            score: v.score,
            severity: v.severity.as_deref().unwrap_or("low"),
            novel_spans: &v.novel,
            explanation: &v.explanation,
        });
    }
    let state = ctx
        .store
        .ingest_batch(org_id, &stream.id, &format!("events:{}:{}", stream.id, key.value), events.len(), &anomalies)
        .await?;
    let ids: Vec<Option<&str>> = state
        .get("anomaly_ids")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().map(Value::as_str).collect())
        .unwrap_or_default();
    answer.fill_anomaly_ids(&ids);
    Ok(Stored { answer, state })
}

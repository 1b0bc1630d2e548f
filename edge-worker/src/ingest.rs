//! Scoring a batch and storing what it found: shared by `POST /events` (synchronous) and the
//! ingest queue's consumer (asynchronous mode).
//!
//! The stream's Durable Object scores the events in order and keeps its answer under the
//! idempotency key; then the anomalies and the usage go to the database in one transaction
//! (`rpc/ingest_batch`, idempotent by the same key). Either step may be retried safely.

use crate::context::Ctx;
use crate::domain::batch::{BatchEvent, EventBody};
use crate::error::ApiError;
use crate::handlers::anomalies::{excerpt, EXCERPT_BYTES};
use crate::handlers::streams::settings_of;
use crate::objects::{DetectorClient, EventToScore, ScoreRequest, VerdictJson};
use crate::store::{NewAnomaly, StreamRow};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

/// One validated event, ready to score and (if flagged) store.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreparedEvent {
    /// What the detector scores.
    pub body: EventToScore,
    /// The stored excerpt's source text.
    pub text: String,
    /// The event's declared type, if any.
    pub event_type: Option<String>,
    /// Client metadata plus `ts` when given.
    pub metadata: Map<String, Value>,
}

impl PreparedEvent {
    /// From a parsed batch event.
    pub fn from_batch(e: &BatchEvent) -> Self {
        let body = match &e.body {
            EventBody::Text(t) => EventToScore::Text(t.clone()),
            // The batch parser already checked this is a JSON number.
            EventBody::Number(n) => EventToScore::Number(n.parse().unwrap_or(f64::NAN)),
            EventBody::Json(j) => EventToScore::Json(j.clone()),
        };
        let mut metadata = e.metadata.clone().unwrap_or_default();
        if let Some(ts) = e.ts {
            metadata.insert("ts".into(), json!(ts.to_rfc3339()));
        }
        Self { body, text: e.body.as_str().to_string(), event_type: e.event_type.map(|t| t.as_str().to_string()), metadata }
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

/// What a scored and stored batch produced.
pub struct Stored {
    /// Verdicts, in order, with `anomaly_id` on flagged ones.
    pub verdicts: Vec<VerdictJson>,
    /// The quota state `rpc/ingest_batch` returned.
    pub state: Value,
}

/// Scores `events` in the stream's detector and stores anomalies and usage atomically.
pub async fn score_and_store(
    ctx: &Ctx,
    org_id: &str,
    stream: &StreamRow,
    key: &str,
    events: &[PreparedEvent],
) -> Result<Stored, ApiError> {
    let detector = DetectorClient::for_stream(&ctx.env, org_id, &stream.id)?;
    let request = ScoreRequest {
        settings: settings_of(stream),
        idempotency_key: key.to_string(),
        events: events.iter().map(|e| e.body.clone()).collect(),
    };
    let scored = detector.score(&request).await?;

    let mut anomalies = Vec::new();
    let mut flagged = Vec::new();
    for (i, (v, e)) in scored.verdicts.iter().zip(events).enumerate() {
        if !v.anomaly {
            continue;
        }
        anomalies.push(NewAnomaly {
            stream_id: stream.id.clone(),
            event_type: e.event_type.clone().unwrap_or_else(|| stream.event_type.clone()),
            event_excerpt: excerpt(&e.text, EXCERPT_BYTES),
            metadata: Value::Object(e.metadata.clone()),
            metrics: serde_json::to_value(&v.metrics).unwrap_or_default(),
            p_value: Some(v.p_value),
            score: v.score,
            severity: v.severity.clone().unwrap_or_else(|| "low".into()),
            novel_spans: json!(v.novel),
            explanation: v.explanation.clone(),
            detected_at: None,
        });
        flagged.push(i);
    }
    let state = ctx
        .store
        .ingest_batch(org_id, &stream.id, &format!("events:{}:{key}", stream.id), scored.verdicts.len(), &anomalies)
        .await?;
    let ids: Vec<Value> = state.get("anomaly_ids").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut verdicts = scored.verdicts;
    for (n, i) in flagged.iter().enumerate() {
        verdicts[*i].anomaly_id = ids.get(n).and_then(Value::as_str).map(str::to_string);
    }
    Ok(Stored { verdicts, state })
}

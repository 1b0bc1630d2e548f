//! Scoring a batch and storing what it found: shared by `POST /events` (synchronous) and the
//! ingest queue's consumer (asynchronous mode).
//!
//! The Worker sends the batch to the stream's Durable Object ([`score_and_store`]), which scores
//! the events in order, keeps its verdicts under the idempotency key, stores the anomalies and
//! the usage in one database transaction (`rpc/ingest_batch`, idempotent by the batch's key:
//! [`store_and_answer`]) and only then answers with the API's JSON, which the Worker passes on
//! unread. Either step may be retried safely. The object does this rather than the Worker so
//! that the per-event work (a 1,000-event answer is ~300 KB) is done once, inside the object's
//! invocation, and not copied through the Worker's, which the free plan limits to 10 ms of CPU.

use std::borrow::Cow;

use crate::context::Ctx;
use crate::domain::batch::{BatchEvent, EventBody};
use crate::domain::plan::QuotaState;
use crate::error::ApiError;
use crate::handlers::anomalies::{excerpt, EXCERPT_BYTES};
use crate::handlers::streams::settings_of;
use crate::json_writer;
use crate::objects::{DetectorClient, EventRef, EventToScore, FramedEvent, MetricsJson, ScoreAnswer, ScoreHeader};
use crate::store::{Store, StreamRow};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
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
    /// The event as a score request carries it; `metadata` is its metadata's JSON text.
    fn framed<'a>(&'a self, metadata: &'a Option<String>) -> FramedEvent<'a> {
        FramedEvent {
            body: self.body.as_ref(),
            event_type: self.event_type.as_deref(),
            metadata: metadata.as_deref(),
            number_text: self.number_text.as_deref(),
        }
    }
}

/// The event as text: what an anomaly's excerpt shows.
fn event_text<'a>(e: &FramedEvent<'a>) -> Cow<'a, str> {
    match (e.body, e.number_text) {
        (EventRef::Text(t) | EventRef::Json(t), _) => Cow::Borrowed(t),
        (EventRef::Number(_), Some(n)) => Cow::Borrowed(n),
        (EventRef::Number(n), None) => Cow::Owned(n.to_string()),
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
#[cfg_attr(test, derive(Serialize))]
struct DetectedAnomaly<'a> {
    event_type: &'a str,
    event_excerpt: Cow<'a, str>,
    metadata: &'a RawValue,
    metrics: &'a MetricsJson,
    p_value: f64,
    score: f64,
    severity: &'a str,
    novel_spans: &'a [[u32; 2]],
    explanation: &'a str,
}

impl DetectedAnomaly<'_> {
    /// Appends the row as JSON, byte for byte what serde writes for it (tested): a batch of
    /// 1,000 log lines can have a few hundred, each with two texts and six numbers.
    fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"event_type\":");
        json_writer::text(out, self.event_type);
        out.extend_from_slice(b",\"event_excerpt\":");
        json_writer::text(out, &self.event_excerpt);
        out.extend_from_slice(b",\"metadata\":");
        out.extend_from_slice(self.metadata.get().as_bytes());
        out.extend_from_slice(b",\"metrics\":");
        self.metrics.write_json(out);
        out.extend_from_slice(b",\"p_value\":");
        json_writer::float(out, Some(self.p_value));
        out.extend_from_slice(b",\"score\":");
        json_writer::float(out, Some(self.score));
        out.extend_from_slice(b",\"severity\":");
        json_writer::text(out, self.severity);
        out.extend_from_slice(b",\"novel_spans\":");
        json_writer::spans(out, self.novel_spans);
        out.extend_from_slice(b",\"explanation\":");
        json_writer::text(out, self.explanation);
        out.push(b'}');
    }
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

/// Sends `events` to the stream's detector, which scores them, stores anomalies and usage
/// atomically ([`store_and_answer`]) and answers `POST /events`' JSON body (status 200; the
/// soft-cap warning, if any, in [`crate::domain::plan::QUOTA_WARNING_HEADER`]).
pub async fn score_and_store(
    ctx: &Ctx,
    org_id: &str,
    stream: &StreamRow,
    key: BatchKey<'_>,
    events: &[PreparedEvent],
) -> Result<worker::Response, ApiError> {
    let detector = DetectorClient::for_stream(&ctx.env, org_id, &stream.id)?;
    let header = ScoreHeader {
        settings: settings_of(stream),
        idempotency_key: key.replayable.then(|| key.value.to_string()),
        org_id: org_id.to_string(),
        stream_id: stream.id.clone(),
        stream_name: stream.name.clone(),
        batch_key: format!("events:{}:{}", stream.id, key.value),
    };
    // Most events carry no metadata: only those that do are written out as JSON.
    let metadata: Vec<Option<String>> =
        events.iter().map(|e| (!e.metadata.is_empty()).then(|| serde_json::to_string(&e.metadata).ok()).flatten()).collect();
    detector.score(&header, events.iter().zip(&metadata).map(|(e, m)| e.framed(m))).await
}

/// `POST /events`' answer, but for `verdicts`: the detector wrote those as JSON text once,
/// and they are spliced in unparsed ([`with_verdicts`]).
#[derive(Serialize)]
struct EventsResult<'a> {
    stream: &'a str,
    stream_id: &'a str,
    accepted: usize,
    usage: UsageSummary<'a>,
    replayed: bool,
}

/// The usage part of the answer.
#[derive(Serialize)]
struct UsageSummary<'a> {
    plan: &'a str,
    included: u64,
    used: u64,
    remaining: u64,
    soft_cap_passed: bool,
    blocked: bool,
}

/// A stored batch's answer.
pub struct Answered {
    /// `POST /events`' JSON body.
    pub body: Vec<u8>,
    /// The soft-cap warning header's value, once usage is past it.
    pub warning: Option<String>,
}

/// Stores a scored batch's anomalies and usage in one transaction under `batch_key` (usually the
/// header's; a keyless batch sent again after a failure keeps its first one), then writes the
/// answer: run by the stream's detector object once the batch is scored (or found among its
/// kept answers), so a retry stores nothing twice and gets the same verdicts and anomaly ids.
/// On failure `answer` is left as it was (no ids filled), to be stored by a retry.
pub async fn store_and_answer(
    store: &Store,
    header: &ScoreHeader,
    batch_key: &str,
    events: &[FramedEvent<'_>],
    answer: &mut ScoreAnswer,
) -> Result<Answered, ApiError> {
    let no_metadata: &RawValue = serde_json::from_str("{}").map_err(|e| ApiError::internal(e.to_string()))?;
    // The rows as the JSON array `ingest_batch` takes, written once (~450 bytes each).
    let mut rows = Vec::with_capacity(2 + answer.flagged.len() * 512);
    rows.push(b'[');
    for f in &answer.flagged {
        let (v, e) = (&f.verdict, events.get(f.position).ok_or_else(|| ApiError::internal("a verdict for an event the batch does not have"))?);
        let metadata = match e.metadata {
            Some(m) => serde_json::from_str(m).map_err(|err| ApiError::internal(format!("event metadata: {err}")))?,
            None => no_metadata,
        };
        if rows.len() > 1 {
            rows.push(b',');
        }
        DetectedAnomaly {
            event_type: e.event_type.unwrap_or(&header.settings.event_type),
            event_excerpt: match event_text(e) {
                Cow::Borrowed(t) => Cow::Borrowed(excerpt(t, EXCERPT_BYTES)),
                Cow::Owned(t) => Cow::Owned(excerpt(&t, EXCERPT_BYTES).to_string()),
            },
            metadata,
            metrics: &v.metrics,
            p_value: v.p_value,
            score: v.score,
            severity: v.severity.as_deref().unwrap_or("low"),
            novel_spans: &v.novel,
            explanation: &v.explanation,
        }
        .write_json(&mut rows);
    }
    rows.push(b']');
    let state = store
        .ingest_batch(&header.org_id, &header.stream_id, batch_key, events.len(), &rows)
        .await?;
    let ids: Vec<Option<&str>> = state
        .get("anomaly_ids")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().map(Value::as_str).collect())
        .unwrap_or_default();
    answer.fill_anomaly_ids(&ids);
    let replayed = state.get("replayed").and_then(Value::as_bool).unwrap_or(false);
    let quota: QuotaState =
        serde_json::from_value(state).map_err(|e| ApiError::internal(format!("quota state: {e}")))?;
    let fields = EventsResult {
        stream: &header.stream_name,
        stream_id: &header.stream_id,
        accepted: events.len(),
        usage: UsageSummary {
            plan: &quota.plan,
            included: quota.included,
            used: quota.used,
            remaining: quota.remaining,
            soft_cap_passed: quota.soft_cap_passed,
            blocked: quota.blocked,
        },
        replayed,
    };
    let body = json_writer::object_with_raw_field(&fields, "verdicts", &answer.verdicts)
        .ok_or_else(|| ApiError::internal("events answer: not a JSON object"))?;
    Ok(Answered { body, warning: quota.warning_header() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anomaly_rows_are_written_as_serde_writes_them() {
        let metadata: &RawValue = serde_json::from_str(r#"{"host": "web-1", "n": 18446744073709551615}"#).unwrap();
        let no_metadata: &RawValue = serde_json::from_str("{}").unwrap();
        let metrics = MetricsJson { conditional_bits_per_byte: Some(3.25), compression_ratio: Some(f64::NAN), entropy: Some(0.1 + 0.2), ncd: None, drift: true };
        let rows = [
            DetectedAnomaly {
                event_type: "log",
                event_excerpt: Cow::Borrowed("ERROR disk \"sda\" failed\tat\n0x1f \u{1} é"),
                metadata,
                metrics: &metrics,
                p_value: 0.000999000999000999,
                score: 0.999,
                severity: "high",
                novel_spans: &[[0, 5], [9, u32::MAX]],
                explanation: "Unlike the baseline: 'failed'.",
            },
            DetectedAnomaly {
                event_type: "metric",
                event_excerpt: Cow::Owned("1e3".into()),
                metadata: no_metadata,
                metrics: &metrics,
                p_value: f64::INFINITY,
                score: 1e-300,
                severity: "low",
                novel_spans: &[],
                explanation: "",
            },
        ];
        for row in &rows {
            let mut ours = Vec::new();
            row.write_json(&mut ours);
            assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(row).unwrap());
        }
    }

    #[test]
    fn an_event_is_framed_with_what_a_stored_anomaly_keeps() {
        let mut metadata = Map::new();
        metadata.insert("host".into(), json!("web-1"));
        let e = PreparedEvent { body: EventToScore::Number(1000.0), number_text: Some("1e3".into()), event_type: Some("metric".into()), metadata };
        let text = serde_json::to_string(&e.metadata).ok();
        let f = e.framed(&text);
        assert_eq!((f.event_type, f.metadata, f.number_text), (Some("metric"), Some(r#"{"host":"web-1"}"#), Some("1e3")));
        assert_eq!(event_text(&f), "1e3");
        assert_eq!(event_text(&FramedEvent { number_text: None, ..f }), "1000");
    }
}

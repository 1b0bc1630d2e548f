//! `POST /events`: score a batch for one stream, store its anomalies and usage, answer verdicts.
//!
//! Order of work, so nothing the client is told was accepted can be lost: authenticate, check
//! the quota, validate the whole batch, score it in the stream's Durable Object (which keeps
//! the verdicts under the idempotency key), then store anomalies and usage in one database
//! transaction. Only when that commits does the client get 200; a failure is a 503 and a
//! retry with the same `Idempotency-Key` gets the same verdicts, counted once.

use super::{json, read_body};
use crate::auth::principal::{self, Principal};
use crate::context::Ctx;
use crate::domain::batch::{BatchErrorClass, EventBatch, EventBody, MAX_BATCH_BYTES};
use crate::domain::plan::{QuotaState, QUOTA_WARNING_HEADER};
use crate::error::ApiError;
use crate::handlers::anomalies::{excerpt, EXCERPT_BYTES};
use crate::handlers::streams::settings_of;
use crate::objects::{DetectorClient, EventToScore, ScoreRequest};
use crate::store::NewAnomaly;
use serde_json::{json, Value};
use worker::{Request, Response};

/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 128;

/// Keys are 1-128 visible ASCII characters.
pub fn check_idempotency_key(k: &str) -> Result<(), ApiError> {
    if k.is_empty() || k.len() > MAX_IDEMPOTENCY_KEY || !k.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::bad_request(format!(
            "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} visible ASCII characters"
        )));
    }
    Ok(())
}

fn random_key() -> Result<String, ApiError> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| ApiError::internal(format!("getrandom: {e}")))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The usage part of the answer.
fn usage_summary(state: &Value) -> Value {
    json!({
        "plan": state.get("plan"), "included": state.get("included"), "used": state.get("used"),
        "remaining": state.get("remaining"), "soft_cap_passed": state.get("soft_cap_passed"),
        "blocked": state.get("blocked"),
    })
}

/// `POST /events`
pub async fn ingest(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let grant = principal::api_key(&req, ctx).await?;
    Principal::Key(grant.clone()).require_scope("events:write")?;
    let upgrade = format!("{}/billing", ctx.config.dashboard_url.trim_end_matches('/'));
    if grant.blocked {
        return Err(ApiError::quota_exceeded(format!(
            "your plan's anomaly detections for this period are used up; upgrade at {upgrade}"
        )));
    }
    let client_key = req.headers().get("idempotency-key").ok().flatten();
    if let Some(k) = &client_key {
        check_idempotency_key(k)?;
    }
    let bytes = read_body(&mut req, MAX_BATCH_BYTES).await?;
    let batch = EventBatch::parse(&bytes).map_err(|e| match e.class() {
        BatchErrorClass::TooLarge => ApiError::too_large(e.to_string()),
        BatchErrorClass::Invalid => ApiError::invalid(e.to_string()),
        _ => ApiError::bad_request(e.to_string()),
    })?;

    let first_type = batch.events.first().and_then(|e| e.event_type).map(|t| t.as_str()).unwrap_or("log");
    let stream = ctx.store.stream_for_events(&grant.org_id, batch.stream.as_str(), first_type).await?;
    if let Some(allowed) = &grant.stream_ids {
        if !allowed.iter().any(|s| s == &stream.id) {
            return Err(ApiError::forbidden(format!("this API key may not send to stream '{}'", stream.name)));
        }
    }

    let key = match client_key {
        Some(k) => k,
        None => random_key()?,
    };
    let events: Vec<EventToScore> = batch
        .events
        .iter()
        .map(|e| match &e.body {
            EventBody::Text(t) => EventToScore::Text(t.clone()),
            // The batch parser already checked this is a JSON number.
            EventBody::Number(n) => EventToScore::Number(n.parse().unwrap_or(f64::NAN)),
            EventBody::Json(j) => EventToScore::Json(j.clone()),
        })
        .collect();
    let detector = DetectorClient::for_stream(&ctx.env, &grant.org_id, &stream.id)?;
    let scored = detector
        .score(&ScoreRequest { settings: settings_of(&stream), idempotency_key: key.clone(), events })
        .await?;

    let mut anomalies = Vec::new();
    let mut flagged = Vec::new();
    for (i, v) in scored.verdicts.iter().enumerate() {
        if !v.anomaly {
            continue;
        }
        let e = &batch.events[i];
        let mut metadata = e.metadata.clone().unwrap_or_default();
        if let Some(ts) = e.ts {
            metadata.insert("ts".into(), json!(ts.to_rfc3339()));
        }
        let metadata = Value::Object(metadata);
        anomalies.push(NewAnomaly {
            stream_id: stream.id.clone(),
            event_type: e.event_type.map(|t| t.as_str()).unwrap_or(stream.event_type.as_str()).to_string(),
            event_excerpt: excerpt(e.body.as_str(), EXCERPT_BYTES),
            metadata,
            metrics: v.metrics.clone(),
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
        .ingest_batch(&grant.org_id, &stream.id, &format!("events:{}:{key}", stream.id), scored.verdicts.len(), &anomalies)
        .await?;
    let ids: Vec<Value> = state.get("anomaly_ids").and_then(Value::as_array).cloned().unwrap_or_default();
    let mut verdicts: Vec<Value> = scored.verdicts.iter().map(|v| json!(v)).collect();
    for (n, i) in flagged.iter().enumerate() {
        verdicts[*i]["anomaly_id"] = ids.get(n).cloned().unwrap_or(Value::Null);
    }
    let mut resp = json(200, &json!({
        "stream": stream.name, "stream_id": stream.id, "accepted": verdicts.len(), "verdicts": verdicts,
        "usage": usage_summary(&state), "replayed": state.get("replayed").cloned().unwrap_or(json!(false)),
    }))?;
    let quota: QuotaState =
        serde_json::from_value(state).map_err(|e| ApiError::internal(format!("quota state: {e}")))?;
    if let Some(warning) = quota.warning_header() {
        resp.headers_mut().set(QUOTA_WARNING_HEADER, &warning)?;
    }
    Ok(resp)
}

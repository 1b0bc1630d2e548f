//! `POST /events`: score a batch for one stream, store its anomalies and usage, answer verdicts.
//!
//! Order of work, so nothing the client is told was accepted can be lost: check the key's
//! syntax and rate limit, validate the whole batch, resolve the key, its quota and the stream in
//! one database call (`rpc/resolve_events_request`: each subrequest costs the Worker CPU), then
//! hand the batch to the stream's Durable Object, which scores it (keeping the verdicts under
//! the idempotency key), stores anomalies and usage in one database transaction and answers.
//! Only when that commits does the client get 200; a failure is a 503 and a retry with the same
//! `Idempotency-Key` gets the same verdicts, counted once.

use super::{json, query, read_body};
use crate::auth::principal::{self, Principal};
use crate::context::Ctx;
use crate::domain::batch::{BatchErrorClass, EventBatch, MAX_BATCH_BYTES};
use crate::domain::plan::QUOTA_WARNING_HEADER;
use crate::error::ApiError;
use crate::ingest::{score_and_store, BatchKey, PreparedEvent, QueuedBatch};
use crate::store::{EventsGrant, StreamRow};
use serde_json::json;
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
    crate::context::random_hex::<16>().ok_or_else(|| ApiError::internal("no randomness for an idempotency key"))
}

/// Largest body accepted in asynchronous mode (a queue message holds at most 128 KB).
pub const MAX_ASYNC_BATCH_BYTES: usize = 96 * 1024;

/// Asynchronous mode: the batch is durably queued before the client hears 202.
async fn enqueue(ctx: &Ctx, org_id: &str, stream: &StreamRow, key: String, events: Vec<PreparedEvent>) -> Result<Response, ApiError> {
    let accepted = events.len();
    let message = QueuedBatch { org_id: org_id.to_string(), stream_id: stream.id.clone(), idempotency_key: key.clone(), events };
    let size = serde_json::to_vec(&message).map(|v| v.len()).unwrap_or(usize::MAX);
    if size > MAX_ASYNC_BATCH_BYTES {
        return Err(ApiError::too_large(format!(
            "asynchronous batches must be at most {MAX_ASYNC_BATCH_BYTES} bytes once prepared (this one is {size}); send smaller batches"
        )));
    }
    let queue = ctx.env.queue("INGEST_QUEUE").map_err(|e| ApiError::misconfigured(format!("INGEST_QUEUE: {e}")))?;
    // As JSON text: a structured-clone message would turn metadata integers beyond 2^53 into
    // JS numbers (or refuse them), and a refused message could never be retried into success.
    let text = serde_json::to_string(&message).map_err(|e| ApiError::internal(format!("queue message: {e}")))?;
    queue.send(&text).await.map_err(|e| ApiError::unavailable("the ingest queue", e.to_string()))?;
    json(202, &json!({ "stream": stream.name, "stream_id": stream.id, "accepted": accepted, "mode": "async", "idempotency_key": key }))
}

/// `POST /events`
pub async fn ingest(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let key_hash = principal::presented_api_key(&req, ctx).await?;
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
    let EventsGrant { grant, stream } = ctx
        .store
        .resolve_events_request(&key_hash, batch.stream.as_str(), first_type)
        .await?
        .ok_or_else(principal::unknown_key)?;
    Principal::Key(grant.clone()).require_scope("events:write")?;
    if grant.blocked {
        let upgrade = format!("{}/billing", ctx.config.dashboard_url.trim_end_matches('/'));
        return Err(ApiError::quota_exceeded(format!(
            "your plan's anomaly detections for this period are used up; upgrade at {upgrade}"
        )));
    }
    // The database created nothing for a refused stream: a key limited to some streams never
    // creates one (a new stream cannot be on its list).
    let stream = stream
        .ok_or_else(|| ApiError::forbidden(format!("this API key may not send to stream '{}'", batch.stream.as_str())))?;
    let events: Vec<PreparedEvent> = batch.events.into_iter().map(PreparedEvent::from).collect();

    let replayable = client_key.is_some();
    let key = match client_key {
        Some(k) => k,
        None => random_key()?,
    };
    if query(&req).get("mode").map(String::as_str) == Some("async") {
        return enqueue(ctx, &grant.org_id, &stream, key, events).await;
    }
    let scored = score_and_store(ctx, &grant.org_id, &stream, BatchKey { value: &key, replayable }, &events).await?;
    // The object's answer is the body as the client gets it: passed on unread, with this
    // Worker's own headers (the object's are immutable).
    let warning = scored.headers().get(QUOTA_WARNING_HEADER)?;
    let (_, body) = scored.into_parts();
    let mut resp = Response::from_body(body)?;
    resp.headers_mut().set("content-type", "application/json")?;
    if let Some(warning) = warning {
        resp.headers_mut().set(QUOTA_WARNING_HEADER, &warning)?;
    }
    Ok(resp)
}

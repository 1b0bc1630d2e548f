//! The ingest queue's consumer: scores and stores batches accepted in asynchronous mode.
//!
//! Each message is retried until it is stored (both steps are idempotent by the batch's key,
//! and local Queues may redeliver even acknowledged messages). A message that can never be
//! stored (its stream was deleted) is acknowledged and logged rather than retried forever.

use crate::context::{new_request_id, Ctx};
use crate::ingest::{score_and_store, BatchKey, QueuedBatch};
use crate::store::As;
use serde_json::json;
use worker::{console_log, Env, MessageBatch, MessageExt, ResponseBody};

/// Handles one delivery of messages. Never returns `Err`: that would fail the whole batch.
pub async fn consume(batch: MessageBatch<String>, env: Env) {
    let messages = match batch.messages() {
        Ok(m) => m,
        Err(e) => {
            console_log!("{}", json!({"level": "error", "job": "ingest_queue", "error": e.to_string()}));
            batch.retry_all();
            return;
        }
    };
    for message in messages {
        let rid = new_request_id();
        let ctx = match Ctx::new(env.clone(), rid.clone()) {
            Ok(c) => c,
            Err(_) => {
                message.retry();
                continue;
            }
        };
        let b: QueuedBatch = match serde_json::from_str(message.body()) {
            Ok(b) => b,
            Err(e) => {
                // Not one of ours: retrying cannot help.
                message.ack();
                console_log!("{}", json!({"level": "error", "job": "ingest_queue", "request_id": rid, "error": format!("bad message: {e}")}));
                continue;
            }
        };
        let outcome = match ctx.store.get_stream(As::Service, &b.org_id, &b.stream_id).await {
            Ok(Some(stream)) => score_and_store(&ctx, &b.org_id, &stream, BatchKey { value: &b.idempotency_key, replayable: true }, &b.events)
                .await
                .map(|answer| {
                    // Nobody reads the answer of a queued batch: let the object's stream go now
                    // rather than hold a subrequest connection open until it is collected.
                    if let ResponseBody::Stream(body) = answer.body() {
                        let _ = body.cancel();
                    }
                    "stored"
                }),
            Ok(None) => Ok("dropped: the stream no longer exists"),
            Err(e) => Err(e.into()),
        };
        let log = match &outcome {
            Ok(what) => {
                message.ack();
                json!({"level": "info", "job": "ingest_queue", "request_id": rid, "stream_id": b.stream_id, "events": b.events.len(), "outcome": what})
            }
            Err(e) => {
                // 4xx-class failures will not heal by retrying; everything else is retried.
                let permanent = (400..500).contains(&e.status()) && e.status() != 429;
                if permanent { message.ack() } else { message.retry() }
                json!({"level": if permanent { "error" } else { "warn" }, "job": "ingest_queue", "request_id": rid,
                       "stream_id": b.stream_id, "error": e.code(), "detail": e.detail(), "retried": !permanent})
            }
        };
        console_log!("{log}");
    }
}

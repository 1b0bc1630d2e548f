//! `GET /anomalies/stream`: the live feed as server-sent events.
//!
//! Works with fetch-based clients (an `Authorization` header, unlike `EventSource`). Each
//! connection polls for new anomalies every second for a bounded time, then ends with a
//! `retry` hint; the client reconnects with `Last-Event-ID` and misses nothing.

use super::query;
use crate::auth::principal;
use crate::context::Ctx;
use crate::error::ApiError;
use crate::store::{AnomalyFilter, As, Store};
use futures_util::{stream, StreamExt};
use std::time::Duration;
use worker::{Request, Response};

/// Seconds one connection stays open before the client is asked to reconnect.
pub const CONNECTION_SECS: u32 = 25;
/// Poll interval, in milliseconds (new anomalies appear within about this long).
pub const POLL_MS: u64 = 1000;

struct Feed {
    store: Store,
    stream_ids: Option<Vec<String>>,
    token: Option<String>,
    org_id: String,
    last_seq: i64,
    ticks: u32,
}

impl Feed {
    fn who(&self) -> As<'_> {
        self.token.as_deref().map_or(As::Service, As::User)
    }

    /// The next chunk: new anomalies as events, or a heartbeat comment.
    async fn next_chunk(&mut self) -> String {
        if self.ticks > 0 {
            worker::Delay::from(Duration::from_millis(POLL_MS)).await;
        }
        self.ticks += 1;
        let f = AnomalyFilter {
            after_seq: Some(self.last_seq),
            stream_ids: self.stream_ids.clone(),
            limit: 100,
            ..Default::default()
        };
        match self.store.list_anomalies(self.who(), &self.org_id, &f).await {
            Ok(rows) if !rows.is_empty() => {
                let mut out = String::new();
                for row in rows {
                    let seq = row.get("seq").and_then(|s| s.as_i64()).unwrap_or(self.last_seq);
                    self.last_seq = self.last_seq.max(seq);
                    out.push_str(&format!("id: {seq}\nevent: anomaly\ndata: {row}\n\n"));
                }
                out
            }
            Ok(_) => ": keep-alive\n\n".to_string(),
            // The database is briefly away: say so, keep the connection, try again next tick.
            Err(_) => "event: unavailable\ndata: {\"retry_after\":5}\n\n".to_string(),
        }
    }
}

/// Opens the feed. Without `Last-Event-ID` (or `?after=`) it starts from now.
pub async fn stream(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("anomalies:read")?;
    let resume = req
        .headers()
        .get("last-event-id")
        .ok()
        .flatten()
        .or_else(|| query(&req).get("after").cloned());
    let last_seq = match resume {
        Some(v) => v.trim().parse::<i64>().map_err(|_| ApiError::bad_request("Last-Event-ID must be an id this feed sent"))?,
        None => {
            let f = AnomalyFilter { limit: 1, ..Default::default() };
            let newest = ctx.store.list_anomalies(p.store_as(), p.org_id(), &f).await?;
            newest.first().and_then(|r| r.get("seq")).and_then(|s| s.as_i64()).unwrap_or(0)
        }
    };
    let token = match &p {
        principal::Principal::User(u) => Some(u.token.clone()),
        principal::Principal::Key(_) => None,
    };
    let feed = Feed { store: ctx.store.clone(), stream_ids: p.stream_ids().map(<[String]>::to_vec), token, org_id: p.org_id().to_string(), last_seq, ticks: 0 };
    let max_ticks = CONNECTION_SECS * 1000 / POLL_MS as u32;
    let head = stream::once(async { Ok::<Vec<u8>, worker::Error>(b"retry: 1000\n\n".to_vec()) });
    let polls = stream::unfold(feed, move |mut feed| async move {
        if feed.ticks >= max_ticks {
            return None;
        }
        let chunk = feed.next_chunk().await;
        Some((Ok(chunk.into_bytes()), feed))
    });
    let body = head.chain(polls);
    let mut resp = Response::from_stream(body)?;
    let h = resp.headers_mut();
    h.set("content-type", "text/event-stream")?;
    h.set("cache-control", "no-cache")?;
    h.set("x-accel-buffering", "no")?;
    Ok(resp)
}

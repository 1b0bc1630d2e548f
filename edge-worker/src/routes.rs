//! The route table, one line per endpoint, and the wrapper every response passes through
//! (request id, CORS, JSON errors, one log line per request).

use crate::context::{new_request_id, Ctx};
use crate::error::ApiError;
use crate::handlers::{anomalies, api_keys, events, feed, me, meta, metrics, streams, subscription, usage, webhook};
use worker::{console_log, Env, Headers, Method, Request, Response};

async fn route(req: Request, ctx: &Ctx, method: &Method, segs: &[&str]) -> Result<Response, ApiError> {
    use Method::*;
    match (method, segs) {
        (Get, []) => meta::index(ctx),
        (Get, ["health"]) => meta::health(ctx),
        (Get, ["ready"]) => meta::ready(ctx).await,
        (Get, ["openapi.json"]) => meta::openapi(),
        (Post, ["events"]) => events::ingest(req, ctx).await,
        (Get, ["anomalies"]) => anomalies::list(req, ctx).await,
        (Post, ["anomalies"]) => anomalies::create(req, ctx).await,
        (Get, ["anomalies", "stream"]) => feed::stream(req, ctx).await,
        (Get, ["anomalies", id]) => anomalies::get(req, ctx, id).await,
        (Patch, ["anomalies", id]) => anomalies::update_status(req, ctx, id).await,
        (Get, ["usage"]) => usage::current(req, ctx).await,
        (Post, ["usage"]) => usage::record(req, ctx).await,
        (Get, ["subscription"]) => subscription::show(req, ctx).await,
        (Post, ["subscription", "checkout"]) => subscription::checkout(req, ctx).await,
        (Post, ["subscription", "portal"]) => subscription::portal(req, ctx).await,
        (Post, ["stripe-webhook"]) => webhook::receive(req, ctx).await,
        (Get, ["streams"]) => streams::list(req, ctx).await,
        (Post, ["streams"]) => streams::create(req, ctx).await,
        (Patch, ["streams", id]) => streams::update(req, ctx, id).await,
        (Get, ["api-keys"]) => api_keys::list(req, ctx).await,
        (Post, ["api-keys"]) => api_keys::create(req, ctx).await,
        (Delete, ["api-keys", id]) => api_keys::revoke(req, ctx, id).await,
        (Get, ["me"]) => me::show(req, ctx).await,
        (Get, ["metrics"]) => metrics::scrape(req, ctx).await,
        (m, s) if path_exists(s) => Err(ApiError::method_not_allowed(m.as_ref(), &format!("/{}", s.join("/")))),
        _ => Err(ApiError::not_found("no such route; see /openapi.json")),
    }
}

/// Paths that exist with some method (for 405 rather than 404).
fn path_exists(segs: &[&str]) -> bool {
    matches!(
        segs,
        [] | ["health" | "ready" | "openapi.json" | "events" | "anomalies" | "usage" | "subscription"]
            | ["stripe-webhook" | "streams" | "api-keys" | "me" | "metrics"]
            | ["anomalies", _]
            | ["subscription", "checkout" | "portal"]
            | ["streams", _]
            | ["api-keys", _]
    )
}

/// A client's `X-Request-Id` is echoed only when it is short and plain (no header injection).
fn request_id(req: &Request) -> String {
    match req.headers().get("x-request-id").ok().flatten() {
        Some(id) if (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') => id,
        _ => new_request_id(),
    }
}

const CORS_ALLOW_HEADERS: &str = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID, X-Org-Id, X-Request-Id";
const CORS_EXPOSE_HEADERS: &str = "X-Request-Id, Retry-After, X-DriftLock-Usage-Warning";

fn cors_headers(headers: &Headers, origin: Option<&str>, allowed: &[String]) {
    if let Some(o) = origin.filter(|o| allowed.iter().any(|a| a == o || a == "*")) {
        let _ = headers.set("Access-Control-Allow-Origin", o);
        let _ = headers.set("Vary", "Origin");
        let _ = headers.set("Access-Control-Allow-Methods", "GET, POST, PATCH, DELETE, OPTIONS");
        let _ = headers.set("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
        let _ = headers.set("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
        let _ = headers.set("Access-Control-Max-Age", "600");
    }
}

/// The JSON error response.
pub fn error_response(e: &ApiError, request_id: &str) -> Response {
    let mut resp = Response::from_json(&e.body(request_id))
        .unwrap_or_else(|_| Response::empty().expect("an empty response"))
        .with_status(e.status());
    if let Some(s) = e.retry_after() {
        let _ = resp.headers_mut().set("Retry-After", &s.to_string());
    }
    resp
}

/// Serves one request: never panics on input, always JSON errors with the request id.
pub async fn serve(req: Request, env: Env) -> Response {
    let started = worker::Date::now().as_millis();
    let rid = request_id(&req);
    let method = req.method();
    let path = req.path();
    let origin = req.headers().get("origin").ok().flatten();
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();

    let (result, cors) = match Ctx::new(env, rid.clone()) {
        Err(e) => (Err(e), Vec::new()),
        Ok(ctx) => {
            let cors = ctx.config.cors_origins.clone();
            if method == Method::Options {
                (Response::empty().map(|r| r.with_status(204)).map_err(ApiError::from), cors)
            } else {
                (route(req, &ctx, &method, &segs).await, cors)
            }
        }
    };
    let (mut resp, error) = match result {
        Ok(r) => (r, None),
        Err(e) => (error_response(&e, &rid), Some(e)),
    };
    let headers = resp.headers_mut();
    let _ = headers.set("X-Request-Id", &rid);
    cors_headers(headers, origin.as_deref(), &cors);
    let log = serde_json::json!({
        "level": if resp.status_code() >= 500 { "error" } else { "info" },
        "request_id": rid, "method": method.as_ref(), "path": path, "status": resp.status_code(),
        "ms": worker::Date::now().as_millis().saturating_sub(started),
        "error": error.as_ref().map(|e| e.code()), "detail": error.as_ref().and_then(|e| e.detail()),
    });
    console_log!("{log}");
    resp
}

#[cfg(test)]
mod tests {
    use super::path_exists;

    #[test]
    fn known_paths_exist_for_405_and_unknown_ones_do_not() {
        assert!(path_exists(&["anomalies", "123"]));
        assert!(path_exists(&["subscription", "portal"]));
        assert!(path_exists(&[]));
        assert!(!path_exists(&["nope"]));
        assert!(!path_exists(&["anomalies", "1", "2"]));
    }
}

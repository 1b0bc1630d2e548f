//! `GET /`, `/health`, `/ready`, `/openapi.json`.

use super::json;
use crate::context::Ctx;
use crate::error::ApiError;
use serde_json::json;
use worker::{console_log, Response};

/// The OpenAPI 3.1 document, checked against real responses by the black-box tests.
const OPENAPI: &str = include_str!("../../openapi.json");

/// API name, version and where the document is.
pub fn index(_ctx: &Ctx) -> Result<Response, ApiError> {
    json(200, &json!({
        "name": "DriftLock API",
        "version": env!("CARGO_PKG_VERSION"),
        "docs": "/openapi.json",
        "description": "Compression-based anomaly detection for event streams",
    }))
}

/// Liveness: the Worker runs.
pub fn health(_ctx: &Ctx) -> Result<Response, ApiError> {
    json(200, &json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

/// Readiness: PostgREST answers, reaches the database and accepts the Worker's service key.
pub async fn ready(ctx: &Ctx) -> Result<Response, ApiError> {
    use crate::store::StoreError;
    let (checks, code, message) = match ctx.store.ping().await {
        Ok(()) => return json(200, &json!({ "status": "ready", "checks": { "postgrest": "ok", "database": "ok" } })),
        Err(StoreError::Unavailable(_)) => {
            (json!({ "postgrest": "unreachable", "database": "unreachable" }), "unavailable", "the database is not reachable")
        }
        // PostgREST answered but refused the Worker's own credentials (an expired or wrong
        // service key, a missing grant): reachable, yet nothing would work. The detail goes to
        // the log for the operators, not to whoever asks.
        Err(StoreError::Misconfigured(detail)) => {
            console_log!("{}", json!({ "level": "error", "request_id": ctx.request_id, "path": "/ready", "detail": detail }));
            (
                json!({ "postgrest": "ok", "database": "refused" }),
                "misconfigured",
                "the database refused the Worker's credentials; the detail is logged",
            )
        }
        Err(_) => (json!({ "postgrest": "error", "database": "error" }), "unavailable", "the database is not reachable"),
    };
    let mut resp = json(503, &json!({
        "status": "not_ready",
        "checks": checks,
        "error": { "code": code, "message": message, "request_id": ctx.request_id },
    }))?;
    resp.headers_mut().set("Retry-After", "5")?;
    Ok(resp)
}

/// The OpenAPI document.
pub fn openapi() -> Result<Response, ApiError> {
    let mut resp = Response::ok(OPENAPI)?;
    resp.headers_mut().set("content-type", "application/json")?;
    Ok(resp)
}

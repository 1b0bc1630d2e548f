//! `GET /`, `/health`, `/ready`, `/openapi.json`.

use super::json;
use crate::context::Ctx;
use crate::error::ApiError;
use serde_json::json;
use worker::Response;

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

/// Readiness: PostgREST answers and reaches the database.
pub async fn ready(ctx: &Ctx) -> Result<Response, ApiError> {
    match ctx.store.ping().await {
        Ok(()) => json(200, &json!({ "status": "ready", "checks": { "postgrest": "ok", "database": "ok" } })),
        Err(e) => {
            let why = match e {
                crate::store::StoreError::Unavailable(_) => "unreachable",
                _ => "error",
            };
            let mut resp = json(503, &json!({
                "status": "not_ready",
                "checks": { "postgrest": why, "database": why },
                "error": { "code": "unavailable", "message": "the database is not reachable", "request_id": ctx.request_id },
            }))?;
            resp.headers_mut().set("Retry-After", "5")?;
            Ok(resp)
        }
    }
}

/// The OpenAPI document.
pub fn openapi() -> Result<Response, ApiError> {
    let mut resp = Response::ok(OPENAPI)?;
    resp.headers_mut().set("content-type", "application/json")?;
    Ok(resp)
}

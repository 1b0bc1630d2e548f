//! `GET /usage` (the current period) and `POST /usage` (record usage by hand, idempotent).

use super::{json, read_json};
use crate::auth::principal;
use crate::context::Ctx;
use crate::error::ApiError;
use serde::Deserialize;
use worker::{Request, Response};

/// `GET /usage`
pub async fn current(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("usage:read")?;
    let state: serde_json::Value = ctx.store.quota_state(p.store_as(), p.org_id()).await?;
    json(200, &state)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UsageInput {
    events: i64,
    anomalies: i64,
    idempotency_key: String,
}

/// `POST /usage` (API key): adds events and detections to the current period.
pub async fn record(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let grant = principal::api_key(&req, ctx).await?;
    principal::Principal::Key(grant.clone()).require_scope("usage:write")?;
    let input: UsageInput = read_json(&mut req).await?;
    if !(0..=1_000_000).contains(&input.events) || !(0..=1_000_000).contains(&input.anomalies) {
        return Err(ApiError::invalid("events and anomalies must be integers from 0 to 1000000"));
    }
    if input.anomalies > input.events {
        return Err(ApiError::invalid("anomalies cannot exceed events"));
    }
    super::events::check_idempotency_key(&input.idempotency_key)?;
    let state = ctx.store.record_usage(&grant.org_id, &format!("usage:{}", input.idempotency_key), input.events, input.anomalies).await?;
    json(200, &state)
}

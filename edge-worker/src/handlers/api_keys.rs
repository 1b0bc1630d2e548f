//! `GET/POST /api-keys`, `DELETE /api-keys/{id}`: owners and admins manage keys; the secret is shown once.

use super::{json, read_json, require_uuid};
use crate::auth::api_key::ApiKey;
use crate::auth::principal;
use crate::context::Ctx;
use crate::error::ApiError;
use serde::Deserialize;
use serde_json::json;
use worker::{Request, Response};

/// Scopes a key may carry.
pub const SCOPES: [&str; 7] =
    ["events:write", "anomalies:read", "anomalies:write", "usage:read", "usage:write", "streams:read", "streams:write"];
/// Scopes of a key created without a list.
pub const DEFAULT_SCOPES: [&str; 5] = ["events:write", "anomalies:read", "usage:read", "usage:write", "streams:read"];

/// `GET /api-keys`
pub async fn list(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_admin()?;
    let keys = ctx.store.list_api_keys(p.store_as(), p.org_id()).await?;
    json(200, &json!({ "data": keys }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewKey {
    name: String,
    #[serde(default)]
    scopes: Option<Vec<String>>,
    /// Limit the key to these streams (ids of the organization's streams); absent = all.
    #[serde(default)]
    stream_ids: Option<Vec<String>>,
}

/// `POST /api-keys`: returns the key with its secret, once.
pub async fn create(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_admin()?;
    let input: NewKey = read_json(&mut req).await?;
    let name = input.name.trim();
    if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid("name must be 1 to 100 printable characters"));
    }
    let scopes: Vec<String> = input.scopes.unwrap_or_else(|| DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect());
    if scopes.is_empty() {
        return Err(ApiError::invalid("scopes must not be empty"));
    }
    if let Some(bad) = scopes.iter().find(|s| !SCOPES.contains(&s.as_str())) {
        return Err(ApiError::invalid(format!("unknown scope '{bad}'; allowed: {}", SCOPES.join(", "))));
    }
    if let Some(ids) = &input.stream_ids {
        if ids.is_empty() || ids.len() > 100 || !ids.iter().all(|i| super::is_uuid(i)) {
            return Err(ApiError::invalid("stream_ids must be 1 to 100 stream ids"));
        }
    }
    let mut random = [0u8; 20];
    getrandom::fill(&mut random).map_err(|e| ApiError::internal(format!("getrandom: {e}")))?;
    let key = ApiKey::generate(random);
    let mut stored = ctx
        .store
        .create_api_key(p.store_as(), p.org_id(), name, &key.prefix, &key.hash, &scopes, input.stream_ids.as_deref())
        .await?;
    stored["secret"] = json!(key.secret);
    json(201, &stored)
}

/// `DELETE /api-keys/{id}`: the key stops working at once.
pub async fn revoke(req: Request, ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_admin()?;
    require_uuid(id, "API key")?;
    let keys = ctx.store.list_api_keys(p.store_as(), p.org_id()).await?;
    if !keys.iter().any(|k| k.get("id").and_then(|v| v.as_str()) == Some(id)) {
        return Err(ApiError::not_found("no API key with that id"));
    }
    let revoked = ctx.store.revoke_api_key(p.store_as(), id).await?;
    json(200, &revoked)
}

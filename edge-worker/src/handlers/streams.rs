//! `GET/POST /streams`, `PATCH /streams/{id}`: streams and their detector settings.

use super::{json, read_body, require_uuid, MAX_SMALL_BODY};
use crate::auth::principal;
use crate::context::Ctx;
use crate::domain::stream::{NewStream, StreamSettingsPatch};
use crate::error::ApiError;
use crate::objects::{check_settings, DetectorSettings};
use crate::store::StreamRow;
use serde_json::{json, Map, Value};
use worker::{Request, Response};

/// The detector settings of a stored stream.
pub fn settings_of(s: &StreamRow) -> DetectorSettings {
    DetectorSettings {
        event_type: s.event_type.clone(),
        compressor: s.compressor.clone(),
        sensitivity: s.sensitivity,
        baseline_size: s.baseline_size,
        window_size: s.window_size,
    }
}

/// The detector's own builder has the last word on size combinations, so the API and the
/// engine never disagree about what a stream may be set to.
fn detector_accepts(s: &DetectorSettings) -> Result<(), ApiError> {
    check_settings(s).map_err(|e| ApiError::invalid(format!("these settings do not fit the detector: {e}")))
}

/// `GET /streams`
pub async fn list(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("streams:read")?;
    let mut rows = ctx.store.list_streams(p.store_as(), p.org_id()).await?;
    if let Some(ids) = p.stream_ids() {
        rows.retain(|s| ids.contains(&s.id));
    }
    json(200, &json!({ "data": rows }))
}

/// `POST /streams`
pub async fn create(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("streams:write")?;
    let s = NewStream::parse(&read_body(&mut req, MAX_SMALL_BODY).await?)?;
    let settings = DetectorSettings {
        event_type: s.event_type.as_str().into(),
        compressor: s.compressor.as_str().into(),
        sensitivity: s.sensitivity.get(),
        baseline_size: s.baseline_size,
        window_size: s.window_size,
    };
    detector_accepts(&settings)?;
    let fields = serde_json::to_value(&settings).map_err(|e| ApiError::internal(e.to_string()))?;
    match ctx.store.create_stream(p.store_as(), p.org_id(), s.name.as_str(), fields).await {
        Ok(row) => json(201, &row),
        Err(crate::store::StoreError::Conflict(_)) => {
            Err(ApiError::conflict(format!("a stream named '{}' already exists", s.name.as_str())))
        }
        Err(e) => Err(e.into()),
    }
}

/// `PATCH /streams/{id}`: settings changes reach the detector with the stream's next batch.
pub async fn update(mut req: Request, ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("streams:write")?;
    require_uuid(id, "stream")?;
    let patch = StreamSettingsPatch::parse(&read_body(&mut req, MAX_SMALL_BODY).await?)?;
    let current = ctx
        .store
        .get_stream(p.store_as(), p.org_id(), id)
        .await?
        .ok_or_else(|| ApiError::not_found("no stream with that id"))?;
    p.require_stream(&current.id)?;
    let mut next = settings_of(&current);
    let mut fields = Map::new();
    if let Some(n) = &patch.name {
        fields.insert("name".into(), json!(n.as_str()));
    }
    if let Some(t) = patch.event_type {
        next.event_type = t.as_str().into();
    }
    if let Some(c) = patch.compressor {
        next.compressor = c.as_str().into();
    }
    if let Some(s) = patch.sensitivity {
        next.sensitivity = s.get();
    }
    if let Some(b) = patch.baseline_size {
        next.baseline_size = b;
    }
    if let Some(w) = patch.window_size {
        next.window_size = w;
    }
    detector_accepts(&next)?;
    if let Value::Object(o) = serde_json::to_value(&next).map_err(|e| ApiError::internal(e.to_string()))? {
        fields.extend(o);
    }
    let row = ctx
        .store
        .update_stream(p.store_as(), p.org_id(), id, Value::Object(fields))
        .await
        .map_err(|e| match e {
            crate::store::StoreError::Conflict(_) => ApiError::conflict("another stream already has that name"),
            e => e.into(),
        })?
        .ok_or_else(|| ApiError::forbidden("you may not change this stream"))?;
    json(200, &row)
}

//! `GET/POST /streams`, `PATCH /streams/{id}`: streams and their detector settings.

use super::{json, read_json, require_uuid};
use crate::auth::principal;
use crate::context::Ctx;
use crate::domain::stream::StreamName;
use crate::error::ApiError;
use crate::objects::DetectorSettings;
use crate::store::StreamRow;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use worker::{Request, Response};

/// Settings a client may set; every field optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsInput {
    #[serde(default)]
    event_type: Option<String>,
    #[serde(default)]
    compressor: Option<String>,
    #[serde(default)]
    sensitivity: Option<f64>,
    #[serde(default)]
    baseline_size: Option<u32>,
    #[serde(default)]
    window_size: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateStream {
    name: String,
    #[serde(default)]
    event_type: Option<String>,
    #[serde(default)]
    compressor: Option<String>,
    #[serde(default)]
    sensitivity: Option<f64>,
    #[serde(default)]
    baseline_size: Option<u32>,
    #[serde(default)]
    window_size: Option<u32>,
}

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

/// Checks the settings the way the detector will (one source of truth: cbad-core's builder)
/// and returns the JSON patch of the fields given.
pub fn validate(input: &SettingsInput, current: Option<&DetectorSettings>) -> Result<Value, ApiError> {
    let mut patch = Map::new();
    if let Some(t) = &input.event_type {
        if !["log", "metric", "trace", "llm", "json"].contains(&t.as_str()) {
            return Err(ApiError::invalid(format!("event_type must be log, metric, trace, llm or json; got '{t}'")));
        }
        patch.insert("event_type".into(), json!(t));
    }
    if let Some(c) = &input.compressor {
        if !["zstd", "deflate"].contains(&c.as_str()) {
            return Err(ApiError::invalid(format!("compressor must be zstd or deflate; got '{c}'")));
        }
        patch.insert("compressor".into(), json!(c));
    }
    if let Some(s) = input.sensitivity {
        if !(s.is_finite() && (0.0..=1.0).contains(&s)) {
            return Err(ApiError::invalid(format!("sensitivity must be between 0.0 and 1.0; got {s}")));
        }
        patch.insert("sensitivity".into(), json!(s));
    }
    if let Some(b) = input.baseline_size {
        patch.insert("baseline_size".into(), json!(b));
    }
    if let Some(w) = input.window_size {
        patch.insert("window_size".into(), json!(w));
    }
    // Sizes are checked by the detector's own builder, so the API and the engine agree.
    if input.baseline_size.is_some() || input.window_size.is_some() || input.compressor.is_some() {
        let base = current.cloned().unwrap_or(DetectorSettings {
            event_type: "log".into(),
            compressor: "zstd".into(),
            sensitivity: 0.5,
            baseline_size: 256,
            window_size: 32,
        });
        let mut merged = base;
        if let Some(c) = &input.compressor {
            merged.compressor = c.clone();
        }
        if let Some(b) = input.baseline_size {
            merged.baseline_size = b;
        }
        if let Some(w) = input.window_size {
            merged.window_size = w;
        }
        crate::objects::check_settings(&merged).map_err(ApiError::invalid)?;
    }
    Ok(Value::Object(patch))
}

/// `GET /streams`
pub async fn list(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("streams:read")?;
    let rows = ctx.store.list_streams(p.store_as(), p.org_id()).await?;
    json(200, &json!({ "data": rows }))
}

/// `POST /streams`
pub async fn create(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("streams:write")?;
    let body: CreateStream = read_json(&mut req).await?;
    let name = StreamName::parse(&body.name).map_err(|e| ApiError::invalid(format!("name: {e}")))?;
    let settings = SettingsInput {
        event_type: body.event_type,
        compressor: body.compressor,
        sensitivity: body.sensitivity,
        baseline_size: body.baseline_size,
        window_size: body.window_size,
    };
    let fields = validate(&settings, None)?;
    match ctx.store.create_stream(p.store_as(), p.org_id(), name.as_str(), fields).await {
        Ok(row) => json(201, &row),
        Err(crate::store::StoreError::Conflict(_)) => Err(ApiError::conflict(format!("a stream named '{}' already exists", name.as_str()))),
        Err(e) => Err(e.into()),
    }
}

/// `PATCH /streams/{id}`: settings changes reach the detector with the stream's next batch.
pub async fn update(mut req: Request, ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("streams:write")?;
    require_uuid(id, "stream")?;
    let input: SettingsInput = read_json(&mut req).await?;
    let current = ctx.store.get_stream(p.store_as(), p.org_id(), id).await?.ok_or_else(|| ApiError::not_found("no stream with that id"))?;
    let patch = validate(&input, Some(&settings_of(&current)))?;
    if patch.as_object().is_some_and(|o| o.is_empty()) {
        return json(200, &current);
    }
    let row = ctx
        .store
        .update_stream(p.store_as(), p.org_id(), id, patch)
        .await?
        .ok_or_else(|| ApiError::forbidden("you may not change this stream"))?;
    json(200, &row)
}

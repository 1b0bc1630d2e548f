//! `GET/POST /anomalies`, `GET/PATCH /anomalies/{id}`.

use super::{json, query, read_json, require_uuid};
use crate::auth::principal;
use crate::context::Ctx;
use crate::error::ApiError;
use crate::store::{AnomalyFilter, NewAnomaly};
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Request, Response};

/// Largest page of `GET /anomalies`.
pub const MAX_PAGE: usize = 200;
/// Stored excerpt bound, in bytes (cut on a character boundary).
pub const EXCERPT_BYTES: usize = 4096;

const STATUSES: [&str; 4] = ["open", "acknowledged", "resolved", "dismissed"];
const SEVERITIES: [&str; 3] = ["low", "medium", "high"];

/// Cuts `s` to at most `max` bytes on a character boundary.
pub fn excerpt(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn one_of(field: &str, value: &str, allowed: &[&str]) -> Result<String, ApiError> {
    if allowed.contains(&value) {
        Ok(value.to_string())
    } else {
        Err(ApiError::invalid(format!("{field} must be one of {}; got '{value}'", allowed.join(", "))))
    }
}

/// Parses the list filters; bad values are 422 with the field named.
pub fn parse_filter(q: &std::collections::HashMap<String, String>) -> Result<AnomalyFilter, ApiError> {
    let mut f = AnomalyFilter { limit: 50, ..Default::default() };
    if let Some(s) = q.get("stream") {
        f.stream = Some(crate::domain::stream::StreamName::parse(s)?.as_str().to_string());
    }
    if let Some(s) = q.get("status") {
        f.status = Some(one_of("status", s, &STATUSES)?);
    }
    if let Some(s) = q.get("severity") {
        f.severity = Some(one_of("severity", s, &SEVERITIES)?);
    }
    if let Some(s) = q.get("since") {
        let ok = s.len() <= 40 && s.len() >= 10 && s.bytes().all(|b| b.is_ascii_digit() || b"-:.TZ+ ".contains(&b));
        if !ok {
            return Err(ApiError::invalid("since must be an RFC 3339 time such as 2026-11-29T10:00:00Z"));
        }
        f.since = Some(s.replace(' ', "+"));
    }
    if let Some(c) = q.get("cursor") {
        f.before_seq = Some(c.parse::<i64>().ok().filter(|c| *c > 0).ok_or_else(|| ApiError::invalid("cursor is not one this API returned"))?);
    }
    if let Some(l) = q.get("limit") {
        f.limit = l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_PAGE).contains(l))
            .ok_or_else(|| ApiError::invalid(format!("limit must be an integer from 1 to {MAX_PAGE}")))?;
    }
    Ok(f)
}

/// `GET /anomalies`: newest first, cursor pagination.
pub async fn list(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("anomalies:read")?;
    let mut f = parse_filter(&query(&req))?;
    f.stream_ids = p.stream_ids().map(<[String]>::to_vec);
    let want = f.limit;
    f.limit = want + 1;
    let mut rows = ctx.store.list_anomalies(p.store_as(), p.org_id(), &f).await?;
    let next = if rows.len() > want {
        rows.truncate(want);
        rows.last().and_then(|r| r.get("seq")).map(|s| s.to_string())
    } else {
        None
    };
    json(200, &json!({ "data": rows, "next_cursor": next }))
}

/// `GET /anomalies/{id}` with its status history.
pub async fn get(req: Request, ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("anomalies:read")?;
    require_uuid(id, "anomaly")?;
    let a = ctx.store.get_anomaly(p.store_as(), p.org_id(), id).await?.ok_or_else(|| ApiError::not_found("no anomaly with that id"))?;
    p.require_stream(a.get("stream_id").and_then(Value::as_str).unwrap_or_default())?;
    json(200, &a)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatusChange {
    status: String,
    #[serde(default)]
    note: Option<String>,
}

/// `PATCH /anomalies/{id}`: the status workflow.
pub async fn update_status(mut req: Request, ctx: &Ctx, id: &str) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("anomalies:write")?;
    require_uuid(id, "anomaly")?;
    let change: StatusChange = read_json(&mut req).await?;
    let status = one_of("status", &change.status, &STATUSES)?;
    if change.note.as_ref().is_some_and(|n| n.len() > 1000) {
        return Err(ApiError::invalid("note must be at most 1000 bytes"));
    }
    // The org filter first: another org's id is a 404, never a 403 that confirms it exists.
    let current = ctx.store.get_anomaly(p.store_as(), p.org_id(), id).await?.ok_or_else(|| ApiError::not_found("no anomaly with that id"))?;
    p.require_stream(current.get("stream_id").and_then(Value::as_str).unwrap_or_default())?;
    let moved = ctx.store.transition_anomaly(p.store_as(), id, &status, change.note.as_deref(), p.actor()).await;
    match moved {
        Ok(_) => {}
        Err(crate::store::StoreError::Invalid(m)) => return Err(ApiError::conflict(m)),
        Err(e) => return Err(e.into()),
    }
    let a = ctx.store.get_anomaly(p.store_as(), p.org_id(), id).await?.ok_or_else(|| ApiError::not_found("no anomaly with that id"))?;
    json(200, &a)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualAnomaly {
    stream: String,
    #[serde(default)]
    event_type: Option<String>,
    event_excerpt: String,
    score: f64,
    #[serde(default)]
    p_value: Option<f64>,
    severity: String,
    #[serde(default)]
    explanation: Option<String>,
    #[serde(default)]
    metrics: Option<Value>,
    #[serde(default)]
    metadata: Option<Value>,
    #[serde(default)]
    detected_at: Option<String>,
}

/// `POST /anomalies`: record an anomaly by hand.
pub async fn create(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("anomalies:write")?;
    let m: ManualAnomaly = read_json(&mut req).await?;
    let name = crate::domain::stream::StreamName::parse(&m.stream)?;
    if !(0.0..=1.0).contains(&m.score) {
        return Err(ApiError::invalid("score must be between 0 and 1"));
    }
    if m.p_value.is_some_and(|v| !(0.0..=1.0).contains(&v)) {
        return Err(ApiError::invalid("p_value must be between 0 and 1"));
    }
    let severity = one_of("severity", &m.severity, &SEVERITIES)?;
    let event_type = one_of("event_type", m.event_type.as_deref().unwrap_or("log"), &["log", "metric", "trace", "llm", "json"])?;
    for (field, v) in [("metrics", &m.metrics), ("metadata", &m.metadata)] {
        if v.as_ref().is_some_and(|v| !v.is_object()) {
            return Err(ApiError::invalid(format!("{field} must be an object")));
        }
        if v.as_ref().is_some_and(|v| v.to_string().len() > 4096) {
            return Err(ApiError::too_large(format!("{field} is over 4096 bytes")));
        }
    }
    let stream = match p.store_as() {
        // A key limited to some streams never creates one: a new stream cannot be on its list.
        crate::store::As::Service if p.stream_ids().is_some() => ctx
            .store
            .find_stream(crate::store::As::Service, p.org_id(), name.as_str())
            .await?
            .ok_or_else(|| ApiError::not_found("not found for this API key"))?,
        crate::store::As::Service => ctx.store.stream_for_events(p.org_id(), name.as_str(), &event_type).await?,
        who => match ctx.store.find_stream(who, p.org_id(), name.as_str()).await? {
            Some(s) => s,
            None => ctx.store.create_stream(who, p.org_id(), name.as_str(), json!({ "event_type": event_type })).await?,
        },
    };
    p.require_stream(&stream.id)?;
    let new = NewAnomaly {
        stream_id: stream.id,
        event_type,
        event_excerpt: excerpt(&m.event_excerpt, EXCERPT_BYTES).to_string(),
        metadata: m.metadata.unwrap_or(json!({})),
        metrics: m.metrics.unwrap_or(json!({})),
        p_value: m.p_value,
        score: m.score,
        severity,
        novel_spans: json!([]),
        explanation: m.explanation.unwrap_or_else(|| "Recorded by hand.".into()),
        detected_at: m.detected_at,
    };
    let a = ctx.store.create_anomaly(p.store_as(), p.org_id(), &new).await?;
    json(201, &a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_on_character_boundaries() {
        assert_eq!(excerpt("héllo", 2), "h");
        assert_eq!(excerpt("héllo", 3), "hé");
        assert_eq!(excerpt("abc", 10), "abc");
    }

    #[test]
    fn filters_reject_bad_values_with_the_field_named() {
        let q = |k: &str, v: &str| std::iter::once((k.to_string(), v.to_string())).collect();
        assert!(parse_filter(&q("status", "open")).is_ok());
        assert!(parse_filter(&q("status", "closed")).unwrap_err().message().contains("status"));
        assert!(parse_filter(&q("limit", "0")).is_err());
        assert!(parse_filter(&q("limit", "201")).is_err());
        assert!(parse_filter(&q("cursor", "abc")).is_err());
        assert!(parse_filter(&q("since", "2026-11-29T10:00:00Z")).is_ok());
        assert!(parse_filter(&q("since", "yesterday;drop")).is_err());
    }
}

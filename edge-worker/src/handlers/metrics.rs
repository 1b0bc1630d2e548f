//! `GET /metrics`: the organization's figures in Prometheus' text format, for a scrape.

use crate::auth::principal;
use crate::context::Ctx;
use crate::domain::prometheus::{self, PeriodUsage};
use crate::error::ApiError;
use worker::{Request, Response};

/// `GET /metrics` (API key with `usage:read` and `anomalies:read`, or a member's token).
pub async fn scrape(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("usage:read")?;
    p.require_scope("anomalies:read")?;
    let (usage, unresolved) = futures_util::future::join(
        ctx.store.quota_state::<PeriodUsage>(p.store_as(), p.org_id()),
        ctx.store.unresolved_anomaly_counts(p.store_as(), p.org_id()),
    )
    .await;
    let mut resp = Response::ok(prometheus::exposition(&usage?, &unresolved?))?;
    resp.headers_mut().set("content-type", prometheus::CONTENT_TYPE)?;
    Ok(resp)
}

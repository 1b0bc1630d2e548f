//! `GET /me`: the signed-in user and their organizations.

use super::json;
use crate::auth::principal;
use crate::context::Ctx;
use crate::error::ApiError;
use serde_json::json;
use worker::{Request, Response};

/// The user, the organization acted in, and every membership.
pub async fn show(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    let u = p.require_user()?;
    let orgs: Vec<_> = u
        .memberships
        .iter()
        .map(|m| {
            let o = m.organizations.clone().unwrap_or_default();
            json!({ "id": m.org_id, "name": o.get("name"), "plan": o.get("plan_id"), "role": m.role })
        })
        .collect();
    json(200, &json!({ "user_id": u.user_id, "email": u.email, "org_id": u.org_id, "role": u.role, "orgs": orgs }))
}

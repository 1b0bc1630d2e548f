//! `GET /subscription`, `POST /subscription/checkout`, `POST /subscription/portal`.

use super::{json, read_json};
use crate::auth::principal;
use crate::context::Ctx;
use crate::error::ApiError;
use crate::outbound::stripe_api::StripeApi;
use crate::store::As;
use serde::Deserialize;
use serde_json::{json, Value};
use worker::{Request, Response};

/// `GET /subscription`: plan, status, period, invoices and the plans on offer.
pub async fn show(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_scope("usage:read")?;
    let who = p.store_as();
    let org = ctx.store.organization(who, p.org_id()).await?.ok_or_else(|| ApiError::not_found("organization not found"))?;
    let plans = ctx.store.plans(who).await?;
    let plan_id = org.get("plan_id").and_then(Value::as_str).unwrap_or("developer");
    let plan = plans.iter().find(|pl| pl.get("id").and_then(Value::as_str) == Some(plan_id)).cloned().unwrap_or(Value::Null);
    let sub = ctx.store.subscription(who, p.org_id()).await?;
    let invoices = ctx.store.invoices(who, p.org_id()).await?;
    let field = |k: &str| sub.as_ref().and_then(|s| s.get(k)).cloned().unwrap_or(Value::Null);
    json(200, &json!({
        "plan": plan,
        "status": sub.as_ref().and_then(|s| s.get("status")).cloned().unwrap_or(json!("free")),
        "current_period_start": field("current_period_start"),
        "current_period_end": field("current_period_end"),
        "cancel_at_period_end": sub.as_ref().and_then(|s| s.get("cancel_at_period_end")).cloned().unwrap_or(json!(false)),
        "stop_at_soft_cap": org.get("stop_at_soft_cap").cloned().unwrap_or(json!(false)),
        "invoices": invoices,
        "plans": plans,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckoutInput {
    plan: String,
}

/// `POST /subscription/checkout`: a Stripe Checkout session (promotion codes allowed).
pub async fn checkout(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    let user = p.require_admin()?;
    let input: CheckoutInput = read_json(&mut req).await?;
    let plans = ctx.store.plans(p.store_as()).await?;
    let plan = plans
        .iter()
        .find(|pl| pl.get("id").and_then(Value::as_str) == Some(input.plan.as_str()))
        .ok_or_else(|| ApiError::invalid(format!("unknown plan '{}'", input.plan)))?;
    let price = plan
        .get("stripe_price_id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid(format!("plan '{}' cannot be bought through Checkout", input.plan)))?;
    let org = ctx.store.organization(As::Service, p.org_id()).await?.ok_or_else(|| ApiError::not_found("organization not found"))?;
    let base = ctx.config.dashboard_url.trim_end_matches('/');
    let mut params = vec![
        ("mode", "subscription".to_string()),
        ("line_items[0][price]", price.to_string()),
        ("line_items[0][quantity]", "1".to_string()),
        ("allow_promotion_codes", "true".to_string()),
        ("client_reference_id", p.org_id().to_string()),
        ("metadata[org_id]", p.org_id().to_string()),
        ("metadata[plan]", input.plan.clone()),
        ("subscription_data[metadata][org_id]", p.org_id().to_string()),
        ("success_url", format!("{base}/billing?checkout=success")),
        ("cancel_url", format!("{base}/billing?checkout=cancelled")),
    ];
    match org.get("stripe_customer_id").and_then(Value::as_str) {
        Some(c) => params.push(("customer", c.to_string())),
        None => {
            if let Some(e) = &user.email {
                params.push(("customer_email", e.clone()))
            }
        }
    }
    let session = StripeApi::new(&ctx.config)?.post("/v1/checkout/sessions", &params, None).await?;
    let url = session.get("url").and_then(Value::as_str).ok_or_else(|| ApiError::internal("Checkout session without url"))?;
    ctx.store
        .audit(p.org_id(), p.actor(), "checkout.started", json!({ "plan": input.plan, "session": session.get("id") }))
        .await?;
    json(200, &json!({ "url": url, "id": session.get("id") }))
}

/// `POST /subscription/portal`: a Stripe billing portal session.
pub async fn portal(req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let p = principal::any(&req, ctx).await?;
    p.require_admin()?;
    let org = ctx.store.organization(As::Service, p.org_id()).await?.ok_or_else(|| ApiError::not_found("organization not found"))?;
    let customer = org
        .get("stripe_customer_id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::conflict("this organization has no Stripe customer yet: upgrade through Checkout first"))?;
    let return_url = format!("{}/billing", ctx.config.dashboard_url.trim_end_matches('/'));
    let session = StripeApi::new(&ctx.config)?
        .post("/v1/billing_portal/sessions", &[("customer", customer.to_string()), ("return_url", return_url)], None)
        .await?;
    let url = session.get("url").and_then(Value::as_str).ok_or_else(|| ApiError::internal("portal session without url"))?;
    ctx.store.audit(p.org_id(), p.actor(), "portal.opened", json!({ "session": session.get("id") })).await?;
    json(200, &json!({ "url": url }))
}

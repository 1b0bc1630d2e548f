//! `POST /stripe-webhook`: verified over the raw bytes before parsing, applied idempotently
//! and order-safely by the database; 2xx only once the event is durably recorded.

use super::{json, read_body};
use crate::context::Ctx;
use crate::error::ApiError;
use crate::stripe::event::StripeEvent;
use crate::stripe::signature::{verify_stripe_signature, DEFAULT_TOLERANCE_SECS};
use serde_json::{json, Value};
use worker::{Request, Response};

/// Largest webhook body accepted (Stripe events are far smaller).
pub const MAX_WEBHOOK_BODY: usize = 256 * 1024;

/// Receives one Stripe event.
pub async fn receive(mut req: Request, ctx: &Ctx) -> Result<Response, ApiError> {
    let secret = ctx
        .config
        .stripe_webhook_secret
        .as_ref()
        .ok_or_else(|| ApiError::misconfigured("STRIPE_WEBHOOK_SECRET is not configured"))?;
    let header = req
        .headers()
        .get("stripe-signature")
        .ok()
        .flatten()
        .ok_or_else(|| ApiError::unauthorized("missing Stripe-Signature header"))?;
    let body = read_body(&mut req, MAX_WEBHOOK_BODY).await?;
    verify_stripe_signature(&header, &body, secret.expose(), ctx.now, DEFAULT_TOLERANCE_SECS)
        .map_err(|e| ApiError::unauthorized(format!("Stripe signature rejected: {e}")))?;
    let event = StripeEvent::parse(&body).map_err(|e| ApiError::bad_request(format!("not a Stripe event: {e}")))?;
    let raw: Value = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("not JSON: {e}")))?;
    let outcome = ctx.store.apply_stripe_event(&raw).await?;
    json(200, &json!({ "received": true, "id": event.id, "outcome": outcome.get("outcome") }))
}

//! `POST /stripe-webhook`: verified over the raw bytes before parsing, applied idempotently
//! and order-safely by the database; 2xx only once the event is durably recorded.

use super::{json, read_body};
use crate::context::Ctx;
use crate::error::ApiError;
use crate::stripe::event::{HandledEvent, StripeEvent};
use crate::stripe::signature::{verify_stripe_signature, DEFAULT_TOLERANCE_SECS};
use serde_json::{json, Value};
use worker::{console_log, Request, Response};

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
    let event = StripeEvent::parse(&body).map_err(|e| ApiError::bad_request(e.to_string()))?;
    // The object must have the shape its type calls for before anything is recorded.
    let handled = event.handled().map_err(|e| ApiError::bad_request(e.to_string()))?;
    let org_hint = match &handled {
        HandledEvent::CheckoutSessionCompleted(s) => s.org_id_hint(),
        HandledEvent::Subscription { subscription, .. } => subscription.org_id_hint(),
        HandledEvent::Invoice { invoice, .. } => invoice.org_id_hint(),
        _ => None,
    };
    let raw: Value = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request(format!("not JSON: {e}")))?;
    let outcome = ctx.store.apply_stripe_event(&raw).await?;
    console_log!(
        "{}",
        json!({"level": "info", "request_id": ctx.request_id, "stripe_event": event.id, "type": event.event_type,
               "handled": event.handled_type().as_str().is_some(), "object": event.object_id(),
               "org_hint": org_hint, "livemode": event.livemode, "created": event.created, "api_version": event.api_version,
               "changes": event.data.previous_attributes.is_some(), "outcome": outcome.get("outcome")})
    );
    json(200, &json!({ "received": true, "id": event.id, "type": event.event_type, "outcome": outcome.get("outcome") }))
}

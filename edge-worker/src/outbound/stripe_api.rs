//! Stripe's API: Checkout sessions, billing portal sessions, customers, meter events.

use crate::config::Config;
use crate::error::ApiError;
use serde_json::Value;
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// A Stripe API client (form-encoded requests, JSON answers).
pub struct StripeApi<'a> {
    base: &'a str,
    key: &'a str,
}

impl<'a> StripeApi<'a> {
    /// A client, or 503 when Stripe is not configured.
    pub fn new(config: &'a Config) -> Result<Self, ApiError> {
        let key = config
            .stripe_secret_key
            .as_ref()
            .ok_or_else(|| ApiError::misconfigured("STRIPE_SECRET_KEY is not configured"))?;
        Ok(Self { base: config.stripe_api_base.trim_end_matches('/'), key: key.expose() })
    }

    /// POSTs form parameters; `idempotency_key` makes Stripe treat retries as one call.
    pub async fn post(&self, path: &str, params: &[(&str, String)], idempotency_key: Option<&str>) -> Result<Value, ApiError> {
        let body: String = worker::url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())))
            .finish();
        let headers = Headers::new();
        headers.set("authorization", &format!("Bearer {}", self.key))?;
        headers.set("content-type", "application/x-www-form-urlencoded")?;
        if let Some(k) = idempotency_key {
            headers.set("idempotency-key", k)?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
        let req = Request::new_with_init(&format!("{}{path}", self.base), &init)?;
        let mut resp = Fetch::Request(req).send().await.map_err(|e| ApiError::unavailable("Stripe", e.to_string()))?;
        let status = resp.status_code();
        let value: Value = resp.json().await.map_err(|e| ApiError::unavailable("Stripe", format!("{status}: {e}")))?;
        match status {
            200..=299 => Ok(value),
            400..=499 => Err(ApiError::internal(format!("Stripe refused {path}: {status} {value}"))),
            _ => Err(ApiError::unavailable("Stripe", format!("{status} {value}"))),
        }
    }
}

//! The email provider (Resend's API shape: `POST /emails`).

use crate::config::Config;
use serde_json::json;
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// Sends one email; `Err` carries a reason for the outbox's `last_error` (no secrets).
pub async fn send(config: &Config, to: &str, subject: &str, text: &str, idempotency_key: &str) -> Result<(), String> {
    let key = config.email_api_key.as_ref().ok_or("EMAIL_API_KEY is not configured")?;
    let body = json!({ "from": config.email_from, "to": [to], "subject": subject, "text": text }).to_string();
    let headers = Headers::new();
    let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| e.to_string());
    set("authorization", &format!("Bearer {}", key.expose()))?;
    set("content-type", "application/json")?;
    set("idempotency-key", idempotency_key)?;
    let mut init = RequestInit::new();
    init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
    let url = format!("{}/emails", config.email_api_base.trim_end_matches('/'));
    let req = Request::new_with_init(&url, &init).map_err(|e| e.to_string())?;
    let resp = Fetch::Request(req).send().await.map_err(|e| format!("email API unreachable: {e}"))?;
    match resp.status_code() {
        200..=299 => Ok(()),
        s => Err(format!("email API answered {s}")),
    }
}

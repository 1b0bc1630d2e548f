//! One API error type; the only place an HTTP status is chosen.

use serde_json::json;

/// Every code the constructors below give (an error crossing the object hop is rebuilt with
/// one of these; a test keeps the list and the constructors together).
const CODES: [&str; 14] = [
    "bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict", "payload_too_large",
    "invalid_request", "idempotency_key_reused", "quota_exceeded", "rate_limited", "unavailable", "misconfigured", "internal",
];

/// An error answered to a client as `{"error": {"code", "message", "request_id"}}`.
///
/// `message` is for the client; `detail` (never sent) is logged with the request id.
#[derive(Debug)]
pub struct ApiError {
    status: u16,
    code: &'static str,
    message: String,
    retry_after: Option<u32>,
    detail: Option<String>,
}

impl ApiError {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), retry_after: None, detail: None }
    }
    /// 400: the request could not be read (bad JSON, bad UTF-8, bad header).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "bad_request", message)
    }
    /// 401: no or invalid credentials.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, "unauthorized", message)
    }
    /// 403: valid credentials that may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(403, "forbidden", message)
    }
    /// 404: nothing here, or nothing this caller may see.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, "not_found", message)
    }
    /// 405: the path exists, the method does not.
    pub fn method_not_allowed(method: &str, path: &str) -> Self {
        Self::new(405, "method_not_allowed", format!("{method} is not allowed on {path}"))
    }
    /// 409: conflicts with the current state (duplicate name, bad transition).
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(409, "conflict", message)
    }
    /// 413: the body or batch is too large.
    pub fn too_large(message: impl Into<String>) -> Self {
        Self::new(413, "payload_too_large", message)
    }
    /// 422: well-formed, but a field is invalid.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(422, "invalid_request", message)
    }
    /// 422: an idempotency key already used for a different request (other events, other figures).
    pub fn idempotency_key_reused() -> Self {
        Self::new(
            422,
            "idempotency_key_reused",
            "this idempotency key was already used for a different request; a retry must send the same content, new content needs a new key",
        )
    }
    /// 402: the plan's quota blocks this request.
    pub fn quota_exceeded(message: impl Into<String>) -> Self {
        Self::new(402, "quota_exceeded", message)
    }
    /// 429: too many requests; retry after the given seconds.
    pub fn rate_limited(retry_after: u32) -> Self {
        let mut e = Self::new(429, "rate_limited", format!("too many requests: retry after {retry_after} s"));
        e.retry_after = Some(retry_after);
        e
    }
    /// 503: a dependency is down; nothing was accepted; retry later.
    pub fn unavailable(what: &str, detail: impl Into<String>) -> Self {
        let mut e = Self::new(503, "unavailable", format!("{what} is unavailable; nothing was accepted, retry shortly"));
        e.retry_after = Some(5);
        e.detail = Some(detail.into());
        e
    }
    /// 503: the deployment lacks a required setting.
    pub fn misconfigured(detail: impl Into<String>) -> Self {
        let mut e = Self::new(503, "misconfigured", "the service is misconfigured; the operators have been told");
        e.retry_after = Some(60);
        e.detail = Some(detail.into());
        e
    }
    /// 500: a bug on our side; the detail is logged, never sent.
    pub fn internal(detail: impl Into<String>) -> Self {
        let mut e = Self::new(500, "internal", "internal error; it has been logged with the request id");
        e.detail = Some(detail.into());
        e
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }
    /// The machine-readable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
#[cfg(test)]
    /// The human message sent to the client.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// Seconds for `Retry-After`, when retrying makes sense.
    pub fn retry_after(&self) -> Option<u32> {
        self.retry_after
    }
    /// Internal detail for the log line.
    pub fn detail(&self) -> Option<&str> {
        self.detail.as_deref()
    }
    /// The JSON body.
    pub fn body(&self, request_id: &str) -> serde_json::Value {
        json!({"error": {"code": self.code, "message": self.message, "request_id": request_id}})
    }

    /// The error as a stream's Durable Object hands it to the Worker, detail included (this
    /// hop is internal; the Worker sends the client only [`Self::body`]).
    pub fn to_hop(&self) -> serde_json::Value {
        json!({"code": self.code, "message": self.message, "retry_after": self.retry_after, "detail": self.detail})
    }

    /// Rebuilds an error the object handed over with [`Self::to_hop`]; anything unreadable is
    /// the object being unavailable.
    pub fn from_hop(status: u16, hop: &[u8]) -> Self {
        let v: serde_json::Value = serde_json::from_slice(hop).unwrap_or_default();
        let text = |k: &str| v.get(k).and_then(serde_json::Value::as_str);
        match (CODES.iter().find(|&&c| Some(c) == text("code")), text("message")) {
            (Some(code), Some(message)) if (400..600).contains(&status) => Self {
                status,
                code,
                message: message.to_string(),
                retry_after: v.get("retry_after").and_then(serde_json::Value::as_u64).map(|s| s.min(3600) as u32),
                detail: text("detail").map(str::to_string),
            },
            _ => ApiError::unavailable(
                "the stream's detector",
                format!("{status}: {}", String::from_utf8_lossy(&hop[..hop.len().min(512)])),
            ),
        }
    }
}

impl From<worker::Error> for ApiError {
    fn from(e: worker::Error) -> Self {
        ApiError::internal(format!("worker: {e}"))
    }
}

impl From<crate::domain::stream::StreamError> for ApiError {
    fn from(e: crate::domain::stream::StreamError) -> Self {
        use crate::domain::stream::StreamError as S;
        match e {
            S::Malformed { .. } => ApiError::bad_request(e.to_string()),
            _ => ApiError::invalid(e.to_string()),
        }
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError as S;
        match e {
            S::NotFound => ApiError::not_found("not found"),
            S::Conflict(m) => ApiError::conflict(m),
            S::Forbidden(m) => ApiError::forbidden(m),
            S::Misconfigured(d) => ApiError::misconfigured(d),
            S::Unauthorized(m) => ApiError::unauthorized(m),
            S::IdempotencyKeyReused => ApiError::idempotency_key_reused(),
            S::Invalid(m) => ApiError::invalid(m),
            S::Unavailable(d) => ApiError::unavailable("the database", d),
            S::Unexpected(d) => ApiError::internal(d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_crosses_the_object_hop_whole() {
        for e in [ApiError::unavailable("the database", "connection refused"), ApiError::invalid("bad settings"), ApiError::internal("a bug")] {
            let back = ApiError::from_hop(e.status(), &serde_json::to_vec(&e.to_hop()).unwrap());
            assert_eq!((back.status(), back.code(), back.message(), back.retry_after(), back.detail()),
                       (e.status(), e.code(), e.message(), e.retry_after(), e.detail()));
        }
    }

    #[test]
    fn every_constructor_gives_a_code_the_hop_knows() {
        let all = [
            ApiError::bad_request("x"), ApiError::unauthorized("x"), ApiError::forbidden("x"), ApiError::not_found("x"),
            ApiError::method_not_allowed("GET", "/x"), ApiError::conflict("x"), ApiError::too_large("x"),
            ApiError::invalid("x"), ApiError::quota_exceeded("x"), ApiError::rate_limited(1),
            ApiError::unavailable("x", "y"), ApiError::misconfigured("x"), ApiError::internal("x"),
        ];
        for e in all {
            assert!(CODES.contains(&e.code()), "{}", e.code());
        }
    }

    #[test]
    fn an_unreadable_hop_error_is_the_object_being_unavailable() {
        for (status, body) in [(500, &b"Internal Server Error"[..]), (503, br#"{"code":"made_up","message":"x"}"#), (200, br#"{"code":"internal","message":"x"}"#)] {
            let e = ApiError::from_hop(status, body);
            assert_eq!((e.status(), e.code()), (503, "unavailable"));
            assert!(e.detail().unwrap().starts_with(&status.to_string()));
        }
    }
}

//! The PostgREST client: the only code that knows tables, columns and filters.
//!
//! Requests are built with the `postgrest` crate's builders and sent with the Workers fetch
//! API. PostgREST's `{code, message}` errors become a [`StoreError`].

mod anomalies;
mod billing;
mod keys;
mod streams;
mod usage;

pub use anomalies::{AnomalyFilter, NewAnomaly};
pub use keys::{EventsGrant, KeyGrant, Membership};
pub use streams::StreamRow;

use crate::config::Config;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use worker::{Fetch, Headers, Method, Request, RequestInit};

/// What went wrong talking to PostgREST, in terms the API can answer with.
#[derive(Debug)]
pub enum StoreError {
    /// No row (PGRST116) or nothing visible to this caller.
    NotFound,
    /// Unique violation (23505) or a state conflict.
    Conflict(String),
    /// A policy or a function refused this caller (42501 raised on purpose, RLS).
    Forbidden(String),
    /// The database refused a role a grant the Worker relies on (42501 "permission denied for
    /// ..."): the deployment is missing a migration or a grant, nothing the caller did.
    Misconfigured(String),
    /// An idempotency key already used with other figures (DL422, raised by `record_usage`).
    IdempotencyKeyReused,
    /// PostgREST rejected the token (PGRST301/302).
    Unauthorized(String),
    /// A check or a function refused the values (22xxx, 23xxx, P0001).
    Invalid(String),
    /// PostgREST or the database is down (08xxx, 53xxx, PGRST000-003, 502-504, network).
    Unavailable(String),
    /// Anything else: a bug or a schema mismatch.
    Unexpected(String),
}

#[derive(Deserialize, Default)]
struct PostgrestError {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    details: Option<String>,
}

/// Maps an HTTP status and PostgREST's error body to a [`StoreError`].
pub fn classify(status: u16, body: &[u8]) -> StoreError {
    let e: PostgrestError = serde_json::from_slice(body).unwrap_or_default();
    let code = e.code.unwrap_or_default();
    let message = e.message.unwrap_or_else(|| format!("PostgREST answered {status}"));
    let detail = format!("{status} {code}: {message} {}", e.details.unwrap_or_default());
    match code.as_str() {
        "PGRST116" | "PT404" => StoreError::NotFound,
        "DL422" => StoreError::IdempotencyKeyReused,
        "23505" => StoreError::Conflict(message),
        // PostgreSQL's own refusal of a missing grant: the Worker picks which role calls what,
        // so a missing grant is the deployment's fault (its words are not for the client).
        "42501" if message.starts_with("permission denied for ") => StoreError::Misconfigured(detail),
        "42501" => StoreError::Forbidden(message),
        "PGRST301" | "PGRST302" | "PGRST303" => StoreError::Unauthorized(message),
        "PGRST000" | "PGRST001" | "PGRST002" | "PGRST003" => StoreError::Unavailable(detail),
        c if c.starts_with("08") || c.starts_with("53") || c.starts_with("57P") => StoreError::Unavailable(detail),
        c if c.starts_with("22") || c.starts_with("23") || c == "P0001" => StoreError::Invalid(message),
        _ if status == 404 => StoreError::NotFound,
        _ if matches!(status, 502..=504) => StoreError::Unavailable(detail),
        _ => StoreError::Unexpected(detail),
    }
}

/// A refused token of the Worker's own service role is the deployment's fault (a wrong or
/// expired service key), not the caller's: 503 `misconfigured`, not 401.
fn blame_deployment(e: StoreError, as_service: bool) -> StoreError {
    match e {
        StoreError::Unauthorized(m) if as_service => {
            StoreError::Misconfigured(format!("PostgREST refused the service role's token: {m}"))
        }
        other => other,
    }
}

/// Whose rights a request runs with.
#[derive(Clone, Copy)]
pub enum As<'a> {
    /// The Worker's service role: only where no user token can serve (API keys, webhooks, cron).
    Service,
    /// A signed-in user's access token: row-level security decides.
    User(&'a str),
}

/// A typed PostgREST client.
#[derive(Clone)]
pub struct Store {
    base: String,
    anon_key: Option<String>,
    service_key: crate::config::Secret,
}

impl Store {
    /// A client for the configured PostgREST.
    pub fn new(config: &Config) -> Self {
        Self {
            base: config.postgrest_url.trim_end_matches('/').to_string(),
            anon_key: config.anon_key.clone(),
            service_key: config.service_role_key.clone(),
        }
    }

    fn client(&self, who: As<'_>) -> postgrest::Postgrest {
        let token = match who {
            As::Service => self.service_key.expose(),
            As::User(t) => t,
        };
        let apikey = match who {
            As::Service => self.service_key.expose(),
            As::User(_) => self.anon_key.as_deref().unwrap_or(self.service_key.expose()),
        };
        postgrest::Postgrest::new(self.base.clone())
            .insert_header("apikey", apikey)
            .insert_header("Authorization", format!("Bearer {token}"))
    }

    /// Sends a built request; returns the raw successful body.
    async fn send(&self, builder: postgrest::Builder) -> Result<Vec<u8>, StoreError> {
        let req = builder
            .build()
            .build()
            .map_err(|e| StoreError::Unexpected(format!("building a PostgREST request: {e}")))?;
        // Which role sent it, by its token: a refusal means something else for each.
        let token = req.headers().get("authorization").and_then(|v| v.to_str().ok());
        let as_service = token.and_then(|v| v.strip_prefix("Bearer ")) == Some(self.service_key.expose());
        let headers = Headers::new();
        for (name, value) in req.headers() {
            if let Ok(v) = value.to_str() {
                headers.set(name.as_str(), v).map_err(|e| StoreError::Unexpected(e.to_string()))?;
            }
        }
        let mut init = RequestInit::new();
        init.with_method(Method::from(req.method().as_str().to_string())).with_headers(headers);
        // The postgrest crate gives every request a body, "" for GET; fetch refuses a GET with one.
        if let Some(body) = req.body().and_then(|b| b.as_bytes()).filter(|b| !b.is_empty()) {
            init.with_body(Some(worker::js_sys::Uint8Array::from(body).into()));
        }
        let request = Request::new_with_init(req.url().as_str(), &init)
            .map_err(|e| StoreError::Unexpected(format!("PostgREST request: {e}")))?;
        let resp = Fetch::Request(request)
            .send()
            .await
            .map_err(|e| StoreError::Unavailable(format!("PostgREST unreachable: {e}")))?;
        let status = resp.status_code();
        let body = crate::body::response_bytes(resp)
            .await
            .map_err(|e| StoreError::Unavailable(format!("PostgREST body: {e}")))?;
        if status >= 400 {
            return Err(blame_deployment(classify(status, &body), as_service));
        }
        Ok(body)
    }

    async fn json<T: DeserializeOwned>(&self, builder: postgrest::Builder) -> Result<T, StoreError> {
        let body = self.send(builder).await?;
        serde_json::from_slice(&body)
            .map_err(|e| StoreError::Unexpected(format!("unexpected PostgREST answer: {e}")))
    }

    /// Calls `/rpc/<name>` with named arguments.
    async fn rpc<T: DeserializeOwned>(&self, who: As<'_>, name: &str, args: impl serde::Serialize) -> Result<T, StoreError> {
        let args = serde_json::to_string(&args).map_err(|e| StoreError::Unexpected(format!("{name} arguments: {e}")))?;
        self.rpc_text(who, name, args).await
    }

    /// Calls `/rpc/<name>` with arguments already written as a JSON object.
    async fn rpc_text<T: DeserializeOwned>(&self, who: As<'_>, name: &str, args: String) -> Result<T, StoreError> {
        self.json(self.client(who).rpc(name, args)).await
    }

    /// True when PostgREST answers and reaches the database.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: serde_json::Value = self.json(self.client(As::Service).from("plans").select("id").limit(1)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_service_token_is_the_deployments_fault_and_a_users_is_theirs() {
        let refused = || classify(401, br#"{"code":"PGRST301","message":"JWSError JWSInvalidSignature"}"#);
        assert!(matches!(blame_deployment(refused(), true), StoreError::Misconfigured(d) if d.contains("JWSInvalidSignature")));
        assert!(matches!(blame_deployment(refused(), false), StoreError::Unauthorized(_)));
        let forbidden = || classify(403, br#"{"code":"42501","message":"viewers cannot change anomalies"}"#);
        assert!(matches!(blame_deployment(forbidden(), true), StoreError::Forbidden(_)));
    }

    #[test]
    fn postgrest_codes_map_to_api_meanings() {
        let c = |status, body: &str| classify(status, body.as_bytes());
        assert!(matches!(
            c(400, r#"{"code":"DL422","message":"idempotency key usage:k was already used with other figures"}"#),
            StoreError::IdempotencyKeyReused
        ));
        assert!(matches!(c(406, r#"{"code":"PGRST116","message":"no rows"}"#), StoreError::NotFound));
        assert!(matches!(c(409, r#"{"code":"23505","message":"dup"}"#), StoreError::Conflict(_)));
        assert!(matches!(c(403, r#"{"code":"42501","message":"rls"}"#), StoreError::Forbidden(_)));
        assert!(matches!(
            c(403, r#"{"code":"42501","message":"viewers cannot change anomalies"}"#),
            StoreError::Forbidden(m) if m == "viewers cannot change anomalies"
        ));
        assert!(matches!(
            c(401, r#"{"code":"42501","message":"permission denied for function resolve_events_request"}"#),
            StoreError::Misconfigured(d) if d.contains("resolve_events_request")
        ));
        assert!(matches!(c(503, r#"{"code":"PGRST001","message":"db down"}"#), StoreError::Unavailable(_)));
        assert!(matches!(c(500, r#"{"code":"08006","message":"conn"}"#), StoreError::Unavailable(_)));
        assert!(matches!(c(400, r#"{"code":"P0001","message":"bad transition"}"#), StoreError::Invalid(_)));
        assert!(matches!(c(401, r#"{"code":"PGRST301","message":"jwt"}"#), StoreError::Unauthorized(_)));
        assert!(matches!(c(502, "<html>bad gateway</html>"), StoreError::Unavailable(_)));
        assert!(matches!(c(500, r#"{"code":"42P01","message":"no table"}"#), StoreError::Unexpected(_)));
    }
}

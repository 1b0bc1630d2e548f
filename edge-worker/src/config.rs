//! The only place that reads vars and secrets. Secrets have a redacted `Debug`.

use crate::error::ApiError;
use std::cell::OnceCell;
use std::rc::Rc;
use worker::Env;

/// A secret value: printable only on purpose, via [`Secret::expose`].
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// The secret itself, for signing or an `Authorization` header; never for logs.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl core::fmt::Debug for Secret {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Everything the Worker is configured with, read from the environment once per isolate
/// ([`Config::shared`]).
#[derive(Debug, Clone)]
pub struct Config {
    /// PostgREST base URL (hosted Supabase: `https://<ref>.supabase.co/rest/v1`).
    pub postgrest_url: String,
    /// Supabase `apikey` header for user requests (the anon key); PostgREST itself ignores it.
    pub anon_key: Option<String>,
    /// Service-role JWT, used only where no user token can serve.
    pub service_role_key: Secret,
    /// HS256 secret for user JWTs (local and legacy projects).
    pub jwt_secret: Option<Secret>,
    /// Expected `iss` of user JWTs, when set.
    pub jwt_issuer: Option<String>,
    /// JWKS URL for ES256 user JWTs, when set.
    pub jwks_url: Option<String>,
    /// Stripe API base URL (tests point it at the local recorder).
    pub stripe_api_base: String,
    /// Stripe secret key for Checkout, the billing portal and meter events.
    pub stripe_secret_key: Option<Secret>,
    /// Stripe webhook signing secret (`whsec_...`).
    pub stripe_webhook_secret: Option<Secret>,
    /// Email provider base URL (Resend's API shape).
    pub email_api_base: String,
    /// Email provider API key.
    pub email_api_key: Option<Secret>,
    /// Sender of notification emails.
    pub email_from: String,
    /// The dashboard's public URL (Checkout return URLs, upgrade links).
    pub dashboard_url: String,
    /// Origins allowed by CORS.
    pub cors_origins: Vec<String>,
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name).ok().map(|v| v.to_string()).filter(|v| !v.trim().is_empty())
}

fn secret(env: &Env, name: &str) -> Option<Secret> {
    env.secret(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.trim().is_empty())
        .map(Secret)
}

thread_local! {
    /// This isolate's configuration. Vars and secrets cannot change while an isolate lives (a
    /// deploy or a new secret starts new ones), and reading the ~15 of them costs ~0.1 ms of
    /// the free plan's 10 per request.
    static SHARED: OnceCell<Rc<Config>> = const { OnceCell::new() };
}

impl Config {
    /// The configuration, read on this isolate's first request; a missing required value is a
    /// clear 503 (and is read again next time, not remembered).
    pub fn shared(env: &Env) -> Result<Rc<Config>, ApiError> {
        if let Some(c) = SHARED.with(|s| s.get().cloned()) {
            return Ok(c);
        }
        let config = Rc::new(Self::from_env(env)?);
        Ok(SHARED.with(|s| s.get_or_init(|| config).clone()))
    }

    /// Reads the configuration; a missing required value is a clear 503, not a panic.
    fn from_env(env: &Env) -> Result<Self, ApiError> {
        let missing = |name: &str| ApiError::misconfigured(format!("{name} is not configured"));
        Ok(Self {
            postgrest_url: var(env, "POSTGREST_URL").ok_or_else(|| missing("POSTGREST_URL"))?,
            anon_key: var(env, "SUPABASE_ANON_KEY"),
            service_role_key: secret(env, "SUPABASE_SERVICE_ROLE_KEY")
                .ok_or_else(|| missing("SUPABASE_SERVICE_ROLE_KEY"))?,
            jwt_secret: secret(env, "SUPABASE_JWT_SECRET"),
            jwt_issuer: var(env, "SUPABASE_JWT_ISSUER"),
            jwks_url: var(env, "SUPABASE_JWKS_URL"),
            stripe_api_base: var(env, "STRIPE_API_BASE").unwrap_or_else(|| "https://api.stripe.com".into()),
            stripe_secret_key: secret(env, "STRIPE_SECRET_KEY"),
            stripe_webhook_secret: secret(env, "STRIPE_WEBHOOK_SECRET"),
            email_api_base: var(env, "EMAIL_API_BASE").unwrap_or_else(|| "https://api.resend.com".into()),
            email_api_key: secret(env, "EMAIL_API_KEY"),
            email_from: var(env, "EMAIL_FROM").unwrap_or_else(|| "DriftLock <alerts@driftlock.dev>".into()),
            dashboard_url: var(env, "DASHBOARD_URL").unwrap_or_else(|| "https://driftlock.pages.dev".into()),
            cors_origins: var(env, "CORS_ORIGINS")
                .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
                .unwrap_or_default(),
        })
    }
}

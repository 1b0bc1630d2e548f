//! Builds the JWT verifier from configuration (fetching the project's JWKS when ES256 is
//! configured, cached per isolate) and verifies a user token.

use super::jwt::{Jwks, JwtVerifier, UserClaims};
use crate::context::Ctx;
use crate::error::ApiError;
use std::cell::RefCell;
use worker::Fetch;

/// How long a fetched JWKS is trusted before it is fetched again (key rotation).
const JWKS_TTL_SECS: i64 = 600;

thread_local! {
    static JWKS_CACHE: RefCell<Option<(String, i64, Jwks)>> = const { RefCell::new(None) };
}

async fn jwks(url: &str, now: i64) -> Result<Jwks, ApiError> {
    let cached = JWKS_CACHE.with(|c| {
        c.borrow().as_ref().filter(|(u, at, _)| u == url && now - at < JWKS_TTL_SECS).map(|(_, _, j)| j.clone())
    });
    if let Some(j) = cached {
        return Ok(j);
    }
    let parsed_url = worker::Url::parse(url).map_err(|e| ApiError::misconfigured(format!("SUPABASE_JWKS_URL: {e}")))?;
    let mut resp = Fetch::Url(parsed_url)
        .send()
        .await
        .map_err(|e| ApiError::unavailable("the sign-in key service", e.to_string()))?;
    if resp.status_code() != 200 {
        return Err(ApiError::unavailable("the sign-in key service", format!("JWKS answered {}", resp.status_code())));
    }
    let text = resp.text().await.map_err(|e| ApiError::unavailable("the sign-in key service", e.to_string()))?;
    let j = Jwks::parse(&text).map_err(|e| ApiError::misconfigured(format!("JWKS: {e}")))?;
    JWKS_CACHE.with(|c| *c.borrow_mut() = Some((url.to_string(), now, j.clone())));
    Ok(j)
}

/// Verifies a Supabase user access token against the configured keys.
pub async fn verify_user_token(ctx: &Ctx, token: &str) -> Result<UserClaims, ApiError> {
    let c = &ctx.config;
    let mut b = JwtVerifier::builder();
    if let Some(s) = &c.jwt_secret {
        b = b.hs256_secret(s.expose());
    }
    if let Some(url) = &c.jwks_url {
        b = b.jwks(jwks(url, ctx.now).await?);
    }
    if let Some(iss) = &c.jwt_issuer {
        b = b.issuer(iss);
    }
    let verifier = b.build().map_err(|e| ApiError::misconfigured(format!("JWT verification: {e}")))?;
    verifier
        .verify(token, ctx.now.max(0) as u64)
        .map_err(|e| ApiError::unauthorized(format!("invalid access token: {e}")))
}

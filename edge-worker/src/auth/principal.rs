//! Who is calling: an API key (machines) or a signed-in user (the dashboard).

use crate::auth::api_key::{looks_like_api_key, ApiKey};
use crate::context::Ctx;
use crate::error::ApiError;
use crate::store::{As, KeyGrant, Membership};
use worker::Request;

/// A signed-in dashboard user acting in one organization.
#[derive(Debug, Clone)]
pub struct UserPrincipal {
    /// `sub` of the token.
    pub user_id: String,
    /// The user's email, when the token carries it.
    pub email: Option<String>,
    /// The verified token, forwarded to PostgREST so RLS decides.
    pub token: String,
    /// The organization acted in.
    pub org_id: String,
    /// owner | admin | member | viewer
    pub role: String,
    /// Every membership of the user.
    pub memberships: Vec<Membership>,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// A machine with an API key.
    Key(KeyGrant),
    /// A dashboard user.
    User(UserPrincipal),
}

impl Principal {
    /// The organization the request acts in.
    pub fn org_id(&self) -> &str {
        match self {
            Principal::Key(k) => &k.org_id,
            Principal::User(u) => &u.org_id,
        }
    }

    /// Whose rights storage runs with: the user's own token where there is one.
    pub fn store_as(&self) -> As<'_> {
        match self {
            Principal::Key(_) => As::Service,
            Principal::User(u) => As::User(&u.token),
        }
    }

    /// The acting user's id, for audit fields.
    pub fn actor(&self) -> Option<&str> {
        match self {
            Principal::Key(_) => None,
            Principal::User(u) => Some(&u.user_id),
        }
    }

    /// Keys need the scope; users need a role that may write (not viewer) for write scopes.
    pub fn require_scope(&self, scope: &str) -> Result<(), ApiError> {
        match self {
            Principal::Key(k) if k.scopes.iter().any(|s| s == scope || s == "*") => Ok(()),
            Principal::Key(_) => Err(ApiError::forbidden(format!("this API key lacks the '{scope}' scope"))),
            Principal::User(u) if scope.ends_with(":read") || u.role != "viewer" => Ok(()),
            Principal::User(_) => Err(ApiError::forbidden("viewers cannot change anything")),
        }
    }

    /// Owner or admin users only (keys, billing).
    pub fn require_admin(&self) -> Result<&UserPrincipal, ApiError> {
        match self {
            Principal::User(u) if u.role == "owner" || u.role == "admin" => Ok(u),
            Principal::User(u) => Err(ApiError::forbidden(format!("only owners and admins may do this; you are {}", u.role))),
            Principal::Key(_) => Err(ApiError::forbidden("this action needs a signed-in owner or admin, not an API key")),
        }
    }

    /// The streams an API key is limited to (`None`: all streams, and always for users).
    pub fn stream_ids(&self) -> Option<&[String]> {
        match self {
            Principal::Key(k) => k.stream_ids.as_deref(),
            Principal::User(_) => None,
        }
    }

    /// 404 unless the caller may see this stream (keys limited to other streams may not).
    pub fn require_stream(&self, stream_id: &str) -> Result<(), ApiError> {
        match self.stream_ids() {
            Some(ids) if !ids.iter().any(|s| s == stream_id) => Err(ApiError::not_found("not found for this API key")),
            _ => Ok(()),
        }
    }

    /// Requires a dashboard user.
    pub fn require_user(&self) -> Result<&UserPrincipal, ApiError> {
        match self {
            Principal::User(u) => Ok(u),
            Principal::Key(_) => Err(ApiError::forbidden("this action needs a signed-in user, not an API key")),
        }
    }
}

fn bearer(req: &Request) -> Result<String, ApiError> {
    let header = req
        .headers()
        .get("authorization")
        .ok()
        .flatten()
        .ok_or_else(|| ApiError::unauthorized("missing Authorization header: send 'Bearer <API key or access token>'"))?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the Authorization header must be 'Bearer <token>'"))?;
    Ok(token.to_string())
}

/// Authenticates an API key only (machine routes such as `GET /anomalies`).
pub async fn api_key(req: &Request, ctx: &Ctx) -> Result<KeyGrant, ApiError> {
    let key_hash = presented_api_key(req, ctx).await?;
    resolve_key(&key_hash, ctx).await
}

/// The hash of the API key a request presents, once its syntax is checked and its rate limit
/// allows the request; the key itself is not resolved yet (`POST /events` resolves it together
/// with the stream, in one database call).
pub async fn presented_api_key(req: &Request, ctx: &Ctx) -> Result<String, ApiError> {
    let token = bearer(req)?;
    if !looks_like_api_key(&token) {
        return Err(ApiError::unauthorized("this route needs an API key (dl_...), not a user token"));
    }
    rate_limited_hash(&token, ctx).await
}

/// The hash of an API-key-shaped token, once its rate limit allows the request.
async fn rate_limited_hash(token: &str, ctx: &Ctx) -> Result<String, ApiError> {
    let key_hash = ApiKey::parse(token).map_err(|_| ApiError::unauthorized("malformed API key"))?.hash();
    rate_limit(ctx, &key_hash).await?;
    Ok(key_hash)
}

/// The refusal for a key hash that resolves to nothing.
pub fn unknown_key() -> ApiError {
    ApiError::unauthorized("unknown or revoked API key")
}

async fn resolve_key(key_hash: &str, ctx: &Ctx) -> Result<KeyGrant, ApiError> {
    ctx.store.resolve_api_key(key_hash).await?.ok_or_else(unknown_key)
}

/// Per-key rate limit through the `API_KEY_LIMITER` binding (absent binding: no limit), counted
/// by the presented key's hash: before the database is asked, so a flood of requests costs it
/// nothing, and a key cannot be limited by anyone who does not hold it.
async fn rate_limit(ctx: &Ctx, key_hash: &str) -> Result<(), ApiError> {
    if let Ok(limiter) = ctx.env.rate_limiter("API_KEY_LIMITER") {
        if let Ok(outcome) = limiter.limit(key_hash.to_string()).await {
            if !outcome.success {
                return Err(ApiError::rate_limited(60));
            }
        }
    }
    Ok(())
}

/// Authenticates an API key or a user token.
pub async fn any(req: &Request, ctx: &Ctx) -> Result<Principal, ApiError> {
    let token = bearer(req)?;
    if looks_like_api_key(&token) {
        let key_hash = rate_limited_hash(&token, ctx).await?;
        return Ok(Principal::Key(resolve_key(&key_hash, ctx).await?));
    }
    user(req, ctx, token).await.map(Principal::User)
}

async fn user(req: &Request, ctx: &Ctx, token: String) -> Result<UserPrincipal, ApiError> {
    let claims = super::verify::verify_user_token(ctx, &token).await?;
    let memberships = ctx.store.memberships(&token, &claims.sub).await?;
    let wanted = req.headers().get("x-org-id").ok().flatten();
    let chosen = match &wanted {
        Some(id) => memberships
            .iter()
            .find(|m| &m.org_id == id)
            .ok_or_else(|| ApiError::forbidden("you are not a member of the organization in X-Org-Id"))?,
        None => memberships
            .first()
            .ok_or_else(|| ApiError::forbidden("you are not a member of any organization yet"))?,
    };
    Ok(UserPrincipal {
        user_id: claims.sub.clone(),
        email: claims.email.clone(),
        org_id: chosen.org_id.clone(),
        role: chosen.role.clone(),
        token,
        memberships: memberships.clone(),
    })
}

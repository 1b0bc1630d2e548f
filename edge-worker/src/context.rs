//! Per-request state handed to every handler.

use crate::config::Config;
use crate::error::ApiError;
use crate::store::Store;
use std::rc::Rc;
use worker::Env;

/// What a handler may use: configuration, the store, the environment, the request id, the time.
pub struct Ctx {
    /// Bindings (Durable Objects, rate limiter).
    pub env: Env,
    /// Vars and secrets (this isolate's, shared by its requests).
    pub config: Rc<Config>,
    /// The PostgREST client.
    pub store: Store,
    /// Echoed in `X-Request-Id`, error bodies and log lines.
    pub request_id: String,
    /// Unix seconds at the start of the request.
    pub now: i64,
}

impl Ctx {
    /// Builds the context; a missing setting is a clear 503.
    pub fn new(env: Env, request_id: String) -> Result<Self, ApiError> {
        let config = Config::shared(&env)?;
        let store = Store::new(&config);
        Ok(Self { env, config, store, request_id, now: (worker::Date::now().as_millis() / 1000) as i64 })
    }
}

/// `N` random bytes as lowercase hex, or `None` when the platform has no randomness.
pub fn random_hex<const N: usize>() -> Option<String> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).ok()?;
    Some(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// A random request id (16 hex chars); the clock stands in if randomness fails.
pub fn new_request_id() -> String {
    random_hex::<8>().unwrap_or_else(|| format!("{:016x}", worker::Date::now().as_millis()))
}

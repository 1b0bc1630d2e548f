//! API keys and memberships.

use super::{As, Store, StoreError, StreamRow};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// What an API key resolves to (`rpc/resolve_api_key`).
#[derive(Debug, Clone, Deserialize)]
pub struct KeyGrant {
    /// The organization the key belongs to.
    pub org_id: String,
    /// e.g. `events:write`, `anomalies:read`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Streams the key may use; `None` means all.
    #[serde(default)]
    pub stream_ids: Option<Vec<String>>,
    /// True when the plan's quota blocks new detections.
    #[serde(default)]
    pub blocked: bool,
}

/// What `rpc/resolve_events_request` answers for a live key.
#[derive(Debug, Clone, Deserialize)]
pub struct EventsGrant {
    /// The key's grant, as `rpc/resolve_api_key` gives it.
    pub grant: KeyGrant,
    /// The stream the batch goes to; `None` when the key may not send to it (no
    /// `events:write` scope, a blocked quota, or a key limited to other streams), in which case
    /// nothing was created.
    pub stream: Option<StreamRow>,
}

/// One organization a user belongs to.
#[derive(Debug, Clone, Deserialize)]
pub struct Membership {
    /// Organization id.
    pub org_id: String,
    /// owner | admin | member | viewer
    pub role: String,
    /// Organization name and plan.
    #[serde(default)]
    pub organizations: Option<Value>,
}

const KEY_COLUMNS: &str = "id,name,prefix,scopes,stream_ids,created_at,last_used_at,revoked_at";

impl Store {
    /// Resolves a key hash; `None` for unknown or revoked keys.
    pub async fn resolve_api_key(&self, key_hash: &str) -> Result<Option<KeyGrant>, StoreError> {
        let v: Value = self.rpc(As::Service, "resolve_api_key", json!({ "p_key_hash": key_hash })).await?;
        if v.is_null() {
            return Ok(None);
        }
        serde_json::from_value(v).map(Some).map_err(|e| StoreError::Unexpected(format!("resolve_api_key: {e}")))
    }

    /// Resolves a key hash and the stream named `stream` (created with `event_type` on first
    /// use, if the key may) in one call; `None` for unknown or revoked keys.
    pub async fn resolve_events_request(
        &self,
        key_hash: &str,
        stream: &str,
        event_type: &str,
    ) -> Result<Option<EventsGrant>, StoreError> {
        #[derive(Serialize)]
        struct Args<'a> {
            p_key_hash: &'a str,
            p_stream: &'a str,
            p_event_type: &'a str,
        }
        self.rpc(As::Service, "resolve_events_request", Args { p_key_hash: key_hash, p_stream: stream, p_event_type: event_type })
            .await
    }

    /// The organizations a user belongs to, oldest membership first.
    pub async fn memberships(&self, token: &str, user_id: &str) -> Result<Vec<Membership>, StoreError> {
        self.json(
            self.client(As::User(token))
                .from("organization_members")
                .select("org_id,role,organizations(id,name,plan_id)")
                .eq("user_id", user_id)
                .order("created_at.asc"),
        )
        .await
    }

    /// The organization's keys, newest first, without hashes.
    pub async fn list_api_keys(&self, who: As<'_>, org_id: &str) -> Result<Vec<Value>, StoreError> {
        self.json(
            self.client(who).from("api_keys").select(KEY_COLUMNS).eq("org_id", org_id).order("created_at.desc"),
        )
        .await
    }

    /// Stores a new key (its hash only) and returns it without the hash.
    pub async fn create_api_key(
        &self,
        who: As<'_>,
        org_id: &str,
        name: &str,
        prefix: &str,
        key_hash: &str,
        scopes: &[String],
        stream_ids: Option<&[String]>,
    ) -> Result<Value, StoreError> {
        self.rpc(
            who,
            "create_api_key",
            json!({"p_org_id": org_id, "p_name": name, "p_prefix": prefix, "p_key_hash": key_hash,
                   "p_scopes": scopes, "p_stream_ids": stream_ids}),
        )
        .await
    }

    /// Revokes a key; returns it.
    pub async fn revoke_api_key(&self, who: As<'_>, key_id: &str) -> Result<Value, StoreError> {
        self.rpc(who, "revoke_api_key", json!({ "p_key_id": key_id })).await
    }
}

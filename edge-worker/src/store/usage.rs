//! Usage accounting and quota state (atomic and idempotent in the database).

use super::{As, Store, StoreError};
use serde_json::{json, Value};

impl Store {
    /// Stores a scored batch's anomalies and usage in one transaction; a repeated key replays.
    /// `anomalies` is their JSON array, each with [`super::NewAnomaly`]'s field names, written by
    /// the caller (a few hundred rows are written once, not again through serde).
    pub async fn ingest_batch(
        &self,
        org_id: &str,
        stream_id: &str,
        idempotency_key: &str,
        events: usize,
        anomalies: &[u8],
    ) -> Result<Value, StoreError> {
        #[derive(serde::Serialize)]
        struct Args<'a> {
            p_org_id: &'a str,
            p_stream_id: &'a str,
            p_idempotency_key: &'a str,
            p_events: usize,
        }
        let args = Args { p_org_id: org_id, p_stream_id: stream_id, p_idempotency_key: idempotency_key, p_events: events };
        let args = crate::json_writer::object_with_raw_field(&args, "p_anomalies", anomalies)
            .ok_or_else(|| StoreError::Unexpected("ingest_batch arguments: not a JSON object".into()))?;
        let args = String::from_utf8(args).map_err(|e| StoreError::Unexpected(format!("ingest_batch arguments: {e}")))?;
        self.rpc_text(As::Service, "ingest_batch", args).await
    }

    /// Records usage by hand (`POST /usage`), idempotent by key.
    pub async fn record_usage(&self, org_id: &str, key: &str, events: i64, anomalies: i64) -> Result<Value, StoreError> {
        self.rpc(
            As::Service,
            "record_usage",
            json!({"p_org_id": org_id, "p_idempotency_key": key, "p_events": events, "p_anomalies": anomalies}),
        )
        .await
    }

    /// The current period's usage and quota, as `GET /usage` shows it (a `Value`) or any part of
    /// it (e.g. the figures `GET /metrics` shows).
    pub async fn quota_state<T: serde::de::DeserializeOwned>(&self, who: As<'_>, org_id: &str) -> Result<T, StoreError> {
        self.rpc(who, "quota_state", json!({ "p_org_id": org_id })).await
    }
}

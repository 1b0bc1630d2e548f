//! Usage accounting and quota state (atomic and idempotent in the database).

use super::{As, Store, StoreError};
use serde_json::{json, Value};

impl Store {
    /// Stores a scored batch's anomalies and usage in one transaction; a repeated key replays.
    /// Each anomaly serializes with [`super::NewAnomaly`]'s field names.
    pub async fn ingest_batch<A: serde::Serialize>(
        &self,
        org_id: &str,
        stream_id: &str,
        idempotency_key: &str,
        events: usize,
        anomalies: &[A],
    ) -> Result<Value, StoreError> {
        // Typed, not `json!`: a batch's anomalies are serialized once, straight to text.
        #[derive(serde::Serialize)]
        struct Args<'a, A> {
            p_org_id: &'a str,
            p_stream_id: &'a str,
            p_idempotency_key: &'a str,
            p_events: usize,
            p_anomalies: &'a [A],
        }
        let args = Args { p_org_id: org_id, p_stream_id: stream_id, p_idempotency_key: idempotency_key, p_events: events, p_anomalies: anomalies };
        self.rpc(As::Service, "ingest_batch", args).await
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

    /// The current period's usage and quota.
    pub async fn quota_state(&self, who: As<'_>, org_id: &str) -> Result<Value, StoreError> {
        self.rpc(who, "quota_state", json!({ "p_org_id": org_id })).await
    }
}

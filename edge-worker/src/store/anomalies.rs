//! Anomalies, their status history and the live feed's reads.

use super::{As, Store, StoreError};
use serde::Serialize;
use serde_json::{json, Value};

const ANOMALY_COLUMNS: &str = "id,seq,stream_id,event_type,event_excerpt,metadata,metrics,p_value,score,severity,novel_spans,explanation,status,status_changed_by,status_changed_at,detected_at,created_at,streams(name)";

/// Filters for `GET /anomalies`, already validated.
#[derive(Debug, Default)]
pub struct AnomalyFilter {
    /// Stream name.
    pub stream: Option<String>,
    /// open | acknowledged | resolved | dismissed
    pub status: Option<String>,
    /// low | medium | high
    pub severity: Option<String>,
    /// RFC 3339 lower bound on `detected_at`.
    pub since: Option<String>,
    /// Only anomalies with `seq` below this (the cursor).
    pub before_seq: Option<i64>,
    /// Only anomalies with `seq` above this (the live feed).
    pub after_seq: Option<i64>,
    /// Only these streams (an API key limited to some streams).
    pub stream_ids: Option<Vec<String>>,
    /// Page size.
    pub limit: usize,
}

/// An anomaly to store (manual `POST /anomalies` or a detected one).
#[derive(Debug, Clone, Serialize)]
pub struct NewAnomaly {
    /// Stream id.
    pub stream_id: String,
    /// The event's type.
    pub event_type: String,
    /// The event, cut to the stored bound.
    pub event_excerpt: String,
    /// Context fields.
    pub metadata: Value,
    /// Detector metrics.
    pub metrics: Value,
    /// Calibrated p-value.
    pub p_value: Option<f64>,
    /// 0..1
    pub score: f64,
    /// low | medium | high
    pub severity: String,
    /// Novel byte spans.
    pub novel_spans: Value,
    /// One sentence.
    pub explanation: String,
    /// RFC 3339 time of detection; absent means "now" (the column's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected_at: Option<String>,
}

/// Reshapes a row into the API's anomaly object (`stream` name, `novel` spans).
pub fn to_api(mut row: Value) -> Value {
    if let Some(obj) = row.as_object_mut() {
        let stream = obj.remove("streams").and_then(|s| s.get("name").cloned()).unwrap_or(Value::Null);
        obj.insert("stream".into(), stream);
        let novel = obj.remove("novel_spans").unwrap_or(json!([]));
        obj.insert("novel".into(), novel);
    }
    row
}

impl Store {
    /// The organization's unresolved anomalies counted by stream, severity and status.
    pub async fn unresolved_anomaly_counts(
        &self,
        who: As<'_>,
        org_id: &str,
    ) -> Result<Vec<crate::domain::prometheus::UnresolvedCount>, StoreError> {
        self.rpc(who, "anomaly_counts", json!({ "p_org_id": org_id })).await
    }

    /// A page of anomalies, newest first.
    pub async fn list_anomalies(&self, who: As<'_>, org_id: &str, f: &AnomalyFilter) -> Result<Vec<Value>, StoreError> {
        let mut q = self.client(who).from("anomalies").eq("org_id", org_id);
        if let Some(s) = &f.stream {
            q = q.select(ANOMALY_COLUMNS.replace("streams(name)", "streams!inner(name)")).eq("streams.name", s);
        } else {
            q = q.select(ANOMALY_COLUMNS);
        }
        if let Some(ids) = &f.stream_ids {
            q = q.in_("stream_id", ids);
        }
        if let Some(s) = &f.status {
            q = q.eq("status", s);
        }
        if let Some(s) = &f.severity {
            q = q.eq("severity", s);
        }
        if let Some(s) = &f.since {
            q = q.gte("detected_at", s);
        }
        if let Some(c) = f.before_seq {
            q = q.lt("seq", c.to_string());
        }
        let q = match f.after_seq {
            Some(a) => q.gt("seq", a.to_string()).order("seq.asc"),
            None => q.order("seq.desc"),
        };
        let rows: Vec<Value> = self.json(q.limit(f.limit)).await?;
        Ok(rows.into_iter().map(to_api).collect())
    }

    /// One anomaly with its status history.
    pub async fn get_anomaly(&self, who: As<'_>, org_id: &str, id: &str) -> Result<Option<Value>, StoreError> {
        let rows: Vec<Value> = self
            .json(self.client(who).from("anomalies").select(ANOMALY_COLUMNS).eq("org_id", org_id).eq("id", id))
            .await?;
        let Some(row) = rows.into_iter().next() else { return Ok(None) };
        let history: Vec<Value> = self
            .json(
                self.client(who)
                    .from("anomaly_status_history")
                    .select("from_status,to_status,changed_by,note,changed_at")
                    .eq("anomaly_id", id)
                    .order("changed_at.asc"),
            )
            .await?;
        let mut a = to_api(row);
        a["history"] = Value::Array(history);
        Ok(Some(a))
    }

    /// Stores one anomaly by hand.
    pub async fn create_anomaly(&self, who: As<'_>, org_id: &str, a: &NewAnomaly) -> Result<Value, StoreError> {
        let mut body = serde_json::to_value(a).map_err(|e| StoreError::Unexpected(e.to_string()))?;
        body["org_id"] = json!(org_id);
        let rows: Vec<Value> =
            self.json(self.client(who).from("anomalies").select(ANOMALY_COLUMNS).insert(body.to_string())).await?;
        rows.into_iter().next().map(to_api).ok_or(StoreError::Forbidden("the anomaly could not be stored".into()))
    }

    /// Moves an anomaly through the status workflow (the database enforces the transitions).
    pub async fn transition_anomaly(
        &self,
        who: As<'_>,
        id: &str,
        status: &str,
        note: Option<&str>,
        actor: Option<&str>,
    ) -> Result<Value, StoreError> {
        self.rpc(
            who,
            "transition_anomaly",
            json!({"p_anomaly_id": id, "p_status": status, "p_note": note, "p_actor": actor}),
        )
        .await
    }
}

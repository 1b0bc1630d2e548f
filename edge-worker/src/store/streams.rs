//! Streams and their detector settings.

use super::{As, Store, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// A row of `streams`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StreamRow {
    /// Stream id.
    pub id: String,
    /// Owning organization.
    pub org_id: String,
    /// Unique per organization.
    pub name: String,
    /// log | metric | trace | llm | json
    pub event_type: String,
    /// zstd | deflate
    pub compressor: String,
    /// 0.0..=1.0
    pub sensitivity: f64,
    /// Events in the baseline.
    pub baseline_size: u32,
    /// Events per drift window.
    pub window_size: u32,
    /// When created.
    pub created_at: String,
    /// When last changed.
    pub updated_at: String,
}

const STREAM_COLUMNS: &str = "id,org_id,name,event_type,compressor,sensitivity,baseline_size,window_size,created_at,updated_at";

impl Store {
    /// All streams of an organization, by name.
    pub async fn list_streams(&self, who: As<'_>, org_id: &str) -> Result<Vec<StreamRow>, StoreError> {
        self.json(self.client(who).from("streams").select(STREAM_COLUMNS).eq("org_id", org_id).order("name.asc"))
            .await
    }

    /// A stream by name, if it exists.
    pub async fn find_stream(&self, who: As<'_>, org_id: &str, name: &str) -> Result<Option<StreamRow>, StoreError> {
        let rows: Vec<StreamRow> = self
            .json(self.client(who).from("streams").select(STREAM_COLUMNS).eq("org_id", org_id).eq("name", name))
            .await?;
        Ok(rows.into_iter().next())
    }

    /// A stream by id, if visible.
    pub async fn get_stream(&self, who: As<'_>, org_id: &str, id: &str) -> Result<Option<StreamRow>, StoreError> {
        let rows: Vec<StreamRow> = self
            .json(self.client(who).from("streams").select(STREAM_COLUMNS).eq("org_id", org_id).eq("id", id))
            .await?;
        Ok(rows.into_iter().next())
    }

    /// Creates a stream; `fields` holds the optional settings already validated.
    pub async fn create_stream(&self, who: As<'_>, org_id: &str, name: &str, mut fields: Value) -> Result<StreamRow, StoreError> {
        fields["org_id"] = json!(org_id);
        fields["name"] = json!(name);
        let rows: Vec<StreamRow> = self
            .json(self.client(who).from("streams").select(STREAM_COLUMNS).insert(fields.to_string()))
            .await?;
        rows.into_iter().next().ok_or(StoreError::Forbidden("the stream could not be created".into()))
    }

    /// The stream named so, created with defaults on first use (for `POST /events`).
    pub async fn stream_for_events(&self, org_id: &str, name: &str, event_type: &str) -> Result<StreamRow, StoreError> {
        if let Some(s) = self.find_stream(As::Service, org_id, name).await? {
            return Ok(s);
        }
        match self.create_stream(As::Service, org_id, name, json!({ "event_type": event_type })).await {
            Ok(s) => Ok(s),
            // Another request created it first.
            Err(StoreError::Conflict(_)) => self.find_stream(As::Service, org_id, name).await?.ok_or(StoreError::NotFound),
            Err(e) => Err(e),
        }
    }

    /// Applies a validated settings patch; `None` when no such stream is visible.
    pub async fn update_stream(&self, who: As<'_>, org_id: &str, id: &str, patch: Value) -> Result<Option<StreamRow>, StoreError> {
        let rows: Vec<StreamRow> = self
            .json(
                self.client(who)
                    .from("streams")
                    .select(STREAM_COLUMNS)
                    .eq("org_id", org_id)
                    .eq("id", id)
                    .update(patch.to_string()),
            )
            .await?;
        Ok(rows.into_iter().next())
    }
}

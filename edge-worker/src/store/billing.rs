//! Plans, subscriptions, invoices, Stripe events and the notification outbox.

use super::{As, Store, StoreError};
use serde_json::{json, Value};

impl Store {
    /// Applies a verified Stripe event idempotently and order-safely.
    pub async fn apply_stripe_event(&self, event: &Value) -> Result<Value, StoreError> {
        self.rpc(As::Service, "apply_stripe_event", json!({ "p_event": event })).await
    }

    /// All plans, cheapest first.
    pub async fn plans(&self, who: As<'_>) -> Result<Vec<Value>, StoreError> {
        self.json(self.client(who).from("plans").select("*").order("price_cents.asc")).await
    }

    /// The organization row (plan, Stripe customer).
    pub async fn organization(&self, who: As<'_>, org_id: &str) -> Result<Option<Value>, StoreError> {
        let rows: Vec<Value> =
            self.json(self.client(who).from("organizations").select("*").eq("id", org_id)).await?;
        Ok(rows.into_iter().next())
    }

    /// The organization's subscription, if any.
    pub async fn subscription(&self, who: As<'_>, org_id: &str) -> Result<Option<Value>, StoreError> {
        let rows: Vec<Value> =
            self.json(self.client(who).from("subscriptions").select("*").eq("org_id", org_id)).await?;
        Ok(rows.into_iter().next())
    }

    /// The organization's invoices, newest first.
    pub async fn invoices(&self, who: As<'_>, org_id: &str) -> Result<Vec<Value>, StoreError> {
        self.json(
            self.client(who)
                .from("invoices")
                .select("id,number,status,amount_due,amount_paid,currency,hosted_invoice_url,created")
                .eq("org_id", org_id)
                .order("created.desc")
                .limit(24),
        )
        .await
    }

    /// Notifications due for delivery.
    pub async fn due_notifications(&self, now_rfc3339: &str, limit: usize) -> Result<Vec<Value>, StoreError> {
        self.json(
            self.client(As::Service)
                .from("notification_outbox")
                .select("*")
                .is("delivered_at", "null")
                .lte("next_attempt_at", now_rfc3339)
                .lt("attempts", "8")
                .order("created_at.asc")
                .limit(limit),
        )
        .await
    }

    /// Marks a notification delivered, or records a failed attempt and when to retry.
    pub async fn mark_notification(&self, id: &str, patch: Value) -> Result<(), StoreError> {
        self.send(self.client(As::Service).from("notification_outbox").eq("id", id).update(patch.to_string()))
            .await
            .map(|_| ())
    }
}

impl Store {
    /// Appends to the billing audit log (service role: clients cannot read or write it).
    pub async fn audit(&self, org_id: &str, actor: Option<&str>, action: &str, details: Value) -> Result<(), StoreError> {
        let actor = actor.map_or_else(|| "api_key".to_string(), |a| format!("user:{a}"));
        let row = json!({ "org_id": org_id, "actor": actor, "action": action, "details": details });
        self.send(self.client(As::Service).from("billing_audit_log").insert(row.to_string())).await.map(|_| ())
    }
}

impl Store {
    /// Paid-plan periods with overage not yet reported to Stripe.
    pub async fn pending_overage(&self, limit: usize) -> Result<Vec<Value>, StoreError> {
        self.rpc(As::Service, "pending_overage", json!({ "p_limit": limit })).await
    }

    /// Records that overage up to `total` was reported (monotonic in the database).
    pub async fn mark_overage_reported(&self, org_id: &str, period_start: &str, total: i64) -> Result<(), StoreError> {
        let _: Value = self
            .rpc(As::Service, "mark_overage_reported", json!({ "p_org_id": org_id, "p_period_start": period_start, "p_total": total }))
            .await?;
        Ok(())
    }
}

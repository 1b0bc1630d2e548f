//! The cron trigger's billing work: report detections past a paid plan's included amount to
//! Stripe as meter events.
//!
//! Each report carries an identifier made of the org, the period and the new reported total,
//! so a retry after a lost answer repeats the identifier and Stripe counts it once.

use crate::config::Config;
use crate::outbound::stripe_api::StripeApi;
use crate::store::Store;
use serde_json::{json, Value};
use worker::{console_log, Env};

/// The Stripe meter's event name (configure a meter with this name in Stripe).
pub const METER_EVENT_NAME: &str = "driftlock_anomaly_overage";
/// Periods reported per cron run.
pub const BATCH: usize = 50;

/// Reports pending overage; failures are logged and retried on the next run.
pub async fn report_pending(env: &Env) {
    let Ok(config) = Config::shared(env) else { return };
    let store = Store::new(&config);
    let Ok(api) = StripeApi::new(&config) else { return };
    let pending = match store.pending_overage(BATCH).await {
        Ok(p) => p,
        Err(e) => {
            console_log!("{}", json!({"level": "warn", "job": "overage", "error": format!("{e:?}")}));
            return;
        }
    };
    let now = worker::Date::now().as_millis() / 1000;
    for row in pending {
        let s = |k: &str| row.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
        let n = |k: &str| row.get(k).and_then(Value::as_i64).unwrap_or(0);
        let (org, period, customer) = (s("org_id"), s("period_start"), s("stripe_customer_id"));
        let (total, reported) = (n("overage"), n("reported"));
        let delta = total - reported;
        if delta <= 0 || customer.is_empty() {
            continue;
        }
        let identifier = format!("{org}:{period}:{total}");
        let params = [
            ("event_name", METER_EVENT_NAME.to_string()),
            ("payload[stripe_customer_id]", customer),
            ("payload[value]", delta.to_string()),
            ("identifier", identifier.clone()),
            ("timestamp", now.to_string()),
        ];
        let sent = api.post("/v1/billing/meter_events", &params, Some(&identifier)).await;
        let marked = match &sent {
            Ok(_) => store.mark_overage_reported(&org, &period, total).await.is_ok(),
            Err(_) => false,
        };
        console_log!(
            "{}",
            json!({"level": if marked { "info" } else { "warn" }, "job": "overage", "org_id": org,
                   "reported": delta, "sent": sent.is_ok(), "marked": marked,
                   "error": sent.as_ref().err().and_then(|e| e.detail())})
        );
    }
}

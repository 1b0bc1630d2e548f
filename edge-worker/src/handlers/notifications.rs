//! The cron trigger's work: deliver due notifications from the outbox, with retries.

use crate::config::Config;
use crate::outbound::email;
use crate::store::Store;
use serde_json::{json, Value};
use worker::{console_log, Env};

/// Attempts before a notification is left for a human to look at.
pub const MAX_ATTEMPTS: i64 = 8;
/// Notifications sent per cron run.
pub const BATCH: usize = 25;

fn rfc3339(ms: u64) -> String {
    worker::js_sys::Date::new(&(ms as f64).into()).to_iso_string().into()
}

/// Sends what is due; failures are recorded with a backoff of 2^attempts minutes.
pub async fn deliver_due(env: Env) {
    let config = match Config::shared(&env) {
        Ok(c) => c,
        Err(e) => {
            console_log!("{}", json!({"level": "error", "job": "outbox", "error": e.detail()}));
            return;
        }
    };
    let store = Store::new(&config);
    let now = worker::Date::now().as_millis();
    let due = match store.due_notifications(&rfc3339(now), BATCH).await {
        Ok(d) => d,
        Err(e) => {
            console_log!("{}", json!({"level": "warn", "job": "outbox", "error": format!("{e:?}")}));
            return;
        }
    };
    for n in due {
        deliver_one(&config, &store, &n, now).await;
    }
}

async fn deliver_one(config: &Config, store: &Store, n: &Value, now: u64) {
    let s = |k: &str| n.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    let (id, recipient) = (s("id"), s("recipient"));
    let attempts = n.get("attempts").and_then(Value::as_i64).unwrap_or(0) + 1;
    let result = if recipient.is_empty() {
        Err("no recipient: the organization has no owner email".to_string())
    } else {
        let mut last = Ok(());
        for to in recipient.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            last = email::send(config, to, &s("subject"), &s("body"), &format!("{id}:{to}")).await;
            if last.is_err() {
                break;
            }
        }
        last
    };
    let patch = match &result {
        Ok(()) => json!({ "delivered_at": rfc3339(now), "attempts": attempts, "last_error": null }),
        Err(e) => {
            let backoff_ms = 60_000u64 << attempts.min(MAX_ATTEMPTS) as u32;
            json!({ "attempts": attempts, "last_error": e, "next_attempt_at": rfc3339(now + backoff_ms) })
        }
    };
    let outcome = store.mark_notification(&id, patch).await;
    console_log!(
        "{}",
        json!({"level": if result.is_ok() { "info" } else { "warn" }, "job": "outbox", "notification": id,
               "delivered": result.is_ok(), "attempts": attempts, "stored": outcome.is_ok()})
    );
}

//! An organization's figures in Prometheus' text exposition format (`GET /metrics`), so a
//! customer's Prometheus or Grafana Agent can scrape DriftLock beside their own services.

use serde::Deserialize;
use std::fmt::Write;

/// The media type of the text exposition format, version 0.0.4.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The current billing period's figures (the fields of `quota_state` that a scrape shows).
#[derive(Debug, Clone, Deserialize)]
pub struct PeriodUsage {
    /// Plan id.
    pub plan: String,
    /// Events scored this period.
    pub events_scored: u64,
    /// Anomaly detections this period (what is billed).
    pub anomalies_detected: u64,
    /// Detections the plan includes per period.
    pub included: u64,
    /// Included detections left.
    pub remaining: u64,
    /// Past the soft cap (120 % of `included`).
    pub soft_cap_passed: bool,
    /// New detections are refused.
    pub blocked: bool,
}

/// Unresolved anomalies of one stream, severity and status (a row of `anomaly_counts`).
#[derive(Debug, Clone, Deserialize)]
pub struct UnresolvedCount {
    /// Stream name.
    pub stream: String,
    /// low | medium | high
    pub severity: String,
    /// open | acknowledged
    pub status: String,
    /// How many.
    pub anomalies: u64,
}

/// The scrape's body: one gauge family per figure, each with its `HELP` and `TYPE` lines.
pub fn exposition(usage: &PeriodUsage, unresolved: &[UnresolvedCount]) -> String {
    let mut out = String::new();
    gauge(&mut out, "driftlock_plan_info", "The organization's plan (always 1; the plan is the label).");
    let _ = writeln!(out, "driftlock_plan_info{{plan=\"{}\"}} 1", label_value(&usage.plan));
    let figures: [(&str, &str, u64); 6] = [
        ("driftlock_period_events_scored", "Events scored in the current billing period.", usage.events_scored),
        ("driftlock_period_anomalies_detected", "Anomalies detected in the current billing period (what is billed).", usage.anomalies_detected),
        ("driftlock_period_anomalies_included", "Anomaly detections the plan includes per period.", usage.included),
        ("driftlock_period_anomalies_remaining", "Included anomaly detections left in the current period.", usage.remaining),
        ("driftlock_soft_cap_passed", "1 when the period's detections are past 120 % of the included amount.", u64::from(usage.soft_cap_passed)),
        ("driftlock_blocked", "1 when new detections are refused (quota used up).", u64::from(usage.blocked)),
    ];
    for (name, help, value) in figures {
        gauge(&mut out, name, help);
        let _ = writeln!(out, "{name} {value}");
    }
    let name = "driftlock_unresolved_anomalies";
    gauge(&mut out, name, "Anomalies not yet resolved or dismissed, by stream, severity and status.");
    for c in unresolved {
        let _ = writeln!(
            out,
            "{name}{{stream=\"{}\",severity=\"{}\",status=\"{}\"}} {}",
            label_value(&c.stream),
            label_value(&c.severity),
            label_value(&c.status),
            c.anomalies
        );
    }
    out
}

/// A family's `HELP` and `TYPE` lines.
fn gauge(out: &mut String, name: &str, help: &str) {
    let _ = write!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n");
}

/// A label value as the format escapes it: backslash, double quote and line feed.
fn label_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usage() -> PeriodUsage {
        PeriodUsage {
            plan: "standard".into(),
            events_scored: 120_000,
            anomalies_detected: 61_000,
            included: 50_000,
            remaining: 0,
            soft_cap_passed: true,
            blocked: false,
        }
    }

    fn count(stream: &str, severity: &str, status: &str, anomalies: u64) -> UnresolvedCount {
        UnresolvedCount { stream: stream.into(), severity: severity.into(), status: status.into(), anomalies }
    }

    #[test]
    fn every_family_has_help_and_type_before_its_samples() {
        let text = exposition(&usage(), &[count("api", "high", "open", 2), count("api", "low", "acknowledged", 1)]);
        let mut declared = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                let (name, kind) = rest.split_once(' ').unwrap();
                assert_eq!(kind, "gauge");
                declared.push(name.to_string());
            } else if !line.starts_with("# HELP ") {
                let name = line.split(['{', ' ']).next().unwrap();
                assert_eq!(declared.last().map(String::as_str), Some(name), "sample before its TYPE: {line}");
                let value = line.rsplit(' ').next().unwrap();
                assert!(value.parse::<u64>().is_ok(), "not a number: {line}");
            }
        }
        assert_eq!(declared.len(), 8);
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn figures_are_the_usage_and_the_counts() {
        let text = exposition(&usage(), &[count("api", "high", "open", 2)]);
        assert!(text.contains("\ndriftlock_plan_info{plan=\"standard\"} 1\n"));
        assert!(text.contains("\ndriftlock_period_events_scored 120000\n"));
        assert!(text.contains("\ndriftlock_period_anomalies_detected 61000\n"));
        assert!(text.contains("\ndriftlock_period_anomalies_remaining 0\n"));
        assert!(text.contains("\ndriftlock_soft_cap_passed 1\n"));
        assert!(text.contains("\ndriftlock_blocked 0\n"));
        assert!(text.contains("\ndriftlock_unresolved_anomalies{stream=\"api\",severity=\"high\",status=\"open\"} 2\n"));
    }

    #[test]
    fn label_values_are_escaped() {
        let text = exposition(&usage(), &[count("a\"b\\c\nd", "high", "open", 1)]);
        assert!(text.contains("{stream=\"a\\\"b\\\\c\\nd\",severity=\"high\""), "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("driftlock_unresolved_anomalies")).count(), 1);
    }
}

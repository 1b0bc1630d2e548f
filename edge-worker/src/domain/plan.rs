//! Quotas: what the database's quota summary means for a request.
//!
//! The database decides the numbers (`private.quota_summary` and the usage-recording functions
//! return the JSON this module reads); this module turns them into the warning header past the
//! soft cap and the message of a 402 when the organization is blocked.

#[cfg(test)]
use core::fmt;

use serde::{Deserialize, Serialize};

/// Past this percentage responses carry [`QUOTA_WARNING_HEADER`].
pub const SOFT_CAP_PERCENT: u32 = 120;
/// The response header that carries the soft-cap warning.
pub const QUOTA_WARNING_HEADER: &str = "X-DriftLock-Usage-Warning";

/// An organization's quota for the current period, as the database reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaState {
    /// Plan id (`developer`, `standard`, `growth`).
    pub plan: String,
    /// Anomaly detections included per period.
    pub included: u64,
    /// Anomaly detections used this period.
    pub used: u64,
    /// Events scored this period (not billed).
    #[serde(default)]
    pub events_scored: u64,
    /// `included - used`, never negative.
    pub remaining: u64,
    /// Period start, as the database wrote it (RFC 3339).
    pub period_start: String,
    /// Period end, as the database wrote it (RFC 3339).
    pub period_end: String,
    /// Alert thresholds (percent) that this very request crossed; empty when reading state.
    #[serde(default)]
    pub crossed: Vec<u32>,
    /// Usage is at or past [`SOFT_CAP_PERCENT`] of `included`.
    pub soft_cap_passed: bool,
    /// New detections are refused: the free plan at 100%, or a paid plan at the soft cap when
    /// the organization chose to stop there.
    pub blocked: bool,
}

#[cfg(test)]
/// The organization cannot be scored any more this period: answer 402 with this message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaBlocked {
    /// Plan id.
    pub plan: String,
    /// Detections used.
    pub used: u64,
    /// Detections included.
    pub included: u64,
    /// Where to upgrade or raise the limit.
    pub upgrade_url: String,
}

#[cfg(test)]
impl fmt::Display for QuotaBlocked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self {
            plan,
            used,
            included,
            upgrade_url,
        } = self;
        if used.saturating_mul(100) >= included.saturating_mul(SOFT_CAP_PERCENT as u64)
            && *included > 0
            && plan != "developer"
        {
            write!(
                f,
                "this organization stops at the {SOFT_CAP_PERCENT}% soft cap and has used {used} of the {included} \
                 anomaly detections its {plan} plan includes this period; raise the limit or upgrade at {upgrade_url}"
            )
        } else {
            write!(
                f,
                "the {plan} plan's {included} included anomaly detections for this period are used up ({used} used); \
                 upgrade at {upgrade_url} to keep scoring events"
            )
        }
    }
}

#[cfg(test)]
impl std::error::Error for QuotaBlocked {}

impl QuotaState {
#[cfg(test)]
    /// Parses the database's quota JSON.
    pub fn from_json(raw: &[u8]) -> Result<QuotaState, serde_json::Error> {
        serde_json::from_slice(raw)
    }

    /// Whole percent of the included amount used (rounded down; 0 included counts as 100%
    /// once anything is used).
    pub fn percent_used(&self) -> u64 {
        match self.included {
            0 if self.used == 0 => 0,
            0 => 100,
            inc => self.used.saturating_mul(100) / inc,
        }
    }

    /// The value of [`QUOTA_WARNING_HEADER`] once usage is past the soft cap (and the request
    /// was still served). Plain ASCII, safe as a header value.
    pub fn warning_header(&self) -> Option<String> {
        if !self.soft_cap_passed || self.blocked {
            return None;
        }
        Some(format!(
            "usage is at {}% of the {} anomaly detections included in the {} plan this period \
             (soft cap {SOFT_CAP_PERCENT}%); see GET /usage",
            self.percent_used(),
            self.included,
            header_safe(&self.plan),
        ))
    }

#[cfg(test)]
    /// `Err` when the organization is blocked: the handler answers 402 with its message.
    pub fn check(&self, upgrade_url: &str) -> Result<(), QuotaBlocked> {
        if !self.blocked {
            return Ok(());
        }
        Err(QuotaBlocked {
            plan: header_safe(&self.plan),
            used: self.used,
            included: self.included,
            upgrade_url: upgrade_url.to_owned(),
        })
    }
}

/// Plan ids come from our own table, but header values must never carry control characters.
fn header_safe(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(32)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(plan: &str, included: u64, used: u64, soft: bool, blocked: bool) -> QuotaState {
        QuotaState {
            plan: plan.into(),
            included,
            used,
            events_scored: used.saturating_mul(10),
            remaining: included.saturating_sub(used),
            period_start: "2026-11-01T00:00:00+00:00".into(),
            period_end: "2026-12-01T00:00:00+00:00".into(),
            crossed: vec![],
            soft_cap_passed: soft,
            blocked,
        }
    }

    #[test]
    fn the_database_json_parses() {
        let raw = br#"{"plan": "standard", "included": 50000, "used": 35000, "events_scored": 900000,
            "remaining": 15000, "period_start": "2026-11-01T00:00:00+00:00", "period_end": "2026-12-01T00:00:00+00:00",
            "crossed": [70], "soft_cap_passed": false, "blocked": false, "replayed": false}"#;
        let q = QuotaState::from_json(raw).unwrap();
        assert_eq!(
            (q.included, q.used, q.remaining, q.crossed.as_slice()),
            (50000, 35000, 15000, &[70][..])
        );
        assert_eq!(q.percent_used(), 70);
        assert_eq!(q.warning_header(), None);
        assert_eq!(q.check("https://app/billing"), Ok(()));
        // The quota summary has no "crossed".
        let summary = br#"{"plan":"developer","included":1000,"used":0,"events_scored":0,"remaining":1000,
            "period_start":"2026-11-01T00:00:00+00:00","period_end":"2026-12-01T00:00:00+00:00","soft_cap_passed":false,"blocked":false}"#;
        assert!(QuotaState::from_json(summary).unwrap().crossed.is_empty());
        assert!(QuotaState::from_json(b"{}").is_err());
    }

    #[test]
    fn past_the_soft_cap_responses_carry_a_warning() {
        let q = state("standard", 50_000, 62_500, true, false);
        let h = q.warning_header().unwrap();
        assert_eq!(
            h,
            "usage is at 125% of the 50000 anomaly detections included in the standard plan this period (soft cap 120%); see GET /usage"
        );
        assert!(h.bytes().all(|b| (0x20..0x7f).contains(&b)));
        assert_eq!(
            state("standard", 50_000, 59_999, false, false).warning_header(),
            None
        );
    }

    #[test]
    fn a_blocked_org_gets_a_402_message_with_the_upgrade_link() {
        let free = state("developer", 1_000, 1_000, false, true);
        let err = free.check("http://127.0.0.1:5173/billing").unwrap_err();
        assert_eq!(
            err.to_string(),
            "the developer plan's 1000 included anomaly detections for this period are used up (1000 used); \
             upgrade at http://127.0.0.1:5173/billing to keep scoring events"
        );
        assert_eq!(free.warning_header(), None);
        let stopped = state("standard", 50_000, 60_000, true, true);
        let msg = stopped
            .check("https://app/billing")
            .unwrap_err()
            .to_string();
        assert!(
            msg.starts_with(
                "this organization stops at the 120% soft cap and has used 60000 of the 50000"
            ),
            "{msg}"
        );
        assert!(msg.ends_with("https://app/billing"));
    }

    #[test]
    fn percentages_handle_edge_cases() {
        assert_eq!(state("x", 0, 0, false, false).percent_used(), 0);
        assert_eq!(state("x", 0, 5, false, false).percent_used(), 100);
        assert_eq!(state("x", 3, 2, false, false).percent_used(), 66);
        assert_eq!(
            state("x", 1, u64::MAX, true, false).percent_used(),
            u64::MAX
        );
        let odd = state("pl\r\nan", 1, 2, true, false);
        assert!(!odd.warning_header().unwrap().contains('\r'));
    }
}

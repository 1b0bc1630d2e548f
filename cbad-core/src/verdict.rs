//! What the detector says about one event.

use alloc::string::String;
use alloc::vec::Vec;

/// How strong an anomaly is, from its p-value relative to the bar it passed (`alpha`, or
/// `alpha * severity_weight` for events with severity words): `High` when `p <= bar / 5`,
/// `Medium` when `p <= bar / 2`, else `Low` (also for incident continuations).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// `alpha / 2 < p <= alpha`.
    Low,
    /// `alpha / 5 < p <= alpha / 2`.
    Medium,
    /// `p <= alpha / 5`.
    High,
}

impl Severity {
    /// Lower-case name: "low", "medium" or "high".
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }
}

/// Figures behind a verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Metrics {
    /// Estimated cost of the normalized event given the baseline, in bits per byte
    /// (`(C(B+e) - C(B)) / |e|`, from the LZ77 parse against the primed baseline).
    pub conditional_bits_per_byte: f64,
    /// Normalized event bytes over their estimated compressed size given the baseline
    /// (`8 / conditional_bits_per_byte`).
    pub compression_ratio: f64,
    /// Shannon entropy of the normalized event, bits per byte.
    pub entropy: f64,
    /// NCD between the baseline and the recent window, by the real compressor; present on the
    /// events where it was recomputed.
    pub ncd: Option<f64>,
    /// The window-level drift test fired: most recent events score above the baseline's median.
    pub drift: bool,
    /// Share of the normalized event's bytes that found no match.
    pub novel_fraction: f64,
    /// The nonconformity score that was calibrated: the conditional cost, or for plain numbers
    /// the k-NN distance of the last values' shingle.
    pub raw_score: f64,
    /// The false-alarm rate in force (`alpha`).
    pub false_alarm_rate: f64,
    /// Severity-word weight of a log or trace event (1 when none): the event is flagged at
    /// `p <= min(alpha * weight, max(0.2, alpha))`.
    pub severity_weight: f64,
    /// Bytes in the baseline when the event was scored.
    pub baseline_bytes: u32,
}

/// The detector's answer for one event.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// 0-based position of the event in its stream.
    pub index: u64,
    /// `1 - p_value` in `[0, 1]`, higher is more anomalous; beyond the largest calibration score
    /// it keeps rising towards 1 (exponential tail) so extreme events still rank.
    pub score: f64,
    /// Conformal p-value against the baseline's own recent scores, in `(0, 1]`.
    pub p_value: f64,
    /// `p_value <= false-alarm rate`, outside warm-up.
    pub anomaly: bool,
    /// Some only when `anomaly`.
    pub severity: Option<Severity>,
    /// Figures behind the verdict.
    pub metrics: Metrics,
    /// Byte spans `[start, end)` of the original body text that found no match in the baseline
    /// (empty for numbers).
    pub novel: Vec<(u32, u32)>,
    /// One plain sentence for anomalies; empty otherwise.
    pub explanation: String,
    /// The detector is still learning its baseline; never an anomaly then.
    pub warming_up: bool,
}

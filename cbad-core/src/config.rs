//! Validated detector settings: [`DetectorConfig`] is only made by [`DetectorConfigBuilder::build`].

use crate::error::Error;
use alloc::format;

/// What a stream carries; chooses normalization and scoring defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// Log lines: volatile tokens masked, severity words weigh in.
    Log,
    /// Numeric metrics: numbers symbolized against the baseline's distribution.
    Metric,
    /// Trace spans (text or JSON): masked like logs, severity words weigh in.
    Trace,
    /// LLM prompts and responses: masked text, no severity vocabulary.
    Llm,
    /// JSON objects: canonical key order, numeric leaves symbolized per key path.
    Json,
}

/// The compressor whose window and cost model a stream uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compressor {
    /// zstd (ruzstd, level Fastest): 128 KiB window.
    Zstd,
    /// deflate (miniz_oxide, level 1): 32 KiB window.
    Deflate,
}

impl Compressor {
    /// The compressor's window in bytes: baseline + window must fit inside it.
    pub const fn window_bytes(self) -> u32 {
        match self {
            Compressor::Zstd => 128 * 1024,
            Compressor::Deflate => 32 * 1024,
        }
    }
}

/// Sensitivity in `[0, 1]`. It maps to the documented false-alarm rate
/// `alpha = 10^(-3 + 2 * sensitivity)`: 0.0 -> 0.1 %, 0.5 -> 1 %, 1.0 -> 10 % of normal events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sensitivity {
    value: f64,
    // Worked out once: every event is judged against it, and wasm's `pow` is a software one.
    alpha: f64,
}

impl Sensitivity {
    /// Validates a sensitivity: finite and within `0.0..=1.0`.
    pub fn new(value: f64) -> Result<Self, Error> {
        if value.is_finite() && (0.0..=1.0).contains(&value) {
            Ok(Sensitivity { value, alpha: libm::pow(10.0, -3.0 + 2.0 * value) })
        } else {
            Err(Error::config(format!("sensitivity is {value}, need a number in 0.0..=1.0")))
        }
    }

    /// The raw value in `[0, 1]`.
    pub fn value(self) -> f64 {
        self.value
    }

    /// The false-alarm rate this sensitivity stands for: `10^(-3 + 2 * s)`.
    pub fn false_alarm_rate(self) -> f64 {
        self.alpha
    }
}

/// Validated, immutable detector settings. Build one with [`DetectorConfig::builder`].
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorConfig {
    pub(crate) kind: EventKind,
    pub(crate) compressor: Compressor,
    pub(crate) sensitivity: Sensitivity,
    pub(crate) baseline_bytes: u32,
    /// 0 = no limit by count.
    pub(crate) baseline_events: u32,
    pub(crate) window_bytes: u32,
    pub(crate) window_events: u32,
    pub(crate) calibration_events: u32,
    pub(crate) warmup_events: u32,
    pub(crate) incident_events: u32,
    pub(crate) mask_volatile: bool,
    pub(crate) ncd_every: u32,
    pub(crate) one_alarm_per_incident: bool,
}

impl DetectorConfig {
    /// A builder with defaults for [`EventKind::Log`] and [`Compressor::Zstd`].
    pub fn builder() -> DetectorConfigBuilder {
        DetectorConfigBuilder::default()
    }

    /// Event kind.
    pub fn kind(&self) -> EventKind {
        self.kind
    }
    /// Compressor.
    pub fn compressor(&self) -> Compressor {
        self.compressor
    }
    /// Sensitivity.
    pub fn sensitivity(&self) -> Sensitivity {
        self.sensitivity
    }
    /// Most bytes of normalized events the baseline holds.
    pub fn baseline_bytes(&self) -> u32 {
        self.baseline_bytes
    }
    /// Most events the baseline holds (`None`: limited by bytes only).
    pub fn baseline_events(&self) -> Option<u32> {
        (self.baseline_events > 0).then_some(self.baseline_events)
    }
    /// Events per window (the NCD and drift-test unit, also the hop).
    pub fn window_events(&self) -> u32 {
        self.window_events
    }
    /// Most bytes a window holds.
    pub fn window_bytes(&self) -> u32 {
        self.window_bytes
    }
    /// How many past scores calibrate the p-value.
    pub fn calibration_events(&self) -> u32 {
        self.calibration_events
    }
    /// Events seen before any verdict may be an anomaly.
    pub fn warmup_events(&self) -> u32 {
        self.warmup_events
    }
    /// Longest run of anomalies held out of the baseline before they are accepted as the new normal.
    pub fn incident_events(&self) -> u32 {
        self.incident_events
    }
    /// Whether volatile tokens (timestamps, ids, IPs, long numbers) are masked.
    pub fn mask_volatile(&self) -> bool {
        self.mask_volatile
    }
    /// Whether a numeric stream raises one alarm per incident (see the builder method).
    pub fn one_alarm_per_incident(&self) -> bool {
        self.one_alarm_per_incident
    }
    /// Events between NCD recomputations with the real compressor (`None`: never).
    pub fn ncd_every(&self) -> Option<u32> {
        (self.ncd_every > 0).then_some(self.ncd_every)
    }

    pub(crate) fn set_sensitivity(&mut self, s: Sensitivity) {
        self.sensitivity = s;
    }
}

/// Builder for [`DetectorConfig`]; unset sizes get defaults that depend on kind and compressor.
#[derive(Debug, Clone, Default)]
pub struct DetectorConfigBuilder {
    kind: Option<EventKind>,
    compressor: Option<Compressor>,
    sensitivity: Option<f64>,
    baseline_bytes: Option<u32>,
    baseline_events: Option<u32>,
    window_bytes: Option<u32>,
    window_events: Option<u32>,
    calibration_events: Option<u32>,
    warmup_events: Option<u32>,
    incident_events: Option<u32>,
    mask_volatile: Option<bool>,
    ncd_every: Option<u32>,
    one_alarm_per_incident: Option<bool>,
}

macro_rules! setter {
    ($(#[$doc:meta])* $name:ident: $ty:ty) => {
        $(#[$doc])*
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = Some(value);
            self
        }
    };
}

/// Largest single-window size in events, and largest baseline/calibration counts.
const MAX_EVENTS: u32 = 1 << 16;

impl DetectorConfigBuilder {
    setter!(/// Event kind (default [`EventKind::Log`]).
        kind: EventKind);
    setter!(/// Compressor (default [`Compressor::Zstd`]).
        compressor: Compressor);
    setter!(/// Sensitivity in `0.0..=1.0` (default 0.5 = 1 % false alarms).
        sensitivity: f64);
    setter!(/// Baseline size in bytes of normalized events (default 32 KiB, 24 KiB for deflate).
        baseline_bytes: u32);
    setter!(/// Baseline size in events (default: unlimited for text, 512 for metrics).
        baseline_events: u32);
    setter!(/// Window size in bytes (default 8 KiB).
        window_bytes: u32);
    setter!(/// Window size in events (default 64 for text, 32 for metrics).
        window_events: u32);
    setter!(/// Number of past scores kept for the conformal p-value (default 1024).
        calibration_events: u32);
    setter!(/// Events before detection starts (default 32 for text, 200 for metrics). Alarms also need
        /// `1 / false_alarm_rate - 1` calibration scores (99 at sensitivity 0.5).
        warmup_events: u32);
    setter!(/// Longest run of held-out anomalies before they become the new normal (default 256; for
        /// metrics, a baseline's worth of events).
        incident_events: u32);
    setter!(/// Mask volatile tokens before compressing (default true).
        mask_volatile: bool);
    setter!(/// Numeric streams raise one alarm per incident: within two windows (`2 * window_events`)
        /// of an alarm, a number is not flagged again; after that and within `incident_events`,
        /// only if its score is higher (default true for metrics, false otherwise). Alarms are
        /// then a subset of the events with `p <= alpha`.
        one_alarm_per_incident: bool);
    setter!(/// Events between NCD recomputations with the real compressor; 0 = never (default 8192: three compressions of
        /// baseline + window cost ~2.7 ms with ruzstd, ~0.3 us per event amortized).
        ncd_every: u32);

    /// Validates the settings; the error says which value was seen and what was needed.
    pub fn build(self) -> Result<DetectorConfig, Error> {
        let kind = self.kind.unwrap_or(EventKind::Log);
        let compressor = self.compressor.unwrap_or(Compressor::Zstd);
        let sensitivity = Sensitivity::new(self.sensitivity.unwrap_or(0.5))?;
        let metric = matches!(kind, EventKind::Metric);
        let window_bytes = self.window_bytes.unwrap_or(8 * 1024);
        let codec_window = compressor.window_bytes();
        let default_baseline = (32 * 1024).min(codec_window.saturating_sub(window_bytes));
        let baseline_bytes = self.baseline_bytes.unwrap_or(default_baseline);
        let baseline_events = self.baseline_events.unwrap_or(if metric { 512 } else { 0 });
        let window_events = self.window_events.unwrap_or(if metric { 32 } else { 64 });
        let calibration_events = self.calibration_events.unwrap_or(1024);
        let warmup_events = self.warmup_events.unwrap_or(if metric { 200 } else { 32 });
        let incident_events = self.incident_events.unwrap_or(if metric { baseline_events.max(256) } else { 256 });

        if !(256..=codec_window / 2).contains(&window_bytes) {
            return Err(Error::config(format!(
                "window_bytes is {window_bytes}, need 256..={} for {compressor:?}",
                codec_window / 2
            )));
        }
        if baseline_bytes < 1024 || baseline_bytes as u64 + window_bytes as u64 > codec_window as u64 {
            return Err(Error::config(format!(
                "baseline_bytes is {baseline_bytes} with window_bytes {window_bytes}: need baseline_bytes >= 1024 \
                 and baseline_bytes + window_bytes <= {codec_window} (the {compressor:?} window)"
            )));
        }
        if baseline_events != 0 && !(16..=MAX_EVENTS).contains(&baseline_events) {
            return Err(Error::config(format!("baseline_events is {baseline_events}, need 16..={MAX_EVENTS}")));
        }
        if !(4..=4096).contains(&window_events) {
            return Err(Error::config(format!("window_events is {window_events}, need 4..=4096")));
        }
        if !(16..=MAX_EVENTS).contains(&calibration_events) {
            return Err(Error::config(format!("calibration_events is {calibration_events}, need 16..={MAX_EVENTS}")));
        }
        if warmup_events > MAX_EVENTS * 16 {
            return Err(Error::config(format!("warmup_events is {warmup_events}, need at most {}", MAX_EVENTS * 16)));
        }
        if incident_events == 0 || incident_events > MAX_EVENTS * 16 {
            return Err(Error::config(format!("incident_events is {incident_events}, need 1..={}", MAX_EVENTS * 16)));
        }
        let ncd_every = self.ncd_every.unwrap_or(8192);
        if ncd_every > MAX_EVENTS * 16 {
            return Err(Error::config(format!("ncd_every is {ncd_every}, need at most {}", MAX_EVENTS * 16)));
        }
        Ok(DetectorConfig {
            kind,
            compressor,
            sensitivity,
            baseline_bytes,
            baseline_events,
            window_bytes,
            window_events,
            calibration_events,
            warmup_events,
            incident_events,
            mask_volatile: self.mask_volatile.unwrap_or(true),
            ncd_every,
            one_alarm_per_incident: self.one_alarm_per_incident.unwrap_or(metric),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn deflate_rejects_a_baseline_that_overflows_its_window() {
        let err = DetectorConfig::builder()
            .compressor(Compressor::Deflate)
            .baseline_bytes(32 * 1024)
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("32768"), "{err}");
        assert!(err.to_string().contains("Deflate"), "{err}");
    }

    #[test]
    fn sensitivity_out_of_range_is_refused_with_the_value_seen() {
        let err = DetectorConfig::builder().sensitivity(1.5).build().unwrap_err();
        assert!(err.to_string().contains("1.5"), "{err}");
        assert!(DetectorConfig::builder().sensitivity(f64::NAN).build().is_err());
    }

    #[test]
    fn sensitivity_maps_to_documented_rates() {
        let r = |s| Sensitivity::new(s).unwrap().false_alarm_rate();
        assert!((r(0.0) - 0.001).abs() < 1e-12);
        assert!((r(0.5) - 0.01).abs() < 1e-12);
        assert!((r(1.0) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn defaults_fit_each_compressor() {
        for c in [Compressor::Zstd, Compressor::Deflate] {
            let cfg = DetectorConfig::builder().compressor(c).build().unwrap();
            assert!(cfg.baseline_bytes() + cfg.window_bytes() <= c.window_bytes());
        }
    }
}

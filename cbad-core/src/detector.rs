//! The per-stream detector: normalize, price against the primed baseline, calibrate, decide,
//! then admit normal events into the baseline.

use crate::calibration::Calibration;
use crate::codec::Codec;
use crate::config::{DetectorConfig, EventKind, Sensitivity};
use crate::error::Error;
use crate::matcher::{self, History};
use crate::quantize::Quantizer;
use crate::verdict::{Metrics, Severity, Verdict};
use crate::{json, mask, metrics, severity};
use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

/// One event's body, as the caller received it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventBody<'a> {
    /// Text: a log line, a span, a prompt.
    Text(&'a str),
    /// A numeric metric value.
    Number(f64),
    /// Raw JSON text; canonicalized inside (invalid JSON is scored as text).
    Json(&'a str),
}

/// Longest normalized event that is priced; longer events are priced on their first bytes.
pub(crate) const MAX_EVENT: usize = 8 * 1024;
/// Numeric shingle: symbols of the last events that make one numeric "event".
pub(crate) const SHINGLE: usize = 8;
/// Most JSON key paths with their own number bins; further paths share one symbol.
pub(crate) const MAX_PATHS: usize = 32;
/// k-NN nonconformity of plain numbers: shingle length and neighbours (fixed in advance from
/// KNN-CAD's design, shingle length chosen among 2..16 on the NAB subset: 4-6 score alike).
const KNN_SHINGLE: usize = 4;
const KNN_K: usize = 3;
/// Plain numbers keep at least this many recent values for the k-NN neighbours (and their value
/// bins): a pattern that recurs once a day must have `KNN_K` earlier occurrences among them, or
/// every recurrence is far from its third-nearest shingle. 1024 holds 3.5 days at the common
/// 5-minute sampling (3 x 288 = 864); 512 held 1.8 (NAB subset: 46.0 -> 50.9, see the README).
pub(crate) const KNN_POOL: usize = 1024;
/// Quantizer keys for plain numbers.
pub(crate) const KEY_VALUE: u64 = 0;
pub(crate) const KEY_DELTA: u64 = 1;
/// Bytes of recently flagged events kept to recognize the continuation of an incident.
pub(crate) const INCIDENT_BYTES: u32 = 4096;
/// An event continues an incident if its p-value is within this factor of its bar (a repeat of a
/// flagged pattern whose p jitters just above the bar; 0.5 whatever the bar before, see the
/// README) ...
const CONTINUE_BAR: f64 = 2.0;
/// ... and costs at most this share of its baseline cost given the incident's events.
const CONTINUE_SHARE: f64 = 0.5;
/// Numeric streams with one alarm per incident: no second alarm within this many windows of an
/// alarm, however extreme (chosen on the NAB subset, see the README: 2 windows = 64 events for
/// metrics took the standard score from 38.5 to 41.6).
const REFRACTORY_WINDOWS: u32 = 2;
/// Loosest bar severity words can set.
const MAX_ALPHA: f64 = 0.2;
/// Events scored before scores start to calibrate.
const CALIBRATE_AFTER: u64 = 8;
/// Literal prices are refreshed every this many admitted events.
pub(crate) const REFRESH_EVERY: u32 = 128;

/// How many recent values the number bins of `key` keep: `baseline_events` (256 without a
/// limit), at least [`KNN_POOL`] for the values of plain numbers (the k-NN candidates).
pub(crate) fn quantizer_cap(config: &DetectorConfig, key: u64) -> usize {
    let cap = match config.baseline_events {
        0 => 256,
        n => n as usize,
    };
    if key == KEY_VALUE { cap.max(KNN_POOL) } else { cap }
}

/// A detector for one stream. Feed events in order with [`StreamDetector::score`].
pub struct StreamDetector {
    pub(crate) config: DetectorConfig,
    pub(crate) history: History,
    pub(crate) starts: VecDeque<u64>,
    pub(crate) calibration: Calibration,
    /// Plain numbers: calibration of the k-NN shingle distance, and of its calibrated score
    /// (the second stage ranks each event's surprise relative to its own time: the distance
    /// scale drifts with the stream).
    pub(crate) knn_cal: Calibration,
    pub(crate) knn_cal2: Calibration,
    pub(crate) quant: Vec<(u64, Quantizer)>,
    pub(crate) recent: VecDeque<u8>,
    pub(crate) last_value: Option<f64>,
    pub(crate) index: u64,
    pub(crate) held_run: u32,
    pub(crate) incident: History,
    pub(crate) since_flag: u32,
    pub(crate) incident_appends: u32,
    pub(crate) last_flag_score: f64,
    pub(crate) incident_start: u64,
    pub(crate) since_refresh: u32,
    pub(crate) since_ncd: u32,
    pub(crate) window_flags: VecDeque<bool>,
    pub(crate) window_lens: VecDeque<u32>,
    pub(crate) window_bytes: VecDeque<u8>,
    // Scratch, reused across events; not part of the state.
    codec: Codec,
    norm: Vec<u8>,
    map: mask::SegMap,
    chains: matcher::SelfChains,
    /// The window's event count and the standard deviation of its drift count under no change.
    drift_sd: (f64, f64),
    /// The event was masked text and `map` is not built yet (only events with novel spans
    /// need it: `map_spans` builds it then).
    map_pending: bool,
    pub(crate) window_above: u32,
    clogc: alloc::boxed::Box<[f64; 256]>,
    numbers: Vec<(u64, f64)>,
    spans: Vec<(u32, u32)>,
    scratch: Vec<u8>,
    knn_buf: Vec<f64>,
    knn_dist: Vec<f64>,
}

impl core::fmt::Debug for StreamDetector {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("StreamDetector")
            .field("config", &self.config)
            .field("events_seen", &self.index)
            .field("baseline_bytes", &self.history.len())
            .field("calibration", &self.calibration.len())
            .finish_non_exhaustive()
    }
}

impl StreamDetector {
    /// A fresh detector with an empty baseline.
    pub fn new(config: DetectorConfig) -> Self {
        let history = History::new(config.compressor, config.baseline_bytes);
        StreamDetector {
            calibration: Calibration::new(config.calibration_events as usize),
            knn_cal: Calibration::lazy(config.calibration_events as usize),
            knn_cal2: Calibration::lazy(config.calibration_events as usize),
            knn_buf: Vec::new(),
            knn_dist: Vec::new(),
            codec: Codec::new(config.compressor),
            history,
            starts: VecDeque::new(),
            quant: Vec::new(),
            recent: VecDeque::new(),
            last_value: None,
            index: 0,
            held_run: 0,
            incident: History::new(config.compressor, INCIDENT_BYTES),
            since_flag: u32::MAX,
            incident_appends: 0,
            last_flag_score: 0.0,
            incident_start: 0,
            since_refresh: 0,
            since_ncd: 0,
            window_flags: VecDeque::new(),
            window_lens: VecDeque::new(),
            window_bytes: VecDeque::new(),
            norm: Vec::new(),
            map: mask::SegMap::default(),
            chains: matcher::SelfChains::default(),
            drift_sd: (0.0, 0.0),
            map_pending: false,
            window_above: 0,
            clogc: metrics::clogc_table(),
            numbers: Vec::new(),
            spans: Vec::new(),
            scratch: Vec::new(),
            config,
        }
    }

    /// The settings in force.
    pub fn config(&self) -> &DetectorConfig {
        &self.config
    }

    /// Events scored so far.
    pub fn events_seen(&self) -> u64 {
        self.index
    }

    /// Changes the sensitivity of a live detector; takes effect on the next event.
    pub fn set_sensitivity(&mut self, sensitivity: f64) -> Result<(), Error> {
        self.config.set_sensitivity(Sensitivity::new(sensitivity)?);
        Ok(())
    }

    /// Approximate heap bytes this detector holds (state and reusable buffers).
    pub fn memory_bytes(&self) -> usize {
        let q: usize = self.quant.iter().map(|(_, q)| q.values.capacity() * 8 + q.edges.capacity() * 8 + 64).sum();
        core::mem::size_of::<Self>()
            + self.history.heap_bytes()
            + self.incident.heap_bytes()
            + self.starts.capacity() * 8
            + self.config.calibration_events as usize * 16
            + (self.knn_cal.len() + self.knn_cal2.len()) * 16
            + (self.knn_buf.capacity() + self.knn_dist.capacity()) * 8
            + q
            + self.window_flags.capacity()
            + self.window_lens.capacity() * 4
            + self.window_bytes.capacity()
            + self.norm.capacity()
            + self.map.capacity_bytes()
            + self.chains.heap_bytes()
            + 256 * 8
            + self.numbers.capacity() * 16
            + self.spans.capacity() * 8
            + self.scratch.capacity()
            + self.codec.heap_bytes()
    }

    fn quantizer(&self, key: u64) -> Option<&Quantizer> {
        self.quant.iter().find(|(k, _)| *k == key).map(|(_, q)| q)
    }

    fn symbol(&self, key: u64, v: f64) -> u8 {
        match self.quantizer(key) {
            Some(q) => q.symbol(v),
            None if self.quant.len() >= MAX_PATHS + 2 => mask::MASK,
            None => b'?',
        }
    }

    fn coarse_symbol(&self, key: u64, v: f64) -> u8 {
        match self.quantizer(key) {
            Some(q) => q.coarse_symbol(v),
            None if self.quant.len() >= MAX_PATHS + 2 => mask::MASK,
            None => b'?',
        }
    }

    fn push_number(&mut self, key: u64, v: f64) {
        let cap = quantizer_cap(&self.config, key);
        let refresh = self.config.window_events;
        if let Some((_, q)) = self.quant.iter_mut().find(|(k, _)| *k == key) {
            q.push(v);
        } else if self.quant.len() < MAX_PATHS + 2 {
            let mut q = Quantizer::new(cap, refresh);
            q.push(v);
            self.quant.push((key, q));
        }
    }

    /// Normalizes the body into `self.norm`; returns the original text length (0 for numbers).
    fn normalize(&mut self, body: EventBody<'_>) -> (u32, bool) {
        self.norm.clear();
        self.map.clear();
        self.map_pending = false;
        self.numbers.clear();
        let mask_on = self.config.mask_volatile;
        let number = match body {
            EventBody::Number(v) => Some(v),
            EventBody::Text(t) if self.config.kind == EventKind::Metric => t.trim().parse::<f64>().ok(),
            _ => None,
        };
        if let Some(v) = number {
            let delta = self.last_value.map_or(0.0, |last| v - last);
            let vs = self.symbol(KEY_VALUE, v);
            let ds = self.symbol(KEY_DELTA, delta);
            self.numbers.push((KEY_VALUE, v));
            self.numbers.push((KEY_DELTA, delta));
            self.last_value = Some(v);
            self.recent.push_back(vs);
            self.recent.push_back(ds);
            while self.recent.len() > SHINGLE {
                self.recent.pop_front();
            }
            self.norm.extend(self.recent.iter().copied());
            return (0, true);
        }
        let (text, try_json) = match body {
            EventBody::Json(t) => (t, true),
            EventBody::Text(t) => (t, self.config.kind == EventKind::Json),
            EventBody::Number(_) => ("", false),
        };
        if try_json {
            let mut norm = core::mem::take(&mut self.norm);
            let mut map = core::mem::take(&mut self.map);
            let mut numbers = core::mem::take(&mut self.numbers);
            let ok = {
                let mut sink = json::Sink { out: &mut norm, map: &mut map, numbers: &mut numbers, mask: mask_on };
                // JSON leaves are coarse (inside the baseline's range or graded beyond it): with
                // many leaves per event, fine bins make every combination novel.
                json::canonicalize(text, &mut sink, &|k, v| self.coarse_symbol(k, v))
            };
            self.norm = norm;
            self.map = map;
            self.numbers = numbers;
            if !ok {
                self.norm.clear();
                self.map.clear();
                self.numbers.clear();
                mask::push_masked(text.as_bytes(), 0, mask_on, &mut self.norm, None);
                self.map_pending = true;
            }
        } else {
            mask::push_masked(text.as_bytes(), 0, mask_on, &mut self.norm, None);
            self.map_pending = true;
        }
        if self.norm.len() >= MAX_EVENT {
            self.norm.truncate(MAX_EVENT - 1);
        }
        self.norm.push(b'\n');
        (text.len() as u32, false)
    }

    /// Scores one event against the baseline, then (if it is normal) adds it to the baseline.
    pub fn score(&mut self, body: EventBody<'_>) -> Verdict {
        let index = self.index;
        self.index += 1;
        let (text_len, numeric) = self.normalize(body);
        let alpha = self.config.sensitivity.false_alarm_rate();

        self.spans.clear();
        let mut spans = core::mem::take(&mut self.spans);
        let norm = core::mem::take(&mut self.norm);
        self.chains.index(&norm);
        let parse = self.history.parse(&norm, &self.chains, true, Some(&mut spans));
        let bpb = metrics::bits_per_byte(parse.bits, norm.len());
        let weight = match self.config.kind {
            EventKind::Log | EventKind::Trace if !numeric => severity::weight(&norm),
            _ => 1.0,
        };
        // The calibrated score is pure novelty; what the event says about itself loosens the bar:
        // an event with severity words is flagged at `alpha * weight` (at most MAX_ALPHA).
        let raw = bpb;
        let bar = (alpha * weight).min(MAX_ALPHA.max(alpha));
        // Plain numbers are decided by a conformal k-NN distance over recent shingles of values
        // (the compression cost stays in the metrics and drives the drift test): noisy symbol
        // shingles never repeat exactly, so the cost only registered values beyond the recent
        // range, while the distance also sees in-range shape changes. Measured on the NAB
        // subset: k-NN alone 38.5 (shingle 6: 38.9 at 1.4x the cost; 35.1 with one
        // calibration stage), max of the two calibrated scores 19-32, cost alone 17.6.
        let knn = numeric.then(|| {
            let v = self.numbers.first().map_or(0.0, |&(_, v)| v);
            self.knn_distance(v)
        });
        let knn = knn.map(|d| {
            let p = self.knn_cal.p_value(d);
            (d, p, self.knn_cal.score(d, p))
        });
        // An alarm must be extreme on both stages: among the recent distances and among the
        // recent surprises. The p-value of that intersection is the larger of the two (valid
        // whenever either is), the score the smaller (NAB subset: 41.6 -> 46.0, false positives
        // 175 -> 117; the second stage alone decided before).
        let (p_value, score) = match knn {
            Some((_, p1, s1)) => {
                let p2 = self.knn_cal2.p_value(s1);
                (p1.max(p2), s1.min(self.knn_cal2.score(s1, p2)))
            }
            None => {
                let p = self.calibration.p_value(raw);
                (p, self.calibration.score(raw, p))
            }
        };
        let warming_up = index < self.config.warmup_events as u64 || self.calibration.len() < 16;
        let significant = !warming_up && p_value <= bar;
        // Incident continuation: a nearly significant event that the recently flagged events
        // explain far better than the baseline does belongs to the same incident (a burst stays
        // anomalous while its p-values jitter around the bar). A line that declares itself
        // routine (`INFO`, `DEBUG`: weight < 1) says it is not part of a problem: it does not
        // continue one.
        let incident_like = !warming_up
            && !numeric
            && self.since_flag < self.config.window_events
            && p_value <= CONTINUE_BAR * bar
            && weight >= 1.0
            && {
                let inc = self.incident.parse(&norm, &self.chains, true, None);
                metrics::bits_per_byte(inc.bits, norm.len()) < CONTINUE_SHARE * bpb
            };
        let continues = !significant && incident_like;
        // Numeric streams raise one alarm per incident: within `REFRACTORY_WINDOWS` windows of an
        // alarm, never again; after that and within `incident_events`, a number is flagged again
        // only if it is more extreme (higher score) than that alarm.
        let refractory = self.config.window_events.saturating_mul(REFRACTORY_WINDOWS);
        let repeat = numeric
            && self.config.one_alarm_per_incident
            && significant
            && self.since_flag < self.config.incident_events
            && (self.since_flag < refractory || score <= self.last_flag_score);
        let significant = significant && !repeat;
        let anomaly = significant || continues;
        let severity = anomaly.then(|| {
            if !significant {
                Severity::Low
            } else if p_value <= bar / 5.0 {
                Severity::High
            } else if p_value <= bar / 2.0 {
                Severity::Medium
            } else {
                Severity::Low
            }
        });

        // Window-level drift test: under no change, each event beats the calibration median with
        // probability 1/2; flag when the window's count is 3.5 standard deviations above that.
        let above = raw > self.calibration.median();
        self.window_flags.push_back(above);
        self.window_above += above as u32;
        while self.window_flags.len() > self.config.window_events as usize {
            if self.window_flags.pop_front() == Some(true) {
                self.window_above -= 1;
            }
        }
        let m = self.window_flags.len() as f64;
        let k = self.window_above as f64;
        if m != self.drift_sd.0 {
            self.drift_sd = (m, libm::sqrt(m / 4.0)); // m is constant once the window is full
        }
        let drift = !warming_up && m >= 8.0 && k - m / 2.0 > 3.5 * self.drift_sd.1;

        // Admission: normal events join the baseline; anomalies are held out (so a burst stays
        // anomalous) until a run of them outlasts `incident_events`, then it is the new normal.
        // Numeric shingles always join: a held-out value would poison the next shingles' context.
        // An incident starts at a significant anomaly after a quiet window; one that has lasted
        // longer than `incident_events` (flags keep recurring) is the new normal as well.
        if significant && self.since_flag >= self.config.window_events {
            self.incident_start = index;
        }
        // A line whose own words loosen its bar (weight > 1: a warning, an error, error
        // vocabulary) declares a problem. It is not learned as normal during warm-up (nothing
        // can be judged yet; learning it then silences it while it stays in the baseline) nor
        // because a long incident made everything around it the new normal: it joins the
        // baseline when it is not flagged, or when a run of anomalies outlasts `incident_events`.
        let declares_problem = weight > 1.0;
        let long_incident = index - self.incident_start > self.config.incident_events as u64 && !declares_problem;
        let admit = if anomaly {
            self.held_run += 1;
            numeric || self.held_run > self.config.incident_events || long_incident
        } else {
            self.held_run = 0;
            !(warming_up && declares_problem)
        };
        let baseline_bytes = self.history.len() as u32;
        // Every score calibrates, anomalies included: dropping them would truncate the tail and
        // make alarms feed on themselves. Bursts stay anomalous through incident continuation.
        // The very first events are scored against a nearly empty baseline: not calibration.
        // Events of an ongoing incident (explained by its recent events) are one incident: they
        // do not calibrate one by one, or a burst would raise the bar for the next incident.
        if !incident_like && index >= CALIBRATE_AFTER.min(self.config.warmup_events as u64 / 2) {
            self.calibration.push(raw);
            if let Some((d, _, s)) = knn {
                self.knn_cal.push(d);
                self.knn_cal2.push(s);
            }
        }
        if admit {
            self.admit(&norm, numeric);
        }
        if anomaly && !numeric {
            self.incident.append(&norm);
            self.incident_appends = self.incident_appends.wrapping_add(1);
            if self.incident_appends % 16 == 1 {
                self.incident.refresh_costs();
            }
        }
        self.since_flag = if significant { 0 } else { self.since_flag.saturating_add(1) };
        if significant {
            self.last_flag_score = score;
        }
        let window_event: &[u8] = if numeric { &norm[norm.len().saturating_sub(2)..] } else { &norm };
        self.push_window(window_event);
        let ncd = self.maybe_ncd();

        let novel = if numeric { Vec::new() } else { self.map_spans(&spans, body, text_len) };
        let len = norm.len();
        let metrics = Metrics {
            conditional_bits_per_byte: bpb,
            compression_ratio: metrics::compression_ratio(len, parse.bits),
            entropy: metrics::entropy_with(&norm, &self.clogc),
            ncd,
            drift,
            novel_fraction: if len == 0 { 0.0 } else { parse.literal_bytes as f64 / len as f64 },
            raw_score: knn.map_or(raw, |(d, _, _)| d),
            false_alarm_rate: alpha,
            severity_weight: weight,
            baseline_bytes,
        };
        self.norm = norm;
        self.spans = spans;
        let explanation = if continues {
            crate::explain::incident_continued(p_value, len, parse.literal_bytes)
        } else if anomaly {
            crate::explain::explain(&metrics, p_value, len, parse.literal_bytes, numeric, KNN_SHINGLE)
        } else {
            String::new()
        };
        Verdict {
            index,
            score,
            p_value,
            anomaly,
            severity,
            metrics,
            novel,
            explanation,
            warming_up,
        }
    }

    /// Nonconformity of the newest value in its context (KNN-CAD style): the mean Euclidean
    /// distance from the shingle of the last `KNN_SHINGLE` values to its `KNN_K` nearest
    /// shingles among the last [`KNN_POOL`] values (those overlapping the current one excluded).
    /// O(KNN_POOL * KNN_SHINGLE); 0 until enough values exist.
    fn knn_distance(&mut self, v: f64) -> f64 {
        let l = KNN_SHINGLE;
        let k = KNN_K;
        let mut buf = core::mem::take(&mut self.knn_buf);
        buf.clear();
        if let Some(q) = self.quantizer(KEY_VALUE) {
            let (a, b) = q.values.as_slices();
            buf.extend_from_slice(a);
            buf.extend_from_slice(b);
        }
        buf.push(v);
        let n = buf.len();
        if n < 2 * l + k {
            self.knn_buf = buf;
            return 0.0;
        }
        let query_start = n - l;
        let mut best = [f64::INFINITY; KNN_K];
        let mut query = [0.0; KNN_SHINGLE];
        query.copy_from_slice(&buf[query_start..]);
        // Candidate shingles [s, s + l) with s + l <= query_start. Distances first, all
        // candidates in one pass (vectorizes across candidates; each sum adds the squares in
        // coordinate order, as one coordinate at a time over all candidates did), then the k
        // smallest.
        let m = query_start - l + 1;
        let mut dist = core::mem::take(&mut self.knn_dist);
        dist.clear();
        dist.extend(buf[..query_start].windows(KNN_SHINGLE).map(|w| {
            let mut acc = 0.0;
            for (&x, &qi) in w.iter().zip(&query) {
                let t = x - qi;
                acc += t * t;
            }
            acc
        }));
        debug_assert_eq!(dist.len(), m);
        for &acc in &dist {
            if acc < best[k - 1] {
                let mut j = k - 1;
                best[j] = acc;
                while j > 0 && best[j - 1] > best[j] {
                    best.swap(j - 1, j);
                    j -= 1;
                }
            }
        }
        self.knn_dist = dist;
        self.knn_buf = buf;
        let mut sum = 0.0;
        for b in &best[..k] {
            sum += libm::sqrt(*b);
        }
        sum / k as f64
    }

    fn admit(&mut self, norm: &[u8], numeric: bool) {
        let start = self.history.pos();
        let bytes = if numeric { &norm[norm.len().saturating_sub(2)..] } else { norm };
        self.history.append(bytes);
        self.starts.push_back(start);
        let lo = self.history.lo_eff();
        while self.starts.front().is_some_and(|&s| s < lo) {
            self.starts.pop_front();
        }
        if self.config.baseline_events > 0 {
            while self.starts.len() > self.config.baseline_events as usize {
                self.starts.pop_front();
                if let Some(&s) = self.starts.front() {
                    self.history.set_lo(s);
                }
            }
        }
        for i in 0..self.numbers.len() {
            let (k, v) = self.numbers[i];
            self.push_number(k, v);
        }
        self.since_refresh += 1;
        let early = self.index < self.config.warmup_events as u64 && self.since_refresh >= 8;
        if early || self.since_refresh >= REFRESH_EVERY {
            self.history.refresh_costs();
            self.since_refresh = 0;
        }
    }

    fn push_window(&mut self, bytes: &[u8]) {
        self.window_bytes.extend(bytes); // from a slice: copied in (at most) two pieces, not byte by byte
        self.window_lens.push_back(bytes.len() as u32);
        while self.window_lens.len() > self.config.window_events as usize
            || self.window_bytes.len() > self.config.window_bytes as usize
        {
            let Some(n) = self.window_lens.pop_front() else { break };
            let n = (n as usize).min(self.window_bytes.len());
            self.window_bytes.drain(..n);
        }
    }

    fn maybe_ncd(&mut self) -> Option<f64> {
        if self.config.ncd_every == 0 {
            return None;
        }
        self.since_ncd += 1;
        if self.since_ncd < self.config.ncd_every {
            return None;
        }
        self.since_ncd = 0;
        Some(self.window_ncd())
    }

    /// NCD between the current baseline and the recent window with the real compressor.
    /// Costs three compressions of up to `baseline_bytes + window_bytes`: not for every event.
    pub fn window_ncd(&mut self) -> f64 {
        let mut s = core::mem::take(&mut self.scratch);
        s.clear();
        self.history.copy_to(&mut s);
        let b_len = s.len();
        let c_b = self.codec.compressed_len(&s);
        s.extend(self.window_bytes.iter().copied());
        let c_bw = self.codec.compressed_len(&s);
        let c_w = self.codec.compressed_len(&s[b_len..]);
        // NCD is rare: give the ~50 KB of scratch back rather than hold it per stream.
        drop(s);
        self.codec.release();
        metrics::ncd(c_b, c_w, c_bw).unwrap_or(0.0)
    }

    fn map_spans(&mut self, spans: &[(u32, u32)], body: EventBody<'_>, text_len: u32) -> Vec<(u32, u32)> {
        if spans.is_empty() {
            return Vec::new();
        }
        if self.map_pending {
            // The same masking as `normalize`, this time recording the map.
            let text = match body {
                EventBody::Text(t) | EventBody::Json(t) => t,
                EventBody::Number(_) => "",
            };
            let mut scratch = core::mem::take(&mut self.scratch);
            scratch.clear();
            mask::push_masked(text.as_bytes(), 0, self.config.mask_volatile, &mut scratch, Some(&mut self.map));
            self.scratch = scratch;
            self.map_pending = false;
        }
        let mut raw: Vec<(u32, u32)> = Vec::new();
        for &(s, e) in spans {
            self.map.map_span(s, e, &mut raw);
        }
        raw.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(raw.len());
        for (a, b) in raw {
            let (a, b) = (a.min(text_len), b.min(text_len));
            if a >= b {
                continue;
            }
            match out.last_mut() {
                Some(last) if last.1 >= a => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DetectorConfig;
    use alloc::format;

    const FATAL: &str = "node-3 FATAL disk controller offline";

    fn routine(i: u32) -> String {
        format!("node-{} INFO heartbeat ok after {} ms", i % 9, i)
    }

    /// A line of random letters: novel whatever came before.
    fn novel(x: &mut u32) -> String {
        (0..40)
            .map(|_| {
                *x ^= *x << 13;
                *x ^= *x >> 17;
                *x ^= *x << 5;
                (b'a' + (*x % 26) as u8) as char
            })
            .collect()
    }

    /// The k-NN distance as first written: one coordinate at a time over all candidates.
    fn knn_reference(values: &[f64]) -> f64 {
        let (l, k, n) = (KNN_SHINGLE, KNN_K, values.len());
        if n < 2 * l + k {
            return 0.0;
        }
        let query = &values[n - l..];
        let m = n - 2 * l + 1;
        let mut dist = alloc::vec![0.0; m];
        for (i, &qi) in query.iter().enumerate() {
            for (d, &x) in dist.iter_mut().zip(&values[i..i + m]) {
                *d += (x - qi) * (x - qi);
            }
        }
        dist.sort_by(f64::total_cmp);
        dist[..k].iter().map(|d| libm::sqrt(*d)).sum::<f64>() / k as f64
    }

    #[test]
    fn the_k_nn_distance_is_bit_identical_to_the_coordinate_at_a_time_sum() {
        let mut det = StreamDetector::new(DetectorConfig::builder().kind(EventKind::Metric).build().unwrap());
        let mut x = 0x1234_5678u32;
        for i in 0..3000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // Ties (a repeating level), small steps and noise.
            let v = if i % 300 < 40 { 5.0 } else { (i % 97) as f64 * 0.37 + (x % 1000) as f64 * 1e-3 };
            let mut values: Vec<f64> = det.quantizer(KEY_VALUE).map_or(Vec::new(), |q| q.values.iter().copied().collect());
            values.push(v);
            assert_eq!(det.knn_distance(v).to_bits(), knn_reference(&values).to_bits(), "event {i}");
            det.score(EventBody::Number(v));
        }
    }

    #[test]
    fn a_daily_pattern_is_not_an_anomaly_once_the_k_nn_pool_holds_three_days() {
        // 288 samples a day (5 minutes): flat at night, from 09:00 a rise in 12-sample steps
        // towards 80, from 18:00 a fall back to 20 (NAB's art_daily_no_noise, every day alike).
        let day = |i: usize| match (i % 288) as i32 {
            0..=107 => 20.0,
            j @ 108..=215 => 80.0 - 60.0 * libm::pow(0.2, ((j - 108) / 12 + 1) as f64),
            j => 20.0 + 60.0 * libm::pow(0.2, ((j - 216) / 12 + 1) as f64),
        };
        let mut det = StreamDetector::new(DetectorConfig::builder().kind(EventKind::Metric).build().unwrap());
        let mut flagged = Vec::new();
        for i in 0..14 * 288 {
            if det.score(EventBody::Number(day(i))).anomaly && i >= 4 * 288 {
                flagged.push(i);
            }
        }
        // With 512 values (1.8 days) each day's steps were far from their third-nearest shingle.
        assert!(flagged.is_empty(), "flagged {flagged:?}");
    }

    #[test]
    fn a_line_declaring_a_problem_during_warm_up_is_not_learned_as_normal() {
        let mut det = StreamDetector::new(DetectorConfig::builder().warmup_events(40).build().unwrap());
        for i in 0..300 {
            let v = if i == 5 { det.score(EventBody::Text(FATAL)) } else { det.score(EventBody::Text(&routine(i))) };
            assert!(!v.anomaly, "event {i}: {v:?}");
        }
        // Seen once during warm-up, it is still novel: learning it would have made it routine.
        let v = det.score(EventBody::Text(FATAL));
        assert!(v.anomaly && v.metrics.conditional_bits_per_byte > 4.0, "{v:?}");
        assert!(v.novel.iter().any(|&(s, e)| FATAL[s as usize..e as usize].contains("controller")), "{v:?}");
        // A routine line seen during warm-up was learned.
        assert!(det.score(EventBody::Text(&routine(3))).metrics.conditional_bits_per_byte < 1.0);
    }

    #[test]
    fn a_long_incident_does_not_make_a_declared_error_the_new_normal() {
        let mut det = StreamDetector::new(DetectorConfig::builder().incident_events(64).build().unwrap());
        let mut x = 0x9e37_79b9u32;
        for i in 0..300 {
            det.score(EventBody::Text(&routine(i)));
        }
        // Novel lines every 16 events keep one incident going for 160 events (> 64), then the
        // FATAL line is flagged inside it; unleveled novel lines flagged by then are learned.
        let mut flagged_late = false;
        for i in 0..160u32 {
            let v = if i % 16 == 0 { det.score(EventBody::Text(&novel(&mut x))) } else { det.score(EventBody::Text(&routine(i))) };
            flagged_late |= i > 64 && v.anomaly;
        }
        assert!(flagged_late, "the incident must outlast incident_events");
        assert!(det.score(EventBody::Text(FATAL)).anomaly);
        for i in 0..100 {
            det.score(EventBody::Text(&routine(i)));
        }
        let v = det.score(EventBody::Text(FATAL));
        assert!(v.anomaly && v.metrics.conditional_bits_per_byte > 4.0, "a declared error flagged in a long incident must stay novel: {v:?}");
    }

    #[test]
    fn an_incident_continues_only_through_nearly_significant_lines_that_do_not_declare_themselves_routine() {
        let mut det = StreamDetector::new(DetectorConfig::builder().build().unwrap());
        let mut x = 0x2545_f491u32;
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"];
        let (mut continued, mut flagged) = (0, 0);
        for i in 0..6000u32 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let w = words[(x >> 8) as usize % words.len()];
            // Routine lines with a random word now and then (the calibration has a spread), and
            // every 300 events a burst: a FATAL line, then echoes of it with and without a level.
            let line = match (i % 300, x % 8) {
                (0, _) => format!("node-{} FATAL {w} {} lost", x % 5, novel(&mut x)),
                (1..=24, 0) => format!("node-{} INFO {w} lost", x % 5),
                (1..=24, 1) => format!("node-{} {w} lost after {i} ms", x % 5),
                (1..=24, 2) => format!("node-{} DEBUG {w} {} lost", x % 5, i % 7),
                (_, 0..=1) => format!("node-{} heartbeat {w} after {i} ms", i % 9),
                _ => routine(i),
            };
            let v = det.score(EventBody::Text(&line));
            if !v.anomaly {
                continue;
            }
            flagged += 1;
            let w = v.metrics.severity_weight;
            let bar = (v.metrics.false_alarm_rate * w).min(MAX_ALPHA);
            if v.p_value > bar {
                continued += 1;
                assert!(v.explanation.starts_with("Continues"), "event {i}: {line:?} {v:?}");
                assert!(w >= 1.0 && v.p_value <= CONTINUE_BAR * bar, "event {i}: {line:?} {v:?}");
            }
        }
        assert!(continued > 0 && flagged > continued, "continued {continued} of {flagged}");
    }
}

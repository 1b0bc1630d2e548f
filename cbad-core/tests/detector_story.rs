//! The detector's promises, told as a user would check them.

use cbad_core::{Compressor, DetectorConfig, ErrorKind, EventBody, EventKind, StreamDetector, Verdict};

#[path = "support/checksum.rs"]
mod checksum;

/// xorshift64*: deterministic test data, no dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn gauss(&mut self) -> f64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let v = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (-2.0 * (u.max(1e-300)).ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

const WORDS: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet", "kilo", "lima",
    "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey",
    "xray", "yankee", "zulu", "amber", "basil", "cedar", "dune", "ember", "fjord",
];

fn random_line(r: &mut Rng) -> String {
    let n = 3 + r.below(6) as usize;
    let mut s = String::from("svc");
    for _ in 0..n {
        s.push(' ');
        s.push_str(WORDS[r.below(WORDS.len() as u64) as usize]);
    }
    s
}

fn log_detector(sensitivity: f64) -> StreamDetector {
    let cfg = DetectorConfig::builder().kind(EventKind::Llm).sensitivity(sensitivity).build().unwrap();
    StreamDetector::new(cfg)
}

/// On exchangeable events the share of false alarms is the documented rate, within sampling error.
fn false_alarm_rate(mut next: impl FnMut() -> Verdict, n: usize) -> f64 {
    for _ in 0..2000 {
        next();
    }
    let flagged = (0..n).filter(|_| next().anomaly).count();
    flagged as f64 / n as f64
}

fn assert_rate(rate: f64, alpha: f64, n: usize, what: &str) {
    let sigma = (alpha * (1.0 - alpha) / n as f64).sqrt();
    // Conformal p-values are exact for continuous scores and conservative with ties; the
    // baseline slides, so allow 4 standard errors either way plus a small slack for ties.
    assert!(
        (rate - alpha).abs() <= 4.0 * sigma + 0.1 * alpha,
        "{what}: false-alarm rate {rate:.4}, documented {alpha:.4} (sigma {sigma:.4})"
    );
}

#[test]
fn on_exchangeable_text_the_false_alarm_rate_matches_the_sensitivity() {
    for (s, alpha) in [(1.0, 0.1), (0.5, 0.01)] {
        let n = 20_000;
        let mut r = Rng(42);
        let mut det = log_detector(s);
        let rate = false_alarm_rate(|| det.score(EventBody::Text(&random_line(&mut r))), n);
        assert_rate(rate, alpha, n, "text");
    }
}

#[test]
fn on_iid_numbers_the_false_alarm_rate_matches_the_sensitivity() {
    let n = 20_000;
    let alpha = 0.1;
    let mut r = Rng(7);
    let cfg = DetectorConfig::builder().kind(EventKind::Metric).sensitivity(1.0).one_alarm_per_incident(false).build().unwrap();
    let mut det = StreamDetector::new(cfg);
    let rate = false_alarm_rate(|| det.score(EventBody::Number(50.0 + 5.0 * r.gauss())), n);
    assert_rate(rate, alpha, n, "numbers");
    // With one alarm per incident (the metric default) alarms are a subset: fewer, never more.
    let mut det = StreamDetector::new(DetectorConfig::builder().kind(EventKind::Metric).sensitivity(1.0).build().unwrap());
    let deduped = false_alarm_rate(|| det.score(EventBody::Number(50.0 + 5.0 * r.gauss())), n);
    assert!(deduped < rate / 2.0, "deduplicated rate {deduped} vs {rate}");
}

#[test]
fn a_fatal_line_after_routine_traffic_is_an_anomaly_with_its_novel_part_marked() {
    let mut det = StreamDetector::new(DetectorConfig::builder().warmup_events(100).build().unwrap());
    for i in 0..400 {
        let v = det.score(EventBody::Text(&format!("node-{} INFO heartbeat ok after {} ms", i % 9, i)));
        assert_eq!(v.warming_up, i < 100);
        assert!(!v.warming_up || !v.anomaly);
    }
    let text = "node-3 FATAL disk controller offline";
    let v = det.score(EventBody::Text(text));
    assert!(v.anomaly, "{v:?}");
    assert!(v.severity.is_some());
    assert!(!v.explanation.is_empty());
    let novel: String = v.novel.iter().map(|&(s, e)| &text[s as usize..e as usize]).collect();
    assert!(novel.contains("disk controller"), "novel part: {novel:?}");
    assert!(!novel.contains("node-"), "novel part: {novel:?}");
    assert!((0.0..=1.0).contains(&v.score));
}

#[test]
fn masking_makes_volatile_tokens_match_and_can_be_turned_off() {
    let lines: Vec<String> = (0..300)
        .map(|i| format!("2024-01-01T00:{:02}:{:02} req {:08x}-{} from 10.0.{}.{} ok", i / 60, i % 60, i * 7919, i, i % 256, i * 3 % 256))
        .collect();
    let cost = |mask: bool| {
        let cfg = DetectorConfig::builder().mask_volatile(mask).build().unwrap();
        let mut det = StreamDetector::new(cfg);
        lines.iter().map(|l| det.score(EventBody::Text(l)).metrics.conditional_bits_per_byte).last().unwrap()
    };
    let (masked, raw) = (cost(true), cost(false));
    assert!(masked < 1.0, "masked cost {masked}");
    assert!(raw > 2.0 * masked, "raw {raw} vs masked {masked}");
}

#[test]
fn json_key_order_does_not_change_the_verdict() {
    let cfg = DetectorConfig::builder().kind(EventKind::Json).build().unwrap();
    let (mut a, mut b) = (StreamDetector::new(cfg.clone()), StreamDetector::new(cfg));
    for i in 0..300 {
        let x = (i % 13) as f64 * 1.5;
        let one = format!(r#"{{"host":"web-{}","cpu":{x},"status":"ok","tags":{{"z":1,"a":2}}}}"#, i % 4);
        let two = format!(r#"{{ "tags": {{"a":2, "z":1}}, "status":"ok", "cpu": {x}, "host": "web-{}" }}"#, i % 4);
        let (va, vb) = (a.score(EventBody::Json(&one)), b.score(EventBody::Json(&two)));
        assert_eq!(va.score, vb.score);
        assert_eq!(va.metrics.conditional_bits_per_byte, vb.metrics.conditional_bits_per_byte);
        assert_eq!(va.anomaly, vb.anomaly);
    }
}

fn mixed_stream(kind: EventKind, compressor: Compressor, seed: u64, n: usize) -> Vec<String> {
    let mut r = Rng(seed);
    (0..n)
        .map(|i| match kind {
            EventKind::Metric => format!("{}", 100.0 + 10.0 * ((i as f64) / 20.0).sin() + r.gauss() + if i % 397 == 0 { 80.0 } else { 0.0 }),
            EventKind::Json => format!(r#"{{"svc":"api","lat":{},"code":{}}}"#, 20.0 + r.gauss(), if i % 211 == 0 { 500 } else { 200 }),
            _ => {
                let _ = compressor;
                if i % 173 == 0 { format!("ERROR {} failed", random_line(&mut r)) } else { random_line(&mut r) }
            }
        })
        .collect()
}

fn body(kind: EventKind, s: &str) -> EventBody<'_> {
    match kind {
        EventKind::Metric => EventBody::Number(s.parse().unwrap()),
        EventKind::Json => EventBody::Json(s),
        _ => EventBody::Text(s),
    }
}

#[test]
fn restoring_a_snapshot_continues_bit_identically() {
    for kind in [EventKind::Log, EventKind::Metric, EventKind::Json] {
        for compressor in [Compressor::Zstd, Compressor::Deflate] {
            let cfg = DetectorConfig::builder()
                .kind(kind)
                .compressor(compressor)
                .baseline_bytes(4096)
                .warmup_events(50)
                .ncd_every(97)
                .build()
                .unwrap();
            let events = mixed_stream(kind, compressor, 3, 3000);
            let mut live = StreamDetector::new(cfg);
            let mut cut_points = 0;
            for (i, e) in events.iter().enumerate() {
                if i % 450 == 7 {
                    // Restore from the bytes and carry on with the restored one.
                    let bytes = live.snapshot();
                    let mut restored = StreamDetector::restore(&bytes).unwrap();
                    assert_eq!(restored.snapshot(), bytes, "{kind:?}/{compressor:?} at {i}: re-snapshot differs");
                    // The restored and the original agree on the next events.
                    let mut original = StreamDetector::restore(&bytes).unwrap();
                    for e2 in events.iter().skip(i).take(50) {
                        assert_eq!(live.score(body(kind, e2)), restored.score(body(kind, e2)), "{kind:?}/{compressor:?} at {i}");
                        original.score(body(kind, e2));
                    }
                    live = original;
                    cut_points += 1;
                    let _ = e;
                    continue;
                }
                live.score(body(kind, e));
            }
            assert!(cut_points > 3);
        }
    }
}

#[test]
fn snapshot_size_is_bounded_by_the_baseline() {
    let cfg = DetectorConfig::builder().build().unwrap();
    let mut det = StreamDetector::new(cfg);
    let mut r = Rng(1);
    for _ in 0..5000 {
        det.score(EventBody::Text(&random_line(&mut r)));
    }
    let n = det.snapshot().len();
    assert!(n <= 32 * 1024 + 1024 * 8 + 16 * 1024, "snapshot {n} bytes");
}

#[test]
fn a_corrupt_or_truncated_snapshot_is_an_error_never_a_panic() {
    let cfg = DetectorConfig::builder().kind(EventKind::Json).warmup_events(20).build().unwrap();
    let mut det = StreamDetector::new(cfg);
    for e in mixed_stream(EventKind::Json, Compressor::Zstd, 9, 300) {
        det.score(EventBody::Json(&e));
    }
    let bytes = det.snapshot();
    for len in (0..bytes.len()).step_by(7) {
        let err = StreamDetector::restore(&bytes[..len]).err().expect("truncated snapshot accepted");
        assert_eq!(err.kind(), ErrorKind::InvalidSnapshot);
    }
    let mut r = Rng(5);
    for _ in 0..2000 {
        let mut bad = bytes.clone();
        let i = r.below(bad.len() as u64) as usize;
        bad[i] ^= 1 << r.below(8);
        assert!(StreamDetector::restore(&bad).is_err(), "flipped bit at {i} accepted");
    }
    let err = StreamDetector::restore(b"not a snapshot at all").unwrap_err();
    assert!(err.to_string().contains("CBAD"), "{err}");
    // Random junk with a valid header and checksum must still be refused without a panic.
    for _ in 0..500 {
        let n = r.below(200) as usize;
        let mut junk: Vec<u8> = b"CBAD".to_vec();
        junk.extend_from_slice(&cbad_core::SNAPSHOT_VERSION.to_le_bytes());
        junk.extend((0..n).map(|_| r.next() as u8));
        let _ = StreamDetector::restore(&checksum::with_crc(junk));
    }
}

#[test]
fn a_snapshot_of_an_older_version_is_a_clear_error() {
    let mut det = StreamDetector::new(DetectorConfig::builder().kind(EventKind::Metric).build().unwrap());
    for i in 0..300 {
        det.score(EventBody::Number((i % 17) as f64));
    }
    let mut old = det.snapshot();
    old.truncate(old.len() - 4);
    old[4..6].copy_from_slice(&1u16.to_le_bytes());
    let err = StreamDetector::restore(&checksum::with_crc(old)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidSnapshot);
    assert!(err.to_string().contains("version 1"), "{err}");
}

#[test]
fn an_in_range_change_of_shape_in_a_noisy_series_is_flagged() {
    // A noisy sine (period 40); then 40 values that stay inside the usual range but lose the
    // oscillation (flat at the middle). Neither the values nor their differences leave the range.
    let mut r = Rng(11);
    let mut det = StreamDetector::new(DetectorConfig::builder().kind(EventKind::Metric).build().unwrap());
    let x = |i: usize, r: &mut Rng| 10.0 * (i as f64 * std::f64::consts::TAU / 40.0).sin() + 0.5 * r.gauss();
    let mut early = 0;
    for i in 0..3000 {
        early += (det.score(EventBody::Number(x(i, &mut r))).anomaly && i >= 1500) as usize;
    }
    // At most the documented 1 % (one alarm per incident only removes alarms).
    assert!(early <= 15, "{early} alarms on the normal stretch");
    let flagged = (0..40).filter(|_| det.score(EventBody::Number(0.5 * r.gauss())).anomaly).count();
    assert!(flagged >= 1, "the flat stretch was not flagged");
}

#[test]
fn sensitivity_changes_reach_a_live_detector() {
    let mut r = Rng(11);
    let lines: Vec<String> = (0..6000).map(|_| random_line(&mut r)).collect();
    let mut det = log_detector(0.0);
    let low: usize = lines[..3000].iter().filter(|l| det.score(EventBody::Text(l)).anomaly).count();
    det.set_sensitivity(1.0).unwrap();
    let high: usize = lines[3000..].iter().filter(|l| det.score(EventBody::Text(l)).anomaly).count();
    assert!(high > 5 * low.max(10), "low {low}, high {high}");
    assert!(det.set_sensitivity(-0.1).is_err());
}

#[test]
fn the_same_events_give_the_same_verdicts() {
    let events = mixed_stream(EventKind::Log, Compressor::Zstd, 21, 2000);
    let run = || {
        let mut det = StreamDetector::new(DetectorConfig::builder().build().unwrap());
        events.iter().map(|e| det.score(EventBody::Text(e))).collect::<Vec<_>>()
    };
    assert_eq!(run(), run());
}

#[test]
fn arbitrary_bodies_never_panic_and_spans_stay_inside_the_text() {
    let mut r = Rng(99);
    let pieces = ["{", "}", "[", "]", "\"", ":", ",", "\\", "1e5", "-0.5", "null", "true", "é", "\u{1F600}", " ", "a", "0x1f", "\n"];
    for kind in [EventKind::Json, EventKind::Log, EventKind::Metric] {
        let cfg = DetectorConfig::builder().kind(kind).warmup_events(5).build().unwrap();
        let mut det = StreamDetector::new(cfg);
        for _ in 0..3000 {
            let n = r.below(40) as usize;
            let s: String = (0..n).map(|_| pieces[r.below(pieces.len() as u64) as usize]).collect();
            for body in [EventBody::Json(&s), EventBody::Text(&s)] {
                let v = det.score(body);
                assert!((0.0..=1.0).contains(&v.score) && v.p_value > 0.0 && v.p_value <= 1.0, "{v:?}");
                for &(a, b) in &v.novel {
                    assert!(a < b && b as usize <= s.len(), "span {a}..{b} outside {s:?}");
                }
            }
            let x = f64::from_bits(r.next());
            det.score(EventBody::Number(x));
        }
        assert!(StreamDetector::restore(&det.snapshot()).is_ok());
    }
}

#[test]
fn a_metric_incident_raises_one_alarm_even_if_it_grows_within_two_windows() {
    // A spike, then a larger one 20 events later (inside 2 * window_events = 64 events).
    let alarms = |one_per_incident: bool| {
        let cfg = DetectorConfig::builder().kind(EventKind::Metric).one_alarm_per_incident(one_per_incident);
        let mut det = StreamDetector::new(cfg.build().unwrap());
        let mut r = Rng(5);
        for _ in 0..2000 {
            det.score(EventBody::Number(50.0 + r.gauss()));
        }
        let mut at = Vec::new();
        for i in 0..60 {
            let v = match i {
                0 => 80.0,
                20 => 120.0,
                _ => 50.0 + r.gauss(),
            };
            if det.score(EventBody::Number(v)).anomaly {
                at.push(i);
            }
        }
        at
    };
    let every = alarms(false);
    assert!(every.contains(&0) && every.contains(&20), "{every:?}");
    let once = alarms(true);
    assert!(once.len() <= 1 && once.iter().all(|i| every.contains(i)), "{once:?}");
}

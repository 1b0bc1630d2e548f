#![allow(dead_code)]
// Shared by the cbad-core fuzz targets: turn fuzz bytes into a detector and its events.
use cbad_core::{Compressor, DetectorConfig, EventBody, EventKind, StreamDetector};

/// A small, valid configuration chosen by one byte: every kind, both compressors, a few
/// sensitivities, and a short warm-up so scoring, calibration and flagging are all reached.
pub fn detector(sel: u8) -> StreamDetector {
    let kind = match sel % 5 {
        0 => EventKind::Log,
        1 => EventKind::Metric,
        2 => EventKind::Trace,
        3 => EventKind::Llm,
        _ => EventKind::Json,
    };
    let compressor = if sel & 0x08 != 0 { Compressor::Deflate } else { Compressor::Zstd };
    let sensitivity = [0.0, 0.5, 0.9, 1.0][((sel >> 4) & 3) as usize];
    let config = DetectorConfig::builder()
        .kind(kind)
        .compressor(compressor)
        .sensitivity(sensitivity)
        .baseline_bytes(2048)
        .baseline_events(if sel & 0x40 != 0 { 16 } else { 0 }.max(if kind == EventKind::Metric { 16 } else { 0 }))
        .window_bytes(512)
        .window_events(4)
        .calibration_events(16)
        .warmup_events(2)
        .incident_events(3)
        .ncd_every(if sel & 0x80 != 0 { 5 } else { 0 })
        .mask_volatile(sel & 0x20 == 0)
        .build()
        .expect("the fuzz configuration is valid");
    StreamDetector::new(config)
}

/// Events: chunks separated by 0xFF; each chunk's first byte picks Text, Json or Number.
pub fn events(data: &[u8]) -> impl Iterator<Item = (u8, &[u8])> {
    data.split(|&b| b == 0xFF).filter(|c| !c.is_empty()).map(|c| (c[0], &c[1..]))
}

/// Scores one chunk and checks the verdict against the documented contract.
pub fn score(det: &mut StreamDetector, tag: u8, bytes: &[u8]) -> cbad_core::Verdict {
    let text = String::from_utf8_lossy(bytes);
    let (v, len) = match tag % 3 {
        0 => (det.score(EventBody::Text(&text)), text.len()),
        1 => (det.score(EventBody::Json(&text)), text.len()),
        _ => {
            let mut b = [0u8; 8];
            let n = bytes.len().min(8);
            b[..n].copy_from_slice(&bytes[..n]);
            // Raw bits: NaN, infinities, subnormals and huge values all reach the detector.
            let n = if tag & 0x80 != 0 { f64::from_le_bytes(b) } else { text.trim().parse().unwrap_or(0.0) };
            (det.score(EventBody::Number(n)), 0)
        }
    };
    check(&v, len);
    v
}

/// What cbad-core's `Verdict` documents, whatever came in: score in [0, 1], p-value in (0, 1],
/// severity exactly on anomalies, no anomaly while warming up, novel spans inside the body text.
pub fn check(v: &cbad_core::Verdict, text_len: usize) {
    assert!((0.0..=1.0).contains(&v.score), "score {} is outside [0, 1]: {v:?}", v.score);
    assert!(v.p_value > 0.0 && v.p_value <= 1.0, "p_value {} is outside (0, 1]: {v:?}", v.p_value);
    assert_eq!(v.anomaly, v.severity.is_some(), "severity must be set exactly on anomalies: {v:?}");
    assert!(!(v.anomaly && v.warming_up), "an anomaly while warming up: {v:?}");
    for &(start, end) in &v.novel {
        assert!(start < end && end as usize <= text_len, "novel span {start}..{end} outside a {text_len}-byte body: {v:?}");
    }
}

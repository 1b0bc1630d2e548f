//! Inputs the fuzz targets (cbad-core/fuzz) found, kept as tests forever.

use cbad_core::{Compressor, DetectorConfig, EventBody, EventKind, StreamDetector};

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    for &b in data {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
        }
    }
    !c
}

/// Found by the `restore` target (fuzz/regressions/restore/): a snapshot whose checksum is
/// right but whose baseline event offsets are not (one offset raised past the next ones)
/// restored, and the first events scored after it left a state whose own snapshot was refused
/// ("baseline event count is 16, need at most 2"): the stream would lose its detector at the
/// next restore. Every single-byte change of a real snapshot, checksum fixed up, must either be
/// refused or restore to a detector that can be snapshotted and restored again.
#[test]
fn a_snapshot_with_a_valid_checksum_but_inconsistent_offsets_is_refused_not_carried_forward() {
    let config = DetectorConfig::builder()
        .kind(EventKind::Metric)
        .compressor(Compressor::Deflate)
        .baseline_bytes(1024)
        .baseline_events(16)
        .window_bytes(512)
        .window_events(4)
        .calibration_events(16)
        .warmup_events(2)
        .incident_events(3)
        .build()
        .unwrap();
    let mut det = StreamDetector::new(config);
    for i in 0..12u32 {
        det.score(EventBody::Number(f64::from(i) * 1.5));
    }
    let snap = det.snapshot();
    let body = &snap[..snap.len() - 4];
    let mut carried = Vec::new();
    for i in 0..body.len() {
        let mut edited = body.to_vec();
        edited[i] ^= 0xFF;
        let crc = crc32(&edited);
        edited.extend_from_slice(&crc.to_le_bytes());
        if let Ok(mut d) = StreamDetector::restore(&edited) {
            d.score(EventBody::Number(42.0));
            d.score(EventBody::Text("FATAL kernel panic"));
            if let Err(e) = StreamDetector::restore(&d.snapshot()) {
                carried.push(format!("byte {i}: {e}"));
            }
        }
    }
    assert!(carried.is_empty(), "corrupt snapshots restored into detectors whose snapshots are refused:\n{}", carried.join("\n"));
}

//! Inputs the fuzz targets (cbad-core/fuzz) found, kept as tests forever.

use cbad_core::{Compressor, DetectorConfig, DetectorConfigBuilder, EventBody, EventKind, StreamDetector};

#[path = "support/checksum.rs"]
mod checksum;

/// The small sizes the fuzz targets use (cbad-core/fuzz/fuzz_targets/common.rs), so a found
/// input replays against the same detector shape.
fn tiny(kind: EventKind, compressor: Compressor) -> DetectorConfigBuilder {
    DetectorConfig::builder()
        .kind(kind)
        .compressor(compressor)
        .baseline_bytes(2048)
        .baseline_events(16)
        .window_bytes(512)
        .window_events(4)
        .calibration_events(16)
        .warmup_events(2)
        .incident_events(3)
}

fn u64_at(b: &[u8], i: usize) -> Option<u64> {
    b.get(i..i + 8).map(|s| u64::from_le_bytes(s.try_into().unwrap()))
}

/// Found by the `restore` target (cbad-core/fuzz/regressions/restore/): a snapshot with a right
/// checksum but one baseline event offset moved past the end of the baseline restored, and the
/// next events scored left a state whose own snapshot was refused ("baseline event count is 16,
/// need at most 2"): the stream would lose its detector at the following restore. Such a
/// snapshot must be refused, or at least never carried forward into an unrestorable state.
#[test]
fn a_snapshot_with_a_valid_checksum_but_an_offset_past_the_baseline_is_not_carried_forward() {
    let config = tiny(EventKind::Metric, Compressor::Deflate).ncd_every(5).build().unwrap();
    let mut det = StreamDetector::new(config);
    for i in 0..12u32 {
        det.score(EventBody::Text(&format!("INFO user={} path=/cart status=200 ms={}", i % 3, i * 7)));
        det.score(EventBody::Number(f64::from(i) * 1.5));
    }
    let snap = det.snapshot();
    let body = &snap[..snap.len() - 4];
    // The baseline's event offsets: a u32 count n, then n ascending u64 offsets.
    let lists: Vec<(usize, Vec<u64>)> = (0..body.len().saturating_sub(4))
        .filter_map(|i| {
            let n = u32::from_le_bytes(body[i..i + 4].try_into().unwrap()) as usize;
            let v: Vec<u64> = (0..n).map(|k| u64_at(body, i + 4 + 8 * k)).collect::<Option<_>>()?;
            (n == 16 && v.windows(2).all(|w| w[0] < w[1]) && v[n - 1] < 1 << 20).then_some((i, v))
        })
        .collect();
    assert_eq!(lists.len(), 1, "the snapshot layout changed: update how this test finds the offsets");
    let (at, offsets) = &lists[0];
    let mut edited = body.to_vec();
    let k = at + 4 + 8 * 3;
    edited[k..k + 8].copy_from_slice(&(offsets[15] + 100).to_le_bytes());
    let edited = checksum::with_crc(edited);
    if let Ok(mut restored) = StreamDetector::restore(&edited) {
        for line in ["INFO request served in 3 ms", "{\"a\": 1}", "FATAL kernel panic"] {
            restored.score(EventBody::Text(line));
        }
        restored.score(EventBody::Number(42.0));
        let again = StreamDetector::restore(&restored.snapshot());
        assert!(again.is_ok(), "a corrupt snapshot was carried forward into one that is refused: {:?}", again.err());
    }
}

/// Found by the `detect` target (cbad-core/fuzz/regressions/detect/) against a work-in-progress
/// calibration change: a Trace stream at sensitivity 1.0, snapshotted after three events during
/// warm-up, restored and fed the same next events, answered p-value 1/3 where the original
/// answered 1/4. Snapshots must carry everything the next verdicts depend on.
#[test]
fn a_detector_restored_during_warm_up_continues_with_identical_verdicts() {
    let config = tiny(EventKind::Trace, Compressor::Zstd).sensitivity(1.0).ncd_every(0).mask_volatile(false).build().unwrap();
    let json = String::from_utf8_lossy(&[4, 4, 4, 0xBA]).into_owned();
    let mut det = StreamDetector::new(config);
    det.score(EventBody::Number(0.0));
    det.score(EventBody::Json(&json));
    det.score(EventBody::Number(0.0));
    let mut again = StreamDetector::restore(&det.snapshot()).unwrap();
    for _ in 0..3 {
        assert_eq!(det.score(EventBody::Number(0.0)), again.score(EventBody::Number(0.0)));
    }
}

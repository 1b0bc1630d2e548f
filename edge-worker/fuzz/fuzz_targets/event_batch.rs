//! `domain::batch::EventBatch::parse` on arbitrary bytes: no panic, the same answer as the
//! field-by-field reading alone (its fast path never disagrees), and what it accepts keeps the
//! documented limits (1..=1000 events, bodies and metadata within their byte limits).
#![no_main]
use edge_worker_fuzz::domain::batch::*;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let parsed = EventBatch::parse(data);
    assert_eq!(parsed, EventBatch::parse_field_by_field(data), "the fast path and the field-by-field reading disagree");
    if let Ok(batch) = parsed {
        assert!((1..=MAX_EVENTS_PER_BATCH).contains(&batch.events.len()));
        for e in &batch.events {
            assert!(e.body.as_bytes().len() <= MAX_EVENT_BODY_BYTES, "a body over the limit was accepted");
            if let Some(m) = &e.metadata {
                assert!(serde_json::to_string(m).unwrap().len() <= MAX_METADATA_BYTES + 64);
            }
            if let Some(ts) = e.ts {
                let _ = ts.to_rfc3339();
            }
        }
    }
});

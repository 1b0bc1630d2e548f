//! `StreamDetector::restore` on arbitrary bytes never panics. Random bytes rarely pass the magic,
//! version and CRC, so two more shapes reach the decoder itself: bytes after a valid header with
//! the CRC fixed up, and a real snapshot with fuzz-chosen bytes overwritten (CRC fixed up).
//! Whatever restores must then score and snapshot again without panicking.
#![no_main]
use cbad_core::{EventBody, StreamDetector};
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;
#[path = "../../tests/support/checksum.rs"]
mod checksum;
use checksum::with_crc;

fn exercise(bytes: &[u8]) {
    if let Ok(mut det) = StreamDetector::restore(bytes) {
        for line in ["INFO request served in 3 ms", "{\"a\": 1}", "FATAL kernel panic"] {
            let v = det.score(EventBody::Text(line));
            common::check(&v, line.len());
        }
        det.score(EventBody::Number(42.0));
        let again = det.snapshot();
        StreamDetector::restore(&again).expect("a snapshot of a restored detector restores");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        // Raw bytes, exactly as given.
        0 => exercise(rest),
        // A valid magic + version, fuzz bytes as the body, a correct CRC.
        1 => {
            let mut body = b"CBAD".to_vec();
            body.extend_from_slice(&cbad_core::SNAPSHOT_VERSION.to_le_bytes());
            body.extend_from_slice(rest);
            exercise(&with_crc(body));
        }
        // A real snapshot (detector chosen by the next byte, a few events), then (position,
        // value) pairs overwrite bytes, and an optional truncation; CRC fixed up.
        _ => {
            let Some((&sel, edits)) = rest.split_first() else { return };
            let mut det = common::detector(sel);
            for i in 0..12u32 {
                det.score(EventBody::Text(&format!("INFO user={} path=/cart status=200 ms={}", i % 3, i * 7)));
                det.score(EventBody::Number(f64::from(i) * 1.5));
            }
            let snap = det.snapshot();
            let mut body = snap[..snap.len() - 4].to_vec();
            for e in edits.chunks_exact(3) {
                let pos = u16::from_le_bytes([e[0], e[1]]) as usize;
                if pos == 0xFFFF {
                    body.truncate(e[2] as usize * body.len() / 255);
                } else if !body.is_empty() {
                    let i = pos % body.len();
                    body[i] = e[2];
                }
            }
            exercise(&with_crc(body));
        }
    }
});

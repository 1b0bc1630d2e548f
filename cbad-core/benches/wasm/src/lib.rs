//! Exports for Node: `probe_hash()` (determinism) and `buf_alloc` / `bench_setup` / `bench_run`
//! (throughput). Events are passed as newline-separated text in a buffer Node fills.

#[path = "../../corpus.rs"]
mod corpus;

use cbad_core::{Compressor, DetectorConfig, EventBody, EventKind, StreamDetector};
use std::cell::RefCell;

struct Bench {
    det: StreamDetector,
    kind: u32,
}

thread_local! {
    static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static BENCH: RefCell<Option<Bench>> = const { RefCell::new(None) };
}

/// Hash of every verdict and snapshot of the shared scenario (compare with the native hash).
#[no_mangle]
pub extern "C" fn probe_hash() -> u64 {
    corpus::scenario_hash()
}

/// Makes the input buffer `len` bytes long and returns its address for Node to fill.
#[no_mangle]
pub extern "C" fn buf_alloc(len: u32) -> *mut u8 {
    BUF.with(|b| {
        let mut b = b.borrow_mut();
        b.clear();
        b.resize(len as usize, 0);
        b.as_mut_ptr()
    })
}

/// Fills the buffer with a generated workload (1: JSON metric events, 2: numbers, as text).
#[no_mangle]
pub extern "C" fn fill_generated(kind: u32) -> u32 {
    let lines: Vec<String> = if kind == 1 {
        corpus::json_metrics(4000, 2)
    } else {
        corpus::numbers(4000, 3).iter().map(|x| format!("{x:?}")).collect()
    };
    BUF.with(|b| {
        let mut b = b.borrow_mut();
        b.clear();
        for l in &lines {
            b.extend_from_slice(l.as_bytes());
            b.push(b'\n');
        }
        b.len() as u32
    })
}

fn each_event(kind: u32, det: &mut StreamDetector) -> u32 {
    BUF.with(|b| {
        let b = b.borrow();
        let text = std::str::from_utf8(&b).unwrap_or("");
        let mut flagged = 0;
        for line in text.lines() {
            let body = match kind {
                0 => EventBody::Text(line),
                1 => EventBody::Json(line),
                _ => EventBody::Number(line.parse().unwrap_or(0.0)),
            };
            flagged += det.score(body).anomaly as u32;
        }
        flagged
    })
}

/// Builds a detector (kind 0 log, 1 JSON, 2 numbers; compressor 0 zstd, 1 deflate) and warms it
/// up with one pass over the buffer. Returns the events in the buffer.
#[no_mangle]
pub extern "C" fn bench_setup(kind: u32, compressor: u32, ncd_every: u32) -> u32 {
    let k = match kind {
        0 => EventKind::Log,
        1 => EventKind::Json,
        _ => EventKind::Metric,
    };
    let c = if compressor == 1 { Compressor::Deflate } else { Compressor::Zstd };
    let cfg = DetectorConfig::builder().kind(k).compressor(c).ncd_every(ncd_every).build().unwrap();
    let mut det = StreamDetector::new(cfg);
    each_event(kind, &mut det);
    let n = BUF.with(|b| b.borrow().split(|&c| c == b'\n').filter(|l| !l.is_empty()).count() as u32);
    BENCH.with(|s| *s.borrow_mut() = Some(Bench { det, kind }));
    n
}

/// Scores the buffer's events `rounds` times; returns how many were flagged.
#[no_mangle]
pub extern "C" fn bench_run(rounds: u32) -> u32 {
    BENCH.with(|s| {
        let mut s = s.borrow_mut();
        let Some(b) = s.as_mut() else { return 0 };
        (0..rounds).map(|_| each_event(b.kind, &mut b.det)).sum()
    })
}

/// Heap bytes of the benchmark's detector, and its snapshot size (low/high 32 bits).
#[no_mangle]
pub extern "C" fn bench_memory() -> u64 {
    BENCH.with(|s| {
        s.borrow().as_ref().map_or(0, |b| (b.det.memory_bytes() as u64) | ((b.det.snapshot().len() as u64) << 32))
    })
}

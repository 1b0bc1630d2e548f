//! Native throughput of the detector, events per second on one core, with a 32 KiB baseline.
//! `cargo bench -p cbad-core --bench core -- [BGL_2k.log]` (scripts/bench-core runs it).
//! Not a timed test: it prints figures for the performance log.

#[path = "corpus.rs"]
#[allow(dead_code)]
mod corpus;

use cbad_core::{Compressor, DetectorConfig, EventBody, EventKind, StreamDetector};
use std::time::Instant;

/// Nanoseconds this thread has spent on a CPU (Linux schedstat), if available: on a shared
/// machine, events per CPU-second is the honest "per core" figure; wall time is printed too.
fn cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split_whitespace().next()?.parse().ok()
}

fn measure(name: &str, kind: EventKind, compressor: Compressor, ncd_every: u32, bodies: &[EventBody<'_>]) {
    if let Ok(only) = std::env::var("BENCH_ONLY") {
        if !format!("{name} {compressor:?}").contains(&only) {
            return;
        }
    }
    let cfg = DetectorConfig::builder().kind(kind).compressor(compressor).ncd_every(ncd_every).build().unwrap();
    let mut det = StreamDetector::new(cfg);
    // Warm up: fill the baseline (32 KiB for text) before timing.
    for b in bodies {
        det.score(*b);
    }
    let mut flagged = 0usize;
    let mut n = 0usize;
    let start = Instant::now();
    let cpu0 = cpu_ns();
    // BENCH_ROUNDS=k runs exactly k passes (for instruction counts with `perf stat`).
    let rounds: Option<usize> = std::env::var("BENCH_ROUNDS").ok().and_then(|r| r.parse().ok());
    while rounds.map_or(start.elapsed().as_secs_f64() < 1.5, |r| n < r * bodies.len()) {
        for b in bodies {
            flagged += det.score(*b).anomaly as usize;
        }
        n += bodies.len();
    }
    let wall = start.elapsed().as_secs_f64();
    let secs = match (cpu0, cpu_ns()) {
        (Some(a), Some(b)) if b > a => (b - a) as f64 / 1e9,
        _ => wall,
    };
    if ncd_every > 0 {
        let t = Instant::now();
        let c0 = cpu_ns();
        let mut k = 0;
        while t.elapsed().as_secs_f64() < 0.5 {
            det.window_ncd();
            k += 1;
        }
        let ms = match (c0, cpu_ns()) {
            (Some(a), Some(b)) if b > a => (b - a) as f64 / 1e6,
            _ => t.elapsed().as_secs_f64() * 1e3,
        };
        println!("native  {name:<34} {compressor:<7?} one NCD refresh (3 compressions of baseline + window): {:.2} ms CPU", ms / k as f64);
    }
    println!(
        "native  {name:<34} {compressor:<7?} ncd_every={ncd_every:<5} {:>10.0} events/CPU-s {:>6.2} us/event  (wall {:>8.0}/s)  baseline={} B  memory={} B  snapshot={} B  flagged={:.2}%",
        n as f64 / secs,
        secs * 1e6 / n as f64,
        n as f64 / wall,
        det.config().baseline_bytes(),
        det.memory_bytes(),
        det.snapshot().len(),
        100.0 * flagged as f64 / n as f64
    );
}

fn main() {
    let path = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_else(|| "../shared/data/logs/BGL_2k.log".into());
    let bgl = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
    let lines: Vec<&str> = bgl.lines().map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest)).collect();
    let json = corpus::json_metrics(4000, 2);
    let nums = corpus::numbers(4000, 3);
    let logs: Vec<EventBody> = lines.iter().map(|l| EventBody::Text(l)).collect();
    let jsons: Vec<EventBody> = json.iter().map(|j| EventBody::Json(j)).collect();
    let numbers: Vec<EventBody> = nums.iter().map(|&x| EventBody::Number(x)).collect();
    for c in [Compressor::Zstd, Compressor::Deflate] {
        measure("BGL_2k log lines", EventKind::Log, c, 8192, &logs);
    }
    measure("BGL_2k log lines (no NCD)", EventKind::Log, Compressor::Zstd, 0, &logs);
    measure("JSON metric events", EventKind::Json, Compressor::Zstd, 8192, &jsons);
    measure("numbers", EventKind::Metric, Compressor::Zstd, 8192, &numbers);
}

//! Workloads shared by the native benchmark, the wasm probe and the determinism test.
//! Deterministic: integer RNG, IEEE arithmetic only (no platform math).

use cbad_core::{Compressor, DetectorConfig, EventBody, EventKind, StreamDetector, Verdict};

/// xorshift64*.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Roughly normal (sum of 4 uniforms, centred), without platform math.
    pub fn noise(&mut self) -> f64 {
        (0..4).map(|_| (self.next() >> 11) as f64 / (1u64 << 53) as f64).sum::<f64>() - 2.0
    }
}

/// JSON metric events like a service would send.
pub fn json_metrics(n: usize, seed: u64) -> Vec<String> {
    let mut r = Rng(seed);
    (0..n)
        .map(|i| {
            format!(
                r#"{{"host":"web-{}","region":"eu-west-1","cpu":{:.2},"mem_mb":{},"latency_ms":{:.1},"status":{}}}"#,
                i % 8,
                40.0 + 10.0 * r.noise(),
                2048 + (r.next() % 64),
                12.0 + 3.0 * r.noise(),
                if r.next() % 500 == 0 { 503 } else { 200 }
            )
        })
        .collect()
}

/// A seasonal numeric series with noise and rare spikes.
pub fn numbers(n: usize, seed: u64) -> Vec<f64> {
    let mut r = Rng(seed);
    (0..n)
        .map(|i| {
            let phase = (i % 288) as f64 / 288.0;
            let tri = if phase < 0.5 { phase } else { 1.0 - phase };
            100.0 + 80.0 * tri + 3.0 * r.noise() + if r.next() % 997 == 0 { 60.0 } else { 0.0 }
        })
        .collect()
}

/// Log-ish lines with volatile tokens and rare errors.
pub fn log_lines(n: usize, seed: u64) -> Vec<String> {
    const W: &[&str] = &["cache", "parity", "corrected", "request", "served", "login", "session", "flush", "disk", "queue"];
    let mut r = Rng(seed);
    (0..n)
        .map(|i| {
            let lvl = if r.next() % 300 == 0 { "ERROR" } else { "INFO" };
            let a = W[(r.next() % W.len() as u64) as usize];
            let b = W[(r.next() % W.len() as u64) as usize];
            format!("2024-03-0{} 10:{:02}:{:02} node-{} {lvl} {a} {b} id={:x} took {} ms", 1 + i % 7, i % 60, (i * 7) % 60, i % 31, r.next() >> 40, r.next() % 1000)
        })
        .collect()
}

fn fnv(h: &mut u64, bytes: &[u8]) {
    for &b in bytes {
        *h ^= b as u64;
        *h = h.wrapping_mul(0x100_0000_01b3);
    }
}

/// Folds everything a verdict says into a hash.
pub fn hash_verdict(h: &mut u64, v: &Verdict) {
    let m = &v.metrics;
    for x in [v.index, v.score.to_bits(), v.p_value.to_bits(), v.anomaly as u64, v.warming_up as u64,
              v.severity.map_or(9, |s| s as u64), m.conditional_bits_per_byte.to_bits(), m.compression_ratio.to_bits(),
              m.entropy.to_bits(), m.ncd.map_or(1, f64::to_bits), m.drift as u64, m.novel_fraction.to_bits(),
              m.raw_score.to_bits(), m.baseline_bytes as u64] {
        fnv(h, &x.to_le_bytes());
    }
    for &(s, e) in &v.novel {
        fnv(h, &s.to_le_bytes());
        fnv(h, &e.to_le_bytes());
    }
    fnv(h, v.explanation.as_bytes());
}

/// Runs every kind and both compressors over fixed workloads, with a snapshot/restore midway,
/// and hashes all verdicts and the final snapshots.
pub fn scenario_hash() -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let logs = log_lines(1500, 1);
    let json = json_metrics(800, 2);
    let nums = numbers(1500, 3);
    for compressor in [Compressor::Zstd, Compressor::Deflate] {
        for kind in [EventKind::Log, EventKind::Json, EventKind::Metric] {
            let cfg = DetectorConfig::builder().kind(kind).compressor(compressor).warmup_events(100).ncd_every(250).build().unwrap();
            let mut det = StreamDetector::new(cfg);
            let n = match kind {
                EventKind::Log => logs.len(),
                EventKind::Json => json.len(),
                _ => nums.len(),
            };
            for i in 0..n {
                if i == n / 2 {
                    det = StreamDetector::restore(&det.snapshot()).unwrap();
                }
                let body = match kind {
                    EventKind::Log => EventBody::Text(&logs[i]),
                    EventKind::Json => EventBody::Json(&json[i]),
                    _ => EventBody::Number(nums[i]),
                };
                hash_verdict(&mut h, &det.score(body));
            }
            fnv(&mut h, &det.snapshot());
        }
    }
    h
}

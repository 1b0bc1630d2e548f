//! Versioned, bounded, checksummed snapshots of a detector's full state.
//!
//! Layout (little-endian): `"CBAD"`, version `u16`, the configuration, the counters, the
//! baseline's bytes (hash chains are rebuilt on restore), literal prices, calibration scores
//! (compression cost, then k-NN distance and its calibrated score; version 2 added these),
//! number bins, the recent window, and a CRC-32 of everything before it.

use crate::calibration::Calibration;
use crate::config::{Compressor, DetectorConfig, EventKind};
use crate::detector::{quantizer_cap, StreamDetector, MAX_PATHS, SHINGLE};
use crate::error::Error;
use crate::matcher::History;
use crate::quantize::Quantizer;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::vec::Vec;

const MAGIC: &[u8; 4] = b"CBAD";
/// Current snapshot format version.
pub const SNAPSHOT_VERSION: u16 = 2;

/// CRC-32 (IEEE) tables for slicing by eight: `t[0]` is the classic byte table, `t[k][b]` the
/// CRC of byte `b` followed by `k` zero bytes. A snapshot (~60 KB) is checksummed after every
/// batch the Worker scores; eight bytes per step cost less than eight single-byte steps.
const fn crc_tables() -> [[u32; 256]; 8] {
    let mut t = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut c = i as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            k += 1;
        }
        t[0][i] = c;
        i += 1;
    }
    let mut i = 0;
    while i < 256 {
        let mut k = 1;
        while k < 8 {
            let prev = t[k - 1][i];
            t[k][i] = t[0][(prev & 0xff) as usize] ^ (prev >> 8);
            k += 1;
        }
        i += 1;
    }
    t
}
static CRC: [[u32; 256]; 8] = crc_tables();

fn crc32(data: &[u8]) -> u32 {
    let mut c = !0u32;
    let mut chunks = data.chunks_exact(8);
    for b in &mut chunks {
        let lo = c ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        c = CRC[7][(lo & 0xff) as usize]
            ^ CRC[6][((lo >> 8) & 0xff) as usize]
            ^ CRC[5][((lo >> 16) & 0xff) as usize]
            ^ CRC[4][(lo >> 24) as usize]
            ^ CRC[3][b[4] as usize]
            ^ CRC[2][b[5] as usize]
            ^ CRC[1][b[6] as usize]
            ^ CRC[0][b[7] as usize];
    }
    for &b in chunks.remainder() {
        c = CRC[0][((c ^ b as u32) & 0xff) as usize] ^ (c >> 8);
    }
    !c
}

struct W(Vec<u8>);
impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.u64(v.to_bits());
    }
    fn opt_f64(&mut self, v: Option<f64>) {
        self.u8(v.is_some() as u8);
        self.f64(v.unwrap_or(0.0));
    }
}

struct R<'a> {
    b: &'a [u8],
    i: usize,
}
impl<'a> R<'a> {
    #[cold]
    fn short(&self, n: usize) -> Error {
        Error::snapshot(format!("truncated at byte {}: need {} more bytes, have {}", self.i, n, self.b.len() - self.i))
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if self.b.len() - self.i < n {
            return Err(self.short(n));
        }
        let s = &self.b[self.i..self.i + n];
        self.i += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, Error> {
        let s = self.take(2)?;
        Ok(u16::from_le_bytes([s[0], s[1]]))
    }
    fn u32(&mut self) -> Result<u32, Error> {
        let s = self.take(4)?;
        Ok(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    }
    fn u64(&mut self) -> Result<u64, Error> {
        let s = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(s);
        Ok(u64::from_le_bytes(a))
    }
    fn f64(&mut self) -> Result<f64, Error> {
        Ok(f64::from_bits(self.u64()?))
    }
    fn opt_f64(&mut self) -> Result<Option<f64>, Error> {
        let flag = self.bool("option flag")?;
        let v = self.f64()?;
        Ok(flag.then_some(v))
    }
    fn bool(&mut self, what: &str) -> Result<bool, Error> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(Error::snapshot(format!("{what} is {v}, need 0 or 1"))),
        }
    }
    /// A count that must not exceed `max`.
    fn count(&mut self, what: &str, max: usize) -> Result<usize, Error> {
        let n = self.u32()? as usize;
        if n > max {
            return Err(Error::snapshot(format!("{what} is {n}, need at most {max}")));
        }
        Ok(n)
    }
}

fn kind_code(k: EventKind) -> u8 {
    match k {
        EventKind::Log => 0,
        EventKind::Metric => 1,
        EventKind::Trace => 2,
        EventKind::Llm => 3,
        EventKind::Json => 4,
    }
}

impl StreamDetector {
    /// The detector's full state as versioned, checksummed bytes (about the baseline's size plus
    /// 8 bytes per calibration score: ~59 KB for a log stream with a 32 KiB baseline).
    pub fn snapshot(&self) -> Vec<u8> {
        write(self)
    }

    /// Rebuilds a detector from [`StreamDetector::snapshot`] bytes. Continuing gives
    /// bit-identical verdicts. Truncated, corrupt or foreign bytes are an error, never a panic.
    pub fn restore(bytes: &[u8]) -> Result<StreamDetector, Error> {
        read(bytes)
    }
}

fn write(d: &StreamDetector) -> Vec<u8> {
    let c = &d.config;
    let mut w = W(Vec::with_capacity(d.history.len() + d.calibration.len() * 8 + 4096));
    w.0.extend_from_slice(MAGIC);
    w.0.extend_from_slice(&SNAPSHOT_VERSION.to_le_bytes());
    w.u8(kind_code(c.kind));
    w.u8(matches!(c.compressor, Compressor::Deflate) as u8);
    w.f64(c.sensitivity.value());
    for v in [
        c.baseline_bytes,
        c.baseline_events,
        c.window_bytes,
        c.window_events,
        c.calibration_events,
        c.warmup_events,
        c.incident_events,
        c.ncd_every,
    ] {
        w.u32(v);
    }
    w.u8(c.mask_volatile as u8);
    w.u8(c.one_alarm_per_incident as u8);

    w.u64(d.index);
    w.u32(d.held_run);
    w.opt_f64(d.last_value);
    w.u32(d.since_refresh);
    w.u32(d.since_ncd);

    w.u32(d.since_flag);
    w.u32(d.incident_appends);
    w.f64(d.last_flag_score);
    w.u64(d.incident_start);
    write_history(&mut w, &d.history);
    write_history(&mut w, &d.incident);
    w.u32(d.starts.len() as u32);
    for &s in &d.starts {
        w.u64(s);
    }
    w.u32(d.calibration.len() as u32);
    for s in d.calibration.scores() {
        w.f64(s);
    }
    for cal in [&d.knn_cal, &d.knn_cal2] {
        w.u32(cal.len() as u32);
        for s in cal.scores() {
            w.f64(s);
        }
    }
    w.u32(d.quant.len() as u32);
    for (key, q) in &d.quant {
        w.u64(*key);
        w.u32(q.since_refresh);
        w.u32(q.values.len() as u32);
        for &v in &q.values {
            w.f64(v);
        }
        w.u32(q.edges.len() as u32);
        for &e in &q.edges {
            w.f64(e);
        }
        w.f64(q.min);
        w.f64(q.max);
    }
    w.u32(d.recent.len() as u32);
    w.0.extend(d.recent.iter().copied());
    w.u32(d.window_flags.len() as u32);
    w.0.extend(d.window_flags.iter().map(|&b| b as u8));
    w.u32(d.window_lens.len() as u32);
    for &l in &d.window_lens {
        w.u32(l);
    }
    w.u32(d.window_bytes.len() as u32);
    w.0.extend(d.window_bytes.iter().copied());
    let crc = crc32(&w.0);
    w.u32(crc);
    w.0
}

fn write_history(w: &mut W, h: &History) {
    let mut bytes = Vec::new();
    h.copy_to(&mut bytes);
    w.u64(h.pos());
    w.u64(h.lo_eff());
    w.u32(bytes.len() as u32);
    w.0.extend_from_slice(&bytes);
    for &b in h.lit_bits() {
        w.f64(b);
    }
}

fn read_history(r: &mut R<'_>, compressor: Compressor, limit: u32) -> Result<History, Error> {
    let pos = r.u64()?;
    let lo = r.u64()?;
    let len = r.count("baseline length", limit as usize)?;
    if lo > pos || pos - lo != len as u64 {
        return Err(Error::snapshot(format!("baseline spans {lo}..{pos} but holds {len} bytes")));
    }
    let bytes = r.take(len)?;
    let mut lit = [0f64; 256];
    for b in lit.iter_mut() {
        *b = r.f64()?;
    }
    let mut h = History::rebuild(compressor, limit, bytes, pos, lo);
    h.set_lit_bits(lit);
    Ok(h)
}

fn read(bytes: &[u8]) -> Result<StreamDetector, Error> {
    if bytes.len() < 10 {
        return Err(Error::snapshot(format!("{} bytes, need at least 10", bytes.len())));
    }
    let (body, tail) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    if &body[..4] != MAGIC {
        return Err(Error::snapshot(format!("starts with {:?}, need \"CBAD\"", &body[..4])));
    }
    let mut r = R { b: body, i: 4 };
    let version = r.u16()?;
    if version != SNAPSHOT_VERSION {
        return Err(Error::snapshot(format!("version {version}, this build reads version {SNAPSHOT_VERSION}")));
    }
    let actual = crc32(body);
    if actual != stored {
        return Err(Error::snapshot(format!("checksum {actual:08x} does not match stored {stored:08x}: corrupt")));
    }
    let kind = match r.u8()? {
        0 => EventKind::Log,
        1 => EventKind::Metric,
        2 => EventKind::Trace,
        3 => EventKind::Llm,
        4 => EventKind::Json,
        v => return Err(Error::snapshot(format!("event kind code {v}, need 0..=4"))),
    };
    let compressor = if r.bool("compressor code")? { Compressor::Deflate } else { Compressor::Zstd };
    let sensitivity = r.f64()?;
    let mut n = [0u32; 8];
    for v in n.iter_mut() {
        *v = r.u32()?;
    }
    let mask = r.bool("mask flag")?;
    let once = r.bool("one-alarm flag")?;
    let config = DetectorConfig::builder()
        .kind(kind)
        .compressor(compressor)
        .sensitivity(sensitivity)
        .baseline_bytes(n[0])
        .baseline_events(n[1])
        .window_bytes(n[2])
        .window_events(n[3])
        .calibration_events(n[4])
        .warmup_events(n[5])
        .incident_events(n[6])
        .ncd_every(n[7])
        .mask_volatile(mask)
        .one_alarm_per_incident(once);
    // baseline_events 0 means "no limit" but the builder refuses 0: map it back.
    let built = if n[1] == 0 {
        config.baseline_events(16).build().map(|mut c| {
            c.baseline_events = 0;
            c
        })
    } else {
        config.build()
    };
    let config = built.map_err(|e| Error::snapshot(format!("stored configuration: {}", e.message())))?;

    let mut d = StreamDetector::new(config);
    d.index = r.u64()?;
    d.held_run = r.u32()?;
    d.last_value = r.opt_f64()?;
    d.since_refresh = r.u32()?;
    d.since_ncd = r.u32()?;

    d.since_flag = r.u32()?;
    d.incident_appends = r.u32()?;
    d.last_flag_score = r.f64()?;
    d.incident_start = r.u64()?;
    if d.incident_start > d.index {
        return Err(Error::snapshot(format!("incident starts at event {} after event {}", d.incident_start, d.index)));
    }
    d.history = read_history(&mut r, d.config.compressor, d.config.baseline_bytes)?;
    d.incident = read_history(&mut r, d.config.compressor, crate::detector::INCIDENT_BYTES)?;
    let n_starts = r.count("baseline event count", d.history.len().max(1))?;
    d.starts = (0..n_starts).map(|_| r.u64()).collect::<Result<VecDeque<_>, _>>()?;
    // Event offsets ascend inside the baseline; otherwise the next events scored leave a state
    // whose own snapshot is refused (found by fuzzing: cbad-core/tests/fuzz_regressions.rs).
    let (lo, pos) = (d.history.lo_eff(), d.history.pos());
    if d.starts.iter().any(|&s| s < lo || s > pos) || d.starts.iter().zip(d.starts.iter().skip(1)).any(|(a, b)| a > b) {
        return Err(Error::snapshot(format!("baseline event offsets do not ascend within the baseline's {lo}..={pos}")));
    }
    let n_cal = r.count("calibration size", d.config.calibration_events as usize)?;
    let mut cal = Calibration::new(d.config.calibration_events as usize);
    for _ in 0..n_cal {
        cal.push(r.f64()?);
    }
    d.calibration = cal;
    for stage in 0..2 {
        let n_knn = r.count("k-NN calibration size", d.config.calibration_events as usize)?;
        let mut cal = Calibration::lazy(d.config.calibration_events as usize);
        for _ in 0..n_knn {
            cal.push(r.f64()?);
        }
        if stage == 0 {
            d.knn_cal = cal;
        } else {
            d.knn_cal2 = cal;
        }
    }
    let n_q = r.count("number-bin count", MAX_PATHS + 2)?;
    for _ in 0..n_q {
        let key = r.u64()?;
        let cap = quantizer_cap(&d.config, key);
        let mut q = Quantizer::new(cap, d.config.window_events);
        q.since_refresh = r.u32()?;
        let nv = r.count("number-bin values", cap)?;
        for _ in 0..nv {
            q.values.push_back(r.f64()?);
        }
        let ne = r.count("number-bin edges", 64)?;
        for _ in 0..ne {
            q.edges.push(r.f64()?);
        }
        q.min = r.f64()?;
        q.max = r.f64()?;
        d.quant.push((key, q));
    }
    let nr = r.count("recent symbols", SHINGLE)?;
    d.recent = r.take(nr)?.iter().copied().collect();
    let wf = r.count("window flags", d.config.window_events as usize)?;
    d.window_flags = r.take(wf)?.iter().map(|&b| b != 0).collect();
    d.window_above = d.window_flags.iter().filter(|&&b| b).count() as u32;
    let wl = r.count("window events", d.config.window_events as usize + 1)?;
    d.window_lens = (0..wl).map(|_| r.u32()).collect::<Result<VecDeque<_>, _>>()?;
    let wb = r.count("window bytes", d.config.window_bytes as usize + crate::detector::MAX_EVENT)?;
    d.window_bytes = r.take(wb)?.iter().copied().collect();
    if r.i != body.len() {
        return Err(Error::snapshot(format!("{} bytes left over after the state", body.len() - r.i)));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_by_eight_bytes_is_the_standard_crc32() {
        // The standard check value, and the bit-at-a-time definition over every length and
        // alignment of a pseudo-random buffer.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        let bitwise = |d: &[u8]| {
            let mut c = !0u32;
            for &b in d {
                c ^= b as u32;
                for _ in 0..8 {
                    c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
                }
            }
            !c
        };
        let data = crate::test_data::noise(0x9e37_79b9, 300);
        for start in 0..9 {
            for end in start..data.len() {
                assert_eq!(crc32(&data[start..end]), bitwise(&data[start..end]), "{start}..{end}");
            }
        }
    }
}

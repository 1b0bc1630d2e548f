//! `cbad detect [--config FILE] [--strict]`: reads JSON Lines events on stdin
//! (`{"stream", "type": "log|metric|trace|llm|json", "body": string|number|object, "ts"?}`) and
//! writes one verdict line per event, in order. Streams are independent; nothing looks ahead.
//! A malformed line is reported on stderr with its line number and skipped (`--strict`: stop).

use anyhow::{anyhow, bail, Context, Result};
use cbad_core::{Compressor, DetectorConfig, DetectorConfigBuilder, EventBody, EventKind, StreamDetector, Verdict};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufWriter, Write};

const USAGE: &str = "usage: cbad detect [--config FILE] [--strict]";

/// Settings file: every field optional, unknown fields refused.
#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    sensitivity: Option<f64>,
    compressor: Option<String>,
    baseline_events: Option<u32>,
    baseline_bytes: Option<u32>,
    window_events: Option<u32>,
    window_bytes: Option<u32>,
    calibration_events: Option<u32>,
    warmup_events: Option<u32>,
    incident_events: Option<u32>,
    mask_volatile: Option<bool>,
    ncd_every: Option<u32>,
    one_alarm_per_incident: Option<bool>,
}

impl FileConfig {
    fn builder(&self, kind: EventKind) -> Result<DetectorConfigBuilder> {
        let mut b = DetectorConfig::builder().kind(kind);
        if let Some(c) = &self.compressor {
            b = b.compressor(match c.as_str() {
                "zstd" => Compressor::Zstd,
                "deflate" => Compressor::Deflate,
                other => bail!("compressor is {other:?}, need \"zstd\" or \"deflate\""),
            });
        }
        macro_rules! opt {
            ($($f:ident),*) => { $(if let Some(v) = self.$f { b = b.$f(v); })* };
        }
        opt!(sensitivity, baseline_events, baseline_bytes, window_events, window_bytes, calibration_events,
             warmup_events, incident_events, mask_volatile, ncd_every, one_alarm_per_incident);
        Ok(b)
    }
}

#[derive(Deserialize)]
struct Event<'a> {
    stream: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(borrow)]
    body: &'a RawValue,
    #[allow(dead_code)]
    ts: Option<Value>,
}

fn parse_kind(s: &str) -> Result<EventKind> {
    Ok(match s {
        "log" => EventKind::Log,
        "metric" => EventKind::Metric,
        "trace" => EventKind::Trace,
        "llm" => EventKind::Llm,
        "json" => EventKind::Json,
        other => bail!("type is {other:?}, need one of log, metric, trace, llm, json"),
    })
}

fn verdict_json(stream: &str, v: &Verdict) -> Value {
    let m = &v.metrics;
    json!({
        "stream": stream,
        "index": v.index,
        "score": v.score,
        "p_value": v.p_value,
        "anomaly": v.anomaly,
        "severity": v.severity.map(|s| s.as_str()),
        "metrics": {
            "conditional_bits_per_byte": m.conditional_bits_per_byte,
            "compression_ratio": m.compression_ratio,
            "entropy": m.entropy,
            "ncd": m.ncd,
            "drift": m.drift,
            "novel_fraction": m.novel_fraction,
            "raw_score": m.raw_score,
            "severity_weight": m.severity_weight,
            "false_alarm_rate": m.false_alarm_rate,
            "baseline_bytes": m.baseline_bytes,
            "warming_up": v.warming_up,
        },
        "novel": v.novel.iter().map(|&(s, e)| [s, e]).collect::<Vec<_>>(),
        "explanation": v.explanation,
    })
}

struct Run {
    file: FileConfig,
    streams: HashMap<String, StreamDetector>,
}

impl Run {
    fn line(&mut self, line: &str) -> Result<Value> {
        let ev: Event = serde_json::from_str(line).context("not a valid event object")?;
        let kind = parse_kind(&ev.kind)?;
        let raw = ev.body.get();
        let text_holder: String;
        let body = match raw.as_bytes().first() {
            Some(b'"') => {
                text_holder = serde_json::from_str(raw).context("body string")?;
                EventBody::Text(&text_holder)
            }
            Some(b'{') | Some(b'[') => EventBody::Json(raw),
            Some(b'-' | b'0'..=b'9') => EventBody::Number(raw.parse().context("body number")?),
            _ => bail!("body is {raw}, need a string, number or object"),
        };
        if !self.streams.contains_key(&ev.stream) {
            let config = self.file.builder(kind)?.build()?;
            self.streams.insert(ev.stream.clone(), StreamDetector::new(config));
        }
        let det = self.streams.get_mut(&ev.stream).expect("inserted above");
        if det.config().kind() != kind {
            bail!("stream {:?} carries {:?} events, this line says {:?}", ev.stream, det.config().kind(), kind);
        }
        let v = det.score(body);
        Ok(verdict_json(&ev.stream, &v))
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut config_path = None;
    let mut strict = false;
    let mut it = args.iter();
    match it.next().map(String::as_str) {
        Some("detect") => {}
        _ => bail!("{USAGE}"),
    }
    while let Some(a) = it.next() {
        match a.as_str() {
            "--config" => config_path = Some(it.next().context("--config needs a FILE")?.clone()),
            "--strict" => strict = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    let file: FileConfig = match &config_path {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading config {p}"))?;
            serde_json::from_str(&text).with_context(|| format!("config {p}"))?
        }
        None => FileConfig::default(),
    };
    // Invalid settings fail before any event is read.
    file.builder(EventKind::Log)?.build().context("config")?;

    let mut run = Run { file, streams: HashMap::new() };
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    // Lines as bytes: a line that is not UTF-8 is one malformed line, not the end of the run.
    for (n, raw) in stdin.split(b'\n').enumerate() {
        let mut raw = raw.with_context(|| format!("reading line {}", n + 1))?;
        if raw.last() == Some(&b'\r') {
            raw.pop();
        }
        let verdict = match std::str::from_utf8(&raw) {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => run.line(line),
            Err(e) => Err(anyhow!("not UTF-8 text ({e})")),
        };
        match verdict {
            Ok(v) => {
                serde_json::to_writer(&mut out, &v)?;
                out.write_all(b"\n")?;
            }
            Err(e) if strict => {
                out.flush()?;
                bail!("line {}: {e:#}", n + 1);
            }
            Err(e) => eprintln!("cbad: line {}: {e:#} (skipped)", n + 1),
        }
    }
    out.flush()?;
    Ok(())
}

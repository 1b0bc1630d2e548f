//! What the Worker and a stream's Durable Object say to each other.
//!
//! The Worker sends framed bytes rather than a JSON document, because a 1,000-event batch would
//! otherwise be escaped, parsed and re-serialized on each side of the hop. The object answers
//! with the API's own JSON (it stores the batch's findings itself, see `ingest`), which the
//! Worker passes to the client without reading it.
//!
//! - a **score request** is `DLS2`, a small JSON header (settings, idempotency key, the
//!   organization, stream and database key of the batch), then the events: each a tag and its
//!   body length-prefixed (`T`ext / `J`son text as u32 LE length + UTF-8, `N`umber as f64 LE),
//!   then a presence byte and the texts present of its declared type, metadata (JSON) and, for
//!   a number, the number as the client wrote it;
//! - a **scored batch** (what the object keeps to answer a retry) is `DLA2`, a byte no longer
//!   read, the flagged events as fixed-layout records (what the database stores), then the
//!   `verdicts` array as the exact JSON text the API answers. Each flagged verdict ends in a
//!   fixed-width `anomaly_id` slot ([`ID_SLOT`] bytes, `null` padded with spaces), overwritten
//!   with the stored anomaly's id once the database has it ([`ScoreAnswer::fill_anomaly_ids`]).

use core::fmt;

use serde::{Deserialize, Serialize};

use crate::json_writer;

/// A stream's detector settings, as stored in the `streams` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorSettings {
    /// log | metric | trace | llm | json
    pub event_type: String,
    /// zstd | deflate
    pub compressor: String,
    /// 0.0..=1.0; higher flags more.
    pub sensitivity: f64,
    /// Events kept as the baseline.
    pub baseline_size: u32,
    /// Events per drift window.
    pub window_size: u32,
}

/// One event's body, already validated by the handler (owned: it travels on the ingest queue).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum EventToScore {
    /// A log line, trace or LLM text.
    Text(String),
    /// A metric value.
    Number(f64),
    /// The raw JSON text of an object body.
    Json(String),
}

/// One event's body, borrowed: what a score request carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EventRef<'a> {
    /// A log line, trace or LLM text.
    Text(&'a str),
    /// A metric value.
    Number(f64),
    /// The raw JSON text of an object body.
    Json(&'a str),
}

impl EventToScore {
    /// The borrowed form.
    pub fn as_ref(&self) -> EventRef<'_> {
        match self {
            Self::Text(t) => EventRef::Text(t),
            Self::Number(n) => EventRef::Number(*n),
            Self::Json(j) => EventRef::Json(j),
        }
    }
}

/// A score request's header: everything but the events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreHeader {
    /// The stream's current settings: changes reach the detector with the next batch.
    pub settings: DetectorSettings,
    /// The same key returns the same verdicts without scoring again. `None` when nobody can
    /// send this batch again (the Worker chose a key for a synchronous batch and told no one):
    /// then the answer is not kept.
    pub idempotency_key: Option<String>,
    /// The organization that sent the batch.
    pub org_id: String,
    /// The stream's id.
    pub stream_id: String,
    /// The stream's name (echoed in the answer).
    pub stream_name: String,
    /// The batch's key in the database (`rpc/ingest_batch`), for every batch: a retry of a
    /// stored batch stores nothing twice.
    pub batch_key: String,
}

/// One event as a score request carries it: its body, and what a stored anomaly keeps of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FramedEvent<'a> {
    /// What the detector scores.
    pub body: EventRef<'a>,
    /// The event's declared type, when it has one (else the stream's).
    pub event_type: Option<&'a str>,
    /// Its metadata as a JSON object's text, when it has any.
    pub metadata: Option<&'a str>,
    /// A number body as the client wrote it (`1e3`, `42.50`).
    pub number_text: Option<&'a str>,
}

/// What [`events_digest`] returns.
pub type EventsDigest = [u8; 16];

/// A 128-bit xxh3 of a batch's events (every field, each length-prefixed, so no two different
/// batches run together alike): how the stream's detector recognizes the same batch sent again,
/// under its idempotency key or, after it could not be stored, without one. Not a defence
/// against a forger (the only sender is the key's holder); cheap enough to hash every keyed
/// batch (~0.17 ms for 1,000 BGL lines in a profile of the object, build without wasm-opt).
pub fn events_digest(events: &[FramedEvent<'_>]) -> EventsDigest {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&(events.len() as u64).to_le_bytes());
    let mut field = |tag: u8, bytes: Option<&[u8]>| {
        h.update(&[tag]);
        if let Some(b) = bytes {
            h.update(&(b.len() as u64).to_le_bytes());
            h.update(b);
        }
    };
    for e in events {
        match e.body {
            EventRef::Text(t) => field(b'T', Some(t.as_bytes())),
            EventRef::Json(t) => field(b'J', Some(t.as_bytes())),
            EventRef::Number(n) => field(b'N', Some(&n.to_bits().to_le_bytes())),
        }
        field(b'y', e.event_type.map(str::as_bytes));
        field(b'm', e.metadata.map(str::as_bytes));
        field(b'n', e.number_text.map(str::as_bytes));
    }
    h.digest128().to_le_bytes()
}

/// A decoded score request: the header and the events, borrowed from the request bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRequest<'a> {
    /// Settings, keys and where the batch belongs.
    pub header: ScoreHeader,
    /// The events, in the order the client sent them.
    pub events: Vec<FramedEvent<'a>>,
}

const REQUEST_MAGIC: &[u8; 4] = b"DLS2";
const ANSWER_MAGIC: &[u8; 4] = b"DLA2";

/// Bytes of an `anomaly_id` slot: a quoted UUID (36 + 2), or `null` padded with spaces.
pub const ID_SLOT: usize = 38;
const EMPTY_SLOT: &[u8; ID_SLOT] = b"null                                  ";

/// A frame that is not what this protocol writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError(String);

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProtocolError {}

fn malformed(what: &str) -> ProtocolError {
    ProtocolError(format!("malformed detector frame: {what}"))
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn put_f64(out: &mut Vec<u8>, x: f64) {
    out.extend_from_slice(&x.to_le_bytes());
}

/// `0`, or `1` and the value.
fn put_opt_f64(out: &mut Vec<u8>, x: Option<f64>) {
    match x {
        Some(x) => {
            out.push(1);
            put_f64(out, x);
        }
        None => out.push(0),
    }
}

fn put_text(out: &mut Vec<u8>, t: &str) {
    put_u32(out, t.len());
    out.extend_from_slice(t.as_bytes());
}

/// Reads frames front to back; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], ProtocolError> {
        if self.bytes.len() < n {
            return Err(malformed(what));
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u32(&mut self, what: &str) -> Result<usize, ProtocolError> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
    }

    fn sized(&mut self, what: &str) -> Result<&'a [u8], ProtocolError> {
        let n = self.u32(what)?;
        self.take(n, what)
    }

    fn text(&mut self, what: &str) -> Result<&'a str, ProtocolError> {
        std::str::from_utf8(self.sized(what)?).map_err(|_| malformed(what))
    }

    fn u8(&mut self, what: &str) -> Result<u8, ProtocolError> {
        Ok(self.take(1, what)?[0])
    }

    fn u64(&mut self, what: &str) -> Result<u64, ProtocolError> {
        let b = self.take(8, what)?;
        Ok(u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
    }

    fn f64(&mut self, what: &str) -> Result<f64, ProtocolError> {
        self.u64(what).map(f64::from_bits)
    }

    fn opt_f64(&mut self, what: &str) -> Result<Option<f64>, ProtocolError> {
        match self.u8(what)? {
            0 => Ok(None),
            1 => self.f64(what).map(Some),
            _ => Err(malformed(what)),
        }
    }
}

// Bits of an event's presence byte.
const HAS_TYPE: u8 = 1;
const HAS_METADATA: u8 = 2;
const HAS_NUMBER_TEXT: u8 = 4;

/// Encodes a score request.
pub fn encode_request<'a>(header: &ScoreHeader, events: impl ExactSizeIterator<Item = FramedEvent<'a>>) -> Vec<u8> {
    let head = serde_json::to_vec(header).unwrap_or_default();
    let mut out = Vec::with_capacity(head.len() + 16 + events.len() * 128);
    out.extend_from_slice(REQUEST_MAGIC);
    put_u32(&mut out, head.len());
    out.extend_from_slice(&head);
    put_u32(&mut out, events.len());
    for e in events {
        match e.body {
            EventRef::Text(t) => {
                out.push(b'T');
                put_text(&mut out, t);
            }
            EventRef::Json(j) => {
                out.push(b'J');
                put_text(&mut out, j);
            }
            EventRef::Number(n) => {
                out.push(b'N');
                put_f64(&mut out, n);
            }
        }
        let texts = [(e.event_type, HAS_TYPE), (e.metadata, HAS_METADATA), (e.number_text, HAS_NUMBER_TEXT)];
        out.push(texts.iter().fold(0, |acc, &(t, bit)| if t.is_some() { acc | bit } else { acc }));
        for t in texts.iter().filter_map(|&(t, _)| t) {
            put_text(&mut out, t);
        }
    }
    out
}

/// Decodes a score request; the events borrow from `bytes`.
pub fn decode_request(bytes: &[u8]) -> Result<ScoreRequest<'_>, ProtocolError> {
    let mut r = Reader { bytes };
    if r.take(4, "magic")? != REQUEST_MAGIC {
        return Err(malformed("not a score request"));
    }
    let header: ScoreHeader =
        serde_json::from_slice(r.sized("header")?).map_err(|e| ProtocolError(format!("score request header: {e}")))?;
    let count = r.u32("event count")?;
    // Each event takes at least 6 bytes: a lying count cannot reserve more than the frame.
    let mut events = Vec::with_capacity(count.min(r.bytes.len() / 6));
    for _ in 0..count {
        let body = match r.take(1, "event tag")?[0] {
            b'T' => EventRef::Text(r.text("text event")?),
            b'J' => EventRef::Json(r.text("JSON event")?),
            b'N' => EventRef::Number(r.f64("number event")?),
            _ => return Err(malformed("unknown event tag")),
        };
        let present = r.u8("event presence")?;
        if present & !(HAS_TYPE | HAS_METADATA | HAS_NUMBER_TEXT) != 0 {
            return Err(malformed("event presence"));
        }
        let mut text = |bit: u8, what: &str| if present & bit != 0 { r.text(what).map(Some) } else { Ok(None) };
        let event_type = text(HAS_TYPE, "event type")?;
        let metadata = text(HAS_METADATA, "event metadata")?;
        let number_text = text(HAS_NUMBER_TEXT, "event number text")?;
        events.push(FramedEvent { body, event_type, metadata, number_text });
    }
    if !r.bytes.is_empty() {
        return Err(malformed("trailing bytes"));
    }
    Ok(ScoreRequest { header, events })
}

/// One event's verdict, as the API answers it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VerdictJson {
    /// Position in the stream (0-based, over the stream's lifetime).
    pub index: u64,
    /// 0..1, higher is more anomalous.
    pub score: f64,
    /// Calibrated p-value.
    pub p_value: f64,
    /// Whether the event is flagged.
    pub anomaly: bool,
    /// low | medium | high when flagged.
    pub severity: Option<String>,
    /// The detector's metrics for this event.
    pub metrics: MetricsJson,
    /// Byte spans of the body that found no match in the baseline.
    pub novel: Vec<[u32; 2]>,
    /// One plain sentence.
    pub explanation: String,
    /// True while the baseline is still filling.
    pub warming_up: bool,
}

/// The metrics of one verdict (non-finite values become `null`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetricsJson {
    /// Conditional compression cost of the event given the baseline, bits per byte.
    pub conditional_bits_per_byte: Option<f64>,
    /// Compressed size over raw size of the event on its own.
    pub compression_ratio: Option<f64>,
    /// Shannon entropy of the event's bytes, bits per byte.
    pub entropy: Option<f64>,
    /// Normalized compression distance of baseline and window, when computed.
    pub ncd: Option<f64>,
    /// Whether the window-level drift test fired.
    pub drift: bool,
}

/// A flagged event, as the Worker stores it.
#[derive(Debug, Clone)]
pub struct FlaggedVerdict {
    /// Position in the batch.
    pub position: usize,
    /// Byte offset of its `anomaly_id` slot in the verdicts text.
    pub slot: usize,
    /// The verdict.
    pub verdict: VerdictJson,
}

// Bits of a flagged record's flags byte.
const FLAG_ANOMALY: u8 = 1;
const FLAG_DRIFT: u8 = 2;
const FLAG_WARMING_UP: u8 = 4;
const FLAG_SEVERITY: u8 = 8;

impl FlaggedVerdict {
    /// Appends the record: position, slot, index, score, p-value, flags, severity, metrics,
    /// novel spans, explanation.
    fn write(&self, out: &mut Vec<u8>) {
        let v = &self.verdict;
        put_u32(out, self.position);
        put_u32(out, self.slot);
        out.extend_from_slice(&v.index.to_le_bytes());
        put_f64(out, v.score);
        put_f64(out, v.p_value);
        let flags = [(v.anomaly, FLAG_ANOMALY), (v.metrics.drift, FLAG_DRIFT), (v.warming_up, FLAG_WARMING_UP), (v.severity.is_some(), FLAG_SEVERITY)]
            .iter()
            .fold(0, |acc, &(on, bit)| if on { acc | bit } else { acc });
        out.push(flags);
        if let Some(s) = &v.severity {
            put_text(out, s);
        }
        let m = &v.metrics;
        for x in [m.conditional_bits_per_byte, m.compression_ratio, m.entropy, m.ncd] {
            put_opt_f64(out, x);
        }
        put_u32(out, v.novel.len());
        for &[a, b] in &v.novel {
            out.extend_from_slice(&a.to_le_bytes());
            out.extend_from_slice(&b.to_le_bytes());
        }
        put_text(out, &v.explanation);
    }

    /// Reads one record written by [`Self::write`].
    fn read(r: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        let position = r.u32("flagged position")?;
        let slot = r.u32("flagged slot")?;
        let index = r.u64("flagged index")?;
        let score = r.f64("flagged score")?;
        let p_value = r.f64("flagged p-value")?;
        let flags = r.u8("flagged flags")?;
        let severity = if flags & FLAG_SEVERITY != 0 { Some(r.text("flagged severity")?.to_string()) } else { None };
        let metrics = MetricsJson {
            conditional_bits_per_byte: r.opt_f64("flagged metrics")?,
            compression_ratio: r.opt_f64("flagged metrics")?,
            entropy: r.opt_f64("flagged metrics")?,
            ncd: r.opt_f64("flagged metrics")?,
            drift: flags & FLAG_DRIFT != 0,
        };
        let n = r.u32("novel spans")?;
        let spans = r.take(n.checked_mul(8).ok_or_else(|| malformed("novel spans"))?, "novel spans")?;
        let novel = spans
            .chunks_exact(8)
            .map(|c| [u32::from_le_bytes([c[0], c[1], c[2], c[3]]), u32::from_le_bytes([c[4], c[5], c[6], c[7]])])
            .collect();
        let explanation = r.text("flagged explanation")?.to_string();
        let verdict = VerdictJson {
            index,
            score,
            p_value,
            anomaly: flags & FLAG_ANOMALY != 0,
            severity,
            metrics,
            novel,
            explanation,
            warming_up: flags & FLAG_WARMING_UP != 0,
        };
        Ok(Self { position, slot, verdict })
    }
}

/// Writes the `verdicts` array of an answer, one verdict at a time.
#[derive(Debug)]
pub struct VerdictsWriter {
    /// `[` and the verdicts so far.
    text: Vec<u8>,
    flagged: Vec<FlaggedVerdict>,
}

impl VerdictsWriter {
    /// Room for about `n` verdicts.
    pub fn with_capacity(n: usize) -> Self {
        let mut text = Vec::with_capacity(2 + n * 300);
        text.push(b'[');
        Self { text, flagged: Vec::new() }
    }

    /// Appends the verdict of the event at `position` in the batch.
    pub fn push(&mut self, position: usize, v: VerdictJson) {
        if self.text.len() > 1 {
            self.text.push(b',');
        }
        write_verdict(&mut self.text, &v);
        if v.anomaly {
            self.text.pop(); // the closing brace
            self.text.extend_from_slice(b",\"anomaly_id\":");
            let slot = self.text.len();
            self.text.extend_from_slice(EMPTY_SLOT);
            self.text.push(b'}');
            self.flagged.push(FlaggedVerdict { position, slot, verdict: v });
        }
    }

    /// The finished answer.
    pub fn finish(mut self) -> ScoreAnswer {
        self.text.push(b']');
        ScoreAnswer { flagged: self.flagged, verdicts: self.text }
    }
}

/// Appends `v` as JSON, byte for byte what `serde_json::to_vec(v)` writes (tested), without
/// serde's per-field machinery: 1,000 of these are written per batch.
fn write_verdict(out: &mut Vec<u8>, v: &VerdictJson) {
    out.extend_from_slice(b"{\"index\":");
    json_writer::uint(out, v.index);
    out.extend_from_slice(b",\"score\":");
    json_writer::float(out, Some(v.score));
    out.extend_from_slice(b",\"p_value\":");
    json_writer::float(out, Some(v.p_value));
    out.extend_from_slice(b",\"anomaly\":");
    json_writer::flag(out, v.anomaly);
    out.extend_from_slice(b",\"severity\":");
    match &v.severity {
        Some(s) => json_writer::text(out, s),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"metrics\":");
    v.metrics.write_json(out);
    out.extend_from_slice(b",\"novel\":");
    json_writer::spans(out, &v.novel);
    out.extend_from_slice(b",\"explanation\":");
    json_writer::text(out, &v.explanation);
    out.extend_from_slice(b",\"warming_up\":");
    json_writer::flag(out, v.warming_up);
    out.push(b'}');
}

impl MetricsJson {
    /// Appends the metrics as JSON, byte for byte what serde writes (tested).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(b"{\"conditional_bits_per_byte\":");
        json_writer::metric(out, self.conditional_bits_per_byte);
        out.extend_from_slice(b",\"compression_ratio\":");
        json_writer::metric(out, self.compression_ratio);
        out.extend_from_slice(b",\"entropy\":");
        json_writer::metric(out, self.entropy);
        out.extend_from_slice(b",\"ncd\":");
        json_writer::metric(out, self.ncd);
        out.extend_from_slice(b",\"drift\":");
        json_writer::flag(out, self.drift);
        out.push(b'}');
    }
}

/// The verdicts for a batch.
#[derive(Debug, Clone)]
pub struct ScoreAnswer {
    /// The flagged events, in batch order.
    pub flagged: Vec<FlaggedVerdict>,
    /// The `verdicts` JSON array, one per event, in order.
    pub verdicts: Vec<u8>,
}

impl ScoreAnswer {
    /// The answer as framed bytes.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(9 + self.flagged.len() * 256 + self.verdicts.len());
        out.extend_from_slice(ANSWER_MAGIC);
        out.push(0); // was a replayed flag; whether a batch was replayed is the database's answer
        put_u32(&mut out, self.flagged.len());
        for f in &self.flagged {
            f.write(&mut out);
        }
        out.extend_from_slice(&self.verdicts);
        out
    }

    /// Decodes framed answer bytes; the verdicts text is taken as is (the object wrote it).
    pub fn decode(bytes: Vec<u8>) -> Result<Self, ProtocolError> {
        let mut r = Reader { bytes: &bytes };
        if r.take(4, "magic")? != ANSWER_MAGIC {
            return Err(malformed("not a score answer"));
        }
        r.u8("reserved byte")?;
        let n = r.u32("flagged verdicts")?;
        // A record is at least 45 bytes: a corrupt count cannot reserve more than the frame holds.
        let mut flagged = Vec::with_capacity(n.min(r.bytes.len() / 45));
        for _ in 0..n {
            flagged.push(FlaggedVerdict::read(&mut r)?);
        }
        let start = bytes.len() - r.bytes.len();
        // The verdicts are the frame's tail: moved to the front of the same buffer, not copied.
        let mut verdicts = bytes;
        verdicts.drain(..start);
        if verdicts.first() != Some(&b'[') || verdicts.last() != Some(&b']') {
            return Err(malformed("verdicts are not a JSON array"));
        }
        let misplaced = |f: &FlaggedVerdict| {
            f.slot + ID_SLOT > verdicts.len()
                || (&verdicts[f.slot..f.slot + ID_SLOT] != EMPTY_SLOT.as_slice() && verdicts[f.slot] != b'"')
        };
        if flagged.iter().any(misplaced) {
            return Err(malformed("an anomaly id slot is out of place"));
        }
        Ok(Self { flagged, verdicts })
    }

    /// Writes the stored anomalies' ids into the flagged verdicts' slots, in order; a flagged
    /// verdict without an id (or with one that is not a UUID) keeps `null`.
    pub fn fill_anomaly_ids(&mut self, ids: &[Option<&str>]) {
        for (n, f) in self.flagged.iter().enumerate() {
            let slot = &mut self.verdicts[f.slot..f.slot + ID_SLOT];
            match ids.get(n).copied().flatten().filter(|id| id.len() == 36 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')) {
                Some(id) => {
                    slot[0] = b'"';
                    slot[1..37].copy_from_slice(id.as_bytes());
                    slot[37] = b'"';
                }
                None => slot.copy_from_slice(EMPTY_SLOT),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn header() -> ScoreHeader {
        ScoreHeader {
            settings: DetectorSettings {
                event_type: "log".into(),
                compressor: "zstd".into(),
                sensitivity: 0.5,
                baseline_size: 256,
                window_size: 64,
            },
            idempotency_key: Some("k-1".into()),
            org_id: "org-1".into(),
            stream_id: "stream-1".into(),
            stream_name: "checkout-api".into(),
            batch_key: "events:stream-1:k-1".into(),
        }
    }

    fn plain(body: EventRef<'_>) -> FramedEvent<'_> {
        FramedEvent { body, event_type: None, metadata: None, number_text: None }
    }

    fn verdict(index: u64, anomaly: bool) -> VerdictJson {
        VerdictJson {
            index,
            score: 0.25,
            p_value: 0.75,
            anomaly,
            severity: anomaly.then(|| "high".to_string()),
            metrics: MetricsJson { conditional_bits_per_byte: Some(1.5), compression_ratio: None, entropy: Some(4.0), ncd: None, drift: false },
            novel: vec![[0, 3]],
            explanation: "a \"quoted\" sentence".into(),
            warming_up: false,
        }
    }

    #[test]
    fn a_request_round_trips_with_every_kind_of_event() {
        let events = [
            plain(EventRef::Text("ERROR \"db\" ü")),
            FramedEvent { body: EventRef::Number(-1.5e300), event_type: Some("metric"), metadata: None, number_text: Some("-1.50e300") },
            FramedEvent { body: EventRef::Json(r#"{"a":1}"#), event_type: None, metadata: Some(r#"{"host":"é"}"#), number_text: None },
            FramedEvent { body: EventRef::Text(""), event_type: Some("log"), metadata: Some("{}"), number_text: Some("") },
        ];
        let bytes = encode_request(&header(), events.iter().copied());
        let decoded = decode_request(&bytes).unwrap();
        assert_eq!(decoded.header, header());
        assert_eq!(decoded.events, events);
    }

    #[test]
    fn truncated_or_foreign_requests_are_errors_not_panics() {
        let events = [plain(EventRef::Text("hello")), FramedEvent { event_type: Some("metric"), ..plain(EventRef::Number(2.0)) }];
        let bytes = encode_request(&header(), events.into_iter());
        for cut in 0..bytes.len() {
            assert!(decode_request(&bytes[..cut]).is_err(), "a request cut at {cut} bytes decoded");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert!(decode_request(&extra).is_err());
        assert!(decode_request(br#"{"settings":{}}"#).is_err());
        let mut bad_utf8 = encode_request(&header(), [plain(EventRef::Text("ab"))].into_iter());
        let n = bad_utf8.len();
        bad_utf8[n - 2] = 0xff;
        assert!(decode_request(&bad_utf8).unwrap_err().to_string().contains("text event"));
        let mut unknown_bit = encode_request(&header(), [plain(EventRef::Text("ab"))].into_iter());
        *unknown_bit.last_mut().unwrap() = 8;
        assert!(decode_request(&unknown_bit).unwrap_err().to_string().contains("presence"));
    }

    #[test]
    fn verdicts_are_the_api_json_with_ids_filled_after_storage() {
        let mut w = VerdictsWriter::with_capacity(3);
        w.push(0, verdict(10, false));
        w.push(1, verdict(11, true));
        w.push(2, verdict(12, true));
        let answer = ScoreAnswer::decode(w.finish().encode()).unwrap();
        assert_eq!(answer.flagged.iter().map(|f| f.position).collect::<Vec<_>>(), [1, 2]);

        let unfilled: Value = serde_json::from_slice(&answer.verdicts).unwrap();
        assert_eq!(unfilled[1]["anomaly_id"], Value::Null);
        assert!(unfilled[0].get("anomaly_id").is_none(), "only flagged verdicts carry an id");

        let mut filled = answer.clone();
        let id = "0b6f3c1e-2a4d-4c8e-9f10-123456789abc";
        filled.fill_anomaly_ids(&[Some(id), Some("not-a-uuid")]);
        let v: Value = serde_json::from_slice(&filled.verdicts).unwrap();
        assert_eq!(v[1]["anomaly_id"], id);
        assert_eq!(v[2]["anomaly_id"], Value::Null);
        assert_eq!(v[2]["explanation"], "a \"quoted\" sentence");
        assert_eq!(v.as_array().unwrap().len(), 3);
    }

    #[test]
    fn the_verdict_writer_writes_what_serde_writes() {
        let mut odd = verdict(u64::MAX, true);
        odd.score = 1e-300;
        odd.p_value = 0.1 + 0.2;
        odd.novel = vec![];
        odd.explanation = "tab\t, newline\n, \u{1} control, \\ backslash, é".into();
        odd.metrics = MetricsJson { conditional_bits_per_byte: Some(f64::NAN), compression_ratio: Some(f64::INFINITY), entropy: None, ncd: Some(0.5), drift: true };
        let mut plain = verdict(3, false);
        plain.novel = vec![[1, 2], [7, 4_000_000_000]];
        for v in [verdict(0, false), verdict(1, true), odd, plain] {
            let mut ours = Vec::new();
            write_verdict(&mut ours, &v);
            assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&v).unwrap());
        }
    }

    #[test]
    fn a_batch_digest_tells_every_field_and_boundary_apart() {
        let e = |body, event_type, metadata| FramedEvent { body, event_type, metadata, number_text: None };
        let batches: Vec<Vec<FramedEvent<'_>>> = vec![
            vec![],
            vec![e(EventRef::Text("ab"), None, None), e(EventRef::Text("c"), None, None)],
            vec![e(EventRef::Text("a"), None, None), e(EventRef::Text("bc"), None, None)],
            vec![e(EventRef::Json("ab"), None, None), e(EventRef::Text("c"), None, None)],
            vec![e(EventRef::Text("ab"), Some("log"), None), e(EventRef::Text("c"), None, None)],
            vec![e(EventRef::Text("ab"), None, Some("{}")), e(EventRef::Text("c"), None, None)],
            vec![e(EventRef::Text("ab"), None, None)],
            vec![e(EventRef::Number(1.0), None, None)],
            vec![e(EventRef::Number(-0.0), None, None)],
            vec![FramedEvent { number_text: Some("1.0"), ..e(EventRef::Number(1.0), None, None) }],
        ];
        let digests: Vec<EventsDigest> = batches.iter().map(|b| events_digest(b)).collect();
        for (i, a) in digests.iter().enumerate() {
            for b in &digests[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(events_digest(&batches[1].clone()), digests[1], "the same events, the same digest");
    }

    #[test]
    fn flagged_records_round_trip_every_field() {
        let mut odd = verdict(u64::MAX, true);
        odd.score = f64::MIN_POSITIVE;
        odd.p_value = 0.1 + 0.2;
        odd.severity = None;
        odd.warming_up = true;
        odd.novel = vec![[0, u32::MAX], [5, 9]];
        odd.explanation = "é \"x\"".into();
        odd.metrics = MetricsJson { conditional_bits_per_byte: None, compression_ratio: Some(-0.0), entropy: Some(8.0), ncd: Some(0.25), drift: true };
        let mut w = VerdictsWriter::with_capacity(3);
        w.push(0, verdict(0, false));
        w.push(1, odd.clone());
        w.push(2, verdict(2, true));
        let answer = ScoreAnswer::decode(w.finish().encode()).unwrap();
        assert_eq!(answer.flagged.iter().map(|f| f.position).collect::<Vec<_>>(), [1, 2]);
        let back = &answer.flagged[0].verdict;
        // Every field survives (serde's JSON of both sides compares them all, floats by value).
        assert_eq!(serde_json::to_value(back).unwrap(), serde_json::to_value(&odd).unwrap());
        assert_eq!(back.metrics.compression_ratio.map(f64::to_bits), Some((-0.0f64).to_bits()));
    }

    #[test]
    fn an_empty_batch_answers_an_empty_array() {
        let answer = ScoreAnswer::decode(VerdictsWriter::with_capacity(0).finish().encode()).unwrap();
        assert_eq!(answer.verdicts, b"[]");
    }

    #[test]
    fn corrupt_answers_are_errors() {
        let mut w = VerdictsWriter::with_capacity(1);
        w.push(0, verdict(0, true));
        let bytes = w.finish().encode();
        for cut in 0..bytes.len() - 1 {
            assert!(ScoreAnswer::decode(bytes[..cut].to_vec()).is_err(), "an answer cut at {cut} bytes decoded");
        }
        assert!(ScoreAnswer::decode(b"[]".to_vec()).is_err());
    }
}

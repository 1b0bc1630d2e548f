//! The `POST /events` body, parsed and validated at the edge into an [`EventBatch`].
//!
//! ```json
//! {"stream": "checkout-api", "events": [{"type": "log", "body": "ERROR db timeout",
//!   "ts": "2026-11-29T10:00:00Z", "metadata": {"host": "a1"}}]}
//! ```
//!
//! Limits are checked cheapest first: total size, UTF-8, nesting depth (a byte scan before any
//! parsing, because serde_json's own recursion limit is 128 and we want 32), JSON syntax, then
//! each field with its JSON path in the message. Object bodies are passed through as the
//! client's exact JSON text; cbad-core canonicalizes them.

use core::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::echo::quoted;
use super::stream::{EventType, StreamName};

/// Largest request body, in bytes (1 MiB).
pub const MAX_BATCH_BYTES: usize = 1024 * 1024;
/// Most events in one batch.
pub const MAX_EVENTS_PER_BATCH: usize = 1_000;
/// Largest event body, in bytes: the decoded text of a string body, the JSON text of an object.
pub const MAX_EVENT_BODY_BYTES: usize = 16 * 1024;
/// Largest `metadata`, in bytes of JSON text.
pub const MAX_METADATA_BYTES: usize = 4 * 1024;
/// Deepest nesting of arrays and objects anywhere in the body (the batch object is level 1).
pub const MAX_JSON_DEPTH: usize = 32;

/// A validated batch: a stream name and 1 to [`MAX_EVENTS_PER_BATCH`] events.
#[derive(Debug, Clone, PartialEq)]
pub struct EventBatch {
    /// The stream the events belong to.
    pub stream: StreamName,
    /// The events, in the order sent (index = position in the request).
    pub events: Vec<BatchEvent>,
}

/// One validated event.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchEvent {
    /// The declared type, if any (the stream's type applies otherwise).
    pub event_type: Option<EventType>,
    /// The payload to score.
    pub body: EventBody,
    /// When the event happened, if the client said.
    pub ts: Option<EventTime>,
    /// Client metadata (at most [`MAX_METADATA_BYTES`] of JSON), stored with anomalies.
    pub metadata: Option<Map<String, Value>>,
}

/// An event's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventBody {
    /// A JSON string, decoded (a log line, a prompt, ...).
    Text(String),
    /// A JSON number, as the client wrote it (`42`, `-1.5e3`): no precision is lost.
    Number(String),
    /// A JSON object, as the client's exact JSON text.
    Json(String),
}

impl EventBody {
    /// The bytes the detector scores: the decoded text, the number's digits or the JSON text.
    #[allow(dead_code)] // used by the event_batch fuzz target
    pub fn as_bytes(&self) -> &[u8] {
        self.as_str().as_bytes()
    }

    /// The same as text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Text(s) | Self::Number(s) | Self::Json(s) => s,
        }
    }
}

/// An event time, normalized to Unix milliseconds (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventTime {
    unix_ms: i64,
}

/// Seconds from 1970 to 10000-01-01: later times are refused.
const MAX_UNIX_SECS: i64 = 253_402_300_800;
/// Numbers at or above this are milliseconds, below it seconds (1e11 s is the year 5138).
const MILLIS_THRESHOLD: f64 = 1e11;

impl EventTime {
    /// Parses an RFC 3339 time (`2026-11-29T10:00:00Z`, `2026-11-29T11:00:00.250+01:00`).
    pub fn parse_rfc3339(s: &str) -> Option<EventTime> {
        let b = s.as_bytes();
        if b.len() < 20 || b.len() > 40 {
            return None;
        }
        let num = |r: core::ops::Range<usize>| -> Option<i64> {
            let part = b.get(r)?;
            part.iter()
                .all(u8::is_ascii_digit)
                .then(|| part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
        };
        let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
        if b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return None;
        }
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return None;
        }
        // RFC 3339 allows second 60 (a leap second): count it as 59.
        if hour > 23 || minute > 59 || second > 60 {
            return None;
        }
        let mut i = 19;
        let mut millis = 0i64;
        if b.get(i) == Some(&b'.') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == start || i - start > 9 {
                return None;
            }
            for (k, d) in b[start..i.min(start + 3)].iter().enumerate() {
                millis += i64::from(d - b'0') * [100, 10, 1][k];
            }
        }
        let offset_secs = match b.get(i..)? {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let digits = [*h1, *h2, *m1, *m2];
                if !digits.iter().all(u8::is_ascii_digit) {
                    return None;
                }
                let (oh, om) = (
                    i64::from((h1 - b'0') * 10 + (h2 - b'0')),
                    i64::from((m1 - b'0') * 10 + (m2 - b'0')),
                );
                if oh > 23 || om > 59 {
                    return None;
                }
                let off = oh * 3600 + om * 60;
                if *sign == b'+' {
                    off
                } else {
                    -off
                }
            }
            _ => return None,
        };
        let secs =
            days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second.min(59)
                - offset_secs;
        Some(EventTime {
            unix_ms: secs * 1000 + millis,
        })
    }

    /// From a JSON number: Unix seconds (fractions kept to the millisecond), or milliseconds
    /// when at least 1e11. Negative, non-finite and post-9999 times are refused.
    pub fn from_unix_number(n: f64) -> Option<EventTime> {
        if !n.is_finite() || n < 0.0 {
            return None;
        }
        let ms = if n >= MILLIS_THRESHOLD { n } else { n * 1000.0 };
        if ms >= (MAX_UNIX_SECS * 1000) as f64 {
            return None;
        }
        Some(EventTime {
            unix_ms: ms.floor() as i64,
        })
    }

#[cfg(test)]
    /// Unix milliseconds, UTC.
    pub fn unix_millis(self) -> i64 {
        self.unix_ms
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-29T10:00:00.000Z` (what Postgres
    /// `timestamptz` and the API return).
    pub fn to_rfc3339(self) -> String {
        let secs = self.unix_ms.div_euclid(1000);
        let ms = self.unix_ms.rem_euclid(1000);
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let (y, m, d) = civil_from_days(days);
        format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        )
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// Which answer a [`BatchError`] calls for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchErrorClass {
    /// Not JSON, not UTF-8, or nested too deep: 400.
    Malformed,
    /// Too big or too many: 413.
    TooLarge,
    /// Valid JSON with a bad field: 422.
    Invalid,
}

/// Why a batch was refused. Messages name the JSON path and say what was seen and needed;
/// they never repeat event bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BatchError {
    /// The body is larger than [`MAX_BATCH_BYTES`].
    TooLarge {
        /// Bytes received.
        len: usize,
    },
    /// More than [`MAX_EVENTS_PER_BATCH`] events.
    TooManyEvents {
        /// Events sent.
        count: usize,
    },
    /// One field is over its own limit.
    FieldTooLarge {
        /// JSON path, e.g. `events[3].body`.
        path: String,
        /// Bytes seen.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not UTF-8.
    InvalidUtf8 {
        /// Offset of the first bad byte.
        offset: usize,
    },
    /// Arrays/objects nest deeper than [`MAX_JSON_DEPTH`].
    TooDeep {
        /// Offset of the bracket that went too deep.
        offset: usize,
    },
    /// Not JSON.
    MalformedJson {
        /// What the parser said (no input is repeated).
        detail: String,
    },
    /// A field has the wrong type or value.
    Invalid {
        /// JSON path, e.g. `events[3].body`.
        path: String,
        /// What was seen and what is needed.
        problem: String,
    },
}

impl BatchError {
    /// 400, 413 or 422: see [`BatchErrorClass`].
    pub fn class(&self) -> BatchErrorClass {
        match self {
            Self::TooLarge { .. } | Self::TooManyEvents { .. } | Self::FieldTooLarge { .. } => {
                BatchErrorClass::TooLarge
            }
            Self::InvalidUtf8 { .. } | Self::TooDeep { .. } | Self::MalformedJson { .. } => {
                BatchErrorClass::Malformed
            }
            Self::Invalid { .. } => BatchErrorClass::Invalid,
        }
    }

    fn invalid(path: impl Into<String>, problem: impl Into<String>) -> BatchError {
        BatchError::Invalid {
            path: path.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { len } => write!(
                f,
                "body has {len} bytes, at most {MAX_BATCH_BYTES} are accepted"
            ),
            Self::TooManyEvents { count } => {
                write!(f, "events holds {count} events, at most {MAX_EVENTS_PER_BATCH} are accepted per batch")
            }
            Self::FieldTooLarge { path, len, max } => {
                write!(f, "{path} has {len} bytes, at most {max} are accepted")
            }
            Self::InvalidUtf8 { offset } => write!(
                f,
                "body is not valid UTF-8 (first bad byte at offset {offset})"
            ),
            Self::TooDeep { offset } => {
                write!(f, "body nests arrays/objects deeper than {MAX_JSON_DEPTH} levels (at byte {offset})")
            }
            Self::MalformedJson { detail } => write!(f, "body is not valid JSON: {detail}"),
            Self::Invalid { path, problem } => write!(f, "{path} {problem}"),
        }
    }
}

impl std::error::Error for BatchError {}

impl EventBatch {
    /// Parses and validates a raw `POST /events` body.
    pub fn parse(raw: &[u8]) -> Result<EventBatch, BatchError> {
        let text = checked_text(raw)?;
        if let Some(batch) = parse_valid(text) {
            return Ok(batch);
        }
        check_depth(raw, MAX_JSON_DEPTH)?;
        parse_checked(text)
    }

    /// [`EventBatch::parse`] without its fast path: tests and the fuzz target check that both
    /// give the same answer.
    #[doc(hidden)]
    #[allow(dead_code)]
    pub fn parse_field_by_field(raw: &[u8]) -> Result<EventBatch, BatchError> {
        let text = checked_text(raw)?;
        check_depth(raw, MAX_JSON_DEPTH)?;
        parse_checked(text)
    }
}

/// The limits checked before any parser sees the body: size and UTF-8. Nesting depth is
/// checked by [`parse_valid`] inside the only values that can nest (bodies and metadata), or
/// over the whole body before [`parse_checked`] reads it.
fn checked_text(raw: &[u8]) -> Result<&str, BatchError> {
    if raw.len() > MAX_BATCH_BYTES {
        return Err(BatchError::TooLarge { len: raw.len() });
    }
    std::str::from_utf8(raw).map_err(|e| BatchError::InvalidUtf8 { offset: e.valid_up_to() })
}

/// How deep a body or metadata object may nest within itself: it sits inside the batch object,
/// its `events` array and its event.
const MAX_FIELD_DEPTH: usize = MAX_JSON_DEPTH - 3;

/// A well-formed batch in one serde pass over typed fields; `None` on anything unusual, which
/// [`parse_checked`] then reads field by field to say exactly what is wrong (so both always
/// agree on what a valid batch is; the `event_batch` fuzz target checks it).
fn parse_valid(text: &str) -> Option<EventBatch> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Batch<'a> {
        #[serde(borrow)]
        stream: std::borrow::Cow<'a, str>,
        #[serde(borrow)]
        events: Vec<Event<'a>>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Event<'a> {
        #[serde(rename = "type", borrow, default)]
        event_type: Option<std::borrow::Cow<'a, str>>,
        #[serde(borrow)]
        body: &'a RawValue,
        #[serde(borrow, default)]
        ts: Option<&'a RawValue>,
        #[serde(borrow, default)]
        metadata: Option<&'a RawValue>,
    }
    let batch: Batch = serde_json::from_str(text).ok()?;
    if batch.events.is_empty() || batch.events.len() > MAX_EVENTS_PER_BATCH {
        return None;
    }
    let stream = StreamName::parse(&batch.stream).ok()?;
    let mut events = Vec::with_capacity(batch.events.len());
    for (index, e) in batch.events.into_iter().enumerate() {
        let at = |field: &'static str| FieldPath { index, field };
        let event_type = match e.event_type {
            Some(t) => Some(EventType::parse(&t)?),
            None => None,
        };
        // serde_json took these as raw text without a depth limit: the batch's is checked here.
        let nests_too_deep =
            |raw: &RawValue| raw.get().starts_with(['{', '[']) && check_depth(raw.get().as_bytes(), MAX_FIELD_DEPTH).is_err();
        if nests_too_deep(e.body) || e.metadata.is_some_and(nests_too_deep) {
            return None;
        }
        let metadata = match e.metadata {
            Some(m) => Some(parse_metadata(at("metadata"), m.get()).ok()?),
            None => None,
        };
        events.push(BatchEvent {
            event_type,
            body: parse_body(at("body"), e.body.get()).ok()?,
            ts: e.ts.map(|t| parse_ts(at("ts"), t.get())).transpose().ok()?,
            metadata,
        });
    }
    Some(EventBatch { stream, events })
}

/// The field-by-field reading: the first problem, named by its JSON path.
fn parse_checked(text: &str) -> Result<EventBatch, BatchError> {
    let top = match serde_json::from_str::<Fields>(text) {
        Ok(fields) => fields,
        Err(e) if e.is_data() && text.trim_start().starts_with('{') => {
            return Err(BatchError::invalid(
                "body",
                format!("has a {}", strip_position(&e)),
            ))
        }
        Err(e) if e.is_data() => {
            return Err(BatchError::invalid("body", "must be a JSON object"))
        }
        Err(e) => {
            return Err(BatchError::MalformedJson {
                detail: e.to_string(),
            })
        }
    };
    let mut stream = None;
    let mut events = None;
    for (key, value) in top.0 {
        match key.as_str() {
            "stream" => stream = Some(value),
            "events" => events = Some(value),
            other => {
                return Err(BatchError::invalid(
                    "body",
                    format!(
                        "has an unknown field {}; a batch has stream and events",
                        quoted(other)
                    ),
                ))
            }
        }
    }
    let stream = match stream.map(|v| serde_json::from_str::<String>(v.get())) {
        None => return Err(BatchError::invalid("stream", "is required")),
        Some(Ok(s)) => {
            StreamName::parse(&s).map_err(|e| BatchError::invalid("stream", problem_of(e)))?
        }
        Some(Err(_)) => return Err(BatchError::invalid("stream", "must be a string")),
    };
    let raw_events: Vec<&RawValue> = match events.map(|v| serde_json::from_str(v.get())) {
        None => return Err(BatchError::invalid("events", "is required")),
        Some(Ok(list)) => list,
        Some(Err(_)) => {
            return Err(BatchError::invalid("events", "must be an array of events"))
        }
    };
    if raw_events.is_empty() {
        return Err(BatchError::invalid(
            "events",
            "must hold at least one event",
        ));
    }
    if raw_events.len() > MAX_EVENTS_PER_BATCH {
        return Err(BatchError::TooManyEvents {
            count: raw_events.len(),
        });
    }
    let events = raw_events
        .into_iter()
        .enumerate()
        .map(|(i, raw)| parse_event(i, raw))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EventBatch { stream, events })
}

fn problem_of(e: super::stream::StreamError) -> String {
    match e {
        super::stream::StreamError::Invalid { problem, .. } => problem,
        other => other.to_string(),
    }
}

/// `events[i].field`: written out only when an error names it (1,000 events per batch).
#[derive(Debug, Clone, Copy)]
struct FieldPath {
    index: usize,
    field: &'static str,
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "events[{}].{}", self.index, self.field)
    }
}

impl From<FieldPath> for String {
    fn from(p: FieldPath) -> String {
        p.to_string()
    }
}

fn parse_event(index: usize, raw: &RawValue) -> Result<BatchEvent, BatchError> {
    let at = |field: &'static str| FieldPath { index, field };
    let fields = match serde_json::from_str::<Fields>(raw.get()) {
        Ok(f) => f,
        Err(e) if raw.get().starts_with('{') => {
            return Err(BatchError::invalid(
                format!("events[{index}]"),
                format!("has a {}", strip_position(&e)),
            ))
        }
        Err(_) => {
            return Err(BatchError::invalid(
                format!("events[{index}]"),
                "must be an object",
            ))
        }
    };
    let (mut event_type, mut body, mut ts, mut metadata) = (None, None, None, None);
    for (key, value) in fields.0 {
        let text = value.get();
        if text == "null" && key != "body" {
            continue; // null = absent for optional fields
        }
        match key.as_str() {
            "type" => {
                let t = serde_json::from_str::<String>(text).ok();
                event_type = Some(t.as_deref().and_then(EventType::parse).ok_or_else(|| {
                    BatchError::invalid(at("type"), "must be one of log, metric, trace, llm, json")
                })?);
            }
            "body" => body = Some(parse_body(at("body"), text)?),
            "ts" => ts = Some(parse_ts(at("ts"), text)?),
            "metadata" => metadata = Some(parse_metadata(at("metadata"), text)?),
            other => {
                return Err(BatchError::invalid(
                    format!("events[{index}]"),
                    format!(
                        "has an unknown field {}; an event has type, body, ts and metadata",
                        quoted(other)
                    ),
                ))
            }
        }
    }
    let body = body.ok_or_else(|| BatchError::invalid(at("body"), "is required"))?;
    Ok(BatchEvent {
        event_type,
        body,
        ts,
        metadata,
    })
}

fn parse_body(path: FieldPath, text: &str) -> Result<EventBody, BatchError> {
    let too_large = |len| BatchError::FieldTooLarge {
        path: path.into(),
        len,
        max: MAX_EVENT_BODY_BYTES,
    };
    match text.as_bytes().first() {
        Some(b'"') => {
            let s: String = match text[1..].strip_suffix('"') {
                // serde_json checked the string when it took it as raw text: without an escape,
                // the text between the quotes is its value.
                Some(inner) if !inner.contains('\\') => inner.to_owned(),
                _ => serde_json::from_str(text).map_err(|e| BatchError::MalformedJson {
                    detail: format!("{path} is not a valid JSON string ({})", strip_position(&e)),
                })?,
            };
            if s.len() > MAX_EVENT_BODY_BYTES {
                return Err(too_large(s.len()));
            }
            Ok(EventBody::Text(s))
        }
        Some(b'{') => {
            if text.len() > MAX_EVENT_BODY_BYTES {
                return Err(too_large(text.len()));
            }
            Ok(EventBody::Json(text.to_owned()))
        }
        Some(b'-' | b'0'..=b'9') => Ok(EventBody::Number(text.to_owned())),
        _ => Err(BatchError::invalid(
            path,
            "must be a string, number or object",
        )),
    }
}

fn parse_metadata(path: FieldPath, text: &str) -> Result<Map<String, Value>, BatchError> {
    if text.len() > MAX_METADATA_BYTES {
        return Err(BatchError::FieldTooLarge { path: path.into(), len: text.len(), max: MAX_METADATA_BYTES });
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(BatchError::invalid(path, "must be an object")),
    }
}

fn parse_ts(path: FieldPath, text: &str) -> Result<EventTime, BatchError> {
    let time = match text.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(text)
            .ok()
            .and_then(|s| EventTime::parse_rfc3339(&s)),
        Some(b'-' | b'0'..=b'9') => serde_json::from_str::<f64>(text)
            .ok()
            .and_then(EventTime::from_unix_number),
        _ => None,
    };
    time.ok_or_else(|| {
        BatchError::invalid(
            path,
            "must be an RFC 3339 time like \"2026-11-29T10:00:00Z\" or Unix seconds/milliseconds from 1970 to 9999",
        )
    })
}

/// serde_json's message without its " at line L column C" suffix, which would point into a
/// sub-document rather than the request.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

/// Fails when `[`/`{` nest deeper than `max` outside strings. A linear scan with no allocation.
fn check_depth(bytes: &[u8], max: usize) -> Result<(), BatchError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (offset, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Err(BatchError::TooDeep { offset });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// An object's members in order, values left as raw JSON. Unlike a map, it refuses duplicate
/// keys, so `{"body": "a", "body": {...}}` cannot smuggle a second value past validation.
struct Fields<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Fields<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(core::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Fields<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut out: Vec<(String, &'a RawValue)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: &'de RawValue = map.next_value()?;
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(serde::de::Error::custom(format_args!(
                            "duplicate field {}",
                            quoted(&key)
                        )));
                    }
                    out.push((key, value));
                }
                Ok(Fields(out))
            }
        }
        d.deserialize_map(V(core::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<EventBatch, BatchError> {
        EventBatch::parse(s.as_bytes())
    }

    #[test]
    fn the_fast_path_agrees_with_the_field_by_field_reading() {
        let valid = [
            r#"{"stream":"api","events":[{"body":"plain"}]}"#,
            r#"{"events":[{"type":"log","body":"esc \"q\" \u00e9 \n","ts":"2026-11-29T10:00:00.5+01:00","metadata":{"host":"a1","n":12345678901234567890}}],"stream":"api"}"#,
            r#"{"stream":"m","events":[{"type":"metric","body":-1.5e3,"ts":1764410100},{"body":{"b":1,"a":[2]},"type":null,"ts":null,"metadata":null}]}"#,
            r#" { "stream" : "s" , "events" : [ { "body" : 42 , "type" : "trace" } ] } "#,
            r#"{"stream":"s","events":[{"body":""},{"body":"ends in a backslash \\"},{"body":"é ü 💥"}]}"#,
        ];
        for body in valid {
            assert!(parse_valid(body).is_some(), "the fast path refused a valid batch: {body}");
            assert_eq!(parse(body), EventBatch::parse_field_by_field(body.as_bytes()), "{body}");
        }
        let invalid = [
            r#"{"stream":"api","events":[{"body":null}]}"#,
            r#"{"stream":"api","events":[{"body":"a","body":"b"}]}"#,
            r#"{"stream":"api","events":[{"body":"a","extra":1}]}"#,
            r#"{"stream":"api","events":[{"body":"a","ts":"yesterday","type":"nope"}]}"#,
            r#"{"stream":"api","events":[{"body":"a","type":"nope","ts":"yesterday"}]}"#,
            r#"{"stream":"api","events":[]}"#,
            r#"{"stream":null,"events":[{"body":"a"}]}"#,
            r#"{"stream":"Bad Name!","events":[{"body":"a"}]}"#,
            r#"{"stream":"api","events":[{"body":"a","metadata":[1]}]}"#,
            r#"{"stream":"api","events":{"body":"a"}}"#,
        ];
        for body in invalid {
            assert!(parse_valid(body).is_none(), "the fast path took an invalid batch: {body}");
            assert_eq!(parse(body), EventBatch::parse_field_by_field(body.as_bytes()), "{body}");
        }
    }

    fn err(s: &str) -> (BatchErrorClass, String) {
        let e = parse(s).unwrap_err();
        (e.class(), e.to_string())
    }

    fn batch_of(events: &[String]) -> String {
        format!(r#"{{"stream": "s", "events": [{}]}}"#, events.join(","))
    }

    #[test]
    fn the_readme_example_parses() {
        let b = parse(r#"{"stream": "checkout-api", "events": [{"type": "log", "body": "ERROR db timeout", "ts": "2026-11-29T10:00:00Z", "metadata": {"host": "a1"}}]}"#).unwrap();
        assert_eq!(b.stream.as_str(), "checkout-api");
        assert_eq!(b.events.len(), 1);
        let e = &b.events[0];
        assert_eq!(e.event_type, Some(EventType::Log));
        assert_eq!(e.body, EventBody::Text("ERROR db timeout".into()));
        assert_eq!(e.ts.unwrap().to_rfc3339(), "2026-11-29T10:00:00.000Z");
        assert_eq!(e.metadata.as_ref().unwrap()["host"], "a1");
    }

    #[test]
    fn bodies_keep_the_clients_text() {
        let b = parse(r#"{"stream":"s","events":[{"body":{"b": 1.50, "a": [1, {"z": null}]}},{"body":-12.5e3},{"body":"tab\tand \u00e9"},{"body":18446744073709551616123}]}"#).unwrap();
        assert_eq!(
            b.events[0].body,
            EventBody::Json(r#"{"b": 1.50, "a": [1, {"z": null}]}"#.into())
        );
        assert_eq!(b.events[1].body, EventBody::Number("-12.5e3".into()));
        assert_eq!(b.events[2].body.as_str(), "tab\tand é");
        assert_eq!(b.events[3].body.as_bytes(), b"18446744073709551616123");
        assert!(b
            .events
            .iter()
            .all(|e| e.event_type.is_none() && e.ts.is_none() && e.metadata.is_none()));
    }

    #[test]
    fn wrong_types_get_422_with_the_json_path() {
        let cases: &[(&str, &str)] = &[
            (r#"{"stream":"s","events":[{"body":"a"},{"body":"b"},{"body":"c"},{"body":[1]}]}"#, "events[3].body must be a string, number or object"),
            (r#"{"stream":"s","events":[{"body":true}]}"#, "events[0].body must be a string, number or object"),
            (r#"{"stream":"s","events":[{"body":null}]}"#, "events[0].body must be a string, number or object"),
            (r#"{"stream":"s","events":[{"type":"log"}]}"#, "events[0].body is required"),
            (r#"{"stream":"s","events":[{"body":"x","type":"xml"}]}"#, "events[0].type must be one of log, metric, trace, llm, json"),
            (r#"{"stream":"s","events":[{"body":"x","type":1}]}"#, "events[0].type must be one of log, metric, trace, llm, json"),
            (r#"{"stream":"s","events":[{"body":"x","metadata":[1]}]}"#, "events[0].metadata must be an object"),
            (r#"{"stream":"s","events":[{"body":"x","ts":"yesterday"}]}"#, "events[0].ts must be an RFC 3339 time like \"2026-11-29T10:00:00Z\" or Unix seconds/milliseconds from 1970 to 9999"),
            (r#"{"stream":"s","events":[{"body":"x","ts":-1}]}"#, "events[0].ts must be an RFC 3339 time like \"2026-11-29T10:00:00Z\" or Unix seconds/milliseconds from 1970 to 9999"),
            (r#"{"stream":"s","events":[{"body":"x","bdy":"y"}]}"#, "events[0] has an unknown field 'bdy'; an event has type, body, ts and metadata"),
            (r#"{"stream":"s","events":["just a string"]}"#, "events[0] must be an object"),
            (r#"{"stream":"s","events":[{"body":"x","body":{"y":1}}]}"#, "events[0] has a duplicate field 'body'"),
            (r#"{"stream":"s","events":[]}"#, "events must hold at least one event"),
            (r#"{"stream":"s","events":{"body":"x"}}"#, "events must be an array of events"),
            (r#"{"stream":"s"}"#, "events is required"),
            (r#"{"events":[{"body":"x"}]}"#, "stream is required"),
            (r#"{"stream":7,"events":[{"body":"x"}]}"#, "stream must be a string"),
            (r#"{"stream":"Bad","events":[{"body":"x"}]}"#, "stream 'Bad' must be lowercase: use 'bad'"),
            (r#"{"stream":"s","events":[{"body":"x"}],"extra":1}"#, "body has an unknown field 'extra'; a batch has stream and events"),
            (r#"[{"stream":"s"}]"#, "body must be a JSON object"),
            (r#""text""#, "body must be a JSON object"),
        ];
        for (input, want) in cases {
            assert_eq!(
                err(input),
                (BatchErrorClass::Invalid, (*want).to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn duplicate_top_level_fields_are_refused() {
        let (class, msg) = err(r#"{"stream":"a","stream":"b","events":[{"body":"x"}]}"#);
        assert_eq!(
            (class, msg.as_str()),
            (
                BatchErrorClass::Invalid,
                "body has a duplicate field 'stream'"
            )
        );
    }

    #[test]
    fn null_optional_fields_count_as_absent() {
        let b = parse(
            r#"{"stream":"s","events":[{"body":"x","type":null,"ts":null,"metadata":null}]}"#,
        )
        .unwrap();
        assert_eq!(b.events[0].event_type, None);
    }

    #[test]
    fn malformed_bodies_get_400() {
        for input in [
            "",
            "   ",
            "{",
            r#"{"stream":"s","events":[{"body":"x"}]"#,
            r#"{"stream":"s",}"#,
            "nul",
            r#"{"stream":"s","events":[{"body":"x"}]} trailing"#,
        ] {
            assert_eq!(err(input).0, BatchErrorClass::Malformed, "{input:?}");
        }
        let e = EventBatch::parse(b"{\"stream\":\"s\",\"events\":[{\"body\":\"caf\xe9\"}]}")
            .unwrap_err();
        assert_eq!(e, BatchError::InvalidUtf8 { offset: 36 });
        assert_eq!(e.class(), BatchErrorClass::Malformed);
        // A lone surrogate escape is valid JSON syntax but not a string.
        let (class, msg) = err(r#"{"stream":"s","events":[{"body":"\ud800"}]}"#);
        assert_eq!(class, BatchErrorClass::Malformed);
        assert!(
            msg.starts_with("body is not valid JSON: events[0].body is not a valid JSON string"),
            "{msg}"
        );
    }

    #[test]
    fn deep_nesting_is_refused_with_where_it_went_too_deep() {
        // 1 (batch) + 1 (events) + 1 (event) + 29 = 32 levels: accepted.
        let ok_body = format!("{}1{}", "[".repeat(28), "]".repeat(28));
        let ok = format!(r#"{{"stream":"s","events":[{{"body":{{"a":{ok_body}}}}}]}}"#);
        assert!(parse(&ok).is_ok(), "32 levels should pass");
        let deep = format!(r#"{{"stream":"s","events":[{{"body":{{"a":[{ok_body}]}}}}]}}"#);
        let e = parse(&deep).unwrap_err();
        assert!(matches!(e, BatchError::TooDeep { .. }), "{e:?}");
        assert_eq!(e.class(), BatchErrorClass::Malformed);
        // The fast path checks bodies and metadata itself: same answer, same offset.
        let deep_metadata = format!(r#"{{"stream":"s","events":[{{"body":"x"}},{{"body":"y","metadata":{{"a":[{ok_body}]}}}}]}}"#);
        for body in [&ok, &deep, &deep_metadata] {
            assert_eq!(parse(body), EventBatch::parse_field_by_field(body.as_bytes()), "{body}");
        }
        assert!(matches!(parse(&deep_metadata), Err(BatchError::TooDeep { .. })));
        // Far past serde_json's own limit: still our error, and no stack overflow.
        let bomb = "[".repeat(100_000);
        assert!(matches!(
            parse(&bomb),
            Err(BatchError::TooDeep { offset: 32 })
        ));
        // Brackets inside strings (and escaped quotes) do not count.
        let in_string = format!(
            r#"{{"stream":"s","events":[{{"body":"\"{}"}}]}}"#,
            "[".repeat(100)
        );
        assert!(parse(&in_string).is_ok());
    }

    #[test]
    fn size_limits_get_413() {
        let big = vec![b' '; MAX_BATCH_BYTES + 1];
        assert_eq!(
            EventBatch::parse(&big).unwrap_err(),
            BatchError::TooLarge {
                len: MAX_BATCH_BYTES + 1
            }
        );
        assert_eq!(
            EventBatch::parse(&big).unwrap_err().class(),
            BatchErrorClass::TooLarge
        );

        let many: Vec<String> = (0..=MAX_EVENTS_PER_BATCH)
            .map(|i| format!(r#"{{"body":{i}}}"#))
            .collect();
        let (class, msg) = err(&batch_of(&many));
        assert_eq!(class, BatchErrorClass::TooLarge);
        assert_eq!(
            msg,
            "events holds 1001 events, at most 1000 are accepted per batch"
        );
        assert_eq!(
            parse(&batch_of(&many[..MAX_EVENTS_PER_BATCH]))
                .unwrap()
                .events
                .len(),
            1000
        );

        let text = format!(r#"{{"body":"{}"}}"#, "x".repeat(MAX_EVENT_BODY_BYTES + 1));
        assert_eq!(
            err(&batch_of(&[text])),
            (
                BatchErrorClass::TooLarge,
                "events[0].body has 16385 bytes, at most 16384 are accepted".into()
            )
        );
        let exact = format!(r#"{{"body":"{}"}}"#, "é".repeat(MAX_EVENT_BODY_BYTES / 2));
        assert!(parse(&batch_of(&[exact])).is_ok());
        let obj = format!(
            r#"{{"body":{{"k":"{}"}}}}"#,
            "x".repeat(MAX_EVENT_BODY_BYTES)
        );
        assert_eq!(err(&batch_of(&[obj])).0, BatchErrorClass::TooLarge);
        let meta = format!(
            r#"{{"body":"x","metadata":{{"k":"{}"}}}}"#,
            "x".repeat(MAX_METADATA_BYTES)
        );
        let (class, msg) = err(&batch_of(&["{\"body\":1}".into(), meta]));
        assert_eq!(class, BatchErrorClass::TooLarge);
        assert!(
            msg.starts_with("events[1].metadata has 4104 bytes"),
            "{msg}"
        );
    }

    #[test]
    fn messages_never_repeat_event_bodies() {
        let secret = "password=hunter2";
        for input in [
            format!(r#"{{"stream":"s","events":[{{"body":"{secret}","type":"nope"}}]}}"#),
            format!(r#"{{"stream":"s","events":[{{"body":["{secret}"]}}]}}"#),
            format!(r#"{{"stream":"s","events":[{{"body":"{secret}"]}}"#),
        ] {
            let msg = parse(&input).unwrap_err().to_string();
            assert!(!msg.contains("hunter2"), "{msg}");
        }
    }

    #[test]
    fn timestamps_accept_rfc3339_and_unix_numbers() {
        let t = |s: &str| EventTime::parse_rfc3339(s).map(EventTime::unix_millis);
        assert_eq!(t("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(t("2026-11-29T10:00:00Z"), Some(1_795_946_400_000));
        assert_eq!(t("2026-11-29T11:00:00.250+01:00"), Some(1_795_946_400_250));
        assert_eq!(t("2026-11-29t10:00:00.123456789z"), Some(1_795_946_400_123));
        assert_eq!(t("2024-02-29 23:59:60-00:30"), t("2024-03-01T00:29:59Z"));
        for bad in [
            "2026-11-29",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-11-29T24:00:00Z",
            "2026-11-29T10:00:00",
            "2026-11-29T10:00:00+0100",
            "2026-11-29T10:00:00.Z",
            "２026-11-29T10:00:00Z",
            "2026-11-29T10:00:00+01:60",
        ] {
            assert_eq!(t(bad), None, "{bad}");
        }
        let n = |x: f64| EventTime::from_unix_number(x).map(EventTime::unix_millis);
        assert_eq!(n(1_795_946_400.0), Some(1_795_946_400_000));
        assert_eq!(n(1_795_946_400.5), Some(1_795_946_400_500));
        assert_eq!(n(1_795_946_400_250.0), Some(1_795_946_400_250));
        assert_eq!(n(-1.0), None);
        assert_eq!(n(f64::NAN), None);
        assert_eq!(n(1e20), None);
        assert_eq!(
            EventTime::from_unix_number(1_795_946_400.25)
                .unwrap()
                .to_rfc3339(),
            "2026-11-29T10:00:00.250Z"
        );
        assert_eq!(
            EventTime::parse_rfc3339("2000-02-29T23:59:59.999Z")
                .unwrap()
                .to_rfc3339(),
            "2000-02-29T23:59:59.999Z"
        );
        let b = parse(r#"{"stream":"s","events":[{"body":"x","ts":1795946400},{"body":"y","ts":"2026-11-29T10:00:00Z"}]}"#).unwrap();
        assert_eq!(b.events[0].ts, b.events[1].ts);
    }

    #[test]
    fn garbage_never_panics() {
        let seed = br#"{"stream":"s","events":[{"type":"log","body":{"a":[1,"\"x"]},"ts":"2026-11-29T10:00:00Z","metadata":{"k":"v"}}]}"#;
        let alphabet = b"{}[]\",:\\ 0aZ-.e\xff";
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..5_000 {
            let mut bytes = seed.to_vec();
            for _ in 0..(next() % 4 + 1) {
                let pos = (next() as usize) % bytes.len();
                let c = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 => bytes[pos] = c,
                    1 => {
                        bytes.remove(pos);
                    }
                    _ => bytes.insert(pos, c),
                }
            }
            let _ = EventBatch::parse(&bytes);
        }
    }
}

//! Streams and their detector settings as validated types: after the handler, code sees a
//! [`StreamName`] or a [`Sensitivity`], never a raw string or float.
//!
//! Bounds are the intersection of what the database accepts (`streams` check constraints) and
//! what cbad-core's `DetectorConfigBuilder::build` accepts, so a setting that passes here can
//! be both stored and used.

use core::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::echo::quoted;

/// Longest stream name, in characters.
pub const MAX_STREAM_NAME_LEN: usize = 64;
/// Baseline size bounds, in events (cbad-core allows 16..=65536, the database 16..=100000).
pub const BASELINE_SIZE_RANGE: core::ops::RangeInclusive<u32> = 16..=65_536;
/// Window size bounds, in events (cbad-core allows 4..=4096, the database 1..=10000).
pub const WINDOW_SIZE_RANGE: core::ops::RangeInclusive<u32> = 4..=4_096;
/// Default baseline size, in events (the database default).
pub const DEFAULT_BASELINE_SIZE: u32 = 400;
/// Default window size, in events (the database default).
pub const DEFAULT_WINDOW_SIZE: u32 = 50;

/// A stream name: 1-64 characters of `[a-z0-9._-]`, starting with a letter or digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct StreamName(String);

impl StreamName {
    /// Validates a name. Uppercase is refused rather than folded, so `Checkout` and `checkout`
    /// never silently become the same stream.
    pub fn parse(s: &str) -> Result<StreamName, StreamError> {
        let bad = |problem: String| {
            Err(StreamError::Invalid {
                path: "stream".into(),
                problem,
            })
        };
        if s.is_empty() {
            return bad("must not be empty".into());
        }
        let chars = s.chars().count();
        if chars > MAX_STREAM_NAME_LEN {
            return bad(format!(
                "has {chars} characters, at most {MAX_STREAM_NAME_LEN} are allowed"
            ));
        }
        if s.bytes().any(|b| b.is_ascii_uppercase()) && is_name(&s.to_ascii_lowercase()) {
            return bad(format!(
                "{} must be lowercase: use {}",
                quoted(s),
                quoted(&s.to_ascii_lowercase())
            ));
        }
        if !is_name(s) {
            return bad(format!(
                "{} must start with a-z or 0-9 and hold only a-z, 0-9, '.', '_' and '-'",
                quoted(s)
            ));
        }
        Ok(StreamName(s.to_owned()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Same check, but the error names `path` (e.g. `name` in `POST /streams`).
    fn parse_at(s: &str, path: &str) -> Result<StreamName, StreamError> {
        StreamName::parse(s).map_err(|e| e.at(path))
    }
}

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'.' | b'_' | b'-')
        })
}

impl fmt::Display for StreamName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for StreamName {
    type Error = StreamError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        StreamName::parse(&s)
    }
}

impl From<StreamName> for String {
    fn from(n: StreamName) -> String {
        n.0
    }
}

/// Detector sensitivity in `0.0..=1.0` (higher flags more); finite by construction.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Sensitivity(f64);

impl Sensitivity {
    /// The default, 0.5.
    pub const DEFAULT: Sensitivity = Sensitivity(0.5);

    /// Validates a sensitivity.
    pub fn new(value: f64) -> Result<Sensitivity, StreamError> {
        if value.is_finite() && (0.0..=1.0).contains(&value) {
            Ok(Sensitivity(value))
        } else {
            Err(StreamError::Invalid {
                path: "sensitivity".into(),
                problem: format!("is {value}, need a number from 0 to 1"),
            })
        }
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

impl Default for Sensitivity {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl TryFrom<f64> for Sensitivity {
    type Error = StreamError;
    fn try_from(v: f64) -> Result<Self, Self::Error> {
        Sensitivity::new(v)
    }
}

impl From<Sensitivity> for f64 {
    fn from(s: Sensitivity) -> f64 {
        s.0
    }
}

/// What a stream's events are; picks the detector's normalization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventType {
    /// Log lines (the default).
    #[default]
    Log,
    /// Numeric measurements.
    Metric,
    /// Trace spans.
    Trace,
    /// LLM prompts and responses.
    Llm,
    /// Arbitrary JSON documents.
    Json,
}

impl EventType {
    /// Every type, in documentation order.
    pub const ALL: [EventType; 5] = [Self::Log, Self::Metric, Self::Trace, Self::Llm, Self::Json];

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<EventType> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The lowercase name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Log => "log",
            Self::Metric => "metric",
            Self::Trace => "trace",
            Self::Llm => "llm",
            Self::Json => "json",
        }
    }
}

/// The compressor a stream's detector uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompressorChoice {
    /// zstd (ruzstd, fastest level): the default.
    #[default]
    Zstd,
    /// deflate (miniz_oxide): faster, smaller window.
    Deflate,
}

impl CompressorChoice {
    /// Both choices.
    pub const ALL: [CompressorChoice; 2] = [Self::Zstd, Self::Deflate];

    /// Parses the lowercase name.
    pub fn parse(s: &str) -> Option<CompressorChoice> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The lowercase name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zstd => "zstd",
            Self::Deflate => "deflate",
        }
    }
}

/// The body of `PATCH /streams/{id}`: each present field is changed, absent ones are kept.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StreamSettingsPatch {
    /// New name.
    pub name: Option<StreamName>,
    /// New event type.
    pub event_type: Option<EventType>,
    /// New compressor.
    pub compressor: Option<CompressorChoice>,
    /// New sensitivity.
    pub sensitivity: Option<Sensitivity>,
    /// New baseline size, in events, within [`BASELINE_SIZE_RANGE`].
    pub baseline_size: Option<u32>,
    /// New window size, in events, within [`WINDOW_SIZE_RANGE`].
    pub window_size: Option<u32>,
}

/// The body of `POST /streams`, with defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct NewStream {
    /// The stream's name, unique in its organization.
    pub name: StreamName,
    /// Event type (default `log`).
    pub event_type: EventType,
    /// Compressor (default `zstd`).
    pub compressor: CompressorChoice,
    /// Sensitivity (default 0.5).
    pub sensitivity: Sensitivity,
    /// Baseline size in events (default [`DEFAULT_BASELINE_SIZE`]).
    pub baseline_size: u32,
    /// Window size in events (default [`DEFAULT_WINDOW_SIZE`]).
    pub window_size: u32,
}

/// Fields a settings body may hold; anything else is a typo worth reporting.
const SETTINGS_FIELDS: &str =
    "name, event_type, compressor, sensitivity, baseline_size, window_size";

impl StreamSettingsPatch {
    /// Parses and validates a PATCH body. `null` leaves a field unchanged; an empty object is
    /// refused because it changes nothing.
    pub fn parse(raw: &[u8]) -> Result<StreamSettingsPatch, StreamError> {
        let fields = parse_object(raw)?;
        let mut patch = StreamSettingsPatch::default();
        for (key, value) in &fields {
            if value.is_null() {
                continue;
            }
            match key.as_str() {
                "name" => {
                    patch.name = Some(StreamName::parse_at(str_field(value, "name")?, "name")?)
                }
                "event_type" => patch.event_type = Some(event_type_field(value)?),
                "compressor" => patch.compressor = Some(compressor_field(value)?),
                "sensitivity" => patch.sensitivity = Some(sensitivity_field(value)?),
                "baseline_size" => {
                    patch.baseline_size =
                        Some(size_field(value, "baseline_size", BASELINE_SIZE_RANGE)?)
                }
                "window_size" => {
                    patch.window_size = Some(size_field(value, "window_size", WINDOW_SIZE_RANGE)?)
                }
                other => return Err(unknown_field(other)),
            }
        }
        if patch.is_empty() {
            return Err(StreamError::Invalid {
                path: "body".into(),
                problem: format!("changes nothing: set at least one of {SETTINGS_FIELDS}"),
            });
        }
        Ok(patch)
    }

    /// True when no field would change.
    pub fn is_empty(&self) -> bool {
        *self == StreamSettingsPatch::default()
    }
}

impl NewStream {
    /// Parses and validates a POST body; `name` is required, the rest default.
    pub fn parse(raw: &[u8]) -> Result<NewStream, StreamError> {
        let fields = parse_object(raw)?;
        let mut name = None;
        let mut s = NewStream {
            name: StreamName(String::new()),
            event_type: EventType::default(),
            compressor: CompressorChoice::default(),
            sensitivity: Sensitivity::DEFAULT,
            baseline_size: DEFAULT_BASELINE_SIZE,
            window_size: DEFAULT_WINDOW_SIZE,
        };
        for (key, value) in &fields {
            if value.is_null() {
                continue;
            }
            match key.as_str() {
                "name" => name = Some(StreamName::parse_at(str_field(value, "name")?, "name")?),
                "event_type" => s.event_type = event_type_field(value)?,
                "compressor" => s.compressor = compressor_field(value)?,
                "sensitivity" => s.sensitivity = sensitivity_field(value)?,
                "baseline_size" => {
                    s.baseline_size = size_field(value, "baseline_size", BASELINE_SIZE_RANGE)?
                }
                "window_size" => {
                    s.window_size = size_field(value, "window_size", WINDOW_SIZE_RANGE)?
                }
                other => return Err(unknown_field(other)),
            }
        }
        s.name = name.ok_or_else(|| StreamError::Invalid {
            path: "name".into(),
            problem: "is required".into(),
        })?;
        Ok(s)
    }
}

/// Settings bodies are tiny; anything bigger is not a settings body.
const MAX_SETTINGS_BODY: usize = 4 * 1024;

fn parse_object(raw: &[u8]) -> Result<Map<String, Value>, StreamError> {
    if raw.len() > MAX_SETTINGS_BODY {
        return Err(StreamError::Malformed {
            detail: format!(
                "body has {} bytes, at most {MAX_SETTINGS_BODY} are accepted",
                raw.len()
            ),
        });
    }
    let text = std::str::from_utf8(raw).map_err(|e| StreamError::Malformed {
        detail: format!("body is not UTF-8 (byte {})", e.valid_up_to()),
    })?;
    // Settings bodies are flat; serde_json's own recursion limit (128) bounds nesting here.
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(StreamError::Invalid {
            path: "body".into(),
            problem: "must be a JSON object".into(),
        }),
        Err(e) => Err(StreamError::Malformed {
            detail: format!(
                "body is not valid JSON (line {}, column {})",
                e.line(),
                e.column()
            ),
        }),
    }
}

fn unknown_field(name: &str) -> StreamError {
    StreamError::Invalid {
        path: quoted(name),
        problem: format!("is not a stream setting; the settings are {SETTINGS_FIELDS}"),
    }
}

fn str_field<'a>(v: &'a Value, path: &str) -> Result<&'a str, StreamError> {
    v.as_str().ok_or_else(|| StreamError::Invalid {
        path: path.into(),
        problem: "must be a string".into(),
    })
}

fn event_type_field(v: &Value) -> Result<EventType, StreamError> {
    let s = str_field(v, "event_type")?;
    EventType::parse(s).ok_or_else(|| StreamError::Invalid {
        path: "event_type".into(),
        problem: format!(
            "is {}, need one of log, metric, trace, llm, json",
            quoted(s)
        ),
    })
}

fn compressor_field(v: &Value) -> Result<CompressorChoice, StreamError> {
    let s = str_field(v, "compressor")?;
    CompressorChoice::parse(s).ok_or_else(|| StreamError::Invalid {
        path: "compressor".into(),
        problem: format!("is {}, need zstd or deflate", quoted(s)),
    })
}

fn sensitivity_field(v: &Value) -> Result<Sensitivity, StreamError> {
    let f = v.as_f64().ok_or_else(|| StreamError::Invalid {
        path: "sensitivity".into(),
        problem: "must be a number from 0 to 1".into(),
    })?;
    Sensitivity::new(f)
}

fn size_field(
    v: &Value,
    path: &str,
    range: core::ops::RangeInclusive<u32>,
) -> Result<u32, StreamError> {
    let problem = || {
        format!(
            "must be a whole number from {} to {}",
            range.start(),
            range.end()
        )
    };
    let n = v.as_u64().ok_or_else(|| StreamError::Invalid {
        path: path.into(),
        problem: problem(),
    })?;
    u32::try_from(n)
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| StreamError::Invalid {
            path: path.into(),
            problem: format!("is {n}, {}", problem()),
        })
}

/// Why a stream name or settings body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamError {
    /// The body is not JSON (or not UTF-8, or too big): answer 400.
    Malformed {
        /// What is wrong, without repeating the body.
        detail: String,
    },
    /// A field has a bad value: answer 422. The message is `"{path} {problem}"`.
    Invalid {
        /// The field, e.g. `sensitivity`.
        path: String,
        /// What was seen and what is needed.
        problem: String,
    },
}

impl StreamError {
    /// The same problem reported at another path (e.g. `events[0].stream`).
    pub fn at(self, path: &str) -> StreamError {
        match self {
            Self::Invalid { problem, .. } => Self::Invalid {
                path: path.to_owned(),
                problem,
            },
            other => other,
        }
    }
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed { detail } => f.write_str(detail),
            Self::Invalid { path, problem } => write!(f, "{path} {problem}"),
        }
    }
}

impl std::error::Error for StreamError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg<T: fmt::Debug>(r: Result<T, StreamError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn stream_names_follow_the_database_rule() {
        for ok in ["checkout-api", "a", "0", "svc.payments_v2", &"a".repeat(64)] {
            assert_eq!(StreamName::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(msg(StreamName::parse("")), "stream must not be empty");
        assert_eq!(
            msg(StreamName::parse(&"a".repeat(65))),
            "stream has 65 characters, at most 64 are allowed"
        );
        assert_eq!(
            msg(StreamName::parse("Checkout-API")),
            "stream 'Checkout-API' must be lowercase: use 'checkout-api'"
        );
        for bad in ["-x", ".x", "_x", "a b", "a/b", "ä", "a\nb", "x!"] {
            assert!(
                msg(StreamName::parse(bad)).contains("must start with a-z or 0-9"),
                "{bad:?}"
            );
        }
        assert!(msg(StreamName::parse("a\r\nX-Injected: 1")).contains("'a??X-Injected: 1'"));
    }

    #[test]
    fn names_and_sensitivities_round_trip_through_serde() {
        let n: StreamName = serde_json::from_str("\"checkout-api\"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"checkout-api\"");
        assert!(serde_json::from_str::<StreamName>("\"Bad Name\"").is_err());
        let s: Sensitivity = serde_json::from_str("0.25").unwrap();
        assert_eq!(s.get(), 0.25);
        assert!(serde_json::from_str::<Sensitivity>("1.5").is_err());
        assert_eq!(serde_json::to_string(&EventType::Llm).unwrap(), "\"llm\"");
        assert_eq!(
            serde_json::from_str::<CompressorChoice>("\"deflate\"").unwrap(),
            CompressorChoice::Deflate
        );
    }

    #[test]
    fn sensitivity_is_finite_and_within_zero_to_one() {
        assert_eq!(Sensitivity::new(0.0).unwrap().get(), 0.0);
        assert_eq!(Sensitivity::new(1.0).unwrap().get(), 1.0);
        assert_eq!(Sensitivity::default().get(), 0.5);
        for bad in [-0.01, 1.01, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert!(Sensitivity::new(bad).is_err(), "{bad}");
        }
        assert_eq!(
            msg(Sensitivity::new(2.0)),
            "sensitivity is 2, need a number from 0 to 1"
        );
    }

    #[test]
    fn event_types_and_compressors_parse_their_lowercase_names() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(t));
        }
        for c in CompressorChoice::ALL {
            assert_eq!(CompressorChoice::parse(c.as_str()), Some(c));
        }
        assert_eq!(EventType::parse("LOG"), None);
        assert_eq!(CompressorChoice::parse("gzip"), None);
        assert_eq!(EventType::default(), EventType::Log);
        assert_eq!(CompressorChoice::default(), CompressorChoice::Zstd);
    }

    #[test]
    fn a_settings_patch_changes_only_what_it_names() {
        let p = StreamSettingsPatch::parse(
            br#"{"sensitivity": 0.8, "compressor": "deflate", "window_size": null}"#,
        )
        .unwrap();
        assert_eq!(p.sensitivity, Some(Sensitivity::new(0.8).unwrap()));
        assert_eq!(p.compressor, Some(CompressorChoice::Deflate));
        assert_eq!(
            (p.name, p.event_type, p.baseline_size, p.window_size),
            (None, None, None, None)
        );
        let p = StreamSettingsPatch::parse(br#"{"name": "renamed", "event_type": "json", "baseline_size": 16, "window_size": 4096}"#).unwrap();
        assert_eq!(p.name.unwrap().as_str(), "renamed");
        assert_eq!((p.baseline_size, p.window_size), (Some(16), Some(4096)));
    }

    #[test]
    fn bad_settings_get_messages_naming_the_field() {
        let cases: &[(&[u8], &str)] = &[
            (br#"{"sensitivity": 1.5}"#, "sensitivity is 1.5, need a number from 0 to 1"),
            (br#"{"sensitivity": "high"}"#, "sensitivity must be a number from 0 to 1"),
            (br#"{"compressor": "gzip"}"#, "compressor is 'gzip', need zstd or deflate"),
            (br#"{"event_type": 3}"#, "event_type must be a string"),
            (br#"{"event_type": "xml"}"#, "event_type is 'xml', need one of log, metric, trace, llm, json"),
            (br#"{"window_size": 3}"#, "window_size is 3, must be a whole number from 4 to 4096"),
            (br#"{"window_size": 2.5}"#, "window_size must be a whole number from 4 to 4096"),
            (br#"{"baseline_size": 99999999999}"#, "baseline_size is 99999999999, must be a whole number from 16 to 65536"),
            (br#"{"name": "Nope"}"#, "name 'Nope' must be lowercase: use 'nope'"),
            (br#"{"sensitivty": 0.5}"#, "'sensitivty' is not a stream setting; the settings are name, event_type, compressor, sensitivity, baseline_size, window_size"),
            (br#"{}"#, "body changes nothing: set at least one of name, event_type, compressor, sensitivity, baseline_size, window_size"),
            (br#"{"sensitivity": null}"#, "body changes nothing: set at least one of name, event_type, compressor, sensitivity, baseline_size, window_size"),
            (br#"[1]"#, "body must be a JSON object"),
        ];
        for (raw, want) in cases {
            let err = StreamSettingsPatch::parse(raw).unwrap_err();
            assert!(matches!(err, StreamError::Invalid { .. }), "{err:?}");
            assert_eq!(err.to_string(), *want);
        }
        for raw in [&b"{"[..], b"", b"\xff\xfe", b"{\"a\":1}}"] {
            assert!(
                matches!(
                    StreamSettingsPatch::parse(raw),
                    Err(StreamError::Malformed { .. })
                ),
                "{raw:?}"
            );
        }
        assert!(matches!(
            StreamSettingsPatch::parse(&vec![b' '; 5000]),
            Err(StreamError::Malformed { .. })
        ));
    }

    #[test]
    fn a_new_stream_needs_a_name_and_defaults_the_rest() {
        let s = NewStream::parse(br#"{"name": "checkout-api"}"#).unwrap();
        assert_eq!(s.name.as_str(), "checkout-api");
        assert_eq!(
            (s.event_type, s.compressor),
            (EventType::Log, CompressorChoice::Zstd)
        );
        assert_eq!(
            (s.sensitivity.get(), s.baseline_size, s.window_size),
            (0.5, 400, 50)
        );
        let s = NewStream::parse(br#"{"name": "m", "event_type": "metric", "sensitivity": 0.9}"#)
            .unwrap();
        assert_eq!(
            (s.event_type, s.sensitivity.get()),
            (EventType::Metric, 0.9)
        );
        assert_eq!(
            NewStream::parse(br#"{"event_type": "log"}"#)
                .unwrap_err()
                .to_string(),
            "name is required"
        );
        assert_eq!(
            NewStream::parse(br#"{"name": ""}"#)
                .unwrap_err()
                .to_string(),
            "name must not be empty"
        );
    }
}

//! `StreamDetectorObject`: one Durable Object per (org, stream) owns that stream's detector.
//!
//! Events of a stream are scored strictly in order; after each batch the detector's snapshot
//! and, when a retry can name the batch, its verdicts (keyed by idempotency key) are written to
//! the object's SQLite storage, so a restart resumes with bit-identical verdicts and a retried
//! batch is answered from storage instead of being scored twice. Then the object stores the
//! batch's findings in the database and answers the API's JSON ([`crate::ingest`]).

use super::protocol::{
    decode_request, encode_request, events_digest, EventsDigest, DetectorSettings, EventRef, FramedEvent, MetricsJson, ScoreAnswer, ScoreHeader,
    ScoreRequest, VerdictJson, VerdictsWriter,
};
use crate::config::Config;
use crate::domain::plan::QUOTA_WARNING_HEADER;
use crate::error::ApiError;
use crate::ingest::{store_and_answer, Answered};
use crate::store::Store;
use cbad_core::{Compressor, DetectorConfig, EventBody, EventKind, StreamDetector};
use std::cell::{Cell, RefCell};
use worker::*;

/// How many recent batch answers are kept for idempotent retries (a 1,000-event answer is
/// ~250 KB, so this bounds the object's storage).
const KEPT_BATCHES: i64 = 256;

/// How long a keyless batch that could not be stored waits for the client to send it again.
const UNSTORED_RETRY_MS: u64 = 10 * 60 * 1000;

struct Loaded {
    settings: DetectorSettings,
    detector: StreamDetector,
}

/// A batch sent without an idempotency key that was scored (so learned) but could not be
/// stored: the client was told 503 and will likely send the same events again. That resend
/// gets these verdicts and this database key instead of being learned a second time (and if
/// the first store did commit after all, the database replays it instead of counting twice).
struct UnstoredBatch {
    digest: EventsDigest,
    batch_key: String,
    answer: ScoreAnswer,
    at_ms: u64,
}

/// The Durable Object class bound as `STREAM_DETECTOR`.
#[durable_object]
pub struct StreamDetectorObject {
    state: State,
    env: Env,
    loaded: RefCell<Option<Loaded>>,
    /// The tables exist (checked once per instance, not per batch).
    schema_ready: Cell<bool>,
    /// The last keyless batch whose storing failed, kept in memory only (after an eviction a
    /// resend is scored again, as any new batch).
    unstored: RefCell<Option<UnstoredBatch>>,
}

fn detector_config(s: &DetectorSettings) -> std::result::Result<DetectorConfig, String> {
    let kind = match s.event_type.as_str() {
        "metric" => EventKind::Metric,
        "trace" => EventKind::Trace,
        "llm" => EventKind::Llm,
        "json" => EventKind::Json,
        _ => EventKind::Log,
    };
    let compressor = if s.compressor == "deflate" { Compressor::Deflate } else { Compressor::Zstd };
    DetectorConfig::builder()
        .kind(kind)
        .compressor(compressor)
        .sensitivity(s.sensitivity)
        .baseline_events(s.baseline_size)
        .window_events(s.window_size)
        .build()
        .map_err(|e| e.to_string())
}

/// Checks settings with the detector's own builder; the message says what was wrong.
pub fn check_settings(s: &DetectorSettings) -> std::result::Result<(), String> {
    detector_config(s).map(|_| ())
}

/// Settings that need a new detector (a new baseline); sensitivity alone does not.
fn same_structure(a: &DetectorSettings, b: &DetectorSettings) -> bool {
    a.event_type == b.event_type
        && a.compressor == b.compressor
        && a.baseline_size == b.baseline_size
        && a.window_size == b.window_size
}

impl StreamDetectorObject {
    fn sql(&self) -> SqlStorage {
        self.state.storage().sql()
    }

    fn ensure_schema(&self) -> Result<()> {
        if self.schema_ready.get() {
            return Ok(());
        }
        let sql = self.sql();
        sql.exec("CREATE TABLE IF NOT EXISTS detector (id INTEGER PRIMARY KEY CHECK (id = 1), settings TEXT NOT NULL, snapshot BLOB NOT NULL)", None::<Vec<SqlStorageValue>>)?;
        // `answers` holds framed score answers (see `protocol`), replayed byte for byte.
        // `digest` ([`events_digest`] of the batch) tells a retry from a key reused for other events.
        sql.exec("CREATE TABLE IF NOT EXISTS answers (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT UNIQUE NOT NULL, answer BLOB NOT NULL, digest BLOB)", None::<Vec<SqlStorageValue>>)?;
        // Objects whose table predates `digest` get the column; their kept answers have none and
        // replay by key alone, as they did.
        if sql.exec("SELECT digest FROM answers LIMIT 0", None::<Vec<SqlStorageValue>>).is_err() {
            sql.exec("ALTER TABLE answers ADD COLUMN digest BLOB", None::<Vec<SqlStorageValue>>)?;
        }
        self.schema_ready.set(true);
        Ok(())
    }

    /// The detector for these settings: from memory, else from the snapshot, else new.
    fn prepare(&self, settings: &DetectorSettings) -> std::result::Result<(), String> {
        let mut slot = self.loaded.borrow_mut();
        if slot.is_none() {
            let cursor = self
                .sql()
                .exec("SELECT settings, snapshot FROM detector WHERE id = 1", None::<Vec<SqlStorageValue>>)
                .map_err(|e| format!("reading the snapshot: {e}"))?;
            if let Some(row) = cursor.raw().next() {
                let row = row.map_err(|e| format!("reading the snapshot: {e}"))?;
                if let [SqlStorageValue::String(settings), SqlStorageValue::Blob(snapshot)] = row.as_slice() {
                    let saved: DetectorSettings =
                        serde_json::from_str(settings).map_err(|e| format!("stored settings: {e}"))?;
                    // A snapshot that no longer decodes (e.g. an old format) starts a new
                    // baseline rather than failing the stream forever.
                    if let Ok(detector) = StreamDetector::restore(snapshot) {
                        *slot = Some(Loaded { settings: saved, detector });
                    }
                }
            }
        }
        match slot.as_mut() {
            Some(l) if same_structure(&l.settings, settings) => {
                if l.settings.sensitivity != settings.sensitivity {
                    l.detector.set_sensitivity(settings.sensitivity).map_err(|e| e.to_string())?;
                    l.settings.sensitivity = settings.sensitivity;
                }
            }
            _ => {
                let detector = StreamDetector::new(detector_config(settings)?);
                *slot = Some(Loaded { settings: settings.clone(), detector });
            }
        }
        Ok(())
    }

    fn score(&self, events: &[FramedEvent<'_>]) -> ScoreAnswer {
        let mut slot = self.loaded.borrow_mut();
        let loaded = slot.as_mut().expect("prepare() loaded a detector");
        let mut verdicts = VerdictsWriter::with_capacity(events.len());
        for (position, e) in events.iter().enumerate() {
            let body = match e.body {
                EventRef::Text(t) => EventBody::Text(t),
                EventRef::Number(n) => EventBody::Number(n),
                EventRef::Json(j) => EventBody::Json(j),
            };
            verdicts.push(position, verdict_json(loaded.detector.score(body)));
        }
        verdicts.finish()
    }

    /// Saves the detector's snapshot and, when a retry can ask for it, the batch's answer with
    /// the digest of its events.
    fn persist(&self, kept: Option<(&str, EventsDigest, Vec<u8>)>) -> Result<()> {
        let slot = self.loaded.borrow();
        let loaded = slot.as_ref().expect("scored with a detector");
        let sql = self.sql();
        let settings = serde_json::to_string(&loaded.settings)?;
        sql.exec(
            "INSERT OR REPLACE INTO detector (id, settings, snapshot) VALUES (1, ?, ?)",
            vec![settings.into(), loaded.detector.snapshot().into()],
        )?;
        if let Some((key, digest, answer)) = kept {
            sql.exec(
                "INSERT OR IGNORE INTO answers (key, answer, digest) VALUES (?, ?, ?)",
                vec![key.into(), answer.into(), digest.to_vec().into()],
            )?;
            sql.exec(
                "DELETE FROM answers WHERE seq <= (SELECT MAX(seq) FROM answers) - ?",
                vec![KEPT_BATCHES.into()],
            )?;
        }
        Ok(())
    }
}

fn verdict_json(v: cbad_core::Verdict) -> VerdictJson {
    let m = &v.metrics;
    VerdictJson {
        index: v.index,
        score: v.score,
        p_value: v.p_value,
        anomaly: v.anomaly,
        severity: v.severity.map(|s| s.as_str().to_string()),
        metrics: MetricsJson {
            conditional_bits_per_byte: metric(m.conditional_bits_per_byte),
            compression_ratio: metric(m.compression_ratio),
            entropy: metric(m.entropy),
            ncd: m.ncd.and_then(metric),
            drift: m.drift,
        },
        novel: v.novel.iter().map(|&(s, e)| [s, e]).collect(),
        explanation: v.explanation,
        warming_up: v.warming_up,
    }
}

/// A descriptive metric as the API shows it: four decimals (sixteen digits of a bits-per-byte
/// figure mean nothing and cost ~40 bytes per verdict); `None` when not finite.
fn metric(x: f64) -> Option<f64> {
    x.is_finite().then(|| (x * 1e4).round() / 1e4)
}

impl DurableObject for StreamDetectorObject {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            loaded: RefCell::new(None),
            schema_ready: Cell::new(false),
            unstored: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let bytes = req.bytes().await?;
        let answered = match decode_request(&bytes) {
            Ok(request) => self.answer_batch(&request).await,
            Err(e) => Err(ApiError::internal(format!("bad score request: {e}"))),
        };
        match answered {
            Ok(a) => {
                let mut resp = Response::from_bytes(a.body)?;
                resp.headers_mut().set("content-type", "application/json")?;
                if let Some(warning) = a.warning {
                    resp.headers_mut().set(QUOTA_WARNING_HEADER, &warning)?;
                }
                Ok(resp)
            }
            Err(e) => Ok(Response::from_json(&e.to_hop())?.with_status(e.status())),
        }
    }
}

impl StreamDetectorObject {
    /// Scores the batch (or finds its kept verdicts), then stores what it found and answers.
    async fn answer_batch(&self, request: &ScoreRequest<'_>) -> std::result::Result<Answered, ApiError> {
        let header = &request.header;
        let key = header.idempotency_key.as_deref();
        // Synchronous until the answer is kept: no other batch can interleave with this one.
        let resent = if key.is_none() { self.take_unstored(&request.events) } else { None };
        let digest = key.map(|_| events_digest(&request.events));
        let (mut answer, batch_key) = match self.kept_answer(key)? {
            // A retry of the kept batch; the same key with other events would lose those events
            // behind a replay, so it is refused.
            Some((_, Some(kept))) if Some(kept) != digest => return Err(ApiError::idempotency_key_reused()),
            Some((kept, _)) => (kept, header.batch_key.clone()),
            None => match resent {
                Some(unstored) => (unstored.answer, unstored.batch_key),
                None => {
                    self.prepare(&header.settings).map_err(|e| ApiError::invalid(format!("detector settings: {e}")))?;
                    let answer = self.score(&request.events);
                    // Framed only when kept: a keyless batch's ~300 KB answer is never replayed.
                    self.persist(key.zip(digest).map(|(k, d)| (k, d, answer.encode()))).map_err(storage_error)?;
                    (answer, header.batch_key.clone())
                }
            },
        };
        let stored = store_and_answer(&self.store()?, header, &batch_key, &request.events, &mut answer).await;
        if stored.is_err() && key.is_none() {
            *self.unstored.borrow_mut() =
                Some(UnstoredBatch { digest: events_digest(&request.events), batch_key, answer, at_ms: Date::now().as_millis() });
        }
        stored
    }

    /// The unstored keyless batch, if `events` are its events sent again in time.
    fn take_unstored(&self, events: &[FramedEvent<'_>]) -> Option<UnstoredBatch> {
        let mut slot = self.unstored.borrow_mut();
        let fresh = slot.as_ref().is_some_and(|u| Date::now().as_millis().saturating_sub(u.at_ms) < UNSTORED_RETRY_MS);
        if !fresh {
            *slot = None;
            return None;
        }
        // Hashed only while a batch waits (rare): not on the way of every batch.
        slot.take_if(|u| u.digest == events_digest(events))
    }

    /// The answer kept for this idempotency key, if a batch under it was scored before, with the
    /// digest of that batch's events (none for answers kept before digests were).
    fn kept_answer(&self, key: Option<&str>) -> std::result::Result<Option<(ScoreAnswer, Option<EventsDigest>)>, ApiError> {
        self.ensure_schema().map_err(storage_error)?;
        let Some(key) = key else { return Ok(None) };
        let rows = self.sql().exec("SELECT answer, digest FROM answers WHERE key = ?", vec![key.into()]).map_err(storage_error)?;
        let Some(row) = rows.raw().next().transpose().map_err(storage_error)? else { return Ok(None) };
        let mut columns = row.into_iter();
        let Some(SqlStorageValue::Blob(bytes)) = columns.next() else { return Ok(None) };
        let answer = ScoreAnswer::decode(bytes).map_err(|e| ApiError::internal(format!("a kept answer: {e}")))?;
        let digest = match columns.next() {
            Some(SqlStorageValue::Blob(d)) => EventsDigest::try_from(d.as_slice()).ok(),
            _ => None,
        };
        Ok(Some((answer, digest)))
    }

    /// The database client, on the isolate's configuration ([`Config::shared`]: read once).
    fn store(&self) -> std::result::Result<Store, ApiError> {
        let config = Config::shared(&self.env)?;
        Ok(Store::new(&config))
    }
}

/// The object's own storage failed: the batch was not accepted and may be retried.
fn storage_error(e: worker::Error) -> ApiError {
    ApiError::unavailable("the stream's detector storage", e.to_string())
}

/// The typed client handlers use to reach a stream's detector.
pub struct DetectorClient {
    stub: Stub,
}

impl DetectorClient {
    /// The detector object of one stream of one organization.
    pub fn for_stream(env: &Env, org_id: &str, stream_id: &str) -> Result<Self> {
        let ns = env.durable_object("STREAM_DETECTOR")?;
        let stub = ns.id_from_name(&format!("{org_id}/{stream_id}"))?.get_stub()?;
        Ok(Self { stub })
    }

    /// Scores a batch in order and stores what it found; a retry with the same key is answered
    /// from storage. The answer (status 200) is `POST /events`' body, for the client unread.
    pub async fn score<'a>(
        &self,
        header: &ScoreHeader,
        events: impl ExactSizeIterator<Item = FramedEvent<'a>>,
    ) -> std::result::Result<Response, ApiError> {
        let body = encode_request(header, events);
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
        let req = Request::new_with_init("https://stream-detector/score", &init)?;
        let mut resp = self
            .stub
            .fetch_with_request(req)
            .await
            .map_err(|e| ApiError::unavailable("the stream's detector", e.to_string()))?;
        match resp.status_code() {
            200 => Ok(resp),
            s => Err(ApiError::from_hop(s, &resp.bytes().await.unwrap_or_default())),
        }
    }
}

//! One file per resource: parse -> domain -> store/detection -> JSON.

pub mod anomalies;
pub mod api_keys;
pub mod events;
pub mod feed;
pub mod ingest_queue;
pub mod me;
pub mod meta;
pub mod metrics;
pub mod notifications;
pub mod overage;
pub mod streams;
pub mod subscription;
pub mod usage;
pub mod webhook;

use crate::error::ApiError;
use serde::Serialize;
use std::collections::HashMap;
use worker::{Request, Response};

/// Largest JSON body accepted by routes other than `POST /events` and the webhook.
pub const MAX_SMALL_BODY: usize = 64 * 1024;

/// A JSON response with a status.
pub fn json<T: Serialize>(status: u16, value: &T) -> Result<Response, ApiError> {
    Ok(Response::from_json(value)?.with_status(status))
}

/// Reads the raw body, refusing it early when `Content-Length` or the bytes exceed `max`.
pub async fn read_body(req: &mut Request, max: usize) -> Result<Vec<u8>, ApiError> {
    if let Some(len) = req.headers().get("content-length").ok().flatten().and_then(|v| v.parse::<usize>().ok()) {
        if len > max {
            return Err(ApiError::too_large(format!("body of {len} bytes is over the limit of {max} bytes")));
        }
    }
    let bytes = req.bytes().await.map_err(|e| ApiError::bad_request(format!("could not read the body: {e}")))?;
    if bytes.len() > max {
        return Err(ApiError::too_large(format!("body of {} bytes is over the limit of {max} bytes", bytes.len())));
    }
    Ok(bytes)
}

/// Parses a small JSON body into `T`, with 400 for unreadable JSON and 422 for wrong fields.
pub async fn read_json<T: serde::de::DeserializeOwned>(req: &mut Request) -> Result<T, ApiError> {
    let bytes = read_body(req, MAX_SMALL_BODY).await?;
    parse_json(&bytes)
}

/// Parses JSON bytes into `T` (400 malformed, 422 wrong shape).
pub fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ApiError::bad_request("the body is not valid UTF-8"))?;
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
    serde_json::from_value(value).map_err(|e| ApiError::invalid(format!("invalid request body: {e}")))
}

/// The query string as a map (last value wins).
pub fn query(req: &Request) -> HashMap<String, String> {
    req.url().map(|u| u.query_pairs().into_owned().collect()).unwrap_or_default()
}

/// True when `s` looks like a UUID (ids in paths are checked before they reach PostgREST).
pub fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// 404 for ids that cannot exist.
pub fn require_uuid(id: &str, what: &str) -> Result<(), ApiError> {
    if is_uuid(id) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("no {what} with that id")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_recognised_and_junk_is_not() {
        assert!(is_uuid("11111111-1111-4111-8111-111111111111"));
        assert!(!is_uuid("11111111-1111-4111-8111-11111111111"));
        assert!(!is_uuid("1;drop table anomalies;--"));
        assert!(!is_uuid("11111111x1111-4111-8111-111111111111"));
    }

    #[test]
    fn json_bodies_fail_with_the_right_status() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct B {
            status: String,
        }
        assert_eq!(parse_json::<B>(b"{not json").unwrap_err().status(), 400);
        assert_eq!(parse_json::<B>(&[0xff, 0xfe]).unwrap_err().status(), 400);
        assert_eq!(parse_json::<B>(br#"{"status": 3}"#).unwrap_err().status(), 422);
        assert!(parse_json::<B>(br#"{"status": "open"}"#).is_ok());
    }
}

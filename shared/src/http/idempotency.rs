//! `Idempotency-Key` for create endpoints.
//!
//! The first request with a key is served and its response remembered (see
//! [`crate::store::idempotency`]). A retry with the same key and the same request gets that
//! response again, marked `Idempotent-Replayed: true`; the same key with a different request
//! is 422; a retry while the first is still being served is 409.

use std::collections::BTreeMap;

use axum::response::{IntoResponse, Response};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};

use super::ApiError;
use crate::domain::UserId;
use crate::store::idempotency::{IdempotencyRecord, IdempotentWrite, RecordState, StoredResponse};
use crate::store::{Store, StoreError};

/// The request header.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on a replayed response.
pub const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// A client's idempotency key: 1–255 visible ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyKey(String);

/// What an `Idempotency-Key` must look like: 1 to 255 visible ASCII characters.
pub const KEY_PATTERN: &str = "^[!-~]{1,255}$";

impl IdempotencyKey {
    /// Reads the optional header.
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ApiError> {
        let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
            return Ok(None);
        };
        let bad = || {
            ApiError::bad_request(
                "Idempotency-Key must be 1 to 255 visible ASCII characters (a UUID is ideal).",
            )
        };
        let key = value.to_str().map_err(|_| bad())?;
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad());
        }
        Ok(Some(Self(key.to_owned())))
    }

    /// The key as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A fingerprint of the request: method, route and the JSON document with sorted keys, so
/// whitespace or key order do not make the same request look different.
pub fn request_hash(route: &str, document: &serde_json::Value) -> String {
    let canonical = serde_json::to_string(document).unwrap_or_default();
    let digest = aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        format!("{route}\n{canonical}").as_bytes(),
    );
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// What to remember and replay of a response: its status, body, `ETag` and `Location`.
pub fn remember(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> StoredResponse {
    let kept: BTreeMap<String, String> = [header::ETAG, header::LOCATION]
        .iter()
        .filter_map(|name| {
            let value = headers.get(name)?.to_str().ok()?;
            Some((name.as_str().to_owned(), value.to_owned()))
        })
        .collect();
    StoredResponse {
        status: status.as_u16(),
        body: String::from_utf8_lossy(body).into_owned(),
        headers: kept,
    }
}

/// Rebuilds a remembered response.
pub fn replay(stored: &StoredResponse) -> Response {
    crate::metrics::idempotent_replay();
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, stored.body.clone()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    for (name, value) in &stored.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.insert(name, value);
        }
    }
    response
}

/// The answer when `key` turned out to be taken: replay, 422 or 409.
pub async fn answer_taken_key(
    store: &Store,
    user: &UserId,
    key: &IdempotencyKey,
    request_hash: &str,
    now: jiff::Timestamp,
) -> Result<Response, ApiError> {
    let record = store.idempotency_record(user, key.as_str(), now).await?;
    decide(record.as_ref(), request_hash)
}

/// Decides from the record found under a taken key.
pub fn decide(
    record: Option<&IdempotencyRecord>,
    request_hash: &str,
) -> Result<Response, ApiError> {
    let Some(record) = record else {
        // It expired between our write and our read: rare; the client's retry will succeed.
        return Err(ApiError::Conflict(
            "A request with this Idempotency-Key just finished; please retry.".into(),
        ));
    };
    if record.request_hash != request_hash {
        return Err(ApiError::IdempotencyKeyReused);
    }
    match (&record.state, &record.response) {
        (RecordState::Completed, Some(response)) => Ok(replay(response)),
        _ => Err(ApiError::Conflict(
            "A request with this Idempotency-Key is still being processed; retry in a moment."
                .into(),
        )),
    }
}

/// The record to write with a new entity, given the response it will answer with.
pub fn completed_write(
    user: &UserId,
    key: &IdempotencyKey,
    request_hash: String,
    response: StoredResponse,
    now: jiff::Timestamp,
) -> IdempotentWrite {
    IdempotentWrite {
        user: user.clone(),
        key: key.as_str().to_owned(),
        request_hash,
        response: Some(response),
        now,
        conversation: None,
        stored: None,
    }
}

/// A create request, as far as idempotency is concerned.
#[derive(Debug)]
pub struct CreateRequest<'a> {
    /// The caller.
    pub user: &'a UserId,
    /// The client's key, if it sent one.
    pub key: Option<&'a IdempotencyKey>,
    /// The route, e.g. `POST /v1/moods`.
    pub route: &'a str,
    /// The request's JSON document.
    pub document: &'a serde_json::Value,
    /// The time of the request.
    pub now: jiff::Timestamp,
    /// The conversation the created thing belongs to, if any.
    pub conversation: Option<String>,
}

/// Runs a create whose answer is `response` (with JSON `body`). Without a key: `write(None)`.
/// With one: `write(Some(record))` must store the entity and the completed record in one
/// transaction; if the key turns out to be taken, the first request's record answers
/// (replay, 422 or 409).
pub async fn create_once<F, Fut, E>(
    store: &Store,
    request: CreateRequest<'_>,
    response: Response,
    body: &[u8],
    write: F,
) -> Result<Response, ApiError>
where
    F: FnOnce(Option<IdempotentWrite>) -> Fut,
    Fut: std::future::Future<Output = Result<(), E>>,
    E: CreateFailure,
{
    let Some(key) = request.key else {
        write(None).await.map_err(Into::into)?;
        return Ok(response);
    };
    let hash = request_hash(request.route, request.document);
    let mut record = completed_write(
        request.user,
        key,
        hash.clone(),
        remember(response.status(), response.headers(), body),
        request.now,
    );
    record.conversation = request.conversation;
    match write(Some(record)).await {
        Ok(()) => Ok(response),
        Err(error) if error.key_taken() => {
            answer_taken_key(store, request.user, key, &hash, request.now).await
        }
        Err(error) => Err(error.into()),
    }
}

/// A create's failure: either the idempotency key is taken (the first request's record
/// answers) or something to report as it is.
pub trait CreateFailure: Into<ApiError> {
    /// Whether the write failed because the idempotency key is taken.
    fn key_taken(&self) -> bool;
}

impl CreateFailure for StoreError {
    fn key_taken(&self) -> bool {
        is_taken(self)
    }
}

/// Classifies a failed idempotent write: a taken key is not an error of ours.
pub fn is_taken(error: &StoreError) -> bool {
    matches!(error, StoreError::ConditionFailed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_document_hashes_the_same_whatever_its_formatting() {
        let a: serde_json::Value = serde_json::from_str(r#"{"score": 5, "tags": ["a"]}"#).unwrap();
        let b: serde_json::Value =
            serde_json::from_str("{\"tags\":[\"a\"],\n \"score\":5}").unwrap();
        let c: serde_json::Value = serde_json::from_str(r#"{"score": 6, "tags": ["a"]}"#).unwrap();
        assert_eq!(
            request_hash("POST /v1/moods", &a),
            request_hash("POST /v1/moods", &b)
        );
        assert_ne!(
            request_hash("POST /v1/moods", &a),
            request_hash("POST /v1/moods", &c)
        );
        assert_ne!(
            request_hash("POST /v1/moods", &a),
            request_hash("POST /v1/journals", &a)
        );
    }

    #[test]
    fn keys_must_be_short_visible_ascii() {
        let mut headers = HeaderMap::new();
        assert_eq!(IdempotencyKey::from_headers(&headers).unwrap(), None);
        headers.insert(IDEMPOTENCY_KEY, HeaderValue::from_static("with space"));
        assert!(IdempotencyKey::from_headers(&headers).is_err());
        headers.insert(
            IDEMPOTENCY_KEY,
            HeaderValue::from_str(&"k".repeat(256)).unwrap(),
        );
        assert!(IdempotencyKey::from_headers(&headers).is_err());
    }

    #[test]
    fn a_taken_key_replays_refuses_a_different_body_and_waits_for_one_in_flight() {
        let done = IdempotencyRecord {
            request_hash: "h".into(),
            state: RecordState::Completed,
            response: Some(StoredResponse {
                status: 201,
                body: "{}".into(),
                headers: BTreeMap::new(),
            }),
            expires_at: jiff::Timestamp::UNIX_EPOCH,
            lease_until_ms: None,
            stored: None,
            conversation: None,
        };
        let replayed = decide(Some(&done), "h").unwrap();
        assert_eq!(replayed.status(), StatusCode::CREATED);
        assert_eq!(replayed.headers()[REPLAYED], "true");
        assert!(matches!(
            decide(Some(&done), "other"),
            Err(ApiError::IdempotencyKeyReused)
        ));
        let in_flight = IdempotencyRecord {
            state: RecordState::InFlight,
            response: None,
            ..done
        };
        assert!(matches!(
            decide(Some(&in_flight), "h"),
            Err(ApiError::Conflict(_))
        ));
    }
}

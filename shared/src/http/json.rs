//! The JSON body extractor: `application/json` only, at most [`MAX_BODY_BYTES`], unknown
//! fields refused (request types use `#[serde(deny_unknown_fields)]`), and every failure a
//! problem+json naming the field at fault.

use axum::body::Body;
use axum::extract::{FromRequest, Request};
use http::header;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::{ApiError, MAX_BODY_BYTES};
use crate::domain::FieldError;

/// A parsed JSON body, with the document it came from (for request hashing).
#[derive(Debug)]
pub struct JsonBody<T> {
    /// The typed body.
    pub value: T,
    /// The document as parsed, keys sorted: the same request always hashes the same.
    pub document: serde_json::Value,
}

impl<S, T> FromRequest<S> for JsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request<Body>, _state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers()) {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = read_body(request).await?;
        parse(&bytes)
    }
}

/// A JSON body that may be left out entirely: an empty body, or the JSON document `null`,
/// reads as `T::default()`, so `curl -X POST` without a body works (and so does a client
/// that serialises "no body" as `null`); any other body must be JSON like any other.
#[derive(Debug)]
pub struct OptionalJsonBody<T> {
    /// The typed body.
    pub value: T,
    /// The document as parsed (`{}` for an empty body).
    pub document: serde_json::Value,
}

impl<S, T> FromRequest<S> for OptionalJsonBody<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Default,
{
    type Rejection = ApiError;

    async fn from_request(request: Request<Body>, _state: &S) -> Result<Self, Self::Rejection> {
        let json = is_json(request.headers());
        let bytes = read_body(request).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self {
                value: T::default(),
                document: serde_json::json!({}),
            });
        }
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        if bytes.trim_ascii() == b"null" {
            return Ok(Self {
                value: T::default(),
                document: serde_json::json!({}),
            });
        }
        let JsonBody { value, document } = parse(&bytes)?;
        Ok(Self { value, document })
    }
}

/// For `PATCH` fields where `null` means "remove": absent stays `None`, `null` becomes
/// `Some(None)`. Use with `#[serde(default, deserialize_with = "nullable")]`.
pub fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A field that may be left out but, when given, must not be `null` (`null` would otherwise
/// read as "left out", which the document does not allow). Use with
/// `#[serde(default, deserialize_with = "present")]`.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// An integer field that also reads `6.0`: JSON Schema's `integer` is any number with no
/// fraction, and the document promises what JSON Schema means. Use with
/// `#[serde(deserialize_with = "whole_number")]`.
pub fn whole_number<'de, D>(deserializer: D) -> Result<i64, D::Error>
where
    D: serde::Deserializer<'de>,
{
    deserializer.deserialize_any(WholeNumber)
}

struct WholeNumber;

impl serde::de::Visitor<'_> for WholeNumber {
    type Value = i64;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an integer")
    }

    fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<i64, E> {
        Ok(n)
    }

    fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<i64, E> {
        i64::try_from(n).map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(n), &self))
    }

    fn visit_f64<E: serde::de::Error>(self, f: f64) -> Result<i64, E> {
        // Beyond 2^53 a float no longer says which integer it meant.
        if f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0 {
            Ok(f as i64)
        } else {
            Err(E::invalid_type(serde::de::Unexpected::Float(f), &self))
        }
    }
}

/// [`whole_number`] for a field that may be left out but not be `null`.
pub fn present_whole_number<'de, D>(deserializer: D) -> Result<Option<i64>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    whole_number(deserializer).map(Some)
}

/// [`whole_number`] for a field that may be left out (`None`) or be `null` (`Some(None)`,
/// "remove it"). Use with `#[serde(default, deserialize_with = "nullable_whole_number")]`.
pub fn nullable_whole_number<'de, D>(deserializer: D) -> Result<Option<Option<i64>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct Nullable;
    impl<'de> serde::de::Visitor<'de> for Nullable {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an integer or null")
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            whole_number(d).map(Some)
        }
    }
    deserializer.deserialize_option(Nullable).map(Some)
}

/// The one shape of a time on the wire: UTC with exactly three fractional digits
/// (`2026-12-05T10:00:00.000Z`), the precision of every stored time, so every time a client
/// reads has the same length and sorts as text.
const WIRE_TIME: &str = "%Y-%m-%dT%H:%M:%S%.3fZ";

/// Writes a response's time in [`WIRE_TIME`]'s shape (`#[serde(serialize_with = ...)]`).
pub fn time<S: serde::Serializer>(at: &jiff::Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&at.strftime(WIRE_TIME))
}

/// [`time`] for a time that may be absent (`null`).
pub fn optional_time<S: serde::Serializer>(
    at: &Option<jiff::Timestamp>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => time(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// A JSON response with `status` (the body is serialised without fallible steps that a
/// request could influence).
pub fn respond<T: serde::Serialize>(
    status: http::StatusCode,
    body: &T,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

/// Reads the whole body, refusing more than [`MAX_BODY_BYTES`] with 413.
async fn read_body(request: Request<Body>) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(request.into_body(), MAX_BODY_BYTES)
        .await
        .map_err(|error| {
            if is_length_limit(&error) {
                ApiError::PayloadTooLarge
            } else {
                ApiError::bad_request("The request body could not be read.")
            }
        })
}

/// Parses `bytes` as a JSON document of type `T`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<JsonBody<T>, ApiError> {
    let document: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "The body is not valid JSON (line {}, column {}).",
            e.line(),
            e.column()
        ))
    })?;
    if !document.is_object() {
        return Err(ApiError::bad_request("The body must be a JSON object."));
    }
    let value = deserialize_reporting_all(&document)?;
    Ok(JsonBody { value, document })
}

/// serde stops at the first problem; to report every unknown or mistyped field at once we
/// drop the offending top-level field and try again, a bounded number of times.
fn deserialize_reporting_all<T: DeserializeOwned>(
    document: &serde_json::Value,
) -> Result<T, ApiError> {
    let mut attempt = document.clone();
    let mut errors: Vec<FieldError> = Vec::new();
    let mut dropped: Vec<String> = Vec::new();
    for _ in 0..16 {
        let error = match serde_path_to_error::deserialize(&attempt) {
            Ok(value) if errors.is_empty() => return Ok(value),
            Ok(_) => break,
            Err(error) => field_error(&error),
        };
        let top = error
            .field
            .split(['.', '['])
            .next()
            .unwrap_or_default()
            .to_owned();
        // A field we dropped for being mistyped now reads as missing: already reported.
        if !dropped.contains(&top) {
            errors.push(error);
        }
        let removed = attempt
            .as_object_mut()
            .and_then(|fields| fields.remove(&top))
            .is_some();
        if !removed {
            break;
        }
        dropped.push(top);
    }
    Err(ApiError::Validation(errors))
}

fn is_json(headers: &http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

fn is_length_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = e.source();
    }
    false
}

/// Turns serde's message into a field error that does not echo the client's value back.
pub(crate) fn field_error(error: &serde_path_to_error::Error<serde_json::Error>) -> FieldError {
    let path = error.path().to_string();
    let message = error.inner().to_string();
    describe(&path, &message)
}

/// Names the field and says what is wrong, from a serde message and the path it arose at.
pub(crate) fn describe(path: &str, message: &str) -> FieldError {
    let at_root = path.is_empty() || path == ".";
    let join = |name: &str| {
        if at_root {
            name.to_owned()
        } else {
            format!("{path}.{name}")
        }
    };
    if let Some(name) = backticked(message, "missing field `") {
        return FieldError::new(join(name), "is required");
    }
    if let Some(name) = backticked(message, "unknown field `") {
        // serde_path_to_error already descended into the unknown field.
        let field = if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            join(name)
        };
        return FieldError::new(field, "is not a known field");
    }
    if let Some(name) = backticked(message, "duplicate field `") {
        return FieldError::new(join(name), "is given more than once");
    }
    let field = if at_root {
        "body".to_owned()
    } else {
        path.to_owned()
    };
    if message.starts_with("invalid type") || message.starts_with("invalid value") {
        let expected = message
            .split(", expected ")
            .nth(1)
            .map(|e| e.split(" at line").next().unwrap_or(e))
            .unwrap_or("another type");
        return FieldError::new(field, format!("must be {}", plain_expectation(expected)));
    }
    // Our own checks (`serde::de::Error::custom`) are written for clients already.
    FieldError::new(field, message.split(" at line").next().unwrap_or(message))
}

fn backticked<'a>(message: &'a str, prefix: &str) -> Option<&'a str> {
    let rest = message.strip_prefix(prefix)?;
    rest.split('`').next()
}

fn plain_expectation(expected: &str) -> &str {
    match expected {
        "i8" | "i16" | "i32" | "i64" | "u8" | "u16" | "u32" | "u64" | "an integer" => "an integer",
        "f32" | "f64" => "a number",
        "a sequence" => "a list",
        "a boolean" => "true or false",
        "a string" | "a borrowed string" => "a string",
        other if other.starts_with("struct ") => "an object",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        #[serde(deserialize_with = "whole_number")]
        score: i64,
        tags: Option<Vec<String>>,
    }

    fn error_of(body: &str) -> ApiError {
        parse::<Sample>(body.as_bytes()).unwrap_err()
    }

    fn field(body: &str) -> FieldError {
        match error_of(body) {
            ApiError::Validation(errors) => errors[0].clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn an_integer_may_be_written_with_a_zero_fraction_as_json_schema_allows() {
        assert_eq!(
            parse::<Sample>(br#"{"score": 6.0}"#).unwrap().value.score,
            6
        );
        assert_eq!(
            field(r#"{"score": 6.5}"#),
            FieldError::new("score", "must be an integer")
        );
        assert_eq!(
            field(r#"{"score": 1e300}"#),
            FieldError::new("score", "must be an integer")
        );
    }

    #[test]
    fn missing_unknown_and_mistyped_fields_are_named() {
        assert_eq!(field("{}"), FieldError::new("score", "is required"));
        assert_eq!(
            field(r#"{"score": 1, "mood": 2}"#),
            FieldError::new("mood", "is not a known field")
        );
        assert_eq!(
            field(r#"{"score": "I feel awful"}"#),
            FieldError::new("score", "must be an integer")
        );
        assert_eq!(
            field(r#"{"score": 1, "tags": [1]}"#),
            FieldError::new("tags[0]", "must be a string")
        );
    }

    #[test]
    fn every_unknown_or_mistyped_field_is_reported_at_once() {
        match error_of(r#"{"score": "x", "colour": "blue", "tags": 3}"#) {
            ApiError::Validation(errors) => {
                let mut fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                fields.sort_unstable();
                assert_eq!(fields, vec!["colour", "score", "tags"]);
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn broken_json_and_non_objects_are_bad_requests() {
        assert!(matches!(
            error_of("{\"score\": "),
            ApiError::BadRequest { .. }
        ));
        assert!(matches!(error_of("[1, 2]"), ApiError::BadRequest { .. }));
    }

    #[derive(serde::Serialize)]
    struct Times {
        #[serde(serialize_with = "time")]
        at: jiff::Timestamp,
        #[serde(serialize_with = "optional_time")]
        maybe: Option<jiff::Timestamp>,
    }

    #[test]
    fn times_on_the_wire_always_carry_three_fractional_digits_in_utc() {
        let whole: jiff::Timestamp = "2026-12-05T10:00:00+01:00".parse().unwrap();
        let fraction: jiff::Timestamp = "2026-12-05T09:00:00.12Z".parse().unwrap();
        let written = serde_json::to_value(Times {
            at: whole,
            maybe: Some(fraction),
        })
        .unwrap();
        assert_eq!(written["at"], "2026-12-05T09:00:00.000Z");
        assert_eq!(written["maybe"], "2026-12-05T09:00:00.120Z");
        let absent = serde_json::to_value(Times {
            at: whole,
            maybe: None,
        })
        .unwrap();
        assert!(absent["maybe"].is_null());
    }
}

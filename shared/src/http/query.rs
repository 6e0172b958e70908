//! The query-string extractor: unknown parameters refused, every failure a 400 naming the
//! parameter.

use axum::extract::FromRequestParts;
use http::request::Parts;
use serde::de::DeserializeOwned;

use super::ApiError;
use super::json::describe;

/// Typed query parameters (request types use `#[serde(deny_unknown_fields)]`).
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parse(parts.uri.query().unwrap_or_default()).map(ApiQuery)
    }
}

/// Parses an optional RFC 3339 time parameter; a malformed one is a 400 naming `field`.
pub fn time_param(field: &str, raw: Option<&str>) -> Result<Option<jiff::Timestamp>, ApiError> {
    raw.map(|raw| {
        crate::domain::parse_timestamp(field, raw)
            .map_err(|e| ApiError::bad_parameter(field, &e.message))
    })
    .transpose()
}

/// Refuses a range whose start is after its end.
pub fn check_range(
    from: Option<jiff::Timestamp>,
    to: Option<jiff::Timestamp>,
) -> Result<(), ApiError> {
    match (from, to) {
        (Some(from), Some(to)) if from > to => {
            Err(ApiError::bad_parameter("from", "must not be after `to`"))
        }
        _ => Ok(()),
    }
}

/// The page size and time window every list takes.
#[derive(Debug, Clone, Copy)]
pub struct ListWindow {
    /// Items per page.
    pub limit: usize,
    /// At or after.
    pub from: Option<jiff::Timestamp>,
    /// At or before.
    pub to: Option<jiff::Timestamp>,
}

/// Parses `limit`, `from` and `to` of a list (`from` not after `to`).
pub fn list_window(
    limit: Option<u32>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<ListWindow, ApiError> {
    let limit = super::pagination::limit(limit)?;
    let from = time_param("from", from)?;
    let to = time_param("to", to)?;
    check_range(from, to)?;
    Ok(ListWindow { limit, from, to })
}

/// Parses an optional `tag` parameter as a label.
pub fn tag_param(raw: Option<&str>) -> Result<Option<crate::domain::text::Label>, ApiError> {
    raw.map(|raw| {
        crate::domain::text::Label::parse("tag", raw)
            .map_err(|e| ApiError::bad_parameter("tag", &e.message))
    })
    .transpose()
}

/// The range of a summary: `to` defaults to `now`, `from` to `default` before `to`; `from`
/// not after `to`, and at most 366 days apart.
pub fn summary_range(
    from: Option<&str>,
    to: Option<&str>,
    now: jiff::Timestamp,
    default: jiff::SignedDuration,
) -> Result<(jiff::Timestamp, jiff::Timestamp), ApiError> {
    let to = time_param("to", to)?.unwrap_or(now);
    let from =
        time_param("from", from)?.unwrap_or_else(|| to.saturating_sub(default).unwrap_or(to));
    check_range(Some(from), Some(to))?;
    if to.duration_since(from) > crate::domain::summary::MAX_RANGE {
        return Err(ApiError::bad_parameter(
            "from",
            "must be at most 366 days before `to`",
        ));
    }
    Ok((from, to))
}

/// Parses a query string into `T`.
pub fn parse<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let deserializer =
        serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let field = describe(&e.path().to_string(), &e.inner().to_string());
        ApiError::BadRequest {
            detail: format!("query parameter `{}` {}", field.field, field.message),
            errors: vec![field],
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Params {
        limit: Option<u32>,
        tag: Option<String>,
    }

    #[test]
    fn unknown_repeated_and_mistyped_parameters_are_refused_by_name() {
        assert!(parse::<Params>("limit=5&tag=work").is_ok());
        for (query, name) in [
            ("limt=5", "limt"),
            ("limit=abc", "limit"),
            ("tag=a&tag=b", "tag"),
        ] {
            match parse::<Params>(query) {
                Err(ApiError::BadRequest { errors, .. }) => {
                    assert_eq!(errors[0].field, name, "{query}")
                }
                other => panic!("{query}: {other:?}"),
            }
        }
    }
}

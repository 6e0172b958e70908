//! Versions as entity tags: `ETag: "<version>"` on responses, `If-Match` on writes.

use http::{HeaderMap, HeaderValue, header};

use super::ApiError;

/// The strong entity tag of `version`.
pub fn etag(version: u64) -> HeaderValue {
    // Digits inside quotes are always a valid header value; the fallback is unreachable.
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// What an `If-Match` header must look like: `*` or one strong ETag as the API sent it.
pub const IF_MATCH_PATTERN: &str = r#"^(\*|"[0-9]{1,19}")$"#;

/// What `If-Match` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precondition {
    /// No `If-Match` header.
    Absent,
    /// `If-Match: *`: any current version.
    Any,
    /// `If-Match: "<version>"`.
    Version(u64),
}

impl Precondition {
    /// Reads `If-Match`. Weak tags never match (RFC 9110 uses strong comparison here), and a
    /// list of several tags is refused: one request changes one version.
    pub fn from_headers(headers: &HeaderMap) -> Result<Self, ApiError> {
        let Some(value) = headers.get(header::IF_MATCH) else {
            return Ok(Self::Absent);
        };
        let bad = || {
            ApiError::bad_request(
                "If-Match must be `*` or one ETag exactly as the API returned it, e.g. \"3\".",
            )
        };
        let value = value.to_str().map_err(|_| bad())?.trim();
        if value == "*" {
            return Ok(Self::Any);
        }
        let inner = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .ok_or_else(bad)?;
        if inner.is_empty() || !inner.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        inner.parse().map(Self::Version).map_err(|_| bad())
    }

    /// The version an update must find: `None` for `*`; 428 when the header is missing.
    pub fn required_version(self) -> Result<Option<u64>, ApiError> {
        match self {
            Self::Absent => Err(ApiError::PreconditionRequired),
            Self::Any => Ok(None),
            Self::Version(v) => Ok(Some(v)),
        }
    }

    /// The version a delete must find, if the client named one.
    pub fn optional_version(self) -> Option<u64> {
        match self {
            Self::Version(v) => Some(v),
            Self::Absent | Self::Any => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(value: &str) -> Result<Precondition, ApiError> {
        let mut headers = HeaderMap::new();
        headers.insert(header::IF_MATCH, HeaderValue::from_str(value).unwrap());
        Precondition::from_headers(&headers)
    }

    #[test]
    fn if_match_accepts_one_strong_tag_or_a_star() {
        assert_eq!(read("\"3\"").unwrap(), Precondition::Version(3));
        assert_eq!(read("*").unwrap(), Precondition::Any);
        for bad in ["3", "W/\"3\"", "\"3\", \"4\"", "\"x\"", "\"\""] {
            assert!(read(bad).is_err(), "{bad}");
        }
        assert_eq!(etag(3), "\"3\"");
    }

    #[test]
    fn an_update_without_if_match_is_refused_with_428() {
        assert!(matches!(
            Precondition::Absent.required_version(),
            Err(ApiError::PreconditionRequired)
        ));
    }
}

//! The one error type of the API, rendered as RFC 9457 `application/problem+json`.
//!
//! 4xx details are written for the client and safe to show. A 5xx says nothing internal: its
//! cause is logged (without user content) and the body is generic.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

use crate::domain::FieldError;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem details object.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem (see `docs/problems.md`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request, in plain words.
    pub detail: String,
    /// For validation problems: each field at fault.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For a message at risk that was limited: the crisis resources to show at once (the
    /// same `safety` object a chat turn carries). A person at risk never gets a bare 429.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub safety: Option<serde_json::Value>,
}

/// Every way a request can fail. Each variant's doc names its status.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: a malformed query, path, header or JSON document.
    #[error("{detail}")]
    BadRequest {
        /// What is wrong.
        detail: String,
        /// The parameters at fault, if known.
        errors: Vec<FieldError>,
    },
    /// 401: no valid access token.
    #[error("not authenticated")]
    Unauthorized,
    /// 404: nothing here for this caller (also for other users' items).
    #[error("not found")]
    NotFound,
    /// 405: the path exists, the method does not.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: a conflicting request is in progress.
    #[error("{0}")]
    Conflict(String),
    /// 412: `If-Match` names an older version.
    #[error("the resource has changed")]
    PreconditionFailed,
    /// 413: the body is larger than the limit.
    #[error("body too large")]
    PayloadTooLarge,
    /// 415: the body is not JSON.
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// 422: the body is JSON but breaks the rules.
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// 422: an `Idempotency-Key` reused with a different request.
    #[error("idempotency key reused")]
    IdempotencyKeyReused,
    /// 428: the update needs an `If-Match` header.
    #[error("precondition required")]
    PreconditionRequired,
    /// 429: too many requests; retry after the given seconds.
    #[error("{detail}")]
    TooManyRequests {
        /// Seconds until a retry can succeed.
        retry_after_secs: u64,
        /// Which limit was reached.
        detail: String,
        /// The crisis resources, when the limited message was at risk.
        safety: Option<serde_json::Value>,
    },
    /// 503: a dependency is overloaded or unreachable; retry shortly.
    #[error("service unavailable")]
    Unavailable {
        /// Seconds until a retry may succeed.
        retry_after_secs: u64,
    },
    /// 500: a bug or an unexpected failure. The cause is logged, never sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    /// A 400 with one sentence of detail.
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::BadRequest {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// A 400 naming the parameter at fault.
    pub fn bad_parameter(field: &str, message: &str) -> Self {
        Self::BadRequest {
            detail: format!("query parameter `{field}` {message}"),
            errors: vec![FieldError::new(field, message)],
        }
    }

    /// A 500 whose `cause` goes to the log only.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    /// The HTTP status of this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation(_) | Self::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem document sent for this error.
    pub fn problem(&self) -> Problem {
        let (slug, title, detail) = match self {
            Self::BadRequest { detail, .. } => ("bad-request", "Bad request", detail.clone()),
            Self::Unauthorized => (
                "unauthorized",
                "Not authenticated",
                "A valid access token is required: send `Authorization: Bearer <token>`.".into(),
            ),
            Self::NotFound => ("not-found", "Not found", "There is nothing here.".into()),
            Self::MethodNotAllowed => (
                "method-not-allowed",
                "Method not allowed",
                "This path does not support this method.".into(),
            ),
            Self::Conflict(detail) => ("conflict", "Conflict", detail.clone()),
            Self::PreconditionFailed => (
                "precondition-failed",
                "Precondition failed",
                "The resource has changed since you read it; fetch it again and retry with its new ETag.".into(),
            ),
            Self::PayloadTooLarge => (
                "payload-too-large",
                "Payload too large",
                format!("The request body must be at most {} bytes.", super::MAX_BODY_BYTES),
            ),
            Self::UnsupportedMediaType => (
                "unsupported-media-type",
                "Unsupported media type",
                "Send the body as JSON with `Content-Type: application/json`.".into(),
            ),
            Self::Validation(errors) => (
                "validation-error",
                "Validation failed",
                describe_fields(errors),
            ),
            Self::IdempotencyKeyReused => (
                "idempotency-key-reused",
                "Idempotency key reused",
                "This Idempotency-Key was already used with a different request; use a new key for a new request.".into(),
            ),
            Self::PreconditionRequired => (
                "precondition-required",
                "Precondition required",
                "Send `If-Match` with the ETag you last read, so no one else's change is overwritten.".into(),
            ),
            Self::TooManyRequests { detail, .. } => {
                ("too-many-requests", "Too many requests", detail.clone())
            }
            Self::Unavailable { .. } => (
                "unavailable",
                "Service unavailable",
                "The service is busy; please retry shortly.".into(),
            ),
            Self::Internal(_) => (
                "internal-error",
                "Internal error",
                "Something went wrong on our side. Nothing you sent was lost or half-applied; please retry.".into(),
            ),
        };
        let errors = match self {
            Self::BadRequest { errors, .. } | Self::Validation(errors) => errors.clone(),
            _ => Vec::new(),
        };
        let safety = match self {
            Self::TooManyRequests { safety, .. } => safety.clone(),
            _ => None,
        };
        Problem {
            kind: format!("urn:therabot:problem:{slug}"),
            title: title.to_owned(),
            status: self.status().as_u16(),
            detail,
            errors,
            safety,
        }
    }
}

fn describe_fields(errors: &[FieldError]) -> String {
    let parts: Vec<String> = errors
        .iter()
        .map(|e| format!("`{}` {}", e.field, e.message))
        .collect();
    format!("The request has invalid fields: {}.", parts.join("; "))
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(error = %cause, "request failed");
        }
        let problem = self.problem();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status(), body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        match self {
            Self::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Self::TooManyRequests {
                retry_after_secs, ..
            }
            | Self::Unavailable { retry_after_secs } => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(error: crate::store::StoreError) -> Self {
        match error {
            crate::store::StoreError::Throttled(code) => {
                tracing::warn!(code = %code, "store throttled");
                Self::Unavailable {
                    retry_after_secs: 1,
                }
            }
            crate::store::StoreError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "store unavailable");
                Self::Unavailable {
                    retry_after_secs: 2,
                }
            }
            // A token issued before the erasure: as if it had expired.
            crate::store::StoreError::Erased => {
                tracing::info!("request refused: the account was erased");
                Self::Unauthorized
            }
            other => Self::internal(other),
        }
    }
}

impl From<crate::store::versioned::WriteError> for ApiError {
    fn from(error: crate::store::versioned::WriteError) -> Self {
        use crate::store::versioned::WriteError;
        match error {
            WriteError::NotFound => Self::NotFound,
            WriteError::VersionMismatch => Self::PreconditionFailed,
            WriteError::Store(error) => error.into(),
        }
    }
}

impl From<crate::secrets::SecretsError> for ApiError {
    fn from(error: crate::secrets::SecretsError) -> Self {
        match error {
            // Secrets Manager down or slow: the request can be sent again shortly.
            crate::secrets::SecretsError::Fetch(cause) => {
                tracing::warn!(error = %cause, "the secret could not be fetched");
                Self::Unavailable {
                    retry_after_secs: 5,
                }
            }
            // A secret without the values we need is a deployment mistake.
            malformed @ crate::secrets::SecretsError::Malformed(_) => Self::internal(malformed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_error_says_nothing_internal() {
        let error = ApiError::internal("ValidationException: table therabot-prod missing");
        let problem = error.problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.contains("therabot-prod"));
    }

    #[test]
    fn a_validation_error_lists_each_field() {
        let problem = ApiError::Validation(vec![
            FieldError::new("score", "is required"),
            FieldError::new("note", "is too long"),
        ])
        .problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors.len(), 2);
        assert!(problem.detail.contains("`score` is required"));
        assert_eq!(problem.kind, "urn:therabot:problem:validation-error");
    }
}

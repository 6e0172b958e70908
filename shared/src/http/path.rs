//! Path parameters: an entry id that is not a well-formed ULID is a 400 naming it.

use axum::extract::{FromRequestParts, Path};
use http::request::Parts;

use super::ApiError;
use crate::domain::{EntryId, FieldError};

/// The `{id}` of a route such as `/v1/moods/{id}`.
#[derive(Debug, Clone, Copy)]
pub struct IdPath(pub EntryId);

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let bad = || ApiError::BadRequest {
            detail: "The id in the path is not a valid id (26 characters, as returned by the API)."
                .into(),
            errors: vec![FieldError::new("id", "is not a valid id")],
        };
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| bad())?;
        let id: crate::domain::EntryId = raw.parse().map_err(|()| bad())?;
        // The request's span (see `layers`) carries the id, never the user's text.
        tracing::Span::current().record("entity_id", tracing::field::display(id));
        Ok(IdPath(id))
    }
}

//! Path parameters: an entry id that is not a well-formed ULID is a 400 naming it.

use axum::extract::{FromRequestParts, Path};
use http::request::Parts;

use super::ApiError;
use crate::domain::{FieldError, Id};

/// The `{id}` of a route such as `/v1/moods/{id}`, as the id of the route's kind of entity
/// (`IdPath<MoodId>`, `IdPath<ConversationId>`).
#[derive(Debug, Clone, Copy)]
pub struct IdPath<T>(pub T);

impl<S: Send + Sync, E> FromRequestParts<S> for IdPath<Id<E>> {
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
        let id: Id<E> = raw.parse().map_err(|()| bad())?;
        // The request's span (see `layers`) carries the id, never the user's text.
        tracing::Span::current().record("entity_id", tracing::field::display(id));
        Ok(IdPath(id))
    }
}

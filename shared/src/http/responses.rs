//! Response sets shared by every route's OpenAPI description, written once: the failures
//! that do not depend on the route (authentication, the JSON body's size and type).

use utoipa::IntoResponses;

use super::Problem;

/// Every route behind the authorizer may answer this.
#[derive(IntoResponses)]
pub enum Authenticated {
    /// The token is missing, expired, or not one of ours.
    #[response(
        status = 401,
        description = "Not authenticated",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
}

/// Every route that reads a JSON body may answer these.
#[derive(IntoResponses)]
pub enum JsonBodied {
    /// Over [`super::MAX_BODY_BYTES`].
    #[response(
        status = 413,
        description = "Body over 64 KiB",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    /// Not `application/json`.
    #[response(
        status = 415,
        description = "Body not JSON (Content-Type must be application/json)",
        content_type = "application/problem+json"
    )]
    NotJson(Problem),
}

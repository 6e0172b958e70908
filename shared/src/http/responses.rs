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

/// Every route that reads or changes one item by its id may answer this. Another user's
/// item is "not found" too: its existence is nobody else's business.
#[derive(IntoResponses)]
pub enum Found {
    /// No item of the caller has this id.
    #[response(
        status = 404,
        description = "No such item (or not yours)",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
}

/// Every creation that honours `Idempotency-Key` and can run long may answer this.
#[derive(IntoResponses)]
pub enum InFlight {
    /// A request with the same key is still running; retry after it.
    #[response(
        status = 409,
        description = "A request with the same Idempotency-Key is still in flight",
        content_type = "application/problem+json"
    )]
    Conflict(Problem),
}

/// Every change guarded by `If-Match` may answer this.
#[derive(IntoResponses)]
pub enum Conditional {
    /// The item's `ETag` is no longer the one sent.
    #[response(
        status = 412,
        description = "Changed since you read it (If-Match does not match its ETag)",
        content_type = "application/problem+json"
    )]
    Stale(Problem),
}

/// A change that requires `If-Match` adds this to [`Conditional`].
#[derive(IntoResponses)]
pub enum MatchRequired {
    /// No `If-Match` was sent.
    #[response(
        status = 428,
        description = "If-Match missing",
        content_type = "application/problem+json"
    )]
    Missing(Problem),
}

/// A route whose only input is the id in its path answers this beside [`Found`] (a route
/// that also reads a body or a header describes its own 400).
#[derive(IntoResponses)]
pub enum MalformedId {
    /// The id is not one the API issues.
    #[response(
        status = 400,
        description = "Malformed id",
        content_type = "application/problem+json"
    )]
    Malformed(Problem),
}

/// Every list answers this for a parameter it cannot read, or a `next_token` that was not
/// issued for this very list.
#[derive(IntoResponses)]
pub enum Listed {
    /// Named in the problem's `errors`.
    #[response(
        status = 400,
        description = "Malformed parameter, or a next_token not issued for this list",
        content_type = "application/problem+json"
    )]
    BadParameter(Problem),
}

//! The moods function: a user's mood log under `/v1/moods`.
//!
//! Routes are declared with `#[utoipa::path]` and collected by [`routes`], so the OpenAPI
//! document is generated from the same code that serves requests.

pub mod api;
mod handlers;

use axum::Router;
use therabot_shared::AppContext;

// The moods routes, not yet bound to a context: `routes()` with their OpenAPI description,
// `plain_routes()` without (therabot_shared::http::routes).
therabot_shared::routes!(AppContext;
    [handlers::create_mood, handlers::list_moods],
    [handlers::mood_summary],
    [handlers::get_mood, handlers::update_mood, handlers::delete_mood],
);

/// The complete router of the moods function, as Lambda serves it.
pub fn router(context: AppContext) -> Router {
    therabot_shared::http::layers::finish(plain_routes().with_state(context))
}

/// The OpenAPI description of the moods routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

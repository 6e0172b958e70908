//! The moods function: a user's mood log under `/v1/moods`.
//!
//! Routes are declared with `#[utoipa::path]` and collected by [`routes`], so the OpenAPI
//! document is generated from the same code that serves requests.

pub mod api;
mod handlers;

use axum::Router;
use therabot_shared::AppContext;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The moods routes, with their OpenAPI description, not yet bound to a context.
pub fn routes() -> OpenApiRouter<AppContext> {
    OpenApiRouter::new()
        .routes(routes!(handlers::create_mood, handlers::list_moods))
        .routes(routes!(handlers::mood_summary))
        .routes(routes!(
            handlers::get_mood,
            handlers::update_mood,
            handlers::delete_mood
        ))
}

/// The complete router of the moods function, as Lambda serves it.
pub fn router(context: AppContext) -> Router {
    let (router, _) = routes().split_for_parts();
    therabot_shared::http::layers::finish(router.with_state(context))
}

/// The OpenAPI description of the moods routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

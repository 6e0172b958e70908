//! What every router gets: problem+json for unknown routes and methods, a panic guard,
//! `Cache-Control: no-store` (these are health data; no cache should keep them), one log
//! line per request with the route template, never the raw path, query or body, and the
//! request's metrics, flushed as it is answered.

use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, header};
use lambda_http::RequestExt;
use tower_http::catch_panic::CatchPanicLayer;
use tracing::Instrument;

use super::ApiError;

/// Adds the fallbacks and layers every API router needs. Call it once, on the final router.
pub fn finish(router: Router) -> Router {
    router
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(middleware::from_fn(log_and_protect))
        .layer(CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| {
                // The payload may quote request data; it is deliberately not logged.
                ApiError::internal("handler panicked").into_response()
            },
        ))
}

async fn log_and_protect(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // Every line logged while serving the request carries these fields: ids, never text.
    let request_id = request
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        %method,
        route = %route,
        request_id = %request_id,
        entity_id = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    let _entered = span.enter();
    let headers = response.headers_mut();
    // Health data must never be cached; a handler serving public data sets its own.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    let status = response.status().as_u16();
    let latency_ms = (started.elapsed().as_secs_f64() * 100_000.0).round() / 100.0;
    tracing::info!(%method, route = %route, status, latency_ms, "request");
    crate::metrics::request(&format!("{method} {route}"), status, started.elapsed());
    // Lambda serves one request at a time per container: what this one recorded leaves now.
    crate::metrics::flush();
    response
}

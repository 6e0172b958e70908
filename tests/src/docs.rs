//! The API's OpenAPI 3.1 document, assembled from every function's routes, and the routes
//! that serve it locally (`/openapi.json`, and a reading page at `/docs`).

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, SecurityRequirement};

/// The document of the whole API.
pub fn openapi() -> OpenApi {
    let mut doc = OpenApi::default();
    doc.info = InfoBuilder::new()
        .title("Therabot API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The backend of Therabot, a mental-health support app. Every route needs a Cognito \
             access token (`Authorization: Bearer <token>`) carrying the `therabot/api` scope. \
             Errors are RFC 9457 problem documents (`application/problem+json`).",
        ))
        .build();
    doc.merge(moods::openapi());
    doc.merge(chat::openapi());
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc.security = Some(vec![SecurityRequirement::new("bearer", ["therabot/api"])]);
    doc
}

/// The document as committed in `docs/openapi.json`.
pub fn openapi_json() -> String {
    let mut text = openapi().to_pretty_json().unwrap_or_default();
    text.push('\n');
    text
}

const DOCS_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Therabot API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><div id="app"></div>
<script id="api-reference" data-url="/openapi.json"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
<noscript>The reference page needs JavaScript and the Scalar script from jsDelivr; the raw
document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
</body></html>"#;

/// `/openapi.json` and `/docs`.
pub fn routes() -> Router {
    Router::new()
        .route(
            "/openapi.json",
            get(|| async {
                (
                    [(http::header::CONTENT_TYPE, "application/json")],
                    openapi_json(),
                )
            }),
        )
        .route("/docs", get(|| async { Html(DOCS_PAGE) }))
}

//! The journals function: a user's journal under `/v1/journals`, and the catalogue of writing
//! prompts under `/v1/journals/prompts`.
//!
//! Every saved body passes the same offline crisis screen as a chat message (rules and the
//! semantic classifier; no model is asked, so saving is never delayed). The response carries
//! the verdict and crisis lines, and an entry at risk updates the user's risk state exactly as
//! a chat message does, so their next conversation opens with a check-in.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
mod handlers;
pub mod prompts;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use therabot_shared::AppContext;
use therabot_shared::safety::semantic::SemanticLayer;

/// What the journal routes run with: the shared context and the screen's semantic layer.
#[derive(Clone)]
pub struct JournalsState(Arc<Inner>);

struct Inner {
    app: AppContext,
    semantic: Arc<SemanticLayer>,
}

/// `SCREEN_MODEL_DIR` (default `/opt/screen-model`, where the Lambda layer puts it): the
/// crisis screen's sentence encoder, as the chat function reads it.
pub fn screen_model_dir(lookup: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    PathBuf::from(
        lookup("SCREEN_MODEL_DIR")
            .unwrap_or_else(|| therabot_shared::safety::DEFAULT_MODEL_DIR.to_owned()),
    )
}

impl JournalsState {
    /// The state for `app`; the screen's encoder must be in `model_dir` (checked now,
    /// cheaply; it is loaded on the first entry).
    pub fn new(app: AppContext, model_dir: PathBuf) -> Result<Self, String> {
        let semantic = Arc::new(SemanticLayer::new(model_dir)?);
        Ok(Self(Arc::new(Inner { app, semantic })))
    }

    /// The shared context.
    pub fn app(&self) -> &AppContext {
        &self.0.app
    }

    /// The screen's semantic layer (loaded on first use).
    pub fn semantic(&self) -> &Arc<SemanticLayer> {
        &self.0.semantic
    }
}

impl FromRef<JournalsState> for AppContext {
    fn from_ref(state: &JournalsState) -> Self {
        state.0.app.clone()
    }
}

// The journals routes, not yet bound to a state: `routes()` with their OpenAPI description,
// `plain_routes()` without (therabot_shared::http::routes).
therabot_shared::routes!(JournalsState;
    [handlers::create_journal, handlers::list_journals],
    [handlers::list_prompts],
    [handlers::get_journal, handlers::update_journal, handlers::delete_journal],
);

/// The complete router of the journals function, as Lambda serves it.
pub fn router(state: JournalsState) -> Router {
    therabot_shared::http::layers::finish(plain_routes().with_state(state))
}

/// The OpenAPI description of the journal routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

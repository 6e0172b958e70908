//! The chat function: conversations with Therabot under `/v1/conversations`, and the safety
//! routes under `/v1/safety`.
//!
//! Every user message is screened for crisis risk before anything else ([`turn`]); a crisis
//! gets the crisis protocol and local resources without any model call; everything else is
//! answered by the configured OpenAI-compatible model, or by the built-in responder
//! ([`fallback`]) when there is none or it fails.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
mod config;
pub mod fallback;
mod handlers;
pub mod texts;
mod turn;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use therabot_shared::AppContext;
use therabot_shared::llm::ChatModel;
use therabot_shared::safety::semantic::SemanticLayer;

pub use config::ChatConfig;

/// The system prompt's version, recorded on every model reply.
pub const PROMPT_VERSION: &str = "system-v1";
/// The system prompt.
pub const SYSTEM_PROMPT: &str = include_str!("../prompts/system-v1.md");
/// Added to the system prompt when the user's message screened `elevated`.
pub const ELEVATED_PROMPT: &str = include_str!("../prompts/elevated-v1.md");

/// What the chat routes run with: the shared context, the chat settings and the model client.
#[derive(Clone)]
pub struct ChatState(Arc<Inner>);

struct Inner {
    app: AppContext,
    config: ChatConfig,
    model: Option<ChatModel>,
    semantic: Arc<SemanticLayer>,
}

impl ChatState {
    /// The state for `app` with `config`; the model client is built once, here. The screen's
    /// encoder must be on disk (checked now, cheaply); it is loaded on the first message.
    pub fn new(app: AppContext, config: ChatConfig) -> Result<Self, String> {
        let model = config
            .model
            .clone()
            .map(|m| ChatModel::new(app.http().clone(), m));
        let semantic = Arc::new(SemanticLayer::new(config.screen_model_dir.clone())?);
        Ok(Self(Arc::new(Inner {
            app,
            config,
            model,
            semantic,
        })))
    }

    /// The screen's semantic layer (loaded on first use).
    pub fn semantic(&self) -> &Arc<SemanticLayer> {
        &self.0.semantic
    }

    /// The shared context.
    pub fn app(&self) -> &AppContext {
        &self.0.app
    }

    /// The chat settings.
    pub fn config(&self) -> &ChatConfig {
        &self.0.config
    }

    /// The model, if one is configured.
    pub fn model(&self) -> Option<&ChatModel> {
        self.0.model.as_ref()
    }
}

impl FromRef<ChatState> for AppContext {
    fn from_ref(state: &ChatState) -> Self {
        state.0.app.clone()
    }
}

// The chat routes, not yet bound to a state: `routes()` with their OpenAPI description,
// `plain_routes()` without (therabot_shared::http::routes).
therabot_shared::routes!(ChatState;
    [handlers::create_conversation, handlers::list_conversations],
    [handlers::get_conversation, handlers::delete_conversation],
    [turn::send_message, handlers::list_messages],
    [handlers::safety_resources],
    [handlers::safety_status],
);

/// The complete router of the chat function, as Lambda serves it.
pub fn router(state: ChatState) -> Router {
    therabot_shared::http::layers::finish(plain_routes().with_state(state))
}

/// The OpenAPI description of the chat routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

//! The exercises function: guided exercises under `/v1/exercises` (from an external provider,
//! with a built-in catalogue that always answers), their completions under `/v1/completions`,
//! and "what helps me" (`/v1/completions/summary`).
//!
//! Free text in a completion (its note and thought record) passes the same offline crisis
//! screen as a chat message and a journal entry; nothing a user sends reaches the provider.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod catalogue;
mod handlers;
pub mod provider;

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use therabot_shared::AppContext;
use therabot_shared::config::{ConfigError, EnvReader};
use therabot_shared::safety::semantic::SemanticLayer;

pub use provider::CacheTimes;

/// How the exercises function is set up.
#[derive(Debug, Clone)]
pub struct ExercisesConfig {
    /// `EXERCISE_API_URL`: the provider's base URL (HTTPS; plain HTTP only on 127.0.0.1 or
    /// localhost). Unset: the built-in catalogue serves alone. Its key is `exercise_api_key`
    /// in the secret, never an environment variable.
    pub provider_url: Option<String>,
    /// `SCREEN_MODEL_DIR` (default `/opt/screen-model`): the crisis screen's encoder.
    pub screen_model_dir: PathBuf,
    /// How long the provider's catalogue and its failures are remembered.
    pub cache: CacheTimes,
}

impl ExercisesConfig {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut env = EnvReader::new(lookup);
        let provider_url = env.optional_url("EXERCISE_API_URL");
        let dir = env
            .optional("SCREEN_MODEL_DIR")
            .unwrap_or_else(|| therabot_shared::safety::DEFAULT_MODEL_DIR.to_owned());
        let mut problems = Vec::new();
        if provider_url.as_deref().is_some_and(|u| !secure_or_local(u)) {
            problems.push(
                "EXERCISE_API_URL must be https (plain http only for 127.0.0.1 or localhost)",
            );
        }
        env.finish_with(&problems)?;
        Ok(Self {
            provider_url,
            screen_model_dir: PathBuf::from(dir),
            cache: CacheTimes::default(),
        })
    }
}

fn secure_or_local(url: &str) -> bool {
    match reqwest::Url::parse(url) {
        Ok(url) if url.scheme() == "https" => true,
        Ok(url) => matches!(url.host_str(), Some("127.0.0.1" | "localhost")),
        Err(_) => false,
    }
}

/// What the exercise routes run with.
#[derive(Clone)]
pub struct ExercisesState(Arc<Inner>);

struct Inner {
    app: AppContext,
    semantic: Arc<SemanticLayer>,
    provider: provider::Provider,
}

impl ExercisesState {
    /// The state for `app`; the provider's client and cache are built once, here.
    pub fn new(app: AppContext, config: ExercisesConfig) -> Result<Self, String> {
        let semantic = Arc::new(SemanticLayer::new(config.screen_model_dir)?);
        let provider = provider::Provider::new(
            config.provider_url,
            app.http().clone(),
            app.secrets().clone(),
            config.cache,
        );
        Ok(Self(Arc::new(Inner {
            app,
            semantic,
            provider,
        })))
    }

    /// The shared context.
    pub fn app(&self) -> &AppContext {
        &self.0.app
    }

    /// The screen's semantic layer (loaded on first use).
    pub fn semantic(&self) -> &Arc<SemanticLayer> {
        &self.0.semantic
    }

    /// The exercise provider's client.
    pub fn provider(&self) -> &provider::Provider {
        &self.0.provider
    }
}

impl FromRef<ExercisesState> for AppContext {
    fn from_ref(state: &ExercisesState) -> Self {
        state.0.app.clone()
    }
}

// The exercises routes, not yet bound to a state: `routes()` with their OpenAPI description,
// `plain_routes()` without (therabot_shared::http::routes).
therabot_shared::routes!(ExercisesState;
    [handlers::list_exercises],
    [handlers::get_exercise],
    [handlers::create_completion],
    [handlers::list_completions],
    [handlers::what_helps],
    [handlers::get_completion, handlers::delete_completion],
);

/// The complete router of the exercises function, as Lambda serves it.
pub fn router(state: ExercisesState) -> Router {
    therabot_shared::http::layers::finish(plain_routes().with_state(state))
}

/// The OpenAPI description of the exercise routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_provider_must_be_https_unless_it_is_on_this_machine() {
        let read = |url: &str| {
            let url = url.to_owned();
            ExercisesConfig::from_lookup(&move |name| {
                (name == "EXERCISE_API_URL").then(|| url.clone())
            })
        };
        assert!(read("https://provider.example").is_ok());
        assert!(read("http://127.0.0.1:9100").is_ok());
        assert!(read("http://provider.example").is_err());
        assert!(read("ftp://provider.example").is_err());
        let none = ExercisesConfig::from_lookup(&|_| None).unwrap();
        assert!(none.provider_url.is_none());
    }
}

//! The account function under `/v1/me`: the user's profile with the preferences the other
//! functions honour, a complete export of everything we hold about them (GDPR Art. 15 and
//! 20), and an erasure that leaves nothing behind (Art. 17).

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod aws;
pub mod config;
pub mod erase;
pub mod export;
mod handlers;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use therabot_shared::AppContext;

pub use aws::AwsHttp;
pub use config::AccountConfig;

/// What the account routes run with: the shared context, S3 and Cognito, and where to.
#[derive(Clone)]
pub struct AccountState(Arc<Inner>);

struct Inner {
    app: AppContext,
    aws: AwsHttp,
    config: AccountConfig,
}

impl AccountState {
    /// The state for `app` (S3 and Cognito are signed with its credentials).
    pub fn new(app: AppContext, config: AccountConfig) -> Self {
        let aws = AwsHttp::new(
            app.sdk().clone(),
            app.http().clone(),
            app.config().aws_endpoint_url.clone(),
        );
        Self(Arc::new(Inner { app, aws, config }))
    }

    /// The shared context.
    pub fn app(&self) -> &AppContext {
        &self.0.app
    }

    /// S3 and Cognito.
    pub fn aws(&self) -> &AwsHttp {
        &self.0.aws
    }

    /// The settings.
    pub fn config(&self) -> &AccountConfig {
        &self.0.config
    }
}

impl FromRef<AccountState> for AppContext {
    fn from_ref(state: &AccountState) -> Self {
        state.0.app.clone()
    }
}

// The account routes, not yet bound to a state: `routes()` with their OpenAPI description,
// `plain_routes()` without (therabot_shared::http::routes).
therabot_shared::routes!(AccountState;
    [handlers::get_profile, handlers::update_profile, erase::erase_account],
    [export::export_data],
);

/// The complete router of the account function, as Lambda serves it.
pub fn router(state: AccountState) -> Router {
    therabot_shared::http::layers::finish(plain_routes().with_state(state))
}

/// The OpenAPI description of the account routes.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

//! The whole Therabot API on one machine.
//!
//! [`LocalApi::start`] serves every function's router in one process, beside a local token
//! issuer ([`issuer`]) and the API docs ([`docs`]), against a DynamoDB- and
//! Secrets-Manager-protocol server (moto) on 127.0.0.1. `make dev` runs it on port 3000;
//! the black-box tests in `api/` start one per test on a free port.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod canary;
pub mod docs;
pub mod issuer;
pub mod provider;
pub mod table;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use therabot_shared::AppContext;
use therabot_shared::config::Config;
use therabot_shared::http::{ApiError, JsonBody};
use tokio::net::TcpListener;

use issuer::LocalIssuer;

/// Where and how to run.
#[derive(Clone)]
pub struct LocalOptions {
    /// The moto server, e.g. `http://127.0.0.1:4566`.
    pub aws_endpoint: String,
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// The table's name.
    pub table_name: String,
    /// The secret's name.
    pub secret_id: String,
    /// Keep the issuer's key here (tokens survive restarts); `None` for a fresh key.
    pub key_file: Option<PathBuf>,
    /// The repository root (where `template.yaml` is).
    pub root: PathBuf,
    /// Chat settings, as the chat function reads them from its environment
    /// (`LLM_BASE_URL`, `LLM_MODEL`, `CHAT_QUOTA_PER_HOUR`…).
    pub chat_settings: std::collections::BTreeMap<String, String>,
    /// The model API key to put into the local secret, if any.
    pub llm_api_key: Option<String>,
    /// A clock to use instead of the system's (tests of time-dependent rules).
    pub clock: Option<therabot_shared::app::Clock>,
    /// The exercise provider's base URL (`EXERCISE_API_URL`); `None`: built-in exercises only.
    pub exercise_api_url: Option<String>,
    /// The exercise provider's key, to put into the local secret, if any.
    pub exercise_api_key: Option<String>,
    /// How long the provider's catalogue and failures are cached (tests shorten it).
    pub exercise_cache: exercises::CacheTimes,
}

impl LocalOptions {
    /// Defaults for a repository at `root`, talking to moto at `aws_endpoint`.
    pub fn new(root: impl Into<PathBuf>, aws_endpoint: impl Into<String>) -> Self {
        Self {
            aws_endpoint: aws_endpoint.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            table_name: "therabot-local".into(),
            secret_id: "therabot-local".into(),
            key_file: None,
            root: root.into(),
            chat_settings: std::collections::BTreeMap::new(),
            llm_api_key: None,
            clock: None,
            exercise_api_url: None,
            exercise_api_key: None,
            exercise_cache: exercises::CacheTimes::default(),
        }
    }
}

/// A running local API.
pub struct LocalApi {
    /// Its base URL, e.g. `http://127.0.0.1:3000`.
    pub base_url: String,
    /// The token issuer it trusts.
    pub issuer: Arc<LocalIssuer>,
    /// The context its routers run with.
    pub context: AppContext,
    /// The local S3 and Cognito, as the account function reaches them.
    pub aws: account::AwsHttp,
    /// The account function's settings: the local export bucket and user pool.
    pub account: account::AccountConfig,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// The repository root, found from this crate's directory.
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

impl LocalApi {
    /// Creates the table and secret if needed, then serves the API.
    pub async fn start(
        options: LocalOptions,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let listener = TcpListener::bind(options.listen).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let issuer_url = format!("{base_url}/_local");
        let values = [
            ("TABLE_NAME", options.table_name.clone()),
            ("SECRET_ID", options.secret_id.clone()),
            ("AUTH_ISSUER", issuer_url.clone()),
            ("AUTH_CLIENT_ID", issuer::CLIENT_ID.to_owned()),
            ("AUTH_SCOPE", issuer::SCOPE.to_owned()),
            ("AWS_ENDPOINT_URL", options.aws_endpoint.clone()),
        ];
        let config = Config::from_lookup(&|name| {
            values
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone())
        })?;
        let context = AppContext::connect(config).await?;
        let context = match options.clock.clone() {
            Some(clock) => context.with_clock(clock),
            None => context,
        };
        let spec = table::table_spec(&options.root.join("template.yaml"))?;
        table::ensure_table(context.store().client(), &options.table_name, &spec).await?;
        let secrets = aws_sdk_secretsmanager::Client::new(context.sdk());
        let api_keys = [
            ("llm_api_key", options.llm_api_key.as_deref()),
            ("exercise_api_key", options.exercise_api_key.as_deref()),
        ];
        table::ensure_secret(&secrets, &options.secret_id, &api_keys).await?;
        // The crisis screen's encoder, as `shared/screen/model/fetch.sh` unpacks it.
        let model_dir = std::env::var("SCREEN_MODEL_DIR").unwrap_or_else(|_| {
            options
                .root
                .join(therabot_shared::safety::semantic::MODEL_DIR_IN_REPOSITORY)
                .to_string_lossy()
                .into_owned()
        });
        let chat_config = chat::ChatConfig::from_lookup(&|name| {
            options
                .chat_settings
                .get(name)
                .cloned()
                .or_else(|| (name == "SCREEN_MODEL_DIR").then(|| model_dir.clone()))
        })?;
        let issuer = Arc::new(LocalIssuer::new(issuer_url, options.key_file.as_deref())?);
        let journals = journals::JournalsState::new(context.clone(), model_dir.clone().into())?;
        let exercise_config = exercises::ExercisesConfig {
            provider_url: options.exercise_api_url.clone(),
            screen_model_dir: model_dir.clone().into(),
            cache: options.exercise_cache,
        };
        let exercises = exercises::ExercisesState::new(context.clone(), exercise_config)?;
        let aws = account::AwsHttp::new(
            context.sdk().clone(),
            context.http().clone(),
            Some(options.aws_endpoint.clone()),
        );
        let account_config = local_account(&aws).await?;
        let states = States {
            chat: chat::ChatState::new(context.clone(), chat_config)?,
            journals,
            exercises,
            account: account::AccountState::new(context.clone(), account_config.clone()),
        };
        let sign_up = SignUp {
            issuer: issuer.clone(),
            aws: aws.clone(),
            user_pool_id: account_config.user_pool_id.clone(),
        };
        let app = app(context.clone(), states, sign_up);
        let app = if canary::install() {
            app.layer(axum::middleware::from_fn(canary::record))
        } else {
            app
        };
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "local server stopped");
            }
        });
        Ok(Self {
            base_url,
            issuer,
            context,
            aws,
            account: account_config,
            server: Some(server),
        })
    }

    /// Creates `sub`'s user in the local user pool, as signing up in the app would.
    pub async fn sign_up(&self, sub: &str) -> Result<(), account::aws::AwsError> {
        create_user(&self.aws, &self.account.user_pool_id, sub).await
    }

    /// Whether `sub` has a user in the local user pool.
    pub async fn has_user(&self, sub: &str) -> Result<bool, account::aws::AwsError> {
        let request = serde_json::json!({"UserPoolId": self.account.user_pool_id, "Username": sub});
        match self.aws.cognito("AdminGetUser", &request).await {
            Ok(_) => Ok(true),
            Err(error) if error.code() == Some("UserNotFoundException") => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Serves until the process is stopped.
    pub async fn wait(mut self) {
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for LocalApi {
    fn drop(&mut self) {
        if let Some(server) = &self.server {
            server.abort();
        }
    }
}

/// The bucket of exports in the local S3.
pub const EXPORT_BUCKET: &str = "therabot-local-exports";
/// The user pool's name in the local Cognito.
pub const USER_POOL_NAME: &str = "therabot-local";

/// The export bucket and the user pool, created in the local stand-in if missing (moto keeps
/// them in memory: a restarted stand-in gets new ones).
async fn local_account(
    aws: &account::AwsHttp,
) -> Result<account::AccountConfig, account::aws::AwsError> {
    aws.create_bucket(EXPORT_BUCKET).await?;
    let pools = aws
        .cognito("ListUserPools", &serde_json::json!({"MaxResults": 60}))
        .await?;
    let existing = pools["UserPools"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|pool| pool["Name"] == USER_POOL_NAME)
        .and_then(|pool| pool["Id"].as_str().map(str::to_owned));
    let user_pool_id = match existing {
        Some(id) => id,
        None => {
            let created = aws
                .cognito(
                    "CreateUserPool",
                    &serde_json::json!({"PoolName": USER_POOL_NAME}),
                )
                .await?;
            created["UserPool"]["Id"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        }
    };
    Ok(account::AccountConfig {
        export_bucket: EXPORT_BUCKET.to_owned(),
        user_pool_id,
    })
}

/// Creates `sub`'s user in the pool (already there is fine).
async fn create_user(
    aws: &account::AwsHttp,
    user_pool_id: &str,
    sub: &str,
) -> Result<(), account::aws::AwsError> {
    let request = serde_json::json!({
        "UserPoolId": user_pool_id,
        "Username": sub,
        "MessageAction": "SUPPRESS",
    });
    match aws.cognito("AdminCreateUser", &request).await {
        Ok(_) => Ok(()),
        Err(error) if error.code() == Some("UsernameExistsException") => Ok(()),
        Err(error) => Err(error),
    }
}

/// What the local token endpoint needs: the issuer, and the user pool in which a token's
/// user is created (so erasing an account deletes a real Cognito user, locally too).
#[derive(Clone)]
pub struct SignUp {
    /// The issuer.
    pub issuer: Arc<LocalIssuer>,
    /// The local Cognito.
    pub aws: account::AwsHttp,
    /// The pool.
    pub user_pool_id: String,
}

/// The states of the functions that need more than the shared context.
pub struct States {
    /// The chat's.
    pub chat: chat::ChatState,
    /// The journal's.
    pub journals: journals::JournalsState,
    /// The exercises'.
    pub exercises: exercises::ExercisesState,
    /// The account's.
    pub account: account::AccountState,
}

/// Every function's routes, the issuer's and the docs', with the common layers.
pub fn app(context: AppContext, states: States, sign_up: SignUp) -> Router {
    // The routers the Lambda functions serve; their OpenAPI description (what the contract
    // run checks them against) is built from the same declarations.
    let moods_routes = moods::plain_routes();
    let chat_routes = chat::plain_routes();
    let journal_routes = journals::plain_routes();
    let exercise_routes = exercises::plain_routes();
    let account_routes = account::plain_routes();
    let local = Router::new()
        .route("/_local/token", post(mint_token))
        .route("/_local/.well-known/jwks.json", get(jwks))
        .with_state(sign_up);
    therabot_shared::http::layers::finish(
        moods_routes
            .with_state(context)
            .merge(account_routes.with_state(states.account))
            .merge(chat_routes.with_state(states.chat))
            .merge(journal_routes.with_state(states.journals))
            .merge(exercise_routes.with_state(states.exercises))
            .merge(local)
            .merge(docs::routes()),
    )
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    sub: String,
}

async fn mint_token(
    State(sign_up): State<SignUp>,
    body: JsonBody<TokenRequest>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let sub = body.value.sub;
    if therabot_shared::domain::UserId::parse(&sub).is_none() {
        return Err(ApiError::Validation(vec![
            therabot_shared::domain::FieldError::new(
                "sub",
                "must be 1 to 128 visible ASCII characters without '#'",
            ),
        ]));
    }
    if let Err(error) = create_user(&sign_up.aws, &sign_up.user_pool_id, &sub).await {
        tracing::error!(%error, "the local user pool refused the user");
        return Err(ApiError::Unavailable {
            retry_after_secs: 1,
        });
    }
    Ok(axum::Json(serde_json::json!({
        "access_token": sign_up.issuer.mint(&sub),
        "token_type": "Bearer",
        "expires_in": issuer::TOKEN_SECONDS,
    })))
}

async fn jwks(State(sign_up): State<SignUp>) -> axum::Json<serde_json::Value> {
    axum::Json(sign_up.issuer.jwks())
}

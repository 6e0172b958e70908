//! The context a function's router is built from: configuration, AWS clients, the token
//! verifier and the secret cache, all created once per container and shared by requests.

use std::sync::Arc;
use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_dynamodb::config::Credentials;
use jiff::Timestamp;

use crate::auth::Verifier;
use crate::config::Config;
use crate::http::ApiError;
use crate::http::pagination::{PageScope, PageTokens, Paging};
use crate::outbound::OutboundHttp;
use crate::secrets::Secrets;
use crate::store::Store;

/// A source of the current time, replaceable in tests.
pub type Clock = Arc<dyn Fn() -> Timestamp + Send + Sync>;

/// Shared, cheaply cloned state of a function.
#[derive(Clone)]
pub struct AppContext(Arc<Inner>);

struct Inner {
    config: Config,
    sdk: aws_config::SdkConfig,
    store: Store,
    verifier: Verifier,
    secrets: Secrets,
    http: OutboundHttp,
    clock: Clock,
}

impl std::fmt::Debug for AppContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppContext")
            .field("table", &self.0.config.table_name)
            .finish_non_exhaustive()
    }
}

/// A failure while building the context at start-up.
#[derive(Debug, thiserror::Error)]
#[error("could not initialise: {0}")]
pub struct InitError(String);

impl AppContext {
    /// Builds every client from `config`. In Lambda, credentials and region come from the
    /// environment; with `AWS_ENDPOINT_URL` set (local runs) fixed dummy ones are used.
    pub async fn connect(config: Config) -> Result<Self, InitError> {
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(2))
            .operation_attempt_timeout(Duration::from_secs(3))
            .operation_timeout(Duration::from_secs(8))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(timeouts);
        if let Some(endpoint) = &config.aws_endpoint_url {
            loader = loader
                .endpoint_url(endpoint)
                .region(Region::new("us-east-1"))
                .credentials_provider(Credentials::new("local", "local", None, None, "local"));
        }
        let sdk = loader.load().await;
        let http = OutboundHttp::default();
        let store = Store::new(&sdk, &config.table_name);
        let secrets = Secrets::new(sdk.clone(), &config.secret_id);
        let verifier = Verifier::new(config.auth.clone(), http.clone());
        Ok(Self(Arc::new(Inner {
            config,
            sdk,
            store,
            verifier,
            secrets,
            http,
            clock: Arc::new(Timestamp::now),
        })))
    }

    /// The same context reading time from `clock` (for tests of time-dependent rules).
    pub fn with_clock(&self, clock: Clock) -> Self {
        let inner = &self.0;
        Self(Arc::new(Inner {
            config: inner.config.clone(),
            sdk: inner.sdk.clone(),
            store: inner.store.clone(),
            verifier: inner.verifier.clone(),
            secrets: inner.secrets.clone(),
            http: inner.http.clone(),
            clock,
        }))
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The AWS SDK configuration, for functions that need further clients.
    pub fn sdk(&self) -> &aws_config::SdkConfig {
        &self.0.sdk
    }

    /// The table.
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    /// The access-token verifier.
    pub fn verifier(&self) -> &Verifier {
        &self.0.verifier
    }

    /// The secret cache.
    pub fn secrets(&self) -> &Secrets {
        &self.0.secrets
    }

    /// The shared outbound HTTP client (built on first use).
    pub fn http(&self) -> &OutboundHttp {
        &self.0.http
    }

    /// The current time, to the millisecond: the precision of ids and of every stored time.
    pub fn now(&self) -> Timestamp {
        let now = (self.0.clock)();
        Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now)
    }

    /// The paging of a list request in `scope`: `limit` items (already checked), starting
    /// where `next_token` says (a 400 unless it was issued for exactly this scope).
    pub async fn paging(
        &self,
        scope: PageScope,
        limit: usize,
        next_token: Option<&str>,
    ) -> Result<Paging, ApiError> {
        let tokens = self.page_tokens().await?;
        let now = self.now();
        let start = next_token
            .map(|token| tokens.open(&scope, token, now))
            .transpose()?;
        Ok(Paging {
            limit,
            start,
            tokens,
            scope,
            now,
        })
    }

    /// The signer of `next_token`s, keyed from the secret.
    async fn page_tokens(&self) -> Result<PageTokens, ApiError> {
        let values = self.secrets().get().await?;
        Ok(PageTokens::rotating(
            values.pagination_key.as_bytes(),
            values.pagination_key_previous.as_deref().map(str::as_bytes),
        ))
    }
}

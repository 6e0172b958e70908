//! The context a function's router is built from: configuration, AWS clients, the token
//! verifier and the secret cache, all created once per container and shared by requests.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{
    BehaviorVersion, Credentials, Region, SharedCredentialsProvider, SharedHttpClient,
    StalledStreamProtectionConfig,
};
use aws_smithy_async::rt::sleep::default_async_sleep;
use aws_types::SdkConfig;
use jiff::Timestamp;

use crate::auth::Verifier;
use crate::config::{Config, EnvReader};
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
    sdk: SdkConfig,
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

/// The AWS SDK's settings: the region and credentials Lambda provides (or the local
/// stand-in's), bounded timeouts, standard retries, and `https` as the HTTP client.
fn sdk_config(
    config: &Config,
    https: SharedHttpClient,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<SdkConfig, InitError> {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build();
    // No stalled-stream protection: the attempt timeout (3 s) already ends a stalled request,
    // and the protection's throughput check is one more timer per request, each of which
    // wakes the I/O driver with an eventfd write (docs/benchmarks.md, the warm path).
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard())
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .http_client(https);
    if let Some(sleep) = default_async_sleep() {
        builder = builder.sleep_impl(sleep);
    }
    let (region, credentials) = match &config.aws_endpoint_url {
        Some(endpoint) => {
            builder = builder.endpoint_url(endpoint);
            let local = Credentials::new("local", "local", None, None, "local");
            ("us-east-1".to_owned(), local)
        }
        None => lambda_identity(env)?,
    };
    Ok(builder
        .region(Region::new(region))
        .credentials_provider(SharedCredentialsProvider::new(credentials))
        .build())
}

/// The region and the execution role's credentials, as Lambda sets them for the lifetime
/// of the execution environment. Read apart from [`Config`], whose `Debug` would show them;
/// a missing one fails init naming it, never its value.
fn lambda_identity(
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, Credentials), InitError> {
    let mut env = EnvReader::new(lookup);
    let region = env.required("AWS_REGION");
    let key = env.required("AWS_ACCESS_KEY_ID");
    let secret = env.required("AWS_SECRET_ACCESS_KEY");
    let token = env.optional("AWS_SESSION_TOKEN");
    env.finish().map_err(|e| InitError(e.to_string()))?;
    let credentials = Credentials::new(
        key.unwrap_or_default(),
        secret.unwrap_or_default(),
        token,
        None,
        "lambda",
    );
    Ok((region.unwrap_or_default(), credentials))
}

impl AppContext {
    /// Builds every client from `config`. In Lambda, region and credentials come from the
    /// variables Lambda sets (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
    /// `AWS_SESSION_TOKEN`); with `AWS_ENDPOINT_URL` set (local runs) fixed dummy ones are
    /// used. No aws-config: its provider chains (profiles, SSO, STS, IMDS) are never needed
    /// here and were a tenth of every package and part of every cold start.
    pub async fn connect(config: Config) -> Result<Self, InitError> {
        let roots = crate::aws_tls::trusted_roots(config.aws_ca_bundle.as_deref())
            .map_err(|e| InitError(e.to_string()))?;
        let https = crate::aws_tls::http_client(roots).map_err(|e| InitError(e.to_string()))?;
        let sdk = sdk_config(&config, https, &|name| std::env::var(name).ok())?;
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

    /// Opens the connection to DynamoDB during a Lambda function's init (see
    /// [`Store::warm_up`]), within a second: a store that cannot be reached then is the
    /// first request's 503, not a failed init.
    pub async fn warm_up(&self) {
        let warmed = self.0.store.warm_up(Duration::from_secs(1)).await;
        tracing::debug!(warmed, "store connection opened during init");
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
    pub fn sdk(&self) -> &SdkConfig {
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

#[cfg(test)]
mod tests {
    use aws_credential_types::provider::ProvideCredentials;

    use super::*;

    fn lookup(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn in_lambda_the_region_and_the_roles_credentials_come_from_lambdas_variables() {
        let env = lookup(&[
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_SESSION_TOKEN", "session"),
        ]);
        let (region, credentials) = lambda_identity(&env).unwrap();
        assert_eq!(region, "eu-west-1");
        assert_eq!(credentials.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(credentials.session_token(), Some("session"));
    }

    #[test]
    fn without_credentials_outside_a_local_run_init_fails_naming_the_variables() {
        let env = lookup(&[("AWS_REGION", "eu-west-1")]);
        let error = lambda_identity(&env).unwrap_err().to_string();
        assert!(error.contains("AWS_ACCESS_KEY_ID"), "{error}");
    }

    #[tokio::test]
    async fn a_local_run_uses_the_endpoint_and_dummy_credentials_whatever_the_environment_says() {
        let config = Config::from_lookup(&|name| match name {
            "TABLE_NAME" => Some("t".into()),
            "SECRET_ID" => Some("s".into()),
            "AUTH_ISSUER" => Some("https://issuer.example".into()),
            "AUTH_CLIENT_ID" => Some("c".into()),
            "AWS_ENDPOINT_URL" => Some("http://127.0.0.1:4566".into()),
            _ => None,
        })
        .unwrap();
        let roots = crate::aws_tls::trusted_roots(None).unwrap();
        let https = crate::aws_tls::http_client(roots).unwrap();
        let sdk = sdk_config(&config, https, &|_| None).unwrap();
        assert_eq!(sdk.endpoint_url(), Some("http://127.0.0.1:4566"));
        assert_eq!(sdk.region().map(|r| r.as_ref()), Some("us-east-1"));
        let provider = sdk.credentials_provider().unwrap();
        let credentials = provider.provide_credentials().await.unwrap();
        assert_eq!(credentials.access_key_id(), "local");
        // The attempt timeout bounds a stalled request; no per-request throughput timer.
        assert!(
            !sdk.stalled_stream_protection()
                .is_some_and(|p| p.is_enabled())
        );
        let timeouts = sdk.timeout_config().unwrap();
        assert_eq!(
            timeouts.operation_attempt_timeout(),
            Some(Duration::from_secs(3))
        );
    }
}

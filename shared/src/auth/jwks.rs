//! Verifying a Cognito access token ourselves: RS256 only, the key chosen by `kid` from the
//! issuer's JWKS (fetched with reqwest and cached), exact `iss`, `exp` required and checked,
//! `token_use == "access"`, exact `client_id`, and the required scope when one is configured.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};

use crate::config::AuthConfig;
use crate::domain::UserId;
use crate::outbound::OutboundHttp;

/// An unknown `kid` triggers a JWKS fetch at most this often, so forged tokens cannot make
/// us hammer the issuer.
const MIN_REFETCH: Duration = Duration::from_secs(30);

/// After a failed fetch, how long to wait before trying again (requests meanwhile get 503).
const RETRY_FAILED_FETCH: Duration = Duration::from_secs(2);

/// The most a key set may weigh (Cognito's holds two keys: about 1 KiB).
const JWKS_MAX_BYTES: usize = 64 * 1024;
/// Allowed clock difference when checking `exp`.
const LEEWAY_SECS: u64 = 5;

/// Why a token was refused. Only [`AuthError::Unavailable`] is not the caller's fault.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No credentials at all.
    #[error("no bearer token")]
    Missing,
    /// Not a well-formed bearer token or JWT.
    #[error("malformed token")]
    Malformed,
    /// Signed with anything but RS256 (including `none`).
    #[error("algorithm not allowed")]
    WrongAlgorithm,
    /// No `kid`, or a `kid` the issuer does not publish.
    #[error("unknown signing key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("bad signature")]
    BadSignature,
    /// Expired.
    #[error("token expired")]
    Expired,
    /// Issued by someone else.
    #[error("wrong issuer")]
    WrongIssuer,
    /// Not an access token (an ID token, say).
    #[error("not an access token")]
    WrongTokenUse,
    /// Issued to another app client.
    #[error("wrong client")]
    WrongClient,
    /// Lacks the required scope.
    #[error("missing scope")]
    MissingScope,
    /// Required claims missing or malformed.
    #[error("bad claims")]
    Claims,
    /// The signing keys cannot be fetched, so no token can be checked.
    #[error("signing keys unavailable: {0}")]
    Unavailable(String),
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    token_use: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

#[derive(Deserialize)]
struct JwkSet {
    keys: Vec<Jwk>,
}

#[derive(Deserialize)]
struct Jwk {
    kid: Option<String>,
    kty: String,
    #[serde(default)]
    alg: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
}

#[derive(Default)]
struct KeyCache {
    keys: HashMap<String, Arc<DecodingKey>>,
    fetched_at: Option<Instant>,
    /// Why the last fetch failed, until one succeeds: the provider is down, not the token.
    failure: Option<String>,
}

/// Verifies access tokens; built once per container and shared by all requests.
#[derive(Clone)]
pub struct Verifier {
    config: AuthConfig,
    http: OutboundHttp,
    cache: Arc<RwLock<KeyCache>>,
    refresh: Arc<Mutex<()>>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("issuer", &self.config.issuer)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    /// A verifier for `config`, fetching keys with `http`.
    pub fn new(config: AuthConfig, http: OutboundHttp) -> Self {
        Self {
            config,
            http,
            cache: Arc::default(),
            refresh: Arc::default(),
        }
    }

    /// The settings tokens are checked against.
    pub fn config(&self) -> &AuthConfig {
        &self.config
    }

    /// Checks `token` and returns its `sub`.
    pub async fn verify(&self, token: &str) -> Result<UserId, AuthError> {
        let header = decode_header(token).map_err(|_| AuthError::Malformed)?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::WrongAlgorithm);
        }
        let kid = header.kid.ok_or(AuthError::UnknownKey)?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.validate_aud = false;
        validation.validate_exp = true;
        validation.leeway = LEEWAY_SECS;
        let data = decode::<Claims>(token, &key, &validation).map_err(classify)?;
        let claims = data.claims;
        if claims.token_use.as_deref() != Some("access") {
            return Err(AuthError::WrongTokenUse);
        }
        if claims.client_id.as_deref() != Some(self.config.client_id.as_str()) {
            return Err(AuthError::WrongClient);
        }
        if let Some(required) = &self.config.required_scope {
            let scopes = claims.scope.as_deref().unwrap_or_default();
            if !scopes.split_whitespace().any(|s| s == required) {
                return Err(AuthError::MissingScope);
            }
        }
        UserId::parse(&claims.sub).ok_or(AuthError::Claims)
    }

    async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.cache.read().await.keys.get(kid) {
            return Ok(key.clone());
        }
        // One fetch at a time; whoever waited re-checks the cache first.
        let _refreshing = self.refresh.lock().await;
        {
            let cache = self.cache.read().await;
            if let Some(key) = cache.keys.get(kid) {
                return Ok(key.clone());
            }
            let wait = if cache.failure.is_some() {
                RETRY_FAILED_FETCH
            } else {
                MIN_REFETCH
            };
            if cache.fetched_at.is_some_and(|at| at.elapsed() < wait) {
                return Err(match &cache.failure {
                    Some(failure) => AuthError::Unavailable(failure.clone()),
                    None => AuthError::UnknownKey,
                });
            }
        }
        let fetched = self.fetch().await;
        let mut cache = self.cache.write().await;
        cache.fetched_at = Some(Instant::now());
        match fetched {
            Ok(keys) => {
                cache.keys = keys;
                cache.failure = None;
            }
            Err(error) => {
                // Keys fetched before stay usable; a token they can't check waits for the provider.
                cache.failure = Some(error.to_string());
                return Err(error);
            }
        }
        cache.keys.get(kid).cloned().ok_or(AuthError::UnknownKey)
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<DecodingKey>>, AuthError> {
        let unavailable = |e: reqwest::Error| AuthError::Unavailable(e.without_url().to_string());
        let http = self.http.get().map_err(AuthError::Unavailable)?;
        let response = http
            .get(&self.config.jwks_url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?;
        let body = crate::outbound::read_capped(response, JWKS_MAX_BYTES)
            .await
            .map_err(|e| AuthError::Unavailable(e.to_string()))?;
        let set: JwkSet = serde_json::from_slice(&body)
            .map_err(|_| AuthError::Unavailable("the key set is not JSON".into()))?;
        let keys: HashMap<_, _> = set
            .keys
            .into_iter()
            .filter(|k| k.kty == "RSA" && k.alg.as_deref().is_none_or(|a| a == "RS256"))
            .filter_map(|k| {
                let key =
                    DecodingKey::from_rsa_components(k.n.as_deref()?, k.e.as_deref()?).ok()?;
                Some((k.kid?, Arc::new(key)))
            })
            .collect();
        tracing::info!(keys = keys.len(), "fetched token signing keys");
        Ok(keys)
    }
}

fn classify(error: jsonwebtoken::errors::Error) -> AuthError {
    use jsonwebtoken::errors::ErrorKind;
    match error.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::InvalidSignature | ErrorKind::InvalidRsaKey(_) => AuthError::BadSignature,
        ErrorKind::InvalidAlgorithm => AuthError::WrongAlgorithm,
        ErrorKind::MissingRequiredClaim(_) | ErrorKind::Json(_) => AuthError::Claims,
        _ => AuthError::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    /// A token whose header names key `kid` (its signature is never reached).
    fn token() -> String {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
        let claims = URL_SAFE_NO_PAD.encode(br#"{"sub":"user-1"}"#);
        format!("{header}.{claims}.c2ln")
    }

    fn verifier(server: &MockServer) -> Verifier {
        Verifier::new(
            AuthConfig {
                issuer: server.uri(),
                client_id: "app".into(),
                jwks_url: format!("{}/jwks", server.uri()),
                required_scope: None,
            },
            OutboundHttp::default(),
        )
    }

    #[tokio::test]
    async fn a_key_set_that_cannot_be_fetched_is_unavailable_not_a_bad_token() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(500))
            .mount(&server)
            .await;
        let verifier = verifier(&server);
        for attempt in 0..2 {
            assert!(
                matches!(
                    verifier.verify(&token()).await,
                    Err(AuthError::Unavailable(_))
                ),
                "attempt {attempt}: a provider outage is 503, never 401"
            );
        }
    }

    #[tokio::test]
    async fn an_oversized_key_set_is_refused_unread() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(200).set_body_string("x".repeat(JWKS_MAX_BYTES + 1)),
            )
            .mount(&server)
            .await;
        let error = verifier(&server).verify(&token()).await;
        assert!(matches!(error, Err(AuthError::Unavailable(cause)) if cause.contains("over")));
    }
}

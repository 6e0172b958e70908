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
            if cache
                .fetched_at
                .is_some_and(|at| at.elapsed() < MIN_REFETCH)
            {
                return Err(AuthError::UnknownKey);
            }
        }
        let fetched = self.fetch().await;
        let mut cache = self.cache.write().await;
        cache.fetched_at = Some(Instant::now());
        cache.keys = fetched?;
        cache.keys.get(kid).cloned().ok_or(AuthError::UnknownKey)
    }

    async fn fetch(&self) -> Result<HashMap<String, Arc<DecodingKey>>, AuthError> {
        let unavailable = |e: reqwest::Error| AuthError::Unavailable(e.without_url().to_string());
        let http = self.http.get().map_err(AuthError::Unavailable)?;
        let set: JwkSet = http
            .get(&self.config.jwks_url)
            .timeout(Duration::from_secs(5))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(unavailable)?
            .json()
            .await
            .map_err(unavailable)?;
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

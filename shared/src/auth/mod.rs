//! Who is calling.
//!
//! Behind API Gateway, the HTTP API's JWT authorizer has already verified the Cognito access
//! token and passes its claims in the request context; we take `sub` from there. Without that
//! context (the local server, or a route someone left without an authorizer) we verify the
//! `Authorization: Bearer` token ourselves ([`jwks::Verifier`]). Every other case is 401: the
//! extractor never fails open.

pub mod jwks;

use axum::extract::{FromRef, FromRequestParts};
use http::request::Parts;
use lambda_http::RequestExt;
use lambda_http::request::RequestContext;

use crate::app::AppContext;
use crate::config::AuthConfig;
use crate::domain::UserId;
use crate::http::error::ApiError;

pub use jwks::{AuthError, Verifier};

/// The authenticated caller. Every key of their data is derived from [`Identity::user`].
#[derive(Debug, Clone)]
pub struct Identity {
    /// The caller's `sub`.
    pub user: UserId,
}

impl<S> FromRequestParts<S> for Identity
where
    AppContext: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let context = AppContext::from_ref(state);
        authenticate(parts, context.verifier()).await.map_err(|error| match error {
            AuthError::Unavailable(cause) => {
                tracing::error!(error = %cause, "cannot verify tokens: signing keys unavailable");
                ApiError::Unavailable { retry_after_secs: 5 }
            }
            other => {
                tracing::info!(reason = %other, "request refused: not authenticated");
                ApiError::Unauthorized
            }
        })
    }
}

async fn authenticate(parts: &Parts, verifier: &Verifier) -> Result<Identity, AuthError> {
    if let Some(claims) = authorizer_claims(parts) {
        return identity_from_claims(claims, verifier.config());
    }
    let header = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .ok_or(AuthError::Missing)?
        .to_str()
        .map_err(|_| AuthError::Malformed)?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(AuthError::Malformed)?;
    let sub = verifier.verify(token).await?;
    Ok(Identity { user: sub })
}

/// The JWT claims API Gateway's authorizer put in the Lambda event, if any.
fn authorizer_claims(parts: &Parts) -> Option<&std::collections::HashMap<String, String>> {
    match parts.request_context_ref()? {
        RequestContext::ApiGatewayV2(context) => context
            .authorizer
            .as_ref()?
            .jwt
            .as_ref()
            .map(|jwt| &jwt.claims)
            .filter(|claims| !claims.is_empty()),
        _ => None,
    }
}

/// API Gateway checked signature, issuer, audience, expiry and scope; we check the same
/// claims again as a second line of defence (a misconfigured authorizer, another pool or
/// client, an ID token), and a claim that is missing counts as wrong.
fn identity_from_claims(
    claims: &std::collections::HashMap<String, String>,
    config: &AuthConfig,
) -> Result<Identity, AuthError> {
    let claim = |name: &str| claims.get(name).map(String::as_str);
    if claim("iss") != Some(config.issuer.as_str()) {
        return Err(AuthError::WrongIssuer);
    }
    if claim("token_use") != Some("access") {
        return Err(AuthError::WrongTokenUse);
    }
    if claim("client_id") != Some(config.client_id.as_str()) {
        return Err(AuthError::WrongClient);
    }
    if let Some(required) = &config.required_scope
        && !claim("scope")
            .unwrap_or_default()
            .split_whitespace()
            .any(|s| s == required)
    {
        return Err(AuthError::MissingScope);
    }
    let sub = claims.get("sub").ok_or(AuthError::Claims)?;
    let user = UserId::parse(sub).ok_or(AuthError::Claims)?;
    Ok(Identity { user })
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config() -> AuthConfig {
        AuthConfig {
            issuer: "https://issuer.example".into(),
            client_id: "app".into(),
            jwks_url: "https://issuer.example/jwks".into(),
            required_scope: Some("therabot/api".into()),
        }
    }

    fn claims(without: &str, changes: &[(&str, &str)]) -> HashMap<String, String> {
        let mut claims: HashMap<String, String> = [
            ("sub", "user-1"),
            ("iss", "https://issuer.example"),
            ("token_use", "access"),
            ("client_id", "app"),
            ("scope", "openid therabot/api"),
        ]
        .into_iter()
        .filter(|(k, _)| *k != without)
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        for (k, v) in changes {
            claims.insert((*k).to_owned(), (*v).to_owned());
        }
        claims
    }

    #[test]
    fn authorizer_claims_must_name_our_issuer_client_token_use_and_scope() {
        assert!(identity_from_claims(&claims("", &[]), &config()).is_ok());
        for missing in ["iss", "token_use", "client_id", "scope", "sub"] {
            assert!(
                identity_from_claims(&claims(missing, &[]), &config()).is_err(),
                "accepted without {missing}"
            );
        }
        for (name, value) in [
            ("iss", "https://other.example"),
            ("token_use", "id"),
            ("client_id", "other"),
            ("scope", "openid"),
        ] {
            assert!(
                identity_from_claims(&claims("", &[(name, value)]), &config()).is_err(),
                "accepted {name} = {value}"
            );
        }
    }
}

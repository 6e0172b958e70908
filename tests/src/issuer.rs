//! A local stand-in for Cognito's token endpoint: it mints Cognito-shaped RS256 access tokens
//! and publishes its key as a JWKS, which the API fetches and checks through exactly the same
//! code as in AWS. It exists only in the local server, never in a Lambda binary.
//!
//! It can also sign arbitrary headers and claims (`alg: none`, HS256 keyed with the public key,
//! wrong issuer…), which the auth tests use to prove each is refused.

use std::path::Path;

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{KeyPair as _, RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

/// The app client id local tokens are issued to.
pub const CLIENT_ID: &str = "therabot-local-client";
/// The scope local tokens carry (the one API Gateway requires in AWS).
pub const SCOPE: &str = "therabot/api";
/// How long a minted token lives.
pub const TOKEN_SECONDS: i64 = 3600;

/// The local token issuer.
pub struct LocalIssuer {
    key: RsaKeyPair,
    kid: String,
    issuer: String,
}

/// The issuer's key could not be made, read or saved.
#[derive(Debug, thiserror::Error)]
#[error("local issuer key: {0}")]
pub struct IssuerError(String);

impl LocalIssuer {
    /// An issuer named `issuer` (the exact `iss` of its tokens). With `key_file`, the key is
    /// kept there so tokens survive restarts of the dev server; otherwise it is fresh.
    pub fn new(issuer: impl Into<String>, key_file: Option<&Path>) -> Result<Self, IssuerError> {
        fn err(what: &'static str) -> impl Fn(&dyn std::fmt::Display) -> IssuerError {
            move |e| IssuerError(format!("{what}: {e}"))
        }
        let pkcs8 = match key_file.filter(|p| p.exists()) {
            Some(path) => std::fs::read(path).map_err(|e| err("read")(&e))?,
            None => {
                let generated =
                    RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| err("generate")(&e))?;
                let der = generated.as_der().map_err(|e| err("encode")(&e))?;
                let bytes = der.as_ref().to_vec();
                if let Some(path) = key_file {
                    if let Some(dir) = path.parent() {
                        std::fs::create_dir_all(dir).map_err(|e| err("create dir")(&e))?;
                    }
                    std::fs::write(path, &bytes).map_err(|e| err("write")(&e))?;
                }
                bytes
            }
        };
        let key = RsaKeyPair::from_pkcs8(&pkcs8).map_err(|e| err("parse")(&e))?;
        let digest =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, key.public_key().as_ref());
        let kid = URL_SAFE_NO_PAD.encode(&digest.as_ref()[..12]);
        Ok(Self {
            key,
            kid,
            issuer: issuer.into(),
        })
    }

    /// The `iss` of this issuer's tokens.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The key id in the JWKS and token headers.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The JWKS document, as Cognito publishes it.
    pub fn jwks(&self) -> Value {
        let public = self.key.public_key();
        let components = aws_lc_rs::rsa::PublicKeyComponents::<Vec<u8>>::from(public);
        json!({"keys": [{
            "kid": self.kid,
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(&components.n),
            "e": URL_SAFE_NO_PAD.encode(&components.e),
        }]})
    }

    /// The public key's DER bytes (what an "HS256 keyed with the public key" attack uses).
    pub fn public_key_der(&self) -> Vec<u8> {
        self.key
            .public_key()
            .as_der()
            .map(|d| d.as_ref().to_vec())
            .unwrap_or_default()
    }

    /// The claims of a valid access token for `sub`, issued now.
    pub fn access_claims(&self, sub: &str) -> Value {
        let now = jiff::Timestamp::now().as_second();
        json!({
            "sub": sub,
            "iss": self.issuer,
            "client_id": CLIENT_ID,
            "token_use": "access",
            "scope": SCOPE,
            "auth_time": now,
            "iat": now,
            "exp": now + TOKEN_SECONDS,
            "jti": ulid::Ulid::new().to_string(),
            "username": sub,
        })
    }

    /// A valid access token for `sub`.
    pub fn mint(&self, sub: &str) -> String {
        self.sign(&self.header(), &self.access_claims(sub))
    }

    /// The header of a token signed by this issuer.
    pub fn header(&self) -> Value {
        json!({"alg": "RS256", "typ": "JWT", "kid": self.kid})
    }

    /// Signs `claims` under `header` with this issuer's RSA key (whatever `alg` says).
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = signing_input(header, claims);
        let mut signature = vec![0; self.key.public_modulus_len()];
        // Signing with a valid key into a buffer of the modulus size cannot fail.
        let _ = self.key.sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            input.as_bytes(),
            &mut signature,
        );
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

/// `base64url(header).base64url(claims)`.
pub fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// Signs `claims` with HMAC-SHA256 keyed by `secret` (for forging tests).
pub fn sign_hs256(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let input = signing_input(header, claims);
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

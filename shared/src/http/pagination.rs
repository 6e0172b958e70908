//! `limit` and `next_token`.
//!
//! A `next_token` is the store's cursor, signed with HMAC-SHA256 over the cursor *and* the
//! scope it was issued for: the user, the endpoint and its filters. A token that was altered,
//! belongs to another user, or comes from another endpoint or other filters fails the check
//! and is a 400, so it can never reveal anyone else's data or skip a filter.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::ApiError;
use crate::domain::UserId;
use crate::store::Cursor;

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: usize = 20;
/// The most items a page may hold.
pub const MAX_LIMIT: usize = 100;

const TOKEN_VERSION: &str = "p1";

/// Checks `limit`: 1 to [`MAX_LIMIT`], [`DEFAULT_LIMIT`] when absent.
pub fn limit(raw: Option<u32>) -> Result<usize, ApiError> {
    match raw {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT as u32).contains(&n) => Ok(n as usize),
        Some(_) => Err(ApiError::bad_parameter(
            "limit",
            &format!("must be an integer from 1 to {MAX_LIMIT}"),
        )),
    }
}

/// What a token is bound to: who asked, where, with which filters.
#[derive(Debug, Clone)]
pub struct PageScope(String);

impl PageScope {
    /// A scope for `user` on `endpoint` (e.g. `GET /v1/moods`).
    pub fn new(user: &UserId, endpoint: &str) -> Self {
        Self(format!("{}\n{endpoint}", user.as_str()))
    }

    /// Adds a filter; absent filters are bound too, so a token cannot gain or lose one.
    pub fn with(mut self, name: &str, value: Option<impl std::fmt::Display>) -> Self {
        match value {
            Some(v) => self.0.push_str(&format!("\n{name}={v}")),
            None => self.0.push_str(&format!("\n{name}")),
        }
        self
    }
}

/// Signs and checks page tokens with one key.
#[derive(Clone)]
pub struct PageTokens {
    key: aws_lc_rs::hmac::Key,
}

impl std::fmt::Debug for PageTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageTokens(<key>)")
    }
}

impl PageTokens {
    /// Tokens signed with `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret),
        }
    }

    /// The token for continuing after `cursor` in `scope`.
    pub fn seal(&self, scope: &PageScope, cursor: &Cursor) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default());
        let tag = aws_lc_rs::hmac::sign(&self.key, &Self::message(scope, &payload));
        format!(
            "{TOKEN_VERSION}.{payload}.{}",
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// The cursor inside `token`, if it was issued for exactly `scope`.
    pub fn open(&self, scope: &PageScope, token: &str) -> Result<Cursor, ApiError> {
        let invalid = || {
            ApiError::bad_parameter(
                "next_token",
                "is not valid here: pass the token from the previous page of this same list, unchanged",
            )
        };
        if token.len() > 2048 {
            return Err(invalid());
        }
        let mut parts = token.split('.');
        let (Some(TOKEN_VERSION), Some(payload), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid());
        };
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        aws_lc_rs::hmac::verify(&self.key, &Self::message(scope, payload), &tag)
            .map_err(|_| invalid())?;
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        serde_json::from_slice(&json).map_err(|_| invalid())
    }

    fn message(scope: &PageScope, payload: &str) -> Vec<u8> {
        format!("therabot-page\n{TOKEN_VERSION}\n{}\n{payload}", scope.0).into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn cursor() -> Cursor {
        Cursor(BTreeMap::from([("SK".to_owned(), "MOOD#01J".to_owned())]))
    }

    fn user(sub: &str) -> UserId {
        UserId::parse(sub).unwrap()
    }

    #[test]
    fn a_token_opens_only_in_the_scope_it_was_issued_for() {
        let tokens = PageTokens::new(b"0123456789abcdef0123456789abcdef");
        let scope = PageScope::new(&user("a"), "GET /v1/moods").with("tag", Some("work"));
        let token = tokens.seal(&scope, &cursor());
        assert_eq!(tokens.open(&scope, &token).unwrap(), cursor());

        let other_user = PageScope::new(&user("b"), "GET /v1/moods").with("tag", Some("work"));
        let other_filter = PageScope::new(&user("a"), "GET /v1/moods").with("tag", None::<&str>);
        let other_endpoint =
            PageScope::new(&user("a"), "GET /v1/journals").with("tag", Some("work"));
        for scope in [other_user, other_filter, other_endpoint] {
            assert!(tokens.open(&scope, &token).is_err());
        }
    }

    #[test]
    fn a_tampered_or_foreign_key_token_is_refused() {
        let tokens = PageTokens::new(b"0123456789abcdef0123456789abcdef");
        let scope = PageScope::new(&user("a"), "GET /v1/moods");
        let token = tokens.seal(&scope, &cursor());
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"SK":"MOOD#~"}"#);
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{forged_payload}.{}", parts[0], parts[2]);
        assert!(tokens.open(&scope, &tampered).is_err());
        assert!(tokens.open(&scope, "garbage").is_err());
        let other_key = PageTokens::new(b"ffffffffffffffffffffffffffffffff");
        assert!(other_key.open(&scope, &token).is_err());
    }

    #[test]
    fn limit_defaults_to_20_and_stays_within_1_to_100() {
        assert_eq!(limit(None).unwrap(), 20);
        assert_eq!(limit(Some(100)).unwrap(), 100);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
    }
}

//! `limit` and `next_token`.
//!
//! A `next_token` is the store's cursor, signed with HMAC-SHA256 over the cursor *and* the
//! scope it was issued for: the user, the endpoint and its filters. A token that was altered,
//! belongs to another user, or comes from another endpoint or other filters fails the check
//! and is a 400, so it can never reveal anyone else's data or skip a filter.
//!
//! Tokens carry the time they were issued and expire after [`TOKEN_LIFETIME`]. They are
//! signed with the secret's `pagination_key` and also open with `pagination_key_previous`,
//! so rotating the key (new key in, old key moved to `_previous`) breaks no open list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::ApiError;
use crate::domain::UserId;
use crate::store::Cursor;

/// Items per page when the client does not say.
pub const DEFAULT_LIMIT: usize = 20;
/// The most items a page may hold.
pub const MAX_LIMIT: usize = 100;

const TOKEN_VERSION: &str = "p2";

/// The longest `next_token` the API reads.
pub const TOKEN_MAX_LEN: usize = 2048;

/// What a `next_token` looks like (the OpenAPI document states it; only the API's own
/// tokens open).
pub const TOKEN_PATTERN: &str = r"^p2\.[0-9]{1,19}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$";

/// How long a `next_token` stays valid: long enough to read a list, short enough that a
/// leaked token soon means nothing.
pub const TOKEN_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

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

/// One list request's paging: its page size, where it starts, and the scope and signer that
/// seal the token of the page after it. Made by [`crate::app::AppContext::paging`].
#[derive(Debug)]
pub struct Paging {
    /// Items on this page.
    pub limit: usize,
    /// Where the page starts: the cursor inside the request's `next_token`.
    pub start: Option<Cursor>,
    pub(crate) tokens: PageTokens,
    pub(crate) scope: PageScope,
    pub(crate) now: jiff::Timestamp,
}

impl Paging {
    /// The `next_token` for the page after this one, if the store says there is one.
    pub fn next_token(&self, next: Option<Cursor>) -> Option<String> {
        next.map(|cursor| self.tokens.seal(&self.scope, &cursor, self.now))
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

/// Signs page tokens with the current key and opens them with it or the previous one.
#[derive(Clone)]
pub struct PageTokens {
    keys: Vec<aws_lc_rs::hmac::Key>,
}

impl std::fmt::Debug for PageTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageTokens(<keys>)")
    }
}

impl PageTokens {
    /// Tokens signed with `secret`.
    pub fn new(secret: &[u8]) -> Self {
        Self::rotating(secret, None)
    }

    /// Tokens signed with `current`, still opened with `previous` during a rotation.
    pub fn rotating(current: &[u8], previous: Option<&[u8]>) -> Self {
        let key = |secret| aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
        Self {
            keys: std::iter::once(current).chain(previous).map(key).collect(),
        }
    }

    /// The token for continuing after `cursor` in `scope`, issued `now`.
    pub fn seal(&self, scope: &PageScope, cursor: &Cursor, now: jiff::Timestamp) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(cursor).unwrap_or_default());
        let issued = now.as_second();
        let tag = aws_lc_rs::hmac::sign(&self.keys[0], &Self::message(scope, issued, &payload));
        format!(
            "{TOKEN_VERSION}.{issued}.{payload}.{}",
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// The cursor inside `token`, if it was issued for exactly `scope` and has not expired
    /// at `now`.
    pub fn open(
        &self,
        scope: &PageScope,
        token: &str,
        now: jiff::Timestamp,
    ) -> Result<Cursor, ApiError> {
        let invalid = || {
            ApiError::bad_parameter(
                "next_token",
                "is not valid here: pass the token from the previous page of this same list, unchanged",
            )
        };
        if token.len() > TOKEN_MAX_LEN {
            return Err(invalid());
        }
        let mut parts = token.split('.');
        let (Some(TOKEN_VERSION), Some(issued), Some(payload), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(invalid());
        };
        let issued: i64 = issued.parse().map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        let message = Self::message(scope, issued, payload);
        if !self
            .keys
            .iter()
            .any(|key| aws_lc_rs::hmac::verify(key, &message, &tag).is_ok())
        {
            return Err(invalid());
        }
        if now.as_second() - issued > TOKEN_LIFETIME.as_secs() {
            return Err(ApiError::bad_parameter(
                "next_token",
                "has expired: start the list again from its first page",
            ));
        }
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        serde_json::from_slice(&json).map_err(|_| invalid())
    }

    fn message(scope: &PageScope, issued: i64, payload: &str) -> Vec<u8> {
        format!(
            "therabot-page\n{TOKEN_VERSION}\n{issued}\n{}\n{payload}",
            scope.0
        )
        .into_bytes()
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

    fn now() -> jiff::Timestamp {
        jiff::Timestamp::from_second(1_800_000_000).unwrap()
    }

    #[test]
    fn a_token_expires_after_a_day_and_its_time_cannot_be_forged() {
        let tokens = PageTokens::new(b"0123456789abcdef0123456789abcdef");
        let scope = PageScope::new(&user("a"), "GET /v1/moods");
        let token = tokens.seal(&scope, &cursor(), now());
        let later = |hours| now() + jiff::SignedDuration::from_hours(hours);
        assert!(tokens.open(&scope, &token, later(23)).is_ok());
        assert!(tokens.open(&scope, &token, later(25)).is_err());
        let parts: Vec<&str> = token.split('.').collect();
        let refreshed = format!(
            "{}.{}.{}.{}",
            parts[0],
            later(25).as_second(),
            parts[2],
            parts[3]
        );
        assert!(tokens.open(&scope, &refreshed, later(25)).is_err());
    }

    #[test]
    fn during_a_key_rotation_tokens_of_the_previous_key_still_open() {
        let old = PageTokens::new(b"0123456789abcdef0123456789abcdef");
        let rotated = PageTokens::rotating(
            b"ffffffffffffffffffffffffffffffff",
            Some(b"0123456789abcdef0123456789abcdef"),
        );
        let scope = PageScope::new(&user("a"), "GET /v1/moods");
        let before = old.seal(&scope, &cursor(), now());
        assert_eq!(rotated.open(&scope, &before, now()).unwrap(), cursor());
        let after = rotated.seal(&scope, &cursor(), now());
        assert!(
            old.open(&scope, &after, now()).is_err(),
            "signed with the new key"
        );
    }

    #[test]
    fn a_token_opens_only_in_the_scope_it_was_issued_for() {
        let tokens = PageTokens::new(b"0123456789abcdef0123456789abcdef");
        let scope = PageScope::new(&user("a"), "GET /v1/moods").with("tag", Some("work"));
        let token = tokens.seal(&scope, &cursor(), now());
        assert_eq!(tokens.open(&scope, &token, now()).unwrap(), cursor());

        let other_user = PageScope::new(&user("b"), "GET /v1/moods").with("tag", Some("work"));
        let other_filter = PageScope::new(&user("a"), "GET /v1/moods").with("tag", None::<&str>);
        let other_endpoint =
            PageScope::new(&user("a"), "GET /v1/journals").with("tag", Some("work"));
        for scope in [other_user, other_filter, other_endpoint] {
            assert!(tokens.open(&scope, &token, now()).is_err());
        }
    }

    #[test]
    fn a_tampered_or_foreign_key_token_is_refused() {
        let tokens = PageTokens::new(b"0123456789abcdef0123456789abcdef");
        let scope = PageScope::new(&user("a"), "GET /v1/moods");
        let token = tokens.seal(&scope, &cursor(), now());
        let forged_payload = URL_SAFE_NO_PAD.encode(br#"{"SK":"MOOD#~"}"#);
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{}.{forged_payload}.{}", parts[0], parts[1], parts[3]);
        assert!(tokens.open(&scope, &tampered, now()).is_err());
        assert!(tokens.open(&scope, "garbage", now()).is_err());
        let other_key = PageTokens::new(b"ffffffffffffffffffffffffffffffff");
        assert!(other_key.open(&scope, &token, now()).is_err());
    }

    #[test]
    fn limit_defaults_to_20_and_stays_within_1_to_100() {
        assert_eq!(limit(None).unwrap(), 20);
        assert_eq!(limit(Some(100)).unwrap(), 100);
        assert!(limit(Some(0)).is_err());
        assert!(limit(Some(101)).is_err());
    }
}

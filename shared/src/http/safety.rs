//! What the app shows about safety beside anything a person wrote (a chat turn, a journal
//! entry, an exercise's note), and where their crisis lines come from.

use http::HeaderMap;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::UserId;
use crate::domain::chat::CountryCode;
use crate::domain::profile::Profile;
use crate::safety::Level;
use crate::safety::resources::{CountryResources, Resource, for_country};
use crate::store::Store;

/// What the app should show about safety alongside what was written.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SafetyView {
    /// `none`, `elevated` or `crisis`.
    pub level: Level,
    /// Crisis lines to offer (empty when the level is `none`).
    pub resources: Vec<Resource>,
    /// The emergency number, when resources are given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emergency_number: Option<String>,
}

impl SafetyView {
    /// The view for `level`, with `resources` when the level calls for them.
    pub fn new(level: Level, resources: &CountryResources) -> Self {
        let show = level >= Level::Elevated;
        Self {
            level,
            resources: if show {
                resources.resources.clone()
            } else {
                Vec::new()
            },
            emergency_number: show.then(|| resources.emergency.clone()),
        }
    }
}

impl SafetyView {
    /// The view for `level` of something `user` wrote, with the crisis lines of their
    /// country ([`crisis_country`]). The profile is read only when lines are shown, so an
    /// ordinary save costs no extra round trip; if it cannot be read, `Accept-Language`
    /// decides, and the save goes on.
    pub async fn for_writer(
        level: Level,
        store: &Store,
        user: &UserId,
        headers: &HeaderMap,
    ) -> Self {
        let profile = if level >= Level::Elevated {
            store.profile(user).await.unwrap_or_else(|error| {
                tracing::warn!(%error, "profile unreadable: crisis lines from Accept-Language");
                Profile::default()
            })
        } else {
            Profile::default()
        };
        let country = crisis_country(None, &profile, headers);
        let (resources, _) = for_country(country.as_ref().map(CountryCode::as_str));
        Self::new(level, resources)
    }
}

/// Where someone's crisis lines come from: the country they named for this (a
/// conversation's body), else their profile's, else the region of `Accept-Language`
/// (`en-US` → US: a phone says where its user is more often than not, and 988 beats the
/// international lines there), else none (the international lines).
pub fn crisis_country(
    named: Option<CountryCode>,
    profile: &Profile,
    headers: &HeaderMap,
) -> Option<CountryCode> {
    named.or_else(|| profile.country.clone()).or_else(|| {
        country_from_headers(headers).and_then(|c| CountryCode::parse("country", &c).ok())
    })
}

/// The country named by the region of the first language in `Accept-Language` that has one
/// (`en-US,en;q=0.9` → `US`), so crisis lines fit where the phone says its user is.
pub fn country_from_headers(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(http::header::ACCEPT_LANGUAGE)?.to_str().ok()?;
    raw.split(',').find_map(|range| {
        let tag = range.split(';').next()?.trim();
        let region = tag.split(['-', '_']).skip(1).find(|part| part.len() == 2)?;
        region
            .bytes()
            .all(|b| b.is_ascii_alphabetic())
            .then(|| region.to_ascii_uppercase())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::ACCEPT_LANGUAGE,
            http::HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn the_first_language_with_a_region_names_the_country() {
        assert_eq!(
            country_from_headers(&accept("en-US,en;q=0.9")).as_deref(),
            Some("US")
        );
        assert_eq!(
            country_from_headers(&accept("es, es-mx;q=0.8")).as_deref(),
            Some("MX")
        );
        assert_eq!(
            country_from_headers(&accept("zh-Hant-TW")).as_deref(),
            Some("TW")
        );
        assert_eq!(country_from_headers(&accept("en, fr;q=0.5")), None);
        assert_eq!(country_from_headers(&HeaderMap::new()), None);
    }

    #[test]
    fn the_named_country_wins_then_the_profile_then_accept_language() {
        let code = |c: &str| CountryCode::parse("c", c).unwrap();
        let profile = Profile {
            country: Some(code("GB")),
            ..Profile::default()
        };
        let headers = accept("en-US");
        let pick = |named, profile: &Profile| {
            crisis_country(named, profile, &headers).map(|c| c.as_str().to_owned())
        };
        assert_eq!(pick(Some(code("ES")), &profile).as_deref(), Some("ES"));
        assert_eq!(pick(None, &profile).as_deref(), Some("GB"));
        assert_eq!(pick(None, &Profile::default()).as_deref(), Some("US"));
        assert_eq!(
            crisis_country(None, &Profile::default(), &HeaderMap::new()),
            None
        );
    }
}

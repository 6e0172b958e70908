//! What the app shows about safety beside anything a person wrote (a chat turn, a journal
//! entry, an exercise's note), and where their crisis lines come from.

use http::HeaderMap;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::safety::Level;
use crate::safety::resources::{CountryResources, Resource};

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
    /// The view for `level` with the crisis lines of the country the request's
    /// `Accept-Language` names (the international ones otherwise).
    pub fn for_request(level: Level, headers: &HeaderMap) -> Self {
        let country = country_from_headers(headers);
        let (resources, _) = crate::safety::resources::for_country(country.as_deref());
        Self::new(level, resources)
    }
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
}

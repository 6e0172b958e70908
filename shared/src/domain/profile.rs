//! A user's profile: who they are to the app and the preferences the other functions honour
//! (crisis lines by country, summaries in their time zone, how long risk prompts a check-in,
//! how long chat history is kept). Nothing needs a profile to exist: a user who never saved
//! one has [`Profile::default`], and the first `PATCH /v1/me` creates it.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use super::chat::CountryCode;
use super::text::check_text;
use super::{FieldError, FieldErrors};

/// The longest display name, in characters.
pub const DISPLAY_NAME_MAX_CHARS: usize = 64;
/// The shortest and longest check-in window a user may choose, in hours (one to fourteen
/// days). There is no "off": the check-in is a safety feature, the window only its length.
pub const CHECK_IN_HOURS: (u16, u16) = (24, 336);
/// The shortest and longest chat history a user may keep, in days (one day to ten years).
pub const RETENTION_DAYS: (u16, u16) = (1, 3650);

/// The longest locale accepted (RFC 5646 asks implementations to take at least 35).
pub const LOCALE_MAX_CHARS: usize = 35;

/// What a BCP 47 tag must look like here: language, optional script, optional region,
/// optional variants (no extensions or private use: no app locale needs them). The OpenAPI
/// document states it and [`Locale::parse`] implements exactly it.
pub const LOCALE_PATTERN: &str = "^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-([A-Za-z]{2}|[0-9]{3}))?(-([A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*$";

/// The name people see in the app: one line, 1–64 characters, not blank (exactly
/// [`super::text::non_blank_single_line_pattern`] with `maxLength` 64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    /// Checks a display name.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        check_text(field, raw, DISPLAY_NAME_MAX_CHARS)?;
        if raw.contains(['\n', '\r']) {
            return Err(FieldError::new(field, "must be a single line"));
        }
        if raw.trim().is_empty() {
            return Err(FieldError::new(field, "must not be blank"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Rebuilds a name read back from the store.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone the bundled tz database knows, e.g. `Europe/Madrid`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// Accepts a name of the tz database, as it spells it.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let known = names().any(|name| name == raw);
        if known && TimeZone::get(raw).is_ok() {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "must be an IANA time zone name such as Europe/Madrid",
            ))
        }
    }

    /// `UTC`, the zone of someone who named none.
    pub fn utc() -> Self {
        Self("UTC".to_owned())
    }

    /// The zone, for arithmetic (a stored name the database no longer knows is UTC).
    pub fn zone(&self) -> TimeZone {
        TimeZone::get(&self.0).unwrap_or(TimeZone::UTC)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Every time zone name of the bundled tz database, sorted (the OpenAPI enum).
pub fn time_zone_names() -> Vec<String> {
    let mut all: Vec<String> = names().collect();
    all.sort();
    all.dedup();
    all
}

fn names() -> impl Iterator<Item = String> {
    jiff::tz::db()
        .available()
        .map(|name| name.as_str().to_owned())
}

/// A well-formed BCP 47 language tag, stored in canonical case (`es-419`, `zh-Hant-TW`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locale(String);

impl Locale {
    /// Accepts exactly [`LOCALE_PATTERN`].
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let bad = || {
            FieldError::new(
                field,
                "must be a BCP 47 language tag such as en-US or es-419",
            )
        };
        let mut parts = raw.split('-').peekable();
        let language = parts.next().filter(|l| is_alpha(l, 2, 3)).ok_or_else(bad)?;
        let mut canonical = vec![language.to_ascii_lowercase()];
        if let Some(script) = parts.next_if(|p| is_alpha(p, 4, 4)) {
            let (first, rest) = script.split_at(1);
            canonical.push(first.to_ascii_uppercase() + &rest.to_ascii_lowercase());
        }
        if let Some(region) = parts.next_if(|p| is_alpha(p, 2, 2) || is_digits(p, 3)) {
            canonical.push(region.to_ascii_uppercase());
        }
        for variant in parts {
            let alnum = variant.bytes().all(|b| b.is_ascii_alphanumeric());
            let long = (5..=8).contains(&variant.len());
            let short = variant.len() == 4 && variant.starts_with(|c: char| c.is_ascii_digit());
            if !(alnum && (long || short)) {
                return Err(bad());
            }
            canonical.push(variant.to_ascii_lowercase());
        }
        Ok(Self(canonical.join("-")))
    }

    /// Rebuilds a tag read back from the store.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    /// The tag.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language subtag (`es` of `es-419`).
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or_default()
    }
}

fn is_alpha(part: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_alphabetic())
}

fn is_digits(part: &str, len: usize) -> bool {
    part.len() == len && part.bytes().all(|b| b.is_ascii_digit())
}

/// A whole number within `range`, or a field error saying so.
fn within(field: &str, raw: i64, (low, high): (u16, u16)) -> Result<u16, FieldError> {
    u16::try_from(raw)
        .ok()
        .filter(|v| (low..=high).contains(v))
        .ok_or_else(|| FieldError::new(field, format!("must be from {low} to {high}")))
}

/// A user's profile as stored (or the defaults, at version 0, before the first save).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Profile {
    /// What the app calls them.
    pub display_name: Option<DisplayName>,
    /// Their time zone: summaries use it when a request names none.
    pub timezone: Option<TimeZoneName>,
    /// Their language and region: a conversation's language when it names none.
    pub locale: Option<Locale>,
    /// Where they are: a conversation's crisis lines when it names no country.
    pub country: Option<CountryCode>,
    /// How long after risk a new conversation opens with a check-in (`None`: the service's).
    pub check_in_hours: Option<u16>,
    /// Delete chat messages older than this many days (`None`: keep them).
    pub chat_retention_days: Option<u16>,
    /// When it was first saved.
    pub created_at: Option<Timestamp>,
    /// When it was last saved.
    pub updated_at: Option<Timestamp>,
    /// Its version (0: never saved).
    pub version: u64,
}

impl Profile {
    /// The check-in window to use: the user's choice, else the service's `default`.
    pub fn check_in_window(&self, default: SignedDuration) -> SignedDuration {
        self.check_in_hours
            .map_or(default, |h| SignedDuration::from_hours(i64::from(h)))
    }

    /// Applies `changes`, saved `now`, as the next version.
    pub fn changed(&self, changes: &ProfileChanges, now: Timestamp) -> Self {
        Self {
            display_name: pick(&changes.display_name, &self.display_name),
            timezone: pick(&changes.timezone, &self.timezone),
            locale: pick(&changes.locale, &self.locale),
            country: pick(&changes.country, &self.country),
            check_in_hours: pick(&changes.check_in_hours, &self.check_in_hours),
            chat_retention_days: pick(&changes.chat_retention_days, &self.chat_retention_days),
            created_at: self.created_at.or(Some(now)),
            updated_at: Some(now),
            version: self.version + 1,
        }
    }
}

/// The changed value of a field: the new one when the change names it, else the old one.
fn pick<T: Clone>(new: &Option<Option<T>>, old: &Option<T>) -> Option<T> {
    match new {
        Some(value) => value.clone(),
        None => old.clone(),
    }
}

/// Changes to a profile: `Some(None)` clears a field, `None` leaves it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileChanges {
    /// A new display name.
    pub display_name: Option<Option<DisplayName>>,
    /// A new time zone.
    pub timezone: Option<Option<TimeZoneName>>,
    /// A new locale.
    pub locale: Option<Option<Locale>>,
    /// A new country.
    pub country: Option<Option<CountryCode>>,
    /// A new check-in window in hours (`Some(None)`: back to the service's).
    pub check_in_hours: Option<Option<u16>>,
    /// A new chat history retention in days (`Some(None)`: keep everything).
    pub chat_retention_days: Option<Option<u16>>,
}

/// The raw values of a change request, as JSON gave them (outer `None`: absent; inner
/// `None`: `null`).
#[derive(Debug, Default)]
pub struct RawProfileChanges {
    /// `display_name`.
    pub display_name: Option<Option<String>>,
    /// `timezone`.
    pub timezone: Option<Option<String>>,
    /// `locale`.
    pub locale: Option<Option<String>>,
    /// `country`.
    pub country: Option<Option<String>>,
    /// `check_in_hours`.
    pub check_in_hours: Option<Option<i64>>,
    /// `chat_retention_days`.
    pub chat_retention_days: Option<Option<i64>>,
}

impl RawProfileChanges {
    /// Parses every field, reporting every bad one at once.
    pub fn parse(self) -> Result<ProfileChanges, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let changes = ProfileChanges {
            display_name: parse_text(
                &mut errors,
                "display_name",
                self.display_name,
                DisplayName::parse,
            ),
            timezone: parse_text(&mut errors, "timezone", self.timezone, TimeZoneName::parse),
            locale: parse_text(&mut errors, "locale", self.locale, Locale::parse),
            country: parse_text(
                &mut errors,
                "country",
                self.country,
                CountryCode::parse_assigned,
            ),
            check_in_hours: parse_number(
                &mut errors,
                "check_in_hours",
                self.check_in_hours,
                CHECK_IN_HOURS,
            ),
            chat_retention_days: parse_number(
                &mut errors,
                "chat_retention_days",
                self.chat_retention_days,
                RETENTION_DAYS,
            ),
        };
        errors.into_result()?;
        if changes == ProfileChanges::default() {
            return Err(vec![FieldError::new(
                "",
                "give at least one field to change",
            )]);
        }
        Ok(changes)
    }
}

fn parse_text<T>(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<Option<String>>,
    parse: fn(&str, &str) -> Result<T, FieldError>,
) -> Option<Option<T>> {
    match raw {
        None => None,
        Some(None) => Some(None),
        Some(Some(text)) => errors.check(parse(field, &text)).map(Some),
    }
}

fn parse_number(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<Option<i64>>,
    range: (u16, u16),
) -> Option<Option<u16>> {
    match raw {
        None => None,
        Some(None) => Some(None),
        Some(Some(value)) => errors.check(within(field, value, range)).map(Some),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_are_well_formed_bcp47_tags_in_canonical_case() {
        for (raw, canonical) in [
            ("en-us", "en-US"),
            ("es-419", "es-419"),
            ("zh-hant-tw", "zh-Hant-TW"),
            ("pt", "pt"),
            ("de-CH-1996", "de-CH-1996"),
            ("sl-rozaj-biske", "sl-rozaj-biske"),
        ] {
            assert_eq!(Locale::parse("locale", raw).unwrap().as_str(), canonical);
        }
        for bad in [
            "",
            "e",
            "english",
            "en_US",
            "en-",
            "en-U",
            "en-USA1",
            "en--US",
            "en-US-x-a",
        ] {
            assert!(Locale::parse("locale", bad).is_err(), "{bad}");
        }
        assert_eq!(Locale::parse("l", "es-MX").unwrap().language(), "es");
    }

    #[test]
    fn the_locale_pattern_and_the_parser_agree() {
        let pattern = regex::Regex::new(LOCALE_PATTERN).unwrap();
        for tag in [
            "en",
            "en-US",
            "es-419",
            "zh-Hant-TW",
            "de-CH-1996",
            "sl-rozaj-biske",
            "EN-us",
            "",
            "e",
            "english",
            "en_US",
            "en-",
            "en-U",
            "en-USA1",
            "en--US",
            "en-US-x-a",
            "en-Latn-Latn",
            "en-1234",
            "en-12345",
            "en-abcd-US",
            "enx-US",
            "a1-US",
        ] {
            assert_eq!(
                pattern.is_match(tag),
                Locale::parse("locale", tag).is_ok(),
                "{tag}"
            );
        }
    }

    #[test]
    fn only_names_the_tz_database_knows_are_time_zones() {
        assert!(TimeZoneName::parse("tz", "Europe/Madrid").is_ok());
        assert!(TimeZoneName::parse("tz", "America/New_York").is_ok());
        assert!(TimeZoneName::parse("tz", "UTC").is_ok());
        for bad in [
            "",
            "Mars/Olympus",
            "europe/madrid",
            "+02:00",
            "Europe/Madrid ",
        ] {
            assert!(TimeZoneName::parse("tz", bad).is_err(), "{bad}");
        }
        assert!(time_zone_names().len() > 300);
    }

    #[test]
    fn a_change_keeps_what_it_does_not_name_and_clears_what_it_nulls() {
        let now: Timestamp = "2026-12-06T10:00:00Z".parse().unwrap();
        let first = Profile::default().changed(
            &RawProfileChanges {
                country: Some(Some("US".into())),
                timezone: Some(Some("America/Chicago".into())),
                ..Default::default()
            }
            .parse()
            .unwrap(),
            now,
        );
        assert_eq!(first.version, 1);
        assert_eq!(first.country.as_ref().map(CountryCode::as_str), Some("US"));
        let second = first.changed(
            &RawProfileChanges {
                country: Some(None),
                ..Default::default()
            }
            .parse()
            .unwrap(),
            now,
        );
        assert_eq!(second.country, None);
        assert_eq!(second.timezone, first.timezone);
        assert_eq!(second.version, 2);
        assert_eq!(second.created_at, Some(now));
    }

    #[test]
    fn every_bad_field_is_reported_and_an_empty_change_is_refused() {
        let errors = RawProfileChanges {
            display_name: Some(Some("   ".into())),
            check_in_hours: Some(Some(2)),
            chat_retention_days: Some(Some(0)),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["display_name", "check_in_hours", "chat_retention_days"]
        );
        assert!(RawProfileChanges::default().parse().is_err());
    }

    #[test]
    fn the_check_in_window_is_the_users_choice_or_the_services() {
        let default = SignedDuration::from_hours(72);
        assert_eq!(Profile::default().check_in_window(default), default);
        let chosen = Profile {
            check_in_hours: Some(24),
            ..Default::default()
        };
        assert_eq!(
            chosen.check_in_window(default),
            SignedDuration::from_hours(24)
        );
    }
}

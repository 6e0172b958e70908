//! The account API's request and response bodies.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use therabot_shared::domain::FieldError;
use therabot_shared::domain::profile::{Profile, ProfileChanges, RawProfileChanges};
use therabot_shared::http::json::{self, nullable, nullable_whole_number};
use utoipa::ToSchema;

/// Changes to your profile; absent fields stay as they are, `null` clears one, and at least
/// one must be given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct UpdateProfile {
    /// What the app calls you: one line, 1 to 64 characters.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 64, example = "Sam")]
    pub display_name: Option<Option<String>>,
    /// Your IANA time zone: summaries use it when a request names none.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "America/Chicago")]
    pub timezone: Option<Option<String>>,
    /// Your BCP 47 locale: a conversation that names no language speaks its language (en
    /// or es).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 35, example = "en-US")]
    pub locale: Option<Option<String>>,
    /// Your country, an ISO 3166-1 alpha-2 code assigned to a country: a conversation that
    /// names none offers its crisis lines.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "US")]
    pub country: Option<Option<String>>,
    /// For how many hours after a message at risk a new conversation opens with a check-in,
    /// 24 to 336; `null`: the service's default (72).
    #[serde(default, deserialize_with = "nullable_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 24, maximum = 336)]
    pub check_in_hours: Option<Option<i64>>,
    /// Delete chat messages older than this many days, 1 to 3650; `null`: keep them all.
    #[serde(default, deserialize_with = "nullable_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 3650)]
    pub chat_retention_days: Option<Option<i64>>,
}

impl UpdateProfile {
    /// The domain's changes, or every field error at once.
    pub fn parse(self) -> Result<ProfileChanges, Vec<FieldError>> {
        RawProfileChanges {
            display_name: self.display_name,
            timezone: self.timezone,
            locale: self.locale,
            country: self.country,
            check_in_hours: self.check_in_hours,
            chat_retention_days: self.chat_retention_days,
        }
        .parse()
    }
}

/// Your profile. Before your first change every field is `null` and `version` is 0.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProfileView {
    /// What the app calls you.
    pub display_name: Option<String>,
    /// Your IANA time zone.
    pub timezone: Option<String>,
    /// Your BCP 47 locale.
    pub locale: Option<String>,
    /// Your country (ISO 3166-1 alpha-2).
    pub country: Option<String>,
    /// Hours after a message at risk during which a new conversation opens with a check-in
    /// (`null`: the service's default, 72).
    pub check_in_hours: Option<u16>,
    /// Chat messages older than this many days are deleted (`null`: kept).
    pub chat_retention_days: Option<u16>,
    /// When the profile was first saved.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "json::optional_time")]
    pub created_at: Option<Timestamp>,
    /// When it last changed.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "json::optional_time")]
    pub updated_at: Option<Timestamp>,
    /// Its version, also sent as its `ETag` (`If-Match: "0"` makes the first change).
    pub version: u64,
}

impl From<&Profile> for ProfileView {
    fn from(profile: &Profile) -> Self {
        let text = |v: Option<&str>| v.map(str::to_owned);
        Self {
            display_name: text(profile.display_name.as_ref().map(|v| v.as_str())),
            timezone: text(profile.timezone.as_ref().map(|v| v.as_str())),
            locale: text(profile.locale.as_ref().map(|v| v.as_str())),
            country: text(profile.country.as_ref().map(|v| v.as_str())),
            check_in_hours: profile.check_in_hours,
            chat_retention_days: profile.chat_retention_days,
            created_at: profile.created_at,
            updated_at: profile.updated_at,
            version: profile.version,
        }
    }
}

//! The user's profile item: one per user, created by the first save.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::to_item;

use super::entity::Entity;
use super::erasure::{ACCOUNT, not_erased};
use super::keys::{self, Key};
use super::transact::{TransactFailure, Transaction, put};
use super::{Store, StoreError, n};
use crate::domain::UserId;
use crate::domain::chat::CountryCode;
use crate::domain::profile::{DisplayName, Locale, Profile, TimeZoneName};

#[derive(Serialize, Deserialize)]
pub(crate) struct ProfileItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    country: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    check_in_hours: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    chat_retention_days: Option<u16>,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: u64,
}

impl Entity for ProfileItem {
    const NAME: &'static str = "profile";
    type KeyInput<'a> = &'a UserId;

    fn key(user: Self::KeyInput<'_>) -> Key {
        Key::in_user(user, keys::PROFILE_SK.to_owned())
    }
}

impl ProfileItem {
    fn new(user: &UserId, profile: &Profile, now: Timestamp) -> Self {
        let Key { pk, sk } = Self::key(user);
        Self {
            pk,
            sk,
            entity: Self::NAME.to_owned(),
            display_name: profile.display_name.as_ref().map(|v| v.as_str().to_owned()),
            timezone: profile.timezone.as_ref().map(|v| v.as_str().to_owned()),
            locale: profile.locale.as_ref().map(|v| v.as_str().to_owned()),
            country: profile.country.as_ref().map(|v| v.as_str().to_owned()),
            check_in_hours: profile.check_in_hours,
            chat_retention_days: profile.chat_retention_days,
            created_at: profile.created_at.unwrap_or(now),
            updated_at: profile.updated_at.unwrap_or(now),
            version: profile.version,
        }
    }

    fn into_domain(self) -> Profile {
        Profile {
            display_name: self.display_name.map(DisplayName::from_stored),
            // A stored value that no longer parses (a zone the tz database dropped) reads as
            // unset rather than failing every request that consults the profile.
            timezone: self
                .timezone
                .and_then(|t| TimeZoneName::parse("timezone", &t).ok()),
            locale: self.locale.map(Locale::from_stored),
            country: self
                .country
                .and_then(|c| CountryCode::parse("country", &c).ok()),
            check_in_hours: self.check_in_hours,
            chat_retention_days: self.chat_retention_days,
            created_at: Some(self.created_at),
            updated_at: Some(self.updated_at),
            version: self.version,
        }
    }
}

impl Store {
    /// The user's profile, or the defaults (version 0) if they never saved one.
    pub async fn profile(&self, user: &UserId) -> Result<Profile, StoreError> {
        Ok(self
            .get::<ProfileItem>(user)
            .await?
            .map(ProfileItem::into_domain)
            .unwrap_or_default())
    }

    /// Saves `profile` (its version already the next one) if the stored version is still
    /// `profile.version - 1` (absent, for the first save). [`StoreError::ConditionFailed`]
    /// means someone saved in between.
    pub async fn save_profile(
        &self,
        user: &UserId,
        profile: &Profile,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let item = to_item(ProfileItem::new(user, profile, now))?;
        let previous = profile.version.saturating_sub(1);
        if previous == 0 {
            // The first save creates an item: it must not outlive an erasure.
            let mut transaction = Transaction::new();
            transaction.push(
                "profile",
                put(self.table(), item, Some("attribute_not_exists(PK)"))?,
            );
            transaction.push(ACCOUNT, not_erased(self.table(), user)?);
            return match self.transact(transaction).await {
                Ok(()) => Ok(()),
                Err(TransactFailure::Cancelled(c)) if c.failed(ACCOUNT) => Err(StoreError::Erased),
                Err(TransactFailure::Cancelled(c)) if c.failed("profile") => {
                    Err(StoreError::ConditionFailed)
                }
                Err(failure) => Err(failure.into()),
            };
        }
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("version = :previous")
            .expression_attribute_values(":previous", n(previous))
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(())
    }
}

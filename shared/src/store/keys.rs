//! Every key of the single table is built here, and only here.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | mood entry | `USER#<sub>` | `MOOD#<ulid>` (the ULID's time is `recorded_at`) |
//! | idempotency record | `USER#<sub>` | `IDEMP#<key>` |
//!
//! Each item also carries an `entity` attribute naming its type, so a console reader (or a
//! future export) can tell items apart without parsing keys.

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;

use super::{Item, s};
use crate::domain::{EntryId, UserId};

/// Partition key attribute name.
pub const PK: &str = "PK";
/// Sort key attribute name.
pub const SK: &str = "SK";
/// The attribute naming an item's type.
pub const ENTITY: &str = "entity";
/// The TTL attribute (epoch seconds); DynamoDB deletes items some time after it passes.
pub const EXPIRES_AT: &str = "expires_at";

/// The item types, as stored in [`ENTITY`].
pub mod entity {
    /// A mood entry.
    pub const MOOD: &str = "mood";
    /// An idempotency record.
    pub const IDEMPOTENCY: &str = "idempotency";
}

const MOOD_PREFIX: &str = "MOOD#";
const IDEMPOTENCY_PREFIX: &str = "IDEMP#";

/// The partition holding everything of one user.
pub fn user_pk(user: &UserId) -> String {
    format!("USER#{}", user.as_str())
}

/// A mood entry's sort key.
pub fn mood_sk(id: EntryId) -> String {
    format!("{MOOD_PREFIX}{id}")
}

/// The sort-key range of moods recorded between `from` and `to`, inclusive.
pub fn mood_sk_range(from: Option<Timestamp>, to: Option<Timestamp>) -> (String, String) {
    let low = from.map_or_else(|| MOOD_PREFIX.to_owned(), |t| mood_sk(EntryId::min_at(t)));
    // `~` sorts after every Crockford base32 character, so the prefix alone bounds the top.
    let high = to.map_or_else(
        || format!("{MOOD_PREFIX}~"),
        |t| mood_sk(EntryId::max_at(t)),
    );
    (low, high)
}

/// An idempotency record's sort key.
pub fn idempotency_sk(key: &str) -> String {
    format!("{IDEMPOTENCY_PREFIX}{key}")
}

/// The full primary key of an item, as DynamoDB wants it for Get/Update/Delete.
pub fn primary_key(pk: String, sk: String) -> Item {
    Item::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

/// Reads the sort key of an item, if it has one.
pub fn sort_key_of(item: &Item) -> Option<&str> {
    match item.get(SK) {
        Some(AttributeValue::S(sk)) => Some(sk),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_time_range_brackets_exactly_the_moods_recorded_in_it() {
        let inside: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        let from: Timestamp = "2026-11-25T09:00:00Z".parse().unwrap();
        let to: Timestamp = "2026-11-25T11:00:00Z".parse().unwrap();
        let (low, high) = mood_sk_range(Some(from), Some(to));
        let sk = mood_sk(EntryId::new_at(inside));
        assert!(low <= sk && sk <= high);
        let (low, high) = mood_sk_range(None, None);
        assert!(low <= sk && sk <= high);
        assert!(idempotency_sk("k") > high || idempotency_sk("k") < low);
    }
}

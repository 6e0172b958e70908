//! Every key of the single table is built here, and only here.
//!
//! | item | PK | SK |
//! |---|---|---|
//! | mood entry | `USER#<sub>` | `MOOD#<ulid>` (the ULID's time is `recorded_at`) |
//! | journal entry | `USER#<sub>` | `JOURNAL#<ulid>` (the ULID's time is `created_at`) |
//! | exercise completion | `USER#<sub>` | `DONE#<ulid>` (the ULID's time is `started_at`) |
//! | idempotency record | `USER#<sub>` | `IDEMP#<key>` |
//! | conversation | `USER#<sub>` | `CONV#<conv>#META` (+ `GSI1PK` = `USER#<sub>`, `GSI1SK` = `ACTIVE#<last message time>#<conv>`) |
//! | chat message | `USER#<sub>` | `CONV#<conv>#<msg ulid>` (sorts before `#META`: ULIDs start with 0–7) |
//! | risk state | `USER#<sub>` | `SAFETY` |
//! | profile | `USER#<sub>` | `PROFILE` |
//! | message quota | `USER#<sub>` | `QUOTA#<yyyy-mm-ddThh>` (TTL) |
//! | erasure tombstone | `ERASED#<sha-256 of sub>` | `ERASED` (TTL; checked by every creating write) |
//! | crisis referral counter | `STATS#REFERRALS` | `DAY#<yyyy-mm-dd>#<shard 00–15>` (no user id, no text) |
//! | referral not yet counted | `USER#<sub>` | `REFERRAL#<yyyy-mm-dd>` (+ `GSI1PK` = `STATS#REFERRALS#PENDING`, `GSI1SK` = `<yyyy-mm-dd>`) |
//!
//! A conversation and all its messages share the prefix `CONV#<conv>#`: one descending
//! `Query` returns the conversation and its latest messages together (the chat turn's first
//! round trip), and deleting a conversation is one range.
//!
//! Each item also carries an `entity` attribute naming its type, so a console reader (or a
//! future export) can tell items apart without parsing keys. Both are said once per kind of
//! item, by its [`super::entity::Entity`] impl, from the sort keys built here.

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;

use super::{Item, s};
use crate::domain::{CompletionId, ConversationId, JournalId, MessageId, MoodId, UserId};

/// Partition key attribute name.
pub const PK: &str = "PK";
/// Sort key attribute name.
pub const SK: &str = "SK";
/// The attribute naming an item's type.
pub const ENTITY: &str = "entity";
/// The TTL attribute (epoch seconds); DynamoDB deletes items some time after it passes.
pub const EXPIRES_AT: &str = "expires_at";

/// The index listing conversations by last activity.
pub const BY_ACTIVITY: super::page::IndexKeys = super::page::IndexKeys {
    name: "ByActivity",
    pk: "GSI1PK",
    sk: "GSI1SK",
};

/// The key a function reads at start-up to open its connection (see [`super::Store::warm_up`]);
/// nothing is ever written there.
pub(crate) const WARM_UP: &str = "WARMUP";
const MOOD_PREFIX: &str = "MOOD#";
const JOURNAL_PREFIX: &str = "JOURNAL#";
const COMPLETION_PREFIX: &str = "DONE#";
const IDEMPOTENCY_PREFIX: &str = "IDEMP#";

/// The partition holding everything of one user.
pub fn user_pk(user: &UserId) -> String {
    format!("USER#{}", user.as_str())
}

/// A digest naming `user` where their id must not appear (the erasure's tombstone, export
/// object keys): SHA-256 of the id, hex.
pub fn user_digest(user: &UserId) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, user.as_str().as_bytes());
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// A mood entry's sort key.
pub fn mood_sk(id: MoodId) -> String {
    format!("{MOOD_PREFIX}{id}")
}

/// The sort-key range of moods recorded between `from` and `to`, inclusive.
pub fn mood_sk_range(from: Option<Timestamp>, to: Option<Timestamp>) -> (String, String) {
    let low = from.map_or_else(|| MOOD_PREFIX.to_owned(), |t| mood_sk(MoodId::min_at(t)));
    // `~` sorts after every Crockford base32 character, so the prefix alone bounds the top.
    let high = to.map_or_else(|| format!("{MOOD_PREFIX}~"), |t| mood_sk(MoodId::max_at(t)));
    (low, high)
}

/// A journal entry's sort key.
pub fn journal_sk(id: JournalId) -> String {
    format!("{JOURNAL_PREFIX}{id}")
}

/// The sort-key range of journal entries written between `from` and `to`, inclusive.
pub fn journal_sk_range(from: Option<Timestamp>, to: Option<Timestamp>) -> (String, String) {
    let low = from.map_or_else(
        || JOURNAL_PREFIX.to_owned(),
        |t| journal_sk(JournalId::min_at(t)),
    );
    let high = to.map_or_else(
        || format!("{JOURNAL_PREFIX}~"),
        |t| journal_sk(JournalId::max_at(t)),
    );
    (low, high)
}

/// An exercise completion's sort key.
pub fn completion_sk(id: CompletionId) -> String {
    format!("{COMPLETION_PREFIX}{id}")
}

/// The sort-key range of completions started between `from` and `to`, inclusive.
pub fn completion_sk_range(from: Option<Timestamp>, to: Option<Timestamp>) -> (String, String) {
    let low = from.map_or_else(
        || COMPLETION_PREFIX.to_owned(),
        |t| completion_sk(CompletionId::min_at(t)),
    );
    let high = to.map_or_else(
        || format!("{COMPLETION_PREFIX}~"),
        |t| completion_sk(CompletionId::max_at(t)),
    );
    (low, high)
}

/// The sort key of a conversation.
pub fn conversation_sk(id: ConversationId) -> String {
    format!("CONV#{id}#META")
}

/// The sort key of a message of conversation `conversation`.
pub fn message_sk(conversation: ConversationId, id: MessageId) -> String {
    format!("CONV#{conversation}#{id}")
}

/// The sort-key range of a conversation's messages created between `from` and `to`.
pub fn message_sk_range(
    conversation: ConversationId,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> (String, String) {
    let low = from.map_or_else(
        || format!("CONV#{conversation}#0"),
        |t| message_sk(conversation, MessageId::min_at(t)),
    );
    let high = to.map_or_else(
        || format!("CONV#{conversation}#7~"),
        |t| message_sk(conversation, MessageId::max_at(t)),
    );
    (low, high)
}

/// The range holding every conversation and message of a user.
pub fn conversations_range() -> (String, String) {
    ("CONV#".to_owned(), "CONV#~".to_owned())
}

/// The range holding a conversation *and* its messages: messages ascending, then `#META`.
pub fn conversation_range(conversation: ConversationId) -> (String, String) {
    (
        format!("CONV#{conversation}#0"),
        conversation_sk(conversation),
    )
}

/// The activity-index sort key of a conversation last active at `at`.
pub fn activity_sk(at: Timestamp, conversation: ConversationId) -> String {
    format!("ACTIVE#{}#{conversation}", ConversationId::max_at(at))
}

/// The activity-index range of every conversation.
pub fn activity_range() -> (String, String) {
    ("ACTIVE#".to_owned(), "ACTIVE#~".to_owned())
}

/// The sort key of the user's risk state.
pub const SAFETY_SK: &str = "SAFETY";

/// The sort key of the user's profile.
pub const PROFILE_SK: &str = "PROFILE";

/// The sort key of the quota window holding `at` (one per hour).
pub fn quota_sk(at: Timestamp) -> String {
    let hour = at.as_second().div_euclid(3600);
    format!("QUOTA#{hour}")
}

/// The partition of the anonymous referral counters.
pub const REFERRALS_PK: &str = "STATS#REFERRALS";

/// How many items hold one day's anonymous referral counts. Counting writes one of them at
/// random, so people in crisis at the same moment rarely touch the same item.
pub const REFERRAL_SHARDS: u8 = 16;

/// The UTC day holding `at`, as `yyyy-mm-dd`.
pub fn utc_day(at: Timestamp) -> String {
    at.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()
}

/// The sort-key range of every shard of the day's anonymous referral counter (and of the
/// unsharded counter written before there were shards).
pub fn referral_day_range(at: Timestamp) -> (String, String) {
    let day = utc_day(at);
    (format!("DAY#{day}"), format!("DAY#{day}#~"))
}

/// The sort key of one shard of the day's anonymous referral counter.
pub fn referral_shard_sk(day: &str, shard: u8) -> String {
    format!("DAY#{day}#{:02}", shard % REFERRAL_SHARDS)
}

/// The sort key of a user's referrals of the day not yet counted anonymously.
pub fn pending_referral_sk(day: &str) -> String {
    format!("REFERRAL#{day}")
}

/// The index partition listing every referral not yet counted (a sweep and the daily report
/// read it; nothing writes to it in a transaction shared by users).
pub const PENDING_REFERRALS_GSI_PK: &str = "STATS#REFERRALS#PENDING";

/// The prefix range of a user's idempotency records.
pub fn idempotency_range() -> (String, String) {
    ("IDEMP#".to_owned(), "IDEMP#~".to_owned())
}

/// An idempotency record's sort key.
pub fn idempotency_sk(key: &str) -> String {
    format!("{IDEMPOTENCY_PREFIX}{key}")
}

/// The full primary key of an item, as DynamoDB wants it for Get/Update/Delete.
pub fn primary_key(pk: String, sk: String) -> Item {
    Item::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

/// An item's primary key, built once per kind of item from typed parts, so no call site
/// assembles key strings (or swaps a user's and an entity's id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// The partition key.
    pub pk: String,
    /// The sort key.
    pub sk: String,
}

impl Key {
    /// An item in `user`'s partition with sort key `sk` (see [`super::entity::Entity::key`]:
    /// only an entity's own impl calls this, with a sort key built in this module).
    pub(crate) fn in_user(user: &UserId, sk: String) -> Self {
        Self {
            pk: user_pk(user),
            sk,
        }
    }

    /// An item outside any user's partition, or in a partition read back from the index
    /// (which gives partitions, not users).
    pub(crate) fn raw(pk: &str, sk: String) -> Self {
        Self {
            pk: pk.to_owned(),
            sk,
        }
    }

    /// The key as DynamoDB wants it for Get/Update/Delete.
    pub fn item(&self) -> Item {
        primary_key(self.pk.clone(), self.sk.clone())
    }
}

/// Reads the partition key of an item, if it has one.
pub fn user_pk_of(item: &Item) -> Option<String> {
    match item.get(PK) {
        Some(AttributeValue::S(pk)) => Some(pk.clone()),
        _ => None,
    }
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
        let sk = mood_sk(MoodId::new_at(inside));
        assert!(low <= sk && sk <= high);
        let (low, high) = mood_sk_range(None, None);
        assert!(low <= sk && sk <= high);
        assert!(idempotency_sk("k") > high || idempotency_sk("k") < low);
    }

    #[test]
    fn a_conversations_messages_sort_before_it_and_inside_its_range() {
        let at: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        let conversation = ConversationId::new_at(at);
        let message = message_sk(conversation, MessageId::new_at(at));
        let (low, high) = conversation_range(conversation);
        assert!(low <= message && message < conversation_sk(conversation));
        assert_eq!(high, conversation_sk(conversation));
        let (low, high) = message_sk_range(conversation, None, None);
        assert!(low <= message && message <= high);
        assert!(conversation_sk(conversation) > high);
        let other = message_sk(
            ConversationId::new_at(at + jiff::SignedDuration::from_secs(1)),
            MessageId::new_at(at),
        );
        assert!(!(low <= other && other <= high));
        assert!(
            activity_sk(at, conversation)
                < activity_sk(at + jiff::SignedDuration::from_millis(1), conversation)
        );
    }
}

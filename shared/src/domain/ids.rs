//! Identifiers: the caller's id and the ids of stored entries.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use jiff::Timestamp;
use ulid::Ulid;

/// The authenticated user: the `sub` of their access token.
///
/// Every key of a user's data is derived from it, so it must never contain the key separator
/// `#`; Cognito's `sub` is a UUID, so the rule costs nothing and closes key-confusion tricks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    /// Accepts 1–128 visible ASCII characters other than `#`.
    pub fn parse(sub: &str) -> Option<Self> {
        let valid = (1..=128).contains(&sub.len())
            && sub.bytes().all(|b| b.is_ascii_graphic() && b != b'#');
        valid.then(|| Self(sub.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The id of a stored entity of kind `E`: a ULID, so ids sort by time.
///
/// Each kind is its own type ([`MoodId`], [`ConversationId`], [`MessageId`]): a mood's id
/// cannot be passed where a conversation's is wanted, nor a message's id swapped with its
/// conversation's, and the compiler says so. For entries that carry their own time (mood
/// entries), the ULID's time part is that time, which lets one sort key serve both lookups by
/// id and time-range queries.
pub struct Id<E>(Ulid, PhantomData<fn() -> E>);

/// The kinds of entity that have ids: types with no values, naming an [`Id`]'s kind.
pub mod kind {
    /// A mood entry.
    #[derive(Debug)]
    pub enum Mood {}
    /// A conversation.
    #[derive(Debug)]
    pub enum Conversation {}
    /// A chat message.
    #[derive(Debug)]
    pub enum Message {}
    /// A journal entry.
    #[derive(Debug)]
    pub enum Journal {}
    /// An exercise completion.
    #[derive(Debug)]
    pub enum Completion {}
}

/// The id of a mood entry; its time part is the entry's `recorded_at`.
pub type MoodId = Id<kind::Mood>;
/// The id of a conversation; its time part is its creation.
pub type ConversationId = Id<kind::Conversation>;
/// The id of a chat message; its time part is its creation.
pub type MessageId = Id<kind::Message>;
/// The id of a journal entry; its time part is its creation.
pub type JournalId = Id<kind::Journal>;
/// The id of an exercise completion; its time part is when the exercise started.
pub type CompletionId = Id<kind::Completion>;

impl<E> Id<E> {
    /// A fresh id whose time part is `at` (truncated to the millisecond).
    pub fn new_at(at: Timestamp) -> Self {
        Self::from_ulid(Ulid::from_parts(millis(at), rand_bits()))
    }

    /// The smallest id with time part `at`: the lower bound of a time-range query.
    pub fn min_at(at: Timestamp) -> Self {
        Self::from_ulid(Ulid::from_parts(millis(at), 0))
    }

    /// The largest id with time part `at`: the upper bound of a time-range query.
    pub fn max_at(at: Timestamp) -> Self {
        Self::from_ulid(Ulid::from_parts(millis(at), u128::MAX))
    }

    /// The time part, in milliseconds since the Unix epoch.
    pub fn millis(&self) -> u64 {
        self.0.timestamp_ms()
    }

    fn from_ulid(ulid: Ulid) -> Self {
        Self(ulid, PhantomData)
    }
}

// Written by hand: derives would demand the same traits of the kind, which has no values.
impl<E> Clone for Id<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for Id<E> {}

impl<E> PartialEq for Id<E> {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl<E> Eq for Id<E> {}

impl<E> PartialOrd for Id<E> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Id<E> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.cmp(&other.0)
    }
}

impl<E> std::hash::Hash for Id<E> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl<E> fmt::Debug for Id<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({})", self.0)
    }
}

fn millis(at: Timestamp) -> u64 {
    u64::try_from(at.as_millisecond()).unwrap_or(0)
}

fn rand_bits() -> u128 {
    let mut bytes = [0u8; 16];
    // A failure of the system RNG leaves zeros; the time part still orders ids and the
    // store's conditional put refuses a collision rather than overwriting.
    let _ = aws_lc_rs::rand::fill(&mut bytes);
    u128::from_be_bytes(bytes)
}

/// What an id in a path must look like (the OpenAPI document states it): 26 Crockford
/// base32 characters, any case, the first at most 7.
pub const ID_PATTERN: &str = "^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$";

impl<E> FromStr for Id<E> {
    type Err = ();

    /// Accepts the 26-character Crockford base32 form, case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // A first character above 7 would overflow 128 bits; some decoders wrap silently.
        if s.len() != 26 || !matches!(s.as_bytes().first(), Some(b'0'..=b'7')) {
            return Err(());
        }
        Ulid::from_string(s).map(Self::from_ulid).map_err(|_| ())
    }
}

impl<E> fmt::Display for Id<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<E> serde::Serialize for Id<E> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de, E> serde::Deserialize<'de> for Id<E> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse()
            .map_err(|()| serde::de::Error::custom("not a valid id"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_id_refuses_the_key_separator_and_empty_or_oversized_values() {
        assert!(UserId::parse("4b1f0c9e-1d2a-4f6b-9c1e-2a3b4c5d6e7f").is_some());
        assert!(UserId::parse("a#b").is_none());
        assert!(UserId::parse("").is_none());
        assert!(UserId::parse("with space").is_none());
        assert!(UserId::parse(&"x".repeat(129)).is_none());
    }

    #[test]
    fn ids_made_at_a_time_fall_between_that_times_bounds() {
        let at: Timestamp = "2026-11-25T10:00:00.123Z".parse().unwrap();
        let id = MoodId::new_at(at);
        assert!(MoodId::min_at(at) <= id && id <= MoodId::max_at(at));
        assert_eq!(i64::try_from(id.millis()).unwrap(), at.as_millisecond());
        assert_eq!(id.to_string().parse::<MoodId>(), Ok(id));
    }

    #[test]
    fn malformed_ids_are_refused() {
        for raw in [
            "",
            "123",
            "01JDX0000000000000000000000",
            "not-a-ulid-at-all-00000000",
            "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        ] {
            assert!(raw.parse::<ConversationId>().is_err(), "{raw}");
        }
    }
}

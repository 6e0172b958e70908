//! Mood entries: a score from 1 to 10 with optional emotions, tags and a short note.

use jiff::{SignedDuration, Timestamp};

use super::text::{Labels, check_text};
use super::{FieldError, MoodId};

/// The longest note, in characters.
pub const NOTE_MAX_CHARS: usize = 2_000;
/// How far in the future `recorded_at` may lie, to allow for a phone's clock running fast.
pub const CLOCK_SKEW: SignedDuration = SignedDuration::from_mins(5);

/// A mood score: an integer from 1 (worst) to 10 (best).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MoodScore(u8);

impl MoodScore {
    /// Accepts 1 to 10.
    pub fn parse(field: &str, raw: i64) -> Result<Self, FieldError> {
        u8::try_from(raw)
            .ok()
            .filter(|v| (1..=10).contains(v))
            .map(Self)
            .ok_or_else(|| FieldError::new(field, "must be an integer from 1 to 10"))
    }

    /// The score's value.
    pub fn get(self) -> u8 {
        self.0
    }
}

/// A note about a mood: at most [`NOTE_MAX_CHARS`] characters, never blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note(String);

impl Note {
    /// Checks a note; a blank one means "no note" and yields `None`.
    pub fn parse(field: &str, raw: &str) -> Result<Option<Self>, FieldError> {
        check_text(field, raw, NOTE_MAX_CHARS)?;
        Ok((!raw.trim().is_empty()).then(|| Self(raw.to_owned())))
    }

    /// Rebuilds a note read back from the store.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    /// The note's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks when a mood was felt: not before 2000, not in the future beyond [`CLOCK_SKEW`].
/// The time is kept to the millisecond, the precision of the entry's id.
pub fn recorded_at(field: &str, at: Timestamp, now: Timestamp) -> Result<Timestamp, FieldError> {
    let earliest = Timestamp::from_second(946_684_800).unwrap_or(Timestamp::UNIX_EPOCH);
    if at < earliest {
        return Err(FieldError::new(field, "must not be before 2000-01-01"));
    }
    if at > now.saturating_add(CLOCK_SKEW).unwrap_or(now) {
        return Err(FieldError::new(field, "must not be in the future"));
    }
    Ok(truncate_ms(at))
}

fn truncate_ms(at: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(at.as_millisecond()).unwrap_or(at)
}

/// A new mood entry, checked and ready to store.
#[derive(Debug, Clone)]
pub struct NewMood {
    /// How the user felt.
    pub score: MoodScore,
    /// Named emotions.
    pub emotions: Labels,
    /// The user's own tags.
    pub tags: Labels,
    /// A short note.
    pub note: Option<Note>,
    /// When the mood was felt.
    pub recorded_at: Timestamp,
}

impl NewMood {
    /// The stored entry: its id carries `recorded_at`, its version starts at 1.
    pub fn into_entry(self, now: Timestamp) -> MoodEntry {
        MoodEntry {
            id: MoodId::new_at(self.recorded_at),
            score: self.score,
            emotions: self.emotions,
            tags: self.tags,
            note: self.note,
            recorded_at: self.recorded_at,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }
}

/// A stored mood entry.
#[derive(Debug, Clone)]
pub struct MoodEntry {
    /// The entry's id; its time part is `recorded_at`.
    pub id: MoodId,
    /// How the user felt.
    pub score: MoodScore,
    /// Named emotions.
    pub emotions: Labels,
    /// The user's own tags.
    pub tags: Labels,
    /// A short note.
    pub note: Option<Note>,
    /// When the mood was felt.
    pub recorded_at: Timestamp,
    /// When the entry was created.
    pub created_at: Timestamp,
    /// When the entry last changed.
    pub updated_at: Timestamp,
    /// Increases by one with every change; the entry's `ETag`.
    pub version: u64,
}

/// What a `PATCH` changes; `None` leaves a field as it is. `recorded_at` cannot change: it is
/// part of the entry's id.
#[derive(Debug, Clone, Default)]
pub struct MoodChanges {
    /// A new score.
    pub score: Option<MoodScore>,
    /// New emotions (replacing the old list).
    pub emotions: Option<Labels>,
    /// New tags (replacing the old list).
    pub tags: Option<Labels>,
    /// A new note; `Some(None)` removes it.
    pub note: Option<Option<Note>>,
}

impl MoodChanges {
    /// Whether the patch changes nothing at all.
    pub fn is_empty(&self) -> bool {
        self.score.is_none()
            && self.emotions.is_none()
            && self.tags.is_none()
            && self.note.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_outside_one_to_ten_are_refused() {
        assert!(MoodScore::parse("score", 0).is_err());
        assert!(MoodScore::parse("score", 11).is_err());
        assert!(MoodScore::parse("score", -3).is_err());
        assert_eq!(MoodScore::parse("score", 7).unwrap().get(), 7);
    }

    #[test]
    fn a_blank_note_is_no_note_and_a_long_one_is_refused() {
        assert_eq!(Note::parse("note", "  \n").unwrap(), None);
        assert!(Note::parse("note", &"x".repeat(NOTE_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn recorded_at_allows_small_clock_skew_but_not_the_future_and_keeps_milliseconds() {
        let now: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        let soon: Timestamp = "2026-11-25T10:04:59.123456Z".parse().unwrap();
        let kept = recorded_at("recorded_at", soon, now).unwrap();
        assert_eq!(kept.to_string(), "2026-11-25T10:04:59.123Z");
        let later: Timestamp = "2026-11-25T10:05:01Z".parse().unwrap();
        assert!(recorded_at("recorded_at", later, now).is_err());
        let ancient: Timestamp = "1999-12-31T23:59:59Z".parse().unwrap();
        assert!(recorded_at("recorded_at", ancient, now).is_err());
    }
}

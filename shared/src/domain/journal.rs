//! Journal entries: what someone writes down, with an optional title, tags, the prompt that
//! started it and the mood it was written in. Every body is screened for crisis risk, like a
//! chat message, and saving is never refused or delayed because of what it says.

use jiff::Timestamp;

use super::chat::fold_for_search;
use super::mood::MoodScore;
use super::risk::SafetyVerdict;
use super::text::{Labels, check_text};
use super::{FieldError, JournalId, MoodId};

/// The longest body, in characters.
pub const BODY_MAX_CHARS: usize = 20_000;
/// The longest title, in characters.
pub const TITLE_MAX_CHARS: usize = 200;
/// The longest prompt id.
pub const PROMPT_ID_MAX_CHARS: usize = 64;

/// What a journal entry says: 1 to [`BODY_MAX_CHARS`] characters, not only whitespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalBody(String);

impl JournalBody {
    /// Checks a body.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        check_text(field, raw, BODY_MAX_CHARS)?;
        if raw.trim().is_empty() {
            return Err(FieldError::new(
                field,
                "must not be empty or only whitespace",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// Rebuilds a body read back from the store.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A journal entry's title: one line of at most [`TITLE_MAX_CHARS`] characters; a blank one
/// means "no title".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalTitle(String);

impl JournalTitle {
    /// Checks a title; blank yields `None`.
    pub fn parse(field: &str, raw: &str) -> Result<Option<Self>, FieldError> {
        check_text(field, raw, TITLE_MAX_CHARS)?;
        if raw.contains(['\n', '\r']) {
            return Err(FieldError::new(field, "must be a single line"));
        }
        Ok((!raw.trim().is_empty()).then(|| Self(raw.to_owned())))
    }

    /// Rebuilds a title read back from the store.
    pub fn from_stored(raw: String) -> Self {
        Self(raw)
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The mood an entry was written in: a score given with it, or a mood entry already logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MoodLink {
    /// No mood.
    #[default]
    None,
    /// A score from 1 to 10, kept on the entry.
    Score(MoodScore),
    /// A mood entry of the same user (the store checks that it exists in the same write).
    Entry(MoodId),
}

impl MoodLink {
    /// `mood` and `mood_id` are two ways to say one thing: at most one may be given.
    pub fn parse(score: Option<i64>, entry: Option<&str>) -> Result<Self, Vec<FieldError>> {
        match (score, entry) {
            (Some(_), Some(_)) => Err(vec![FieldError::new(
                "mood_id",
                "give either `mood` or `mood_id`, not both",
            )]),
            (Some(score), None) => Ok(Self::Score(
                MoodScore::parse("mood", score).map_err(|e| vec![e])?,
            )),
            (None, Some(raw)) => raw
                .parse()
                .map(Self::Entry)
                .map_err(|()| vec![FieldError::new("mood_id", "is not a valid mood id")]),
            (None, None) => Ok(Self::None),
        }
    }

    /// The linked mood entry, whose existence a write must check.
    pub fn entry(self) -> Option<MoodId> {
        match self {
            Self::Entry(id) => Some(id),
            _ => None,
        }
    }
}

/// A checked prompt id (whether the catalogue holds it is the journals function's rule).
pub fn parse_prompt_id(field: &str, raw: &str) -> Result<String, FieldError> {
    let valid = (1..=PROMPT_ID_MAX_CHARS).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "is not a prompt id of the catalogue",
        ))
    }
}

/// A new journal entry, checked.
#[derive(Debug, Clone)]
pub struct NewJournal {
    /// The text.
    pub body: JournalBody,
    /// An optional title.
    pub title: Option<JournalTitle>,
    /// The user's tags.
    pub tags: Labels,
    /// The writing prompt it answers, if any.
    pub prompt_id: Option<String>,
    /// The mood it was written in.
    pub mood: MoodLink,
}

impl NewJournal {
    /// The entry to store, written `now` and screened as `safety`.
    pub fn into_entry(self, now: Timestamp, safety: SafetyVerdict) -> JournalEntry {
        JournalEntry {
            id: JournalId::new_at(now),
            body: self.body,
            title: self.title,
            tags: self.tags,
            prompt_id: self.prompt_id,
            mood: self.mood,
            safety,
            created_at: now,
            updated_at: now,
            version: 1,
        }
    }
}

/// A stored journal entry.
#[derive(Debug, Clone)]
pub struct JournalEntry {
    /// Its id; the time part is `created_at`.
    pub id: JournalId,
    /// The text.
    pub body: JournalBody,
    /// The title.
    pub title: Option<JournalTitle>,
    /// The user's tags.
    pub tags: Labels,
    /// The prompt it answers.
    pub prompt_id: Option<String>,
    /// The mood it was written in.
    pub mood: MoodLink,
    /// The screen's verdict on the current body.
    pub safety: SafetyVerdict,
    /// When it was written.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
    /// Increases by one with every change; the entry's `ETag`.
    pub version: u64,
}

impl JournalEntry {
    /// The folded text a search runs over: title and body, lower-cased, accents removed.
    pub fn search_text(&self) -> String {
        let title = self.title.as_ref().map_or("", JournalTitle::as_str);
        fold_for_search(&format!("{title}\n{}", self.body.as_str()))
    }
}

/// What a `PATCH` changes; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct JournalChanges {
    /// A new body (screened again).
    pub body: Option<JournalBody>,
    /// A new title; `Some(None)` removes it.
    pub title: Option<Option<JournalTitle>>,
    /// New tags.
    pub tags: Option<Labels>,
    /// A new mood link; `Some(MoodLink::None)` removes it.
    pub mood: Option<MoodLink>,
}

impl JournalChanges {
    /// Whether the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        self.body.is_none() && self.title.is_none() && self.tags.is_none() && self.mood.is_none()
    }

    /// The entry after these changes (screened again as `safety` when the body changed).
    pub fn apply(
        &self,
        entry: &JournalEntry,
        safety: Option<SafetyVerdict>,
        now: Timestamp,
    ) -> JournalEntry {
        JournalEntry {
            id: entry.id,
            body: self.body.clone().unwrap_or_else(|| entry.body.clone()),
            title: self.title.clone().unwrap_or_else(|| entry.title.clone()),
            tags: self.tags.clone().unwrap_or_else(|| entry.tags.clone()),
            prompt_id: entry.prompt_id.clone(),
            mood: self.mood.unwrap_or(entry.mood),
            safety: safety.unwrap_or_else(|| entry.safety.clone()),
            created_at: entry.created_at,
            updated_at: now,
            version: entry.version + 1,
        }
    }
}

/// The words of a search: every one must appear in the title or body, ignoring case and
/// accents. At least one word, at most 200 characters in all (so at most 100 words, well
/// inside DynamoDB's limits on a filter expression).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchWords(Vec<String>);

impl SearchWords {
    /// Splits and folds a query.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        if raw.chars().count() > super::chat::SEARCH_MAX_CHARS {
            return Err(FieldError::new(field, "must be at most 200 characters"));
        }
        let mut words: Vec<String> = Vec::new();
        for word in fold_for_search(raw).split_whitespace() {
            if !words.iter().any(|w| w == word) {
                words.push(word.to_owned());
            }
        }
        if words.is_empty() {
            return Err(FieldError::new(field, "must hold at least one word"));
        }
        Ok(Self(words))
    }

    /// The folded words.
    pub fn words(&self) -> &[String] {
        &self.0
    }

    /// Whether every word appears in `folded` (text already folded for search).
    pub fn all_in(&self, folded: &str) -> bool {
        self.0.iter().all(|w| folded.contains(w.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_must_say_something_and_fit_twenty_thousand_characters() {
        assert!(JournalBody::parse("body", " \n\t").is_err());
        assert!(JournalBody::parse("body", &"é".repeat(BODY_MAX_CHARS)).is_ok());
        assert!(JournalBody::parse("body", &"é".repeat(BODY_MAX_CHARS + 1)).is_err());
        assert!(JournalBody::parse("body", "bad\u{0}byte").is_err());
    }

    #[test]
    fn a_title_is_one_line_and_blank_means_none() {
        assert_eq!(JournalTitle::parse("title", "   ").unwrap(), None);
        assert!(JournalTitle::parse("title", "two\nlines").is_err());
        assert!(JournalTitle::parse("title", &"t".repeat(TITLE_MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn a_mood_is_a_score_or_an_entry_never_both() {
        assert!(MoodLink::parse(Some(5), Some("01JDX3ZQ8C9V4M2N7K5T1R6W3E")).is_err());
        assert!(MoodLink::parse(Some(11), None).is_err());
        assert!(MoodLink::parse(None, Some("nope")).is_err());
        assert!(matches!(
            MoodLink::parse(None, Some("01JDX3ZQ8C9V4M2N7K5T1R6W3E")),
            Ok(MoodLink::Entry(_))
        ));
    }

    #[test]
    fn a_search_needs_every_word_ignoring_case_and_accents() {
        let words = SearchWords::parse("q", "  Mañana  CAFÉ mañana ").unwrap();
        assert_eq!(words.words(), ["manana", "cafe"]);
        assert!(words.all_in(&fold_for_search("Un café por la mañana")));
        assert!(!words.all_in(&fold_for_search("Un té por la mañana")));
        assert!(SearchWords::parse("q", "   ").is_err());
        assert!(SearchWords::parse("q", &"ab ".repeat(66)).is_ok());
        assert!(SearchWords::parse("q", &"ab ".repeat(67)).is_err());
    }
}

//! The journals API's request and response bodies, and their parsing into domain types.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use therabot_shared::domain::journal::{
    JournalBody, JournalChanges, JournalEntry, JournalTitle, MoodLink, NewJournal, parse_prompt_id,
};
use therabot_shared::domain::text::Labels;
use therabot_shared::domain::{FieldError, FieldErrors};
use therabot_shared::http::json::{
    self, nullable, nullable_whole_number, present, present_whole_number,
};
use therabot_shared::http::safety::SafetyView;
use therabot_shared::safety::Level;
use utoipa::{IntoParams, ToSchema};

use crate::prompts::{self, Prompt, PromptCategory};

/// A new journal entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateJournal {
    /// What you want to write, 1 to 20,000 characters.
    #[schema(
        min_length = 1,
        max_length = 20000,
        example = "Long day. Talked to Sam at lunch and felt lighter after."
    )]
    pub body: String,
    /// An optional title, one line of at most 200 characters.
    #[serde(default)]
    #[schema(max_length = 200, example = "Lunch with Sam")]
    pub title: Option<String>,
    /// Your own tags, up to 10 labels of 1–32 characters.
    #[serde(default)]
    #[schema(max_items = 10, example = json!(["friends"]))]
    pub tags: Vec<String>,
    /// The writing prompt this answers (an id from `GET /v1/journals/prompts`).
    #[serde(default)]
    #[schema(example = "gratitude-01")]
    pub prompt_id: Option<String>,
    /// How you feel, 1 to 10 (or give `mood_id` instead).
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = i64, minimum = 1, maximum = 10)]
    pub mood: Option<i64>,
    /// One of your mood entries to link (or give `mood` instead).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String)]
    pub mood_id: Option<String>,
}

/// Changes to a journal entry; absent fields stay as they are, and at least one must be
/// given. A new body is screened again.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct UpdateJournal {
    /// A new body, 1 to 20,000 characters.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = String, min_length = 1, max_length = 20000)]
    pub body: Option<String>,
    /// A new title; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub title: Option<Option<String>>,
    /// New tags, replacing the old ones (`[]` removes them all).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Vec<String>)]
    pub tags: Option<Vec<String>>,
    /// A new mood score, 1 to 10; `null` removes the mood (score or link).
    #[serde(default, deserialize_with = "nullable_whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 10)]
    pub mood: Option<Option<i64>>,
    /// A mood entry to link instead; `null` removes the mood (score or link).
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub mood_id: Option<Option<String>>,
}

/// A stored journal entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Journal {
    /// The entry's id (a ULID).
    #[schema(example = "01JDX3ZQ8C9V4M2N7K5T1R6W3E")]
    pub id: String,
    /// The text.
    pub body: String,
    /// The title, if any.
    pub title: Option<String>,
    /// Your tags.
    pub tags: Vec<String>,
    /// The writing prompt it answers (absent when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_id: Option<String>,
    /// The mood score given with it, if any.
    pub mood: Option<u8>,
    /// The linked mood entry (absent when none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mood_id: Option<String>,
    /// The crisis screen's verdict on the current body.
    pub safety_level: Level,
    /// When it was written.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub created_at: Timestamp,
    /// When it last changed.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub updated_at: Timestamp,
    /// The entry's version, also sent as its `ETag`.
    pub version: u64,
}

impl From<&JournalEntry> for Journal {
    fn from(entry: &JournalEntry) -> Self {
        Self {
            id: entry.id.to_string(),
            body: entry.body.as_str().to_owned(),
            title: entry.title.as_ref().map(|t| t.as_str().to_owned()),
            tags: entry.tags.to_strings(),
            prompt_id: entry.prompt_id.clone(),
            mood: match entry.mood {
                MoodLink::Score(score) => Some(score.get()),
                _ => None,
            },
            mood_id: entry.mood.entry().map(|id| id.to_string()),
            safety_level: entry.safety.level,
            created_at: entry.created_at,
            updated_at: entry.updated_at,
            version: entry.version,
        }
    }
}

/// A journal entry as saved, with what the app should show about safety.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SavedJournal {
    /// The entry.
    #[serde(flatten)]
    pub journal: Journal,
    /// The crisis screen's verdict on the body, with crisis lines when it is not `none`.
    pub safety: SafetyView,
}

/// One page of journal entries, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct JournalPage {
    /// The entries.
    pub items: Vec<Journal>,
    /// Pass as `next_token` to get the next page; absent on the last page.
    pub next_token: Option<String>,
}

/// Filters and paging of `GET /v1/journals`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListJournalsQuery {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The `next_token` of the previous page.
    pub next_token: Option<String>,
    /// Only entries written at or after this time (RFC 3339).
    pub from: Option<String>,
    /// Only entries written at or before this time (RFC 3339).
    pub to: Option<String>,
    /// Only entries carrying this tag.
    pub tag: Option<String>,
    /// Only entries holding every word of this (in title or body, ignoring case and
    /// accents), at most 200 characters.
    pub q: Option<String>,
}

/// The category of `GET /v1/journals/prompts`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PromptsQuery {
    /// Only prompts of this category.
    #[param(inline)]
    pub category: Option<PromptCategory>,
}

/// The writing prompts.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PromptList {
    /// The catalogue's version.
    pub version: String,
    /// The prompts, in catalogue order.
    pub items: Vec<Prompt>,
}

fn prompt(raw: &str) -> Result<String, FieldError> {
    let id = parse_prompt_id("prompt_id", raw)?;
    match prompts::find(&id) {
        Some(_) => Ok(id),
        None => Err(FieldError::new(
            "prompt_id",
            "is not a prompt of the catalogue (GET /v1/journals/prompts)",
        )),
    }
}

impl CreateJournal {
    /// Checks every field and reports all problems at once.
    pub fn parse(self) -> Result<NewJournal, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let body = errors.check(JournalBody::parse("body", &self.body));
        let title = match self.title.as_deref() {
            Some(raw) => errors.check(JournalTitle::parse("title", raw)),
            None => Some(None),
        };
        let tags = errors.take(Labels::parse("tags", &self.tags));
        let prompt_id = match self.prompt_id.as_deref() {
            Some(raw) => errors.check(prompt(raw)).map(Some),
            None => Some(None),
        };
        let mood = errors.take(MoodLink::parse(self.mood, self.mood_id.as_deref()));
        errors.into_result()?;
        match (body, title, tags, prompt_id, mood) {
            (Some(body), Some(title), Some(tags), Some(prompt_id), Some(mood)) => Ok(NewJournal {
                body,
                title,
                tags,
                prompt_id,
                mood,
            }),
            _ => Err(vec![FieldError::new("body", "is invalid")]),
        }
    }
}

impl UpdateJournal {
    /// Checks every given field; an update must change something.
    pub fn parse(self) -> Result<JournalChanges, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        // At most one of the two may be given, even as `null` (the document says so).
        let mood = match (self.mood, self.mood_id) {
            (None, None) => None,
            (Some(_), Some(_)) => {
                errors.push(FieldError::new(
                    "mood_id",
                    "give either `mood` or `mood_id`, not both",
                ));
                None
            }
            (Some(None), None) | (None, Some(None)) => Some(MoodLink::None),
            (Some(score), None) => errors.take(MoodLink::parse(score, None)),
            (None, Some(entry)) => errors.take(MoodLink::parse(None, entry.as_deref())),
        };
        let changes = JournalChanges {
            body: self
                .body
                .and_then(|b| errors.check(JournalBody::parse("body", &b))),
            title: match self.title {
                Some(Some(raw)) => errors.check(JournalTitle::parse("title", &raw)),
                Some(None) => Some(None),
                None => None,
            },
            tags: self
                .tags
                .and_then(|t| errors.take(Labels::parse("tags", &t))),
            mood,
        };
        errors.into_result()?;
        if changes.is_empty() {
            return Err(vec![FieldError::new(
                "body",
                "must change at least one of body, title, tags, mood or mood_id",
            )]);
        }
        Ok(changes)
    }
}

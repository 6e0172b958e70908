//! The exercises API's request and response bodies, and their parsing into domain types.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use therabot_shared::domain::completion::{
    self, AutomaticThought, CompletionEntry, ExerciseEffect, ExerciseId, NewCompletion, Percent,
    Rating, RecordEmotion, ThoughtRecord, check_list_len, check_one_hot, record_text,
};
use therabot_shared::domain::mood::{MoodScore, Note};
use therabot_shared::domain::text::Label;
use therabot_shared::domain::{FieldError, FieldErrors, parse_timestamp};
use therabot_shared::http::json::{self, present_whole_number, whole_number};
use therabot_shared::http::safety::SafetyView;
use therabot_shared::safety::Level;
use utoipa::{IntoParams, ToSchema};

use crate::catalogue::{Category, Exercise};

/// Whether the provider's exercises are in the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProviderStatus {
    /// The provider answered: its exercises come first, then the built-in ones.
    Available,
    /// The provider failed: the built-in catalogue serves alone.
    Unavailable,
    /// No provider is configured: the built-in catalogue serves alone.
    NotConfigured,
}

/// The exercises.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExerciseList {
    /// The provider's exercises (when it answered), then the built-in ones.
    pub items: Vec<Exercise>,
    /// Whether the provider's exercises are in the list.
    pub provider: ProviderStatus,
}

/// The category of `GET /v1/exercises`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExercisesQuery {
    /// Only exercises of this category.
    #[param(inline)]
    pub category: Option<Category>,
}

/// An emotion of a thought record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmotionBody {
    /// The emotion, e.g. `anxious` (1–32 characters).
    #[schema(min_length = 1, max_length = 32, example = "anxious")]
    pub name: String,
    /// How strong it was, 0–100.
    #[serde(deserialize_with = "whole_number")]
    #[schema(minimum = 0, maximum = 100, example = 80)]
    pub intensity: i64,
    /// How strong it is after the balanced thought, 0–100.
    #[serde(
        default,
        deserialize_with = "present_whole_number",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = i64, minimum = 0, maximum = 100, example = 40)]
    pub rerated: Option<i64>,
}

/// An automatic thought of a thought record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThoughtBody {
    /// The thought, 1–2,000 characters.
    #[schema(min_length = 1, max_length = 2000, example = "They think I'm useless")]
    pub text: String,
    /// Whether this is the hot thought (exactly one is).
    #[serde(default)]
    pub hot: bool,
}

/// A CBT thought record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThoughtRecordBody {
    /// What happened, 1–2,000 characters.
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "My manager didn't reply to my email"
    )]
    pub situation: String,
    /// The emotions, 1–10, each rated 0–100 (and re-rated at the end).
    #[schema(min_items = 1, max_items = 10)]
    pub emotions: Vec<EmotionBody>,
    /// The automatic thoughts, 1–10, exactly one marked `hot`.
    #[schema(min_items = 1, max_items = 10)]
    pub automatic_thoughts: Vec<ThoughtBody>,
    /// Evidence for the hot thought, up to 10 items of 1–2,000 characters.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub evidence_for: Vec<String>,
    /// Evidence against it, up to 10 items of 1–2,000 characters.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub evidence_against: Vec<String>,
    /// A more balanced thought, 1–2,000 characters.
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "He's often busy; one unanswered email says little"
    )]
    pub balanced_thought: String,
    /// How much you believe the balanced thought, 0–100.
    #[serde(deserialize_with = "whole_number")]
    #[schema(minimum = 0, maximum = 100, example = 60)]
    pub balanced_belief: i64,
}

/// A finished exercise.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCompletion {
    /// When you started (RFC 3339); defaults to `duration_s` before now; not in the future.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub started_at: Option<String>,
    /// How long it took, 1–14,400 seconds.
    #[serde(deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 14400, example = 240)]
    pub duration_s: i64,
    /// How you felt before, 1–10.
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = i64, minimum = 1, maximum = 10, example = 4)]
    pub mood_before: Option<i64>,
    /// How you felt after, 1–10.
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = i64, minimum = 1, maximum = 10, example = 6)]
    pub mood_after: Option<i64>,
    /// How useful it was, 1–5.
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = i64, minimum = 1, maximum = 5, example = 4)]
    pub rating: Option<i64>,
    /// A short note, at most 2,000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// For a CBT exercise: the thought record you worked through.
    #[serde(default, deserialize_with = "json::present")]
    #[schema(value_type = ThoughtRecordBody)]
    pub thought_record: Option<ThoughtRecordBody>,
}

/// A stored completion.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Completion {
    /// Its id (a ULID).
    pub id: String,
    /// The exercise.
    pub exercise_id: String,
    /// When it started.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub started_at: Timestamp,
    /// How long it took, in seconds.
    pub duration_s: u32,
    /// Mood before, 1–10.
    pub mood_before: Option<u8>,
    /// Mood after, 1–10.
    pub mood_after: Option<u8>,
    /// How useful it was, 1–5.
    pub rating: Option<u8>,
    /// The note.
    pub note: Option<String>,
    /// The thought record, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thought_record: Option<ThoughtRecordBody>,
    /// The crisis screen's verdict on the note and thought record.
    pub safety_level: Level,
    /// When it was stored.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub created_at: Timestamp,
}

/// A completion as saved, with what the app should show about safety.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SavedCompletion {
    /// The completion.
    #[serde(flatten)]
    pub completion: Completion,
    /// The crisis screen's verdict on its free text, with crisis lines when not `none`.
    pub safety: SafetyView,
}

/// One page of completions, the latest started first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CompletionPage {
    /// The completions.
    pub items: Vec<Completion>,
    /// Pass as `next_token` to get the next page; absent on the last page.
    pub next_token: Option<String>,
}

/// Filters and paging of `GET /v1/completions`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListCompletionsQuery {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The `next_token` of the previous page.
    pub next_token: Option<String>,
    /// Only completions started at or after this time (RFC 3339).
    pub from: Option<String>,
    /// Only completions started at or before this time (RFC 3339).
    pub to: Option<String>,
    /// Only completions of this exercise.
    pub exercise_id: Option<String>,
}

/// The range of `GET /v1/completions/summary`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HelpsQuery {
    /// Start of the range (RFC 3339); defaults to 90 days before `to`.
    pub from: Option<String>,
    /// End of the range (RFC 3339); defaults to now. At most 366 days after `from`.
    pub to: Option<String>,
}

/// One exercise in "what helps me".
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExerciseHelp {
    /// The exercise.
    pub exercise_id: String,
    /// Its title, when the catalogue still has it.
    pub title: Option<String>,
    /// How many times you did it.
    pub count: u32,
    /// Minutes spent in all, to one decimal.
    pub total_minutes: f64,
    /// The mean of (mood after − mood before), to two decimals; null when no completion has
    /// both moods.
    pub mean_mood_change: Option<f64>,
    /// How many completions that mean rests on.
    pub mood_change_count: u32,
}

/// What helps you: per exercise, how often, how long, and how your mood changed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HelpsSummary {
    /// Start of the range.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub from: Timestamp,
    /// End of the range.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub to: Timestamp,
    /// The largest mean mood change first; exercises without one last.
    pub exercises: Vec<ExerciseHelp>,
}

impl ExerciseHelp {
    /// The view of `effect`, titled from the catalogue.
    pub fn new(effect: &ExerciseEffect, title: Option<String>) -> Self {
        Self {
            exercise_id: effect.exercise_id.clone(),
            title,
            count: effect.count,
            total_minutes: effect.total_minutes,
            mean_mood_change: effect.mean_mood_change,
            mood_change_count: effect.mood_change_count,
        }
    }
}

fn record_view(record: &ThoughtRecord) -> ThoughtRecordBody {
    ThoughtRecordBody {
        situation: record.situation.clone(),
        emotions: record
            .emotions
            .iter()
            .map(|e| EmotionBody {
                name: e.name.as_str().to_owned(),
                intensity: i64::from(e.intensity.get()),
                rerated: e.rerated.map(|r| i64::from(r.get())),
            })
            .collect(),
        automatic_thoughts: record
            .automatic_thoughts
            .iter()
            .map(|t| ThoughtBody {
                text: t.text.clone(),
                hot: t.hot,
            })
            .collect(),
        evidence_for: record.evidence_for.clone(),
        evidence_against: record.evidence_against.clone(),
        balanced_thought: record.balanced_thought.clone(),
        balanced_belief: i64::from(record.balanced_belief.get()),
    }
}

impl From<&CompletionEntry> for Completion {
    fn from(entry: &CompletionEntry) -> Self {
        let c = &entry.completion;
        Self {
            id: entry.id.to_string(),
            exercise_id: c.exercise_id.as_str().to_owned(),
            started_at: c.started_at,
            duration_s: c.duration_s,
            mood_before: c.mood_before.map(MoodScore::get),
            mood_after: c.mood_after.map(MoodScore::get),
            rating: c.rating.map(Rating::get),
            note: c.note.as_ref().map(|n| n.as_str().to_owned()),
            thought_record: c.thought_record.as_ref().map(record_view),
            safety_level: entry.safety.level,
            created_at: entry.created_at,
        }
    }
}

fn texts(errors: &mut FieldErrors, field: &str, raw: &[String]) -> Vec<String> {
    if let Err(e) = check_list_len(field, raw.len(), 0) {
        errors.push(e);
        return Vec::new();
    }
    raw.iter()
        .enumerate()
        .filter_map(|(i, t)| errors.check(record_text(&format!("{field}[{i}]"), t)))
        .collect()
}

impl ThoughtRecordBody {
    /// Checks every field of the record and reports all problems at once.
    fn parse(self, errors: &mut FieldErrors) -> Option<ThoughtRecord> {
        let f = |name: &str| format!("thought_record.{name}");
        let before = errors.count();
        let situation = errors.check(record_text(&f("situation"), &self.situation));
        errors.check(check_list_len(&f("emotions"), self.emotions.len(), 1));
        let emotions: Vec<RecordEmotion> = self
            .emotions
            .iter()
            .take(completion::RECORD_LIST_MAX)
            .enumerate()
            .filter_map(|(i, e)| {
                let at = |name: &str| format!("thought_record.emotions[{i}].{name}");
                let name = errors.check(Label::parse(&at("name"), &e.name));
                let intensity = errors.check(Percent::parse(&at("intensity"), e.intensity));
                let rerated = e
                    .rerated
                    .map(|r| errors.check(Percent::parse(&at("rerated"), r)));
                Some(RecordEmotion {
                    name: name?,
                    intensity: intensity?,
                    rerated: match rerated {
                        Some(r) => Some(r?),
                        None => None,
                    },
                })
            })
            .collect();
        errors.check(check_list_len(
            &f("automatic_thoughts"),
            self.automatic_thoughts.len(),
            1,
        ));
        let thoughts: Vec<AutomaticThought> = self
            .automatic_thoughts
            .iter()
            .take(completion::RECORD_LIST_MAX)
            .enumerate()
            .filter_map(|(i, t)| {
                let text = errors.check(record_text(
                    &format!("thought_record.automatic_thoughts[{i}].text"),
                    &t.text,
                ))?;
                Some(AutomaticThought { text, hot: t.hot })
            })
            .collect();
        if thoughts.len() == self.automatic_thoughts.len() && !thoughts.is_empty() {
            errors.check(check_one_hot(&f("automatic_thoughts"), &thoughts));
        }
        let evidence_for = texts(errors, &f("evidence_for"), &self.evidence_for);
        let evidence_against = texts(errors, &f("evidence_against"), &self.evidence_against);
        let balanced = errors.check(record_text(&f("balanced_thought"), &self.balanced_thought));
        let belief = errors.check(Percent::parse(&f("balanced_belief"), self.balanced_belief));
        if errors.count() > before {
            return None;
        }
        Some(ThoughtRecord {
            situation: situation?,
            emotions,
            automatic_thoughts: thoughts,
            evidence_for,
            evidence_against,
            balanced_thought: balanced?,
            balanced_belief: belief?,
        })
    }
}

fn score(errors: &mut FieldErrors, field: &str, raw: Option<i64>) -> Option<Option<MoodScore>> {
    match raw {
        Some(raw) => errors.check(MoodScore::parse(field, raw)).map(Some),
        None => Some(None),
    }
}

impl CreateCompletion {
    /// Checks every field and reports all problems at once. `cbt` says whether the exercise
    /// is a CBT one (only those take a thought record).
    pub fn parse(
        self,
        exercise_id: ExerciseId,
        cbt: bool,
        now: Timestamp,
    ) -> Result<NewCompletion, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let duration = errors.check(completion::duration("duration_s", self.duration_s));
        let started_at = match self.started_at.as_deref() {
            Some(raw) => errors
                .check(parse_timestamp("started_at", raw))
                .and_then(|at| errors.check(completion::started_at("started_at", at, now))),
            None => {
                let seconds = duration.map_or(0, i64::from);
                let at = now - jiff::SignedDuration::from_secs(seconds);
                errors.check(completion::started_at("started_at", at, now))
            }
        };
        let mood_before = score(&mut errors, "mood_before", self.mood_before);
        let mood_after = score(&mut errors, "mood_after", self.mood_after);
        let rating = match self.rating {
            Some(raw) => errors.check(Rating::parse("rating", raw)).map(Some),
            None => Some(None),
        };
        let note = match self.note.as_deref() {
            Some(raw) => errors.check(Note::parse("note", raw)),
            None => Some(None),
        };
        let thought_record = match self.thought_record {
            Some(_) if !cbt => {
                errors.push(FieldError::new(
                    "thought_record",
                    "is only for CBT exercises such as b-thought-record",
                ));
                None
            }
            Some(record) => record.parse(&mut errors).map(Some),
            None => Some(None),
        };
        errors.into_result()?;
        match (
            duration,
            started_at,
            mood_before,
            mood_after,
            rating,
            note,
            thought_record,
        ) {
            (
                Some(duration_s),
                Some(started_at),
                Some(mood_before),
                Some(mood_after),
                Some(rating),
                Some(note),
                Some(thought_record),
            ) => Ok(NewCompletion {
                exercise_id,
                started_at,
                duration_s,
                mood_before,
                mood_after,
                rating,
                note,
                thought_record,
            }),
            _ => Err(vec![FieldError::new("body", "is invalid")]),
        }
    }
}

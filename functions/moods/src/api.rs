//! The moods API's request and response bodies, and their parsing into domain types.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use therabot_shared::domain::mood::{self, MoodChanges, MoodEntry, MoodScore, NewMood, Note};
use therabot_shared::domain::summary::{BucketStats, MoodSummary, Stats, TagStats};
use therabot_shared::domain::text::Labels;
use therabot_shared::domain::{FieldError, FieldErrors, parse_timestamp};
use therabot_shared::http::json::{self, nullable, present, present_whole_number, whole_number};
use utoipa::{IntoParams, ToSchema};

/// A new mood entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateMood {
    /// How you feel, from 1 (worst) to 10 (best).
    #[serde(deserialize_with = "whole_number")]
    #[schema(minimum = 1, maximum = 10, example = 6)]
    pub score: i64,
    /// Named emotions, up to 10 labels of 1–32 characters.
    #[serde(default)]
    #[schema(max_items = 10, example = json!(["calm", "tired"]))]
    pub emotions: Vec<String>,
    /// Your own tags, up to 10 labels of 1–32 characters.
    #[serde(default)]
    #[schema(max_items = 10, example = json!(["work"]))]
    pub tags: Vec<String>,
    /// A short note, at most 2,000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// When you felt this (RFC 3339); defaults to now; not in the future.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub recorded_at: Option<String>,
}

/// Changes to a mood entry; absent fields stay as they are, and at least one must be given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
pub struct UpdateMood {
    /// A new score, 1 to 10.
    #[serde(default, deserialize_with = "present_whole_number")]
    #[schema(value_type = i64, minimum = 1, maximum = 10)]
    pub score: Option<i64>,
    /// New emotions, replacing the old ones (`[]` removes them all).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Vec<String>)]
    pub emotions: Option<Vec<String>>,
    /// New tags, replacing the old ones (`[]` removes them all).
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Vec<String>)]
    pub tags: Option<Vec<String>>,
    /// A new note; `null` removes it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 2000)]
    pub note: Option<Option<String>>,
    /// Cannot change: it is part of the entry's id (refused with a message that says so, and
    /// left out of the document, where no property but these may appear).
    #[serde(default)]
    #[schema(ignore)]
    pub recorded_at: Option<serde_json::Value>,
}

/// A stored mood entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Mood {
    /// The entry's id (a ULID).
    #[schema(example = "01JDX3ZQ8C9V4M2N7K5T1R6W3E")]
    pub id: String,
    /// How you felt, 1 to 10.
    pub score: u8,
    /// Named emotions.
    pub emotions: Vec<String>,
    /// Your tags.
    pub tags: Vec<String>,
    /// The note, if any.
    pub note: Option<String>,
    /// When you felt this.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub recorded_at: Timestamp,
    /// When the entry was created.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub created_at: Timestamp,
    /// When the entry last changed.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub updated_at: Timestamp,
    /// The entry's version, also sent as its `ETag`.
    pub version: u64,
}

impl From<&MoodEntry> for Mood {
    fn from(entry: &MoodEntry) -> Self {
        Self {
            id: entry.id.to_string(),
            score: entry.score.get(),
            emotions: entry.emotions.to_strings(),
            tags: entry.tags.to_strings(),
            note: entry.note.as_ref().map(|n| n.as_str().to_owned()),
            recorded_at: entry.recorded_at,
            created_at: entry.created_at,
            updated_at: entry.updated_at,
            version: entry.version,
        }
    }
}

/// One page of mood entries, newest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MoodPage {
    /// The entries.
    pub items: Vec<Mood>,
    /// Pass as `next_token` to get the next page; absent on the last page.
    pub next_token: Option<String>,
}

/// Filters and paging of `GET /v1/moods`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListMoodsQuery {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The `next_token` of the previous page.
    pub next_token: Option<String>,
    /// Only entries recorded at or after this time (RFC 3339).
    pub from: Option<String>,
    /// Only entries recorded at or before this time (RFC 3339).
    pub to: Option<String>,
    /// Only entries carrying this tag.
    pub tag: Option<String>,
}

/// Range and grouping of `GET /v1/moods/summary`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// Start of the range (RFC 3339); defaults to 30 days before `to`.
    pub from: Option<String>,
    /// End of the range (RFC 3339); defaults to now. At most 366 days after `from`.
    pub to: Option<String>,
    /// `day` (default) or `week` (ISO weeks, from Monday).
    pub bucket: Option<String>,
    /// IANA time zone in which days and weeks are cut, e.g. `Europe/Madrid` (default: your
    /// profile's time zone, else `UTC`).
    pub tz: Option<String>,
}

/// Count, mean, min and max of a set of scores.
#[derive(Debug, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ScoreStats {
    /// Number of entries.
    pub count: u32,
    /// Mean score, rounded to two decimals; null when there are no entries.
    pub mean: Option<f64>,
    /// Lowest score.
    pub min: Option<u8>,
    /// Highest score.
    pub max: Option<u8>,
}

/// One day or week of the chart.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SummaryBucket {
    /// First local date of the bucket (the Monday, for weeks).
    #[schema(value_type = String, format = Date)]
    pub start: String,
    /// Scores recorded in it.
    #[serde(flatten)]
    pub stats: ScoreStats,
}

/// One tag over the whole range.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SummaryTag {
    /// The tag.
    pub tag: String,
    /// Entries carrying it.
    pub count: u32,
    /// Their mean score, rounded to two decimals.
    pub mean: f64,
}

/// What a mood chart needs.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Summary {
    /// Start of the range.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub from: Timestamp,
    /// End of the range.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub to: Timestamp,
    /// `day` or `week`.
    pub bucket: String,
    /// The time zone of the buckets.
    pub tz: String,
    /// Every bucket of the range in order, empty ones included.
    pub buckets: Vec<SummaryBucket>,
    /// Per tag, most used first.
    pub tags: Vec<SummaryTag>,
    /// The whole range.
    pub overall: ScoreStats,
}

fn stats(s: &Stats) -> ScoreStats {
    ScoreStats {
        count: s.count,
        mean: s.mean,
        min: s.min,
        max: s.max,
    }
}

impl Summary {
    /// The response for `summary` of `from`..`to`.
    pub fn new(
        summary: &MoodSummary,
        from: Timestamp,
        to: Timestamp,
        bucket: &str,
        tz: &str,
    ) -> Self {
        Self {
            from,
            to,
            bucket: bucket.to_owned(),
            tz: tz.to_owned(),
            buckets: summary
                .buckets
                .iter()
                .map(|b: &BucketStats| SummaryBucket {
                    start: b.start.to_string(),
                    stats: stats(&b.stats),
                })
                .collect(),
            tags: summary
                .tags
                .iter()
                .map(|t: &TagStats| SummaryTag {
                    tag: t.tag.clone(),
                    count: t.count,
                    mean: t.mean,
                })
                .collect(),
            overall: stats(&summary.overall),
        }
    }
}

impl CreateMood {
    /// Checks every field and reports all problems at once.
    pub fn parse(self, now: Timestamp) -> Result<NewMood, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        let score = errors.check(MoodScore::parse("score", self.score));
        let emotions = errors.take(Labels::parse("emotions", &self.emotions));
        let tags = errors.take(Labels::parse("tags", &self.tags));
        let note = match self.note.as_deref() {
            Some(raw) => errors.check(Note::parse("note", raw)),
            None => Some(None),
        };
        let recorded_at = match self.recorded_at.as_deref() {
            Some(raw) => errors
                .check(parse_timestamp("recorded_at", raw))
                .and_then(|at| errors.check(mood::recorded_at("recorded_at", at, now))),
            None => errors.check(mood::recorded_at("recorded_at", now, now)),
        };
        errors.into_result()?;
        match (score, emotions, tags, note, recorded_at) {
            (Some(score), Some(emotions), Some(tags), Some(note), Some(recorded_at)) => {
                Ok(NewMood {
                    score,
                    emotions,
                    tags,
                    note,
                    recorded_at,
                })
            }
            _ => Err(vec![FieldError::new("body", "is invalid")]),
        }
    }
}

impl UpdateMood {
    /// Checks every given field; an update must change something.
    pub fn parse(self) -> Result<MoodChanges, Vec<FieldError>> {
        let mut errors = FieldErrors::new();
        if self.recorded_at.is_some() {
            errors.push(FieldError::new(
                "recorded_at",
                "cannot be changed; delete the entry and create a new one",
            ));
        }
        let changes = MoodChanges {
            score: self
                .score
                .and_then(|s| errors.check(MoodScore::parse("score", s))),
            emotions: self
                .emotions
                .and_then(|e| errors.take(Labels::parse("emotions", &e))),
            tags: self
                .tags
                .and_then(|t| errors.take(Labels::parse("tags", &t))),
            note: match self.note {
                Some(Some(raw)) => errors.check(Note::parse("note", &raw)),
                Some(None) => Some(None),
                None => None,
            },
        };
        errors.into_result()?;
        if changes.is_empty() {
            return Err(vec![FieldError::new(
                "body",
                "must change at least one of score, emotions, tags or note",
            )]);
        }
        Ok(changes)
    }
}

//! Exercise completions in the table. A completion is written in one transaction with its
//! idempotency record and, when its free text screened `elevated` or `crisis`, the risk state
//! and pending referral a chat message would write.

use aws_sdk_dynamodb::types::TransactWriteItem;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};

use super::entity::Entity;
use super::idempotency::{IDEMPOTENCY, IdempotentWrite};
use super::keys::{self, Key};
use super::page::{Cursor, Page, PartitionQuery};
use super::transact::{Transaction, put};
use super::versioned::WriteError;
use super::{Item, Store, StoreError, s};
use crate::domain::completion::{
    AutomaticThought, CompletionEntry, CompletionPoint, ExerciseId, NewCompletion, Percent, Rating,
    RecordEmotion, ThoughtRecord,
};
use crate::domain::mood::{MoodScore, Note};
use crate::domain::risk::{self, SafetyVerdict};
use crate::domain::text::Label;
use crate::domain::{CompletionId, UserId};
use crate::safety::{LayerVerdict, Level};

/// The most completions one summary reads.
pub const SUMMARY_MAX_ITEMS: usize = 20_000;

#[derive(Serialize, Deserialize)]
struct EmotionItem {
    name: String,
    intensity: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rerated: Option<u8>,
}

#[derive(Serialize, Deserialize)]
struct ThoughtItem {
    text: String,
    hot: bool,
}

#[derive(Serialize, Deserialize)]
struct ThoughtRecordItem {
    situation: String,
    emotions: Vec<EmotionItem>,
    automatic_thoughts: Vec<ThoughtItem>,
    evidence_for: Vec<String>,
    evidence_against: Vec<String>,
    balanced_thought: String,
    balanced_belief: u8,
}

#[derive(Serialize, Deserialize)]
struct CompletionItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    id: CompletionId,
    exercise_id: String,
    started_at: Timestamp,
    duration_s: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mood_before: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mood_after: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rating: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    thought_record: Option<ThoughtRecordItem>,
    safety_level: Level,
    screen_version: String,
    screen: Vec<LayerVerdict>,
    created_at: Timestamp,
    /// Completions are never changed; the version lets deletes share the versioned path.
    version: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    idempotency_key: Option<String>,
}

impl Entity for CompletionItem {
    const NAME: &'static str = "completion";
    type KeyInput<'a> = (&'a UserId, CompletionId);

    fn key((user, id): Self::KeyInput<'_>) -> Key {
        Key::in_user(user, keys::completion_sk(id))
    }
}

fn record_item(record: &ThoughtRecord) -> ThoughtRecordItem {
    ThoughtRecordItem {
        situation: record.situation.clone(),
        emotions: record
            .emotions
            .iter()
            .map(|e| EmotionItem {
                name: e.name.as_str().to_owned(),
                intensity: e.intensity.get(),
                rerated: e.rerated.map(Percent::get),
            })
            .collect(),
        automatic_thoughts: record
            .automatic_thoughts
            .iter()
            .map(|t| ThoughtItem {
                text: t.text.clone(),
                hot: t.hot,
            })
            .collect(),
        evidence_for: record.evidence_for.clone(),
        evidence_against: record.evidence_against.clone(),
        balanced_thought: record.balanced_thought.clone(),
        balanced_belief: record.balanced_belief.get(),
    }
}

fn stored<T>(what: &str, result: Result<T, crate::domain::FieldError>) -> Result<T, StoreError> {
    result.map_err(|_| StoreError::Backend(format!("a stored completion has a bad {what}")))
}

fn record_from(item: ThoughtRecordItem) -> Result<ThoughtRecord, StoreError> {
    let emotions = item
        .emotions
        .into_iter()
        .map(|e| {
            Ok(RecordEmotion {
                name: Label::from_stored(e.name),
                intensity: stored("intensity", Percent::parse("i", i64::from(e.intensity)))?,
                rerated: e
                    .rerated
                    .map(|r| stored("rerating", Percent::parse("r", i64::from(r))))
                    .transpose()?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(ThoughtRecord {
        situation: item.situation,
        emotions,
        automatic_thoughts: item
            .automatic_thoughts
            .into_iter()
            .map(|t| AutomaticThought {
                text: t.text,
                hot: t.hot,
            })
            .collect(),
        evidence_for: item.evidence_for,
        evidence_against: item.evidence_against,
        balanced_thought: item.balanced_thought,
        balanced_belief: stored(
            "belief",
            Percent::parse("b", i64::from(item.balanced_belief)),
        )?,
    })
}

fn score(value: Option<u8>) -> Result<Option<MoodScore>, StoreError> {
    value
        .map(|v| stored("mood", MoodScore::parse("m", i64::from(v))))
        .transpose()
}

impl CompletionItem {
    fn new(user: &UserId, entry: &CompletionEntry, idempotency_key: Option<String>) -> Self {
        let Key { pk, sk } = Self::key((user, entry.id));
        let c = &entry.completion;
        Self {
            pk,
            sk,
            entity: Self::NAME.to_owned(),
            id: entry.id,
            exercise_id: c.exercise_id.as_str().to_owned(),
            started_at: c.started_at,
            duration_s: c.duration_s,
            mood_before: c.mood_before.map(MoodScore::get),
            mood_after: c.mood_after.map(MoodScore::get),
            rating: c.rating.map(Rating::get),
            note: c.note.as_ref().map(|n| n.as_str().to_owned()),
            thought_record: c.thought_record.as_ref().map(record_item),
            safety_level: entry.safety.level,
            screen_version: entry.safety.screen_version.clone(),
            screen: entry.safety.layers.clone(),
            created_at: entry.created_at,
            version: 1,
            idempotency_key,
        }
    }

    fn into_entry(self) -> Result<CompletionEntry, StoreError> {
        Ok(CompletionEntry {
            id: self.id,
            completion: NewCompletion {
                exercise_id: ExerciseId::from_stored(self.exercise_id),
                started_at: self.started_at,
                duration_s: self.duration_s,
                mood_before: score(self.mood_before)?,
                mood_after: score(self.mood_after)?,
                rating: self
                    .rating
                    .map(|r| stored("rating", Rating::parse("r", i64::from(r))))
                    .transpose()?,
                note: self.note.map(Note::from_stored),
                thought_record: self.thought_record.map(record_from).transpose()?,
            },
            safety: SafetyVerdict {
                level: self.safety_level,
                screen_version: self.screen_version,
                layers: self.screen,
            },
            created_at: self.created_at,
        })
    }
}

/// Filters of a completion list.
#[derive(Debug, Clone, Default)]
pub struct CompletionFilter {
    /// Started at or after.
    pub from: Option<Timestamp>,
    /// Started at or before.
    pub to: Option<Timestamp>,
    /// Of this exercise.
    pub exercise_id: Option<ExerciseId>,
}

impl Store {
    /// Stores a completion with its idempotency record and any risk its text showed, in one
    /// transaction (one round trip). [`StoreError::ConditionFailed`] means the key is taken.
    pub async fn put_completion(
        &self,
        user: &UserId,
        entry: &CompletionEntry,
        idempotent: Option<IdempotentWrite>,
    ) -> Result<(), StoreError> {
        let table = self.table();
        let item = CompletionItem::new(user, entry, idempotent.as_ref().map(|w| w.key.clone()));
        let mut transaction = Transaction::new();
        transaction.push(
            "completion",
            put(table, to_item(item)?, Some("attribute_not_exists(PK)"))?,
        );
        if let Some(write) = &idempotent {
            transaction.push(
                IDEMPOTENCY,
                TransactWriteItem::builder().put(write.put(table)?).build(),
            );
        }
        let safety = &entry.safety;
        if risk::at_risk(safety.level) {
            transaction.extend(
                "risk",
                self.risk_record(user, safety.level, entry.created_at, &safety.screen_version)?,
            );
        }
        self.transact_creating(user, transaction).await
    }

    /// Reads one completion (one round trip).
    pub async fn get_completion(
        &self,
        user: &UserId,
        id: CompletionId,
    ) -> Result<Option<CompletionEntry>, StoreError> {
        self.get::<CompletionItem>((user, id))
            .await?
            .map(CompletionItem::into_entry)
            .transpose()
    }

    /// Lists completions, the latest started first, one page at a time.
    pub async fn list_completions(
        &self,
        user: &UserId,
        filter: &CompletionFilter,
        limit: usize,
        start: Option<Cursor>,
    ) -> Result<Page<CompletionEntry>, StoreError> {
        let mut query = PartitionQuery::new(
            keys::user_pk(user),
            keys::completion_sk_range(filter.from, filter.to),
        );
        query.ascending = false;
        if let Some(exercise) = &filter.exercise_id {
            query.filter = Some("exercise_id = :fex".to_owned());
            query
                .filter_values
                .insert(":fex".to_owned(), s(exercise.as_str()));
        }
        let page = self.query_page(&query, limit, start).await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|item: Item| from_item::<CompletionItem>(item)?.into_entry())
                .collect::<Result<_, _>>()?,
            next: page.next,
        })
    }

    /// What "what helps me" reads of every completion started between `from` and `to`;
    /// `None` when there are more than `max` (a summary never quietly leaves some out).
    pub async fn completion_points(
        &self,
        user: &UserId,
        from: Timestamp,
        to: Timestamp,
        max: usize,
    ) -> Result<Option<Vec<CompletionPoint>>, StoreError> {
        #[derive(Deserialize)]
        struct PointItem {
            exercise_id: String,
            duration_s: u32,
            #[serde(default)]
            mood_before: Option<u8>,
            #[serde(default)]
            mood_after: Option<u8>,
        }
        let mut query = PartitionQuery::new(
            keys::user_pk(user),
            keys::completion_sk_range(Some(from), Some(to)),
        );
        query.projection = Some("exercise_id, duration_s, mood_before, mood_after".to_owned());
        let items = self.query_all(&query, max.saturating_add(1)).await?;
        if items.len() > max {
            return Ok(None);
        }
        items
            .into_iter()
            .map(|item| {
                let p: PointItem = from_item(item)?;
                Ok(CompletionPoint {
                    exercise_id: p.exercise_id,
                    duration_s: p.duration_s,
                    mood_before: p.mood_before,
                    mood_after: p.mood_after,
                })
            })
            .collect::<Result<_, StoreError>>()
            .map(Some)
    }

    /// Deletes a completion (and the idempotency record holding its text).
    pub async fn delete_completion(
        &self,
        user: &UserId,
        id: CompletionId,
    ) -> Result<(), WriteError> {
        self.delete_versioned(user, CompletionItem::key((user, id)), None)
            .await
    }
}

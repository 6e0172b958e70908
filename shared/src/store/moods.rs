//! Mood entries in the table.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};

use super::entity::Entity;
use super::idempotency::IdempotentWrite;
use super::keys::{self, Key};
use super::page::{Cursor, Page, PartitionQuery};
use super::{Item, Store, StoreError, n, s};
use crate::domain::mood::{MoodChanges, MoodEntry, MoodScore, Note};
use crate::domain::summary::MoodPoint;
use crate::domain::text::{Label, Labels};
use crate::domain::{MoodId, UserId};

/// The most entries one summary reads; far above a year of daily logging.
pub const SUMMARY_MAX_ITEMS: usize = 20_000;

#[derive(Serialize, Deserialize)]
pub(crate) struct MoodItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    id: MoodId,
    score: u8,
    emotions: Vec<String>,
    tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    recorded_at: Timestamp,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: u64,
    /// The `Idempotency-Key` that created it: deleting the mood deletes that record, whose
    /// stored response holds the mood's content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    idempotency_key: Option<String>,
}

impl Entity for MoodItem {
    const NAME: &'static str = "mood";
    type KeyInput<'a> = (&'a UserId, MoodId);

    fn key((user, id): Self::KeyInput<'_>) -> Key {
        Key::in_user(user, keys::mood_sk(id))
    }
}

impl MoodItem {
    fn new(user: &UserId, entry: &MoodEntry) -> Self {
        let Key { pk, sk } = Self::key((user, entry.id));
        Self {
            pk,
            sk,
            entity: Self::NAME.to_owned(),
            id: entry.id,
            score: entry.score.get(),
            emotions: entry.emotions.to_strings(),
            tags: entry.tags.to_strings(),
            note: entry.note.as_ref().map(|n| n.as_str().to_owned()),
            recorded_at: entry.recorded_at,
            created_at: entry.created_at,
            updated_at: entry.updated_at,
            version: entry.version,
            idempotency_key: None,
        }
    }

    fn into_entry(self) -> Result<MoodEntry, StoreError> {
        let score = MoodScore::parse("score", i64::from(self.score))
            .map_err(|_| StoreError::Backend(format!("mood {} has score out of range", self.id)))?;
        Ok(MoodEntry {
            id: self.id,
            score,
            emotions: Labels::from_stored(self.emotions),
            tags: Labels::from_stored(self.tags),
            note: self.note.map(Note::from_stored),
            recorded_at: self.recorded_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

fn entry_from(item: Item) -> Result<MoodEntry, StoreError> {
    from_item::<MoodItem>(item)?.into_entry()
}

/// Filters of a mood list.
#[derive(Debug, Clone, Default)]
pub struct MoodFilter {
    /// Recorded at or after.
    pub from: Option<Timestamp>,
    /// Recorded at or before.
    pub to: Option<Timestamp>,
    /// Carrying this tag.
    pub tag: Option<Label>,
}

/// Why an update or delete of a mood did not happen.
pub type MoodWriteError = super::versioned::WriteError;

impl Store {
    /// Stores a new entry (one round trip). With `idempotent`, the entry and the completed
    /// idempotency record are written in one transaction, so a retry can never store twice.
    pub async fn put_mood(
        &self,
        user: &UserId,
        entry: &MoodEntry,
        idempotent: Option<IdempotentWrite>,
    ) -> Result<(), StoreError> {
        let mut item = MoodItem::new(user, entry);
        item.idempotency_key = idempotent.as_ref().map(|w| w.key.clone());
        let item: Item = to_item(item)?;
        self.put_new(user, item, idempotent).await
    }

    /// Reads one entry (one round trip).
    pub async fn get_mood(
        &self,
        user: &UserId,
        id: MoodId,
    ) -> Result<Option<MoodEntry>, StoreError> {
        self.get::<MoodItem>((user, id))
            .await?
            .map(MoodItem::into_entry)
            .transpose()
    }

    /// Lists entries newest first, one page at a time.
    pub async fn list_moods(
        &self,
        user: &UserId,
        filter: &MoodFilter,
        limit: usize,
        start: Option<Cursor>,
    ) -> Result<Page<MoodEntry>, StoreError> {
        let mut query = PartitionQuery::new(
            keys::user_pk(user),
            keys::mood_sk_range(filter.from, filter.to),
        );
        query.ascending = false;
        if let Some(tag) = &filter.tag {
            query.filter = Some("contains(tags, :ftag)".to_owned());
            query
                .filter_values
                .insert(":ftag".to_owned(), s(tag.as_str()));
        }
        let page = self.query_page(&query, limit, start).await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(entry_from)
                .collect::<Result<_, _>>()?,
            next: page.next,
        })
    }

    /// Reads the score, tags and time of every entry recorded between `from` and `to`;
    /// `None` when there are more than `max` of them (a summary must never quietly leave
    /// some out).
    pub async fn mood_points(
        &self,
        user: &UserId,
        from: Timestamp,
        to: Timestamp,
        max: usize,
    ) -> Result<Option<Vec<MoodPoint>>, StoreError> {
        #[derive(Deserialize)]
        struct PointItem {
            score: u8,
            #[serde(default)]
            tags: Vec<String>,
            recorded_at: Timestamp,
        }
        let mut query = PartitionQuery::new(
            keys::user_pk(user),
            keys::mood_sk_range(Some(from), Some(to)),
        );
        query.projection = Some("score, tags, recorded_at".to_owned());
        let items = self.query_all(&query, max.saturating_add(1)).await?;
        if items.len() > max {
            return Ok(None);
        }
        items
            .into_iter()
            .map(|item| {
                let p: PointItem = from_item(item)?;
                Ok(MoodPoint {
                    score: p.score,
                    tags: p.tags,
                    recorded_at: p.recorded_at,
                })
            })
            .collect::<Result<_, StoreError>>()
            .map(Some)
    }

    /// Applies `changes` (one round trip) if the entry exists and, when `expected_version` is
    /// given, still has that version. Returns the entry as stored afterwards.
    pub async fn update_mood(
        &self,
        user: &UserId,
        id: MoodId,
        changes: &MoodChanges,
        expected_version: Option<u64>,
        now: Timestamp,
    ) -> Result<MoodEntry, MoodWriteError> {
        let mut set = vec!["updated_at = :now", "version = version + :one"];
        let mut remove = Vec::new();
        let mut values = HashMap::from([
            (":now".to_owned(), s(now.to_string())),
            (":one".to_owned(), n(1)),
        ]);
        if let Some(score) = changes.score {
            set.push("score = :score");
            values.insert(":score".to_owned(), n(score.get()));
        }
        if let Some(emotions) = &changes.emotions {
            set.push("emotions = :emotions");
            values.insert(":emotions".to_owned(), string_list(emotions));
        }
        if let Some(tags) = &changes.tags {
            set.push("tags = :tags");
            values.insert(":tags".to_owned(), string_list(tags));
        }
        match &changes.note {
            Some(Some(note)) => {
                set.push("note = :note");
                values.insert(":note".to_owned(), s(note.as_str()));
            }
            Some(None) => remove.push("note"),
            None => {}
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let mut condition = "attribute_exists(PK)".to_owned();
        if let Some(version) = expected_version {
            condition.push_str(" AND version = :expected");
            values.insert(":expected".to_owned(), n(version));
        }
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(MoodItem::key((user, id)).item()))
            .update_expression(expression)
            .condition_expression(condition)
            .set_expression_attribute_values(Some(values))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await;
        match result {
            Ok(out) => Ok(entry_from(out.attributes.unwrap_or_default())?),
            Err(error) => match self
                .explain_failed_write(MoodItem::key((user, id)), error)
                .await
            {
                MoodWriteError::VersionMismatch => {
                    self.landed_update(user, id, expected_version, now).await
                }
                other => Err(other),
            },
        }
    }

    /// The version did not match. If the entry holds exactly the version after ours,
    /// stamped with our `now`, this is an SDK retry of our own update whose first attempt
    /// landed: the update succeeded. Anything else is someone else's change.
    async fn landed_update(
        &self,
        user: &UserId,
        id: MoodId,
        expected_version: Option<u64>,
        now: Timestamp,
    ) -> Result<MoodEntry, MoodWriteError> {
        match self.get_mood(user, id).await? {
            Some(entry)
                if expected_version.map(|v| v + 1) == Some(entry.version)
                    && entry.updated_at == now =>
            {
                Ok(entry)
            }
            Some(_) => Err(MoodWriteError::VersionMismatch),
            None => Err(MoodWriteError::NotFound),
        }
    }

    /// Deletes an entry (one round trip), if it exists and, when `expected_version` is given,
    /// still has that version.
    pub async fn delete_mood(
        &self,
        user: &UserId,
        id: MoodId,
        expected_version: Option<u64>,
    ) -> Result<(), MoodWriteError> {
        self.delete_versioned(user, MoodItem::key((user, id)), expected_version)
            .await
    }
}

fn string_list(labels: &Labels) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::L(labels.iter().map(|l| s(l.as_str())).collect())
}

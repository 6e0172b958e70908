//! Journal entries in the table.
//!
//! An entry is written in one transaction with everything its saving implies: the
//! idempotency record, a check that a linked mood entry exists, and — when its body screened
//! `elevated` or `crisis` — the user's risk state and pending referral, exactly as a chat
//! message writes them (so the next conversation opens with a check-in).

use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};

use super::entity::Entity;
use super::erasure::{ACCOUNT, not_erased};
use super::idempotency::{IDEMPOTENCY, IdempotentWrite};
use super::keys::{self, Key};
use super::moods::MoodItem;
use super::page::{Cursor, Page, PartitionQuery};
use super::transact::{TransactFailure, Transaction, put};
use super::versioned::WriteError;
use super::{Item, Store, StoreError, s};
use crate::domain::journal::{
    JournalBody, JournalChanges, JournalEntry, JournalTitle, MoodLink, SearchWords,
};
use crate::domain::mood::MoodScore;
use crate::domain::risk;
use crate::domain::risk::SafetyVerdict;
use crate::domain::text::{Label, Labels};
use crate::domain::{JournalId, MoodId, UserId};
use crate::http::ApiError;
use crate::http::idempotency::CreateFailure;
use crate::safety::{LayerVerdict, Level};

#[derive(Serialize, Deserialize)]
struct JournalItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    id: JournalId,
    body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prompt_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mood: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mood_id: Option<MoodId>,
    safety_level: Level,
    screen_version: String,
    screen: Vec<LayerVerdict>,
    /// Title and body folded for search (lower case, no accents).
    search: String,
    created_at: Timestamp,
    updated_at: Timestamp,
    version: u64,
    /// The `Idempotency-Key` that created it: deleting the entry deletes that record, whose
    /// stored response holds the entry's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    idempotency_key: Option<String>,
}

impl Entity for JournalItem {
    const NAME: &'static str = "journal";
    type KeyInput<'a> = (&'a UserId, JournalId);

    fn key((user, id): Self::KeyInput<'_>) -> Key {
        Key::in_user(user, keys::journal_sk(id))
    }
}

impl JournalItem {
    fn new(user: &UserId, entry: &JournalEntry, idempotency_key: Option<String>) -> Self {
        let Key { pk, sk } = Self::key((user, entry.id));
        Self {
            pk,
            sk,
            entity: Self::NAME.to_owned(),
            id: entry.id,
            body: entry.body.as_str().to_owned(),
            title: entry.title.as_ref().map(|t| t.as_str().to_owned()),
            tags: entry.tags.to_strings(),
            prompt_id: entry.prompt_id.clone(),
            mood: match entry.mood {
                MoodLink::Score(score) => Some(score.get()),
                _ => None,
            },
            mood_id: entry.mood.entry(),
            safety_level: entry.safety.level,
            screen_version: entry.safety.screen_version.clone(),
            screen: entry.safety.layers.clone(),
            search: entry.search_text(),
            created_at: entry.created_at,
            updated_at: entry.updated_at,
            version: entry.version,
            idempotency_key,
        }
    }

    fn into_entry(self) -> Result<JournalEntry, StoreError> {
        let mood = match (self.mood, self.mood_id) {
            (Some(score), _) => {
                MoodLink::Score(MoodScore::parse("mood", i64::from(score)).map_err(|_| {
                    StoreError::Backend(format!("journal {} has a mood out of range", self.id))
                })?)
            }
            (None, Some(id)) => MoodLink::Entry(id),
            (None, None) => MoodLink::None,
        };
        Ok(JournalEntry {
            id: self.id,
            body: JournalBody::from_stored(self.body),
            title: self.title.map(JournalTitle::from_stored),
            tags: Labels::from_stored(self.tags),
            prompt_id: self.prompt_id,
            mood,
            safety: SafetyVerdict {
                level: self.safety_level,
                screen_version: self.screen_version,
                layers: self.screen,
            },
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

/// Filters of a journal list.
#[derive(Debug, Clone, Default)]
pub struct JournalFilter {
    /// Written at or after.
    pub from: Option<Timestamp>,
    /// Written at or before.
    pub to: Option<Timestamp>,
    /// Carrying this tag.
    pub tag: Option<Label>,
    /// Holding every one of these words in title or body.
    pub words: Option<SearchWords>,
}

/// Why saving a journal entry did not happen.
#[derive(Debug, thiserror::Error)]
pub enum JournalWriteError {
    /// The linked mood entry does not exist (or is not this user's).
    #[error("the linked mood entry does not exist")]
    MoodMissing,
    /// The idempotency key is taken.
    #[error("the idempotency key is taken")]
    KeyTaken,
    /// An update's entry is missing or changed, or the store failed.
    #[error(transparent)]
    Write(#[from] WriteError),
}

impl From<StoreError> for JournalWriteError {
    fn from(error: StoreError) -> Self {
        Self::Write(WriteError::Store(error))
    }
}

impl From<serde_dynamo::Error> for JournalWriteError {
    fn from(error: serde_dynamo::Error) -> Self {
        StoreError::from(error).into()
    }
}

impl From<JournalWriteError> for ApiError {
    fn from(error: JournalWriteError) -> Self {
        match error {
            JournalWriteError::MoodMissing => {
                ApiError::Validation(vec![crate::domain::FieldError::new(
                    "mood_id",
                    "is not one of your mood entries",
                )])
            }
            JournalWriteError::KeyTaken => ApiError::internal("idempotency key taken"),
            JournalWriteError::Write(error) => error.into(),
        }
    }
}

impl CreateFailure for JournalWriteError {
    fn key_taken(&self) -> bool {
        matches!(self, Self::KeyTaken)
    }
}

impl Store {
    /// Stores a new entry with its idempotency record, the check of its linked mood and any
    /// risk its body showed, in one transaction (one round trip).
    pub async fn put_journal(
        &self,
        user: &UserId,
        entry: &JournalEntry,
        idempotent: Option<IdempotentWrite>,
    ) -> Result<(), JournalWriteError> {
        let table = self.table();
        let item = JournalItem::new(user, entry, idempotent.as_ref().map(|w| w.key.clone()));
        let mut transaction = Transaction::new();
        transaction.push(
            "journal",
            put(table, to_item(item)?, Some("attribute_not_exists(PK)"))?,
        );
        if let Some(write) = &idempotent {
            transaction.push(
                IDEMPOTENCY,
                TransactWriteItem::builder().put(write.put(table)?).build(),
            );
        }
        self.check_mood(user, entry, &mut transaction)?;
        self.risk_of(user, entry, &mut transaction)?;
        transaction.push(ACCOUNT, not_erased(table, user)?);
        self.transact_journal(transaction).await
    }

    /// Reads one entry (one round trip).
    pub async fn get_journal(
        &self,
        user: &UserId,
        id: JournalId,
    ) -> Result<Option<JournalEntry>, StoreError> {
        self.get::<JournalItem>((user, id))
            .await?
            .map(JournalItem::into_entry)
            .transpose()
    }

    /// Applies `changes` to the entry if it exists and, when `expected` is given, still has
    /// that version; `safety` is the screen's verdict on a changed body. One read, then one
    /// transaction conditioned on the version read, so a concurrent change is never lost.
    pub async fn update_journal(
        &self,
        user: &UserId,
        id: JournalId,
        changes: &JournalChanges,
        safety: Option<SafetyVerdict>,
        expected: Option<u64>,
        now: Timestamp,
    ) -> Result<JournalEntry, JournalWriteError> {
        let Some(item) = self.get::<JournalItem>((user, id)).await? else {
            return Err(WriteError::NotFound.into());
        };
        let record = item.idempotency_key.clone();
        let current = item.into_entry()?;
        if expected.is_some_and(|v| v != current.version) {
            return Err(WriteError::VersionMismatch.into());
        }
        let entry = changes.apply(&current, safety, now);
        let table = self.table();
        let updated = to_item(JournalItem::new(user, &entry, record))?;
        let mut transaction = Transaction::new();
        let condition = "attribute_exists(PK) AND version = :read";
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(table)
            .set_item(Some(updated))
            .condition_expression(condition)
            .expression_attribute_values(":read", super::n(current.version))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        transaction.push("journal", TransactWriteItem::builder().put(put).build());
        if changes.mood.is_some() {
            self.check_mood(user, &entry, &mut transaction)?;
        }
        // Only a new body is new risk: changing a tag or the mood of an entry screened
        // `crisis` last month must not record a crisis today.
        if changes.body.is_some() {
            self.risk_of(user, &entry, &mut transaction)?;
        }
        match self.transact_journal(transaction).await {
            Err(JournalWriteError::Write(WriteError::Store(StoreError::ConditionFailed))) => {
                Err(WriteError::VersionMismatch.into())
            }
            other => other.map(|()| entry),
        }
    }

    /// Lists entries newest first, one page at a time.
    pub async fn list_journals(
        &self,
        user: &UserId,
        filter: &JournalFilter,
        limit: usize,
        start: Option<Cursor>,
    ) -> Result<Page<JournalEntry>, StoreError> {
        let mut query = PartitionQuery::new(
            keys::user_pk(user),
            keys::journal_sk_range(filter.from, filter.to),
        );
        query.ascending = false;
        let mut conditions = Vec::new();
        if let Some(tag) = &filter.tag {
            conditions.push("contains(tags, :ftag)".to_owned());
            query
                .filter_values
                .insert(":ftag".to_owned(), s(tag.as_str()));
        }
        if let Some(words) = &filter.words {
            query.names.insert("#search".into(), "search".into());
            for (i, word) in words.words().iter().enumerate() {
                conditions.push(format!("contains(#search, :fq{i})"));
                query.filter_values.insert(format!(":fq{i}"), s(word));
            }
        }
        if !conditions.is_empty() {
            query.filter = Some(conditions.join(" AND "));
        }
        let page = self.query_page(&query, limit, start).await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|item: Item| from_item::<JournalItem>(item)?.into_entry())
                .collect::<Result<_, _>>()?,
            next: page.next,
        })
    }

    /// Deletes an entry, if it exists and, when `expected` is given, still has that version.
    pub async fn delete_journal(
        &self,
        user: &UserId,
        id: JournalId,
        expected: Option<u64>,
    ) -> Result<(), WriteError> {
        self.delete_versioned(user, JournalItem::key((user, id)), expected)
            .await
    }

    /// The check that the mood entry `entry` links exists (in the writer's own partition).
    fn check_mood(
        &self,
        user: &UserId,
        entry: &JournalEntry,
        transaction: &mut Transaction,
    ) -> Result<(), StoreError> {
        if let Some(mood) = entry.mood.entry() {
            let check = ConditionCheck::builder()
                .table_name(self.table())
                .set_key(Some(MoodItem::key((user, mood)).item()))
                .condition_expression("attribute_exists(PK) AND entity = :mood")
                .expression_attribute_values(":mood", s(MoodItem::NAME))
                .build()
                .map_err(|e| StoreError::Backend(e.to_string()))?;
            transaction.push(
                "mood",
                TransactWriteItem::builder().condition_check(check).build(),
            );
        }
        Ok(())
    }

    /// The risk state and referral writes of an entry at risk, as a chat message's.
    fn risk_of(
        &self,
        user: &UserId,
        entry: &JournalEntry,
        transaction: &mut Transaction,
    ) -> Result<(), StoreError> {
        let safety = &entry.safety;
        if risk::at_risk(safety.level) {
            transaction.extend(
                "risk",
                self.risk_record(user, safety.level, entry.updated_at, &safety.screen_version)?,
            );
        }
        Ok(())
    }

    async fn transact_journal(&self, transaction: Transaction) -> Result<(), JournalWriteError> {
        match self.transact(transaction).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(c)) if c.failed(ACCOUNT) => {
                Err(StoreError::Erased.into())
            }
            Err(TransactFailure::Cancelled(c)) if c.failed(IDEMPOTENCY) => {
                Err(JournalWriteError::KeyTaken)
            }
            Err(TransactFailure::Cancelled(c)) if c.failed("mood") => {
                Err(JournalWriteError::MoodMissing)
            }
            Err(TransactFailure::Cancelled(c)) if c.failed("journal") => {
                Err(StoreError::ConditionFailed.into())
            }
            Err(failure) => Err(StoreError::from(failure).into()),
        }
    }
}

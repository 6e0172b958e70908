//! Idempotency records: what a create endpoint answered for a given `Idempotency-Key`.
//!
//! A record is written in the same transaction as the entity it created (so "stored" and
//! "remembered" cannot disagree), or, for slow operations such as a chat turn, first as
//! *in flight* and completed once the response is known. Records carry a TTL; DynamoDB deletes
//! expired ones lazily, so expiry is also checked here.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::to_item;

use super::entity::Entity;
use super::erasure::{ACCOUNT, not_erased};
use super::keys::{self, Key};
use super::transact::{TransactFailure, Transaction};
use super::{Item, Store, StoreError, n};
use crate::domain::UserId;

/// The label of an idempotency record in a transaction.
pub const IDEMPOTENCY: &str = "idempotency";

/// How long a key is remembered.
pub const RETENTION: SignedDuration = SignedDuration::from_hours(24);

/// How long an in-flight record belongs to the request that wrote it. Longer than any
/// function's timeout (28 s), so a live request never loses it; once it has passed, the
/// request crashed and a retry with the same key may take the turn over.
pub const LEASE: SignedDuration = SignedDuration::from_secs(60);

/// Where a request with a given key stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// The first request is still being served.
    InFlight,
    /// The first request was answered; its response is stored.
    Completed,
}

/// The response to replay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// The JSON body, as sent.
    pub body: String,
    /// Headers worth replaying (`ETag`, `Location`).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// What is remembered about one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyRecord {
    /// A hash of the method, route and canonical body of the first request.
    pub request_hash: String,
    /// Whether that request is done.
    pub state: RecordState,
    /// Its response, once done.
    pub response: Option<StoredResponse>,
    /// When the record stops counting.
    pub expires_at: Timestamp,
    /// Until when an in-flight request owns the record (epoch milliseconds).
    pub lease_until_ms: Option<i64>,
    /// What the in-flight request already stored (a chat turn: its user message's id).
    pub stored: Option<String>,
    /// The conversation the request belongs to.
    pub conversation: Option<String>,
}

impl IdempotencyRecord {
    /// An in-flight record whose request crashed: its lease has passed at `now`.
    pub fn abandoned_at(&self, now: Timestamp) -> bool {
        self.state == RecordState::InFlight
            && self
                .lease_until_ms
                .is_some_and(|lease| lease < now.as_millisecond())
    }
}

/// An idempotency record as stored.
#[derive(Serialize, Deserialize)]
pub(crate) struct RecordItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    request_hash: String,
    state: RecordState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    response: Option<StoredResponse>,
    created_at: Timestamp,
    /// Epoch seconds: the table's TTL attribute.
    expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    conversation_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lease_until_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stored: Option<String>,
}

impl Entity for RecordItem {
    const NAME: &'static str = "idempotency";
    type KeyInput<'a> = (&'a UserId, &'a str);

    fn key((user, key): Self::KeyInput<'_>) -> Key {
        Key::in_user(user, keys::idempotency_sk(key))
    }
}

/// An idempotency record to write together with an entity.
#[derive(Debug, Clone)]
pub struct IdempotentWrite {
    /// The caller.
    pub user: UserId,
    /// The client's `Idempotency-Key`.
    pub key: String,
    /// The request's hash.
    pub request_hash: String,
    /// The response the entity's creation answers with.
    pub response: Option<StoredResponse>,
    /// The time of the request.
    pub now: Timestamp,
    /// The conversation the request belongs to, if any (so deleting it deletes the record).
    pub conversation: Option<String>,
    /// What an in-flight request stores with the record (a chat turn: its user message's
    /// id), so a retry that takes over a crashed request finds it instead of storing twice.
    pub stored: Option<String>,
}

impl IdempotentWrite {
    fn item(&self) -> Result<Item, StoreError> {
        let expires = self.now.saturating_add(RETENTION).unwrap_or(self.now);
        let Key { pk, sk } = RecordItem::key((&self.user, &self.key));
        Ok(to_item(RecordItem {
            pk,
            sk,
            entity: RecordItem::NAME.to_owned(),
            request_hash: self.request_hash.clone(),
            state: if self.response.is_some() {
                RecordState::Completed
            } else {
                RecordState::InFlight
            },
            response: self.response.clone(),
            created_at: self.now,
            expires_at: expires.as_second(),
            conversation_id: self.conversation.clone(),
            lease_until_ms: self.response.is_none().then(|| {
                self.now
                    .saturating_add(LEASE)
                    .unwrap_or(self.now)
                    .as_millisecond()
            }),
            stored: self.stored.clone(),
        })?)
    }

    /// An unconditional put of this record: completes an in-flight record.
    pub fn overwrite(&self, table: &str) -> Result<Put, StoreError> {
        Put::builder()
            .table_name(table)
            .set_item(Some(self.item()?))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))
    }

    /// The conditional put of this record: it succeeds only if the key is unused or expired.
    pub fn put(&self, table: &str) -> Result<Put, StoreError> {
        Put::builder()
            .table_name(table)
            .set_item(Some(self.item()?))
            .condition_expression("attribute_not_exists(PK) OR expires_at < :now")
            .expression_attribute_values(":now", n(self.now.as_second()))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))
    }
}

impl Store {
    /// Writes `item`, which must not exist yet, for `user` (not erased), with `idempotent`'s
    /// record if given, in one transaction (one round trip; its token makes the SDK's
    /// retries safe). [`StoreError::ConditionFailed`] means the idempotency key is taken:
    /// read the record with [`Store::idempotency_record`] to decide what to answer.
    pub async fn put_new(
        &self,
        user: &UserId,
        item: Item,
        idempotent: Option<IdempotentWrite>,
    ) -> Result<(), StoreError> {
        let entity = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(PK)")
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut transaction = Transaction::new();
        transaction.push("entity", TransactWriteItem::builder().put(entity).build());
        if let Some(idempotent) = idempotent {
            let record = idempotent.put(self.table())?;
            transaction.push(
                IDEMPOTENCY,
                TransactWriteItem::builder().put(record).build(),
            );
        }
        self.transact_creating(user, transaction).await
    }

    /// Runs a transaction that creates something under an idempotency record (labelled
    /// [`IDEMPOTENCY`]): [`StoreError::ConditionFailed`] when that record's key is taken.
    /// It also checks that `user` was not erased ([`StoreError::Erased`] if they were).
    pub async fn transact_creating(
        &self,
        user: &UserId,
        mut transaction: Transaction,
    ) -> Result<(), StoreError> {
        transaction.push(ACCOUNT, not_erased(self.table(), user)?);
        match self.transact(transaction).await {
            Ok(()) => Ok(()),
            Err(TransactFailure::Cancelled(c)) if c.failed(ACCOUNT) => Err(StoreError::Erased),
            Err(TransactFailure::Cancelled(c)) if c.failed(IDEMPOTENCY) => {
                Err(StoreError::ConditionFailed)
            }
            Err(failure) => Err(failure.into()),
        }
    }

    /// Marks `key` as in flight for a request that answers later. `ConditionFailed` means the
    /// key is taken.
    pub async fn begin_idempotent(&self, write: &IdempotentWrite) -> Result<(), StoreError> {
        let put = write.put(self.table())?;
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(put.item))
            .set_condition_expression(put.condition_expression)
            .set_expression_attribute_values(put.expression_attribute_values)
            .send()
            .await
            .map(|_| ())
            .map_err(StoreError::from_sdk)
    }

    /// Forgets an in-flight key whose request failed, so the client can retry with it.
    pub async fn abandon_idempotent(&self, user: &UserId, key: &str) -> Result<(), StoreError> {
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(RecordItem::key((user, key)).item()))
            .condition_expression("#state = :in_flight")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_flight", super::s("in_flight"))
            .send()
            .await
            .map(|_| ())
            .or_else(|e| match StoreError::from_sdk(e) {
                StoreError::ConditionFailed => Ok(()),
                other => Err(other),
            })
    }

    /// Reads the record of `key`, if one exists and has not expired at `now`.
    pub async fn idempotency_record(
        &self,
        user: &UserId,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let Some(record) = self.get::<RecordItem>((user, key)).await? else {
            return Ok(None);
        };
        if record.expires_at < now.as_second() {
            return Ok(None);
        }
        Ok(Some(IdempotencyRecord {
            request_hash: record.request_hash,
            state: record.state,
            response: record.response,
            expires_at: Timestamp::from_second(record.expires_at).unwrap_or(now),
            lease_until_ms: record.lease_until_ms,
            stored: record.stored,
            conversation: record.conversation_id,
        }))
    }

    /// Takes over an in-flight record whose lease has passed, with a new lease from `now`.
    /// `false`: another retry took it first, or its request finished.
    pub async fn take_over(
        &self,
        user: &UserId,
        key: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let lease = now.saturating_add(LEASE).unwrap_or(now).as_millisecond();
        let result = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(RecordItem::key((user, key)).item()))
            .update_expression("SET lease_until_ms = :lease")
            .condition_expression("#state = :in_flight AND lease_until_ms < :now")
            .expression_attribute_names("#state", "state")
            .expression_attribute_values(":in_flight", super::s("in_flight"))
            .expression_attribute_values(":lease", n(lease))
            .expression_attribute_values(":now", n(now.as_millisecond()))
            .send()
            .await;
        super::condition_held(result.map_err(StoreError::from_sdk))
    }
}

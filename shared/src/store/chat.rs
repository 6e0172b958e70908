//! Conversations, messages, the risk state and message quotas (referral counts: [`super::referrals`]).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, TransactWriteItem, WriteRequest};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_dynamo::aws_sdk_dynamodb_1::{from_item, to_item};

use super::entity::Entity;
use super::erasure::{ACCOUNT, not_erased};
use super::idempotency::{IDEMPOTENCY, IdempotentWrite};
use super::keys::{self, Key};
use super::page::{Cursor, Page, PartitionQuery};
use super::transact::{RequestToken, TransactFailure, Transaction, put, update};
use super::{Item, Store, StoreError, n, s};
use crate::domain::chat::{
    ChatMessage, Conversation, CountryCode, MessageKind, Role, expiry, fold_for_search,
};
use crate::domain::risk::{self, Quota, RiskState};
use crate::domain::{ConversationId, MessageId, UserId};
use crate::safety::{LayerVerdict, Level};

#[derive(Serialize, Deserialize)]
struct ConversationItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    #[serde(rename = "GSI1PK")]
    gsi1pk: String,
    #[serde(rename = "GSI1SK")]
    gsi1sk: String,
    id: ConversationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    country: Option<CountryCode>,
    language: String,
    created_at: Timestamp,
    last_message_at: Timestamp,
    message_count: u64,
    disclosed_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    retention_days: Option<u16>,
    /// DynamoDB's TTL: a conversation goes when its last message does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

impl Entity for ConversationItem {
    const NAME: &'static str = "conversation";
    type KeyInput<'a> = (&'a UserId, ConversationId);

    fn key((user, id): Self::KeyInput<'_>) -> Key {
        Key::in_user(user, keys::conversation_sk(id))
    }
}

impl ConversationItem {
    fn new(user: &UserId, c: &Conversation) -> Self {
        let Key { pk, sk } = Self::key((user, c.id));
        Self {
            pk,
            sk,
            entity: Self::NAME.to_owned(),
            gsi1pk: keys::user_pk(user),
            gsi1sk: keys::activity_sk(c.last_message_at, c.id),
            id: c.id,
            title: c.title.clone(),
            country: c.country.clone(),
            language: c.language.clone(),
            created_at: c.created_at,
            last_message_at: c.last_message_at,
            message_count: c.message_count,
            disclosed_at: c.disclosed_at,
            retention_days: c.retention_days,
            expires_at: expiry(c.last_message_at, c.retention_days).map(|t| t.as_second()),
        }
    }

    fn into_domain(self) -> Conversation {
        Conversation {
            id: self.id,
            title: self.title,
            country: self.country,
            language: self.language,
            created_at: self.created_at,
            last_message_at: self.last_message_at,
            message_count: self.message_count,
            disclosed_at: self.disclosed_at,
            retention_days: self.retention_days,
        }
    }
}

#[derive(Serialize, Deserialize)]
struct MessageItem {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "SK")]
    sk: String,
    entity: String,
    id: MessageId,
    conversation_id: ConversationId,
    role: Role,
    kind: MessageKind,
    text: String,
    /// Folded text for case- and accent-insensitive search.
    search: String,
    created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    safety_level: Option<Level>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    screen_version: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    screen: Vec<LayerVerdict>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    responder: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prompt_version: Option<String>,
    /// DynamoDB's TTL, under the conversation's retention.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at: Option<i64>,
}

impl Entity for MessageItem {
    const NAME: &'static str = "message";
    type KeyInput<'a> = (&'a UserId, ConversationId, MessageId);

    fn key((user, conversation, id): Self::KeyInput<'_>) -> Key {
        Key::in_user(user, keys::message_sk(conversation, id))
    }
}

impl MessageItem {
    fn new(user: &UserId, m: &ChatMessage, retention_days: Option<u16>) -> Self {
        let Key { pk, sk } = Self::key((user, m.conversation_id, m.id));
        Self {
            pk,
            sk,
            entity: Self::NAME.to_owned(),
            id: m.id,
            conversation_id: m.conversation_id,
            role: m.role,
            kind: m.kind,
            text: m.text.clone(),
            search: fold_for_search(&m.text),
            created_at: m.created_at,
            safety_level: m.safety_level,
            screen_version: m.screen_version.clone(),
            screen: m.screen.clone(),
            responder: m.responder.clone(),
            prompt_version: m.prompt_version.clone(),
            expires_at: expiry(m.created_at, retention_days).map(|t| t.as_second()),
        }
    }

    fn into_domain(self) -> ChatMessage {
        ChatMessage {
            id: self.id,
            conversation_id: self.conversation_id,
            role: self.role,
            kind: self.kind,
            text: self.text,
            created_at: self.created_at,
            safety_level: self.safety_level,
            screen_version: self.screen_version,
            screen: self.screen,
            responder: self.responder,
            prompt_version: self.prompt_version,
        }
    }
}

/// Whether a TTL of `expires_at` (epoch seconds) has passed at `now`.
fn past(expires_at: Option<i64>, now: Timestamp) -> bool {
    expires_at.is_some_and(|at| at <= now.as_second())
}

/// Leaves out of `query` the items whose retention has ended: DynamoDB's TTL deletes them
/// only within days, and someone who chose to keep 30 days must not see the 31st.
fn hide_expired(query: &mut PartitionQuery, now: Timestamp) {
    let unexpired = "(attribute_not_exists(#expires) OR #expires > :fnow)";
    query
        .names
        .insert("#expires".into(), keys::EXPIRES_AT.into());
    query
        .filter_values
        .insert(":fnow".into(), n(now.as_second()));
    query.filter = Some(match query.filter.take() {
        Some(other) => format!("{other} AND {unexpired}"),
        None => unexpired.to_owned(),
    });
}

/// A conversation that exists and is not being deleted: every write to it checks this, so
/// once a delete has begun nothing more can be added to what it is deleting.
const OPEN_CONVERSATION: &str = "attribute_exists(PK) AND attribute_not_exists(deleting)";

impl Entity for RiskState {
    const NAME: &'static str = "safety";
    type KeyInput<'a> = &'a UserId;

    fn key(user: Self::KeyInput<'_>) -> Key {
        Key::in_user(user, keys::SAFETY_SK.to_owned())
    }
}

/// A user's message count in one hour, kept by DynamoDB's TTL for two hours.
struct QuotaWindow;

impl QuotaWindow {
    /// Counts one message against `quota` in the hour holding `at`; refused (the turn's
    /// transaction cancelled) once the quota is used up.
    fn count(
        table: &str,
        user: &UserId,
        quota: Quota,
        at: Timestamp,
    ) -> Result<TransactWriteItem, StoreError> {
        let field = if quota.risky { "risky_used" } else { "used" };
        update(
            table,
            Self::key((user, at)).item(),
            format!(
                "SET {field} = if_not_exists({field}, :zero) + :one, expires_at = :exp, entity = :entity"
            ),
            Some(&format!(
                "attribute_not_exists({field}) OR {field} < :limit"
            )),
            HashMap::from([
                (":zero".into(), n(0)),
                (":one".into(), n(1)),
                (":exp".into(), n(at.as_second() + 2 * 3600)),
                (":entity".into(), s(Self::NAME)),
                (":limit".into(), n(quota.limit)),
            ]),
        )
    }
}

/// New messages in a conversation: its last activity (and so its place in the activity
/// index) and its count move, and the disclosure's time when one was shown.
struct Activity {
    conversation: ConversationId,
    /// The newest message's time.
    at: Timestamp,
    added: usize,
    disclosed: bool,
    /// The conversation's retention: its own expiry moves with its last message.
    retention_days: Option<u16>,
}

impl Activity {
    /// The update, refused once the conversation is being deleted.
    fn update(&self, table: &str, user: &UserId) -> Result<TransactWriteItem, StoreError> {
        let disclosed = if self.disclosed {
            ", disclosed_at = :at"
        } else {
            ""
        };
        let mut values = HashMap::from([
            (":at".into(), s(self.at.to_string())),
            (
                ":act".into(),
                s(keys::activity_sk(self.at, self.conversation)),
            ),
            (":n".into(), n(self.added)),
        ]);
        // Without a retention an expiry left by an earlier one (a turn that raced the change)
        // goes, so a conversation being kept never vanishes under its messages.
        let expires = match expiry(self.at, self.retention_days) {
            Some(at) => {
                values.insert(":exp".into(), n(at.as_second()));
                ", expires_at = :exp"
            }
            None => "",
        };
        let remove = if self.retention_days.is_none() {
            " REMOVE expires_at"
        } else {
            ""
        };
        update(
            table,
            ConversationItem::key((user, self.conversation)).item(),
            format!(
                "SET last_message_at = :at, GSI1SK = :act{disclosed}{expires} ADD message_count :n{remove}"
            ),
            Some(OPEN_CONVERSATION),
            values,
        )
    }
}

impl Entity for QuotaWindow {
    const NAME: &'static str = "quota";
    /// The user and any instant of the hour.
    type KeyInput<'a> = (&'a UserId, Timestamp);

    fn key((user, at): Self::KeyInput<'_>) -> Key {
        Key::in_user(user, keys::quota_sk(at))
    }
}

/// Everything the first write of a chat turn stores, in one transaction.
#[derive(Debug)]
pub struct UserTurn<'a> {
    /// The caller.
    pub user: &'a UserId,
    /// The user's message (already screened).
    pub message: &'a ChatMessage,
    /// The hourly quota this message counts against.
    pub quota: Option<Quota>,
    /// The in-flight idempotency record, if the client sent a key.
    pub idempotency: Option<&'a IdempotentWrite>,
    /// The conversation's retention.
    pub retention_days: Option<u16>,
}

/// Why the first write of a chat turn did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TurnError {
    /// The conversation does not exist (or was just deleted).
    #[error("no such conversation")]
    ConversationGone,
    /// The hourly message quota is used up.
    #[error("message quota used up")]
    QuotaExceeded,
    /// The idempotency key is taken.
    #[error("idempotency key taken")]
    KeyTaken,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Everything the second write of a chat turn stores.
#[derive(Debug)]
pub struct Reply<'a> {
    /// The caller.
    pub user: &'a UserId,
    /// The conversation.
    pub conversation: ConversationId,
    /// The assistant messages, in order (a disclosure reminder, then the reply).
    pub messages: &'a [ChatMessage],
    /// Whether a disclosure was shown now.
    pub disclosed: bool,
    /// The conversation's retention.
    pub retention_days: Option<u16>,
    /// The idempotency record to complete, with its response.
    pub idempotency: Option<&'a IdempotentWrite>,
    /// The write's token: a retry of the same reply sends the same one, so a first attempt
    /// that landed is not applied twice (`message_count` added twice).
    pub token: &'a RequestToken,
}

/// Filters of a message list.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    /// Written at or after.
    pub from: Option<Timestamp>,
    /// Written at or before.
    pub to: Option<Timestamp>,
    /// Only this role.
    pub role: Option<Role>,
    /// Containing this text (case- and accent-insensitive).
    pub text: Option<String>,
}

impl Store {
    /// Creates a conversation with its opening messages (and idempotency record), in one
    /// transaction. [`StoreError::ConditionFailed`] means the idempotency key is taken.
    pub async fn create_conversation(
        &self,
        user: &UserId,
        conversation: &Conversation,
        opening: &[ChatMessage],
        idempotency: Option<&IdempotentWrite>,
    ) -> Result<(), StoreError> {
        let table = self.table();
        let mut transaction = Transaction::new();
        transaction.push(
            "conversation",
            put(
                table,
                to_item(ConversationItem::new(user, conversation))?,
                Some("attribute_not_exists(PK)"),
            )?,
        );
        for message in opening {
            let item = MessageItem::new(user, message, conversation.retention_days);
            transaction.push("message", put(table, to_item(item)?, None)?);
        }
        if let Some(write) = idempotency {
            transaction.push(
                IDEMPOTENCY,
                TransactWriteItem::builder().put(write.put(table)?).build(),
            );
        }
        self.transact_creating(user, transaction).await
    }

    /// Reads a conversation (one round trip).
    pub async fn get_conversation(
        &self,
        user: &UserId,
        id: ConversationId,
        now: Timestamp,
    ) -> Result<Option<Conversation>, StoreError> {
        Ok(self
            .get::<ConversationItem>((user, id))
            .await?
            .filter(|item| !past(item.expires_at, now))
            .map(ConversationItem::into_domain))
    }

    /// Reads a conversation and its `recent` latest messages, newest first, in one round trip.
    pub async fn conversation_with_recent(
        &self,
        user: &UserId,
        id: ConversationId,
        recent: usize,
        now: Timestamp,
    ) -> Result<Option<(Conversation, Vec<ChatMessage>)>, StoreError> {
        let mut query = PartitionQuery::new(keys::user_pk(user), keys::conversation_range(id));
        query.ascending = false;
        hide_expired(&mut query, now);
        let page = self.query_page(&query, recent + 1, None).await?;
        let mut items = page.items.into_iter();
        let Some(first) = items.next() else {
            return Ok(None);
        };
        if keys::sort_key_of(&first) != Some(keys::conversation_sk(id).as_str()) {
            return Ok(None);
        }
        let conversation = from_item::<ConversationItem>(first)?.into_domain();
        let messages = items
            .map(|item| Ok(from_item::<MessageItem>(item)?.into_domain()))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(Some((conversation, messages)))
    }

    /// Lists conversations, most recently active first.
    pub async fn list_conversations(
        &self,
        user: &UserId,
        limit: usize,
        start: Option<Cursor>,
        now: Timestamp,
    ) -> Result<Page<Conversation>, StoreError> {
        let mut query = PartitionQuery::new(keys::user_pk(user), keys::activity_range());
        query.index = Some(keys::BY_ACTIVITY);
        query.ascending = false;
        hide_expired(&mut query, now);
        let page = self.query_page(&query, limit, start).await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|item| Ok(from_item::<ConversationItem>(item)?.into_domain()))
                .collect::<Result<_, StoreError>>()?,
            next: page.next,
        })
    }

    /// Lists a conversation's messages, oldest first.
    pub async fn list_messages(
        &self,
        user: &UserId,
        conversation: ConversationId,
        filter: &MessageFilter,
        limit: usize,
        start: Option<Cursor>,
        now: Timestamp,
    ) -> Result<Page<ChatMessage>, StoreError> {
        let mut query = PartitionQuery::new(
            keys::user_pk(user),
            keys::message_sk_range(conversation, filter.from, filter.to),
        );
        let mut conditions = Vec::new();
        if let Some(role) = filter.role {
            conditions.push("#role = :frole");
            query.names.insert("#role".into(), "role".into());
            query
                .filter_values
                .insert(":frole".into(), s(role.as_str()));
        }
        if let Some(text) = &filter.text {
            conditions.push("contains(#search, :fq)");
            query.names.insert("#search".into(), "search".into());
            query
                .filter_values
                .insert(":fq".into(), s(fold_for_search(text)));
        }
        if !conditions.is_empty() {
            query.filter = Some(conditions.join(" AND "));
        }
        hide_expired(&mut query, now);
        let page = self.query_page(&query, limit, start).await?;
        Ok(Page {
            items: page
                .items
                .into_iter()
                .map(|item| Ok(from_item::<MessageItem>(item)?.into_domain()))
                .collect::<Result<_, StoreError>>()?,
            next: page.next,
        })
    }

    /// The first write of a chat turn: the user's message, the conversation's activity, the
    /// quota, the idempotency record, and, for risky messages, the risk state and the user's
    /// pending referral (only the user's own items: two users' transactions never meet).
    /// One transaction, one round trip.
    pub async fn record_user_turn(&self, turn: &UserTurn<'_>) -> Result<(), TurnError> {
        let cancellation = match self.transact(self.user_turn_items(turn)?).await {
            Ok(()) => return Ok(()),
            Err(TransactFailure::Cancelled(cancellation)) => cancellation,
            Err(failure) => return Err(TurnError::Store(failure.into())),
        };
        Err(if cancellation.failed(ACCOUNT) {
            TurnError::Store(StoreError::Erased)
        } else if cancellation.failed("conversation") {
            TurnError::ConversationGone
        } else if cancellation.failed(IDEMPOTENCY) {
            TurnError::KeyTaken
        } else if cancellation.failed("quota") {
            TurnError::QuotaExceeded
        } else {
            TurnError::Store(TransactFailure::Cancelled(cancellation).into())
        })
    }

    /// The items of the first write, named.
    fn user_turn_items(&self, turn: &UserTurn<'_>) -> Result<Transaction, StoreError> {
        let table = self.table();
        let message = turn.message;
        let at = message.created_at;
        let mut transaction = Transaction::new();
        transaction.push(
            "message",
            put(
                table,
                to_item(MessageItem::new(turn.user, message, turn.retention_days))?,
                Some("attribute_not_exists(PK)"),
            )?,
        );
        let activity = Activity {
            conversation: message.conversation_id,
            at,
            added: 1,
            disclosed: false,
            retention_days: turn.retention_days,
        };
        transaction.push("conversation", activity.update(table, turn.user)?);
        if let Some(quota) = turn.quota {
            transaction.push("quota", QuotaWindow::count(table, turn.user, quota, at)?);
        }
        if let Some(write) = turn.idempotency {
            transaction.push(
                IDEMPOTENCY,
                TransactWriteItem::builder().put(write.put(table)?).build(),
            );
        }
        transaction.push(ACCOUNT, not_erased(table, turn.user)?);
        let level = message.safety_level.unwrap_or(Level::None);
        if risk::at_risk(level) {
            transaction.extend(
                "risk",
                self.risk_writes(
                    turn.user,
                    level,
                    at,
                    message.screen_version.as_deref(),
                    false,
                )?,
            );
        }
        Ok(transaction)
    }

    /// The risk state and counter updates for a message screened at `level`.
    fn risk_writes(
        &self,
        user: &UserId,
        level: Level,
        at: Timestamp,
        screen_version: Option<&str>,
        withheld: bool,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let table = self.table();
        let field = match level {
            Level::Crisis => "last_crisis_at",
            _ => "last_elevated_at",
        };
        Ok(vec![
            update(
                table,
                RiskState::key(user).item(),
                format!("SET {field} = :at, screen_version = :v, entity = :entity"),
                None,
                HashMap::from([
                    (":at".into(), s(at.to_string())),
                    (":v".into(), s(screen_version.unwrap_or_default())),
                    (":entity".into(), s(RiskState::NAME)),
                ]),
            )?,
            super::referrals::pending_referral_write(table, user, level, at, withheld)?,
        ])
    }

    /// The risk state and referral writes of something else the user wrote (a journal entry,
    /// an exercise's note) screened at `level`: the same items a chat message writes, so the
    /// next conversation opens with a check-in.
    pub fn risk_record(
        &self,
        user: &UserId,
        level: Level,
        at: Timestamp,
        screen_version: &str,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        self.risk_writes(user, level, at, Some(screen_version), false)
    }

    /// Records a risk found after the first write (the judge raised the level, or the model
    /// asked to escalate), in the reply's transaction.
    /// `withheld` also counts a model reply withheld for method or dose content, on the same
    /// update of the user's pending referral.
    pub fn escalation_writes(
        &self,
        user: &UserId,
        level: Level,
        at: Timestamp,
        screen_version: &str,
        withheld: bool,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        self.risk_writes(user, level, at, Some(screen_version), withheld)
    }

    /// Rewrites the user message's verdict once the judge has spoken, in the reply's
    /// transaction (no extra round trip): its final level and every layer's verdict.
    pub fn verdict_update(
        &self,
        user: &UserId,
        message: &ChatMessage,
    ) -> Result<TransactWriteItem, StoreError> {
        let layers = serde_dynamo::aws_sdk_dynamodb_1::to_attribute_value(&message.screen)
            .map_err(|e| StoreError::Backend(format!("cannot encode the verdicts: {e}")))?;
        let level = message.safety_level.unwrap_or(Level::None);
        update(
            self.table(),
            MessageItem::key((user, message.conversation_id, message.id)).item(),
            "SET safety_level = :level, screen = :screen".into(),
            Some("attribute_exists(PK)"),
            HashMap::from([
                (":level".into(), s(level.as_str())),
                (":screen".into(), layers),
            ]),
        )
    }

    /// The second write of a chat turn: the reply, the conversation's activity and the
    /// completed idempotency record (plus any `extra` writes). One round trip.
    pub async fn record_reply(
        &self,
        reply: &Reply<'_>,
        extra: Vec<TransactWriteItem>,
    ) -> Result<(), StoreError> {
        let table = self.table();
        let Some(last) = reply.messages.last() else {
            return Ok(());
        };
        let mut transaction = Transaction::new();
        for message in reply.messages {
            let item = MessageItem::new(reply.user, message, reply.retention_days);
            transaction.push("reply", put(table, to_item(item)?, None)?);
        }
        let activity = Activity {
            conversation: reply.conversation,
            at: last.created_at,
            added: reply.messages.len(),
            disclosed: reply.disclosed,
            retention_days: reply.retention_days,
        };
        transaction.push("conversation", activity.update(table, reply.user)?);
        if let Some(write) = reply.idempotency {
            transaction.push(
                IDEMPOTENCY,
                TransactWriteItem::builder()
                    .put(write.overwrite(table)?)
                    .build(),
            );
        }
        transaction.extend("after-screen", extra);
        Ok(self.transact_as(transaction, reply.token).await?)
    }

    /// Marks the conversation as being deleted (one round trip); `false` if it does not
    /// exist. Its turns' writes fail from then on, as if it were gone.
    pub async fn begin_deleting_conversation(
        &self,
        user: &UserId,
        id: ConversationId,
    ) -> Result<bool, StoreError> {
        let marked = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(ConversationItem::key((user, id)).item()))
            .update_expression("SET deleting = :yes")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .send()
            .await;
        super::condition_held(marked.map_err(StoreError::from_sdk))
    }

    /// Deletes a conversation, every message in it and the idempotency records that created
    /// them, whatever runs concurrently: it is first marked, so no turn can add to it while
    /// it is read and deleted. Returns false if there was no such conversation.
    pub async fn delete_conversation(
        &self,
        user: &UserId,
        id: ConversationId,
    ) -> Result<bool, StoreError> {
        if !self.begin_deleting_conversation(user, id).await? {
            return Ok(false);
        }
        // From here no write can add to the conversation, and every write that landed before
        // is visible to this (strongly consistent) read.
        let pk = keys::user_pk(user);
        let mut query = PartitionQuery::new(pk.clone(), keys::conversation_range(id));
        query.projection = Some("PK, SK".into());
        let mut keys_found = self.query_all(&query, usize::MAX).await?;
        let mut records = PartitionQuery::new(pk, keys::idempotency_range());
        records.projection = Some("PK, SK".into());
        records.filter = Some("conversation_id = :fconv".into());
        records
            .filter_values
            .insert(":fconv".into(), s(id.to_string()));
        keys_found.extend(self.query_all(&records, usize::MAX).await?);
        // Messages first, the conversation last: an interrupted delete leaves a conversation
        // that a retried DELETE finishes, never orphaned messages.
        let meta = keys::conversation_sk(id);
        keys_found.sort_by_key(|k| keys::sort_key_of(k) == Some(meta.as_str()));
        for chunk in keys_found.chunks(25) {
            self.batch_delete(chunk.to_vec()).await?;
        }
        Ok(true)
    }

    /// Deletes `keys_to_delete` (at most 25) with one `BatchWriteItem`, retrying what
    /// DynamoDB leaves unprocessed with backoff.
    pub(crate) async fn batch_delete(&self, keys_to_delete: Vec<Item>) -> Result<(), StoreError> {
        let mut requests: Vec<WriteRequest> = keys_to_delete
            .into_iter()
            .map(|key| {
                DeleteRequest::builder()
                    .set_key(Some(key))
                    .build()
                    .map(|d| WriteRequest::builder().delete_request(d).build())
                    .map_err(|e| StoreError::Backend(e.to_string()))
            })
            .collect::<Result<_, _>>()?;
        for attempt in 0..6 {
            if requests.is_empty() {
                return Ok(());
            }
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(50 << attempt)).await;
            }
            let out = self
                .client()
                .batch_write_item()
                .request_items(self.table(), requests)
                .send()
                .await
                .map_err(StoreError::from_sdk)?;
            requests = out
                .unprocessed_items
                .and_then(|mut m| m.remove(self.table()))
                .unwrap_or_default();
        }
        if requests.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Throttled("unprocessed deletes".into()))
        }
    }

    /// The user's risk state (one round trip).
    pub async fn risk_state(&self, user: &UserId) -> Result<RiskState, StoreError> {
        Ok(self.get::<RiskState>(user).await?.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;
    use crate::domain::chat::MessageText;
    use crate::safety::Screen;

    fn store() -> Store {
        let sdk = aws_types::SdkConfig::builder()
            .region(aws_types::region::Region::new("us-east-1"))
            .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
            .build();
        Store::new(&sdk, "table")
    }

    fn partition(item: &TransactWriteItem) -> String {
        let key = item
            .put()
            .map(|p| p.item())
            .or_else(|| item.update().map(|u| u.key()))
            .or_else(|| item.delete().map(|d| d.key()))
            .or_else(|| item.condition_check().map(|c| c.key()))
            .expect("a keyed item");
        match key.get("PK") {
            Some(AttributeValue::S(pk)) => pk.clone(),
            other => panic!("no string PK: {other:?}"),
        }
    }

    #[test]
    fn a_risky_turn_and_its_escalation_write_only_the_users_own_items() {
        let store = store();
        let user = UserId::parse("user-a").unwrap();
        let text = MessageText::parse("text", "I'm going to kill myself tonight").unwrap();
        let screening = Screen::rules_only().screen(text.as_str());
        assert_eq!(screening.level, Level::Crisis);
        let now = Timestamp::now();
        let message = ChatMessage::user(ConversationId::new_at(now), &text, now, &screening);
        let turn = UserTurn {
            user: &user,
            message: &message,
            quota: None,
            idempotency: None,
            retention_days: None,
        };
        let first = store.user_turn_items(&turn).unwrap();
        let escalation = store
            .escalation_writes(&user, Level::Crisis, now, "v", true)
            .unwrap();
        // The user's own partition, and the check of their own erasure tombstone.
        let own = [
            keys::user_pk(&user),
            format!("ERASED#{}", keys::user_digest(&user)),
        ];
        for item in first.items().iter().chain(&escalation) {
            assert!(
                own.contains(&partition(item)),
                "an item shared by all users would make their transactions cancel each other"
            );
        }
    }
}

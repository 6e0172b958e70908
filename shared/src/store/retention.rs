//! A user's chat-history retention applied to what is already stored: every conversation
//! takes the new choice, every message the expiry it implies (DynamoDB's TTL), and what is
//! already past it is deleted now.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::Timestamp;
use tokio::task::JoinSet;

use super::keys::{self, EXPIRES_AT};
use super::page::PartitionQuery;
use super::{Item, Store, StoreError, joined, n};
use crate::domain::UserId;
use crate::domain::chat::expiry;

/// Updates in flight at once: enough to hide round trips, few enough not to throttle.
const IN_FLIGHT: usize = 16;

/// What a retention sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionSweep {
    /// Conversations and messages now carrying the new expiry (or none).
    pub updated: usize,
    /// Conversations and messages deleted because they were already past it.
    pub deleted: usize,
    /// Whether every item was reached before `stop_at`; if not, run it again: what is done
    /// is not done twice.
    pub complete: bool,
}

/// One stored conversation or message, as the sweep needs it.
struct Written {
    key: Item,
    /// The conversation item (not a message).
    conversation: bool,
    /// When it was written (a conversation: its last message).
    at: Timestamp,
    /// Its expiry now (epoch seconds), if any.
    expires_at: Option<i64>,
    /// A conversation's retention now, if any.
    retention_days: Option<u16>,
}

impl Written {
    fn read(item: Item) -> Option<Self> {
        let sk = keys::sort_key_of(&item)?.to_owned();
        let conversation = sk.ends_with("#META");
        let field = if conversation {
            "last_message_at"
        } else {
            "created_at"
        };
        let at = match item.get(field) {
            Some(AttributeValue::S(raw)) => raw.parse().ok()?,
            _ => return None,
        };
        let expires_at = match item.get(EXPIRES_AT) {
            Some(AttributeValue::N(raw)) => raw.parse().ok(),
            _ => None,
        };
        let retention_days = match item.get("retention_days") {
            Some(AttributeValue::N(raw)) => raw.parse().ok(),
            _ => None,
        };
        let key = keys::primary_key(keys::user_pk_of(&item)?, sk);
        Some(Self {
            key,
            conversation,
            at,
            expires_at,
            retention_days,
        })
    }

    /// Whether it already carries what a retention of `days` asks.
    fn settled(&self, days: Option<u16>, expires: Option<Timestamp>) -> bool {
        self.expires_at == expires.map(|t| t.as_second())
            && (!self.conversation || self.retention_days == days)
    }
}

impl Store {
    /// Applies a retention of `days` (`None`: keep everything) to every conversation and
    /// message of `user` at `now`: what is already past it is deleted first, then every
    /// other item gets its expiry. Items already carrying the right expiry are skipped, so a
    /// sweep stopped at `stop_at` (see [`RetentionSweep::complete`]) is finished by running
    /// it again.
    pub async fn apply_chat_retention(
        &self,
        user: &UserId,
        days: Option<u16>,
        now: Timestamp,
        stop_at: std::time::Instant,
    ) -> Result<RetentionSweep, StoreError> {
        let mut query = PartitionQuery::new(keys::user_pk(user), keys::conversations_range());
        query.projection =
            Some("PK, SK, created_at, last_message_at, retention_days, #expires".into());
        query.names.insert("#expires".into(), EXPIRES_AT.into());
        let written: Vec<Written> = self
            .query_all(&query, usize::MAX)
            .await?
            .into_iter()
            .filter_map(Written::read)
            .collect();
        let mut sweep = RetentionSweep::default();
        let (gone, kept): (Vec<Written>, Vec<Written>) = written
            .into_iter()
            .partition(|item| expiry(item.at, days).is_some_and(|at| at <= now));
        sweep.deleted = gone.len();
        for chunk in gone.chunks(25) {
            self.batch_delete(chunk.iter().map(|w| w.key.clone()).collect())
                .await?;
        }
        let mut tasks = JoinSet::new();
        let mut stopped = false;
        for item in kept {
            let expires = expiry(item.at, days);
            if item.settled(days, expires) {
                continue;
            }
            if std::time::Instant::now() >= stop_at {
                stopped = true;
                break;
            }
            while tasks.len() >= IN_FLIGHT {
                sweep.updated += joined(tasks.join_next().await)?;
            }
            let store = self.clone();
            tasks.spawn(async move { store.set_expiry(item, days, expires).await });
        }
        while let Some(done) = tasks.join_next().await {
            sweep.updated += joined(Some(done))?;
        }
        sweep.complete = !stopped;
        Ok(sweep)
    }

    /// Sets (or removes) one item's expiry, and a conversation's retention; 0 if the item
    /// went meanwhile (it is not recreated).
    async fn set_expiry(
        &self,
        item: Written,
        days: Option<u16>,
        expires: Option<Timestamp>,
    ) -> Result<usize, StoreError> {
        let mut values: HashMap<String, AttributeValue> = HashMap::new();
        let expression = match (expires, days) {
            (Some(at), Some(days)) => {
                values.insert(":exp".into(), n(at.as_second()));
                if item.conversation {
                    values.insert(":days".into(), n(days));
                    format!("SET {EXPIRES_AT} = :exp, retention_days = :days")
                } else {
                    format!("SET {EXPIRES_AT} = :exp")
                }
            }
            _ if item.conversation => format!("REMOVE {EXPIRES_AT}, retention_days"),
            _ => format!("REMOVE {EXPIRES_AT}"),
        };
        let updated = self
            .client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(item.key))
            .update_expression(expression)
            .condition_expression("attribute_exists(PK)")
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .send()
            .await;
        super::condition_held(updated.map_err(StoreError::from_sdk)).map(usize::from)
    }
}

//! Erasing a user: a tombstone that every write creating something checks, then every item
//! of their partition deleted, page by page, so a partition too large for one invocation is
//! finished by the next.
//!
//! Access tokens issued before the erasure stay valid until they expire (API Gateway checks
//! only their signature and lifetime). The tombstone is what makes them useless: each write
//! that can create an item in the user's partition carries a `ConditionCheck` that it does
//! not exist, in the same transaction, so nothing written with an old token survives.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, TransactWriteItem};
use jiff::{SignedDuration, Timestamp};
use tokio::task::JoinSet;

use super::keys::{self, ENTITY, EXPIRES_AT, Key};
use super::page::PartitionQuery;
use super::{Item, Store, StoreError, joined, n, s};
use crate::domain::UserId;

/// The label of the tombstone's check in a transaction.
pub const ACCOUNT: &str = "account";

/// How long the tombstone outlives the erasure: longer than any access token can live
/// (Cognito allows at most a day; ours live an hour).
pub const TOMBSTONE_LIFETIME: SignedDuration = SignedDuration::from_hours(25);

/// Batches of 25 deletes in flight at once.
const IN_FLIGHT: usize = 4;

/// The tombstone's key: outside the user's partition (which must end up empty), named by a
/// digest of the user id rather than the id.
fn tombstone_key(user: &UserId) -> Key {
    Key::raw(
        &format!("ERASED#{}", keys::user_digest(user)),
        "ERASED".to_owned(),
    )
}

/// The check every creating write carries: the user has not been erased.
pub fn not_erased(table: &str, user: &UserId) -> Result<TransactWriteItem, StoreError> {
    let check = ConditionCheck::builder()
        .table_name(table)
        .set_key(Some(tombstone_key(user).item()))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// What one pass of an erasure deleted, by kind of item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    /// Items deleted per `entity` name.
    pub by_kind: BTreeMap<String, u64>,
    /// Whether the partition may still hold items (the page was full).
    pub more: bool,
}

impl Erased {
    /// Adds another pass's counts.
    pub fn add(&mut self, other: Erased) {
        for (kind, count) in other.by_kind {
            *self.by_kind.entry(kind).or_default() += count;
        }
        self.more = other.more;
    }

    /// Items deleted in all.
    pub fn total(&self) -> u64 {
        self.by_kind.values().sum()
    }
}

impl Store {
    /// Writes the tombstone (again, if an earlier erasure was cut short): from now on no
    /// write can create anything for `user`.
    pub async fn mark_erased(&self, user: &UserId, now: Timestamp) -> Result<(), StoreError> {
        let Key { pk, sk } = tombstone_key(user);
        let expires = now + TOMBSTONE_LIFETIME;
        self.client()
            .put_item()
            .table_name(self.table())
            .item(keys::PK, s(pk))
            .item(keys::SK, s(sk))
            .item(ENTITY, s("tombstone"))
            .item(EXPIRES_AT, n(expires.as_second()))
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(())
    }

    /// Whether `user` was erased (within the tombstone's lifetime).
    pub async fn is_erased(&self, user: &UserId) -> Result<bool, StoreError> {
        self.exists(tombstone_key(user)).await
    }

    /// Deletes one page (up to 1 MB of keys) of `user`'s partition, strongly consistent, so
    /// every write acknowledged before is seen. Call it until `more` is false.
    pub async fn erase_page(&self, user: &UserId) -> Result<Erased, StoreError> {
        let mut query = PartitionQuery::new(keys::user_pk(user), ("!".into(), "~".into()));
        query.projection = Some("PK, SK, #entity".into());
        query.names.insert("#entity".into(), ENTITY.into());
        let (items, next) = self.raw_page(&query, None).await?;
        let mut erased = Erased {
            more: next.is_some(),
            ..Erased::default()
        };
        let mut batches: Vec<Vec<Item>> = Vec::new();
        for item in items {
            let kind = match item.get(ENTITY) {
                Some(AttributeValue::S(kind)) => kind.clone(),
                _ => "other".to_owned(),
            };
            *erased.by_kind.entry(kind).or_default() += 1;
            let key: Item = [keys::PK, keys::SK]
                .into_iter()
                .filter_map(|name| Some((name.to_owned(), item.get(name)?.clone())))
                .collect();
            match batches.last_mut() {
                Some(batch) if batch.len() < 25 => batch.push(key),
                _ => batches.push(vec![key]),
            }
        }
        let mut tasks = JoinSet::new();
        for batch in batches {
            while tasks.len() >= IN_FLIGHT {
                joined(tasks.join_next().await)?;
            }
            let store = self.clone();
            tasks.spawn(async move { store.batch_delete(batch).await });
        }
        while let Some(done) = tasks.join_next().await {
            joined(Some(done))?;
        }
        Ok(erased)
    }
}

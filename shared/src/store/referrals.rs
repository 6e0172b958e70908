//! Anonymous crisis-referral counts, kept without ever putting an item shared by all users
//! inside a user's transaction.
//!
//! A risky message adds to the user's own *pending* item for the day, in the message's
//! transaction (so it is stored exactly when the message is, and two users never touch the
//! same item). Right after, [`Store::count_referrals`] moves the user's pending counts into one
//! of [`keys::REFERRAL_SHARDS`] anonymous shards and deletes the pending item, in one small
//! transaction of its own. If that fails, nothing is lost: the pending item stays, is listed
//! on an index, counted by [`Store::referrals_on`], and moved by the user's next risky
//! message or by [`Store::count_pending_referrals`].

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};
use jiff::Timestamp;
use serde::Deserialize;

use super::entity::Entity;
use super::keys::{self, Key};
use super::page::PartitionQuery;
use super::transact::{TransactFailure, Transaction, update};
use super::{Item, Store, StoreError, n, s};
use crate::domain::UserId;
use crate::safety::Level;

/// One day's referral counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub struct Referrals {
    /// Messages screened `crisis`.
    #[serde(default)]
    pub crisis: u64,
    /// Messages screened `elevated`.
    #[serde(default)]
    pub elevated: u64,
    /// Model replies withheld for method or dose content.
    #[serde(default)]
    pub replies_withheld: u64,
}

impl Referrals {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    fn add(&mut self, other: Self) {
        self.crisis += other.crisis;
        self.elevated += other.elevated;
        self.replies_withheld += other.replies_withheld;
    }

    /// The fields and values, for expressions.
    fn fields(&self) -> [(&'static str, u64); 3] {
        [
            ("crisis", self.crisis),
            ("elevated", self.elevated),
            ("replies_withheld", self.replies_withheld),
        ]
    }
}

/// A pending item as stored: its counts and the day they belong to.
#[derive(Debug, Deserialize)]
struct Pending {
    #[serde(rename = "PK")]
    pk: String,
    #[serde(rename = "GSI1SK")]
    day: String,
    #[serde(default)]
    crisis: u64,
    #[serde(default)]
    elevated: u64,
    #[serde(default)]
    replies_withheld: u64,
}

impl Entity for Pending {
    const NAME: &'static str = "pending_referral";
    /// The partition as read back from the index (which gives partitions, not users), and
    /// the day.
    type KeyInput<'a> = (&'a str, &'a str);

    fn key((pk, day): Self::KeyInput<'_>) -> Key {
        Key::raw(pk, keys::pending_referral_sk(day))
    }
}

/// One shard of a day's anonymous referral counter (no user id, no text).
struct ReferralShard;

impl Entity for ReferralShard {
    const NAME: &'static str = "counter";
    /// The day and the shard.
    type KeyInput<'a> = (&'a str, u8);

    fn key((day, shard): Self::KeyInput<'_>) -> Key {
        Key::raw(keys::REFERRALS_PK, keys::referral_shard_sk(day, shard))
    }
}

impl Pending {
    fn counts(&self) -> Referrals {
        Referrals {
            crisis: self.crisis,
            elevated: self.elevated,
            replies_withheld: self.replies_withheld,
        }
    }
}

/// How often a pending item that keeps changing under us is read again before giving up.
const ATTEMPTS: usize = 3;

/// The write that records a referral at `level` in the user's own pending item, for the
/// message's transaction. `withheld` also counts a withheld model reply.
pub(crate) fn pending_referral_write(
    table: &str,
    user: &UserId,
    level: Level,
    at: Timestamp,
    withheld: bool,
) -> Result<TransactWriteItem, StoreError> {
    let counter = if level == Level::Crisis {
        "crisis"
    } else {
        "elevated"
    };
    let withheld = if withheld {
        ", replies_withheld :one"
    } else {
        ""
    };
    let day = keys::utc_day(at);
    update(
        table,
        Pending::key((&keys::user_pk(user), &day)).item(),
        format!("SET entity = :entity, GSI1PK = :gpk, GSI1SK = :day ADD {counter} :one{withheld}"),
        None,
        HashMap::from([
            (":one".into(), n(1)),
            (":entity".into(), s(Pending::NAME)),
            (":gpk".into(), s(keys::PENDING_REFERRALS_GSI_PK)),
            (":day".into(), s(day)),
        ]),
    )
}

impl Store {
    /// Moves the user's pending referral counts (every day of them) into the anonymous
    /// counters. Two round trips when one day is pending; a failure leaves them pending.
    pub async fn count_referrals(&self, user: &UserId) -> Result<(), StoreError> {
        let pk = keys::user_pk(user);
        let range = (
            keys::pending_referral_sk(""),
            keys::pending_referral_sk("~"),
        );
        let items = self
            .query_all(&PartitionQuery::new(pk, range), 1_000)
            .await?;
        for item in items {
            self.count_pending(item).await?;
        }
        Ok(())
    }

    /// After something the user wrote was stored at `level`: when it is at risk, moves the
    /// referral its write left pending into the anonymous counters. A failure is logged and
    /// leaves it pending, to be counted later; the person's answer never waits on a retry.
    pub async fn count_referrals_after(&self, user: &UserId, level: crate::safety::Level) {
        if crate::domain::risk::at_risk(level)
            && let Err(error) = self.count_referrals(user).await
        {
            tracing::warn!(error = %error, "the referral stays pending");
        }
    }

    /// Moves every user's pending referral counts into the anonymous counters (a sweep for
    /// counts whose move failed); returns how many pending items it moved.
    pub async fn count_pending_referrals(&self) -> Result<usize, StoreError> {
        let items = self.pending_items(("0".to_owned(), "~".to_owned())).await?;
        let moved = items.len();
        for item in items {
            self.count_pending(item).await?;
        }
        Ok(moved)
    }

    /// The referral counts of the UTC day holding `at`: the anonymous shards plus what is
    /// still pending.
    ///
    /// A move is one transaction: a shard's `ADD` and the pending item's delete. Read shards
    /// first and pending second, and a move landing between the two reads would be counted
    /// nowhere. So the pending items are read before the shards and again after them. When
    /// both reads agree, no move landed in between, and each referral counts once. When they
    /// differ, everything is read again. If the reads still differ after the last attempt, the
    /// first pending read is used with the shards: a count that moved meanwhile then appears
    /// twice, but none is ever missing. (The index is eventually consistent in DynamoDB, so a
    /// count moved a moment ago may also briefly appear twice.)
    pub async fn referrals_on(&self, at: Timestamp) -> Result<Referrals, StoreError> {
        let day = keys::utc_day(at);
        let days = || (day.clone(), day.clone());
        let mut pending = self.pending_items(days()).await?;
        let mut attempt = 1;
        loop {
            let shards = self
                .query_all(
                    &PartitionQuery::new(
                        keys::REFERRALS_PK.to_owned(),
                        keys::referral_day_range(at),
                    ),
                    usize::from(keys::REFERRAL_SHARDS) + 1,
                )
                .await?;
            let again = self.pending_items(days()).await?;
            if attempt == ATTEMPTS || same_items(&pending, &again) {
                return total(shards.into_iter().chain(pending));
            }
            pending = again;
            attempt += 1;
        }
    }

    /// Pending items of the days in `days` (inclusive), from the index.
    async fn pending_items(&self, days: (String, String)) -> Result<Vec<Item>, StoreError> {
        let mut query = PartitionQuery::new(keys::PENDING_REFERRALS_GSI_PK.to_owned(), days);
        query.index = Some(keys::BY_ACTIVITY);
        self.query_all(&query, 100_000).await
    }

    /// Moves one pending item into a random shard: the shard's `ADD` and the pending item's
    /// delete, conditional on its counts being those read, in one transaction. When the
    /// user's own next message changed it meanwhile, it is read again.
    async fn count_pending(&self, item: Item) -> Result<(), StoreError> {
        let mut pending: Pending = serde_dynamo::aws_sdk_dynamodb_1::from_item(item)?;
        for _ in 0..ATTEMPTS {
            if pending.counts().is_empty() {
                return Ok(());
            }
            match self.transact(self.move_items(&pending)?).await {
                Ok(()) => return Ok(()),
                Err(TransactFailure::Store(error)) => return Err(error),
                Err(TransactFailure::Cancelled(_)) => {}
            }
            let fresh = self.get::<Pending>((&pending.pk, &pending.day)).await?;
            match fresh {
                Some(fresh) => pending = fresh,
                None => return Ok(()),
            }
        }
        Err(StoreError::Throttled(
            "the pending referral kept changing".into(),
        ))
    }

    fn move_items(&self, pending: &Pending) -> Result<Transaction, StoreError> {
        let fields = pending.counts().fields();
        let mut values: HashMap<String, _> = fields
            .iter()
            .map(|(field, value)| (format!(":{field}"), n(value)))
            .collect();
        let adds = fields
            .iter()
            .map(|(field, _)| format!("{field} :{field}"))
            .collect::<Vec<_>>()
            .join(", ");
        let shard = update(
            self.table(),
            ReferralShard::key((&pending.day, random_shard())).item(),
            format!("SET entity = :entity ADD {adds}"),
            None,
            HashMap::from_iter(
                values
                    .clone()
                    .into_iter()
                    .chain([(":entity".to_owned(), s(ReferralShard::NAME))]),
            ),
        )?;
        // Deleted only if nothing was added since it was read.
        let condition = fields
            .iter()
            .map(|(field, value)| {
                if *value == 0 {
                    format!("attribute_not_exists({field})")
                } else {
                    format!("{field} = :{field}")
                }
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        values.retain(|name, _| condition.contains(name.as_str()));
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(Pending::key((&pending.pk, &pending.day)).item()))
            .condition_expression(condition)
            .set_expression_attribute_values((!values.is_empty()).then_some(values))
            .build()
            .map_err(|e| StoreError::Backend(e.to_string()))?;
        let mut transaction = Transaction::new();
        transaction.push("shard", shard).push(
            "pending",
            TransactWriteItem::builder().delete(delete).build(),
        );
        Ok(transaction)
    }
}

fn random_shard() -> u8 {
    let mut byte = [0u8; 1];
    // A failed draw leaves shard 0: still correct, only less spread.
    let _ = aws_lc_rs::rand::fill(&mut byte);
    byte[0] % keys::REFERRAL_SHARDS
}

/// The sum of the counts in `items`.
fn total(items: impl Iterator<Item = Item>) -> Result<Referrals, StoreError> {
    let mut total = Referrals::default();
    for item in items {
        total.add(serde_dynamo::aws_sdk_dynamodb_1::from_item::<Referrals>(
            item,
        )?);
    }
    Ok(total)
}

/// Whether two reads of pending items hold the same items with the same counts, in any order.
fn same_items(a: &[Item], b: &[Item]) -> bool {
    a.len() == b.len() && a.iter().all(|item| b.contains(item))
}

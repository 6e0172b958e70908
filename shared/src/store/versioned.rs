//! Writes to entries that carry a version (their `ETag`): a conditional delete that also
//! forgets the idempotency record that created the entry, and the one read that tells a
//! missing entry from a changed one when a condition fails.

use aws_sdk_dynamodb::types::ReturnValue;

use super::entity::Entity;
use super::idempotency::RecordItem;
use super::keys::Key;
use super::{Store, StoreError, n};
use crate::domain::UserId;

/// Why an update or delete of a versioned entry did not happen.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// No such entry for this user.
    #[error("no such entry")]
    NotFound,
    /// The entry's version is not the one the client expected.
    #[error("the entry has changed")]
    VersionMismatch,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Store {
    /// Deletes the entry at `key` (one round trip) if it exists and, when `expected` is
    /// given, still has that version; then the idempotency record that created it, whose
    /// stored response holds the entry's content.
    pub(crate) async fn delete_versioned(
        &self,
        user: &UserId,
        key: Key,
        expected: Option<u64>,
    ) -> Result<(), WriteError> {
        let mut request = self
            .client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key.item()))
            .condition_expression(match expected {
                Some(_) => "attribute_exists(PK) AND version = :expected",
                None => "attribute_exists(PK)",
            });
        if let Some(version) = expected {
            request = request.expression_attribute_values(":expected", n(version));
        }
        let old = match request.return_values(ReturnValue::AllOld).send().await {
            Ok(out) => out.attributes,
            Err(error) => return Err(self.explain_failed_write(key, error).await),
        };
        // If this fails the entry is still gone, and the record expires within a day.
        let record = old
            .as_ref()
            .and_then(|item| item.get("idempotency_key"))
            .and_then(|v| v.as_s().ok());
        if let Some(record) = record {
            let forgotten = self
                .client()
                .delete_item()
                .table_name(self.table())
                .set_key(Some(RecordItem::key((user, record)).item()))
                .send()
                .await;
            if forgotten.is_err() {
                tracing::error!("a deleted entry's idempotency record could not be deleted");
            }
        }
        Ok(())
    }

    /// A failed conditional write means "missing" or "changed"; one read of `key` tells
    /// which. It happens only on the failure path, so successful writes stay at one round
    /// trip.
    pub(crate) async fn explain_failed_write<E, R>(
        &self,
        key: Key,
        error: aws_sdk_dynamodb::error::SdkError<E, R>,
    ) -> WriteError
    where
        E: aws_sdk_dynamodb::error::ProvideErrorMetadata
            + std::error::Error
            + Send
            + Sync
            + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        match StoreError::from_sdk(error) {
            StoreError::ConditionFailed => match self.exists(key).await {
                Ok(true) => WriteError::VersionMismatch,
                Ok(false) => WriteError::NotFound,
                Err(error) => WriteError::Store(error),
            },
            other => WriteError::Store(other),
        }
    }

    /// Whether an item is stored at `key` (strongly consistent, keys only).
    pub(crate) async fn exists(&self, key: Key) -> Result<bool, StoreError> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key.item()))
            .projection_expression("PK")
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(out.item.is_some())
    }
}

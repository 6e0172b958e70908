//! Transactions with named items: a cancellation says *which* item's condition failed by its
//! label ("idempotency", "quota", "conversation"…), never by its position in a list, and
//! every transaction carries a request token so the SDK's retries are idempotent.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use jiff::Timestamp;

use super::{Item, Store, StoreError};

/// The items of one transaction, each with a label naming its role.
#[derive(Debug, Default, Clone)]
pub struct Transaction {
    items: Vec<TransactWriteItem>,
    labels: Vec<&'static str>,
}

impl Transaction {
    /// An empty transaction.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `item`, named `label`.
    pub fn push(&mut self, label: &'static str, item: TransactWriteItem) -> &mut Self {
        self.items.push(item);
        self.labels.push(label);
        self
    }

    /// Adds every item of `items`, all named `label`.
    pub fn extend(
        &mut self,
        label: &'static str,
        items: impl IntoIterator<Item = TransactWriteItem>,
    ) -> &mut Self {
        for item in items {
            self.push(label, item);
        }
        self
    }

    /// The items, in order (for checks of what a transaction would write).
    pub fn items(&self) -> &[TransactWriteItem] {
        &self.items
    }
}

/// Why DynamoDB cancelled a transaction: a reason per labelled item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    reasons: Vec<(&'static str, String)>,
}

impl Cancellation {
    /// Whether the condition of an item named `label` failed.
    pub fn failed(&self, label: &str) -> bool {
        self.reasons
            .iter()
            .any(|(l, code)| *l == label && code == "ConditionalCheckFailed")
    }

    /// Whether another transaction touched one of its items at the same time (worth a retry).
    pub fn conflicted(&self) -> bool {
        self.reasons
            .iter()
            .any(|(_, code)| code == "TransactionConflict" || code == "ThrottlingError")
    }
}

impl std::fmt::Display for Cancellation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let failed: Vec<String> = self
            .reasons
            .iter()
            .filter(|(_, code)| code != "None")
            .map(|(label, code)| format!("{label}: {code}"))
            .collect();
        write!(f, "transaction cancelled ({})", failed.join(", "))
    }
}

/// A transaction failed: cancelled (see which item), or the call itself failed.
#[derive(Debug)]
pub enum TransactFailure {
    /// Cancelled by DynamoDB.
    Cancelled(Cancellation),
    /// Any other failure.
    Store(StoreError),
}

impl From<TransactFailure> for StoreError {
    fn from(failure: TransactFailure) -> Self {
        match failure {
            TransactFailure::Cancelled(c) if c.conflicted() => {
                crate::metrics::dynamodb_throttle();
                Self::Throttled(c.to_string())
            }
            TransactFailure::Cancelled(c) => Self::Backend(c.to_string()),
            TransactFailure::Store(error) => error,
        }
    }
}

/// A transaction's idempotency token (DynamoDB remembers it for ten minutes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestToken(String);

impl RequestToken {
    /// A fresh random token.
    pub fn new() -> Self {
        let mut bytes = [0u8; 16];
        // On a failed draw the clock still makes the token unique enough to this caller.
        if aws_lc_rs::rand::fill(&mut bytes).is_err() {
            bytes = Timestamp::now().as_nanosecond().to_le_bytes();
        }
        Self(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// The token as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for RequestToken {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    /// Runs `transaction` under a fresh token.
    pub async fn transact(&self, transaction: Transaction) -> Result<(), TransactFailure> {
        self.transact_as(transaction, &RequestToken::new()).await
    }

    /// Runs `transaction` under `token`. The SDK's retries of an attempt that timed out
    /// resend the same token, so a transaction whose first attempt landed succeeds again
    /// instead of failing its own conditions; a caller retrying by itself must send the
    /// same items with the same token.
    pub async fn transact_as(
        &self,
        transaction: Transaction,
        token: &RequestToken,
    ) -> Result<(), TransactFailure> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
        let Transaction { items, labels } = transaction;
        let result = self
            .client()
            .transact_write_items()
            .set_transact_items(Some(items))
            .client_request_token(token.as_str())
            .send()
            .await;
        let Err(error) = result else {
            return Ok(());
        };
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            error.as_service_error()
        {
            let codes = cancelled
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().unwrap_or("None").to_owned());
            return Err(TransactFailure::Cancelled(Cancellation {
                reasons: labels.into_iter().zip(codes).collect(),
            }));
        }
        Err(TransactFailure::Store(StoreError::from_sdk(error)))
    }
}

/// A `Put` of `item`, under `condition` if given.
pub(crate) fn put(
    table: &str,
    item: Item,
    condition: Option<&str>,
) -> Result<TransactWriteItem, StoreError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .set_condition_expression(condition.map(str::to_owned))
        .build()
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// An `Update` of the item at `key`, under `condition` if given.
pub(crate) fn update(
    table: &str,
    key: Item,
    expression: String,
    condition: Option<&str>,
    values: HashMap<String, AttributeValue>,
) -> Result<TransactWriteItem, StoreError> {
    let update = Update::builder()
        .table_name(table)
        .set_key(Some(key))
        .update_expression(expression)
        .set_condition_expression(condition.map(str::to_owned))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(|e| StoreError::Backend(e.to_string()))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancellation_names_the_item_whose_condition_failed() {
        let cancellation = Cancellation {
            reasons: vec![
                ("message", "None".into()),
                ("quota", "ConditionalCheckFailed".into()),
            ],
        };
        assert!(cancellation.failed("quota"));
        assert!(!cancellation.failed("message"));
        assert!(!cancellation.conflicted());
        assert_eq!(
            cancellation.to_string(),
            "transaction cancelled (quota: ConditionalCheckFailed)"
        );
    }
}

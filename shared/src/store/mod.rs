//! The DynamoDB single-table adapter.
//!
//! All of a user's data lives under one partition key derived from their `sub`
//! ([`keys`]); every list is a `Query` on that partition, never a `Scan`. Items are mapped
//! with serde_dynamo. Errors keep their meaning ([`StoreError::ConditionFailed`] is not an
//! outage), so handlers can answer 404/409/412 rather than 500.

pub mod chat;
pub mod completions;
pub mod entity;
pub mod erasure;
pub mod idempotency;
pub mod journals;
pub mod keys;
pub mod moods;
pub mod page;
pub mod profile;
pub mod referrals;
pub mod retention;
pub mod round_trips;
pub mod transact;
pub mod versioned;

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

pub use page::{Cursor, Page};

/// One DynamoDB item.
pub type Item = HashMap<String, AttributeValue>;

/// The table and the client that reaches it; cheap to clone, built once per container.
#[derive(Debug, Clone)]
pub struct Store {
    client: Client,
    table: String,
    round_trips: round_trips::RoundTrips,
}

impl Store {
    /// A store over `table`, with a client made from `sdk` that counts its round trips.
    pub fn new(sdk: &aws_types::SdkConfig, table: impl Into<String>) -> Self {
        let round_trips = round_trips::RoundTrips::default();
        let config = aws_sdk_dynamodb::config::Builder::from(sdk)
            .interceptor(round_trips.clone())
            .build();
        Self {
            client: Client::from_conf(config),
            table: table.into(),
            round_trips,
        }
    }

    /// Opens the client's connection to DynamoDB before the first request needs it: one
    /// eventually consistent `GetItem` of a key that never holds data, so the roots are
    /// loaded, the TLS handshake done and the SDK's lazily built state made during init,
    /// where Lambda runs at full speed. Bounded by `within`; a failure only means the first
    /// request does that work itself.
    pub async fn warm_up(&self, within: std::time::Duration) -> bool {
        let key = keys::Key::raw(keys::WARM_UP, keys::WARM_UP.to_owned()).item();
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .send();
        matches!(tokio::time::timeout(within, request).await, Ok(Ok(_)))
    }

    /// DynamoDB requests sent so far by this store.
    pub fn round_trips(&self) -> u64 {
        self.round_trips.count()
    }

    /// The DynamoDB client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Reads one `T` (strongly consistent, one round trip). An item of another kind at that
    /// key is an error, never read as a `T`.
    pub async fn get<T: entity::Entity + serde::de::DeserializeOwned>(
        &self,
        input: T::KeyInput<'_>,
    ) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(T::key(input).item()))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        let Some(item) = out.item else {
            return Ok(None);
        };
        match item.get(keys::ENTITY) {
            Some(AttributeValue::S(name)) if name == T::NAME => {}
            _ => {
                return Err(StoreError::Backend(format!(
                    "an item of another kind is stored at a {} key",
                    T::NAME
                )));
            }
        }
        Ok(Some(serde_dynamo::aws_sdk_dynamodb_1::from_item(item)?))
    }
}

/// What can go wrong talking to the table.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write's condition did not hold (the item is missing, exists already, or changed).
    #[error("the write's condition did not hold")]
    ConditionFailed,
    /// DynamoDB asked us to slow down; worth retrying later.
    #[error("DynamoDB throttled the request ({0})")]
    Throttled(String),
    /// An item could not be mapped to or from its Rust type.
    #[error("an item did not match its schema: {0}")]
    Mapping(#[from] serde_dynamo::Error),
    /// DynamoDB could not be reached, did not answer within the SDK's deadlines, answered
    /// something unreadable, or failed on its side (a 5xx), after the SDK's retries: the
    /// request may succeed if sent again shortly.
    #[error("DynamoDB is unavailable: {0}")]
    Unavailable(String),
    /// Any other failure: permissions, a bug in a request.
    #[error("DynamoDB call failed: {0}")]
    Backend(String),
    /// The user's account was erased: nothing may be written for them any more.
    #[error("the account was erased")]
    Erased,
}

impl StoreError {
    /// Classifies an SDK error by its error code, without looking at any item content.
    pub fn from_sdk<E, R>(error: SdkError<E, R>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
        R: std::fmt::Debug + Send + Sync + 'static,
    {
        // Failures of the connection or the clock, not answers: nothing said no.
        if matches!(
            error,
            SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_)
        ) {
            return Self::Unavailable(
                aws_sdk_dynamodb::error::DisplayErrorContext(&error).to_string(),
            );
        }
        match error.code() {
            Some("ConditionalCheckFailedException") => Self::ConditionFailed,
            Some(code @ ("InternalServerError" | "ServiceUnavailable")) => {
                Self::Unavailable(code.to_owned())
            }
            Some(
                code @ ("ProvisionedThroughputExceededException"
                | "ThrottlingException"
                | "RequestLimitExceeded"
                | "TransactionConflictException"),
            ) => {
                crate::metrics::dynamodb_throttle();
                Self::Throttled(code.to_owned())
            }
            _ => Self::Backend(aws_sdk_dynamodb::error::DisplayErrorContext(&error).to_string()),
        }
    }
}

/// The outcome of a conditional write: `false` when its condition did not hold (not an
/// error for callers that ask "did I get it?"), any other failure as it was.
pub(crate) fn condition_held<T>(result: Result<T, StoreError>) -> Result<bool, StoreError> {
    match result {
        Ok(_) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(other) => Err(other),
    }
}

/// The result of a finished task of a bounded `JoinSet` (a panicked task is a store
/// failure, not a crash; no task at all is the default).
pub(crate) fn joined<T: Default>(
    done: Option<Result<Result<T, StoreError>, tokio::task::JoinError>>,
) -> Result<T, StoreError> {
    match done {
        Some(Ok(result)) => result,
        Some(Err(error)) => Err(StoreError::Backend(format!("a store task failed: {error}"))),
        None => Ok(T::default()),
    }
}

/// A string attribute value.
pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute value.
pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

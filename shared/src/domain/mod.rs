//! The product's types and rules, free of AWS and HTTP.
//!
//! Types here are parsed, not validated: a `MoodScore` or a `UserId` cannot exist with an
//! invalid value, so code that holds one needs no further checks.

pub mod chat;
pub mod completion;
pub mod ids;
pub mod journal;
pub mod mood;
pub mod profile;
pub mod risk;
pub mod summary;
pub mod text;

pub use ids::{CompletionId, ConversationId, Id, JournalId, MessageId, MoodId, UserId, kind};

use serde::{Deserialize, Serialize};

/// One input field that failed a rule, with a message safe to show the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field's name as the client sent it, e.g. `score` or `tags[2]`.
    pub field: String,
    /// What is wrong, in plain words.
    pub message: String,
}

impl FieldError {
    /// A field error for `field` with `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Parses an RFC 3339 date-time with offset; `field` names it in the error.
pub fn parse_timestamp(field: &str, raw: &str) -> Result<jiff::Timestamp, FieldError> {
    raw.parse().map_err(|_| {
        FieldError::new(
            field,
            "must be an RFC 3339 date-time with offset, e.g. 2026-11-25T09:30:00Z",
        )
    })
}

/// Collects field errors while parsing a request, so every problem is reported at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value of `result`, or records its error and returns `None`.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.0.push(error);
                None
            }
        }
    }

    /// Keeps the value of a parse that reports several errors, or records them all and
    /// returns `None`.
    pub fn take<T>(&mut self, result: Result<T, Vec<FieldError>>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(errors) => {
                self.0.extend(errors);
                None
            }
        }
    }

    /// Records an error.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// How many errors are recorded so far (a nested parse compares before and after).
    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// The errors recorded, if any.
    pub fn into_result(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

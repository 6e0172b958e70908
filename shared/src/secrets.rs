//! The one Secrets Manager secret, read once per container and refreshed now and then.
//!
//! The secret is a JSON object: `pagination_key` (required, at least 32 characters; signs
//! `next_token`s), `llm_api_key` and `exercise_api_key` (optional API keys). It is fetched on
//! first use rather than at start-up, so functions that never need it pay nothing, and kept
//! for [`REFRESH_AFTER`] so a rotated value reaches warm containers. If a refresh fails, the
//! value already held keeps being used. Values never appear in `Debug` output or logs.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::Client;
use serde::Deserialize;
use tokio::sync::Mutex;

/// How long a fetched value is used before it is fetched again.
pub const REFRESH_AFTER: Duration = Duration::from_secs(15 * 60);

/// The secret's contents.
#[derive(Clone, Deserialize)]
pub struct SecretValues {
    /// Key that signs pagination tokens.
    pub pagination_key: String,
    /// The key before the last rotation: tokens it signed still open for their lifetime.
    #[serde(default)]
    pub pagination_key_previous: Option<String>,
    /// The LLM provider's API key, if one is configured.
    #[serde(default)]
    pub llm_api_key: Option<String>,
    /// The exercise provider's API key, if one is configured.
    #[serde(default)]
    pub exercise_api_key: Option<String>,
}

impl fmt::Debug for SecretValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecretValues")
            .field("pagination_key", &"<redacted>")
            .field(
                "pagination_key_previous",
                &self.pagination_key_previous.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "llm_api_key",
                &self.llm_api_key.as_ref().map(|_| "<redacted>"),
            )
            .field(
                "exercise_api_key",
                &self.exercise_api_key.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The secret could not be read or is malformed.
#[derive(Debug, thiserror::Error)]
pub enum SecretsError {
    /// Secrets Manager failed or refused.
    #[error("could not fetch the secret: {0}")]
    Fetch(String),
    /// The secret's content is not what we expect (the value itself is never shown).
    #[error("the secret is malformed: {0}")]
    Malformed(String),
}

/// A fetched value and when it was fetched.
type Held = (Instant, Arc<SecretValues>);

/// A per-container cache of the secret.
#[derive(Clone)]
pub struct Secrets {
    sdk: aws_types::SdkConfig,
    client: Arc<std::sync::OnceLock<Client>>,
    secret_id: String,
    cached: Arc<Mutex<Option<Held>>>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secrets")
            .field("secret_id", &self.secret_id)
            .finish_non_exhaustive()
    }
}

impl Secrets {
    /// A cache of `secret_id`, empty until first used. The Secrets Manager client itself is
    /// created on first use too: building it costs cold-start time a function may not need.
    pub fn new(sdk: aws_types::SdkConfig, secret_id: impl Into<String>) -> Self {
        Self {
            sdk,
            client: Arc::default(),
            secret_id: secret_id.into(),
            cached: Arc::new(Mutex::new(None)),
        }
    }

    /// The secret's values: cached, or fetched now. Concurrent callers wait for one fetch.
    pub async fn get(&self) -> Result<Arc<SecretValues>, SecretsError> {
        let mut cached = self.cached.lock().await;
        if let Some((fetched_at, values)) = cached.as_ref()
            && fetched_at.elapsed() < REFRESH_AFTER
        {
            return Ok(values.clone());
        }
        match self.fetch().await {
            Ok(values) => {
                let values = Arc::new(values);
                *cached = Some((Instant::now(), values.clone()));
                Ok(values)
            }
            Err(error) => match cached.as_mut() {
                Some((fetched_at, values)) => {
                    tracing::warn!(error = %error, "secret refresh failed; keeping the held value");
                    // Try again in a minute rather than on every request.
                    *fetched_at = Instant::now()
                        .checked_sub(REFRESH_AFTER - Duration::from_secs(60))
                        .unwrap_or_else(Instant::now);
                    Ok(values.clone())
                }
                None => Err(error),
            },
        }
    }

    /// Fetches the secret again now, whatever is held: a key it holds was just rejected, and
    /// may have been rotated. (Callers limit how often: the exercise provider's failure is
    /// remembered for 30 s.)
    pub async fn refresh(&self) -> Result<Arc<SecretValues>, SecretsError> {
        let mut cached = self.cached.lock().await;
        let values = Arc::new(self.fetch().await?);
        *cached = Some((Instant::now(), values.clone()));
        Ok(values)
    }

    async fn fetch(&self) -> Result<SecretValues, SecretsError> {
        let out = self
            .client
            .get_or_init(|| Client::new(&self.sdk))
            .get_secret_value()
            .secret_id(&self.secret_id)
            .send()
            .await
            .map_err(|e| {
                SecretsError::Fetch(
                    aws_sdk_secretsmanager::error::DisplayErrorContext(&e).to_string(),
                )
            })?;
        let text = out
            .secret_string()
            .ok_or_else(|| SecretsError::Malformed("it has no string value".into()))?;
        parse(text)
    }
}

fn parse(text: &str) -> Result<SecretValues, SecretsError> {
    // serde_json's messages can quote input; report only the position.
    let mut values: SecretValues = serde_json::from_str(text).map_err(|e| {
        SecretsError::Malformed(format!(
            "not the expected JSON object (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    if values.pagination_key.chars().count() < 32 {
        return Err(SecretsError::Malformed(
            "pagination_key must be at least 32 characters".into(),
        ));
    }
    values.pagination_key_previous = values
        .pagination_key_previous
        .filter(|k| k.chars().count() >= 32);
    values.llm_api_key = values.llm_api_key.filter(|k| !k.trim().is_empty());
    values.exercise_api_key = values.exercise_api_key.filter(|k| !k.trim().is_empty());
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_pagination_key_or_bad_json_is_refused_without_echoing_the_value() {
        let error = parse(r#"{"pagination_key": "short-secret"}"#)
            .unwrap_err()
            .to_string();
        assert!(!error.contains("short-secret"));
        let error = parse("{not json: hunter2}").unwrap_err().to_string();
        assert!(!error.contains("hunter2"));
    }

    #[test]
    fn blank_api_keys_count_as_absent_and_debug_output_hides_values() {
        let values = parse(&format!(
            r#"{{"pagination_key": "{}", "llm_api_key": " "}}"#,
            "k".repeat(32)
        ))
        .unwrap();
        assert!(values.llm_api_key.is_none());
        assert!(!format!("{values:?}").contains("kkkk"));
    }
}

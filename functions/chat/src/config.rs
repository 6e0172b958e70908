//! The chat function's own settings, read once at start-up like the shared [`Config`].
//!
//! [`Config`]: therabot_shared::config::Config

use std::path::PathBuf;
use std::time::Duration;

use jiff::SignedDuration;
use therabot_shared::config::{ConfigError, EnvReader};
use therabot_shared::llm::ModelConfig;

/// How the chat behaves.
#[derive(Debug, Clone)]
pub struct ChatConfig {
    /// `LLM_BASE_URL` + `LLM_MODEL` (+ `LLM_TIMEOUT_MS`, `LLM_MAX_TOKENS`): the
    /// OpenAI-compatible model. Unset: the built-in responder answers every message.
    pub model: Option<ModelConfig>,
    /// `CHAT_QUOTA_PER_HOUR` (default 60): messages per user per hour that may reach the
    /// model. Messages showing risk are never refused.
    pub quota_per_hour: u32,
    /// `CHAT_RISKY_QUOTA_PER_HOUR` (default 240): the higher ceiling of messages screened
    /// `elevated` or `crisis`, so one account cannot flood the model through the exemption;
    /// past it the answer is a 429 that still carries the crisis resources.
    pub risky_quota_per_hour: u32,
    /// `CHECK_IN_WINDOW_HOURS` (default 72): how long risk is remembered; a conversation
    /// started within it opens with a check-in.
    pub check_in_window: SignedDuration,
    /// `DISCLOSURE_REMINDER_HOURS` (default 3): after this long since the AI disclosure was
    /// last shown, it is shown again (New York requires every 3 hours of use).
    pub reminder_after: SignedDuration,
    /// Messages of history sent to the model, newest kept.
    pub context_messages: usize,
    /// Characters of history sent to the model, newest kept.
    pub context_chars: usize,
    /// `SCREEN_MODEL_DIR` (default `/opt/screen-model`, where the Lambda layer puts it): the
    /// crisis screen's sentence encoder (`config.json`, `tokenizer.json`,
    /// `model.safetensors`). The function refuses to start without it.
    pub screen_model_dir: PathBuf,
    /// `SAFETY_MODEL` (default: `LLM_MODEL`): the model the safety judge asks.
    pub judge_model: Option<String>,
    /// `SAFETY_JUDGE_TIMEOUT_MS` (default 3000, 500 to 10000): the judge's own deadline.
    pub judge_deadline: Duration,
    /// The longest reply kept from the model, in characters.
    pub reply_max_chars: usize,
}

impl ChatConfig {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut env = EnvReader::new(lookup);
        let base_url = env.optional_url("LLM_BASE_URL");
        let model_name = env.optional("LLM_MODEL");
        let timeout_ms: u64 = env.parsed("LLM_TIMEOUT_MS", 20_000);
        let max_tokens: u32 = env.parsed("LLM_MAX_TOKENS", 500);
        let quota_per_hour: u32 = env.parsed("CHAT_QUOTA_PER_HOUR", 60);
        let risky_quota_per_hour: u32 = env.parsed("CHAT_RISKY_QUOTA_PER_HOUR", 240);
        let window_hours: i64 = env.parsed("CHECK_IN_WINDOW_HOURS", 72);
        let reminder_hours: i64 = env.parsed("DISCLOSURE_REMINDER_HOURS", 3);
        let screen_model_dir = env
            .optional("SCREEN_MODEL_DIR")
            .unwrap_or_else(|| therabot_shared::safety::DEFAULT_MODEL_DIR.to_owned());
        let judge_model = env.optional("SAFETY_MODEL");
        let judge_ms: u64 = env.parsed("SAFETY_JUDGE_TIMEOUT_MS", 3_000);
        let mut problems = Vec::new();
        if base_url.is_some() && model_name.is_none() {
            problems.push("LLM_MODEL is missing (LLM_BASE_URL is set)");
        }
        if !(1_000..=24_000).contains(&timeout_ms) {
            // API Gateway gives up after 30 s; the turn also needs time for DynamoDB.
            problems.push("LLM_TIMEOUT_MS must be between 1000 and 24000");
        }
        if !(500..=10_000).contains(&judge_ms) {
            problems.push("SAFETY_JUDGE_TIMEOUT_MS must be between 500 and 10000");
        }
        if quota_per_hour == 0 {
            problems.push("CHAT_QUOTA_PER_HOUR must be at least 1");
        }
        if risky_quota_per_hour < quota_per_hour {
            // Someone at risk must never be limited sooner than anyone else.
            problems.push("CHAT_RISKY_QUOTA_PER_HOUR must be at least CHAT_QUOTA_PER_HOUR");
        }
        env.finish_with(&problems)?;
        Ok(Self {
            judge_model: judge_model.or_else(|| model_name.clone()),
            judge_deadline: Duration::from_millis(judge_ms),
            screen_model_dir: PathBuf::from(screen_model_dir),
            model: base_url
                .zip(model_name)
                .map(|(base_url, model)| ModelConfig {
                    base_url,
                    model,
                    budget: Duration::from_millis(timeout_ms),
                    max_tokens,
                }),
            quota_per_hour,
            risky_quota_per_hour,
            check_in_window: SignedDuration::from_hours(window_hours.max(1)),
            reminder_after: SignedDuration::from_hours(reminder_hours.max(1)),
            context_messages: 20,
            context_chars: 12_000,
            reply_max_chars: 2_000,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<ChatConfig, ConfigError> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect();
        ChatConfig::from_lookup(&|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn without_an_endpoint_the_built_in_responder_is_used() {
        let config = read(&[]).unwrap();
        assert!(config.model.is_none());
        assert_eq!(config.quota_per_hour, 60);
    }

    #[test]
    fn an_endpoint_needs_a_model_name_and_a_sane_timeout() {
        let error = read(&[
            ("LLM_BASE_URL", "http://127.0.0.1:9/v1"),
            ("LLM_TIMEOUT_MS", "60000"),
        ])
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("LLM_MODEL") && error.contains("LLM_TIMEOUT_MS"),
            "{error}"
        );
        let config = read(&[
            ("LLM_BASE_URL", "http://127.0.0.1:9/v1"),
            ("LLM_MODEL", "m"),
        ])
        .unwrap();
        assert_eq!(config.model.unwrap().model, "m");
    }
}

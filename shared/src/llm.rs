//! An OpenAI-compatible chat-completions client (any server that speaks `POST
//! {base}/chat/completions`), with hard time limits well inside API Gateway's 30 seconds and
//! at most one retry, on 429 or 5xx, when there is time for it.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::outbound::OutboundHttp;

/// Where the model is and how to call it.
#[derive(Debug, Clone)]
pub struct ModelConfig {
    /// Base URL up to (not including) `/chat/completions`, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// The model name sent in every request.
    pub model: String,
    /// The whole budget for one reply, retry included.
    pub budget: Duration,
    /// The most tokens a reply may use.
    pub max_tokens: u32,
}

/// One message of the prompt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptMessage {
    /// `system`, `user` or `assistant`.
    pub role: String,
    /// The text.
    pub content: String,
}

impl PromptMessage {
    /// A message with `role` and `content`.
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        Self {
            role: role.to_owned(),
            content: content.into(),
        }
    }
}

/// Why no reply came back. None of these carries response bodies or prompt text.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// No answer within the budget.
    #[error("the model timed out")]
    Timeout,
    /// The server answered with an error status.
    #[error("the model answered HTTP {0}")]
    Status(u16),
    /// The answer was not a chat completion with text in it.
    #[error("the model's answer was malformed")]
    Malformed,
    /// The request could not be sent.
    #[error("the model could not be reached")]
    Unreachable,
}

#[derive(Serialize)]
struct Request<'a> {
    model: &'a str,
    messages: &'a [PromptMessage],
    max_tokens: u32,
    temperature: f32,
}

#[derive(Deserialize)]
struct Response {
    choices: Vec<Choice>,
}

#[derive(Deserialize)]
struct Choice {
    message: ChoiceMessage,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    content: Option<String>,
}

/// The model client; cheap to clone, built once per container.
#[derive(Debug, Clone)]
pub struct ChatModel {
    http: OutboundHttp,
    config: ModelConfig,
}

impl ChatModel {
    /// A client for `config`, sending with `http`.
    pub fn new(http: OutboundHttp, config: ModelConfig) -> Self {
        Self { http, config }
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.config.model
    }

    /// Asks for a reply to `messages`, authenticating with `api_key`, within the configured
    /// budget or `left` (what remains of the request's deadline), whichever is shorter.
    pub async fn complete(
        &self,
        api_key: &str,
        messages: &[PromptMessage],
        left: Duration,
    ) -> Result<String, ModelError> {
        let started = Instant::now();
        let result = self.complete_within(api_key, messages, left).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(ModelError::Timeout) => "timeout",
            Err(_) => "error",
        };
        crate::metrics::model_call(outcome, started.elapsed());
        result
    }

    async fn complete_within(
        &self,
        api_key: &str,
        messages: &[PromptMessage],
        left: Duration,
    ) -> Result<String, ModelError> {
        let started = Instant::now();
        let budget = self.config.budget.min(left);
        if budget.is_zero() {
            return Err(ModelError::Timeout);
        }
        let retry_after = match self.attempt(api_key, messages, budget).await {
            Ok(text) => return Ok(text),
            Err(Attempt::Final(error)) => return Err(error),
            Err(Attempt::Retryable(wait)) => wait,
        };
        // One retry, only if the wait and a fresh attempt still fit in what is left.
        if budget.saturating_sub(started.elapsed()) < retry_after + Duration::from_secs(3) {
            return Err(ModelError::Status(503));
        }
        tokio::time::sleep(retry_after).await;
        let left = budget.saturating_sub(started.elapsed());
        match self.attempt(api_key, messages, left).await {
            Ok(text) => Ok(text),
            Err(Attempt::Final(error)) => Err(error),
            Err(Attempt::Retryable(_)) => Err(ModelError::Status(503)),
        }
    }

    async fn attempt(
        &self,
        api_key: &str,
        messages: &[PromptMessage],
        timeout: Duration,
    ) -> Result<String, Attempt> {
        let http = self
            .http
            .get()
            .map_err(|_| Attempt::Final(ModelError::Unreachable))?;
        let url = self.completions_url();
        let body = Request {
            model: &self.config.model,
            messages,
            max_tokens: self.config.max_tokens,
            temperature: 0.7,
        };
        let sent = http
            .post(url)
            .bearer_auth(api_key)
            .timeout(timeout)
            .json(&body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) if error.is_timeout() => return Err(Attempt::Final(ModelError::Timeout)),
            Err(_) => return Err(Attempt::Retryable(Duration::from_millis(300))),
        };
        let status = response.status();
        if status.as_u16() == 429 || status.is_server_error() {
            let wait = response
                .headers()
                .get(http::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .map_or(Duration::from_millis(500), Duration::from_secs);
            return Err(Attempt::Retryable(wait.min(Duration::from_secs(5))));
        }
        if !status.is_success() {
            return Err(Attempt::Final(ModelError::Status(status.as_u16())));
        }
        let bytes = match crate::outbound::read_capped(response, REPLY_MAX_BYTES).await {
            Ok(bytes) => bytes,
            Err(crate::outbound::BodyError::Timeout) => {
                return Err(Attempt::Final(ModelError::Timeout));
            }
            Err(_) => return Err(Attempt::Final(ModelError::Malformed)),
        };
        let parsed: Response =
            serde_json::from_slice(&bytes).map_err(|_| Attempt::Final(ModelError::Malformed))?;
        parsed.text().ok_or(Attempt::Final(ModelError::Malformed))
    }

    fn completions_url(&self) -> String {
        format!(
            "{}/chat/completions",
            self.config.base_url.trim_end_matches('/')
        )
    }
}

impl Response {
    /// The first choice's text, trimmed; `None` when there is none.
    fn text(self) -> Option<String> {
        self.choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
    }
}

impl ChatModel {
    /// One short classification request (no retry): `messages` to `model` at temperature 0,
    /// within `deadline`, the answer read up to [`CLASSIFY_MAX_BYTES`]. The safety judge uses
    /// it beside the reply, so a slow or broken judge costs the turn nothing but its deadline.
    pub async fn classify(
        &self,
        api_key: &str,
        model: &str,
        messages: &[PromptMessage],
        deadline: Duration,
    ) -> Result<String, ModelError> {
        let call = self.classify_once(api_key, model, messages, deadline);
        match tokio::time::timeout(deadline, call).await {
            Ok(result) => result,
            Err(_) => Err(ModelError::Timeout),
        }
    }

    async fn classify_once(
        &self,
        api_key: &str,
        model: &str,
        messages: &[PromptMessage],
        deadline: Duration,
    ) -> Result<String, ModelError> {
        let http = self.http.get().map_err(|_| ModelError::Unreachable)?;
        let url = self.completions_url();
        let body = Request {
            model,
            messages,
            max_tokens: 60,
            temperature: 0.0,
        };
        let sent = http
            .post(url)
            .bearer_auth(api_key)
            .timeout(deadline)
            .json(&body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) if error.is_timeout() => return Err(ModelError::Timeout),
            Err(_) => return Err(ModelError::Unreachable),
        };
        let status = response.status();
        if !status.is_success() {
            return Err(ModelError::Status(status.as_u16()));
        }
        let bytes = match crate::outbound::read_capped(response, CLASSIFY_MAX_BYTES).await {
            Ok(bytes) => bytes,
            Err(crate::outbound::BodyError::Timeout) => return Err(ModelError::Timeout),
            Err(_) => return Err(ModelError::Malformed),
        };
        let parsed: Response = serde_json::from_slice(&bytes).map_err(|_| ModelError::Malformed)?;
        parsed.text().ok_or(ModelError::Malformed)
    }
}

/// The most a classification answer may weigh; a verdict is a few dozen bytes.
pub const CLASSIFY_MAX_BYTES: usize = 16 * 1024;

/// The most a reply's answer may weigh: replies are capped at a few thousand characters,
/// so anything near this is broken or hostile.
pub const REPLY_MAX_BYTES: usize = 256 * 1024;

enum Attempt {
    /// Worth one retry after this wait.
    Retryable(Duration),
    Final(ModelError),
}

/// Cuts `text` to at most `max_chars` characters, at the end of a sentence when one is near,
/// so a runaway answer stays readable.
pub fn cap_length(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max_chars).collect();
    let boundary = cut
        .char_indices()
        .rev()
        .find(|(_, c)| matches!(c, '.' | '!' | '?' | '\n'))
        .map(|(i, c)| i + c.len_utf8())
        .filter(|i| *i > cut.len() / 2);
    match boundary {
        Some(end) => cut[..end].trim_end().to_owned(),
        None => format!("{}…", cut.trim_end()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_answers_are_cut_at_a_sentence_end() {
        let text = "One. Two two two. Three three three three three.";
        assert_eq!(cap_length(text, 30), "One. Two two two.");
        assert_eq!(cap_length("short", 30), "short");
        assert_eq!(
            cap_length(&"x".repeat(50), 10),
            format!("{}…", "x".repeat(10))
        );
    }
}

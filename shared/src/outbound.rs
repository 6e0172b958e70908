//! The outbound HTTP client (reqwest, rustls), created on first use.
//!
//! Building it loads the system's root certificates, which costs milliseconds of cold start;
//! a function that never calls out (moods behind API Gateway needs no JWKS) never pays.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// A shared, lazily built reqwest client.
#[derive(Clone, Default)]
pub struct OutboundHttp(Arc<OnceLock<Result<reqwest::Client, String>>>);

impl std::fmt::Debug for OutboundHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutboundHttp")
    }
}

impl OutboundHttp {
    /// The client, built now if this is the first use.
    pub fn get(&self) -> Result<&reqwest::Client, String> {
        self.0
            .get_or_init(|| {
                reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(2))
                    .timeout(Duration::from_secs(25))
                    .build()
                    .map_err(|e| format!("cannot build the HTTP client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Why a body was not read.
#[derive(Debug, thiserror::Error)]
pub enum BodyError {
    /// It was larger than the caller allows.
    #[error("the body is over {0} bytes")]
    TooLarge(usize),
    /// The time ran out while reading it.
    #[error("timed out reading the body")]
    Timeout,
    /// The connection failed while reading it.
    #[error("reading the body failed")]
    Failed,
}

/// Reads `response`'s body, refusing it as soon as it passes `max` bytes: a broken or hostile
/// server must not make a function buffer without bound.
pub async fn read_capped(
    mut response: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, BodyError> {
    if response.content_length().is_some_and(|n| n > max as u64) {
        return Err(BodyError::TooLarge(max));
    }
    let mut bytes = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > max {
                    return Err(BodyError::TooLarge(max));
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(bytes),
            Err(error) if error.is_timeout() => return Err(BodyError::Timeout),
            Err(_) => return Err(BodyError::Failed),
        }
    }
}

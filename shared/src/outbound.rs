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

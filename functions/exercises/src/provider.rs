//! The exercise provider's client, as `docs/exercise-provider.md` defines it: one `GET` of the
//! whole catalogue with our key from the secret, 2 s in all with one retry, at most 1 MiB,
//! cached per container (10 minutes when good, 30 s after a failure). Nothing about a user is
//! ever sent. Any failure answers "unavailable", and the built-in catalogue serves alone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use therabot_shared::outbound::{OutboundHttp, read_capped};
use therabot_shared::secrets::Secrets;
use tokio::sync::Mutex;

use crate::catalogue::{self, Exercise, Source};

/// The whole budget of one fetch, both attempts included.
pub const BUDGET: Duration = Duration::from_secs(2);
/// The largest catalogue read.
pub const MAX_BYTES: usize = 1024 * 1024;

/// How long a catalogue and a failure are remembered.
#[derive(Debug, Clone, Copy)]
pub struct CacheTimes {
    /// A good catalogue.
    pub good: Duration,
    /// A failure (so a down provider costs one attempt per this long, not one per request).
    pub failure: Duration,
}

impl Default for CacheTimes {
    fn default() -> Self {
        Self {
            good: Duration::from_secs(600),
            failure: Duration::from_secs(30),
        }
    }
}

/// What the provider gave.
#[derive(Debug, Clone)]
pub enum Catalogue {
    /// Its exercises.
    Available(Arc<Vec<Exercise>>),
    /// It failed (timeout, an error status, a bad or oversized body, no valid exercise, no key).
    Unavailable,
    /// No `EXERCISE_API_URL` is set.
    NotConfigured,
}

struct Held {
    at: Instant,
    exercises: Option<Arc<Vec<Exercise>>>,
}

/// The provider's client with its per-container cache.
pub struct Provider {
    base_url: Option<String>,
    http: OutboundHttp,
    secrets: Secrets,
    times: CacheTimes,
    held: Mutex<Option<Held>>,
}

/// Why one attempt failed, and whether a retry may help.
enum Failure {
    Retry(&'static str),
    KeyRejected,
    Final(&'static str),
}

impl Provider {
    /// A client of the provider at `base_url` (none: the built-in catalogue serves alone).
    pub fn new(
        base_url: Option<String>,
        http: OutboundHttp,
        secrets: Secrets,
        times: CacheTimes,
    ) -> Self {
        Self {
            base_url: base_url.map(|u| u.trim_end_matches('/').to_owned()),
            http,
            secrets,
            times,
            held: Mutex::new(None),
        }
    }

    /// The provider's catalogue: held, or fetched now within [`BUDGET`]. Concurrent callers
    /// wait for one fetch.
    pub async fn catalogue(&self) -> Catalogue {
        let Some(base) = &self.base_url else {
            return Catalogue::NotConfigured;
        };
        let mut held = self.held.lock().await;
        if let Some(h) = held.as_ref() {
            let ttl = match h.exercises {
                Some(_) => self.times.good,
                None => self.times.failure,
            };
            if h.at.elapsed() < ttl {
                return answer(h.exercises.clone());
            }
        }
        let fetched = match tokio::time::timeout(BUDGET, self.fetch(base)).await {
            Ok(Ok(exercises)) => Some(Arc::new(exercises)),
            Ok(Err(reason)) => {
                tracing::warn!(
                    reason,
                    "the exercise provider failed; serving the built-in catalogue"
                );
                None
            }
            Err(_) => {
                tracing::warn!("the exercise provider timed out; serving the built-in catalogue");
                None
            }
        };
        therabot_shared::metrics::provider_fetch(if fetched.is_some() { "ok" } else { "fallback" });
        *held = Some(Held {
            at: Instant::now(),
            exercises: fetched.clone(),
        });
        answer(fetched)
    }

    /// Two attempts at most; a rejected key is fetched again from the secret before the second
    /// (it may have been rotated).
    async fn fetch(&self, base: &str) -> Result<Vec<Exercise>, &'static str> {
        let mut key = self.key(false).await?;
        let mut last = "no attempt";
        for attempt in 0..2 {
            match self.attempt(base, &key).await {
                Ok(exercises) => return Ok(exercises),
                Err(Failure::Final(reason)) => return Err(reason),
                Err(Failure::Retry(reason)) => last = reason,
                Err(Failure::KeyRejected) => {
                    tracing::warn!("the exercise provider rejected our key");
                    last = "key rejected";
                    if attempt == 0 {
                        key = self.key(true).await?;
                    }
                }
            }
        }
        Err(last)
    }

    async fn key(&self, refresh: bool) -> Result<String, &'static str> {
        let values = if refresh {
            self.secrets.refresh().await
        } else {
            self.secrets.get().await
        };
        values
            .map_err(|_| "the secret could not be read")?
            .exercise_api_key
            .clone()
            .ok_or("the secret holds no exercise_api_key")
    }

    async fn attempt(&self, base: &str, key: &str) -> Result<Vec<Exercise>, Failure> {
        let client = self
            .http
            .get()
            .map_err(|_| Failure::Final("no HTTP client"))?;
        let response = client
            .get(format!("{base}/v1/exercises"))
            .bearer_auth(key)
            .header(http::header::ACCEPT, "application/json")
            .timeout(BUDGET)
            .send()
            .await
            .map_err(|_| Failure::Retry("connection failed or timed out"))?;
        let status = response.status();
        if status == http::StatusCode::UNAUTHORIZED {
            return Err(Failure::KeyRejected);
        }
        if status.is_server_error() {
            return Err(Failure::Retry("server error"));
        }
        if status != http::StatusCode::OK {
            return Err(Failure::Final("unexpected status"));
        }
        let json = response
            .headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        if !json {
            return Err(Failure::Final("not JSON"));
        }
        let body = read_capped(response, MAX_BYTES)
            .await
            .map_err(|_| Failure::Final("body too large or cut off"))?;
        let parsed = catalogue::parse(&body, Source::Provider).ok_or(Failure::Final("bad JSON"))?;
        if parsed.dropped > 0 {
            tracing::warn!(
                dropped = parsed.dropped,
                "provider exercises broke the contract and were left out"
            );
        }
        if parsed.exercises.is_empty() {
            return Err(Failure::Final("no valid exercise"));
        }
        Ok(parsed.exercises)
    }
}

fn answer(exercises: Option<Arc<Vec<Exercise>>>) -> Catalogue {
    match exercises {
        Some(list) => Catalogue::Available(list),
        None => Catalogue::Unavailable,
    }
}

//! One deadline per request, from the Lambda's own: every slow step (the secret, the model,
//! the judge) takes what is left of it instead of adding its own timeouts up past the
//! function's timeout.

use std::convert::Infallible;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::FromRequestParts;
use http::request::Parts;
use lambda_http::RequestExt;

/// Without a Lambda context (the local server): the chat function's timeout.
pub const LOCAL_BUDGET: Duration = Duration::from_secs(28);

/// When the request must be answered by.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(Instant);

impl Deadline {
    /// A deadline `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Self(Instant::now() + budget)
    }

    /// The Lambda invocation's deadline (epoch milliseconds), as an instant.
    pub fn from_epoch_millis(deadline_ms: u64) -> Self {
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        Self::after(Duration::from_millis(deadline_ms.saturating_sub(now_ms)))
    }

    /// The time left, less `reserve` kept for what must still happen after.
    pub fn left(&self, reserve: Duration) -> Duration {
        self.0
            .saturating_duration_since(Instant::now())
            .saturating_sub(reserve)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Deadline {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(match parts.lambda_context_ref() {
            Some(context) if context.deadline > 0 => Self::from_epoch_millis(context.deadline),
            _ => Self::after(LOCAL_BUDGET),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_left_shrinks_by_the_reserve_and_never_goes_below_zero() {
        let deadline = Deadline::after(Duration::from_secs(10));
        let left = deadline.left(Duration::from_secs(3));
        assert!(left <= Duration::from_secs(7) && left > Duration::from_secs(6));
        assert_eq!(deadline.left(Duration::from_secs(60)), Duration::ZERO);
        assert_eq!(
            Deadline::from_epoch_millis(1).left(Duration::ZERO),
            Duration::ZERO
        );
    }
}

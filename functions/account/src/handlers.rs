//! The handlers of the account routes.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::Response;
use http::{HeaderMap, StatusCode, header};
use therabot_shared::auth::Identity;
use therabot_shared::domain::profile::Profile;
use therabot_shared::http::deadline::Deadline;
use therabot_shared::http::etag::{Precondition, etag};
use therabot_shared::http::responses::{Authenticated, Conditional, JsonBodied, MatchRequired};
use therabot_shared::http::{ApiError, JsonBody, Problem, json};
use therabot_shared::store::StoreError;

use crate::AccountState;
use crate::api::{ProfileView, UpdateProfile};

const TAG: &str = "account";
/// Time kept back from the deadline to save the profile and answer after a sweep.
const SWEEP_RESERVE: Duration = Duration::from_secs(3);

/// A JSON response carrying the profile's `ETag`.
fn profile_response(profile: &Profile) -> Response {
    let mut response = json::respond(StatusCode::OK, &ProfileView::from(profile));
    response
        .headers_mut()
        .insert(header::ETAG, etag(profile.version));
    response
}

/// Read your profile (the defaults, at version 0, until your first change).
#[utoipa::path(
    get, path = "/v1/me", tag = TAG,
    responses(
        (status = 200, description = "Your profile", body = ProfileView, headers(("ETag" = String))),
        Authenticated,
    )
)]
pub(crate) async fn get_profile(
    State(state): State<AccountState>,
    identity: Identity,
) -> Result<Response, ApiError> {
    let profile = state.app().store().profile(&identity.user).await?;
    Ok(profile_response(&profile))
}

/// Change your profile. `If-Match` is required: `"0"` (or `*`) for the first change. A
/// change naming `chat_retention_days` applies it at once to the history you have: messages
/// already older are deleted, the rest will be.
#[utoipa::path(
    patch, path = "/v1/me", tag = TAG,
    request_body = UpdateProfile,
    params(("If-Match" = String, Header, description = "The version you read, e.g. \"0\" before the first change")),
    responses(
        (status = 200, description = "Saved", body = ProfileView, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        Authenticated,
        JsonBodied,
        Conditional,
        MatchRequired,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Applying a new chat retention to a long history ran out of time; nothing was saved: send the same request again after `Retry-After`", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn update_profile(
    State(state): State<AccountState>,
    identity: Identity,
    deadline: Deadline,
    headers: HeaderMap,
    body: JsonBody<UpdateProfile>,
) -> Result<Response, ApiError> {
    let expected = Precondition::from_headers(&headers)?.required_version()?;
    let changes = body.value.parse().map_err(ApiError::Validation)?;
    let context = state.app();
    let store = context.store();
    let current = store.profile(&identity.user).await?;
    if expected.is_some_and(|version| version != current.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let now = context.now();
    let saved = current.changed(&changes, now);
    // The history is swept before the choice is saved: a sweep cut short by the deadline
    // answers 503, saves nothing, and the same request (same If-Match) carries on where it
    // stopped. Naming the field sweeps even when it did not change.
    if changes.chat_retention_days.is_some() {
        let stop_at = Instant::now() + deadline.left(SWEEP_RESERVE);
        let sweep = store
            .apply_chat_retention(&identity.user, saved.chat_retention_days, now, stop_at)
            .await?;
        tracing::info!(
            updated = sweep.updated,
            deleted = sweep.deleted,
            complete = sweep.complete,
            "chat retention applied"
        );
        if !sweep.complete {
            return Err(ApiError::Unavailable {
                retry_after_secs: 1,
            });
        }
    }
    match store.save_profile(&identity.user, &saved, now).await {
        Ok(()) => {}
        // Someone saved between our read and our write: their change must not be lost.
        Err(StoreError::ConditionFailed) => return Err(ApiError::PreconditionFailed),
        Err(error) => return Err(error.into()),
    }
    Ok(profile_response(&saved))
}

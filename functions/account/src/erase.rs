//! `DELETE /v1/me`: erase the account (GDPR Art. 17). In order:
//!
//! 1. a tombstone, so no write with a token issued before now can create anything again
//!    ([`therabot_shared::store::erasure`]);
//! 2. every item of the user's partition, page by page, until a pass finds nothing (the last
//!    pass sees every write acknowledged before the tombstone); past the request's deadline
//!    the answer is 202 and the same request continues where this one stopped;
//! 3. their export files;
//! 4. their Cognito user: global sign-out (refresh tokens die), then `AdminDeleteUser` on our
//!    pool only.
//!
//! Anonymous counters stay: they hold no user id.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use http::{HeaderValue, StatusCode, header};
use serde::{Deserialize, Serialize};
use therabot_shared::auth::Identity;
use therabot_shared::domain::{FieldError, UserId};
use therabot_shared::http::deadline::Deadline;
use therabot_shared::http::responses::{Authenticated, JsonBodied};
use therabot_shared::http::{ApiError, JsonBody, Problem, json};
use therabot_shared::store::erasure::Erased;
use utoipa::ToSchema;

use crate::AccountState;
use crate::aws::AwsError;
use crate::export::{export_prefix, unavailable};

/// What must be sent to erase an account, exactly.
pub const CONFIRMATION: &str = "DELETE MY ACCOUNT";
/// Time kept back from the deadline for the files, the sign-in and the answer.
const RESERVE: Duration = Duration::from_secs(4);

/// The confirmation an erasure needs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseAccount {
    /// Exactly `DELETE MY ACCOUNT`.
    #[schema(example = "DELETE MY ACCOUNT")]
    pub confirm: String,
}

/// What an erasure removed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ErasureReport {
    /// `true` when everything is gone; `false` (with 202) when the request ran out of time:
    /// send it again to finish.
    pub complete: bool,
    /// Items deleted by this request, in all.
    pub items: u64,
    /// Items deleted by this request, per kind (`mood`, `journal`, `message`…).
    pub by_kind: BTreeMap<String, u64>,
    /// Export files deleted.
    pub export_files: u64,
    /// `deleted`: your sign-in is gone; `already_gone`; `pending` while items remain.
    pub sign_in: String,
}

/// Erase your account: every mood, journal entry, conversation, exercise record, your
/// profile and risk state, your export files and your sign-in. It cannot be undone. The body
/// must be `{"confirm": "DELETE MY ACCOUNT"}`.
#[utoipa::path(
    delete, path = "/v1/me", tag = "account",
    request_body = EraseAccount,
    responses(
        (status = 200, description = "Everything is erased", body = ErasureReport),
        (status = 202, description = "Partly erased (out of time): send the same request again", body = ErasureReport, headers(("Retry-After" = String))),
        (status = 400, description = "Malformed JSON", body = Problem, content_type = "application/problem+json"),
        Authenticated,
        JsonBodied,
        (status = 422, description = "Not confirmed; nothing was erased", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Storage or sign-in service unavailable; retry after the `Retry-After` seconds", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn erase_account(
    State(state): State<AccountState>,
    identity: Identity,
    deadline: Deadline,
    body: JsonBody<EraseAccount>,
) -> Result<Response, ApiError> {
    if body.value.confirm != CONFIRMATION {
        return Err(ApiError::Validation(vec![FieldError::new(
            "confirm",
            format!("must be exactly \"{CONFIRMATION}\""),
        )]));
    }
    let user = &identity.user;
    let store = state.app().store();
    store.mark_erased(user, state.app().now()).await?;
    tracing::info!("account erasure started");
    let mut erased = Erased::default();
    let complete = loop {
        if deadline.left(RESERVE).is_zero() {
            break false;
        }
        let pass = store.erase_page(user).await?;
        let found = pass.total();
        let more = pass.more;
        erased.add(pass);
        // Done when a pass finds nothing: the writes that raced the tombstone are gone too.
        if found == 0 && !more {
            break true;
        }
    };
    let mut report = ErasureReport {
        complete,
        items: erased.total(),
        by_kind: erased.by_kind,
        export_files: 0,
        sign_in: "pending".into(),
    };
    if !complete {
        tracing::info!(
            items = report.items,
            "account erasure continues on the next request"
        );
        let mut response = json::respond(StatusCode::ACCEPTED, &report);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return Ok(response);
    }
    report.export_files = delete_exports(&state, user).await?;
    report.sign_in = delete_sign_in(&state, user).await?.into();
    tracing::info!(items = report.items, "account erased");
    Ok(json::respond(StatusCode::OK, &report))
}

/// Deletes every export file of `user`; how many there were.
async fn delete_exports(state: &AccountState, user: &UserId) -> Result<u64, ApiError> {
    let aws = state.aws();
    let bucket = &state.config().export_bucket;
    let keys = aws
        .list_keys(bucket, &export_prefix(user))
        .await
        .map_err(unavailable)?;
    for key in &keys {
        aws.delete_object(bucket, key).await.map_err(unavailable)?;
    }
    Ok(keys.len() as u64)
}

/// Signs `user` out everywhere and deletes their Cognito user (our pool only).
async fn delete_sign_in(state: &AccountState, user: &UserId) -> Result<&'static str, ApiError> {
    let aws = state.aws();
    // In our pool (email as the sign-in name), Cognito accepts the `sub` as the username.
    let request = serde_json::json!({
        "UserPoolId": state.config().user_pool_id,
        "Username": user.as_str(),
    });
    match aws.cognito("AdminUserGlobalSignOut", &request).await {
        Ok(_) => {}
        Err(error) if is_gone(&error) => return Ok("already_gone"),
        Err(error) => return Err(sign_in_unavailable(error)),
    }
    match aws.cognito("AdminDeleteUser", &request).await {
        Ok(_) => Ok("deleted"),
        Err(error) if is_gone(&error) => Ok("already_gone"),
        Err(error) => Err(sign_in_unavailable(error)),
    }
}

fn is_gone(error: &AwsError) -> bool {
    error.code() == Some("UserNotFoundException")
}

fn sign_in_unavailable(error: AwsError) -> ApiError {
    tracing::error!(error = %error, "deleting the Cognito user failed");
    ApiError::Unavailable {
        retry_after_secs: 5,
    }
}

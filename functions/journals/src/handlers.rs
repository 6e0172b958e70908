//! The handlers of the journal routes: authenticate, parse, screen what was written, call the
//! store once, answer; every failure is an [`ApiError`] rendered as problem+json.

use axum::extract::State;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use therabot_shared::auth::Identity;
use therabot_shared::domain::journal::{JournalEntry, SearchWords};
use therabot_shared::domain::risk::SafetyVerdict;
use therabot_shared::domain::text::Label;
use therabot_shared::domain::{JournalId, UserId};
use therabot_shared::http::etag::{Precondition, etag};
use therabot_shared::http::idempotency::{self, IdempotencyKey};
use therabot_shared::http::pagination::PageScope;
use therabot_shared::http::path::IdPath;
use therabot_shared::http::query::{ListWindow, list_window, tag_param};
use therabot_shared::http::responses::{
    Authenticated, Conditional, Found, InFlight, JsonBodied, Listed, MalformedId, MatchRequired,
};
use therabot_shared::http::safety::SafetyView;
use therabot_shared::http::{ApiError, ApiQuery, JsonBody, Problem, json};
use therabot_shared::safety::screen_writing;
use therabot_shared::store::journals::JournalFilter;

use crate::JournalsState;
use crate::api::{
    CreateJournal, Journal, JournalPage, ListJournalsQuery, PromptList, PromptsQuery, SavedJournal,
    UpdateJournal,
};
use crate::prompts;

const TAG: &str = "journals";
const CREATE_ROUTE: &str = "POST /v1/journals";

/// A JSON response carrying the entry's `ETag`.
fn entry_response<T: serde::Serialize>(
    status: StatusCode,
    entry: &JournalEntry,
    body: &T,
) -> Response {
    let mut response = json::respond(status, body);
    response
        .headers_mut()
        .insert(header::ETAG, etag(entry.version));
    response
}

/// The entry with the screen's verdict and the crisis lines of the writer's country.
async fn saved(
    state: &JournalsState,
    user: &UserId,
    entry: &JournalEntry,
    headers: &HeaderMap,
) -> SavedJournal {
    let level = entry.safety.level;
    SavedJournal {
        journal: Journal::from(entry),
        safety: SafetyView::for_writer(level, state.app().store(), user, headers).await,
    }
}

async fn screen(state: &JournalsState, body: &str) -> SafetyVerdict {
    screen_writing(state.semantic(), body).await
}

/// Write a journal entry. The body is screened for crisis risk: the response's `safety` says
/// what was found, with crisis lines when it is not `none`; saving never waits on it or is
/// refused because of it.
#[utoipa::path(
    post, path = "/v1/journals", tag = TAG,
    request_body = CreateJournal,
    params(
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes retries safe: the same key and body replay the first response."),
        ("Accept-Language" = Option<String>, Header,
            description = "Its region (`en-US` → US) picks the crisis lines of `safety`."),
    ),
    responses(
        (status = 201, description = "Stored", body = SavedJournal,
            headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Malformed JSON or header", body = Problem, content_type = "application/problem+json"),
        Authenticated,
        JsonBodied,
        InFlight,
        (status = 422, description = "Invalid fields, an unknown prompt or mood entry, or key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_journal(
    State(state): State<JournalsState>,
    identity: Identity,
    headers: HeaderMap,
    body: JsonBody<CreateJournal>,
) -> Result<Response, ApiError> {
    let key = IdempotencyKey::from_headers(&headers)?;
    let new = body.value.parse().map_err(ApiError::Validation)?;
    let safety = screen(&state, new.body.as_str()).await;
    let now = state.app().now();
    let entry = new.into_entry(now, safety);
    let view = saved(&state, &identity.user, &entry, &headers).await;
    let mut response = entry_response(StatusCode::CREATED, &entry, &view);
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/journals/{}", entry.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    let store = state.app().store();
    let body_bytes = serde_json::to_vec(&view).unwrap_or_default();
    let request = idempotency::CreateRequest {
        user: &identity.user,
        key: key.as_ref(),
        route: CREATE_ROUTE,
        document: &body.document,
        now,
        conversation: None,
    };
    let response = idempotency::create_once(store, request, response, &body_bytes, |write| {
        store.put_journal(&identity.user, &entry, write)
    })
    .await?;
    if response.status() == StatusCode::CREATED {
        let store = state.app().store();
        store
            .count_referrals_after(&identity.user, entry.safety.level)
            .await;
    }
    Ok(response)
}

/// List journal entries, newest first; `q` finds entries holding every word.
#[utoipa::path(
    get, path = "/v1/journals", tag = TAG,
    params(ListJournalsQuery),
    responses(
        (status = 200, description = "One page", body = JournalPage),
        Listed,
        Authenticated,
    )
)]
pub(crate) async fn list_journals(
    State(state): State<JournalsState>,
    identity: Identity,
    ApiQuery(query): ApiQuery<ListJournalsQuery>,
) -> Result<axum::Json<JournalPage>, ApiError> {
    let ListWindow { limit, from, to } =
        list_window(query.limit, query.from.as_deref(), query.to.as_deref())?;
    let tag = tag_param(query.tag.as_deref())?;
    let words = query
        .q
        .as_deref()
        .map(|raw| {
            SearchWords::parse("q", raw).map_err(|e| ApiError::bad_parameter("q", &e.message))
        })
        .transpose()?;
    let joined = words.as_ref().map(|w| w.words().join(" "));
    let scope = PageScope::new(&identity.user, "GET /v1/journals")
        .with("from", from)
        .with("to", to)
        .with("tag", tag.as_ref().map(Label::as_str))
        .with("q", joined.as_deref());
    let app = state.app();
    let paging = app
        .paging(scope, limit, query.next_token.as_deref())
        .await?;
    let filter = JournalFilter {
        from,
        to,
        tag,
        words,
    };
    let page = app
        .store()
        .list_journals(&identity.user, &filter, paging.limit, paging.start.clone())
        .await?;
    Ok(axum::Json(JournalPage {
        items: page.items.iter().map(Journal::from).collect(),
        next_token: paging.next_token(page.next),
    }))
}

/// Read one journal entry.
#[utoipa::path(
    get, path = "/v1/journals/{id}", tag = TAG,
    params(("id" = String, Path, description = "The entry's id")),
    responses(
        (status = 200, description = "The entry", body = Journal, headers(("ETag" = String))),
        MalformedId,
        Found,
        Authenticated,
    )
)]
pub(crate) async fn get_journal(
    State(state): State<JournalsState>,
    identity: Identity,
    IdPath(id): IdPath<JournalId>,
) -> Result<Response, ApiError> {
    let entry = state
        .app()
        .store()
        .get_journal(&identity.user, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(entry_response(
        StatusCode::OK,
        &entry,
        &Journal::from(&entry),
    ))
}

/// Change a journal entry. Requires `If-Match` with the entry's `ETag` (or `*`). A new body is
/// screened again, and the response's `safety` says what was found.
#[utoipa::path(
    patch, path = "/v1/journals/{id}", tag = TAG,
    request_body = UpdateJournal,
    params(
        ("id" = String, Path, description = "The entry's id"),
        ("If-Match" = String, Header, description = "The ETag you last read, or `*`"),
        ("Accept-Language" = Option<String>, Header,
            description = "Its region (`en-US` → US) picks the crisis lines of `safety`."),
    ),
    responses(
        (status = 200, description = "Updated", body = SavedJournal, headers(("ETag" = String))),
        (status = 400, description = "Malformed id, JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        Authenticated,
        JsonBodied,
        Found,
        Conditional,
        (status = 422, description = "Invalid fields or an unknown mood entry", body = Problem, content_type = "application/problem+json"),
        MatchRequired,
    )
)]
pub(crate) async fn update_journal(
    State(state): State<JournalsState>,
    identity: Identity,
    IdPath(id): IdPath<JournalId>,
    headers: HeaderMap,
    body: JsonBody<UpdateJournal>,
) -> Result<Response, ApiError> {
    let expected = Precondition::from_headers(&headers)?.required_version()?;
    let changes = body.value.parse().map_err(ApiError::Validation)?;
    let safety = match &changes.body {
        Some(text) => Some(screen(&state, text.as_str()).await),
        None => None,
    };
    let entry = state
        .app()
        .store()
        .update_journal(
            &identity.user,
            id,
            &changes,
            safety,
            expected,
            state.app().now(),
        )
        .await?;
    if changes.body.is_some() {
        let store = state.app().store();
        store
            .count_referrals_after(&identity.user, entry.safety.level)
            .await;
    }
    let view = saved(&state, &identity.user, &entry, &headers).await;
    Ok(entry_response(StatusCode::OK, &entry, &view))
}

/// Delete a journal entry. With `If-Match`, only if it is still that version.
#[utoipa::path(
    delete, path = "/v1/journals/{id}", tag = TAG,
    params(
        ("id" = String, Path, description = "The entry's id"),
        ("If-Match" = Option<String>, Header, description = "Delete only if still this version"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Malformed id or If-Match", body = Problem, content_type = "application/problem+json"),
        Authenticated,
        Found,
        Conditional,
    )
)]
pub(crate) async fn delete_journal(
    State(state): State<JournalsState>,
    identity: Identity,
    IdPath(id): IdPath<JournalId>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let expected = Precondition::from_headers(&headers)?.optional_version();
    state
        .app()
        .store()
        .delete_journal(&identity.user, id, expected)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Writing prompts for the journal: gratitude, reflection, worry, self-compassion, values and
/// CBT, written by the Therabot team.
#[utoipa::path(
    get, path = "/v1/journals/prompts", tag = TAG,
    params(PromptsQuery),
    responses(
        (status = 200, description = "The prompts", body = PromptList),
        (status = 400, description = "Unknown category or parameter", body = Problem, content_type = "application/problem+json"),
        Authenticated,
    )
)]
pub(crate) async fn list_prompts(
    _identity: Identity,
    ApiQuery(query): ApiQuery<PromptsQuery>,
) -> Result<axum::Json<PromptList>, ApiError> {
    Ok(axum::Json(PromptList {
        version: prompts::version().to_owned(),
        items: prompts::list(query.category).into_iter().cloned().collect(),
    }))
}

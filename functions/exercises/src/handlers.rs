//! The handlers of the exercise and completion routes.

use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, State};
use axum::response::Response;
use http::request::Parts;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use jiff::SignedDuration;
use therabot_shared::auth::Identity;
use therabot_shared::domain::completion::{self, ExerciseId};
use therabot_shared::domain::{CompletionId, FieldError};
use therabot_shared::http::idempotency::{self, IdempotencyKey};
use therabot_shared::http::pagination::PageScope;
use therabot_shared::http::path::IdPath;
use therabot_shared::http::query::{ListWindow, list_window, summary_range};
use therabot_shared::http::responses::{
    Authenticated, Found, InFlight, JsonBodied, Listed, MalformedId,
};
use therabot_shared::http::safety::SafetyView;
use therabot_shared::http::{ApiError, ApiQuery, JsonBody, Problem, json};
use therabot_shared::safety::screen_writing;
use therabot_shared::store::completions::{CompletionFilter, SUMMARY_MAX_ITEMS};

use crate::ExercisesState;
use crate::api::{
    Completion, CompletionPage, CreateCompletion, ExerciseHelp, ExerciseList, ExercisesQuery,
    HelpsQuery, HelpsSummary, ListCompletionsQuery, ProviderStatus, SavedCompletion,
};
use crate::catalogue::{self, Category, Exercise};
use crate::provider::Catalogue;

const TAG: &str = "exercises";

/// The `{exercise_id}` of a route: `b-<slug>` or `p-<id>`; anything else is a 400 naming it.
pub(crate) struct ExercisePath(ExerciseId);

impl<S: Send + Sync> FromRequestParts<S> for ExercisePath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let bad = |e: FieldError| ApiError::BadRequest {
            detail: "The exercise id in the path is not one (b-<slug> or p-<id>, as listed by \
                     GET /v1/exercises)."
                .into(),
            errors: vec![e],
        };
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| bad(FieldError::new("exercise_id", "is not an exercise id")))?;
        ExerciseId::parse("exercise_id", &raw)
            .map(Self)
            .map_err(bad)
    }
}

/// The provider's exercises (if it answered) and whether it did.
async fn provider_exercises(state: &ExercisesState) -> (Arc<Vec<Exercise>>, ProviderStatus) {
    match state.provider().catalogue().await {
        Catalogue::Available(list) => (list, ProviderStatus::Available),
        Catalogue::Unavailable => (Arc::default(), ProviderStatus::Unavailable),
        Catalogue::NotConfigured => (Arc::default(), ProviderStatus::NotConfigured),
    }
}

/// What looking an exercise up found.
enum Lookup {
    /// The exercise.
    Found(Box<Exercise>),
    /// No catalogue has it.
    Missing,
    /// A provider's exercise while the provider cannot be asked: it may exist.
    Unknowable,
}

/// The exercise with `id`: built-in ones always; a provider's only when it answers.
async fn find(state: &ExercisesState, id: &ExerciseId) -> Lookup {
    let found = if id.is_provider() {
        let (list, status) = provider_exercises(state).await;
        if status == ProviderStatus::Unavailable {
            return Lookup::Unknowable;
        }
        list.iter().find(|e| e.id == id.as_str()).cloned()
    } else {
        catalogue::built_in()
            .iter()
            .find(|e| e.id == id.as_str())
            .cloned()
    };
    found.map_or(Lookup::Missing, |e| Lookup::Found(Box::new(e)))
}

/// List guided exercises: the provider's (when it answers) and the built-in ones, which are
/// always there. `provider` says whether the provider's are included; each exercise's
/// `source` says where it comes from.
#[utoipa::path(
    get, path = "/v1/exercises", tag = TAG,
    params(ExercisesQuery),
    responses(
        (status = 200, description = "The exercises", body = ExerciseList),
        (status = 400, description = "Unknown category or parameter", body = Problem, content_type = "application/problem+json"),
        Authenticated,
    )
)]
pub(crate) async fn list_exercises(
    State(state): State<ExercisesState>,
    _identity: Identity,
    ApiQuery(query): ApiQuery<ExercisesQuery>,
) -> Result<axum::Json<ExerciseList>, ApiError> {
    let (from_provider, provider) = provider_exercises(&state).await;
    let items = from_provider
        .iter()
        .chain(catalogue::built_in())
        .filter(|e| query.category.is_none_or(|c| e.category == c))
        .cloned()
        .collect();
    Ok(axum::Json(ExerciseList { items, provider }))
}

/// Read one exercise. A provider's exercise (`p-…`) is 404 while the provider is unavailable.
#[utoipa::path(
    get, path = "/v1/exercises/{exercise_id}", tag = TAG,
    params(("exercise_id" = String, Path, description = "The exercise's id (b-<slug> or p-<id>)")),
    responses(
        (status = 200, description = "The exercise", body = Exercise),
        (status = 400, description = "Malformed id", body = Problem, content_type = "application/problem+json"),
        Found,
        Authenticated,
    )
)]
pub(crate) async fn get_exercise(
    State(state): State<ExercisesState>,
    _identity: Identity,
    ExercisePath(id): ExercisePath,
) -> Result<axum::Json<Exercise>, ApiError> {
    match find(&state, &id).await {
        Lookup::Found(exercise) => Ok(axum::Json(*exercise)),
        Lookup::Missing | Lookup::Unknowable => Err(ApiError::NotFound),
    }
}

/// Record a finished exercise, with moods before and after, a rating, a note and, for a CBT
/// exercise, the thought record. Its free text is screened for crisis risk like a journal
/// entry; saving never waits on it or is refused because of it.
#[utoipa::path(
    post, path = "/v1/exercises/{exercise_id}/completions", tag = TAG,
    request_body = CreateCompletion,
    params(
        ("exercise_id" = String, Path, description = "The exercise's id (b-<slug> or p-<id>)"),
        ("Idempotency-Key" = Option<String>, Header,
            description = "Makes retries safe: the same key and body replay the first response."),
        ("Accept-Language" = Option<String>, Header,
            description = "Its region (`en-US` → US) picks the crisis lines of `safety`."),
    ),
    responses(
        (status = 201, description = "Stored", body = SavedCompletion,
            headers(("Location" = String))),
        (status = 400, description = "Malformed id, JSON or header", body = Problem, content_type = "application/problem+json"),
        Authenticated,
        JsonBodied,
        Found,
        InFlight,
        (status = 422, description = "Invalid fields, or key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_completion(
    State(state): State<ExercisesState>,
    identity: Identity,
    ExercisePath(exercise_id): ExercisePath,
    headers: HeaderMap,
    body: JsonBody<CreateCompletion>,
) -> Result<Response, ApiError> {
    let key = IdempotencyKey::from_headers(&headers)?;
    let cbt = match find(&state, &exercise_id).await {
        Lookup::Found(exercise) => exercise.category == Category::Cbt,
        // What someone did is never lost because the provider is down: its exercise cannot
        // be checked now, and may be a CBT one.
        Lookup::Unknowable => true,
        Lookup::Missing => return Err(ApiError::NotFound),
    };
    let now = state.app().now();
    let new = body
        .value
        .parse(exercise_id, cbt, now)
        .map_err(ApiError::Validation)?;
    let safety = screen_writing(state.semantic(), &new.texts().join("\n\n")).await;
    let entry = new.into_entry(now, safety);
    let view = SavedCompletion {
        completion: Completion::from(&entry),
        safety: SafetyView::for_writer(
            entry.safety.level,
            state.app().store(),
            &identity.user,
            &headers,
        )
        .await,
    };
    let mut response = json::respond(StatusCode::CREATED, &view);
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/completions/{}", entry.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    let store = state.app().store();
    let route = format!(
        "POST /v1/exercises/{}/completions",
        entry.completion.exercise_id.as_str()
    );
    let body_bytes = serde_json::to_vec(&view).unwrap_or_default();
    let request = idempotency::CreateRequest {
        user: &identity.user,
        key: key.as_ref(),
        route: &route,
        document: &body.document,
        now,
        conversation: None,
    };
    let response = idempotency::create_once(store, request, response, &body_bytes, |write| {
        store.put_completion(&identity.user, &entry, write)
    })
    .await?;
    if response.status() == StatusCode::CREATED {
        store
            .count_referrals_after(&identity.user, entry.safety.level)
            .await;
    }
    Ok(response)
}

/// List completions, the latest started first.
#[utoipa::path(
    get, path = "/v1/completions", tag = TAG,
    params(ListCompletionsQuery),
    responses(
        (status = 200, description = "One page", body = CompletionPage),
        Listed,
        Authenticated,
    )
)]
pub(crate) async fn list_completions(
    State(state): State<ExercisesState>,
    identity: Identity,
    ApiQuery(query): ApiQuery<ListCompletionsQuery>,
) -> Result<axum::Json<CompletionPage>, ApiError> {
    let ListWindow { limit, from, to } =
        list_window(query.limit, query.from.as_deref(), query.to.as_deref())?;
    let exercise_id = query
        .exercise_id
        .as_deref()
        .map(|raw| {
            ExerciseId::parse("exercise_id", raw)
                .map_err(|e| ApiError::bad_parameter("exercise_id", &e.message))
        })
        .transpose()?;
    let scope = PageScope::new(&identity.user, "GET /v1/completions")
        .with("from", from)
        .with("to", to)
        .with("exercise_id", exercise_id.as_ref().map(ExerciseId::as_str));
    let app = state.app();
    let paging = app
        .paging(scope, limit, query.next_token.as_deref())
        .await?;
    let filter = CompletionFilter {
        from,
        to,
        exercise_id,
    };
    let page = app
        .store()
        .list_completions(&identity.user, &filter, paging.limit, paging.start.clone())
        .await?;
    Ok(axum::Json(CompletionPage {
        items: page.items.iter().map(Completion::from).collect(),
        next_token: paging.next_token(page.next),
    }))
}

/// Read one completion.
#[utoipa::path(
    get, path = "/v1/completions/{id}", tag = TAG,
    params(("id" = String, Path, description = "The completion's id")),
    responses(
        (status = 200, description = "The completion", body = Completion),
        MalformedId,
        Found,
        Authenticated,
    )
)]
pub(crate) async fn get_completion(
    State(state): State<ExercisesState>,
    identity: Identity,
    IdPath(id): IdPath<CompletionId>,
) -> Result<axum::Json<Completion>, ApiError> {
    let entry = state
        .app()
        .store()
        .get_completion(&identity.user, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(Completion::from(&entry)))
}

/// Delete a completion.
#[utoipa::path(
    delete, path = "/v1/completions/{id}", tag = TAG,
    params(("id" = String, Path, description = "The completion's id")),
    responses(
        (status = 204, description = "Deleted"),
        MalformedId,
        Found,
        Authenticated,
    )
)]
pub(crate) async fn delete_completion(
    State(state): State<ExercisesState>,
    identity: Identity,
    IdPath(id): IdPath<CompletionId>,
) -> Result<StatusCode, ApiError> {
    state
        .app()
        .store()
        .delete_completion(&identity.user, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What helps you: per exercise, how many times, how many minutes, and the mean change of
/// your mood (after − before) with how many completions it rests on. There are no streaks.
#[utoipa::path(
    get, path = "/v1/completions/summary", tag = TAG,
    params(HelpsQuery),
    responses(
        (status = 200, description = "The summary", body = HelpsSummary),
        (status = 400, description = "Bad range, or more than 20,000 completions in it", body = Problem, content_type = "application/problem+json"),
        Authenticated,
    )
)]
pub(crate) async fn what_helps(
    State(state): State<ExercisesState>,
    identity: Identity,
    ApiQuery(query): ApiQuery<HelpsQuery>,
) -> Result<axum::Json<HelpsSummary>, ApiError> {
    let (from, to) = summary_range(
        query.from.as_deref(),
        query.to.as_deref(),
        state.app().now(),
        SignedDuration::from_hours(24 * 90),
    )?;
    let points = state
        .app()
        .store()
        .completion_points(&identity.user, from, to, SUMMARY_MAX_ITEMS)
        .await?
        .ok_or_else(|| {
            ApiError::bad_parameter(
                "from",
                "the range holds more than 20,000 completions: ask for a shorter one",
            )
        })?;
    let effects = completion::what_helps(&points);
    let (provider, _) = if effects.iter().any(|e| e.exercise_id.starts_with("p-")) {
        provider_exercises(&state).await
    } else {
        (Arc::default(), ProviderStatus::NotConfigured)
    };
    let title = |id: &str| {
        catalogue::built_in()
            .iter()
            .chain(provider.iter())
            .find(|e| e.id == id)
            .map(|e| e.title.clone())
    };
    Ok(axum::Json(HelpsSummary {
        from,
        to,
        exercises: effects
            .iter()
            .map(|e| ExerciseHelp::new(e, title(&e.exercise_id)))
            .collect(),
    }))
}

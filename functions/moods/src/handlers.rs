//! The handlers of the moods routes. Each one: authenticate, parse, call the store once,
//! answer; every failure is an [`ApiError`] rendered as problem+json.

use axum::extract::State;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use jiff::SignedDuration;
use therabot_shared::AppContext;
use therabot_shared::auth::Identity;
use therabot_shared::domain::MoodId;
use therabot_shared::domain::mood::MoodEntry;
use therabot_shared::domain::profile::TimeZoneName;
use therabot_shared::domain::summary::{self, Bucket};
use therabot_shared::domain::text::Label;
use therabot_shared::http::etag::{Precondition, etag};
use therabot_shared::http::idempotency::{self, IdempotencyKey};
use therabot_shared::http::pagination::PageScope;
use therabot_shared::http::path::IdPath;
use therabot_shared::http::query::{ListWindow, list_window, summary_range, tag_param};
use therabot_shared::http::responses::{
    Authenticated, Conditional, Found, InFlight, JsonBodied, Listed, MalformedId, MatchRequired,
};
use therabot_shared::http::{ApiError, ApiQuery, JsonBody, Problem, json};
use therabot_shared::store::moods::{MoodFilter, SUMMARY_MAX_ITEMS};

use crate::api::{CreateMood, ListMoodsQuery, Mood, MoodPage, Summary, SummaryQuery, UpdateMood};

const TAG: &str = "moods";
const CREATE_ROUTE: &str = "POST /v1/moods";

/// A JSON response carrying the entry's `ETag`.
fn entry_response(status: StatusCode, entry: &MoodEntry) -> Response {
    let mut response = json::respond(status, &Mood::from(entry));
    response
        .headers_mut()
        .insert(header::ETAG, etag(entry.version));
    response
}

/// Log a mood.
#[utoipa::path(
    post, path = "/v1/moods", tag = TAG,
    request_body = CreateMood,
    params(("Idempotency-Key" = Option<String>, Header,
        description = "Makes retries safe: the same key and body replay the first response.")),
    responses(
        (status = 201, description = "Stored", body = Mood,
            headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Malformed JSON or header", body = Problem, content_type = "application/problem+json"),
        Authenticated,
        JsonBodied,
        InFlight,
        (status = 422, description = "Invalid fields, or key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_mood(
    State(context): State<AppContext>,
    identity: Identity,
    headers: HeaderMap,
    body: JsonBody<CreateMood>,
) -> Result<Response, ApiError> {
    let now = context.now();
    let key = IdempotencyKey::from_headers(&headers)?;
    let entry = body
        .value
        .parse(now)
        .map_err(ApiError::Validation)?
        .into_entry(now);
    let mut response = entry_response(StatusCode::CREATED, &entry);
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/moods/{}", entry.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    let store = context.store();
    let body_bytes = serde_json::to_vec(&Mood::from(&entry)).unwrap_or_default();
    let request = idempotency::CreateRequest {
        user: &identity.user,
        key: key.as_ref(),
        route: CREATE_ROUTE,
        document: &body.document,
        now,
        conversation: None,
    };
    idempotency::create_once(store, request, response, &body_bytes, |write| {
        store.put_mood(&identity.user, &entry, write)
    })
    .await
}

/// List moods, newest first.
#[utoipa::path(
    get, path = "/v1/moods", tag = TAG,
    params(ListMoodsQuery),
    responses(
        (status = 200, description = "One page", body = MoodPage),
        Listed,
        Authenticated,
    )
)]
pub(crate) async fn list_moods(
    State(context): State<AppContext>,
    identity: Identity,
    ApiQuery(query): ApiQuery<ListMoodsQuery>,
) -> Result<axum::Json<MoodPage>, ApiError> {
    let ListWindow { limit, from, to } =
        list_window(query.limit, query.from.as_deref(), query.to.as_deref())?;
    let tag = tag_param(query.tag.as_deref())?;
    let scope = PageScope::new(&identity.user, "GET /v1/moods")
        .with("from", from)
        .with("to", to)
        .with("tag", tag.as_ref().map(Label::as_str));
    let paging = context
        .paging(scope, limit, query.next_token.as_deref())
        .await?;
    let filter = MoodFilter { from, to, tag };
    let page = context
        .store()
        .list_moods(&identity.user, &filter, paging.limit, paging.start.clone())
        .await?;
    Ok(axum::Json(MoodPage {
        items: page.items.iter().map(Mood::from).collect(),
        next_token: paging.next_token(page.next),
    }))
}

/// Read one mood entry.
#[utoipa::path(
    get, path = "/v1/moods/{id}", tag = TAG,
    params(("id" = String, Path, description = "The entry's id")),
    responses(
        (status = 200, description = "The entry", body = Mood, headers(("ETag" = String))),
        MalformedId,
        Found,
        Authenticated,
    )
)]
pub(crate) async fn get_mood(
    State(context): State<AppContext>,
    identity: Identity,
    IdPath(id): IdPath<MoodId>,
) -> Result<Response, ApiError> {
    let entry = context
        .store()
        .get_mood(&identity.user, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(entry_response(StatusCode::OK, &entry))
}

/// Change a mood entry. Requires `If-Match` with the entry's `ETag` (or `*`).
#[utoipa::path(
    patch, path = "/v1/moods/{id}", tag = TAG,
    request_body = UpdateMood,
    params(
        ("id" = String, Path, description = "The entry's id"),
        ("If-Match" = String, Header, description = "The ETag you last read, or `*`"),
    ),
    responses(
        (status = 200, description = "Updated", body = Mood, headers(("ETag" = String))),
        (status = 400, description = "Malformed id, JSON or If-Match", body = Problem, content_type = "application/problem+json"),
        Authenticated,
        JsonBodied,
        Found,
        Conditional,
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
        MatchRequired,
    )
)]
pub(crate) async fn update_mood(
    State(context): State<AppContext>,
    identity: Identity,
    IdPath(id): IdPath<MoodId>,
    headers: HeaderMap,
    body: JsonBody<UpdateMood>,
) -> Result<Response, ApiError> {
    let expected = Precondition::from_headers(&headers)?.required_version()?;
    let changes = body.value.parse().map_err(ApiError::Validation)?;
    let entry = context
        .store()
        .update_mood(&identity.user, id, &changes, expected, context.now())
        .await?;
    Ok(entry_response(StatusCode::OK, &entry))
}

/// Delete a mood entry. With `If-Match`, only if it is still that version.
#[utoipa::path(
    delete, path = "/v1/moods/{id}", tag = TAG,
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
pub(crate) async fn delete_mood(
    State(context): State<AppContext>,
    identity: Identity,
    IdPath(id): IdPath<MoodId>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let expected = Precondition::from_headers(&headers)?.optional_version();
    context
        .store()
        .delete_mood(&identity.user, id, expected)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Summarise moods per day or week: what a mood chart needs.
#[utoipa::path(
    get, path = "/v1/moods/summary", tag = TAG,
    params(SummaryQuery),
    responses(
        (status = 200, description = "The summary", body = Summary),
        (status = 400, description = "Bad range, bucket or time zone, or more than 20,000 entries in the range", body = Problem, content_type = "application/problem+json"),
        Authenticated,
    )
)]
pub(crate) async fn mood_summary(
    State(context): State<AppContext>,
    identity: Identity,
    ApiQuery(query): ApiQuery<SummaryQuery>,
) -> Result<axum::Json<Summary>, ApiError> {
    let (from, to) = summary_range(
        query.from.as_deref(),
        query.to.as_deref(),
        context.now(),
        SignedDuration::from_hours(24 * 30),
    )?;
    let (bucket, bucket_name) = match query.bucket.as_deref() {
        None | Some("day") => (Bucket::Day, "day"),
        Some("week") => (Bucket::Week, "week"),
        Some(_) => return Err(ApiError::bad_parameter("bucket", "must be `day` or `week`")),
    };
    let store = context.store();
    let tz_name = match query.tz {
        Some(name) => TimeZoneName::parse("tz", &name)
            .map_err(|e| ApiError::bad_parameter("tz", &e.message))?,
        // Only a request that names no zone reads the profile.
        None => store
            .profile(&identity.user)
            .await?
            .timezone
            .unwrap_or_else(TimeZoneName::utc),
    };
    let tz = tz_name.zone();
    let points = store
        .mood_points(&identity.user, from, to, SUMMARY_MAX_ITEMS)
        .await?
        .ok_or_else(|| {
            ApiError::bad_parameter(
                "from",
                "the range holds more than 20,000 mood entries: ask for a shorter one",
            )
        })?;
    let result = summary::summarize(&points, from, to, bucket, &tz);
    Ok(axum::Json(Summary::new(
        &result,
        from,
        to,
        bucket_name,
        tz_name.as_str(),
    )))
}

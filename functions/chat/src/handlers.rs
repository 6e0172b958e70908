//! The conversation, history and safety routes. The chat turn itself is in [`crate::turn`].

use axum::extract::State;
use axum::response::Response;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use jiff::{SignedDuration, Timestamp};
use therabot_shared::auth::Identity;
use therabot_shared::domain::chat::{
    ChatMessage, Conversation, CountryCode, MessageKind, Role, SEARCH_MAX_CHARS, parse_title,
};
use therabot_shared::domain::profile::Profile;
use therabot_shared::domain::risk;
use therabot_shared::domain::{ConversationId, FieldError, FieldErrors};
use therabot_shared::http::idempotency::{self, IdempotencyKey};
use therabot_shared::http::pagination::{self, PageScope};
use therabot_shared::http::path::IdPath;
use therabot_shared::http::query::{check_range, time_param};
use therabot_shared::http::responses::{Authenticated, Found, JsonBodied, Listed, MalformedId};
use therabot_shared::http::safety::crisis_country;
use therabot_shared::http::{ApiError, ApiQuery, OptionalJsonBody, Problem, json};
use therabot_shared::safety::Level;
use therabot_shared::safety::resources::{file, for_country};
use therabot_shared::store::chat::MessageFilter;

use crate::ChatState;
use crate::api::{
    ConversationPage, ConversationView, CountryQuery, CreateConversation, CreatedConversation,
    ListConversationsQuery, ListMessagesQuery, MessagePage, MessageView, ResourcesView, SafetyView,
    StatusView,
};
use crate::texts::{self, Lang};

const CONVERSATIONS: &str = "conversations";
const SAFETY: &str = "safety";

/// The replies' language when the body names none: the profile locale's, else the first of
/// `Accept-Language`; `es` for Spanish, else English.
fn language_from(profile: &Profile, headers: &HeaderMap) -> Lang {
    if let Some(locale) = &profile.locale {
        return Lang::from_code(locale.language());
    }
    let preferred = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split([',', ';', '-']).next())
        .unwrap_or_default()
        .trim();
    Lang::from_code(preferred)
}

fn country_param(raw: Option<&str>) -> Result<Option<CountryCode>, ApiError> {
    raw.map(|c| {
        CountryCode::parse("country", c).map_err(|e| ApiError::bad_parameter("country", &e.message))
    })
    .transpose()
}

struct NewConversation {
    title: Option<String>,
    country: Option<CountryCode>,
    lang: Lang,
}

fn parse_new(
    request: CreateConversation,
    profile: &Profile,
    headers: &HeaderMap,
) -> Result<NewConversation, ApiError> {
    let mut errors = FieldErrors::new();
    let title = request
        .title
        .as_deref()
        .and_then(|t| errors.check(parse_title("title", t)))
        .flatten();
    let named = request
        .country
        .as_deref()
        .and_then(|c| errors.check(CountryCode::parse("country", c)));
    let country = crisis_country(named, profile, headers);
    let lang = match request.language.as_deref() {
        Some(code @ ("en" | "es")) => Lang::from_code(code),
        Some(_) => {
            errors.push(FieldError::new("language", "must be `en` or `es`"));
            Lang::En
        }
        None => language_from(profile, headers),
    };
    errors.into_result().map_err(ApiError::Validation)?;
    Ok(NewConversation {
        title,
        country,
        lang,
    })
}

/// Start a conversation. It opens with the AI disclosure, and with a check-in when the user
/// recently showed risk.
#[utoipa::path(
    post, path = "/v1/conversations", tag = CONVERSATIONS,
    request_body(content = Option<CreateConversation>, description = "May be left out"),
    params(
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe"),
        ("Accept-Language" = Option<String>, Header,
            description = "Without `country` in the body or your profile, its region (`en-US` → US) picks the crisis lines; without `language` in the body or a locale in your profile, its language (en or es) the replies'."),
    ),
    responses(
        (status = 201, description = "Created", body = CreatedConversation, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON or header", body = Problem, content_type = "application/problem+json"),
        Authenticated,
        JsonBodied,
        (status = 422, description = "Invalid fields, or key reused", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn create_conversation(
    State(state): State<ChatState>,
    identity: Identity,
    headers: HeaderMap,
    body: OptionalJsonBody<CreateConversation>,
) -> Result<Response, ApiError> {
    let app = state.app();
    let now = app.now();
    let key = IdempotencyKey::from_headers(&headers)?;
    let store = app.store();
    let (profile, remembered) = tokio::try_join!(
        store.profile(&identity.user),
        store.risk_state(&identity.user)
    )?;
    let new = parse_new(body.value, &profile, &headers)?;
    let window = profile.check_in_window(state.config().check_in_window);
    let risk_level = remembered.level_at(now, window);
    let id = ConversationId::new_at(now);
    let opening = opening_messages(id, new.lang, now, risk_level);
    let last = opening.last().map_or(now, |m| m.created_at);
    let conversation = Conversation {
        id,
        title: new.title,
        country: new.country,
        language: new.lang.code().to_owned(),
        created_at: now,
        last_message_at: last,
        message_count: opening.len() as u64,
        disclosed_at: now,
        retention_days: profile.chat_retention_days,
    };
    let (resources, _) = for_country(conversation.country.as_ref().map(CountryCode::as_str));
    let created = CreatedConversation {
        conversation: ConversationView::from(&conversation),
        messages: opening.iter().map(MessageView::from).collect(),
        safety: SafetyView::new(risk_level, resources),
    };
    let mut response = json::respond(StatusCode::CREATED, &created);
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/conversations/{id}")) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    let body_bytes = serde_json::to_vec(&created).unwrap_or_default();
    let request = idempotency::CreateRequest {
        user: &identity.user,
        key: key.as_ref(),
        route: "POST /v1/conversations",
        document: &body.document,
        now,
        conversation: Some(id.to_string()),
    };
    let user = &identity.user;
    let (conversation, opening) = (&conversation, &opening);
    idempotency::create_once(store, request, response, &body_bytes, |write| async move {
        store
            .create_conversation(user, conversation, opening, write.as_ref())
            .await
    })
    .await
}

/// What a conversation opens with: the AI disclosure, then a gentle check-in when the user's
/// remembered risk calls for one.
fn opening_messages(
    id: ConversationId,
    lang: Lang,
    now: Timestamp,
    risk: Level,
) -> Vec<ChatMessage> {
    let system = |kind, text: &str, at| {
        ChatMessage::assistant(id, kind, text.to_owned(), at, "system", None)
    };
    let mut opening = vec![system(
        MessageKind::Disclosure,
        texts::disclosure(lang),
        now,
    )];
    if risk::check_in_due(risk) {
        let at = now + SignedDuration::from_millis(1);
        opening.push(system(MessageKind::CheckIn, texts::check_in(lang), at));
    }
    opening
}

/// List conversations, most recently active first.
#[utoipa::path(
    get, path = "/v1/conversations", tag = CONVERSATIONS,
    params(ListConversationsQuery),
    responses(
        (status = 200, description = "One page", body = ConversationPage),
        Listed,
        Authenticated,
    )
)]
pub(crate) async fn list_conversations(
    State(state): State<ChatState>,
    identity: Identity,
    ApiQuery(query): ApiQuery<ListConversationsQuery>,
) -> Result<axum::Json<ConversationPage>, ApiError> {
    let app = state.app();
    let limit = pagination::limit(query.limit)?;
    let scope = PageScope::new(&identity.user, "GET /v1/conversations");
    let paging = app
        .paging(scope, limit, query.next_token.as_deref())
        .await?;
    let page = app
        .store()
        .list_conversations(
            &identity.user,
            paging.limit,
            paging.start.clone(),
            app.now(),
        )
        .await?;
    Ok(axum::Json(ConversationPage {
        items: page.items.iter().map(ConversationView::from).collect(),
        next_token: paging.next_token(page.next),
    }))
}

/// Read a conversation.
#[utoipa::path(
    get, path = "/v1/conversations/{id}", tag = CONVERSATIONS,
    params(("id" = String, Path, description = "The conversation's id")),
    responses(
        (status = 200, description = "The conversation", body = ConversationView),
        MalformedId,
        Found,
        Authenticated,
    )
)]
pub(crate) async fn get_conversation(
    State(state): State<ChatState>,
    identity: Identity,
    IdPath(id): IdPath<ConversationId>,
) -> Result<axum::Json<ConversationView>, ApiError> {
    let app = state.app();
    let conversation = app
        .store()
        .get_conversation(&identity.user, id, app.now())
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(axum::Json(ConversationView::from(&conversation)))
}

/// Delete a conversation and every message in it.
#[utoipa::path(
    delete, path = "/v1/conversations/{id}", tag = CONVERSATIONS,
    params(("id" = String, Path, description = "The conversation's id")),
    responses(
        (status = 204, description = "Deleted, with all its messages"),
        MalformedId,
        Found,
        Authenticated,
    )
)]
pub(crate) async fn delete_conversation(
    State(state): State<ChatState>,
    identity: Identity,
    IdPath(id): IdPath<ConversationId>,
) -> Result<StatusCode, ApiError> {
    if state
        .app()
        .store()
        .delete_conversation(&identity.user, id)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

fn role_param(raw: Option<&str>) -> Result<Option<Role>, ApiError> {
    match raw {
        None => Ok(None),
        Some("user") => Ok(Some(Role::User)),
        Some("assistant") => Ok(Some(Role::Assistant)),
        Some(_) => Err(ApiError::bad_parameter(
            "role",
            "must be `user` or `assistant`",
        )),
    }
}

fn text_param(raw: Option<&str>) -> Result<Option<String>, ApiError> {
    match raw {
        None => Ok(None),
        // Counted as sent, so the rule is exactly the document's `maxLength` and `\S`.
        Some(q) if q.chars().count() <= SEARCH_MAX_CHARS && !q.trim().is_empty() => {
            Ok(Some(q.trim().to_owned()))
        }
        Some(_) => Err(ApiError::bad_parameter(
            "q",
            "must be 1 to 200 characters, not only spaces",
        )),
    }
}

/// A conversation's messages, oldest first, with filters.
#[utoipa::path(
    get, path = "/v1/conversations/{id}/messages", tag = CONVERSATIONS,
    params(("id" = String, Path, description = "The conversation's id"), ListMessagesQuery),
    responses(
        (status = 200, description = "One page", body = MessagePage),
        Listed,
        Authenticated,
        Found,
    )
)]
pub(crate) async fn list_messages(
    State(state): State<ChatState>,
    identity: Identity,
    IdPath(id): IdPath<ConversationId>,
    ApiQuery(query): ApiQuery<ListMessagesQuery>,
) -> Result<axum::Json<MessagePage>, ApiError> {
    let app = state.app();
    let limit = pagination::limit(query.limit)?;
    let from = time_param("from", query.from.as_deref())?;
    let to = time_param("to", query.to.as_deref())?;
    check_range(from, to)?;
    let role = role_param(query.role.as_deref())?;
    let text = text_param(query.q.as_deref())?;
    let scope = PageScope::new(
        &identity.user,
        &format!("GET /v1/conversations/{id}/messages"),
    )
    .with("from", from)
    .with("to", to)
    .with("role", role.map(Role::as_str))
    .with("q", text.as_deref());
    let paging = app
        .paging(scope, limit, query.next_token.as_deref())
        .await?;
    let first_page = paging.start.is_none();
    let filter = MessageFilter {
        from,
        to,
        role,
        text,
    };
    let store = app.store();
    let page = store
        .list_messages(
            &identity.user,
            id,
            &filter,
            paging.limit,
            paging.start.clone(),
            app.now(),
        )
        .await?;
    // Every conversation holds at least its disclosure, so an empty first page means either
    // filters that match nothing or no conversation: one read tells which.
    if first_page
        && page.items.is_empty()
        && store
            .get_conversation(&identity.user, id, app.now())
            .await?
            .is_none()
    {
        return Err(ApiError::NotFound);
    }
    Ok(axum::Json(MessagePage {
        items: page.items.iter().map(MessageView::from).collect(),
        next_token: paging.next_token(page.next),
    }))
}

/// Crisis lines the app can show at any time. Public: no token needed, because someone in
/// crisis with an expired session must still reach them; no user data is involved.
#[utoipa::path(
    get, path = "/v1/safety/resources", tag = SAFETY,
    params(CountryQuery),
    security(()),
    responses(
        (status = 200, description = "Crisis lines", body = ResourcesView),
        (status = 400, description = "Malformed country", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn safety_resources(
    ApiQuery(query): ApiQuery<CountryQuery>,
) -> Result<impl axum::response::IntoResponse, ApiError> {
    let country = country_param(query.country.as_deref())?;
    let (entry, matched) = for_country(country.as_ref().map(CountryCode::as_str));
    // The same for everyone: the app and any cache may keep it for an hour, so the lines
    // show at once even when the API is slow or down.
    let cache = [(http::header::CACHE_CONTROL, "public, max-age=3600")];
    Ok((
        cache,
        axum::Json(ResourcesView {
            country: country.map(|c| c.as_str().to_owned()),
            matched,
            emergency_number: entry.emergency.clone(),
            resources: entry.resources.clone(),
            reviewed: file().reviewed.clone(),
        }),
    ))
}

/// The user's current risk state, so the app can open with a check-in.
#[utoipa::path(
    get, path = "/v1/safety/status", tag = SAFETY,
    params(
        CountryQuery,
        ("Accept-Language" = Option<String>, Header,
            description = "Without `country` or a country in your profile, its region (`en-US` → US) picks the crisis lines."),
    ),
    responses(
        (status = 200, description = "The risk state", body = StatusView),
        (status = 400, description = "Malformed country", body = Problem, content_type = "application/problem+json"),
        Authenticated,
    )
)]
pub(crate) async fn safety_status(
    State(state): State<ChatState>,
    identity: Identity,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<CountryQuery>,
) -> Result<axum::Json<StatusView>, ApiError> {
    let named = country_param(query.country.as_deref())?;
    let app = state.app();
    let store = app.store();
    let (profile, remembered) = tokio::try_join!(
        store.profile(&identity.user),
        store.risk_state(&identity.user)
    )?;
    let window = profile.check_in_window(state.config().check_in_window);
    let level = remembered.level_at(app.now(), window);
    let country = crisis_country(named, &profile, &headers);
    let (entry, _) = for_country(country.as_ref().map(CountryCode::as_str));
    let safety = SafetyView::new(level, entry);
    Ok(axum::Json(StatusView {
        level,
        last_elevated_at: remembered.last_elevated_at,
        last_crisis_at: remembered.last_crisis_at,
        check_in_due: risk::check_in_due(level),
        window_hours: window.as_hours(),
        resources: safety.resources,
        emergency_number: safety.emergency_number,
    }))
}

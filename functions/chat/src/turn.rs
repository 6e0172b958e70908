//! One chat turn, the heart of the product:
//!
//! 1. validate; 2. read the conversation and its latest messages (round trip 1);
//! 3. screen the message for crisis risk, before any model call; 4. store the message with
//!    the quota, the idempotency record and any risk state (round trip 2) — so it is never
//!    lost, whatever happens next; 5. answer: the crisis protocol for a crisis (no model
//!    call), else the model, else the built-in responder; 6. store the reply (round trip 3).

use axum::extract::State;
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use jiff::{SignedDuration, Timestamp};
use therabot_shared::auth::Identity;
use therabot_shared::domain::chat::{ChatMessage, CountryCode, MessageKind, MessageText, Role};
use therabot_shared::domain::{EntryId, UserId};
use therabot_shared::http::idempotency::{self, IdempotencyKey};
use therabot_shared::http::path::IdPath;
use therabot_shared::http::{ApiError, JsonBody, Problem, json};
use therabot_shared::llm::{PromptMessage, cap_length};
use therabot_shared::safety::resources::{CountryResources, for_country};
use therabot_shared::safety::{Level, SCREEN_VERSION, Screening, screen_in_context};
use therabot_shared::store::chat::{Reply, TurnError, UserTurn};
use therabot_shared::store::idempotency::IdempotentWrite;

use crate::api::{MessageView, SafetyView, SendMessage, Turn};
use crate::texts::{self, Lang};
use crate::{ChatState, ELEVATED_PROMPT, PROMPT_VERSION, SYSTEM_PROMPT, fallback};

/// What the model says instead of a reply when it sees danger the screen did not.
const ESCALATE: &str = "SAFETY_ESCALATE";

/// What produced a reply.
struct Answer {
    text: String,
    kind: MessageKind,
    responder: String,
    prompt_version: Option<&'static str>,
    /// The model saw danger the screen missed: handle as a crisis.
    escalated: bool,
}

/// Send a message and get Therabot's reply. The message is screened for crisis risk first;
/// a crisis gets the crisis protocol and local resources at once, without any model call.
#[utoipa::path(
    post, path = "/v1/conversations/{id}/messages", tag = "conversations",
    request_body = SendMessage,
    params(
        ("id" = String, Path, description = "The conversation's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: one message, one reply"),
    ),
    responses(
        (status = 201, description = "The stored message, the reply and the safety verdict", body = Turn),
        (status = 400, description = "Malformed JSON, id or header", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not authenticated", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Same key still in flight", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 64 KiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid text, or key reused", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Hourly message quota used up (see Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn send_message(
    State(state): State<ChatState>,
    identity: Identity,
    IdPath(conversation_id): IdPath,
    headers: HeaderMap,
    body: JsonBody<SendMessage>,
) -> Result<Response, ApiError> {
    let key = IdempotencyKey::from_headers(&headers)?;
    let text =
        MessageText::parse("text", &body.value.text).map_err(|e| ApiError::Validation(vec![e]))?;
    let app = state.app();
    let store = app.store();
    let user = &identity.user;
    let now = app.now();

    // Round trip 1: the conversation and the turns the model will see.
    let (conversation, recent) = store
        .conversation_with_recent(user, conversation_id, state.config().context_messages)
        .await?
        .ok_or(ApiError::NotFound)?;

    // The screen runs on every message, before anything slow.
    let previous = recent
        .iter()
        .find(|m| m.role == Role::User)
        .and_then(|m| m.safety_level)
        .unwrap_or(Level::None);
    let screening = screen_in_context(text.as_str(), previous);
    let user_message =
        ChatMessage::user(conversation_id, &text, now, screening.level, SCREEN_VERSION);

    // Round trip 2: the message is stored before the model is called.
    let route = format!("POST /v1/conversations/{conversation_id}/messages");
    let hash = idempotency::request_hash(&route, &body.document);
    let in_flight = key.as_ref().map(|key| IdempotentWrite {
        user: user.clone(),
        key: key.as_str().to_owned(),
        request_hash: hash.clone(),
        response: None,
        now,
        conversation: Some(conversation_id.to_string()),
    });
    // Only ordinary messages count against the quota: nobody at risk is ever turned away.
    let quota = (screening.level == Level::None).then_some(state.config().quota_per_hour);
    let turn = UserTurn {
        user,
        message: &user_message,
        quota,
        idempotency: in_flight.as_ref(),
    };
    match store.record_user_turn(&turn).await {
        Ok(()) => {}
        Err(TurnError::ConversationGone) => return Err(ApiError::NotFound),
        Err(TurnError::QuotaExceeded) => {
            return Err(quota_exceeded(now, state.config().quota_per_hour));
        }
        Err(TurnError::KeyTaken) => {
            let Some(key) = key else {
                return Err(ApiError::internal("idempotency key taken without a key"));
            };
            return idempotency::answer_taken_key(store, user, &key, &hash, now).await;
        }
        Err(TurnError::Store(error)) => return Err(error.into()),
    }

    let lang = Lang::from_code(screening.language);
    let country = conversation.country.as_ref().map(CountryCode::as_str);
    let (resources, _) = for_country(country);
    let answer = answer(&state, &recent, &text, &screening, lang, resources).await;
    let level = if answer.escalated {
        Level::Crisis
    } else {
        screening.level
    };

    // Replies are stamped after the user's message, so history stays in order.
    let mut at = app.now().max(now + SignedDuration::from_millis(1));
    let mut replies = Vec::new();
    let reminder_due =
        now.duration_since(conversation.disclosed_at) >= state.config().reminder_after;
    if reminder_due {
        replies.push(ChatMessage::assistant(
            conversation_id,
            MessageKind::Reminder,
            texts::reminder(Lang::from_code(&conversation.language)).to_owned(),
            at,
            "system",
            None,
        ));
        at += SignedDuration::from_millis(1);
    }
    let reply = ChatMessage::assistant(
        conversation_id,
        answer.kind,
        answer.text,
        at,
        &answer.responder,
        answer.prompt_version,
    );
    replies.push(reply.clone());

    let turn_view = Turn {
        user_message: MessageView::from(&user_message),
        reply: MessageView::from(&reply),
        reminder: reminder_due.then(|| MessageView::from(&replies[0])),
        safety: SafetyView::new(level, resources),
    };
    let response = json::respond(StatusCode::CREATED, &turn_view);
    let completed = in_flight.map(|write| IdempotentWrite {
        response: Some(idempotency::remember(
            StatusCode::CREATED,
            response.headers(),
            &serde_json::to_vec(&turn_view).unwrap_or_default(),
        )),
        ..write
    });
    store_reply(
        &state,
        user,
        conversation_id,
        &replies,
        reminder_due,
        completed.as_ref(),
        answer.escalated,
    )
    .await;
    Ok(response)
}

/// Round trip 3. The person already has their answer; if storing it fails twice, the failure
/// is logged and the answer still goes out.
#[allow(clippy::too_many_arguments)]
async fn store_reply(
    state: &ChatState,
    user: &UserId,
    conversation: EntryId,
    replies: &[ChatMessage],
    disclosed: bool,
    idempotency: Option<&IdempotentWrite>,
    escalated: bool,
) {
    let store = state.app().store();
    for attempt in 0..2 {
        let extra = if escalated {
            store
                .escalation_writes(user, state.app().now(), SCREEN_VERSION)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let reply = Reply {
            user,
            conversation,
            messages: replies,
            disclosed,
            idempotency,
        };
        match store.record_reply(&reply, extra).await {
            Ok(()) => return,
            Err(error) if attempt == 0 => {
                tracing::warn!(error = %error, "storing the reply failed; retrying once");
            }
            Err(error) => {
                tracing::error!(error = %error, "storing the reply failed; it was sent but not kept");
            }
        }
    }
    // Left in flight, the key would answer 409 for a day to a client that never got this
    // response; freed, a retry is served afresh (its message stored again, never lost).
    if let Some(write) = idempotency
        && let Err(error) = store.abandon_idempotent(user, &write.key).await
    {
        tracing::error!(error = %error, "could not free the idempotency key");
    }
}

fn quota_exceeded(now: Timestamp, limit: u32) -> ApiError {
    let into_hour = now.as_second().rem_euclid(3600);
    ApiError::TooManyRequests {
        retry_after_secs: u64::try_from(3600 - into_hour).unwrap_or(3600),
        detail: format!(
            "You've sent {limit} messages this hour, the most Therabot can answer. You can keep \
             writing after the time in Retry-After. If you need to talk to someone now, the crisis \
             lines at GET /v1/safety/resources are always there."
        ),
    }
}

async fn answer(
    state: &ChatState,
    recent: &[ChatMessage],
    text: &MessageText,
    screening: &Screening,
    lang: Lang,
    resources: &CountryResources,
) -> Answer {
    let protocol = || Answer {
        text: texts::crisis_protocol(lang, resources),
        kind: MessageKind::CrisisProtocol,
        responder: "crisis_protocol".to_owned(),
        prompt_version: None,
        escalated: false,
    };
    if screening.level == Level::Crisis {
        return protocol();
    }
    let fallback = || Answer {
        text: fallback::respond(text.as_str(), lang, screening.level),
        kind: MessageKind::Message,
        responder: fallback::RESPONDER.to_owned(),
        prompt_version: None,
        escalated: false,
    };
    let Some(model) = state.model() else {
        return fallback();
    };
    let key = match state.app().secrets().get().await {
        Ok(values) => values.llm_api_key.clone(),
        Err(error) => {
            tracing::warn!(error = %error, "secret unavailable; answering with the built-in responder");
            None
        }
    };
    let Some(key) = key else {
        return fallback();
    };
    let prompt = prompt(state, recent, text, screening.level);
    match model.complete(&key, &prompt).await {
        Ok(reply) if reply.contains(ESCALATE) => Answer {
            escalated: true,
            ..protocol()
        },
        Ok(reply) => Answer {
            text: cap_length(&reply, state.config().reply_max_chars),
            kind: MessageKind::Message,
            responder: format!("model:{}", model.name()),
            prompt_version: Some(PROMPT_VERSION),
            escalated: false,
        },
        Err(error) => {
            tracing::warn!(error = %error, "model failed; answering with the built-in responder");
            fallback()
        }
    }
}

/// The system prompt, the conversation's recent turns within the size budget (oldest first),
/// and the new message.
fn prompt(
    state: &ChatState,
    recent: &[ChatMessage],
    text: &MessageText,
    level: Level,
) -> Vec<PromptMessage> {
    let mut system = SYSTEM_PROMPT.to_owned();
    if level == Level::Elevated {
        system.push_str("\n\n");
        system.push_str(ELEVATED_PROMPT);
    }
    let mut budget = state
        .config()
        .context_chars
        .saturating_sub(text.as_str().len());
    let mut history = Vec::new();
    // `recent` is newest first; keep the newest turns that fit, then put them in order.
    for message in recent {
        if matches!(
            message.kind,
            MessageKind::Disclosure | MessageKind::Reminder
        ) {
            continue;
        }
        let size = message.text.len();
        if size > budget {
            break;
        }
        budget -= size;
        history.push(PromptMessage::new(
            message.role.as_str(),
            message.text.clone(),
        ));
    }
    history.reverse();
    let mut prompt = Vec::with_capacity(history.len() + 2);
    prompt.push(PromptMessage::new("system", system));
    prompt.extend(history);
    prompt.push(PromptMessage::new("user", text.as_str()));
    prompt
}

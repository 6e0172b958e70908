//! One chat turn, the heart of the product:
//!
//! 1. validate; 2. read the conversation and its latest messages (round trip 1);
//! 3. screen the message for crisis risk with the offline layers (rules and the semantic
//!    classifier), before any model call; 4. store the message with the quota, the
//!    idempotency record and any risk state (round trip 2) — so it is never lost, whatever
//!    happens next; 5. answer: the crisis protocol for a crisis (no model call); else the
//!    model, with the safety judge asked at the same time (a crisis verdict replaces the
//!    reply), the reply itself screened for method or dose content; else the built-in
//!    responder; 6. store the reply, and the judge's verdict on the message (round trip 3).

use axum::extract::State;
use axum::response::Response;
use http::{HeaderMap, StatusCode};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use therabot_shared::auth::Identity;
use therabot_shared::domain::chat::{
    ChatMessage, Conversation, CountryCode, MessageKind, MessageText, Role,
};
use therabot_shared::domain::completion::offered_in;
use therabot_shared::domain::risk::{self, Quota};
use therabot_shared::domain::{ConversationId, MessageId, UserId};
use therabot_shared::http::deadline::Deadline;
use therabot_shared::http::idempotency::{self, IdempotencyKey};
use therabot_shared::http::path::IdPath;
use therabot_shared::http::responses::{Authenticated, Found, InFlight, JsonBodied};
use therabot_shared::http::{ApiError, JsonBody, Problem, json};
use therabot_shared::llm::{ChatModel, PromptMessage, cap_length};
use therabot_shared::metrics;
use therabot_shared::safety::resources::{CountryResources, for_country};
use therabot_shared::safety::{
    Layer, LayerVerdict, Level, SCREEN_VERSION, Screening, judge, reply,
};
use therabot_shared::store::chat::{Reply, TurnError, UserTurn};
use therabot_shared::store::idempotency::IdempotentWrite;
use therabot_shared::store::transact::{RequestToken, Transaction};

use crate::api::{MessageView, SafetyView, SendMessage, Turn};
use crate::texts::{self, Lang};
use crate::{ChatState, ELEVATED_PROMPT, PROMPT_VERSION, SYSTEM_PROMPT, fallback};

/// What produced a reply.
struct Answer {
    text: String,
    kind: MessageKind,
    responder: String,
    prompt_version: Option<&'static str>,
    /// The model saw danger the screen missed: handle as a crisis.
    escalated: bool,
    /// The reply screen's verdict on a model reply (stored with the reply).
    reply_screen: Option<LayerVerdict>,
    /// The model's reply gave method or dose content and was withheld.
    withheld: bool,
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
        Authenticated,
        JsonBodied,
        Found,
        InFlight,
        (status = 422, description = "Invalid text, or key reused", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Hourly message quota used up (see Retry-After)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn send_message(
    State(state): State<ChatState>,
    identity: Identity,
    IdPath(conversation_id): IdPath<ConversationId>,
    deadline: Deadline,
    headers: HeaderMap,
    body: JsonBody<SendMessage>,
) -> Result<Response, ApiError> {
    let key = IdempotencyKey::from_headers(&headers)?;
    let text =
        MessageText::parse("text", &body.value.text).map_err(|e| ApiError::Validation(vec![e]))?;
    let user = &identity.user;
    let route = format!("POST /v1/conversations/{conversation_id}/messages");
    let hash = idempotency::request_hash(&route, &body.document);

    // Round trip 1: the conversation and the turns the model will see.
    let (conversation, recent) = state
        .app()
        .store()
        .conversation_with_recent(
            user,
            conversation_id,
            state.config().context_messages,
            state.app().now(),
        )
        .await?
        .ok_or(ApiError::NotFound)?;

    // The screen runs on every message, before anything slow.
    let screening = screen_offline(&state, text.as_str(), previous_level(&recent)).await;

    // Round trip 2: the message is stored before the model is called.
    let turn = TurnContext {
        conversation: &conversation,
        recent: &recent,
        deadline,
    };
    let in_flight = key.as_ref().map(|key| (key, hash.as_str()));
    let Some(stored) = store_message(&state, user, &turn, &text, &screening, in_flight).await?
    else {
        let Some(key) = key else {
            return Err(ApiError::internal("idempotency key taken without a key"));
        };
        return resume_or_answer(&state, user, &key, &hash, conversation, recent, deadline).await;
    };
    Ok(finish_turn(&state, user, &turn, &text, screening, stored).await)
}

/// Round trip 2: stores the user's message with its quota, its in-flight idempotency record
/// and any risk state. `None` when the key is taken (a retry of a turn already stored).
async fn store_message(
    state: &ChatState,
    user: &UserId,
    turn: &TurnContext<'_>,
    text: &MessageText,
    screening: &Screening,
    key: Option<(&IdempotencyKey, &str)>,
) -> Result<Option<Stored>, ApiError> {
    let now = state.app().now();
    let conversation = turn.conversation;
    let message = ChatMessage::user(conversation.id, text, now, screening);
    let in_flight =
        key.map(|(key, hash)| in_flight_record(user, key, hash, now, conversation.id, message.id));
    // Messages at risk count against their own, higher ceiling; past it they still get the
    // crisis resources in the 429 (never a bare refusal).
    let config = state.config();
    let quota = Quota::for_level(
        screening.level,
        config.quota_per_hour,
        config.risky_quota_per_hour,
    );
    let write = UserTurn {
        user,
        message: &message,
        quota: Some(quota),
        idempotency: in_flight.as_ref(),
        retention_days: conversation.retention_days,
    };
    match state.app().store().record_user_turn(&write).await {
        Ok(()) => Ok(Some(Stored {
            message,
            offline_level: screening.level,
            in_flight,
        })),
        Err(TurnError::KeyTaken) => Ok(None),
        Err(TurnError::ConversationGone) => Err(ApiError::NotFound),
        Err(TurnError::QuotaExceeded) => {
            let safety = quota.risky.then(|| {
                let country = conversation.country.as_ref().map(CountryCode::as_str);
                serde_json::to_value(SafetyView::new(screening.level, for_country(country).0))
                    .unwrap_or_default()
            });
            Err(quota_exceeded(now, quota.limit, safety))
        }
        Err(TurnError::Store(error)) => Err(error.into()),
    }
}

/// The in-flight idempotency record of a turn: it names the stored message, so a retry that
/// takes over a crashed request finishes the turn with it instead of storing it twice.
fn in_flight_record(
    user: &UserId,
    key: &IdempotencyKey,
    hash: &str,
    now: Timestamp,
    conversation: ConversationId,
    message: MessageId,
) -> IdempotentWrite {
    IdempotentWrite {
        user: user.clone(),
        key: key.as_str().to_owned(),
        request_hash: hash.to_owned(),
        response: None,
        now,
        conversation: Some(conversation.to_string()),
        stored: Some(message.to_string()),
    }
}

/// The level of the user's latest message, the context a new message is screened in.
fn previous_level(recent: &[ChatMessage]) -> Level {
    recent
        .iter()
        .find(|m| m.role == Role::User)
        .and_then(|m| m.safety_level)
        .unwrap_or(Level::None)
}

/// The key is taken: replay a finished turn, answer 409 while it runs, or, when the request
/// that took it crashed (its lease has passed), take the turn over and finish it with the
/// message that request stored, so a retry never stores the message twice.
async fn resume_or_answer(
    state: &ChatState,
    user: &UserId,
    key: &IdempotencyKey,
    hash: &str,
    conversation: Conversation,
    mut recent: Vec<ChatMessage>,
    deadline: Deadline,
) -> Result<Response, ApiError> {
    let store = state.app().store();
    let now = state.app().now();
    let record = store.idempotency_record(user, key.as_str(), now).await?;
    let abandoned = record.as_ref().and_then(|r| {
        let ours = r.request_hash == hash
            && r.conversation.as_deref() == Some(conversation.id.to_string().as_str());
        (ours && r.abandoned_at(now)).then(|| r.stored.clone())?
    });
    let Some(stored_id) = abandoned else {
        return idempotency::decide(record.as_ref(), hash);
    };
    let Some(position) = recent.iter().position(|m| m.id.to_string() == stored_id) else {
        return idempotency::decide(record.as_ref(), hash);
    };
    if !store.take_over(user, key.as_str(), now).await? {
        return idempotency::answer_taken_key(store, user, key, hash, now).await;
    }
    let message = recent.remove(position);
    let text =
        MessageText::parse("text", &message.text).map_err(|e| ApiError::Validation(vec![e]))?;
    let mut screening = screen_offline(state, text.as_str(), previous_level(&recent)).await;
    let offline_level = message.safety_level.unwrap_or(Level::None);
    screening.level = screening.level.max(offline_level);
    let in_flight = Some(in_flight_record(
        user,
        key,
        hash,
        now,
        conversation.id,
        message.id,
    ));
    let stored = Stored {
        message,
        offline_level,
        in_flight,
    };
    let turn = TurnContext {
        conversation: &conversation,
        recent: &recent,
        deadline,
    };
    Ok(finish_turn(state, user, &turn, &text, screening, stored).await)
}

/// What the rest of a turn reads: the conversation, its recent messages (the stored user
/// message not among them) and the request's deadline.
struct TurnContext<'a> {
    conversation: &'a Conversation,
    recent: &'a [ChatMessage],
    deadline: Deadline,
}

/// What must still fit after the model and the judge: the reply's write and the referral's
/// move (a few DynamoDB round trips, with a retry).
const AFTER_THE_MODEL: Duration = Duration::from_secs(3);

/// The user's message as stored by round trip 2, and what that write already recorded.
struct Stored {
    message: ChatMessage,
    /// The level whose risk state and referral the message's write recorded.
    offline_level: Level,
    /// The in-flight idempotency record to complete with the response.
    in_flight: Option<IdempotentWrite>,
}

/// Everything after the user's message is stored: the answer, the reply, round trip 3.
async fn finish_turn(
    state: &ChatState,
    user: &UserId,
    turn: &TurnContext<'_>,
    text: &MessageText,
    mut screening: Screening,
    stored: Stored,
) -> Response {
    let Stored {
        message: mut user_message,
        offline_level,
        in_flight,
    } = stored;
    let lang = Lang::from_code(screening.language);
    let country = turn.conversation.country.as_ref().map(CountryCode::as_str);
    let (resources, _) = for_country(country);
    let answer = answer(state, turn, text, &mut screening, lang, resources).await;
    if answer.escalated {
        screening.level = Level::Crisis;
    }
    let level = screening.level;
    let judged = screening.layer(Layer::Judge).is_some();
    user_message.safety_level = Some(level);
    user_message.screen = screening.layers;
    let after = AfterScreen {
        raised_to: (level > offline_level).then_some(level),
        verdict: (judged || level > offline_level).then_some(&user_message),
        withheld: answer.withheld,
    };
    let replies = Replies::new(state, turn.conversation, user_message.created_at, answer);
    let view = Turn {
        user_message: MessageView::from(&user_message),
        reply: MessageView::from(&replies.reply),
        reminder: replies.reminder.as_ref().map(MessageView::from),
        safety: SafetyView::new(level, resources),
        exercise_id: offered_exercise(&replies.reply),
        reply_kept: true,
    };
    let response = keep_reply(
        state,
        user,
        turn.conversation,
        &replies,
        view,
        in_flight,
        &after,
    )
    .await;
    // The referral is already stored with the message; this only moves it into the
    // anonymous counters.
    state.app().store().count_referrals_after(user, level).await;
    response
}

/// The exercise an ordinary reply offers (never the crisis protocol's: then the lines come
/// first, and nothing else is offered).
fn offered_exercise(reply: &ChatMessage) -> Option<String> {
    (reply.kind == MessageKind::Message)
        .then(|| offered_in(&reply.text))
        .flatten()
        .map(|id| id.as_str().to_owned())
}

/// What Therabot writes back: the reply, after the AI disclosure's reminder when it is due.
struct Replies {
    reminder: Option<ChatMessage>,
    reply: ChatMessage,
}

impl Replies {
    /// The replies to a message stored `after`: stamped after it, so history stays in order.
    fn new(
        state: &ChatState,
        conversation: &Conversation,
        after: Timestamp,
        answer: Answer,
    ) -> Self {
        let mut at = state
            .app()
            .now()
            .max(after + SignedDuration::from_millis(1));
        let due = risk::reminder_due(
            after,
            conversation.disclosed_at,
            state.config().reminder_after,
        );
        let reminder = due.then(|| {
            let text = texts::reminder(Lang::from_code(&conversation.language));
            let reminder = ChatMessage::assistant(
                conversation.id,
                MessageKind::Reminder,
                text.to_owned(),
                at,
                "system",
                None,
            );
            at += SignedDuration::from_millis(1);
            reminder
        });
        let mut reply = ChatMessage::assistant(
            conversation.id,
            answer.kind,
            answer.text,
            at,
            &answer.responder,
            answer.prompt_version,
        );
        reply.screen.extend(answer.reply_screen);
        Self { reminder, reply }
    }

    /// Every message to store, in order.
    fn all(&self) -> Vec<ChatMessage> {
        self.reminder.iter().chain([&self.reply]).cloned().collect()
    }
}

/// Round trip 3: stores the replies with the completed idempotency record (holding this
/// response). When they cannot be stored the person still sees the reply (it may be the
/// crisis protocol), the response says it was not kept, and the risk state is written alone.
async fn keep_reply(
    state: &ChatState,
    user: &UserId,
    conversation: &Conversation,
    replies: &Replies,
    view: Turn,
    in_flight: Option<IdempotentWrite>,
    after: &AfterScreen<'_>,
) -> Response {
    let response = json::respond(StatusCode::CREATED, &view);
    let completed = in_flight.map(|write| IdempotentWrite {
        response: Some(idempotency::remember(
            StatusCode::CREATED,
            response.headers(),
            &serde_json::to_vec(&view).unwrap_or_default(),
        )),
        ..write
    });
    let reminded = replies.reminder.is_some();
    let kept = store_reply(
        state,
        user,
        conversation,
        &replies.all(),
        reminded,
        completed.as_ref(),
        after,
    )
    .await;
    if kept {
        return response;
    }
    record_risk_alone(state, user, after).await;
    let view = Turn {
        reply_kept: false,
        ..view
    };
    json::respond(StatusCode::CREATED, &view)
}

/// What the reply's write must also record, learned after the message was stored.
struct AfterScreen<'a> {
    /// The judge or the model raised the level above the offline screen's.
    raised_to: Option<Level>,
    /// The user message with its final level and the judge's verdict, when either changed
    /// after it was stored: its stored verdict is rewritten to match the response.
    verdict: Option<&'a ChatMessage>,
    /// A model reply was withheld for method or dose content (counted with the raised
    /// level's referral: a withheld reply always raises the level to crisis).
    withheld: bool,
}

/// The offline layers, as every function screens what people write.
async fn screen_offline(state: &ChatState, text: &str, previous: Level) -> Screening {
    therabot_shared::safety::screen_offline(state.semantic(), text, previous).await
}

/// Round trip 3. The person already has their answer; if storing it fails twice, the failure
/// is logged, the answer still goes out and `false` says it was not kept.
#[allow(clippy::too_many_arguments)]
async fn store_reply(
    state: &ChatState,
    user: &UserId,
    conversation: &Conversation,
    replies: &[ChatMessage],
    disclosed: bool,
    idempotency: Option<&IdempotentWrite>,
    after: &AfterScreen<'_>,
) -> bool {
    let store = state.app().store();
    // Both attempts send the same items under the same token: if the first landed and only
    // its answer was lost, the second changes nothing.
    let now = state.app().now();
    let token = RequestToken::new();
    for attempt in 0..2 {
        let mut extra = Vec::new();
        if let Some(level) = after.raised_to {
            extra.extend(
                store
                    .escalation_writes(user, level, now, SCREEN_VERSION, after.withheld)
                    .unwrap_or_default(),
            );
        }
        if let Some(message) = after.verdict {
            extra.extend(store.verdict_update(user, message).ok());
        }
        let reply = Reply {
            user,
            conversation: conversation.id,
            retention_days: conversation.retention_days,
            messages: replies,
            disclosed,
            idempotency,
            token: &token,
        };
        match store.record_reply(&reply, extra).await {
            Ok(()) => return true,
            Err(error) if attempt == 0 => {
                tracing::warn!(error = %error, "storing the reply failed; retrying once");
            }
            Err(error) => {
                tracing::error!(error = %error, "storing the reply failed; it was sent but not kept");
            }
        }
    }
    // The key stays in flight: once its lease passes, a retry with it takes the turn over
    // and finishes it with the message already stored (never a second copy of it).
    false
}

/// The reply could not be stored, and with it went the risk the judge or the model found
/// after the message was stored. That risk is written on its own, with retries: the next
/// conversation's check-in and the referral count depend on it.
async fn record_risk_alone(state: &ChatState, user: &UserId, after: &AfterScreen<'_>) {
    let Some(level) = after.raised_to else {
        return;
    };
    let store = state.app().store();
    let now = state.app().now();
    let risk = match store.escalation_writes(user, level, now, SCREEN_VERSION, after.withheld) {
        Ok(items) => items,
        Err(error) => {
            tracing::error!(error = %error, "the raised risk could not be written");
            return;
        }
    };
    let mut transaction = Transaction::new();
    transaction.extend("risk", risk).extend(
        "verdict",
        after
            .verdict
            .and_then(|m| store.verdict_update(user, m).ok()),
    );
    let token = RequestToken::new();
    for attempt in 0..3u32 {
        match store.transact_as(transaction.clone(), &token).await {
            Ok(()) => return,
            Err(_) if attempt < 2 => {
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
            }
            Err(_) => tracing::error!("the raised risk could not be written after three tries"),
        }
    }
}

fn quota_exceeded(now: Timestamp, limit: u32, safety: Option<serde_json::Value>) -> ApiError {
    let into_hour = now.as_second().rem_euclid(3600);
    let detail = if safety.is_some() {
        format!(
            "You've sent {limit} messages this hour and Therabot can't answer more right now. \
             Please reach out to the people in `safety.resources`: they are there for you now, \
             any time of day. If you are in immediate danger, call your local emergency number."
        )
    } else {
        format!(
            "You've sent {limit} messages this hour, the most Therabot can answer. You can keep \
             writing after the time in Retry-After. If you need to talk to someone now, the crisis \
             lines at GET /v1/safety/resources are always there."
        )
    };
    ApiError::TooManyRequests {
        retry_after_secs: u64::try_from(3600 - into_hour).unwrap_or(3600),
        detail,
        safety,
    }
}

async fn answer(
    state: &ChatState,
    turn: &TurnContext<'_>,
    text: &MessageText,
    screening: &mut Screening,
    lang: Lang,
    resources: &CountryResources,
) -> Answer {
    if screening.level == Level::Crisis {
        return Answer::protocol(lang, resources);
    }
    let offline_level = screening.level;
    let built_in = || Answer::built_in(text, lang, offline_level);
    let Some(model) = state.model() else {
        return built_in();
    };
    let Some(key) = model_key(state, turn.deadline).await else {
        metrics::model_fallback();
        return built_in();
    };
    let prompt = prompt(state, turn.recent, text, screening.level);
    // The judge is asked at the same time as the reply, so it adds nothing to an ordinary
    // turn but its own short deadline when it is the slower of the two.
    let (reply, verdict) = tokio::join!(
        model.complete(&key, &prompt, turn.deadline.left(AFTER_THE_MODEL)),
        ask_judge(state, model, &key, turn, text)
    );
    if let Some(verdict) = verdict {
        therabot_shared::safety::measure(&verdict);
        screening.add(verdict);
    }
    if screening.level == Level::Crisis {
        return Answer::protocol(lang, resources).escalated();
    }
    match reply {
        Ok(reply) => model_answer(state, model.name(), &reply, lang, resources),
        Err(error) => {
            tracing::warn!(error = %error, "model failed; answering with the built-in responder");
            metrics::model_fallback();
            built_in()
        }
    }
}

impl Answer {
    /// The crisis protocol with the conversation's country's lines.
    fn protocol(lang: Lang, resources: &CountryResources) -> Self {
        Self {
            text: texts::crisis_protocol(lang, resources),
            kind: MessageKind::CrisisProtocol,
            responder: "crisis_protocol".to_owned(),
            prompt_version: None,
            escalated: false,
            reply_screen: None,
            withheld: false,
        }
    }

    /// The built-in responder's answer, when there is no model or it failed.
    fn built_in(text: &MessageText, lang: Lang, level: Level) -> Self {
        Self {
            text: fallback::respond(text.as_str(), lang, level),
            kind: MessageKind::Message,
            responder: fallback::RESPONDER.to_owned(),
            prompt_version: None,
            escalated: false,
            reply_screen: None,
            withheld: false,
        }
    }

    /// This answer, handled as a crisis the offline screen missed.
    fn escalated(self) -> Self {
        Self {
            escalated: true,
            ..self
        }
    }
}

/// The model's API key, within what is left of the request's deadline; `None` (answer with
/// the built-in responder) when the secret cannot be had in time.
async fn model_key(state: &ChatState, deadline: Deadline) -> Option<String> {
    let secret = tokio::time::timeout(deadline.left(AFTER_THE_MODEL), state.app().secrets().get());
    match secret.await {
        Ok(Ok(values)) => values.llm_api_key.clone(),
        Ok(Err(error)) => {
            tracing::warn!(error = %error, "secret unavailable; answering with the built-in responder");
            None
        }
        Err(_) => {
            tracing::warn!("no time left for the secret; answering with the built-in responder");
            None
        }
    }
}

/// The model's reply, screened: a reply asking to escalate, or giving method or dose
/// content (withheld), becomes the crisis protocol.
fn model_answer(
    state: &ChatState,
    model: &str,
    reply: &str,
    lang: Lang,
    resources: &CountryResources,
) -> Answer {
    if reply::asks_to_escalate(reply) {
        return Answer::protocol(lang, resources).escalated();
    }
    if let Some(rule) = reply::method_content(reply) {
        tracing::warn!(rule, "a model reply gave method or dose content; withheld");
        metrics::reply_withheld();
        return Answer {
            withheld: true,
            reply_screen: Some(reply_verdict(Level::Crisis, Some(rule))),
            ..Answer::protocol(lang, resources).escalated()
        };
    }
    Answer {
        text: cap_length(reply, state.config().reply_max_chars),
        kind: MessageKind::Message,
        responder: format!("model:{model}"),
        prompt_version: Some(PROMPT_VERSION),
        escalated: false,
        reply_screen: Some(reply_verdict(Level::None, None)),
        withheld: false,
    }
}

fn reply_verdict(level: Level, rule: Option<&str>) -> LayerVerdict {
    let verdict = LayerVerdict {
        layer: Layer::Reply,
        level: Some(level),
        version: reply::REPLY_RULES_VERSION.to_owned(),
        detail: rule.map(str::to_owned),
    };
    therabot_shared::safety::measure(&verdict);
    verdict
}

/// The LLM judge's verdict on the new message (with the last few user messages before it
/// for context), or why there is none. `None` when no judge model is configured.
async fn ask_judge(
    state: &ChatState,
    model: &ChatModel,
    key: &str,
    turn: &TurnContext<'_>,
    text: &MessageText,
) -> Option<LayerVerdict> {
    let judge_model = state.config().judge_model.as_deref()?;
    let recent = turn.recent;
    let mut excerpt = String::new();
    // `recent` is newest first: the three user messages before this one, oldest first.
    let earlier: Vec<&ChatMessage> = recent
        .iter()
        .filter(|m| m.role == Role::User)
        .take(3)
        .collect();
    for message in earlier.iter().rev() {
        excerpt.push_str("Earlier user message: ");
        excerpt.push_str(&cap_length(&message.text, 600));
        excerpt.push('\n');
    }
    excerpt.push_str("Last user message (classify this one): ");
    excerpt.push_str(text.as_str());
    let messages = [
        PromptMessage::new("system", judge::JUDGE_PROMPT),
        PromptMessage::new("user", excerpt),
    ];
    let deadline = state
        .config()
        .judge_deadline
        .min(turn.deadline.left(AFTER_THE_MODEL));
    let (verdict, outcome) = match model.classify(key, judge_model, &messages, deadline).await {
        Ok(answer) => match judge::parse(&answer) {
            Some(verdict) => (
                judge::verdict(judge_model, &verdict),
                verdict.level.as_str(),
            ),
            None => {
                tracing::warn!("the safety judge's answer was not a verdict; ignored");
                (judge::no_verdict(judge_model, "garbage"), "garbage")
            }
        },
        Err(error) => {
            tracing::warn!(error = %error, "the safety judge gave no verdict; offline layers decide");
            let why = match error {
                therabot_shared::llm::ModelError::Timeout => "timeout",
                _ => "error",
            };
            (judge::no_verdict(judge_model, why), why)
        }
    };
    metrics::judge_verdict(outcome);
    Some(verdict)
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

//! The chat API's request and response bodies.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use therabot_shared::domain::chat::{ChatMessage, Conversation, MessageKind, Role};
use therabot_shared::http::json;
pub use therabot_shared::http::safety::SafetyView;
use therabot_shared::safety::resources::Resource;
use therabot_shared::safety::{LayerVerdict, Level};
use utoipa::{IntoParams, ToSchema};

/// A new conversation; every field is optional and the body may be left out.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateConversation {
    /// A title, up to 100 characters.
    #[schema(max_length = 100)]
    pub title: Option<String>,
    /// The user's country (ISO 3166-1 alpha-2), so crisis resources are local; defaults to
    /// the region of `Accept-Language` (`en-US` → US), else the international lines.
    #[schema(example = "US")]
    pub country: Option<String>,
    /// `en` or `es`: the language of Therabot's fixed messages. Defaults from
    /// `Accept-Language`, else English.
    #[schema(example = "en")]
    pub language: Option<String>,
}

/// A conversation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConversationView {
    /// Its id.
    pub id: String,
    /// Its title, if any.
    pub title: Option<String>,
    /// The country used for crisis resources, if known.
    pub country: Option<String>,
    /// The language of Therabot's fixed messages.
    pub language: String,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub created_at: Timestamp,
    /// When its last message was written.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub last_message_at: Timestamp,
    /// How many messages it holds.
    pub message_count: u64,
}

impl From<&Conversation> for ConversationView {
    fn from(c: &Conversation) -> Self {
        Self {
            id: c.id.to_string(),
            title: c.title.clone(),
            country: c.country.as_ref().map(|c| c.as_str().to_owned()),
            language: c.language.clone(),
            created_at: c.created_at,
            last_message_at: c.last_message_at,
            message_count: c.message_count,
        }
    }
}

/// A message.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct MessageView {
    /// Its id.
    pub id: String,
    /// Its conversation.
    pub conversation_id: String,
    /// `user` or `assistant`.
    pub role: Role,
    /// `message`, or for Therabot's fixed texts `disclosure`, `reminder`, `check_in`,
    /// `crisis_protocol`.
    pub kind: MessageKind,
    /// The text.
    pub text: String,
    /// When it was written.
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub created_at: Timestamp,
    /// For user messages: what the crisis screen found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_level: Option<Level>,
    /// For user messages: the screen's version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub screen_version: Option<String>,
    /// For user messages: what each layer of the screen said (`rules`, `semantic`, and
    /// `judge` when a model is configured), with its version; for model replies, what the
    /// reply screen said.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub screen: Vec<LayerVerdict>,
    /// For assistant messages: `model:<name>`, `fallback`, `crisis_protocol` or `system`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub responder: Option<String>,
}

impl From<&ChatMessage> for MessageView {
    fn from(m: &ChatMessage) -> Self {
        Self {
            id: m.id.to_string(),
            conversation_id: m.conversation_id.to_string(),
            role: m.role,
            kind: m.kind,
            text: m.text.clone(),
            created_at: m.created_at,
            safety_level: m.safety_level,
            screen_version: m.screen_version.clone(),
            screen: m.screen.clone(),
            responder: m.responder.clone(),
        }
    }
}

/// A new conversation with its opening messages.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CreatedConversation {
    /// The conversation.
    #[serde(flatten)]
    pub conversation: ConversationView,
    /// The opening messages: the AI disclosure, and a check-in after recent risk.
    pub messages: Vec<MessageView>,
    /// Resources to show now, after recent risk.
    pub safety: SafetyView,
}

/// A message to Therabot.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    /// 1 to 4,000 characters.
    #[schema(
        min_length = 1,
        max_length = 4000,
        example = "I've been feeling anxious all week"
    )]
    pub text: String,
}

/// One chat turn.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Turn {
    /// The user's message, as stored.
    pub user_message: MessageView,
    /// Therabot's reply.
    pub reply: MessageView,
    /// The AI disclosure again, when the conversation has gone on for hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder: Option<MessageView>,
    /// The crisis screen's verdict, with resources to show when it is not `none`.
    pub safety: SafetyView,
    /// The catalogue id of the exercise the reply offers (`GET /v1/exercises/{exercise_id}`),
    /// so the app can open it with one tap; absent when it offers none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise_id: Option<String>,
    /// `false` when the reply could not be stored: it is shown now (a person in crisis must
    /// see the protocol) but will not be in the history. The user's message is always kept.
    pub reply_kept: bool,
}

/// A page of conversations, most recently active first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConversationPage {
    /// The conversations.
    pub items: Vec<ConversationView>,
    /// Pass as `next_token` for the next page; absent on the last.
    pub next_token: Option<String>,
}

/// A page of messages, oldest first.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MessagePage {
    /// The messages.
    pub items: Vec<MessageView>,
    /// Pass as `next_token` for the next page; absent on the last.
    pub next_token: Option<String>,
}

/// Paging of `GET /v1/conversations`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListConversationsQuery {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The `next_token` of the previous page.
    pub next_token: Option<String>,
}

/// Filters and paging of `GET /v1/conversations/{id}/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListMessagesQuery {
    /// Items per page, 1 to 100 (default 20).
    pub limit: Option<u32>,
    /// The `next_token` of the previous page.
    pub next_token: Option<String>,
    /// Only messages written at or after this time (RFC 3339).
    pub from: Option<String>,
    /// Only messages written at or before this time (RFC 3339).
    pub to: Option<String>,
    /// Only `user` or only `assistant` messages.
    pub role: Option<String>,
    /// Only messages containing this text (case- and accent-insensitive), 1 to 200 characters.
    pub q: Option<String>,
}

/// The country of `GET /v1/safety/resources` and `/v1/safety/status`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountryQuery {
    /// ISO 3166-1 alpha-2 code; without it (or for a country not on file) the
    /// international default is given.
    pub country: Option<String>,
}

/// Crisis lines for a country.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ResourcesView {
    /// The country asked for, if any.
    pub country: Option<String>,
    /// Whether lines for exactly that country are on file (else the international default).
    pub matched: bool,
    /// The emergency number.
    pub emergency_number: String,
    /// The lines.
    pub resources: Vec<Resource>,
    /// When the data was last reviewed.
    pub reviewed: String,
}

/// The user's current risk state, for the app to open with a check-in.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct StatusView {
    /// The highest level seen within the window, else `none`.
    pub level: Level,
    /// When a message last screened `elevated`.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "json::optional_time")]
    pub last_elevated_at: Option<Timestamp>,
    /// When a message last screened `crisis`.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(serialize_with = "json::optional_time")]
    pub last_crisis_at: Option<Timestamp>,
    /// Whether the app should open with a check-in.
    pub check_in_due: bool,
    /// How long risk is remembered, in hours.
    pub window_hours: i64,
    /// Crisis lines to offer (empty when the level is `none`).
    pub resources: Vec<Resource>,
    /// The emergency number, when resources are given.
    pub emergency_number: Option<String>,
}

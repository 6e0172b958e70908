//! Conversations and their messages.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::text::check_text;
use super::{ConversationId, FieldError, MessageId};
use crate::safety::{LayerVerdict, Level, SCREEN_VERSION, Screening};

/// The longest user message, in characters.
pub const MESSAGE_MAX_CHARS: usize = 4_000;
/// The longest conversation title, in characters.
pub const TITLE_MAX_CHARS: usize = 100;

/// What a user writes to the bot: 1 to [`MESSAGE_MAX_CHARS`] characters, not blank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageText(String);

impl MessageText {
    /// Checks a message.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        if raw.trim().is_empty() {
            return Err(FieldError::new(field, "must not be empty"));
        }
        check_text(field, raw, MESSAGE_MAX_CHARS)?;
        Ok(Self(raw.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The longest text a message search (`q`) may hold, in characters.
pub const SEARCH_MAX_CHARS: usize = 200;

/// A conversation title: at most [`TITLE_MAX_CHARS`] characters as sent, one line; stored
/// trimmed, and a blank one means no title (the rule is exactly
/// [`super::text::single_line_pattern`] with `maxLength`).
pub fn parse_title(field: &str, raw: &str) -> Result<Option<String>, FieldError> {
    check_text(field, raw, TITLE_MAX_CHARS)?;
    if raw.contains(['\n', '\r']) {
        return Err(FieldError::new(field, "must be a single line"));
    }
    let trimmed = raw.trim();
    Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
}

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryCode(String);

/// What a country code must look like (the OpenAPI document states it).
pub const COUNTRY_PATTERN: &str = "^[A-Za-z]{2}$";

impl CountryCode {
    /// Accepts two ASCII letters, any case.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        if raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(raw.to_ascii_uppercase()))
        } else {
            Err(FieldError::new(
                field,
                "must be a two-letter ISO 3166-1 country code, e.g. US or ES",
            ))
        }
    }

    /// Accepts only a code ISO 3166-1 assigns to a country, in capitals as the standard
    /// writes it: what a user keeps in their profile (chosen from a list), unlike a
    /// request's country, for which an unknown code simply gets the international lines.
    pub fn parse_assigned(field: &str, raw: &str) -> Result<Self, FieldError> {
        if ISO_3166_1.binary_search(&raw).is_ok() {
            Ok(Self(raw.to_owned()))
        } else {
            Err(FieldError::new(
                field,
                "must be an ISO 3166-1 alpha-2 code assigned to a country, in capitals, e.g. US or ES",
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What [`CountryCode::parse_assigned`] accepts, for the OpenAPI document's `enum`.
pub fn assigned_countries() -> &'static [&'static str] {
    &ISO_3166_1
}

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted (from the `pycountry`
/// package's copy of the ISO list, 2026-12).
const ISO_3166_1: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The person.
    User,
    /// Therabot.
    Assistant,
}

impl Role {
    /// The role as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// What kind of assistant message this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// An ordinary turn.
    Message,
    /// "Therabot is an AI…", at the start of every conversation.
    Disclosure,
    /// The same, repeated after long use.
    Reminder,
    /// A gentle check-in opening a conversation after recent risk.
    CheckIn,
    /// The crisis protocol reply.
    CrisisProtocol,
}

/// A stored conversation.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// An optional title.
    pub title: Option<String>,
    /// The user's country, for crisis resources.
    pub country: Option<CountryCode>,
    /// `en` or `es`: the language of fixed texts (disclosure, protocol).
    pub language: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When its last message was written.
    pub last_message_at: Timestamp,
    /// How many messages it holds.
    pub message_count: u64,
    /// When the AI disclosure was last shown.
    pub disclosed_at: Timestamp,
    /// Its messages are deleted this many days after they were written (`None`: kept); the
    /// user's profile sets it.
    pub retention_days: Option<u16>,
}

/// When something written at `at` is deleted under a retention of `days` (`None`: never).
pub fn expiry(at: Timestamp, days: Option<u16>) -> Option<Timestamp> {
    days.and_then(|d| {
        at.checked_add(jiff::SignedDuration::from_hours(24 * i64::from(d)))
            .ok()
    })
}

/// A stored message.
#[derive(Debug, Clone)]
pub struct ChatMessage {
    /// Its id (its time part is `created_at`).
    pub id: MessageId,
    /// Its conversation.
    pub conversation_id: ConversationId,
    /// Who wrote it.
    pub role: Role,
    /// For assistant messages, what kind.
    pub kind: MessageKind,
    /// The text.
    pub text: String,
    /// When it was written.
    pub created_at: Timestamp,
    /// For user messages, the crisis screen's level.
    pub safety_level: Option<Level>,
    /// For user messages, the screen version.
    pub screen_version: Option<String>,
    /// For user messages, what each layer of the screen said (rules, semantic, judge); for
    /// model replies, what the reply screen said.
    pub screen: Vec<LayerVerdict>,
    /// For assistant messages, what produced it: `model:<name>`, `fallback`,
    /// `crisis_protocol` or `system`.
    pub responder: Option<String>,
    /// For model replies, the system prompt version.
    pub prompt_version: Option<String>,
}

impl ChatMessage {
    /// A user message written `at`, with the screen's verdict on it.
    pub fn user(
        conversation_id: ConversationId,
        text: &MessageText,
        at: Timestamp,
        screening: &Screening,
    ) -> Self {
        Self {
            id: MessageId::new_at(at),
            conversation_id,
            role: Role::User,
            kind: MessageKind::Message,
            text: text.as_str().to_owned(),
            created_at: at,
            safety_level: Some(screening.level),
            screen_version: Some(SCREEN_VERSION.to_owned()),
            screen: screening.layers.clone(),
            responder: None,
            prompt_version: None,
        }
    }

    /// An assistant message written `at`.
    pub fn assistant(
        conversation_id: ConversationId,
        kind: MessageKind,
        text: String,
        at: Timestamp,
        responder: &str,
        prompt_version: Option<&str>,
    ) -> Self {
        Self {
            id: MessageId::new_at(at),
            conversation_id,
            role: Role::Assistant,
            kind,
            text,
            created_at: at,
            safety_level: None,
            screen_version: None,
            screen: Vec::new(),
            responder: Some(responder.to_owned()),
            prompt_version: prompt_version.map(str::to_owned),
        }
    }
}

/// Lower-cased, accent-free text for case- and accent-insensitive search.
pub fn fold_for_search(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_normalization::char::is_combining_mark;
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_must_be_non_blank_and_at_most_4000_characters() {
        assert!(MessageText::parse("text", "  \n ").is_err());
        assert!(MessageText::parse("text", &"a".repeat(4001)).is_err());
        assert!(MessageText::parse("text", &"ñ".repeat(4000)).is_ok());
    }

    #[test]
    fn countries_are_two_letters_upper_cased() {
        assert_eq!(CountryCode::parse("c", "es").unwrap().as_str(), "ES");
        assert!(CountryCode::parse("c", "ESP").is_err());
        assert_eq!(
            CountryCode::parse_assigned("c", "GB").unwrap().as_str(),
            "GB"
        );
        for unassigned in ["ZZ", "XK", "UK", "EU", "gb"] {
            assert!(
                CountryCode::parse_assigned("c", unassigned).is_err(),
                "{unassigned}"
            );
            assert!(CountryCode::parse("c", unassigned).is_ok(), "{unassigned}");
        }
        assert!(
            ISO_3166_1.windows(2).all(|w| w[0] < w[1]),
            "sorted, for binary search"
        );
        assert!(CountryCode::parse("c", "1A").is_err());
    }

    #[test]
    fn search_folding_ignores_case_and_accents() {
        assert_eq!(fold_for_search("Ánimo MAÑANA"), "animo manana");
    }
}

//! `POST /v1/me/export`: one JSON document with everything we hold about the user, and a CSV
//! of their moods, written to the export bucket and handed back as presigned URLs.
//!
//! The document is built while the partition is read, page by page: items go straight from
//! each page into the output bytes, so memory holds the output once plus one page (and, for
//! conversations, the messages of one conversation until its metadata item arrives).

use std::time::Duration;

use axum::extract::State;
use axum::response::Response;
use http::StatusCode;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use therabot_shared::auth::Identity;
use therabot_shared::domain::UserId;
use therabot_shared::http::responses::Authenticated;
use therabot_shared::http::{ApiError, json};
use therabot_shared::store::keys;
use therabot_shared::store::page::PartitionQuery;
use therabot_shared::store::{Item, Store};
use utoipa::ToSchema;

use crate::AccountState;
use crate::aws::AwsError;

const TAG: &str = "account";
/// The document's format version: bump it when a section changes shape.
pub const SCHEMA_VERSION: u32 = 1;
/// How long the download links work.
pub const LINK_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// Attributes that are how the table is organised, not something about the user.
const INTERNAL: &[&str] = &[
    "PK",
    "SK",
    "GSI1PK",
    "GSI1SK",
    "entity",
    "search",
    "idempotency_key",
    "expires_at",
    "deleting",
];

/// What each section holds, in plain words, written into the document.
const README: &[(&str, &str)] = &[
    (
        "about",
        "Everything Therabot holds about you, as of exported_at. Times are UTC (RFC 3339). Operational records that expire within a day (hourly message counts, records that make retried requests safe) are left out: they repeat what is here.",
    ),
    (
        "profile",
        "Your profile and preferences; null if you never saved one.",
    ),
    (
        "risk_state",
        "When something you wrote last showed risk (elevated or crisis), as the crisis screen judged it; it decides whether a new conversation opens with a check-in. null if never.",
    ),
    (
        "moods",
        "Every mood you logged: score 1-10, emotions, tags, note, when.",
    ),
    (
        "journals",
        "Every journal entry: title, body, tags, prompt, mood, and the crisis screen's level and verdicts on it.",
    ),
    (
        "exercise_completions",
        "Every exercise you recorded: when, how long, mood before and after, rating, note, and CBT thought records.",
    ),
    (
        "conversations",
        "Every conversation with every message (yours and Therabot's), each with the crisis screen's level, what each layer of the screen said, and which responder wrote each reply.",
    ),
    (
        "crisis_referrals",
        "Days on which you were shown crisis lines, before they are counted anonymously (no text).",
    ),
];

/// Where to download your export.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExportCreated {
    /// The whole export as one JSON document (a presigned GET URL).
    pub url: String,
    /// Your moods as CSV, for a spreadsheet (a presigned GET URL).
    pub moods_csv_url: String,
    /// When both links stop working (15 minutes; the bucket deletes the files a day or two
    /// later, and an erasure at once).
    #[schema(value_type = String, format = DateTime)]
    #[serde(serialize_with = "json::time")]
    pub expires_at: Timestamp,
    /// How many items of each kind the export holds.
    pub counts: ExportCounts,
}

/// Items per section of an export.
#[derive(Debug, Default, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct ExportCounts {
    /// Mood entries.
    pub moods: u64,
    /// Journal entries.
    pub journals: u64,
    /// Exercise completions.
    pub exercise_completions: u64,
    /// Conversations.
    pub conversations: u64,
    /// Messages, in all conversations.
    pub messages: u64,
    /// Days with a crisis referral not yet counted anonymously.
    pub crisis_referrals: u64,
}

/// Export everything we hold about you: one JSON document (GDPR Art. 15 and 20) and a CSV of
/// your moods, as links valid for 15 minutes.
#[utoipa::path(
    post, path = "/v1/me/export", tag = TAG,
    responses(
        (status = 201, description = "Built; download it from the links", body = ExportCreated),
        Authenticated,
        (status = 503, description = "Storage unavailable; retry after the `Retry-After` seconds", body = therabot_shared::http::Problem, content_type = "application/problem+json"),
    )
)]
pub(crate) async fn export_data(
    State(state): State<AccountState>,
    identity: Identity,
) -> Result<Response, ApiError> {
    let now = state.app().now();
    let store = state.app().store();
    // A token issued before an erasure still verifies: it exports nothing.
    if store.is_erased(&identity.user).await? {
        return Err(ApiError::from(therabot_shared::store::StoreError::Erased));
    }
    let built = build(store, &identity.user, now).await?;
    let aws = state.aws();
    let bucket = &state.config().export_bucket;
    let stem = format!(
        "{}{}",
        export_prefix(&identity.user),
        ulid::Ulid::from_parts(now.as_millisecond().unsigned_abs(), rand_tail())
    );
    let (json_key, csv_key) = (format!("{stem}.json"), format!("{stem}.csv"));
    aws.put_object(bucket, &json_key, built.json, "application/json")
        .await
        .map_err(unavailable)?;
    aws.put_object(bucket, &csv_key, built.csv, "text/csv; charset=utf-8")
        .await
        .map_err(unavailable)?;
    // An erasure that ran while this export was built has already deleted the user's files
    // and may have missed these two: look again (S3 and the table are both strongly
    // consistent, so one side always sees the other) and take them back.
    if store.is_erased(&identity.user).await? {
        for key in [&json_key, &csv_key] {
            aws.delete_object(bucket, key).await.map_err(unavailable)?;
        }
        return Err(ApiError::from(therabot_shared::store::StoreError::Erased));
    }
    let url = aws
        .presigned_get(bucket, &json_key, LINK_LIFETIME)
        .await
        .map_err(unavailable)?;
    let moods_csv_url = aws
        .presigned_get(bucket, &csv_key, LINK_LIFETIME)
        .await
        .map_err(unavailable)?;
    let expires_at = now + SignedDuration::try_from(LINK_LIFETIME).unwrap_or_default();
    tracing::info!(items = built.counts.total(), "export written");
    Ok(json::respond(
        StatusCode::CREATED,
        &ExportCreated {
            url,
            moods_csv_url,
            expires_at,
            counts: built.counts,
        },
    ))
}

/// The key prefix of a user's exports (a digest, so object keys never name the user).
pub fn export_prefix(user: &UserId) -> String {
    format!("exports/{}/", keys::user_digest(user))
}

/// Random low bits of an export's ULID (two exports in one millisecond never collide).
fn rand_tail() -> u128 {
    ulid::Ulid::new().random()
}

/// S3 refused or is unreachable: tell the client to retry, log the code only.
pub(crate) fn unavailable(error: AwsError) -> ApiError {
    tracing::error!(error = %error, "export storage call failed");
    ApiError::Unavailable {
        retry_after_secs: 5,
    }
}

impl ExportCounts {
    fn total(&self) -> u64 {
        self.moods
            + self.journals
            + self.exercise_completions
            + self.conversations
            + self.messages
            + self.crisis_referrals
    }
}

/// An export, built: the document, the CSV, and what they hold.
pub struct Built {
    /// The JSON document.
    pub json: Vec<u8>,
    /// The moods as CSV.
    pub csv: Vec<u8>,
    /// Items per section.
    pub counts: ExportCounts,
}

/// Reads `user`'s whole partition at `now` into an export.
pub async fn build(store: &Store, user: &UserId, now: Timestamp) -> Result<Built, ApiError> {
    let mut out = Output {
        json: Vec::with_capacity(64 * 1024),
        csv: Vec::new(),
        counts: ExportCounts::default(),
        now,
    };
    out.csv
        .extend_from_slice(b"recorded_at,score,emotions,tags,note,id\r\n");
    let mut readme = Map::new();
    for (section, text) in README {
        readme.insert((*section).to_owned(), Value::from(*text));
    }
    out.raw("{\"schema_version\":");
    out.value(&Value::from(SCHEMA_VERSION));
    out.raw(",\"exported_at\":");
    out.value(&Value::from(now.to_string()));
    out.raw(",\"readme\":");
    out.value(&Value::Object(readme));
    out.raw(",\"user\":");
    out.value(&serde_json::json!({"id": user.as_str()}));
    for (name, sk) in [
        ("profile", keys::PROFILE_SK),
        ("risk_state", keys::SAFETY_SK),
    ] {
        out.raw(&format!(",\"{name}\":"));
        let range = (sk.to_owned(), sk.to_owned());
        let item = first_item(store, user, range).await?;
        out.value(&item.map_or(Value::Null, clean));
    }
    out.raw(",\"moods\":[");
    let mut first = true;
    each_item(store, user, prefix_range("MOOD#"), |item| {
        let value = clean(item);
        out.mood_row(&value);
        out.element(&mut first, &value);
        out.counts.moods += 1;
    })
    .await?;
    for (name, prefix) in [
        ("journals", "JOURNAL#"),
        ("exercise_completions", "DONE#"),
        ("crisis_referrals", "REFERRAL#"),
    ] {
        out.raw(&format!("],\"{name}\":["));
        let mut first = true;
        let mut count = 0;
        each_item(store, user, prefix_range(prefix), |item| {
            out.element(&mut first, &clean(item));
            count += 1;
        })
        .await?;
        match name {
            "journals" => out.counts.journals = count,
            "exercise_completions" => out.counts.exercise_completions = count,
            _ => out.counts.crisis_referrals = count,
        }
    }
    out.raw("],\"conversations\":[");
    out.conversations(store, user).await?;
    out.raw("]}");
    Ok(Built {
        json: out.json,
        csv: out.csv,
        counts: out.counts,
    })
}

/// The output being written.
struct Output {
    json: Vec<u8>,
    csv: Vec<u8>,
    counts: ExportCounts,
    now: Timestamp,
}

impl Output {
    fn raw(&mut self, text: &str) {
        self.json.extend_from_slice(text.as_bytes());
    }

    fn value(&mut self, value: &Value) {
        // Writing a `Value` into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.json, value);
    }

    /// An array element, with a comma before all but the first.
    fn element(&mut self, first: &mut bool, value: &Value) {
        if !std::mem::take(first) {
            self.json.push(b',');
        }
        self.value(value);
    }

    fn mood_row(&mut self, mood: &Value) {
        let text = |name: &str| mood.get(name).and_then(Value::as_str).unwrap_or_default();
        let list = |name: &str| {
            mood.get(name)
                .and_then(Value::as_array)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default()
        };
        let score = mood
            .get("score")
            .map(ToString::to_string)
            .unwrap_or_default();
        let row = [
            csv_field(text("recorded_at")),
            csv_field(&score),
            csv_field(&list("emotions")),
            csv_field(&list("tags")),
            csv_field(text("note")),
            csv_field(text("id")),
        ]
        .join(",");
        self.csv.extend_from_slice(row.as_bytes());
        self.csv.extend_from_slice(b"\r\n");
    }

    /// Conversations with their messages. In the table a conversation's messages sort just
    /// before its metadata item, so they are held until it arrives; messages whose
    /// conversation item is gone (a delete under way) are written under their id alone.
    async fn conversations(&mut self, store: &Store, user: &UserId) -> Result<(), ApiError> {
        let mut first = true;
        let mut held: Vec<Value> = Vec::new();
        let mut held_for: Option<String> = None;
        let now = self.now;
        each_item(store, user, prefix_range("CONV#"), |item| {
            let is_meta = keys::sort_key_of(&item).is_some_and(|sk| sk.ends_with("#META"));
            let gone = expired(&item, now);
            let value = clean(item);
            let id = if is_meta { "id" } else { "conversation_id" };
            let conversation = value.get(id).and_then(Value::as_str).map(str::to_owned);
            // Messages held for another conversation (or for this one, when its own item is
            // past its retention) are written under their id alone, never under this one.
            if !held.is_empty() && (held_for != conversation || (is_meta && gone)) {
                let orphans = std::mem::take(&mut held);
                let orphan_id = held_for.take().map_or(Value::Null, Value::from);
                self.conversation(&mut first, serde_json::json!({"id": orphan_id}), orphans);
            }
            if gone {
                return;
            }
            if is_meta {
                let messages = std::mem::take(&mut held);
                held_for = None;
                self.conversation(&mut first, value, messages);
                return;
            }
            held_for = conversation;
            held.push(value);
        })
        .await?;
        if !held.is_empty() {
            let id = held_for.map_or(Value::Null, Value::from);
            self.conversation(&mut first, serde_json::json!({"id": id}), held);
        }
        Ok(())
    }

    /// Writes one conversation with its messages.
    fn conversation(&mut self, first: &mut bool, mut conversation: Value, messages: Vec<Value>) {
        self.counts.conversations += 1;
        self.counts.messages += messages.len() as u64;
        if let Some(fields) = conversation.as_object_mut() {
            fields.insert("messages".into(), Value::Array(messages));
        }
        self.element(first, &conversation);
    }
}

/// The sort-key range of every item whose key starts with `prefix`.
fn prefix_range(prefix: &str) -> (String, String) {
    (prefix.to_owned(), format!("{prefix}~"))
}

/// Whether an item's retention has ended (DynamoDB's TTL deletes it only within days).
fn expired(item: &Item, now: Timestamp) -> bool {
    item.get(keys::EXPIRES_AT)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<i64>().ok())
        .is_some_and(|at| at <= now.as_second())
}

/// An item as the user should read it: its attributes without the table's own.
fn clean(item: Item) -> Value {
    let mut value: Value = serde_dynamo::aws_sdk_dynamodb_1::from_item(item).unwrap_or(Value::Null);
    if let Some(fields) = value.as_object_mut() {
        for name in INTERNAL {
            fields.remove(*name);
        }
    }
    value
}

/// Calls `each` with every item of `user` in `range`, a page at a time.
async fn each_item(
    store: &Store,
    user: &UserId,
    range: (String, String),
    mut each: impl FnMut(Item),
) -> Result<(), ApiError> {
    let query = PartitionQuery::new(keys::user_pk(user), range);
    let mut start = None;
    loop {
        let (items, next) = store.raw_page(&query, start).await?;
        items.into_iter().for_each(&mut each);
        match next {
            Some(key) => start = Some(key),
            None => return Ok(()),
        }
    }
}

async fn first_item(
    store: &Store,
    user: &UserId,
    range: (String, String),
) -> Result<Option<Item>, ApiError> {
    let mut found = None;
    each_item(store, user, range, |item| {
        found.get_or_insert(item);
    })
    .await?;
    Ok(found)
}

/// One CSV field (RFC 4180), quoted when it must be; a leading `=`, `+`, `-`, `@`, tab or
/// carriage return is escaped with `'` so a spreadsheet shows a note instead of running it as
/// a formula (OWASP's CSV injection guidance).
fn csv_field(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a, b"), "\"a, b\"");
        assert_eq!(csv_field("say \"hi\"\nbye"), "\"say \"\"hi\"\"\nbye\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-3 points"), "'-3 points");
        assert_eq!(csv_field("\t=1"), "'\t=1");
    }

    #[test]
    fn the_tables_own_attributes_are_left_out() {
        use aws_sdk_dynamodb::types::AttributeValue;
        let item: Item = [
            ("PK", AttributeValue::S("USER#u".into())),
            ("SK", AttributeValue::S("MOOD#1".into())),
            ("entity", AttributeValue::S("mood".into())),
            ("score", AttributeValue::N("7".into())),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(clean(item), serde_json::json!({"score": 7}));
    }
}

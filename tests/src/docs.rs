//! The API's OpenAPI 3.1 document, assembled from every function's routes, and the routes
//! that serve it locally (`/openapi.json`, and a reading page at `/docs`).

use axum::Router;
use axum::response::Html;
use axum::routing::get;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi, SecurityRequirement};

/// The document of the whole API.
pub fn openapi() -> OpenApi {
    let mut doc = OpenApi::default();
    doc.info = InfoBuilder::new()
        .title("Therabot API")
        .version(env!("CARGO_PKG_VERSION"))
        .description(Some(
            "The backend of Therabot, a mental-health support app. Every route needs a Cognito \
             access token (`Authorization: Bearer <token>`) carrying the `therabot/api` scope. \
             Errors are RFC 9457 problem documents (`application/problem+json`).",
        ))
        .build();
    doc.merge(moods::openapi());
    doc.merge(chat::openapi());
    doc.merge(journals::openapi());
    doc.merge(exercises::openapi());
    doc.merge(account::openapi());
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    doc.security = Some(vec![SecurityRequirement::new("bearer", ["therabot/api"])]);
    state_parameter_formats(&mut doc);
    state_unavailable(&mut doc);
    state_body_formats(doc)
}

/// Every route reads or writes the table (and some the secret), so every route can answer
/// 503 with `Retry-After` when they are unreachable, slow or throttling
/// (`tests/api/reliability.rs`). Routes that say more about their own 503 keep their words.
fn state_unavailable(doc: &mut OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let response = ResponseBuilder::new()
        .description(
            "Storage or another service it needs is unavailable, slow or throttling; retry \
             after the `Retry-After` seconds (a write sent again with the same \
             `Idempotency-Key` is answered once, never repeated)",
        )
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .build();
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for operation in operations.into_iter().flatten() {
            operation
                .responses
                .responses
                .entry("503".to_owned())
                .or_insert_with(|| response.clone().into());
        }
    }
}

/// The formats the code enforces on parameters shared by many routes, stated once, from the
/// constants the parsers use: path ids, `Idempotency-Key`, `If-Match`, `limit`, `country`,
/// `role`, `bucket`, `from`/`to`, `tag`, `q`, `next_token` and `tz`.
fn state_parameter_formats(doc: &mut OpenApi) {
    use therabot_shared::domain::chat::{COUNTRY_PATTERN, SEARCH_MAX_CHARS};
    use therabot_shared::domain::completion::EXERCISE_ID_PATTERN;
    use therabot_shared::domain::ids::ID_PATTERN;
    use therabot_shared::http::etag::IF_MATCH_PATTERN;
    use therabot_shared::http::idempotency::KEY_PATTERN;
    use therabot_shared::http::pagination::{MAX_LIMIT, TOKEN_MAX_LEN, TOKEN_PATTERN};
    use utoipa::openapi::path::ParameterIn;

    let format = |place: &ParameterIn, name: &str| -> Option<serde_json::Value> {
        Some(match (place, name) {
            (ParameterIn::Path, "id") => {
                serde_json::json!({"type": "string", "pattern": ID_PATTERN})
            }
            (ParameterIn::Path | ParameterIn::Query, "exercise_id") => {
                serde_json::json!({"type": "string", "pattern": EXERCISE_ID_PATTERN})
            }
            (ParameterIn::Header, "Idempotency-Key") => {
                serde_json::json!({"type": "string", "pattern": KEY_PATTERN})
            }
            (ParameterIn::Header, "If-Match") => {
                serde_json::json!({"type": "string", "pattern": IF_MATCH_PATTERN})
            }
            (ParameterIn::Query, "limit") => {
                serde_json::json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT})
            }
            (ParameterIn::Query, "country") => {
                serde_json::json!({"type": "string", "pattern": COUNTRY_PATTERN})
            }
            (ParameterIn::Query, "role") => {
                serde_json::json!({"type": "string", "enum": ["user", "assistant"]})
            }
            (ParameterIn::Query, "bucket") => {
                serde_json::json!({"type": "string", "enum": ["day", "week"]})
            }
            (ParameterIn::Query, "from" | "to") => {
                serde_json::json!({"type": "string", "format": "date-time"})
            }
            (ParameterIn::Query, "tag") => label_schema(),
            (ParameterIn::Query, "q") => {
                serde_json::json!({"type": "string", "maxLength": SEARCH_MAX_CHARS, "pattern": r"\S"})
            }
            (ParameterIn::Query, "next_token") => serde_json::json!({
                "type": "string", "maxLength": TOKEN_MAX_LEN, "pattern": TOKEN_PATTERN
            }),
            (ParameterIn::Query, "tz") => {
                // The bundled time-zone database, so the list is the same on every machine.
                let names = therabot_shared::domain::profile::time_zone_names();
                serde_json::json!({"type": "string", "enum": names})
            }
            _ => return None,
        })
    };
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ];
        for operation in operations.into_iter().flatten() {
            for parameter in operation.parameters.iter_mut().flatten() {
                let utoipa::openapi::RefOr::T(parameter) = parameter else {
                    continue;
                };
                if let Some(schema) = format(&parameter.parameter_in, &parameter.name)
                    .and_then(|s| serde_json::from_value(s).ok())
                {
                    parameter.schema = Some(schema);
                }
            }
        }
    }
}

/// A label (a tag or an emotion), as [`therabot_shared::domain::text::Label::parse`] checks it.
fn label_schema() -> serde_json::Value {
    use therabot_shared::domain::text::{LABEL_MAX_CHARS, LABEL_PATTERN};
    serde_json::json!({
        "type": "string", "minLength": 1, "maxLength": LABEL_MAX_CHARS, "pattern": LABEL_PATTERN
    })
}

/// Every ISO 3166-1 code assigned to a country, and `null` (which clears the profile's).
fn countries_or_null() -> Vec<serde_json::Value> {
    let codes = therabot_shared::domain::chat::assigned_countries();
    let mut values: Vec<serde_json::Value> = codes.iter().map(|c| (*c).into()).collect();
    values.push(serde_json::Value::Null);
    values
}

/// Every zone of the bundled tz database, and `null` (which clears the profile's).
fn time_zones_or_null() -> Vec<serde_json::Value> {
    let names = therabot_shared::domain::profile::time_zone_names();
    let mut values: Vec<serde_json::Value> = names.into_iter().map(Into::into).collect();
    values.push(serde_json::Value::Null);
    values
}

/// The formats the code enforces on request bodies beyond what the types say (label and text
/// rules, country codes, languages), stated from the same constants the parsers use.
fn state_body_formats(doc: OpenApi) -> OpenApi {
    use therabot_shared::domain::chat::COUNTRY_PATTERN;
    use therabot_shared::domain::text::{
        LABELS_MAX, non_blank_single_line_pattern, non_blank_text_pattern, single_line_pattern,
        text_pattern,
    };
    let Ok(mut value) = serde_json::to_value(&doc) else {
        return doc;
    };
    // Moods: labels and notes are the same on create and update.
    let labels = serde_json::json!({"items": label_schema(), "maxItems": LABELS_MAX});
    let note = serde_json::json!({"pattern": text_pattern()});
    let mut rules = Vec::new();
    for schema in ["CreateMood", "UpdateMood"] {
        rules.push((schema, "emotions", labels.clone()));
        rules.push((schema, "tags", labels.clone()));
        rules.push((schema, "note", note.clone()));
    }
    rules.extend([
        (
            "SendMessage",
            "text",
            serde_json::json!({"pattern": non_blank_text_pattern()}),
        ),
        (
            "CreateConversation",
            "title",
            serde_json::json!({"pattern": single_line_pattern()}),
        ),
        (
            "CreateConversation",
            "country",
            serde_json::json!({"pattern": COUNTRY_PATTERN}),
        ),
        (
            "CreateConversation",
            "language",
            serde_json::json!({"enum": ["en", "es", null]}),
        ),
    ]);
    // Journals: the same label rules, a body that says something, a one-line title, a
    // prompt of the catalogue, a mood entry's id.
    let prompt_ids: Vec<&str> = journals::prompts::list(None)
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    for schema in ["CreateJournal", "UpdateJournal"] {
        rules.extend([
            (schema, "tags", labels.clone()),
            (
                schema,
                "body",
                serde_json::json!({"pattern": non_blank_text_pattern()}),
            ),
            (
                schema,
                "title",
                serde_json::json!({"pattern": single_line_pattern()}),
            ),
            (
                schema,
                "mood_id",
                serde_json::json!({"pattern": therabot_shared::domain::ids::ID_PATTERN}),
            ),
        ]);
    }
    rules.push((
        "CreateJournal",
        "prompt_id",
        serde_json::json!({"enum": prompt_ids}),
    ));
    // Completions: a note like a mood's; a thought record's texts must say something.
    let said = serde_json::json!({"pattern": non_blank_text_pattern()});
    let said_items = serde_json::json!({"items": {
        "type": "string", "minLength": 1, "maxLength": 2000, "pattern": non_blank_text_pattern()
    }});
    rules.extend([
        ("CreateCompletion", "note", note.clone()),
        ("ThoughtRecordBody", "situation", said.clone()),
        ("ThoughtRecordBody", "balanced_thought", said.clone()),
        ("ThoughtRecordBody", "evidence_for", said_items.clone()),
        ("ThoughtRecordBody", "evidence_against", said_items),
        ("ThoughtBody", "text", said),
        ("EmotionBody", "name", label_schema()),
    ]);
    // The profile: a one-line name, a zone of the bundled tz database, a BCP 47 tag.
    rules.extend([
        (
            "UpdateProfile",
            "display_name",
            serde_json::json!({"pattern": non_blank_single_line_pattern()}),
        ),
        (
            "UpdateProfile",
            "timezone",
            serde_json::json!({"enum": time_zones_or_null()}),
        ),
        (
            "UpdateProfile",
            "locale",
            serde_json::json!({"pattern": therabot_shared::domain::profile::LOCALE_PATTERN}),
        ),
        (
            "UpdateProfile",
            "country",
            serde_json::json!({"enum": countries_or_null()}),
        ),
    ]);
    rules.push((
        "EraseAccount",
        "confirm",
        serde_json::json!({"enum": [account::erase::CONFIRMATION]}),
    ));
    for (schema, property, patch) in rules {
        let target = &mut value["components"]["schemas"][schema]["properties"][property];
        debug_assert!(
            target.is_object(),
            "{schema}.{property} is not in the document"
        );
        if let (Some(target), Some(patch)) = (target.as_object_mut(), patch.as_object()) {
            target.extend(patch.clone());
        }
    }
    serde_json::from_value(value).unwrap_or(doc)
}

/// Rules utoipa's types cannot hold (JSON Schema's `not`), written into the document's text:
/// going through `serde_json::Value` would sort every key of the committed document.
fn state_rules_beyond_utoipa(text: &mut String) {
    // `mood` and `mood_id` say one thing two ways: at most one of them may be given.
    for schema in ["CreateJournal", "UpdateJournal"] {
        let opening = format!("\n      \"{schema}\": {{\n");
        if let Some(at) = text.find(&opening) {
            let rule = "        \"not\": {\n          \"required\": [\n            \"mood\",\n            \"mood_id\"\n          ]\n        },\n";
            text.insert_str(at + opening.len(), rule);
        }
    }
}

/// The document as committed in `docs/openapi.json`.
pub fn openapi_json() -> String {
    let mut text = openapi().to_pretty_json().unwrap_or_default();
    state_rules_beyond_utoipa(&mut text);
    text.push('\n');
    text
}

const DOCS_PAGE: &str = r#"<!doctype html>
<html><head><meta charset="utf-8"><title>Therabot API</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><div id="app"></div>
<script id="api-reference" data-url="/openapi.json"></script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"></script>
<noscript>The reference page needs JavaScript and the Scalar script from jsDelivr; the raw
document is at <a href="/openapi.json">/openapi.json</a>.</noscript>
</body></html>"#;

/// `/openapi.json` and `/docs`.
pub fn routes() -> Router {
    Router::new()
        .route(
            "/openapi.json",
            get(|| async {
                (
                    [(http::header::CONTENT_TYPE, "application/json")],
                    openapi_json(),
                )
            }),
        )
        .route("/docs", get(|| async { Html(DOCS_PAGE) }))
}

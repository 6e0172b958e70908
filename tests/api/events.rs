//! Every sample event in `events/` goes through its function's Lambda router exactly as
//! `lambda_http` would hand it over, with API Gateway's JWT claims as the identity.

use std::collections::BTreeSet;
use std::path::PathBuf;

use axum::Router;
use http_body_util::BodyExt;
use jiff::Timestamp;
use therabot_local::repository_root;
use therabot_shared::AppContext;
use therabot_shared::domain::mood::{MoodEntry, MoodScore};
use therabot_shared::domain::text::Labels;
use therabot_shared::domain::{CompletionId, ConversationId, JournalId, MoodId, UserId};
use tower::ServiceExt;

use crate::support::TestApp;

/// The status each event must produce, in the order they run.
const EXPECTED: &[(&str, u16)] = &[
    ("account-get.json", 200),
    ("account-update.json", 200),
    ("account-export.json", 201),
    ("chat-get-conversation.json", 200),
    ("chat-send-message.json", 201),
    ("chat-list-messages.json", 200),
    ("chat-list-conversations.json", 200),
    ("chat-delete-conversation.json", 204),
    ("chat-create-conversation.json", 201),
    ("chat-safety-resources.json", 200),
    ("chat-safety-status.json", 200),
    ("completions-get.json", 200),
    ("completions-delete.json", 204),
    ("completions-list.json", 200),
    ("completions-summary.json", 200),
    ("exercises-list.json", 200),
    ("exercises-get.json", 200),
    ("exercises-complete.json", 201),
    ("journals-get.json", 200),
    ("journals-update.json", 200),
    ("journals-delete.json", 204),
    ("journals-create.json", 201),
    ("journals-list.json", 200),
    ("journals-prompts.json", 200),
    ("moods-get.json", 200),
    ("moods-update.json", 200),
    ("moods-delete.json", 204),
    ("moods-create.json", 201),
    ("moods-list.json", 200),
    ("moods-summary.json", 200),
    // Last: it erases its user (another one than the events above use).
    ("account-erase.json", 200),
];

/// The issuer the sample events' claims name.
const EVENTS_ISSUER: &str = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Example";

fn events_dir() -> PathBuf {
    repository_root().join("events")
}

fn router_for(file: &str, context: &AppContext, account: &account::AccountConfig) -> Router {
    match file.split('-').next() {
        Some("moods") => moods::router(context.clone()),
        Some("account") => {
            account::router(account::AccountState::new(context.clone(), account.clone()))
        }
        Some("chat") => {
            // As deployed without a model key: the built-in responder answers.
            let model_dir =
                repository_root().join(therabot_shared::safety::semantic::MODEL_DIR_IN_REPOSITORY);
            let model_dir = model_dir.to_string_lossy().into_owned();
            let config = chat::ChatConfig::from_lookup(&|name| {
                (name == "SCREEN_MODEL_DIR").then(|| model_dir.clone())
            })
            .unwrap();
            chat::router(chat::ChatState::new(context.clone(), config).unwrap())
        }
        Some("journals") => {
            let model_dir =
                repository_root().join(therabot_shared::safety::semantic::MODEL_DIR_IN_REPOSITORY);
            journals::router(journals::JournalsState::new(context.clone(), model_dir).unwrap())
        }
        Some("exercises" | "completions") => {
            // As deployed without a provider: the built-in catalogue answers.
            let model_dir =
                repository_root().join(therabot_shared::safety::semantic::MODEL_DIR_IN_REPOSITORY);
            let config = exercises::ExercisesConfig {
                provider_url: None,
                screen_model_dir: model_dir,
                cache: exercises::CacheTimes::default(),
            };
            exercises::router(exercises::ExercisesState::new(context.clone(), config).unwrap())
        }
        _ => panic!("no function for event {file}: add it to events.rs"),
    }
}

fn read(file: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(events_dir().join(file)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The mood the get/update/delete events address, fresh at version 1.
async fn seed(context: &AppContext, event: &serde_json::Value) {
    let sub = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
        .as_str()
        .unwrap();
    let id: MoodId = event["pathParameters"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let user = UserId::parse(sub).unwrap();
    let store = context.store();
    let _ = store.delete_mood(&user, id, None).await;
    let now = Timestamp::now();
    let entry = MoodEntry {
        id,
        score: MoodScore::parse("score", 6).unwrap(),
        emotions: Labels::default(),
        tags: Labels::default(),
        note: None,
        recorded_at: Timestamp::from_millisecond(i64::try_from(id.millis()).unwrap()).unwrap(),
        created_at: now,
        updated_at: now,
        version: 1,
    };
    store.put_mood(&user, &entry, None).await.unwrap();
}

/// The journal entry the get/update/delete events address, fresh at version 1.
async fn seed_journal(context: &AppContext, event: &serde_json::Value) {
    use therabot_shared::domain::journal::{JournalBody, MoodLink, NewJournal};
    use therabot_shared::domain::risk::SafetyVerdict;
    let sub = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
        .as_str()
        .unwrap();
    let id: JournalId = event["pathParameters"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let user = UserId::parse(sub).unwrap();
    let store = context.store();
    let _ = store.delete_journal(&user, id, None).await;
    let safety = SafetyVerdict {
        level: therabot_shared::safety::Level::None,
        screen_version: "seed".into(),
        layers: Vec::new(),
    };
    let new = NewJournal {
        body: JournalBody::parse("body", "A seeded entry.").unwrap(),
        title: None,
        tags: Labels::default(),
        prompt_id: None,
        mood: MoodLink::None,
    };
    let mut entry = new.into_entry(Timestamp::now(), safety);
    entry.id = id;
    store.put_journal(&user, &entry, None).await.unwrap();
}

/// The completion the get/delete events address, fresh.
async fn seed_completion(context: &AppContext, event: &serde_json::Value) {
    use therabot_shared::domain::completion::{ExerciseId, NewCompletion};
    use therabot_shared::domain::risk::SafetyVerdict;
    let sub = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
        .as_str()
        .unwrap();
    let id: CompletionId = event["pathParameters"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let user = UserId::parse(sub).unwrap();
    let store = context.store();
    let _ = store.delete_completion(&user, id).await;
    let new = NewCompletion {
        exercise_id: ExerciseId::built_in("box-breathing"),
        started_at: Timestamp::from_millisecond(i64::try_from(id.millis()).unwrap()).unwrap(),
        duration_s: 240,
        mood_before: None,
        mood_after: None,
        rating: None,
        note: None,
        thought_record: None,
    };
    let safety = SafetyVerdict {
        level: therabot_shared::safety::Level::None,
        screen_version: "seed".into(),
        layers: Vec::new(),
    };
    let mut entry = new.into_entry(Timestamp::now(), safety);
    entry.id = id;
    store.put_completion(&user, &entry, None).await.unwrap();
}

/// The conversation the chat events address, fresh.
async fn seed_conversation(context: &AppContext, event: &serde_json::Value) {
    use therabot_shared::domain::chat::{ChatMessage, Conversation, MessageKind};
    let sub = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
        .as_str()
        .unwrap();
    let id: ConversationId = event["pathParameters"]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let user = UserId::parse(sub).unwrap();
    let store = context.store();
    store.delete_conversation(&user, id).await.unwrap();
    let now = Timestamp::now();
    let conversation = Conversation {
        id,
        title: None,
        country: None,
        language: "en".into(),
        created_at: now,
        last_message_at: now,
        message_count: 1,
        retention_days: None,
        disclosed_at: now,
    };
    let disclosure = ChatMessage::assistant(
        id,
        MessageKind::Disclosure,
        "I'm an AI.".into(),
        now,
        "system",
        None,
    );
    store
        .create_conversation(&user, &conversation, &[disclosure], None)
        .await
        .unwrap();
}

#[tokio::test]
async fn every_sample_event_is_served_by_its_function() {
    let app = TestApp::start().await;
    let context = &app.api.context;
    let on_disk: BTreeSet<String> = std::fs::read_dir(events_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    let expected: BTreeSet<String> = EXPECTED.iter().map(|(f, _)| (*f).to_owned()).collect();
    assert_eq!(
        on_disk, expected,
        "every event needs an expected status here"
    );

    seed(context, &read("moods-get.json")).await;
    seed_journal(context, &read("journals-get.json")).await;
    seed_completion(context, &read("completions-get.json")).await;
    seed_conversation(context, &read("chat-get-conversation.json")).await;
    for (file, status) in EXPECTED {
        // The events name the example pool's issuer (set AUTH_ISSUER to it for `sam local
        // invoke`); here the claims must name the issuer this context trusts.
        let text = std::fs::read_to_string(events_dir().join(file))
            .unwrap()
            .replace(EVENTS_ISSUER, &context.config().auth.issuer);
        let request = lambda_http::request::from_str(&text)
            .unwrap_or_else(|e| panic!("{file} is not an API Gateway event: {e}"));
        let response = router_for(file, context, &app.api.account)
            .oneshot(request)
            .await
            .unwrap();
        let got = response.status().as_u16();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(got, *status, "{file}: {}", String::from_utf8_lossy(&body));
        if got != 204 {
            let _: serde_json::Value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| panic!("{file}: body is not JSON"));
        }
    }
}

#[tokio::test]
async fn events_cover_exactly_the_routes_the_template_declares() {
    let template: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(repository_root().join("template.yaml")).unwrap(),
    )
    .unwrap();
    let mut declared = BTreeSet::new();
    for resource in template["Resources"].as_mapping().unwrap().values() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        for event in resource["Properties"]["Events"]
            .as_mapping()
            .unwrap()
            .values()
        {
            let props = &event["Properties"];
            declared.insert(format!(
                "{} {}",
                props["Method"].as_str().unwrap(),
                props["Path"].as_str().unwrap()
            ));
        }
    }
    let covered: BTreeSet<String> = EXPECTED
        .iter()
        .map(|(file, _)| read(file)["routeKey"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(covered, declared);
}

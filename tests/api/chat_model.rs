//! The model path against a local HTTP server standing in for the LLM provider (wiremock),
//! with the API key in the local Secrets-Manager-protocol server.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, User, json_created};

const KEY: &str = "sk-test-0123456789";

fn completion(text: &str) -> Value {
    json!({"id": "c1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]})
}

async fn app_with_model(server: &MockServer, timeout_ms: u32) -> TestApp {
    let base = format!("{}/v1", server.uri());
    TestApp::start_with(move |o| {
        o.chat_settings.insert("LLM_BASE_URL".into(), base);
        o.chat_settings
            .insert("LLM_MODEL".into(), "test-model".into());
        o.chat_settings
            .insert("LLM_TIMEOUT_MS".into(), timeout_ms.to_string());
        o.llm_api_key = Some(KEY.into());
    })
    .await
}

/// A model stand-in answering every request with `answer`, an app using it, a user and a
/// conversation.
async fn setup(answer: ResponseTemplate, timeout_ms: u32) -> (MockServer, TestApp, User, String) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(answer)
        .mount(&server)
        .await;
    let app = app_with_model(&server, timeout_ms).await;
    let user = app.user();
    let conversation = new_conversation(&app, &user).await;
    (server, app, user, conversation)
}

async fn new_conversation(app: &TestApp, user: &User) -> String {
    app.create_conversation(user, json!({"country": "US"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The reply requests the model received (the safety judge's, asked beside each reply, are
/// left out; `tests/api/judge.rs` tests those).
async fn bodies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
        .filter(|body| {
            !body["messages"][0]["content"]
                .as_str()
                .unwrap_or_default()
                .contains("clinical safety classifier")
        })
        .collect()
}

#[tokio::test]
async fn the_model_gets_the_system_prompt_the_history_in_order_the_model_name_and_the_key() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(completion("That sounds hard. Tell me more?")),
        )
        .mount(&server)
        .await;
    let app = app_with_model(&server, 5_000).await;
    let user = app.user();
    let conversation = new_conversation(&app, &user).await;
    let first = json_created(
        app.send(&user, &conversation, "I argued with my sister")
            .await,
    )
    .await;
    assert_eq!(first["reply"]["text"], "That sounds hard. Tell me more?");
    assert_eq!(first["reply"]["responder"], "model:test-model");
    json_created(
        app.send(&user, &conversation, "She said I never listen")
            .await,
    )
    .await;

    let requests = bodies(&server).await;
    assert_eq!(requests.len(), 2);
    let second = &requests[1];
    assert_eq!(second["model"], "test-model");
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages[0]["role"], "system");
    let system = messages[0]["content"].as_str().unwrap();
    assert!(
        system.starts_with("You are Therabot")
            && system.contains("never claim") == system.contains("never claim")
    );
    assert!(system.contains("not a therapist") || system.contains("You are not a therapist"));
    let rest: Vec<(&str, &str)> = messages[1..]
        .iter()
        .map(|m| (m["role"].as_str().unwrap(), m["content"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rest,
        vec![
            ("user", "I argued with my sister"),
            ("assistant", "That sounds hard. Tell me more?"),
            ("user", "She said I never listen"),
        ],
        "history oldest first, the disclosure left out, the new message last"
    );
}

#[tokio::test]
async fn an_elevated_message_adds_the_safety_prompt_and_resources_to_the_models_reply() {
    let (server, app, user, conversation) = setup(
        ResponseTemplate::new(200).set_body_json(completion("I'm really glad you told me.")),
        5_000,
    )
    .await;
    let turn = json_created(
        app.send(&user, &conversation, "nothing will ever get better")
            .await,
    )
    .await;
    assert_eq!(turn["safety"]["level"], "elevated");
    assert_eq!(turn["safety"]["resources"][0]["phone"], "988");
    assert_eq!(turn["reply"]["responder"], "model:test-model");
    let system = bodies(&server).await[0]["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(system.contains("Safety note for this turn"));
}

#[tokio::test]
async fn a_crisis_message_never_reaches_the_model() {
    let (server, app, user, conversation) = setup(
        ResponseTemplate::new(200).set_body_json(completion("model text")),
        5_000,
    )
    .await;
    for text in [
        "I'm going to kill myself tonight",
        "how many pills does it take to die",
        "quiero morir",
    ] {
        let turn = json_created(app.send(&user, &conversation, text).await).await;
        assert_eq!(turn["safety"]["level"], "crisis", "{text}");
        assert_eq!(turn["reply"]["responder"], "crisis_protocol");
        assert_eq!(turn["reply"]["kind"], "crisis_protocol");
    }
    assert!(
        bodies(&server).await.is_empty(),
        "no request reached the model"
    );
}

#[tokio::test]
async fn when_the_model_sees_danger_the_screen_missed_the_crisis_protocol_answers() {
    let (_server, app, user, conversation) = setup(
        ResponseTemplate::new(200).set_body_json(completion("SAFETY_ESCALATE")),
        5_000,
    )
    .await;
    let turn = json_created(
        app.send(
            &user,
            &conversation,
            "the pills are lined up and I've written letters",
        )
        .await,
    )
    .await;
    assert_eq!(turn["safety"]["level"], "crisis");
    assert_eq!(turn["reply"]["kind"], "crisis_protocol");
    assert!(
        !turn["reply"]["text"]
            .as_str()
            .unwrap()
            .contains("SAFETY_ESCALATE")
    );
    let status = crate::support::json_ok(app.get(&user, "/v1/safety/status").await).await;
    assert_eq!(status["level"], "crisis");
}

async fn assert_fallback(app: &TestApp, user: &User, conversation: &str) {
    let turn = json_created(
        app.send(user, conversation, "I'm so anxious about tomorrow")
            .await,
    )
    .await;
    assert_eq!(turn["reply"]["responder"], "fallback");
    assert!(turn["reply"]["text"].as_str().unwrap().len() > 20);
    let history = app
        .all_pages(
            user,
            &format!("/v1/conversations/{conversation}/messages?role=user"),
        )
        .await;
    assert!(
        history
            .iter()
            .flatten()
            .any(|m| m["text"] == "I'm so anxious about tomorrow"),
        "the message is kept"
    );
}

#[tokio::test]
async fn a_slow_model_times_out_and_the_built_in_responder_answers() {
    // The model answers after 8 s, far past the 1.5 s budget: the turn must not wait for it.
    // The margin leaves room for the rest of the turn (the screen, the store) on a loaded
    // two-core CI machine, where 4 s was once not enough.
    let (_server, app, user, conversation) = setup(
        ResponseTemplate::new(200)
            .set_body_json(completion("too late"))
            .set_delay(Duration::from_secs(8)),
        1_500,
    )
    .await;
    let started = std::time::Instant::now();
    assert_fallback(&app, &user, &conversation).await;
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "the budget bounds the wait"
    );
}

#[tokio::test]
async fn a_failing_model_is_retried_once_then_the_built_in_responder_answers() {
    let (server, app, user, conversation) = setup(ResponseTemplate::new(500), 8_000).await;
    assert_fallback(&app, &user, &conversation).await;
    assert_eq!(bodies(&server).await.len(), 2, "one retry, no more");
}

#[tokio::test]
async fn a_malformed_model_answer_gets_the_built_in_responder() {
    for body in [
        json!({"choices": []}),
        json!({"unexpected": true}),
        json!({"choices": [{"message": {"content": "   "}}]}),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
        let app = app_with_model(&server, 5_000).await;
        let user = app.user();
        let conversation = new_conversation(&app, &user).await;
        assert_fallback(&app, &user, &conversation).await;
    }
    let (_server, app, user, conversation) = setup(
        ResponseTemplate::new(200).set_body_string("<html>oops</html>"),
        5_000,
    )
    .await;
    assert_fallback(&app, &user, &conversation).await;
}

#[tokio::test]
async fn an_oversized_model_answer_is_refused_unread_and_the_built_in_responder_answers() {
    // Valid JSON, but past the 256 KiB any real reply stays far below.
    let huge = completion(&"words ".repeat(50_000));
    let (_server, app, user, conversation) =
        setup(ResponseTemplate::new(200).set_body_json(huge), 5_000).await;
    assert_fallback(&app, &user, &conversation).await;
}

#[tokio::test]
async fn a_long_model_answer_is_capped() {
    let server = MockServer::start().await;
    let long = "This is a sentence. ".repeat(300);
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(completion(&long)))
        .mount(&server)
        .await;
    let app = app_with_model(&server, 5_000).await;
    let user = app.user();
    let conversation = new_conversation(&app, &user).await;
    let turn = json_created(app.send(&user, &conversation, "tell me a story").await).await;
    let text = turn["reply"]["text"].as_str().unwrap();
    assert!(text.chars().count() <= 2_000 && text.ends_with('.'));
}

#[tokio::test]
async fn concurrent_sends_with_one_key_store_one_message_and_call_the_model_once() {
    let (server, app, user, conversation) = setup(
        ResponseTemplate::new(200)
            .set_body_json(completion("hello"))
            .set_delay(Duration::from_millis(600)),
        5_000,
    )
    .await;
    let path = format!("/v1/conversations/{conversation}/messages");
    let sends = (0..5).map(|_| {
        app.request(&user, Method::POST, &path)
            .header("idempotency-key", "same")
            .json(&json!({"text": "hi there"}))
            .send()
    });
    let statuses: Vec<u16> = futures::future::join_all(sends)
        .await
        .into_iter()
        .map(|r| r.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
    assert_eq!(bodies(&server).await.len(), 1);
    let retry = app
        .request(&user, Method::POST, &path)
        .header("idempotency-key", "same")
        .json(&json!({"text": "hi there"}))
        .send()
        .await
        .unwrap();
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    let users = app.all_pages(&user, &format!("{path}?role=user")).await;
    assert_eq!(users.iter().flatten().count(), 1);
}

#[tokio::test]
async fn the_model_gets_only_what_is_left_of_the_lambdas_own_deadline() {
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    // The model would answer after 10 s; the invocation has 5 s left in all.
    let (server, app, user, conversation) = setup(
        ResponseTemplate::new(200)
            .set_body_json(completion("too late"))
            .set_delay(Duration::from_secs(10)),
        20_000,
    )
    .await;
    let base = format!("{}/v1", server.uri());
    let model_dir = therabot_local::repository_root()
        .join(therabot_shared::safety::semantic::MODEL_DIR_IN_REPOSITORY)
        .to_string_lossy()
        .into_owned();
    let config = chat::ChatConfig::from_lookup(&|name| match name {
        "LLM_BASE_URL" => Some(base.clone()),
        "LLM_MODEL" => Some("test-model".into()),
        "LLM_TIMEOUT_MS" => Some("20000".into()),
        "SCREEN_MODEL_DIR" => Some(model_dir.clone()),
        _ => None,
    })
    .unwrap();
    let router = chat::router(chat::ChatState::new(app.api.context.clone(), config).unwrap());
    let mut lambda = lambda_http::Context::default();
    lambda.deadline = u64::try_from(jiff::Timestamp::now().as_millisecond() + 5_000).unwrap();
    let mut request = http::Request::builder()
        .method("POST")
        .uri(format!("/v1/conversations/{conversation}/messages"))
        .header("authorization", format!("Bearer {}", user.token))
        .header("content-type", "application/json")
        .body(lambda_http::Body::from(
            json!({"text": "long day"}).to_string(),
        ))
        .unwrap();
    request.extensions_mut().insert(lambda);
    let response = router.oneshot(request).await.unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let body = response.into_body().collect().await.unwrap().to_bytes();
    let turn: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        turn["reply"]["responder"], "fallback",
        "the model was cut off so the turn could still be stored and answered in time"
    );
}

#[tokio::test]
async fn a_model_reply_that_offers_an_exercise_carries_its_catalogue_id() {
    let (_server, app, user, conversation) = setup(
        ResponseTemplate::new(200).set_body_json(completion(
            "That sounds like a lot. Would you like to try box breathing with me for a minute?",
        )),
        5_000,
    )
    .await;
    let turn = json_created(app.send(&user, &conversation, "Work is piling up").await).await;
    assert_eq!(turn["exercise_id"], "b-box-breathing");
    let exercise = app.get(&user, "/v1/exercises/b-box-breathing").await;
    assert_eq!(exercise.status(), reqwest::StatusCode::OK);
}

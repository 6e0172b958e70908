//! The LLM judge and the reply screen, against a local HTTP server standing in for the model
//! provider (wiremock). The judge's requests are told apart by their system prompt.

use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, User, json_created, json_ok};

const KEY: &str = "sk-test-judge";
const JUDGE: &str = "clinical safety classifier";
/// A message every offline layer scores `none`, so only the judge can raise it. (Since the
/// lexical model, "I went for a walk by the river after work and made soup." scores
/// `elevated`: a false alarm of the kind docs/safety-screen.md counts.)
const ORDINARY: &str =
    "I cleaned the whole apartment today and then my mom called, we talked for an hour.";

fn completion(text: &str) -> Value {
    json!({"id": "c1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]})
}

/// A model stand-in: the judge gets `judge`, the reply request gets `reply`.
async fn setup(
    judge: ResponseTemplate,
    reply: ResponseTemplate,
    judge_timeout_ms: u32,
) -> (MockServer, TestApp, User, String) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains(JUDGE))
        .respond_with(judge)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(reply)
        .with_priority(2)
        .mount(&server)
        .await;
    let base = format!("{}/v1", server.uri());
    let app = TestApp::start_with(move |o| {
        o.chat_settings.insert("LLM_BASE_URL".into(), base);
        o.chat_settings
            .insert("LLM_MODEL".into(), "test-model".into());
        o.chat_settings
            .insert("SAFETY_MODEL".into(), "judge-model".into());
        o.chat_settings.insert(
            "SAFETY_JUDGE_TIMEOUT_MS".into(),
            judge_timeout_ms.to_string(),
        );
        o.llm_api_key = Some(KEY.into());
    })
    .await;
    let user = app.user();
    let conversation = app
        .create_conversation(&user, json!({"country": "US"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (server, app, user, conversation)
}

fn verdict(level: &str, reason: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(completion(
        &json!({"level": level, "reason": reason}).to_string(),
    ))
}

fn reply(text: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(completion(text))
}

async fn history(app: &TestApp, user: &User, conversation: &str) -> Value {
    json_ok(
        app.get(user, &format!("/v1/conversations/{conversation}/messages"))
            .await,
    )
    .await
}

fn layer<'a>(message: &'a Value, name: &str) -> &'a Value {
    message["screen"]
        .as_array()
        .and_then(|layers| layers.iter().find(|l| l["layer"] == name))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_crisis_verdict_from_the_judge_replaces_the_reply_with_the_crisis_protocol() {
    let (server, app, user, conversation) = setup(
        verdict("crisis", "means"),
        reply("What a lovely evening."),
        3_000,
    )
    .await;
    let turn = json_created(app.send(&user, &conversation, ORDINARY).await).await;
    assert_eq!(turn["safety"]["level"], "crisis");
    assert_eq!(turn["reply"]["kind"], "crisis_protocol");
    assert!(turn["reply"]["text"].as_str().unwrap().contains("988"));
    assert!(!turn["safety"]["resources"].as_array().unwrap().is_empty());
    let message = &turn["user_message"];
    assert_eq!(message["safety_level"], "crisis");
    assert_eq!(layer(message, "rules")["level"], "none");
    assert_eq!(layer(message, "semantic")["level"], "none");
    assert_eq!(layer(message, "judge")["level"], "crisis");
    assert_eq!(layer(message, "judge")["detail"], "means");
    assert!(
        layer(message, "judge")["version"]
            .as_str()
            .unwrap()
            .ends_with("/judge-model")
    );
    // The judge was sent the message under its own model name, at temperature 0.
    let requests = server.received_requests().await.unwrap();
    let judge: Value = requests
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
        .find(|b| b["model"] == "judge-model")
        .expect("the judge was asked");
    assert_eq!(judge["temperature"], 0.0);
    assert!(
        judge["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains(ORDINARY)
    );

    // What was stored says the same, and the risk state was recorded.
    let history = history(&app, &user, &conversation).await;
    let stored = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "user")
        .unwrap()
        .clone();
    assert_eq!(stored["safety_level"], "crisis");
    assert_eq!(layer(&stored, "judge")["level"], "crisis");
    let status = json_ok(app.get(&user, "/v1/safety/status").await).await;
    assert_eq!(status["check_in_due"], true);
}

#[tokio::test]
async fn an_elevated_verdict_raises_an_ordinary_message_and_adds_resources_to_the_models_reply() {
    let (_server, app, user, conversation) = setup(
        verdict("elevated", "hopelessness"),
        reply("That sounds like a peaceful evening."),
        3_000,
    )
    .await;
    let turn = json_created(app.send(&user, &conversation, ORDINARY).await).await;
    assert_eq!(turn["safety"]["level"], "elevated");
    assert_eq!(
        turn["reply"]["text"],
        "That sounds like a peaceful evening."
    );
    assert!(!turn["safety"]["resources"].as_array().unwrap().is_empty());
    assert_eq!(turn["user_message"]["safety_level"], "elevated");
}

#[tokio::test]
async fn the_judge_can_never_lower_a_level() {
    let (server, app, user, conversation) = setup(
        verdict("none", "no_risk"),
        reply("I'm here with you."),
        3_000,
    )
    .await;
    let turn = json_created(
        app.send(
            &user,
            &conversation,
            "I wish I could just not wake up tomorrow",
        )
        .await,
    )
    .await;
    // Whatever the offline layers said stands: the judge's "none" is recorded, not obeyed
    // (or, when they said crisis, nobody was asked at all).
    let asked = !server.received_requests().await.unwrap().is_empty();
    if asked {
        assert_eq!(layer(&turn["user_message"], "judge")["level"], "none");
    }
    assert_ne!(turn["safety"]["level"], "none");
    assert_ne!(turn["user_message"]["safety_level"], "none");
}

/// Every way a judge can fail: the offline layers decide and the turn goes on.
#[tokio::test]
async fn a_slow_failing_garbled_or_oversized_judge_leaves_the_turn_to_the_offline_layers() {
    let cases = [
        (
            ResponseTemplate::new(200)
                .set_body_json(completion(r#"{"level":"crisis","reason":"means"}"#))
                .set_delay(Duration::from_secs(3)),
            "timeout",
        ),
        (ResponseTemplate::new(500), "error"),
        (reply("I think this person is fine, probably."), "garbage"),
        (
            reply(r#"{"level":"apocalyptic","reason":"means"}"#),
            "garbage",
        ),
        (
            ResponseTemplate::new(200).set_body_json(completion(&"x".repeat(20_000))),
            "error",
        ),
    ];
    for (judge, why) in cases {
        let (_server, app, user, conversation) = setup(
            judge,
            reply("That sounds like a full day. How was the call?"),
            600,
        )
        .await;
        let turn = json_created(app.send(&user, &conversation, ORDINARY).await).await;
        assert_eq!(turn["safety"]["level"], "none", "{why}");
        assert_eq!(
            turn["reply"]["text"], "That sounds like a full day. How was the call?",
            "{why}"
        );
        let judged = layer(&turn["user_message"], "judge");
        assert_eq!(judged["detail"], why);
        assert!(judged.get("level").is_none(), "{why}: {judged}");
    }
}

#[tokio::test]
async fn a_model_reply_with_method_or_dose_content_never_reaches_the_user() {
    let (_server, app, user, conversation) = setup(
        verdict("none", "no_risk"),
        reply("Taking 40 tablets of 500mg paracetamol would be fatal for most adults."),
        3_000,
    )
    .await;
    let turn = json_created(app.send(&user, &conversation, ORDINARY).await).await;
    assert_eq!(turn["reply"]["kind"], "crisis_protocol");
    assert!(!turn["reply"]["text"].as_str().unwrap().contains("tablets"));
    assert_eq!(turn["safety"]["level"], "crisis");
    assert_eq!(layer(&turn["reply"], "reply")["level"], "crisis");
    assert_eq!(layer(&turn["reply"], "reply")["detail"], "dose-amount");
    let history = history(&app, &user, &conversation).await;
    let text = history.to_string();
    assert!(
        !text.contains("tablets"),
        "the withheld reply is not stored"
    );
    // The stored message says what the response said: raised to crisis after it was stored.
    let stored = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "user")
        .unwrap()
        .clone();
    assert_eq!(stored["safety_level"], "crisis");
}

#[tokio::test]
async fn the_models_escalation_signal_is_recognised_however_it_is_written() {
    for signal in ["SAFETY_ESCALATE", "**Safety-Escalate**", "safety escalate."] {
        let (_server, app, user, conversation) =
            setup(verdict("none", "no_risk"), reply(signal), 3_000).await;
        let turn = json_created(app.send(&user, &conversation, ORDINARY).await).await;
        assert_eq!(turn["reply"]["kind"], "crisis_protocol", "{signal}");
        assert_eq!(turn["safety"]["level"], "crisis", "{signal}");
    }
}

#[tokio::test]
async fn without_a_model_the_offline_layers_record_their_verdicts_and_versions() {
    let app = TestApp::start().await;
    let user = app.user();
    let conversation = app
        .create_conversation(&user, json!({"country": "US"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let turn = json_created(
        app.send(
            &user,
            &conversation,
            "I've given my dog to my neighbour and written letters to everyone.",
        )
        .await,
    )
    .await;
    let message = &turn["user_message"];
    assert!(layer(message, "rules")["version"].as_str().is_some());
    let semantic = layer(message, "semantic");
    assert!(
        semantic["version"]
            .as_str()
            .unwrap()
            .starts_with("adapter-")
    );
    assert!(
        semantic["detail"]
            .as_str()
            .unwrap()
            .starts_with("p_crisis=")
    );
    assert!(
        layer(message, "judge").is_null(),
        "no judge without a model"
    );
    // The level is the highest any layer gave.
    let levels = ["none", "elevated", "crisis"];
    let rank = |v: &Value| levels.iter().position(|l| v == *l).unwrap();
    let highest = ["rules", "semantic"]
        .iter()
        .map(|name| rank(&layer(message, name)["level"]))
        .max()
        .unwrap();
    assert_eq!(rank(&turn["safety"]["level"]), highest);
    assert_eq!(
        turn["user_message"]["safety_level"],
        turn["safety"]["level"]
    );
}

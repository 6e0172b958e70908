//! A DynamoDB write whose first attempt lands but whose answer is lost: the SDK gives up on
//! the attempt after 3 s and sends it again. The retry must find its own write done, never
//! fail its own condition and answer 5xx. A proxy in front of the stand-in holds the answer
//! to the first write of one kind back past the attempt timeout, as a slow network would.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::response::{IntoResponse, Response};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, aws_endpoint, json_created, json_ok};

/// Forwards everything to the stand-in; the first `target` call's answer arrives late, and
/// `target` calls whose body holds `refuse` are refused without reaching the stand-in.
struct SlowFirstAnswer {
    upstream: String,
    target: &'static str,
    delayed: AtomicBool,
    refuse: Option<&'static str>,
    http: reqwest::Client,
}

async fn forward(
    State(proxy): State<Arc<SlowFirstAnswer>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let refused = proxy
        .refuse
        .is_some_and(|marker| String::from_utf8_lossy(&body).contains(marker));
    if target.ends_with(proxy.target) && refused {
        let error = json!({"__type": "com.amazon.coral.validate#ValidationException", "message": "refused by the test proxy"});
        return (
            AxumStatus::BAD_REQUEST,
            [(
                axum::http::header::CONTENT_TYPE,
                "application/x-amz-json-1.0",
            )],
            error.to_string(),
        )
            .into_response();
    }
    let mut request = proxy.http.post(&proxy.upstream).body(body);
    for (name, value) in &headers {
        if name != "host" && name != "content-length" {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    let Ok(answer) = request.send().await else {
        return AxumStatus::BAD_GATEWAY.into_response();
    };
    let status = AxumStatus::from_u16(answer.status().as_u16()).unwrap();
    let content_type = answer
        .headers()
        .get("content-type")
        .map(|v| v.as_bytes().to_vec())
        .unwrap_or_default();
    let bytes = answer.bytes().await.unwrap_or_default();
    if target.ends_with(proxy.target)
        && proxy.refuse.is_none()
        && !proxy.delayed.swap(true, Ordering::SeqCst)
    {
        // The write has landed; its answer is lost past the SDK's 3 s attempt timeout.
        tokio::time::sleep(Duration::from_millis(3_500)).await;
    }
    (
        status,
        [(axum::http::header::CONTENT_TYPE, content_type)],
        bytes,
    )
        .into_response()
}

/// An app whose DynamoDB answers to the first `target` call come too late.
async fn app_with_slow_first(target: &'static str) -> (TestApp, Arc<SlowFirstAnswer>) {
    app_behind(target, None, |_| {}).await
}

/// An app behind the proxy, with options adjusted by `adjust`.
async fn app_behind(
    target: &'static str,
    refuse: Option<&'static str>,
    adjust: impl FnOnce(&mut therabot_local::LocalOptions),
) -> (TestApp, Arc<SlowFirstAnswer>) {
    let proxy = Arc::new(SlowFirstAnswer {
        upstream: aws_endpoint(),
        target,
        delayed: AtomicBool::new(false),
        refuse,
        http: reqwest::Client::new(),
    });
    let router = axum::Router::new()
        .fallback(forward)
        .with_state(proxy.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let app = TestApp::start_with(|options| {
        options.aws_endpoint = url;
        adjust(options);
    })
    .await;
    // Setting the app up wrote nothing of that kind; the next one is the request's.
    proxy.delayed.store(false, Ordering::SeqCst);
    (app, proxy)
}

#[tokio::test]
async fn a_mood_whose_first_write_landed_but_whose_answer_was_lost_is_created_once() {
    // A mood is one transaction (the entry and the erasure check), retried under its token.
    let (app, proxy) = app_with_slow_first(".TransactWriteItems").await;
    let user = app.user();
    let created = json_created(
        app.post_json(&user, "/v1/moods", &json!({"score": 6}))
            .await,
    )
    .await;
    assert!(
        proxy.delayed.load(Ordering::SeqCst),
        "the first write's answer was held back"
    );
    let list = json_ok(app.get(&user, "/v1/moods").await).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], created["id"]);
}

#[tokio::test]
async fn a_transaction_whose_first_attempt_landed_is_not_an_error_on_retry() {
    let (app, proxy) = app_with_slow_first(".TransactWriteItems").await;
    let user = app.user();
    let response = app
        .request(&user, Method::POST, "/v1/moods")
        .header("idempotency-key", "retry-1")
        .json(&json!({"score": 4}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(proxy.delayed.load(Ordering::SeqCst));
    let list = json_ok(app.get(&user, "/v1/moods").await).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_chat_message_whose_first_write_landed_is_stored_once_and_answered() {
    let (app, proxy) = app_with_slow_first(".TransactWriteItems").await;
    let user = app.user();
    let conversation = app.create_conversation(&user, json!({})).await;
    let id = conversation["id"].as_str().unwrap().to_owned();
    proxy.delayed.store(false, Ordering::SeqCst);
    let turn = json_created(app.send(&user, &id, "had a long day at work").await).await;
    assert!(proxy.delayed.load(Ordering::SeqCst));
    let messages = json_ok(
        app.get(&user, &format!("/v1/conversations/{id}/messages"))
            .await,
    )
    .await;
    let users: Vec<_> = messages["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "user")
        .collect();
    assert_eq!(users.len(), 1, "one user message, not two");
    assert_eq!(users[0]["id"], turn["user_message"]["id"]);
}

#[tokio::test]
async fn a_mood_update_whose_first_attempt_landed_is_not_a_conflict_on_retry() {
    let (app, proxy) = app_with_slow_first(".UpdateItem").await;
    let user = app.user();
    let created = json_created(
        app.post_json(&user, "/v1/moods", &json!({"score": 3}))
            .await,
    )
    .await;
    let path = format!("/v1/moods/{}", created["id"].as_str().unwrap());
    let response = app
        .request(&user, Method::PATCH, &path)
        .header("if-match", "\"1\"")
        .json(&json!({"score": 8}))
        .send()
        .await
        .unwrap();
    assert!(proxy.delayed.load(Ordering::SeqCst));
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "not 412: the change is ours"
    );
    assert_eq!(response.headers()["etag"], "\"2\"");
    let stored = json_ok(app.get(&user, &path).await).await;
    assert_eq!(stored["score"], 8);
}

#[tokio::test]
async fn a_reply_that_cannot_be_stored_is_shown_said_so_and_its_risk_is_still_recorded() {
    use wiremock::matchers::{body_string_contains, method};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let model = MockServer::start().await;
    let completion = |text: &str| {
        ResponseTemplate::new(200).set_body_json(json!({"id": "c1", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}))
    };
    Mock::given(method("POST"))
        .and(body_string_contains("clinical safety classifier"))
        .respond_with(completion(r#"{"level": "crisis", "reason": "plan"}"#))
        .with_priority(1)
        .mount(&model)
        .await;
    Mock::given(method("POST"))
        .respond_with(completion("That sounds like a lot to carry."))
        .with_priority(2)
        .mount(&model)
        .await;
    let base = format!("{}/v1", model.uri());
    // Every write holding the crisis protocol (the reply) is refused.
    let (app, _proxy) = app_behind(".TransactWriteItems", Some("crisis_protocol"), |o| {
        crate::support::use_model(o, base, "sk-test");
    })
    .await;
    let user = app.user();
    let conversation = app
        .create_conversation(&user, json!({"country": "US"}))
        .await;
    let id = conversation["id"].as_str().unwrap().to_owned();

    let turn = json_created(
        app.send(
            &user,
            &id,
            "I went for a walk by the river after work and made soup.",
        )
        .await,
    )
    .await;
    assert_eq!(turn["safety"]["level"], "crisis", "the judge raised it");
    assert_eq!(
        turn["reply"]["kind"], "crisis_protocol",
        "shown all the same"
    );
    assert_eq!(
        turn["reply_kept"], false,
        "and the response says it was not kept"
    );

    let history = json_ok(
        app.get(&user, &format!("/v1/conversations/{id}/messages"))
            .await,
    )
    .await;
    let kinds: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"user"), "the message is kept");
    let status = json_ok(app.get(&user, "/v1/safety/status").await).await;
    assert_eq!(
        status["level"], "crisis",
        "the raised risk was written on its own"
    );
}

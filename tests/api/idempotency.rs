//! `Idempotency-Key` on create: replay, conflicting body, concurrent duplicates, in flight.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use therabot_shared::domain::UserId;
use therabot_shared::http::idempotency::request_hash;
use therabot_shared::store::idempotency::IdempotentWrite;

use crate::support::{TestApp, User, json_ok, problem};

async fn post_with_key(app: &TestApp, user: &User, key: &str, body: &str) -> reqwest::Response {
    app.request(user, Method::POST, "/v1/moods")
        .header("idempotency-key", key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retry_with_the_same_key_and_body_replays_the_first_response() {
    let app = TestApp::start().await;
    let user = app.user();
    let first = post_with_key(&app, &user, "key-1", r#"{"score": 6, "tags": ["a"]}"#).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let etag = first.headers()["etag"].clone();
    let location = first.headers()["location"].clone();
    let first = json_ok(first).await;
    // Same document, different formatting and key order.
    let retry = post_with_key(&app, &user, "key-1", "{\"tags\":[\"a\"],\n  \"score\":6}").await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(retry.headers()["etag"], etag);
    assert_eq!(retry.headers()["location"], location);
    assert_eq!(json_ok(retry).await, first);
    assert_eq!(app.all_moods(&user, "").await.len(), 1);
}

#[tokio::test]
async fn the_same_key_with_a_different_body_is_422_and_stores_nothing() {
    let app = TestApp::start().await;
    let user = app.user();
    json_ok(post_with_key(&app, &user, "key-2", r#"{"score": 6}"#).await).await;
    let conflict = post_with_key(&app, &user, "key-2", r#"{"score": 7}"#).await;
    let problem = problem(conflict, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(
        problem["type"],
        "urn:therabot:problem:idempotency-key-reused"
    );
    let stored = app.all_moods(&user, "").await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["score"], 6);
}

#[tokio::test]
async fn concurrent_duplicates_store_exactly_one_entry() {
    let app = TestApp::start().await;
    let user = app.user();
    let sends =
        (0..8).map(|_| post_with_key(&app, &user, "key-3", r#"{"score": 3, "note": "once"}"#));
    let responses = futures::future::join_all(sends).await;
    let mut ids = Vec::new();
    for response in responses {
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.unwrap();
        ids.push(body["id"].as_str().unwrap().to_owned());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every duplicate answered with the one entry");
    assert_eq!(app.all_moods(&user, "").await.len(), 1);
}

#[tokio::test]
async fn keys_belong_to_one_user() {
    let app = TestApp::start().await;
    let (alice, bob) = (app.user(), app.user());
    let a = json_ok(post_with_key(&app, &alice, "shared", r#"{"score": 2}"#).await).await;
    let b = json_ok(post_with_key(&app, &bob, "shared", r#"{"score": 9}"#).await).await;
    assert_ne!(a["id"], b["id"]);
    assert_eq!(b["score"], 9);
}

#[tokio::test]
async fn a_retry_while_the_first_request_is_in_flight_is_409() {
    let app = TestApp::start().await;
    let user = app.user();
    let body = json!({"score": 5});
    // The first request is mid-way: its record is in flight (as a slow chat turn leaves it).
    let write = IdempotentWrite {
        user: UserId::parse(&user.sub).unwrap(),
        key: "key-4".into(),
        request_hash: request_hash("POST /v1/moods", &body),
        response: None,
        now: jiff::Timestamp::now(),
        conversation: None,
        stored: None,
    };
    app.api
        .context
        .store()
        .begin_idempotent(&write)
        .await
        .unwrap();
    let retry = post_with_key(&app, &user, "key-4", &body.to_string()).await;
    problem(retry, StatusCode::CONFLICT).await;
    assert!(app.all_moods(&user, "").await.is_empty());

    // Once the first request gives up, the key is free again.
    let user_id = UserId::parse(&user.sub).unwrap();
    app.api
        .context
        .store()
        .abandon_idempotent(&user_id, "key-4")
        .await
        .unwrap();
    let response = post_with_key(&app, &user, "key-4", &body.to_string()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_malformed_key_is_400() {
    let app = TestApp::start().await;
    let user = app.user();
    let long = "k".repeat(256);
    for key in ["", long.as_str()] {
        problem(
            post_with_key(&app, &user, key, r#"{"score": 5}"#).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    assert!(app.all_moods(&user, "").await.is_empty());
}

#[tokio::test]
async fn deleting_a_mood_deletes_the_record_that_would_replay_its_content() {
    let app = TestApp::start().await;
    let user = app.user();
    let created = json_ok(
        post_with_key(
            &app,
            &user,
            "key-del",
            r#"{"score": 2, "note": "a private note"}"#,
        )
        .await,
    )
    .await;
    let user_id = UserId::parse(&user.sub).unwrap();
    let store = app.api.context.store();
    let now = jiff::Timestamp::now();
    assert!(
        store
            .idempotency_record(&user_id, "key-del", now)
            .await
            .unwrap()
            .is_some()
    );
    let path = format!("/v1/moods/{}", created["id"].as_str().unwrap());
    let deleted = app
        .request(&user, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert!(
        store
            .idempotency_record(&user_id, "key-del", now)
            .await
            .unwrap()
            .is_none(),
        "nothing of the deleted mood is left to replay"
    );
}

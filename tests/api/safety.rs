//! The safety routes, the risk state that outlives a conversation, the anonymous referral
//! counters, and the crisis screen through the API.

use reqwest::StatusCode;
use serde_json::json;

use crate::support::{TestApp, json_created, json_ok, problem};

#[tokio::test]
async fn resources_are_local_with_an_international_default() {
    let app = TestApp::start().await;
    let user = app.user();
    let spain = json_ok(app.get(&user, "/v1/safety/resources?country=es").await).await;
    assert_eq!(spain["country"], "ES");
    assert_eq!(spain["matched"], true);
    assert_eq!(spain["emergency_number"], "112");
    assert_eq!(spain["resources"][0]["phone"], "024");
    let elsewhere = json_ok(app.get(&user, "/v1/safety/resources?country=ZZ").await).await;
    assert_eq!(elsewhere["matched"], false);
    assert!(
        elsewhere["resources"][0]["url"]
            .as_str()
            .unwrap()
            .contains("findahelpline")
    );
    let none = json_ok(app.get(&user, "/v1/safety/resources").await).await;
    assert_eq!(none["matched"], false);
    problem(
        app.get(&user, "/v1/safety/resources?country=Spain").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn a_crisis_is_remembered_and_the_next_conversation_opens_with_a_check_in() {
    let app = TestApp::start().await;
    let user = app.user();
    let status = json_ok(app.get(&user, "/v1/safety/status").await).await;
    assert_eq!(status["level"], "none");
    assert_eq!(status["check_in_due"], false);
    let (crisis_before, _) = app
        .api
        .context
        .store()
        .referrals_on(jiff::Timestamp::now())
        .await
        .unwrap();

    let conversation = app
        .create_conversation(&user, json!({"country": "MX"}))
        .await;
    let id = conversation["id"].as_str().unwrap();
    let turn = json_created(
        app.send(&user, id, "ya no aguanto, me voy a suicidar")
            .await,
    )
    .await;
    assert_eq!(turn["safety"]["level"], "crisis");
    assert_eq!(turn["safety"]["emergency_number"], "911");
    assert_eq!(turn["safety"]["resources"][0]["phone"], "800 911 2000");
    let reply = turn["reply"]["text"].as_str().unwrap();
    assert!(
        reply.contains("800 911 2000") && reply.contains("911"),
        "{reply}"
    );
    assert_eq!(turn["user_message"]["safety_level"], "crisis");

    let status = json_ok(app.get(&user, "/v1/safety/status?country=MX").await).await;
    assert_eq!(status["level"], "crisis");
    assert_eq!(status["check_in_due"], true);
    assert!(status["last_crisis_at"].is_string());
    assert_eq!(status["resources"][0]["name"], "Línea de la Vida");

    let next = app
        .create_conversation(&user, json!({"country": "MX"}))
        .await;
    let kinds: Vec<&str> = next["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["disclosure", "check_in"]);
    assert_eq!(next["safety"]["level"], "crisis");

    let (crisis_after, _) = app
        .api
        .context
        .store()
        .referrals_on(jiff::Timestamp::now())
        .await
        .unwrap();
    assert!(
        crisis_after > crisis_before,
        "the anonymous daily counter counted the referral"
    );
}

#[tokio::test]
async fn another_users_risk_state_is_not_mine() {
    let app = TestApp::start().await;
    let (alice, bob) = (app.user(), app.user());
    let conversation = app.create_conversation(&alice, json!({})).await;
    json_created(
        app.send(
            &alice,
            conversation["id"].as_str().unwrap(),
            "I want to die",
        )
        .await,
    )
    .await;
    assert_eq!(
        json_ok(app.get(&bob, "/v1/safety/status").await).await["level"],
        "none"
    );
    let bobs = app.create_conversation(&bob, json!({})).await;
    assert_eq!(bobs["messages"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn the_screen_sees_through_disguises_and_idioms_through_the_api() {
    let app = TestApp::start().await;
    let user = app.user();
    let conversation = app.create_conversation(&user, json!({})).await;
    let id = conversation["id"].as_str().unwrap();
    for (text, level) in [
        ("ｉ ｗａｎｔ ｔｏ ｄｉｅ", "crisis"),
        ("k i l l m y s e l f", "crisis"),
        ("i want to k1ll mys3lf", "crisis"),
        ("I’m going to end my life", "crisis"),
        ("this deadline is killing me", "none"),
        ("I'd die for a coffee", "none"),
        ("I killed it at my talk", "none"),
        ("my friend says she wants to die, how do I help?", "none"),
        ("two years clean from self-harm today", "elevated"),
    ] {
        let turn = json_created(app.send(&user, id, text).await).await;
        assert_eq!(turn["safety"]["level"], level, "{text}");
        assert_eq!(
            turn["user_message"]["screen_version"],
            therabot_shared::safety::SCREEN_VERSION
        );
    }
}

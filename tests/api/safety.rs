//! The safety routes, the risk state that outlives a conversation, the anonymous referral
//! counters, and the crisis screen through the API.

use aws_sdk_dynamodb::types::AttributeValue;
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
    let crisis_before = app
        .api
        .context
        .store()
        .referrals_on(jiff::Timestamp::now())
        .await
        .unwrap()
        .crisis;

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

    let crisis_after = app
        .api
        .context
        .store()
        .referrals_on(jiff::Timestamp::now())
        .await
        .unwrap()
        .crisis;
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

/// The user's pending referral items (what the anonymous counters have not taken yet).
async fn pending_referrals(app: &TestApp, sub: &str) -> usize {
    let store = app.api.context.store();
    store
        .client()
        .query()
        .table_name(store.table())
        .key_condition_expression("PK = :pk AND begins_with(SK, :p)")
        .expression_attribute_values(":pk", AttributeValue::S(format!("USER#{sub}")))
        .expression_attribute_values(":p", AttributeValue::S("REFERRAL#".into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .count() as usize
}

/// Writes a referral as a failed move would leave it: pending in the user's partition.
async fn leave_pending(app: &TestApp, sub: &str, crisis: u64) {
    let store = app.api.context.store();
    let day = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .to_string();
    store
        .client()
        .put_item()
        .table_name(store.table())
        .item("PK", AttributeValue::S(format!("USER#{sub}")))
        .item("SK", AttributeValue::S(format!("REFERRAL#{day}")))
        .item(
            "GSI1PK",
            AttributeValue::S("STATS#REFERRALS#PENDING".into()),
        )
        .item("GSI1SK", AttributeValue::S(day))
        .item("entity", AttributeValue::S("pending_referral".into()))
        .item("crisis", AttributeValue::N(crisis.to_string()))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_referral_is_counted_anonymously_and_nothing_of_it_stays_with_the_user() {
    let app = TestApp::start().await;
    let user = app.user();
    let store = app.api.context.store();
    let before = store.referrals_on(jiff::Timestamp::now()).await.unwrap();
    let conversation = app.create_conversation(&user, json!({})).await;
    let id = conversation["id"].as_str().unwrap();
    let turn = json_created(
        app.send(&user, id, "I'm going to kill myself tonight")
            .await,
    )
    .await;
    assert_eq!(turn["safety"]["level"], "crisis");
    assert_eq!(
        pending_referrals(&app, &user.sub).await,
        0,
        "the referral moved into the anonymous counters"
    );
    let after = store.referrals_on(jiff::Timestamp::now()).await.unwrap();
    assert!(after.crisis > before.crisis);
}

#[tokio::test]
async fn a_referral_whose_count_failed_is_still_reported_and_moved_by_the_next_one() {
    let app = TestApp::start().await;
    let user = app.user();
    let store = app.api.context.store();
    let before = store.referrals_on(jiff::Timestamp::now()).await.unwrap();
    leave_pending(&app, &user.sub, 2).await;
    let reported = store.referrals_on(jiff::Timestamp::now()).await.unwrap();
    assert!(
        reported.crisis >= before.crisis + 2,
        "pending referrals are counted"
    );

    let conversation = app.create_conversation(&user, json!({})).await;
    let id = conversation["id"].as_str().unwrap();
    let turn = json_created(app.send(&user, id, "I wish I could just disappear").await).await;
    assert_ne!(turn["safety"]["level"], "none");
    assert_eq!(pending_referrals(&app, &user.sub).await, 0);
    let after = store.referrals_on(jiff::Timestamp::now()).await.unwrap();
    assert!(after.crisis >= before.crisis + 2, "nothing was lost");
    assert!(after.crisis + after.elevated >= before.crisis + before.elevated + 3);
}

#[tokio::test]
async fn the_sweep_moves_referrals_left_pending() {
    let app = TestApp::start().await;
    let user = app.user();
    let store = app.api.context.store();
    leave_pending(&app, &user.sub, 1).await;
    let moved = store.count_pending_referrals().await.unwrap();
    assert!(moved >= 1);
    assert_eq!(pending_referrals(&app, &user.sub).await, 0);
}

#[tokio::test]
async fn the_crisis_lines_may_be_cached_by_anyone_and_health_data_by_no_one() {
    let app = TestApp::start().await;
    let user = app.user();
    let lines = app.get(&user, "/v1/safety/resources?country=US").await;
    assert_eq!(lines.status(), StatusCode::OK);
    assert_eq!(lines.headers()["cache-control"], "public, max-age=3600");
    let status = app.get(&user, "/v1/safety/status").await;
    assert_eq!(status.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn a_conversation_without_a_country_takes_the_region_of_accept_language() {
    let app = TestApp::start().await;
    let user = app.user();
    let created = app
        .request(&user, reqwest::Method::POST, "/v1/conversations")
        .header("accept-language", "en-US,en;q=0.9")
        .send()
        .await
        .unwrap();
    let conversation = json_created(created).await;
    assert_eq!(conversation["country"], "US");
    let id = conversation["id"].as_str().unwrap();
    let turn = json_created(
        app.send(&user, id, "I'm going to kill myself tonight")
            .await,
    )
    .await;
    assert_eq!(turn["safety"]["level"], "crisis");
    assert!(
        turn["reply"]["text"].as_str().unwrap().contains("988"),
        "{turn}"
    );

    // The body's country wins over the header's region.
    let chosen = app
        .request(&user, reqwest::Method::POST, "/v1/conversations")
        .header("accept-language", "en-US")
        .json(&json!({"country": "ES"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json_created(chosen).await["country"], "ES");
    // No region: the international lines, as before.
    let plain = app
        .request(&user, reqwest::Method::POST, "/v1/conversations")
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(
        json_created(plain).await["country"],
        serde_json::Value::Null
    );
}

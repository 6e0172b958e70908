//! The profile as the app uses it: defaults before the first change, If-Match on every
//! change, every bad field refused with nothing changed, and the preferences honoured by the
//! other functions (crisis lines, language, summaries' time zone, the check-in window).

use std::sync::atomic::Ordering;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, User, fields, json_created, json_ok, problem};

/// `PATCH /v1/me` as `user` with `If-Match: if_match`.
async fn patch(app: &TestApp, user: &User, if_match: &str, body: Value) -> reqwest::Response {
    app.request(user, Method::PATCH, "/v1/me")
        .header("if-match", if_match)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Saves `body` as the first change of `user`'s profile.
async fn set_profile(app: &TestApp, user: &User, body: Value) -> Value {
    json_ok(patch(app, user, "\"0\"", body).await).await
}

#[tokio::test]
async fn a_new_user_reads_the_defaults_and_the_first_change_creates_the_profile() {
    let app = TestApp::start().await;
    let user = app.user();
    let response = app.get(&user, "/v1/me").await;
    assert_eq!(response.headers()["etag"], "\"0\"");
    let profile = json_ok(response).await;
    assert_eq!(profile["version"], 0);
    for field in [
        "display_name",
        "timezone",
        "locale",
        "country",
        "check_in_hours",
        "chat_retention_days",
        "created_at",
    ] {
        assert_eq!(profile[field], Value::Null, "{field}");
    }

    let unconditional = app
        .request(&user, Method::PATCH, "/v1/me")
        .json(&json!({"country": "US"}))
        .send()
        .await
        .unwrap();
    problem(unconditional, StatusCode::PRECONDITION_REQUIRED).await;
    problem(
        patch(&app, &user, "\"3\"", json!({"country": "US"})).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;

    let response = patch(
        &app,
        &user,
        "\"0\"",
        json!({"display_name": "Sam", "timezone": "America/Chicago", "locale": "en-us",
               "country": "US", "check_in_hours": 48, "chat_retention_days": 30}),
    )
    .await;
    assert_eq!(response.headers()["etag"], "\"1\"");
    let saved = json_ok(response).await;
    assert_eq!(saved["locale"], "en-US", "stored in canonical case");
    assert_eq!(saved["country"], "US");
    assert_eq!(saved["check_in_hours"], 48);
    assert_eq!(saved["version"], 1);
    assert!(saved["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(json_ok(app.get(&user, "/v1/me").await).await, saved);

    // A second "first change" would overwrite the first: it is refused.
    problem(
        patch(&app, &user, "\"0\"", json!({"country": "GB"})).await,
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    // `null` clears a field and keeps the others; `*` accepts any version.
    let cleared = json_ok(
        patch(
            &app,
            &user,
            "*",
            json!({"country": null, "check_in_hours": null}),
        )
        .await,
    )
    .await;
    assert_eq!(cleared["country"], Value::Null);
    assert_eq!(cleared["check_in_hours"], Value::Null);
    assert_eq!(cleared["display_name"], "Sam");
    assert_eq!(cleared["version"], 2);

    // Nobody else sees it.
    let other = app.user();
    assert_eq!(json_ok(app.get(&other, "/v1/me").await).await["version"], 0);
}

#[tokio::test]
async fn every_bad_field_is_refused_at_once_and_changes_nothing() {
    let app = TestApp::start().await;
    let user = app.user();
    set_profile(&app, &user, json!({"display_name": "Ana"})).await;
    let bad = problem(
        patch(
            &app,
            &user,
            "\"1\"",
            json!({"display_name": "  ", "timezone": "Mars/Olympus", "locale": "en_US",
                   "country": "ZZ", "check_in_hours": 12, "chat_retention_days": 0}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert_eq!(
        fields(&bad),
        [
            "display_name",
            "timezone",
            "locale",
            "country",
            "check_in_hours",
            "chat_retention_days"
        ]
    );
    for body in [
        json!({}),
        json!({"colour": "blue"}),
        json!({"check_in_hours": 24.5}),
        json!({"display_name": "two\nlines"}),
        json!({"timezone": "europe/madrid"}),
    ] {
        let response = patch(&app, &user, "\"1\"", body.clone()).await;
        assert!(response.status().is_client_error(), "{body}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json",
            "{body}"
        );
    }
    let unchanged = json_ok(app.get(&user, "/v1/me").await).await;
    assert_eq!(unchanged["version"], 1);
    assert_eq!(unchanged["display_name"], "Ana");
}

#[tokio::test]
async fn a_crisis_in_a_conversation_of_a_user_whose_profile_says_us_names_988() {
    let app = TestApp::start().await;
    let user = app.user();
    set_profile(&app, &user, json!({"country": "US"})).await;
    // The profile beats the phone's region; no header at all is the same.
    let created = app
        .request(&user, Method::POST, "/v1/conversations")
        .header("accept-language", "es-ES")
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
    assert_eq!(turn["safety"]["resources"][0]["phone"], "988", "{turn}");
    // The body's country still wins.
    let chosen = app
        .create_conversation(&user, json!({"country": "GB"}))
        .await;
    assert_eq!(chosen["country"], "GB");

    // The status the app polls names the same lines.
    let status = json_ok(app.get(&user, "/v1/safety/status").await).await;
    assert_eq!(status["level"], "crisis");
    assert_eq!(status["resources"][0]["phone"], "988");
}

#[tokio::test]
async fn a_journal_entry_at_risk_offers_the_lines_of_the_profiles_country() {
    let app = TestApp::start().await;
    let user = app.user();
    set_profile(&app, &user, json!({"country": "GB"})).await;
    let response = app
        .request(&user, Method::POST, "/v1/journals")
        .header("accept-language", "en-US")
        .json(
            &json!({"body": "I have decided to end my life this weekend. I have the pills ready."}),
        )
        .send()
        .await
        .unwrap();
    let entry = json_created(response).await;
    assert_eq!(entry["safety"]["level"], "crisis");
    assert_eq!(entry["safety"]["emergency_number"], "999", "{entry}");
}

#[tokio::test]
async fn a_conversation_speaks_the_language_of_the_profiles_locale() {
    let app = TestApp::start().await;
    let user = app.user();
    set_profile(&app, &user, json!({"locale": "es-MX"})).await;
    let conversation = app.create_conversation(&user, json!({})).await;
    assert_eq!(conversation["language"], "es");
    let named = app
        .create_conversation(&user, json!({"language": "en"}))
        .await;
    assert_eq!(named["language"], "en");
}

#[tokio::test]
async fn a_mood_summary_without_tz_cuts_days_in_the_profiles_time_zone() {
    let app = TestApp::start().await;
    let user = app.user();
    // 03:00 UTC is still the evening before in Chicago.
    app.create_mood(
        &user,
        json!({"score": 4, "recorded_at": "2026-11-20T03:00:00Z"}),
    )
    .await;
    let path = "/v1/moods/summary?from=2026-11-18T12:00:00Z&to=2026-11-21T12:00:00Z";
    let day_of = |summary: &Value| -> String {
        summary["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["count"] == 1)
            .map(|b| b["start"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let utc = json_ok(app.get(&user, path).await).await;
    assert_eq!(utc["tz"], "UTC");
    assert!(day_of(&utc).starts_with("2026-11-20"), "{utc}");

    set_profile(&app, &user, json!({"timezone": "America/Chicago"})).await;
    let local = json_ok(app.get(&user, path).await).await;
    assert_eq!(local["tz"], "America/Chicago");
    assert!(day_of(&local).starts_with("2026-11-19"), "{local}");
    // A zone named in the request still wins.
    let named = json_ok(app.get(&user, &format!("{path}&tz=Europe/Madrid")).await).await;
    assert_eq!(named["tz"], "Europe/Madrid");
}

#[tokio::test]
async fn a_shorter_check_in_window_ends_the_check_in_sooner() {
    let (app, offset) = TestApp::with_clock().await;
    let (short, default) = (app.user(), app.user());
    set_profile(&app, &short, json!({"check_in_hours": 24})).await;
    for user in [&short, &default] {
        let conversation = app.create_conversation(user, json!({})).await;
        let id = conversation["id"].as_str().unwrap();
        json_created(app.send(user, id, "I'm going to kill myself tonight").await).await;
    }
    offset.store(30 * 3600, Ordering::SeqCst);
    let kinds = |conversation: &Value| -> Vec<String> {
        conversation["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    let later_short = app.create_conversation(&short, json!({})).await;
    assert_eq!(kinds(&later_short), ["disclosure"]);
    let status = json_ok(app.get(&short, "/v1/safety/status").await).await;
    assert_eq!(status["window_hours"], 24);
    assert_eq!(status["check_in_due"], false);
    let later_default = app.create_conversation(&default, json!({})).await;
    assert_eq!(kinds(&later_default), ["disclosure", "check_in"]);
}

/// The messages and conversations of `user` as stored, with their TTL (`None`: kept).
async fn stored_expiries(app: &TestApp, user: &User) -> Vec<(String, Option<i64>)> {
    app.raw_items(user, "CONV#")
        .await
        .into_iter()
        .map(|item| {
            let sk = item["SK"].as_s().unwrap().clone();
            let expires = item
                .get("expires_at")
                .map(|v| v.as_n().unwrap().parse().unwrap());
            (sk, expires)
        })
        .collect()
}

#[tokio::test]
async fn a_chat_retention_deletes_older_history_now_and_stamps_the_rest() {
    let (app, offset) = TestApp::with_clock().await;
    let user = app.user();
    let old = app.create_conversation(&user, json!({})).await;
    let old_id = old["id"].as_str().unwrap().to_owned();
    json_created(app.send(&user, &old_id, "a rough week at work").await).await;
    offset.store(10 * 86_400, Ordering::SeqCst);
    let recent = app.create_conversation(&user, json!({})).await;
    let recent_id = recent["id"].as_str().unwrap().to_owned();
    json_created(app.send(&user, &recent_id, "slept better last night").await).await;
    assert!(
        stored_expiries(&app, &user)
            .await
            .iter()
            .all(|(_, e)| e.is_none())
    );

    set_profile(&app, &user, json!({"chat_retention_days": 7})).await;
    // Ten days old: gone at once, conversation and messages.
    problem(
        app.get(&user, &format!("/v1/conversations/{old_id}")).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    let stored = stored_expiries(&app, &user).await;
    assert!(
        stored.iter().all(|(sk, _)| sk.contains(&recent_id)),
        "{stored:?}"
    );
    assert!(
        stored.len() >= 3,
        "the recent conversation, its disclosure, message and reply"
    );
    // The rest carries its TTL: written now, gone in seven days.
    let now = jiff::Timestamp::now().as_second() + 10 * 86_400;
    for (sk, expires) in &stored {
        let expires = expires.unwrap_or_else(|| panic!("{sk} has no expiry"));
        assert!(
            (expires - (now + 7 * 86_400)).abs() < 120,
            "{sk}: {expires}"
        );
    }

    // A conversation started after the choice is stamped as it is written.
    let later = app.create_conversation(&user, json!({})).await;
    let later_id = later["id"].as_str().unwrap().to_owned();
    json_created(app.send(&user, &later_id, "went for a walk").await).await;
    let stamped = stored_expiries(&app, &user).await;
    assert!(stamped.iter().all(|(_, e)| e.is_some()), "{stamped:?}");

    // Past the retention, nothing shows even before DynamoDB's TTL deletes it.
    offset.store(18 * 86_400, Ordering::SeqCst);
    let listed = json_ok(app.get(&user, "/v1/conversations").await).await;
    assert_eq!(listed["items"], json!([]));
    problem(
        app.get(&user, &format!("/v1/conversations/{later_id}/messages"))
            .await,
        StatusCode::NOT_FOUND,
    )
    .await;

    // Back to keeping everything: what is still stored loses its expiry.
    offset.store(11 * 86_400, Ordering::SeqCst);
    json_ok(patch(&app, &user, "\"1\"", json!({"chat_retention_days": null})).await).await;
    let kept = stored_expiries(&app, &user).await;
    assert!(!kept.is_empty());
    assert!(kept.iter().all(|(_, e)| e.is_none()), "{kept:?}");
    let listed = json_ok(app.get(&user, "/v1/conversations").await).await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    // And a turn written now stamps nothing.
    json_created(app.send(&user, &later_id, "back again").await).await;
    let kept = stored_expiries(&app, &user).await;
    assert!(kept.iter().all(|(_, e)| e.is_none()), "{kept:?}");
}

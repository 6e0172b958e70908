//! Export and erasure as a user would try them: everything they gave and everything derived
//! comes out exactly once; then the account goes, leaving nothing in the table, its indexes,
//! the export bucket or the user pool, and nothing of anyone else's touched.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, User, fields, json_created, json_ok, problem};

/// `DELETE /v1/me` with `body`.
async fn erase(app: &TestApp, user: &User, body: Value) -> reqwest::Response {
    app.request(user, Method::DELETE, "/v1/me")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// Erases `user`, repeating the request while it answers 202; the reports.
async fn erase_all(app: &TestApp, user: &User) -> Vec<Value> {
    let mut reports = Vec::new();
    loop {
        let response = erase(app, user, json!({"confirm": "DELETE MY ACCOUNT"})).await;
        let status = response.status();
        let report: Value = response.json().await.unwrap();
        reports.push(report.clone());
        match status {
            StatusCode::OK => return reports,
            StatusCode::ACCEPTED => assert_eq!(report["complete"], false),
            other => panic!("{other}: {report}"),
        }
    }
}

/// A user with something of every kind: profile, mood, journal, a conversation in which risk
/// showed (risk state, pending referral), an exercise with a thought record.
async fn user_with_everything(app: &TestApp) -> User {
    let user = app.user();
    json_ok(
        app.request(&user, Method::PATCH, "/v1/me")
            .header("if-match", "\"0\"")
            .json(&json!({"display_name": "Ana", "country": "ES", "chat_retention_days": 365}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    app.create_mood(
        &user,
        json!({"score": 3, "note": "=1+1, said \"fine\"", "tags": ["work"]}),
    )
    .await;
    json_created(
        app.post_json(
            &user,
            "/v1/journals",
            // Plainly ordinary: a journal entry the screen flags would make the conversation
            // open with a check-in, one message more than the counts below.
            &json!({"body": "Journal of Ana: made lentil soup and finished my book."}),
        )
        .await,
    )
    .await;
    let conversation = app.create_conversation(&user, json!({})).await;
    let id = conversation["id"].as_str().unwrap();
    json_created(
        app.send(&user, id, "Ana here, I want to kill myself tonight")
            .await,
    )
    .await;
    json_created(
        app.post_json(
            &user,
            "/v1/exercises/b-thought-record/completions",
            &json!({"duration_s": 600, "mood_before": 3, "mood_after": 5,
                    "thought_record": {"situation": "Ana's email unanswered",
                        "emotions": [{"name": "anxious", "intensity": 80}],
                        "automatic_thoughts": [{"text": "They ignore me", "hot": true}],
                        "balanced_thought": "They are busy", "balanced_belief": 60}}),
        )
        .await,
    )
    .await;
    user
}

async fn download(app: &TestApp, url: &str) -> reqwest::Response {
    app.http.get(url).send().await.unwrap()
}

#[tokio::test]
async fn an_export_holds_everything_the_user_gave_and_we_derived_exactly_once() {
    let app = TestApp::start().await;
    let user = user_with_everything(&app).await;
    let other = app.user();
    app.create_mood(&other, json!({"score": 9, "note": "someone else's day"}))
        .await;

    let created = json_created(app.post_json(&user, "/v1/me/export", &json!(null)).await).await;
    assert!(
        created["url"]
            .as_str()
            .unwrap()
            .contains("X-Amz-Expires=900"),
        "{created}"
    );
    assert_eq!(
        created["counts"],
        // The crisis turn's referral was counted anonymously at once: none left pending.
        json!({"moods": 1, "journals": 1, "exercise_completions": 1, "conversations": 1,
               "messages": 3, "crisis_referrals": 0})
    );
    let response = download(&app, created["url"].as_str().unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.unwrap();
    for internal in ["\"PK\"", "GSI1PK", "USER#", "\"search\""] {
        assert!(
            !text.contains(internal),
            "{internal} leaked into the export"
        );
    }
    assert!(!text.contains("someone else's day"));
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(document["schema_version"], 1);
    assert_eq!(document["user"]["id"], user.sub.as_str());
    for section in [
        "profile",
        "risk_state",
        "moods",
        "journals",
        "exercise_completions",
        "conversations",
        "crisis_referrals",
    ] {
        assert!(
            document["readme"][section].is_string(),
            "{section} is explained"
        );
    }
    assert_eq!(document["profile"]["display_name"], "Ana");
    let risk = &document["risk_state"];
    assert!(
        risk["last_crisis_at"].is_string() || risk["last_elevated_at"].is_string(),
        "{risk}"
    );
    assert_eq!(document["moods"][0]["note"], "=1+1, said \"fine\"");
    assert!(
        document["journals"][0]["body"]
            .as_str()
            .unwrap()
            .contains("lentil soup")
    );
    let record = &document["exercise_completions"][0]["thought_record"];
    assert_eq!(record["situation"], "Ana's email unanswered");
    let messages = document["conversations"][0]["messages"].as_array().unwrap();
    let mine: Vec<&Value> = messages.iter().filter(|m| m["role"] == "user").collect();
    assert_eq!(mine.len(), 1);
    assert_ne!(mine[0]["safety_level"], "none");
    assert!(mine[0]["screen"].is_array(), "what each layer said");
    assert_eq!(
        text.matches("I want to kill myself tonight").count(),
        1,
        "each message once"
    );

    let csv = download(&app, created["moods_csv_url"].as_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "recorded_at,score,emotions,tags,note,id");
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].contains(",3,,work,\"'=1+1, said \"\"fine\"\"\","),
        "{csv}"
    );
}

#[tokio::test]
async fn erasing_an_account_leaves_nothing_and_touches_no_one_else() {
    let app = TestApp::start().await;
    let user = user_with_everything(&app).await;
    app.api.sign_up(&user.sub).await.unwrap();
    json_created(app.post_json(&user, "/v1/me/export", &json!(null)).await).await;
    let export = json_created(app.post_json(&user, "/v1/me/export", &json!(null)).await).await;
    let other = app.user();
    app.api.sign_up(&other.sub).await.unwrap();
    let kept = app.create_mood(&other, json!({"score": 8})).await;

    // Anything but the exact confirmation erases nothing.
    for body in [
        json!({"confirm": "delete my account"}),
        json!({"confirm": ""}),
    ] {
        let refused = problem(
            erase(&app, &user, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(fields(&refused), ["confirm"]);
    }
    let unconfirmed = erase(&app, &user, json!({})).await;
    assert!(unconfirmed.status().is_client_error());
    assert!(!app.raw_partition(&user).await.is_empty());

    let reports = erase_all(&app, &user).await;
    let report = reports.last().unwrap();
    assert_eq!(report["complete"], true);
    assert_eq!(report["export_files"], 4, "two exports of two files");
    assert_eq!(report["sign_in"], "deleted");
    for kind in [
        "profile",
        "mood",
        "journal",
        "conversation",
        "message",
        "completion",
        "safety",
    ] {
        assert!(
            report["by_kind"][kind].as_u64().unwrap() >= 1,
            "{kind}: {report}"
        );
    }

    assert_eq!(app.raw_partition(&user).await, Vec::<String>::new());
    let prefix =
        account::export::export_prefix(&therabot_shared::domain::UserId::parse(&user.sub).unwrap());
    let bucket = &app.api.account.export_bucket;
    assert_eq!(
        app.api.aws.list_keys(bucket, &prefix).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        download(&app, export["url"].as_str().unwrap())
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert!(!app.api.has_user(&user.sub).await.unwrap());

    // Nobody else's data or sign-in moved.
    let path = format!("/v1/moods/{}", kept["id"].as_str().unwrap());
    json_ok(app.get(&other, &path).await).await;
    assert!(app.api.has_user(&other.sub).await.unwrap());

    // The old token still verifies until it expires, and writes nothing.
    problem(
        app.post_json(&user, "/v1/moods", &json!({"score": 5}))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    problem(
        app.post_json(&user, "/v1/conversations", &json!({})).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    problem(
        app.post_json(&user, "/v1/journals", &json!({"body": "still here"}))
            .await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let profile = app
        .request(&user, Method::PATCH, "/v1/me")
        .header("if-match", "\"0\"")
        .json(&json!({"country": "US"}))
        .send()
        .await
        .unwrap();
    problem(profile, StatusCode::UNAUTHORIZED).await;
    let export = app.post_json(&user, "/v1/me/export", &json!(null)).await;
    problem(export, StatusCode::UNAUTHORIZED).await;
    assert_eq!(app.raw_partition(&user).await, Vec::<String>::new());
    let left = app.api.aws.list_keys(bucket, &prefix).await.unwrap();
    assert_eq!(left, Vec::<String>::new(), "an old token exports nothing");
    // Erasing again finds nothing and says so.
    let again = erase_all(&app, &user).await;
    assert_eq!(again.last().unwrap()["items"], 0);
    assert_eq!(again.last().unwrap()["sign_in"], "already_gone");
}

#[tokio::test]
async fn writes_racing_the_erasure_leave_nothing_behind() {
    let app = TestApp::start().await;
    let user = app.user();
    app.seed_moods(&user, 300).await;
    let (started, go) = tokio::sync::oneshot::channel();
    let writer = {
        let (app_http, url, token) = (app.http.clone(), app.url("/v1/moods"), user.token.clone());
        tokio::spawn(async move {
            let mut started = Some(started);
            // Writes until the erasure refuses one: some land before it, some race it.
            let mut statuses = Vec::new();
            for i in 0..5_000 {
                let response = app_http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"score": 1 + i % 10}))
                    .send()
                    .await
                    .unwrap();
                statuses.push(response.status().as_u16());
                if response.status() == StatusCode::UNAUTHORIZED {
                    break;
                }
                if i == 2 {
                    // Three writes are in: let the erasure start while the writes go on.
                    let _ = started.take().map(|s| s.send(()));
                }
            }
            statuses
        })
    };
    go.await.unwrap();
    erase_all(&app, &user).await;
    let statuses = writer.await.unwrap();
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 401),
        "{statuses:?}"
    );
    assert_eq!(
        statuses.last(),
        Some(&401),
        "the writes after the erasure were refused"
    );
    assert!(statuses.len() > 3, "the writes went on during the erasure");
    assert_eq!(app.raw_partition(&user).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_user_with_five_thousand_items_is_exported_and_erased_completely() {
    let app = TestApp::start().await;
    let user = app.user();
    app.seed_moods(&user, 5_000).await;
    let export = json_created(app.post_json(&user, "/v1/me/export", &json!(null)).await).await;
    assert_eq!(export["counts"]["moods"], 5_000);
    let csv = download(&app, export["moods_csv_url"].as_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 5_001);
    let reports = erase_all(&app, &user).await;
    let erased: u64 = reports.iter().map(|r| r["items"].as_u64().unwrap()).sum();
    assert_eq!(erased, 5_000);
    assert_eq!(app.raw_partition(&user).await, Vec::<String>::new());
}

#[tokio::test]
async fn the_account_routes_refuse_bad_input_and_anonymous_callers_and_change_nothing() {
    let app = TestApp::start().await;
    let user = app.user();
    app.create_mood(&user, json!({"score": 6})).await;
    for (method, path) in [
        (Method::GET, "/v1/me"),
        (Method::PATCH, "/v1/me"),
        (Method::DELETE, "/v1/me"),
        (Method::POST, "/v1/me/export"),
    ] {
        let anonymous = app
            .http
            .request(method.clone(), app.url(path))
            .json(&json!({"confirm": "DELETE MY ACCOUNT"}))
            .send()
            .await
            .unwrap();
        problem(anonymous, StatusCode::UNAUTHORIZED).await;
    }
    let send = |content_type: &'static str, body: &'static str| {
        app.request(&user, Method::DELETE, "/v1/me")
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    problem(
        send("text/plain", "DELETE MY ACCOUNT").await.unwrap(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    )
    .await;
    problem(
        send("application/json", "{\"confirm\":").await.unwrap(),
        StatusCode::BAD_REQUEST,
    )
    .await;
    let extra = send(
        "application/json",
        r#"{"confirm": "DELETE MY ACCOUNT", "also": 1}"#,
    )
    .await
    .unwrap();
    assert!(extra.status().is_client_error());
    let bad_tag = app
        .request(&user, Method::PATCH, "/v1/me")
        .header("if-match", "v1")
        .json(&json!({"country": "US"}))
        .send()
        .await
        .unwrap();
    problem(bad_tag, StatusCode::BAD_REQUEST).await;
    assert_eq!(app.all_moods(&user, "").await.len(), 1);
    assert_eq!(json_ok(app.get(&user, "/v1/me").await).await["version"], 0);
}

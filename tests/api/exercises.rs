//! Guided exercises: the built-in catalogue, the external provider (a wiremock server standing
//! in for it, its key in the local Secrets-Manager-protocol server), completions with thought
//! records, and "what helps me".

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use therabot_local::repository_root;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, User, fields, json_created, json_ok, problem};

const KEY: &str = "ex-key-0123456789";

pub(crate) fn provider_catalogue() -> Value {
    let text =
        std::fs::read_to_string(repository_root().join("tests/local/provider_catalogue.json"))
            .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// An app whose provider is `server`, with `key` in its secret and no caching of failures
/// (each request asks the provider again) unless `cache` says otherwise.
async fn app_with_provider(server: &MockServer, key: &str, cache_good: Duration) -> TestApp {
    let url = server.uri();
    let key = key.to_owned();
    TestApp::start_with(move |o| {
        o.exercise_api_url = Some(url);
        o.exercise_api_key = Some(key);
        o.exercise_cache = exercises::CacheTimes {
            good: cache_good,
            failure: Duration::ZERO,
        };
    })
    .await
}

async fn list(app: &TestApp, user: &User) -> Value {
    json_ok(app.get(user, "/v1/exercises").await).await
}

fn sources(list: &Value) -> (usize, usize) {
    let items = list["items"].as_array().unwrap();
    let provider = items.iter().filter(|e| e["source"] == "provider").count();
    (provider, items.len() - provider)
}

#[tokio::test]
async fn without_a_provider_the_built_in_catalogue_answers_by_category_and_id() {
    let app = TestApp::start().await;
    let user = app.user();
    let all = list(&app, &user).await;
    assert_eq!(all["provider"], "not_configured");
    let items = all["items"].as_array().unwrap();
    assert!(items.len() >= 15);
    assert!(items.iter().all(|e| e["source"] == "built-in"));
    let breathing = json_ok(app.get(&user, "/v1/exercises?category=breathing").await).await;
    let breathing = breathing["items"].as_array().unwrap();
    assert!(breathing.len() >= 4);
    for exercise in breathing {
        assert!(exercise["cycles"].as_u64().unwrap() >= 1);
        for step in exercise["steps"].as_array().unwrap() {
            assert!(["inhale", "hold", "exhale"].contains(&step["phase"].as_str().unwrap()));
        }
    }
    let one = json_ok(app.get(&user, "/v1/exercises/b-box-breathing").await).await;
    assert_eq!(one["title"], "Box breathing");
    assert_eq!(one["attribution"]["author"], "Therabot");
    problem(
        app.get(&user, "/v1/exercises/b-no-such-thing").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    problem(
        app.get(&user, "/v1/exercises/p-ocean-breath").await,
        StatusCode::NOT_FOUND,
    )
    .await;
    for bad in ["box-breathing", "b-Box", "x-y"] {
        let found = problem(
            app.get(&user, &format!("/v1/exercises/{bad}")).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert_eq!(fields(&found), vec!["exercise_id"]);
    }
    problem(
        app.get(&user, "/v1/exercises?category=yoga").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
}

#[tokio::test]
async fn the_provider_gets_our_key_and_its_exercises_come_first_then_are_cached() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/exercises"))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(provider_catalogue()))
        .expect(1)
        .mount(&server)
        .await;
    let app = app_with_provider(&server, KEY, Duration::from_secs(600)).await;
    let user = app.user();
    let first = list(&app, &user).await;
    assert_eq!(first["provider"], "available");
    let (provider, built_in) = sources(&first);
    assert_eq!(provider, 6);
    assert!(built_in >= 15);
    assert_eq!(first["items"][0]["source"], "provider");
    let id = first["items"][0]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("p-"), "{id}");
    let second = list(&app, &user).await;
    assert_eq!(second["items"], first["items"], "served from the cache");
    let one = json_ok(app.get(&user, &format!("/v1/exercises/{id}")).await).await;
    assert_eq!(one["attribution"]["author"], "Local Stand-in Provider");
    // `expect(1)`: the three reads above cost the provider one request.
    server.verify().await;
    let requests = server.received_requests().await.unwrap();
    assert!(
        requests
            .iter()
            .all(|r| r.url.query().is_none() && r.body.is_empty())
    );
}

/// The built-in catalogue answers alone, marked so, whatever the provider did.
async fn falls_back(answer: ResponseTemplate, expected_requests: usize) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(answer)
        .mount(&server)
        .await;
    let app = app_with_provider(&server, KEY, Duration::from_secs(600)).await;
    let user = app.user();
    let answered = list(&app, &user).await;
    assert_eq!(answered["provider"], "unavailable");
    let (provider, built_in) = sources(&answered);
    assert_eq!(provider, 0);
    assert!(built_in >= 15);
    let requests = server.received_requests().await.unwrap().len();
    assert_eq!(requests, expected_requests);
}

#[tokio::test]
async fn a_provider_that_fails_in_any_way_leaves_the_built_in_catalogue() {
    // 500: retried once. 401: the key is fetched again and retried once.
    falls_back(ResponseTemplate::new(500), 2).await;
    falls_back(ResponseTemplate::new(401), 2).await;
    falls_back(ResponseTemplate::new(404), 1).await;
    falls_back(
        ResponseTemplate::new(200).set_body_raw("{not json", "application/json"),
        1,
    )
    .await;
    falls_back(
        ResponseTemplate::new(200).set_body_json(json!({"exercises": [{"id": "Bad Id"}]})),
        1,
    )
    .await;
    falls_back(
        ResponseTemplate::new(200).set_body_raw(provider_catalogue().to_string(), "text/html"),
        1,
    )
    .await;
    let oversized = json!({"exercises": [], "padding": "x".repeat(1024 * 1024)});
    falls_back(ResponseTemplate::new(200).set_body_json(oversized), 1).await;
    // Slower than the 2 s budget: both attempts fit inside it, neither answers in time.
    falls_back(
        ResponseTemplate::new(200)
            .set_body_json(provider_catalogue())
            .set_delay(Duration::from_secs(3)),
        1,
    )
    .await;
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_from_the_secret_when_the_old_one_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(header("authorization", "Bearer new-key-after-rotation"))
        .respond_with(ResponseTemplate::new(200).set_body_json(provider_catalogue()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let app = app_with_provider(&server, "old-key", Duration::ZERO).await;
    let user = app.user();
    // The old key is read and cached with the secret, and refused.
    assert_eq!(list(&app, &user).await["provider"], "unavailable");
    // The secret is rotated; the next refusal makes the function read it again.
    crate::support::rewrite_secret(&app, |v| {
        v["exercise_api_key"] = "new-key-after-rotation".into();
    })
    .await;
    assert_eq!(list(&app, &user).await["provider"], "available");
}

fn thought_record() -> Value {
    json!({
        "situation": "My manager didn't answer my email about the deadline.",
        "emotions": [{"name": "anxious", "intensity": 80, "rerated": 40},
                     {"name": "embarrassed", "intensity": 50}],
        "automatic_thoughts": [{"text": "She thinks my work is useless.", "hot": true},
                               {"text": "I'll be let go."}],
        "evidence_for": ["She replied to others first."],
        "evidence_against": ["She praised the last report.", "She is travelling this week."],
        "balanced_thought": "She is busy; one slow reply says little about my work.",
        "balanced_belief": 70
    })
}

async fn complete(app: &TestApp, user: &User, exercise: &str, body: Value) -> Value {
    json_created(
        app.post_json(
            user,
            &format!("/v1/exercises/{exercise}/completions"),
            &body,
        )
        .await,
    )
    .await
}

#[tokio::test]
async fn a_completion_and_a_thought_record_are_stored_read_listed_and_deleted() {
    let app = TestApp::start().await;
    let user = app.user();
    let response = app
        .post_json(
            &user,
            "/v1/exercises/b-box-breathing/completions",
            &json!({"duration_s": 240, "mood_before": 4, "mood_after": 6, "rating": 4,
                    "note": "Helped before the meeting."}),
        )
        .await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let done = json_created(response).await;
    assert_eq!(done["exercise_id"], "b-box-breathing");
    assert_eq!(done["safety"]["level"], "none");
    assert!(done.get("thought_record").is_none());
    assert_eq!(
        location,
        format!("/v1/completions/{}", done["id"].as_str().unwrap())
    );

    let record = complete(
        &app,
        &user,
        "b-thought-record",
        json!({"duration_s": 900, "thought_record": thought_record()}),
    )
    .await;
    assert_eq!(
        record["thought_record"]["automatic_thoughts"][0]["hot"],
        true
    );
    assert_eq!(record["thought_record"]["emotions"][0]["rerated"], 40);
    let read = json_ok(app.get(&user, &location).await).await;
    assert_eq!(read["note"], "Helped before the meeting.");

    let all = json_ok(app.get(&user, "/v1/completions").await).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let filtered = json_ok(
        app.get(&user, "/v1/completions?exercise_id=b-thought-record")
            .await,
    )
    .await;
    assert_eq!(filtered["items"].as_array().unwrap().len(), 1);
    assert_eq!(filtered["items"][0]["id"], record["id"]);

    let deleted = app
        .request(&user, Method::DELETE, &location)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(app.get(&user, &location).await, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn bad_completions_are_refused_field_by_field_and_nothing_is_written() {
    let app = TestApp::start().await;
    let user = app.user();
    let mut two_hot = thought_record();
    two_hot["automatic_thoughts"][1]["hot"] = true.into();
    let mut no_thoughts = thought_record();
    no_thoughts["automatic_thoughts"] = json!([]);
    let mut loud = thought_record();
    loud["emotions"][0]["intensity"] = 101.into();
    let cases = [
        (json!({}), "b-box-breathing", vec!["duration_s"]),
        (
            json!({"duration_s": 0}),
            "b-box-breathing",
            vec!["duration_s"],
        ),
        (
            json!({"duration_s": 14_401}),
            "b-box-breathing",
            vec!["duration_s"],
        ),
        (
            json!({"duration_s": 60, "mood_before": 0}),
            "b-box-breathing",
            vec!["mood_before"],
        ),
        (
            json!({"duration_s": 60, "mood_after": 11}),
            "b-box-breathing",
            vec!["mood_after"],
        ),
        (
            json!({"duration_s": 60, "rating": 6}),
            "b-box-breathing",
            vec!["rating"],
        ),
        (
            json!({"duration_s": 60, "note": "x".repeat(2001)}),
            "b-box-breathing",
            vec!["note"],
        ),
        (
            json!({"duration_s": 60, "started_at": "2999-01-01T00:00:00Z"}),
            "b-box-breathing",
            vec!["started_at"],
        ),
        (
            json!({"duration_s": 60, "thought_record": thought_record()}),
            "b-box-breathing",
            vec!["thought_record"],
        ),
        (
            json!({"duration_s": 60, "thought_record": two_hot}),
            "b-thought-record",
            vec!["thought_record.automatic_thoughts"],
        ),
        (
            json!({"duration_s": 60, "thought_record": no_thoughts}),
            "b-thought-record",
            vec!["thought_record.automatic_thoughts"],
        ),
        (
            json!({"duration_s": 60, "thought_record": loud}),
            "b-thought-record",
            vec!["thought_record.emotions[0].intensity"],
        ),
        (
            json!({"duration_s": 60, "colour": "red"}),
            "b-box-breathing",
            vec!["colour"],
        ),
    ];
    for (body, exercise, expected) in cases {
        let response = app
            .post_json(
                &user,
                &format!("/v1/exercises/{exercise}/completions"),
                &body,
            )
            .await;
        let found = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(fields(&found), expected, "{body}");
    }
    let unknown = app
        .post_json(
            &user,
            "/v1/exercises/b-nope/completions",
            &json!({"duration_s": 60}),
        )
        .await;
    problem(unknown, StatusCode::NOT_FOUND).await;
    for query in [
        "/v1/completions?exercise_id=box",
        "/v1/completions?limit=0",
        "/v1/completions?from=soon",
        "/v1/completions/summary?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
    ] {
        problem(app.get(&user, query).await, StatusCode::BAD_REQUEST).await;
    }
    problem(
        app.get(&user, "/v1/completions/nope").await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    let page = json_ok(app.get(&user, "/v1/completions").await).await;
    assert_eq!(page["items"], json!([]));
}

#[tokio::test]
async fn what_helps_me_gives_each_exercises_count_minutes_and_mean_mood_change() {
    let app = TestApp::start().await;
    let user = app.user();
    for (exercise, seconds, before, after) in [
        ("b-box-breathing", 240, Some(4), Some(6)),
        ("b-box-breathing", 300, Some(5), Some(6)),
        ("b-box-breathing", 60, None, Some(8)),
        ("b-body-scan", 600, Some(6), Some(5)),
        ("b-worry-time", 900, None, None),
    ] {
        let mut body = json!({"duration_s": seconds});
        if let Some(before) = before {
            body["mood_before"] = json!(before);
        }
        if let Some(after) = after {
            body["mood_after"] = json!(after);
        }
        complete(&app, &user, exercise, body).await;
    }
    let summary = json_ok(app.get(&user, "/v1/completions/summary").await).await;
    let exercises = summary["exercises"].as_array().unwrap();
    let ids: Vec<&str> = exercises
        .iter()
        .map(|e| e["exercise_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["b-box-breathing", "b-body-scan", "b-worry-time"]);
    assert_eq!(exercises[0]["title"], "Box breathing");
    assert_eq!(exercises[0]["count"], 3);
    assert_eq!(exercises[0]["total_minutes"], 10.0);
    assert_eq!(exercises[0]["mean_mood_change"], 1.5);
    assert_eq!(exercises[0]["mood_change_count"], 2);
    assert_eq!(exercises[1]["mean_mood_change"], -1.0);
    assert_eq!(exercises[2]["mean_mood_change"], Value::Null);
    assert!(summary.get("streak").is_none());

    let other = app.user();
    let empty = json_ok(app.get(&other, "/v1/completions/summary").await).await;
    assert_eq!(empty["exercises"], json!([]));
}

#[tokio::test]
async fn completions_page_twenty_twenty_five_replay_and_stay_with_their_owner() {
    let app = TestApp::start().await;
    let alice = app.user();
    let bob = app.user();
    for i in 0..45 {
        complete(
            &app,
            &alice,
            "b-paced-breathing",
            json!({"duration_s": 60 + i, "started_at": format!("2026-11-01T10:{:02}:00Z", i)}),
        )
        .await;
    }
    let pages = app.all_pages(&alice, "/v1/completions?limit=20").await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![20, 20, 5]);
    let first = &pages[0][0];
    assert_eq!(first["duration_s"], 104, "the latest started first");

    let id = first["id"].as_str().unwrap();
    let path = format!("/v1/completions/{id}");
    problem(app.get(&bob, &path).await, StatusCode::NOT_FOUND).await;
    let delete = app
        .request(&bob, Method::DELETE, &path)
        .send()
        .await
        .unwrap();
    problem(delete, StatusCode::NOT_FOUND).await;
    assert_eq!(
        json_ok(app.get(&bob, "/v1/completions").await).await["items"],
        json!([])
    );
    let bobs = json_ok(
        app.get(&bob, "/v1/completions/summary?from=2026-10-01T00:00:00Z")
            .await,
    )
    .await;
    assert_eq!(bobs["exercises"], json!([]));
    json_ok(app.get(&alice, &path).await).await;

    let send = |body: &Value| {
        app.request(
            &alice,
            Method::POST,
            "/v1/exercises/b-stop-skill/completions",
        )
        .header("idempotency-key", "done-once-1")
        .json(body)
        .send()
    };
    let body = json!({"duration_s": 120});
    let stored = json_created(send(&body).await.unwrap()).await;
    let replay = send(&body).await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.json::<Value>().await.unwrap()["id"], stored["id"]);
    problem(
        send(&json!({"duration_s": 121})).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let stops = json_ok(
        app.get(&alice, "/v1/completions?exercise_id=b-stop-skill")
            .await,
    )
    .await;
    assert_eq!(stops["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_crisis_written_in_a_thought_record_gets_resources_and_a_check_in() {
    let app = TestApp::start().await;
    let user = app.user();
    let mut record = thought_record();
    record["automatic_thoughts"][0]["text"] =
        "Everyone would be better off if I killed myself.".into();
    let response = app
        .request(
            &user,
            Method::POST,
            "/v1/exercises/b-thought-record/completions",
        )
        .header("accept-language", "es-ES")
        .json(&json!({"duration_s": 600, "thought_record": record}))
        .send()
        .await
        .unwrap();
    let saved = json_created(response).await;
    assert_eq!(saved["safety"]["level"], "crisis");
    assert_eq!(saved["safety"]["emergency_number"], "112");
    let status = json_ok(app.get(&user, "/v1/safety/status").await).await;
    assert_eq!(status["check_in_due"], true);
}

#[tokio::test]
async fn a_provider_exercise_done_while_the_provider_is_down_is_still_kept() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let app = app_with_provider(&server, KEY, Duration::ZERO).await;
    let user = app.user();
    let done = complete(
        &app,
        &user,
        "p-ocean-breath",
        json!({"duration_s": 300, "mood_before": 3, "mood_after": 5}),
    )
    .await;
    assert_eq!(done["exercise_id"], "p-ocean-breath");
    let summary = json_ok(app.get(&user, "/v1/completions/summary").await).await;
    assert_eq!(summary["exercises"][0]["exercise_id"], "p-ocean-breath");
    assert_eq!(summary["exercises"][0]["title"], Value::Null);
}

#[tokio::test]
async fn the_built_in_responder_offering_an_exercise_names_one_the_catalogue_opens() {
    let app = TestApp::start().await;
    let user = app.user();
    let conversation = app.create_conversation(&user, json!({})).await;
    let id = conversation["id"].as_str().unwrap();
    let turn = json_created(
        app.send(
            &user,
            id,
            "I'm so anxious about tomorrow, my heart is racing",
        )
        .await,
    )
    .await;
    let reply = turn["reply"]["text"].as_str().unwrap();
    assert!(reply.contains("breath"), "{reply}");
    let exercise_id = turn["exercise_id"].as_str().unwrap();
    assert_eq!(exercise_id, "b-paced-breathing");
    json_ok(
        app.get(&user, &format!("/v1/exercises/{exercise_id}"))
            .await,
    )
    .await;

    let plain = json_created(app.send(&user, id, "ok").await).await;
    if !plain["reply"]["text"]
        .as_str()
        .unwrap()
        .to_lowercase()
        .contains("breath")
    {
        assert!(plain.get("exercise_id").is_none(), "{plain}");
    }
}

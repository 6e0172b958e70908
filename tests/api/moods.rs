//! The moods API end to end: create, read, update, delete, filters and the summary.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{TestApp, json_ok, problem};

#[tokio::test]
async fn a_mood_can_be_created_read_updated_and_deleted() {
    let app = TestApp::start().await;
    let user = app.user();

    let response = app
        .post_json(
            &user,
            "/v1/moods",
            &json!({"score": 7, "emotions": ["Calm", " hopeful "], "tags": ["work"],
                    "note": "Talked to my sister.", "recorded_at": "2026-11-20T08:30:00.123456Z"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["etag"], "\"1\"");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created = json_ok(response).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(location, format!("/v1/moods/{id}"));
    assert_eq!(created["score"], 7);
    assert_eq!(created["emotions"], json!(["calm", "hopeful"]));
    assert_eq!(created["recorded_at"], "2026-11-20T08:30:00.123Z");
    assert_eq!(created["version"], 1);

    let read = app.get(&user, &location).await;
    assert_eq!(read.headers()["etag"], "\"1\"");
    assert_eq!(json_ok(read).await, created);

    let updated = app
        .request(&user, Method::PATCH, &location)
        .header("if-match", "\"1\"")
        .json(&json!({"score": 4, "note": null, "tags": ["work", "sleep"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.headers()["etag"], "\"2\"");
    let updated = json_ok(updated).await;
    assert_eq!(updated["score"], 4);
    assert_eq!(updated["note"], Value::Null);
    assert_eq!(updated["tags"], json!(["work", "sleep"]));
    assert_eq!(updated["emotions"], created["emotions"]);
    assert_eq!(updated["recorded_at"], created["recorded_at"]);
    assert_eq!(updated["version"], 2);

    let deleted = app
        .request(&user, Method::DELETE, &location)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    problem(app.get(&user, &location).await, StatusCode::NOT_FOUND).await;
    let again = app
        .request(&user, Method::DELETE, &location)
        .send()
        .await
        .unwrap();
    problem(again, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn a_mood_without_a_time_is_recorded_now_with_empty_lists() {
    let app = TestApp::start().await;
    let user = app.user();
    let before = jiff::Timestamp::now();
    let created = app.create_mood(&user, json!({"score": 5})).await;
    let at: jiff::Timestamp = created["recorded_at"].as_str().unwrap().parse().unwrap();
    assert!(at >= before.round(jiff::Unit::Second).unwrap() - jiff::SignedDuration::from_secs(1));
    assert!(at <= jiff::Timestamp::now());
    assert_eq!(created["emotions"], json!([]));
    assert_eq!(created["tags"], json!([]));
    assert_eq!(created["note"], Value::Null);
}

#[tokio::test]
async fn a_stale_if_match_is_412_and_changes_nothing() {
    let app = TestApp::start().await;
    let user = app.user();
    let created = app
        .create_mood(&user, json!({"score": 6, "note": "first"}))
        .await;
    let path = format!("/v1/moods/{}", created["id"].as_str().unwrap());
    let patch = |if_match: Option<&str>, body: Value| {
        let mut request = app.request(&user, Method::PATCH, &path).json(&body);
        if let Some(value) = if_match {
            request = request.header("if-match", value);
        }
        request.send()
    };
    json_ok(patch(Some("\"1\""), json!({"score": 8})).await.unwrap()).await;

    problem(
        patch(Some("\"1\""), json!({"score": 2})).await.unwrap(),
        StatusCode::PRECONDITION_FAILED,
    )
    .await;
    problem(
        patch(None, json!({"score": 2})).await.unwrap(),
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    let stale_delete = app
        .request(&user, Method::DELETE, &path)
        .header("if-match", "\"1\"")
        .send()
        .await
        .unwrap();
    problem(stale_delete, StatusCode::PRECONDITION_FAILED).await;

    let current = json_ok(app.get(&user, &path).await).await;
    assert_eq!(current["score"], 8);
    assert_eq!(current["note"], "first");
    assert_eq!(current["version"], 2);

    let any = json_ok(patch(Some("*"), json!({"score": 3})).await.unwrap()).await;
    assert_eq!(any["version"], 3);
}

#[tokio::test]
async fn the_list_is_newest_first_and_filters_by_time_and_tag() {
    let app = TestApp::start().await;
    let user = app.user();
    for (day, score, tags) in [
        (1, 3, json!(["work"])),
        (2, 5, json!(["sleep"])),
        (3, 7, json!(["work", "sleep"])),
        (4, 9, json!([])),
    ] {
        app.create_mood(
            &user,
            json!({"score": score, "tags": tags, "recorded_at": format!("2026-10-0{day}T12:00:00Z")}),
        )
        .await;
    }
    let scores = |items: Vec<Value>| {
        items
            .iter()
            .map(|i| i["score"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    assert_eq!(scores(app.all_moods(&user, "").await), vec![9, 7, 5, 3]);
    assert_eq!(
        scores(
            app.all_moods(&user, "&from=2026-10-02T12:00:00Z&to=2026-10-03T12:00:00Z")
                .await
        ),
        vec![7, 5]
    );
    assert_eq!(scores(app.all_moods(&user, "&tag=Work").await), vec![7, 3]);
    assert_eq!(
        scores(
            app.all_moods(&user, "&tag=sleep&to=2026-10-02T23:00:00Z")
                .await
        ),
        vec![5]
    );
    assert!(app.all_moods(&user, "&tag=nothing").await.is_empty());
}

#[tokio::test]
async fn the_summary_matches_a_hand_computation() {
    let app = TestApp::start().await;
    let user = app.user();
    // Madrid is UTC+1 in November: 23:30Z on the 2nd is already the 3rd there.
    let entries = [
        ("2026-11-02T08:00:00Z", 4, json!(["work"])),
        ("2026-11-02T20:00:00Z", 6, json!(["work", "family"])),
        ("2026-11-02T23:30:00Z", 9, json!(["family"])),
        ("2026-11-05T10:00:00Z", 2, json!(["work"])),
        ("2026-11-10T10:00:00Z", 8, json!([])),
    ];
    for (at, score, tags) in entries {
        app.create_mood(
            &user,
            json!({"score": score, "tags": tags, "recorded_at": at}),
        )
        .await;
    }
    let summary = json_ok(
        app.get(
            &user,
            "/v1/moods/summary?from=2026-11-01T23:00:00Z&to=2026-11-05T22:59:59Z&tz=Europe/Madrid",
        )
        .await,
    )
    .await;
    let days: Vec<(String, i64, Value, Value, Value)> = summary["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["start"].as_str().unwrap().to_owned(),
                b["count"].as_i64().unwrap(),
                b["mean"].clone(),
                b["min"].clone(),
                b["max"].clone(),
            )
        })
        .collect();
    assert_eq!(
        days,
        vec![
            ("2026-11-02".into(), 2, json!(5.0), json!(4), json!(6)),
            ("2026-11-03".into(), 1, json!(9.0), json!(9), json!(9)),
            (
                "2026-11-04".into(),
                0,
                Value::Null,
                Value::Null,
                Value::Null
            ),
            ("2026-11-05".into(), 1, json!(2.0), json!(2), json!(2)),
        ]
    );
    // work: 4, 6, 2 → mean 4; family: 6, 9 → mean 7.5. The entry of the 10th is outside.
    assert_eq!(
        summary["tags"],
        json!([{"tag": "work", "count": 3, "mean": 4.0}, {"tag": "family", "count": 2, "mean": 7.5}])
    );
    assert_eq!(
        summary["overall"],
        json!({"count": 4, "mean": 5.25, "min": 2, "max": 9})
    );

    let weekly = json_ok(
        app.get(
            &user,
            "/v1/moods/summary?from=2026-11-01T00:00:00Z&to=2026-11-15T00:00:00Z&bucket=week",
        )
        .await,
    )
    .await;
    let weeks: Vec<(&str, i64)> = weekly["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["start"].as_str().unwrap(), b["count"].as_i64().unwrap()))
        .collect();
    // 2026-11-01 is a Sunday: its week starts Monday 26 October.
    assert_eq!(
        weeks,
        vec![("2026-10-26", 0), ("2026-11-02", 4), ("2026-11-09", 1)]
    );
    assert_eq!(weekly["overall"]["mean"], json!(5.8));
}

#[tokio::test]
async fn every_time_in_a_response_is_utc_with_exactly_three_fractional_digits() {
    let app = TestApp::start().await;
    let user = app.user();
    let shape = |t: &Value| {
        let t = t.as_str().unwrap_or_default();
        let b = t.as_bytes();
        t.len() == 24
            && t.ends_with('Z')
            && b[19] == b'.'
            && b[20..23].iter().all(u8::is_ascii_digit)
    };
    let mood = app
        .create_mood(
            &user,
            json!({"score": 5, "recorded_at": "2026-11-20T08:30:00+01:00"}),
        )
        .await;
    assert_eq!(mood["recorded_at"], "2026-11-20T07:30:00.000Z");
    for field in ["created_at", "updated_at"] {
        assert!(shape(&mood[field]), "{field}: {}", mood[field]);
    }
    let summary = json_ok(
        app.get(&user, "/v1/moods/summary?from=2026-11-01T00:00:00Z")
            .await,
    )
    .await;
    assert_eq!(summary["from"], "2026-11-01T00:00:00.000Z");
    assert!(shape(&summary["to"]));
    let conversation = app.create_conversation(&user, json!({})).await;
    for field in ["created_at", "last_message_at"] {
        assert!(
            shape(&conversation[field]),
            "{field}: {}",
            conversation[field]
        );
    }
    assert!(shape(&conversation["messages"][0]["created_at"]));
}

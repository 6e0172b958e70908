//! Bad input of every kind gets a 4xx problem+json naming what is wrong, never a 5xx, and
//! changes nothing.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, enc, fields, problem};

#[tokio::test]
async fn bad_create_bodies_are_refused_field_by_field_and_nothing_is_written() {
    let app = TestApp::start().await;
    let user = app.user();
    let long_note = "x".repeat(2001);
    let future = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)).to_string();
    let cases: Vec<(serde_json::Value, &[&str])> = vec![
        (json!({}), &["score"]),
        (json!({"score": 5, "mood": "sad"}), &["mood"]),
        (json!({"score": "7"}), &["score"]),
        (json!({"score": 7.5}), &["score"]),
        (json!({"score": null}), &["score"]),
        (json!({"score": 0}), &["score"]),
        (json!({"score": 11}), &["score"]),
        (json!({"score": -1}), &["score"]),
        (
            json!({"score": 99999999999999999999u128 as f64}),
            &["score"],
        ),
        (json!({"score": 5, "note": long_note}), &["note"]),
        (json!({"score": 5, "note": 12}), &["note"]),
        (json!({"score": 5, "tags": "work"}), &["tags"]),
        (json!({"score": 5, "tags": ["ok", ""]}), &["tags[1]"]),
        (json!({"score": 5, "tags": ["<b>"]}), &["tags[0]"]),
        (json!({"score": 5, "tags": vec!["t"; 11]}), &["tags"]),
        (
            json!({"score": 5, "emotions": ["a".repeat(33)]}),
            &["emotions[0]"],
        ),
        (
            json!({"score": 5, "recorded_at": "yesterday"}),
            &["recorded_at"],
        ),
        (
            json!({"score": 5, "recorded_at": "2026-11-20T10:00:00"}),
            &["recorded_at"],
        ),
        (json!({"score": 5, "recorded_at": future}), &["recorded_at"]),
        (
            json!({"score": 5, "recorded_at": "1999-01-01T00:00:00Z"}),
            &["recorded_at"],
        ),
        (
            json!({"score": 0, "note": "x".repeat(2001), "tags": [""]}),
            &["score", "tags[0]", "note"],
        ),
    ];
    for (body, expected) in cases {
        let response = app.post_json(&user, "/v1/moods", &body).await;
        let problem = problem(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        let mut got = fields(&problem);
        let mut want: Vec<String> = expected.iter().map(|f| (*f).to_owned()).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "body {body}");
    }
    assert!(app.all_moods(&user, "").await.is_empty());
}

#[tokio::test]
async fn malformed_bodies_and_content_types_are_refused() {
    let app = TestApp::start().await;
    let user = app.user();
    let send = |content_type: Option<&'static str>, body: Vec<u8>| {
        let mut request = app.request(&user, Method::POST, "/v1/moods").body(body);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        request.send()
    };
    let json = Some("application/json");
    let cases: Vec<(Option<&'static str>, Vec<u8>, StatusCode)> = vec![
        (json, b"{\"score\": ".to_vec(), StatusCode::BAD_REQUEST),
        (json, b"".to_vec(), StatusCode::BAD_REQUEST),
        (json, b"[{\"score\": 5}]".to_vec(), StatusCode::BAD_REQUEST),
        (json, b"\"score\"".to_vec(), StatusCode::BAD_REQUEST),
        (json, vec![0xff, 0xfe, 0x00], StatusCode::BAD_REQUEST),
        (
            json,
            format!("{{\"score\": 5, \"note\": \"{}\"}}", "x".repeat(70_000)).into_bytes(),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Some("text/plain"),
            b"{\"score\": 5}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            Some("application/x-www-form-urlencoded"),
            b"score=5".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            None,
            b"{\"score\": 5}".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (content_type, body, status) in cases {
        problem(send(content_type, body).await.unwrap(), status).await;
    }
    // Parameters on the media type are fine.
    let ok = send(
        Some("application/json; charset=utf-8"),
        b"{\"score\": 5}".to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);
    assert_eq!(app.all_moods(&user, "").await.len(), 1);
}

#[tokio::test]
async fn bad_query_parameters_are_400_naming_the_parameter() {
    let app = TestApp::start().await;
    let user = app.user();
    let cases = [
        ("/v1/moods?limit=0", "limit"),
        ("/v1/moods?limit=101", "limit"),
        ("/v1/moods?limit=abc", "limit"),
        ("/v1/moods?limit=-1", "limit"),
        ("/v1/moods?limt=5", "limt"),
        ("/v1/moods?from=yesterday", "from"),
        (
            "/v1/moods?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z",
            "from",
        ),
        ("/v1/moods?tag=%3Cscript%3E", "tag"),
        ("/v1/moods?tag=a&tag=b", "tag"),
        ("/v1/moods?next_token=garbage", "next_token"),
        ("/v1/moods/summary?bucket=month", "bucket"),
        ("/v1/moods/summary?tz=Mars%2FOlympus", "tz"),
        (
            "/v1/moods/summary?from=2024-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
            "from",
        ),
        ("/v1/moods/summary?to=not-a-time", "to"),
        ("/v1/moods/summary?limit=5", "limit"),
    ];
    for (path, field) in cases {
        let problem = problem(app.get(&user, path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(fields(&problem), vec![field.to_owned()], "{path}");
    }
}

#[tokio::test]
async fn malformed_ids_are_400_for_every_method() {
    let app = TestApp::start().await;
    let user = app.user();
    let long = "0".repeat(300);
    let ids = [
        "123",
        "not-an-id",
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
        "01JDX3ZQ8C9V4M2N7K5T1R6W3!",
        long.as_str(),
        "%F0%9F%92%A9",
        "..%2F..%2Fetc",
    ];
    for id in ids {
        let path = format!("/v1/moods/{id}");
        problem(app.get(&user, &path).await, StatusCode::BAD_REQUEST).await;
        let patch = app
            .request(&user, Method::PATCH, &path)
            .header("if-match", "*")
            .json(&json!({"score": 5}))
            .send()
            .await
            .unwrap();
        problem(patch, StatusCode::BAD_REQUEST).await;
        let delete = app
            .request(&user, Method::DELETE, &path)
            .send()
            .await
            .unwrap();
        problem(delete, StatusCode::BAD_REQUEST).await;
    }
    let invalid_utf8 = app.get(&user, "/v1/moods/%FF%FE").await;
    problem(invalid_utf8, StatusCode::BAD_REQUEST).await;
}

#[tokio::test]
async fn bad_updates_are_refused_and_change_nothing() {
    let app = TestApp::start().await;
    let user = app.user();
    let created = app
        .create_mood(&user, json!({"score": 5, "note": "keep"}))
        .await;
    let path = format!("/v1/moods/{}", created["id"].as_str().unwrap());
    let cases: Vec<(Option<&str>, serde_json::Value, StatusCode)> = vec![
        (Some("\"1\""), json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (
            Some("\"1\""),
            json!({"recorded_at": "2026-01-01T00:00:00Z"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some("\"1\""),
            json!({"score": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some("\"1\""),
            json!({"note": "x".repeat(2001)}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some("\"1\""),
            json!({"id": "01JDX3ZQ8C9V4M2N7K5T1R6W3E"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Some("\"1\""),
            json!({"version": 7}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (Some("1"), json!({"score": 6}), StatusCode::BAD_REQUEST),
        (
            Some("W/\"1\""),
            json!({"score": 6}),
            StatusCode::BAD_REQUEST,
        ),
        (
            Some("\"1\", \"2\""),
            json!({"score": 6}),
            StatusCode::BAD_REQUEST,
        ),
        (None, json!({"score": 6}), StatusCode::PRECONDITION_REQUIRED),
    ];
    for (if_match, body, status) in cases {
        let mut request = app.request(&user, Method::PATCH, &path).json(&body);
        if let Some(value) = if_match {
            request = request.header("if-match", value);
        }
        problem(request.send().await.unwrap(), status).await;
    }
    let current = crate::support::json_ok(app.get(&user, &path).await).await;
    assert_eq!(current, created);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problem_documents() {
    let app = TestApp::start().await;
    let user = app.user();
    problem(app.get(&user, "/v1/nothing").await, StatusCode::NOT_FOUND).await;
    problem(app.get(&user, "/").await, StatusCode::NOT_FOUND).await;
    let put = app
        .request(&user, Method::PUT, "/v1/moods")
        .send()
        .await
        .unwrap();
    problem(put, StatusCode::METHOD_NOT_ALLOWED).await;
    let post = app
        .request(
            &user,
            Method::POST,
            &format!("/v1/moods/{}", enc("01JDX3ZQ8C9V4M2N7K5T1R6W3E")),
        )
        .json(&json!({"score": 1}))
        .send()
        .await
        .unwrap();
    problem(post, StatusCode::METHOD_NOT_ALLOWED).await;
}

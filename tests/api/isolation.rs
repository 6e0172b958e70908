//! No user can see or touch another user's data, by id, in a list, in a summary, or with
//! another user's `next_token`.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::support::{TestApp, json_ok, problem};

#[tokio::test]
async fn another_users_entries_are_404_and_never_listed_or_summarised() {
    let app = TestApp::start().await;
    let alice = app.user();
    let bob = app.user();
    let mut ids = Vec::new();
    for score in 1..=3 {
        let created = app
            .create_mood(
                &alice,
                json!({"score": score, "tags": ["private"], "note": "alice only"}),
            )
            .await;
        ids.push(created["id"].as_str().unwrap().to_owned());
    }
    for id in &ids {
        let path = format!("/v1/moods/{id}");
        problem(app.get(&bob, &path).await, StatusCode::NOT_FOUND).await;
        let patch = app
            .request(&bob, Method::PATCH, &path)
            .header("if-match", "*")
            .json(&json!({"score": 10}))
            .send()
            .await
            .unwrap();
        problem(patch, StatusCode::NOT_FOUND).await;
        let delete = app
            .request(&bob, Method::DELETE, &path)
            .send()
            .await
            .unwrap();
        problem(delete, StatusCode::NOT_FOUND).await;
    }
    assert!(app.all_moods(&bob, "").await.is_empty());
    assert!(app.all_moods(&bob, "&tag=private").await.is_empty());
    let summary = json_ok(app.get(&bob, "/v1/moods/summary").await).await;
    assert_eq!(summary["overall"]["count"], 0);
    assert_eq!(summary["tags"], json!([]));

    // Alice's data is untouched by Bob's attempts.
    let alices = app.all_moods(&alice, "").await;
    assert_eq!(alices.len(), 3);
    assert!(
        alices
            .iter()
            .all(|m| m["version"] == 1 && m["note"] == "alice only")
    );
}

#[tokio::test]
async fn another_users_next_token_is_refused() {
    let app = TestApp::start().await;
    let alice = app.user();
    let bob = app.user();
    for score in 1..=3 {
        app.create_mood(&alice, json!({"score": score})).await;
    }
    let page = json_ok(app.get(&alice, "/v1/moods?limit=1").await).await;
    let token = page["next_token"].as_str().unwrap();
    let stolen = app
        .get(&bob, &format!("/v1/moods?limit=1&next_token={token}"))
        .await;
    let problem = problem(stolen, StatusCode::BAD_REQUEST).await;
    assert_eq!(problem["errors"][0]["field"], "next_token");
}

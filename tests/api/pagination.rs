//! Paging through lists: exact pages, no duplicates, no gaps, and tokens that only work
//! where they were issued.

use std::collections::HashSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{TestApp, User, json_ok, problem};

async fn seed(app: &TestApp, user: &User, count: usize, tags: impl Fn(usize) -> Value) {
    let creates = (0..count).map(|i| {
        let at = format!("2026-09-01T{:02}:{:02}:00Z", i / 60, i % 60);
        let body = json!({"score": (i % 10) + 1, "tags": tags(i), "recorded_at": at});
        async move { app.create_mood(user, body).await }
    });
    futures::future::join_all(creates).await;
}

async fn pages(app: &TestApp, user: &User, query: &str) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut path = format!("/v1/moods?{query}");
        if let Some(t) = &token {
            path.push_str(&format!("&next_token={t}"));
        }
        let page = json_ok(app.get(user, &path).await).await;
        pages.push(page["items"].as_array().unwrap().clone());
        match page["next_token"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => return pages,
        }
        assert!(pages.len() < 50, "pagination does not end");
    }
}

fn ids(pages: &[Vec<Value>]) -> Vec<String> {
    pages
        .iter()
        .flatten()
        .map(|m| m["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn forty_five_entries_come_as_20_20_and_5_without_duplicates_or_gaps() {
    let app = TestApp::start().await;
    let user = app.user();
    seed(&app, &user, 45, |_| json!([])).await;
    let pages = pages(&app, &user, "limit=20").await;
    let sizes: Vec<usize> = pages.iter().map(Vec::len).collect();
    assert_eq!(sizes, vec![20, 20, 5]);
    let ids = ids(&pages);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 45);
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(ids, sorted, "newest first across pages");
}

#[tokio::test]
async fn a_full_last_page_has_no_next_token() {
    let app = TestApp::start().await;
    let user = app.user();
    seed(&app, &user, 10, |_| json!([])).await;
    let sizes: Vec<usize> = pages(&app, &user, "limit=5")
        .await
        .iter()
        .map(Vec::len)
        .collect();
    assert_eq!(sizes, vec![5, 5]);
    let default = json_ok(app.get(&user, "/v1/moods").await).await;
    assert_eq!(default["items"].as_array().unwrap().len(), 10);
    assert_eq!(default["next_token"], Value::Null);
}

#[tokio::test]
async fn a_filtered_list_pages_through_exactly_the_matching_entries() {
    let app = TestApp::start().await;
    let user = app.user();
    // Every third entry is tagged, so most items DynamoDB reads are filtered out.
    seed(&app, &user, 30, |i| {
        if i % 3 == 0 {
            json!(["walk"])
        } else {
            json!(["other"])
        }
    })
    .await;
    let pages = pages(&app, &user, "limit=4&tag=walk").await;
    let ids = ids(&pages);
    assert_eq!(ids.len(), 10);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 10);
    assert!(pages.iter().flatten().all(|m| m["tags"] == json!(["walk"])));
    assert_eq!(pages[0].len(), 4);
}

#[tokio::test]
async fn a_token_is_refused_with_other_filters_or_when_tampered_with() {
    let app = TestApp::start().await;
    let user = app.user();
    seed(&app, &user, 5, |_| json!(["a"])).await;
    let first = json_ok(app.get(&user, "/v1/moods?limit=2&tag=a").await).await;
    let token = first["next_token"].as_str().unwrap().to_owned();
    // The same token continues the same list.
    json_ok(
        app.get(
            &user,
            &format!("/v1/moods?limit=2&tag=a&next_token={token}"),
        )
        .await,
    )
    .await;

    let mut tampered = token.clone().into_bytes();
    let middle = tampered.len() / 2;
    tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for path in [
        format!("/v1/moods?limit=2&next_token={token}"),
        format!("/v1/moods?limit=2&tag=b&next_token={token}"),
        format!("/v1/moods?limit=2&tag=a&from=2026-01-01T00:00:00Z&next_token={token}"),
        format!("/v1/moods?limit=2&tag=a&next_token={tampered}"),
        "/v1/moods?next_token=bm90IGEgdG9rZW4".to_owned(),
    ] {
        let problem = problem(app.get(&user, &path).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(problem["errors"][0]["field"], "next_token", "{path}");
    }
}

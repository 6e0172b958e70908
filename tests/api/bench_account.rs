//! The account function's export and erasure as data grows, against the local stand-in:
//! `make bench-account` (not part of `make test`; docs/benchmarks.md has the figures).

use std::time::Instant;

use serde_json::json;

use crate::support::TestApp;

#[tokio::test]
#[ignore = "a benchmark: make bench-account"]
async fn bench_export_and_erasure_as_the_partition_grows() {
    let sizes: Vec<usize> = std::env::var("BENCH_ACCOUNT_ITEMS")
        .unwrap_or_else(|_| "5000,50000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let app = TestApp::start().await;
    println!("| items | seed | export | export size | erasure (requests) |");
    println!("|---|---|---|---|---|");
    for items in sizes {
        let user = app.user();
        let started = Instant::now();
        app.seed_moods(&user, items).await;
        let seeded = started.elapsed();

        let started = Instant::now();
        let response = app.post_json(&user, "/v1/me/export", &json!(null)).await;
        assert_eq!(response.status(), 201);
        let export: serde_json::Value = response.json().await.unwrap();
        let exported = started.elapsed();
        assert_eq!(export["counts"]["moods"], items);
        let bytes = app
            .http
            .get(export["url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .len();

        let started = Instant::now();
        let mut requests = 0;
        loop {
            requests += 1;
            let response = app
                .request(&user, reqwest::Method::DELETE, "/v1/me")
                .json(&json!({"confirm": "DELETE MY ACCOUNT"}))
                .send()
                .await
                .unwrap();
            match response.status().as_u16() {
                200 => break,
                202 => continue,
                other => panic!("erasure answered {other}"),
            }
        }
        let erased = started.elapsed();
        assert!(app.raw_partition(&user).await.is_empty());
        println!(
            "| {items} | {:.1} s | {:.1} s | {:.1} MB | {:.1} s ({requests}) |",
            seeded.as_secs_f64(),
            exported.as_secs_f64(),
            bytes as f64 / 1e6,
            erased.as_secs_f64()
        );
    }
}

//! The account function's export and erasure as data grows, against the local stand-in:
//! `make bench-account` (not part of `make test`; docs/benchmarks.md has the figures).

use std::time::Instant;

use serde_json::json;

use crate::support::TestApp;

/// CPU seconds this process (the API, in-process) has used so far (Linux, 100 ticks/s).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // After the command name: utime and stime are the 12th and 13th fields.
    (ticks(11) + ticks(12)) / 100.0
}

#[tokio::test]
#[ignore = "a benchmark: make bench-account"]
async fn bench_export_and_erasure_as_the_partition_grows() {
    let sizes: Vec<usize> = std::env::var("BENCH_ACCOUNT_ITEMS")
        .unwrap_or_else(|_| "5000,50000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let app = TestApp::start().await;
    println!(
        "| items | seed | export | of which reading the pages | the API's CPU | export size | erasure (requests) | the API's CPU |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for items in sizes {
        let user = app.user();
        let started = Instant::now();
        app.seed_moods(&user, items).await;
        let seeded = started.elapsed();

        // The same pages the export reads, read alone: what the stand-in costs.
        let started = Instant::now();
        let store = app.api.context.store();
        let pk = format!("USER#{}", user.sub);
        let query = therabot_shared::store::page::PartitionQuery::new(pk, ("!".into(), "~".into()));
        let mut start = None;
        loop {
            let (_, next) = store.raw_page(&query, start).await.unwrap();
            match next {
                Some(key) => start = Some(key),
                None => break,
            }
        }
        let reading = started.elapsed();

        let (started, cpu) = (Instant::now(), cpu_seconds());
        let response = app.post_json(&user, "/v1/me/export", &json!(null)).await;
        assert_eq!(response.status(), 201);
        let export: serde_json::Value = response.json().await.unwrap();
        let exported = started.elapsed();
        let export_cpu = cpu_seconds() - cpu;
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

        let (started, cpu) = (Instant::now(), cpu_seconds());
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
        let erase_cpu = cpu_seconds() - cpu;
        assert!(app.raw_partition(&user).await.is_empty());
        println!(
            "| {items} | {:.1} s | {:.1} s | {:.1} s | {export_cpu:.1} s | {:.1} MB | {:.1} s ({requests}) | {erase_cpu:.1} s |",
            seeded.as_secs_f64(),
            exported.as_secs_f64(),
            reading.as_secs_f64(),
            bytes as f64 / 1e6,
            erased.as_secs_f64()
        );
    }
}

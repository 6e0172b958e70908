//! The OpenAPI document is the API's contract: schemathesis (from PyPI, in `.venv`) generates
//! requests from it in every phase, stateful included, against a local API, and finds nothing
//! the document does not say. Its configuration and hooks are in `tests/contract/`.
//!
//! The operations run in two shards: two schemathesis processes side by side, each as a user
//! of its own. A run is a chain (schemathesis, then the API, then the local stand-in, each
//! waiting on the next), so one process keeps about one core busy. Its `--workers` are threads,
//! and with two of them Python 3.11 failed inside schemathesis ("AST constructor recursion
//! depth mismatch"); two processes share nothing (docs/benchmarks.md, the time of `.ci/run`).

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use therabot_local::repository_root;

use crate::support::TestApp;

/// Each shard is the paths under these first segments of `/v1/`; together they must hold
/// every path of the document (checked below, so a new route cannot go untested).
const SHARDS: [&[&str]; 2] = [
    &["moods", "journals", "safety"],
    &["conversations", "exercises", "completions", "me"],
];

#[test]
fn every_path_of_the_document_is_in_exactly_one_contract_shard() {
    let document: serde_json::Value = serde_json::from_slice(
        &std::fs::read(repository_root().join("docs/openapi.json")).expect("docs/openapi.json"),
    )
    .expect("the document is JSON");
    let paths = document["paths"]
        .as_object()
        .expect("the document has paths");
    assert!(!paths.is_empty());
    for path in paths.keys() {
        let shards = SHARDS
            .iter()
            .filter(|segments| segments.iter().any(|s| in_segment(path, s)))
            .count();
        assert_eq!(shards, 1, "{path} is in {shards} contract shards");
    }
}

fn in_segment(path: &str, segment: &str) -> bool {
    path.strip_prefix("/v1/")
        .and_then(|rest| rest.strip_prefix(segment))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

fn path_regex(segments: &[&str]) -> String {
    format!("^/v1/({})(/|$)", segments.join("|"))
}

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_response_the_openapi_document_does_not_promise() {
    let app = TestApp::start().await;
    let erased = app.user();
    let root = repository_root();
    let url = app.api.base_url.clone();
    let tokens: Vec<String> = SHARDS.iter().map(|_| app.user().token).collect();
    // The API answers on this runtime while schemathesis runs on blocking threads.
    let outputs = tokio::task::spawn_blocking(move || {
        let children: Vec<Child> = SHARDS
            .iter()
            .zip(&tokens)
            .map(|(segments, token)| spawn_shard(&root, &url, token, &erased.token, segments))
            .collect();
        wait_for_all(children)
    })
    .await
    .unwrap();
    let mut generated = 0;
    for (segments, output) in SHARDS.iter().zip(&outputs) {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let tail: Vec<&str> = stdout.lines().rev().take(80).collect();
        let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
        assert!(
            output.status.success(),
            "schemathesis found failures under {segments:?}:\n{tail}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The summary line reads "3212 generated, 3212 passed"; a warning may say
        // "generated data" elsewhere.
        let shard_generated = stdout
            .lines()
            .find_map(|l| l.trim().split_once(" generated, "))
            .and_then(|(n, _)| n.trim().parse::<u32>().ok())
            .unwrap_or(0);
        assert!(
            shard_generated >= 500,
            "only {shard_generated} cases generated under {segments:?}:\n{tail}"
        );
        generated += shard_generated;
    }
    // At least 1,000 generated cases in all, so a passing run means something.
    assert!(generated >= 1_000, "only {generated} cases generated");
}

fn spawn_shard(
    root: &Path,
    url: &str,
    token: &str,
    erased_token: &str,
    segments: &[&str],
) -> Child {
    Command::new(root.join(".venv/bin/st"))
        .current_dir(root)
        .args([
            "--config-file",
            "tests/contract/schemathesis.toml",
            "--no-color",
        ])
        .args(["run", "docs/openapi.json", "--url", url])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--include-path-regex", &path_regex(segments)])
        .env("THERABOT_CONTRACT_ERASED_TOKEN", erased_token)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("schemathesis runs (make bootstrap installs it into .venv)")
}

/// Waits for every child, one thread each draining its pipes, so none stalls on a full pipe.
fn wait_for_all(children: Vec<Child>) -> Vec<Output> {
    std::thread::scope(|scope| {
        let waits: Vec<_> = children
            .into_iter()
            .map(|child| scope.spawn(|| child.wait_with_output().expect("schemathesis ends")))
            .collect();
        waits
            .into_iter()
            .map(|wait| wait.join().expect("the waiting thread ends"))
            .collect()
    })
}

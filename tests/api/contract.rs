//! The OpenAPI document is the API's contract: schemathesis (from PyPI, in `.venv`) generates
//! requests from it in every phase, stateful included, against a local API, and finds nothing
//! the document does not say. Its configuration and hooks are in `tests/contract/`.

use therabot_local::repository_root;

use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn schemathesis_finds_no_response_the_openapi_document_does_not_promise() {
    let app = TestApp::start().await;
    let user = app.user();
    let erased = app.user();
    let root = repository_root();
    let url = app.api.base_url.clone();
    let auth = format!("Authorization: Bearer {}", user.token);
    // The API answers on this runtime while schemathesis runs on a blocking thread.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(root.join(".venv/bin/st"))
            .current_dir(&root)
            .args([
                "--config-file",
                "tests/contract/schemathesis.toml",
                "--no-color",
            ])
            .args(["run", "docs/openapi.json", "--url", &url, "-H", &auth])
            .env("THERABOT_CONTRACT_ERASED_TOKEN", &erased.token)
            .output()
    })
    .await
    .unwrap()
    .expect("schemathesis runs (make bootstrap installs it into .venv)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let tail: Vec<&str> = stdout.lines().rev().take(80).collect();
    let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
    assert!(
        output.status.success(),
        "schemathesis found failures:\n{tail}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // At least 1,000 generated cases, so a passing run means something. (The summary line
    // reads "3212 generated, 3212 passed"; a warning may say "generated data" elsewhere.)
    let generated = stdout
        .lines()
        .find_map(|l| l.trim().split_once(" generated, "))
        .and_then(|(n, _)| n.trim().parse::<u32>().ok())
        .unwrap_or(0);
    assert!(
        generated >= 1_000,
        "only {generated} cases generated:\n{tail}"
    );
}

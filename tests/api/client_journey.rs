//! A client generated from the OpenAPI document (openapi-python-client, from PyPI, in `.venv`)
//! walks a whole user journey against a local API: token, moods, a conversation, messages,
//! pages, the crisis protocol, deletion. The generator reads `docs/openapi.json` afresh on
//! every run, and the generated code raises on any status the document does not list, so the
//! document cannot drift from the API without this failing. The journey is
//! `tests/client/journey.py`.

use std::path::Path;
use std::process::Command;

use therabot_local::repository_root;

use crate::support::TestApp;

#[tokio::test(flavor = "multi_thread")]
async fn a_client_generated_from_the_document_completes_a_whole_user_journey() {
    let root = repository_root();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("client-{}", std::process::id()));
    let package = out.join("therabot_client");
    let generated = Command::new(root.join(".venv/bin/openapi-python-client"))
        .current_dir(&root)
        .args([
            "generate",
            "--path",
            "docs/openapi.json",
            "--meta",
            "none",
            "--overwrite",
        ])
        .args(["--config", "tests/client/generator.yaml", "--output-path"])
        .arg(&package)
        .output()
        .expect("openapi-python-client runs (make bootstrap installs it into .venv)");
    assert!(
        generated.status.success(),
        "the generator refused the document:\n{}{}",
        String::from_utf8_lossy(&generated.stdout),
        String::from_utf8_lossy(&generated.stderr)
    );

    let app = TestApp::start().await;
    let url = app.api.base_url.clone();
    // The API answers on this runtime while the journey runs on a blocking thread.
    let journey = tokio::task::spawn_blocking(move || {
        Command::new(root.join(".venv/bin/python"))
            .current_dir(&root)
            .env("PYTHONPATH", &out)
            .args(["tests/client/journey.py", &url])
            .output()
    })
    .await
    .unwrap()
    .expect("the journey script runs");
    assert!(
        journey.status.success(),
        "the journey failed:\n{}{}",
        String::from_utf8_lossy(&journey.stdout),
        String::from_utf8_lossy(&journey.stderr)
    );
}

//! What the functions measure (CloudWatch Embedded Metric Format), read back from the
//! recorder as the log stream would carry it: each request flushes its own metrics, the
//! names and dimensions are the ones the template's dashboard and alarms read, and no line
//! carries a user id, token, id or text. The recorder is global, so each test installs its
//! own (nextest runs every test in its own process).

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use therabot_shared::metrics::{self, Captured, NAMESPACE};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{TestApp, json_created};

/// One EMF document: its dimension values and its metric values, by name.
#[derive(Debug)]
struct Document {
    dimensions: Vec<(String, String)>,
    values: Vec<(String, Value)>,
}

impl Document {
    fn dimension(&self, name: &str) -> Option<&str> {
        self.dimensions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn value(&self, name: &str) -> Option<&Value> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
}

/// Parses every flushed line as EMF, checking the envelope CloudWatch needs.
fn documents(captured: &Captured) -> Vec<Document> {
    captured
        .text()
        .lines()
        .map(|line| {
            let doc: Value = serde_json::from_str(line).expect("each metrics line is JSON");
            let spec = &doc["_aws"]["CloudWatchMetrics"][0];
            assert_eq!(spec["Namespace"], NAMESPACE);
            assert!(doc["_aws"]["Timestamp"].is_u64());
            let names: Vec<String> = spec["Dimensions"][0]
                .as_array()
                .expect("one dimension set")
                .iter()
                .map(|d| d.as_str().unwrap_or_default().to_owned())
                .collect();
            assert!(names.iter().any(|n| n == "Function"), "{line}");
            let dimensions = names
                .iter()
                .map(|n| (n.clone(), doc[n].as_str().unwrap_or_default().to_owned()))
                .collect();
            let values = spec["Metrics"]
                .as_array()
                .expect("metrics listed")
                .iter()
                .map(|m| {
                    let name = m["Name"].as_str().unwrap_or_default().to_owned();
                    (name.clone(), doc[&name].clone())
                })
                .collect();
            Document { dimensions, values }
        })
        .collect()
}

/// The sum of counter `name` over the documents whose dimensions include `with`.
fn count(docs: &[Document], name: &str, with: &[(&str, &str)]) -> u64 {
    docs.iter()
        .filter(|d| with.iter().all(|(k, v)| d.dimension(k) == Some(*v)))
        .filter_map(|d| d.value(name).and_then(Value::as_u64))
        .sum()
}

fn capture() -> Captured {
    metrics::init_capturing("test").expect("one recorder per test process")
}

#[tokio::test]
async fn every_request_leaves_with_its_route_status_and_latency_and_nothing_of_the_user() {
    let captured = capture();
    let app = TestApp::start().await;
    let user = app.user();
    let marker = "canary-7f3a-metrics-note";
    let created = app
        .create_mood(&user, json!({"score": 6, "note": marker}))
        .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let fetched = app.get(&user, &format!("/v1/moods/{id}")).await;
    assert_eq!(fetched.status(), 200);
    let refused = app
        .post_json(&user, "/v1/moods", &json!({"score": 99}))
        .await;
    assert_eq!(refused.status(), 422);
    for _ in 0..2 {
        let response = app
            .request(&user, Method::POST, "/v1/moods")
            .header("idempotency-key", "metrics-replay-1")
            .json(&json!({"score": 4}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }

    let docs = documents(&captured);
    let create = [("Route", "POST /v1/moods"), ("StatusClass", "2xx")];
    assert_eq!(count(&docs, "Requests", &create), 3);
    let get = [("Route", "GET /v1/moods/{id}"), ("StatusClass", "2xx")];
    assert_eq!(count(&docs, "Requests", &get), 1);
    let bad = [("Route", "POST /v1/moods"), ("StatusClass", "4xx")];
    assert_eq!(count(&docs, "Requests", &bad), 1);
    // Responses (what the alarms read) count every request by class alone, the token
    // issuer's key fetch included.
    for class in ["2xx", "4xx"] {
        let by_class = [("StatusClass", class)];
        assert_eq!(
            count(&docs, "Responses", &by_class),
            count(&docs, "Requests", &by_class)
        );
    }
    assert!(count(&docs, "Responses", &[("StatusClass", "2xx")]) >= 4);
    assert_eq!(count(&docs, "Responses", &[("StatusClass", "4xx")]), 1);
    assert_eq!(count(&docs, "IdempotentReplays", &[]), 1);
    assert_eq!(count(&docs, "ColdStarts", &[]), 1);
    let latencies = docs
        .iter()
        .filter(|d| d.dimension("Route") == Some("POST /v1/moods"))
        .filter_map(|d| d.value("Latency"))
        .count();
    assert!(latencies >= 1, "latency is recorded per route");
    // Each request flushed its own: one document per request at least.
    assert!(docs.len() >= 6, "{} documents", docs.len());

    let text = captured.text();
    for secret in [marker, &user.sub, &user.token, &id] {
        assert!(!text.contains(secret), "metrics carry no user data");
    }
}

#[tokio::test]
async fn the_chat_measures_screen_verdicts_model_failures_fallbacks_and_the_judge() {
    let captured = capture();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(400))
        .mount(&server)
        .await;
    let base = format!("{}/v1", server.uri());
    let app = TestApp::start_with(move |o| {
        crate::support::use_model(o, base, "sk-test-metrics");
        o.chat_settings
            .insert("SAFETY_MODEL".into(), "judge-model".into());
    })
    .await;
    let user = app.user();
    let conversation = app
        .create_conversation(&user, json!({"country": "US"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ordinary = "canary-9c1d I had a long day at work and want to talk it through";
    let turn = json_created(app.send(&user, &conversation, ordinary).await).await;
    assert_eq!(turn["reply"]["responder"], "fallback", "{turn}");
    let crisis = "canary-2b8e I have the pills counted out and I am taking them all tonight";
    let turn = json_created(app.send(&user, &conversation, crisis).await).await;
    assert_eq!(turn["reply"]["kind"], "crisis_protocol", "{turn}");

    let docs = documents(&captured);
    assert_eq!(
        count(&docs, "ModelCalls", &[("Outcome", "error")]),
        1,
        "the model was asked once (the crisis turn never reaches it)"
    );
    assert!(docs.iter().any(|d| d.value("ModelLatency").is_some()));
    assert_eq!(count(&docs, "ModelFallbacks", &[]), 1);
    assert_eq!(count(&docs, "JudgeVerdicts", &[("Outcome", "error")]), 1);
    let crisis_by = |layer| {
        count(
            &docs,
            "ScreenVerdicts",
            &[("Layer", layer), ("Level", "crisis")],
        )
    };
    assert!(crisis_by("rules") + crisis_by("semantic") >= 1);
    let screened: u64 = ["none", "elevated", "crisis", "unavailable"]
        .iter()
        .map(|level| {
            count(
                &docs,
                "ScreenVerdicts",
                &[("Layer", "rules"), ("Level", level)],
            )
        })
        .sum();
    assert_eq!(screened, 2, "the rules screened each message once");
    let turns = [
        ("Route", "POST /v1/conversations/{id}/messages"),
        ("StatusClass", "2xx"),
    ];
    assert_eq!(count(&docs, "Requests", &turns), 2);

    let text = captured.text();
    for secret in [
        "canary-9c1d",
        "canary-2b8e",
        &user.sub,
        &user.token,
        &conversation,
    ] {
        assert!(!text.contains(secret), "metrics carry no user data");
    }
}

#[tokio::test]
async fn an_exercise_provider_that_fails_is_counted_as_a_fallback() {
    let captured = capture();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let url = server.uri();
    let app = TestApp::start_with(move |o| {
        o.exercise_api_url = Some(url);
        o.exercise_api_key = Some("provider-key".into());
        o.exercise_cache = exercises::CacheTimes {
            good: Duration::from_secs(60),
            failure: Duration::ZERO,
        };
    })
    .await;
    let user = app.user();
    let listed = app.get(&user, "/v1/exercises").await;
    assert_eq!(listed.status(), 200);

    let docs = documents(&captured);
    assert_eq!(
        count(&docs, "ProviderFetches", &[("Outcome", "fallback")]),
        1
    );
    assert_eq!(count(&docs, "ProviderFetches", &[("Outcome", "ok")]), 0);
}

//! What the functions measure, as CloudWatch Embedded Metric Format (EMF): the `metrics`
//! facade with the `metrics_cloudwatch_embedded` recorder, written to stdout once per
//! invocation. Lambda sends stdout to the function's log group, where CloudWatch turns EMF
//! lines into metrics: no API call, no latency added to a request, nothing to configure.
//!
//! Every name and dimension is fixed here. No dimension carries a user id, text or a raw path:
//! routes are the router's templates, levels and outcomes come from closed sets. Without
//! [`init`] (tests, `make dev`) the facade has no recorder and every call is a no-op.
//!
//! The dashboard and alarms in `template.yaml` read these names; change both together.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};
use metrics_cloudwatch_embedded::Collector;

/// The CloudWatch namespace when `METRICS_NAMESPACE` is unset; the template sets
/// `Therabot/<stage>`, so each stage's dashboard and alarms read only its own.
pub const NAMESPACE: &str = "Therabot";

/// The dimension every metric carries: the function (`moods`, `chat`…).
pub const FUNCTION_DIMENSION: &str = "Function";

static INSTALLED: OnceLock<(&'static Collector, Sink)> = OnceLock::new();

/// Where flushed metrics go.
enum Sink {
    /// The process's stdout: the Lambda log stream.
    Stdout,
    /// Memory, for a test to read back.
    Memory(Arc<Mutex<Vec<u8>>>),
}
static SERVED_ONE: AtomicBool = AtomicBool::new(false);

/// The names of the metrics (CloudWatch metric names).
pub mod name {
    /// Requests answered, by `Route` and `StatusClass`.
    pub const REQUESTS: &str = "Requests";
    /// Requests answered, by `StatusClass` alone (what a function's alarms read).
    pub const RESPONSES: &str = "Responses";
    /// Time to answer a request (ms), by `Route`.
    pub const LATENCY: &str = "Latency";
    /// The first request of a container.
    pub const COLD_STARTS: &str = "ColdStarts";
    /// A screen layer's verdict on something a person wrote, by `Layer` and `Level`.
    pub const SCREEN_VERDICTS: &str = "ScreenVerdicts";
    /// Long texts whose semantic screening stopped at its time budget, windows left unread
    /// (the rules read all of it).
    pub const SCREEN_PARTIAL_READS: &str = "ScreenPartialReads";
    /// Calls to the chat model, by `Outcome` (`ok`, `timeout`, `error`).
    pub const MODEL_CALLS: &str = "ModelCalls";
    /// Time the chat model took (ms), answered or not.
    pub const MODEL_LATENCY: &str = "ModelLatency";
    /// Turns answered by the built-in responder because the model or its key failed.
    pub const MODEL_FALLBACKS: &str = "ModelFallbacks";
    /// The safety judge's answers, by `Outcome` (a level, or `timeout`, `error`, `garbage`).
    pub const JUDGE_VERDICTS: &str = "JudgeVerdicts";
    /// Fetches of the exercise provider's catalogue, by `Outcome` (`ok`, `fallback`).
    pub const PROVIDER_FETCHES: &str = "ProviderFetches";
    /// Model replies replaced by the crisis protocol because they gave method or dose content.
    pub const REPLIES_WITHHELD: &str = "RepliesWithheld";
    /// Retried requests answered from their idempotency record.
    pub const IDEMPOTENT_REPLAYS: &str = "IdempotentReplays";
    /// DynamoDB attempts beyond an operation's first (the SDK's retries).
    pub const DYNAMODB_RETRIES: &str = "DynamoDbRetries";
    /// DynamoDB operations that failed throttled after the SDK's retries (answered 503).
    pub const DYNAMODB_THROTTLES: &str = "DynamoDbThrottles";

    /// Every metric the functions write.
    pub const ALL: [&str; 15] = [
        REQUESTS,
        RESPONSES,
        LATENCY,
        COLD_STARTS,
        SCREEN_VERDICTS,
        SCREEN_PARTIAL_READS,
        MODEL_CALLS,
        MODEL_LATENCY,
        MODEL_FALLBACKS,
        JUDGE_VERDICTS,
        PROVIDER_FETCHES,
        REPLIES_WITHHELD,
        IDEMPOTENT_REPLAYS,
        DYNAMODB_RETRIES,
        DYNAMODB_THROTTLES,
    ];
}

/// Installs the EMF recorder for `function` (its `Function` dimension), in the namespace
/// `METRICS_NAMESPACE` names (default [`NAMESPACE`]). Call it once, in a Lambda function's
/// `main`; a second call, or another recorder, is an error.
pub fn init(function: &str) -> Result<(), String> {
    install(function, Sink::Stdout)
}

/// Installs the recorder with flushes kept in memory, for a test of what the functions
/// measure (one per process: the recorder is global).
pub fn init_capturing(function: &str) -> Result<Captured, String> {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    install(function, Sink::Memory(buffer.clone()))?;
    Ok(Captured(buffer))
}

fn install(function: &str, sink: Sink) -> Result<(), String> {
    let namespace = std::env::var("METRICS_NAMESPACE")
        .ok()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| NAMESPACE.to_owned());
    let collector = metrics_cloudwatch_embedded::Builder::new()
        .cloudwatch_namespace(namespace)
        .with_dimension(FUNCTION_DIMENSION, function.to_owned())
        .init()
        .map_err(|e| format!("metrics: {e}"))?;
    INSTALLED
        .set((collector, sink))
        .map_err(|_| "metrics: initialised twice".to_owned())?;
    describe();
    Ok(())
}

/// What [`init_capturing`]'s recorder flushed so far.
#[derive(Debug, Clone)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything flushed so far, as written (EMF lines).
    pub fn text(&self) -> String {
        let bytes = self.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

fn describe() {
    use name::*;
    for metric in ALL {
        if metric == LATENCY || metric == MODEL_LATENCY {
            describe_histogram!(metric, Unit::Milliseconds, "");
        } else {
            describe_counter!(metric, Unit::Count, "");
        }
    }
}

/// Writes what was recorded since the last flush to stdout, one EMF line per dimension set.
/// Called after every response, so each invocation's metrics leave with it.
pub fn flush() {
    let Some((collector, sink)) = INSTALLED.get() else {
        return;
    };
    let written = match sink {
        // One write for all the lines (stdout would write each line apart).
        Sink::Stdout => {
            let mut lines = Vec::with_capacity(1024);
            collector
                .flush(&mut lines)
                .and_then(|()| std::io::Write::write_all(&mut std::io::stdout().lock(), &lines))
        }
        Sink::Memory(buffer) => match buffer.lock() {
            Ok(mut buffer) => collector.flush(&mut *buffer),
            Err(_) => Ok(()),
        },
    };
    if let Err(error) = written {
        tracing::warn!(error = %error, "metrics could not be written");
    }
}

fn millis(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1000.0
}

/// One request answered: `route` is the router's template (`POST /v1/moods/{id}`).
pub fn request(route: &str, status: u16, elapsed: Duration) {
    if !SERVED_ONE.swap(true, Ordering::Relaxed) {
        counter!(name::COLD_STARTS).increment(1);
    }
    let class = match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    counter!(name::REQUESTS, "Route" => route.to_owned(), "StatusClass" => class).increment(1);
    counter!(name::RESPONSES, "StatusClass" => class).increment(1);
    histogram!(name::LATENCY, "Route" => route.to_owned()).record(millis(elapsed));
}

/// A screen layer's verdict: `level` is `none`, `elevated`, `crisis`, or `unavailable` when
/// the layer gave none.
pub fn screen_verdict(layer: &'static str, level: &'static str) {
    counter!(name::SCREEN_VERDICTS, "Layer" => layer, "Level" => level).increment(1);
}

/// A long text's semantic screening stopped at its time budget.
pub fn screen_partial_read() {
    counter!(name::SCREEN_PARTIAL_READS).increment(1);
}

/// A call to the chat model ended with `outcome` (`ok`, `timeout`, `error`) after `elapsed`.
pub fn model_call(outcome: &'static str, elapsed: Duration) {
    counter!(name::MODEL_CALLS, "Outcome" => outcome).increment(1);
    histogram!(name::MODEL_LATENCY).record(millis(elapsed));
}

/// A turn the built-in responder answered because the model (or its key) failed.
pub fn model_fallback() {
    counter!(name::MODEL_FALLBACKS).increment(1);
}

/// The safety judge's answer: a level, or `timeout`, `error`, `garbage`.
pub fn judge_verdict(outcome: &'static str) {
    counter!(name::JUDGE_VERDICTS, "Outcome" => outcome).increment(1);
}

/// A fetch of the exercise provider's catalogue: `ok`, or `fallback` (the built-in
/// catalogue served alone).
pub fn provider_fetch(outcome: &'static str) {
    counter!(name::PROVIDER_FETCHES, "Outcome" => outcome).increment(1);
}

/// A model reply withheld for method or dose content.
pub fn reply_withheld() {
    counter!(name::REPLIES_WITHHELD).increment(1);
}

/// A retried request answered from its idempotency record.
pub fn idempotent_replay() {
    counter!(name::IDEMPOTENT_REPLAYS).increment(1);
}

/// A DynamoDB attempt beyond its operation's first.
pub fn dynamodb_retry() {
    counter!(name::DYNAMODB_RETRIES).increment(1);
}

/// A DynamoDB operation that stayed throttled after the SDK's retries.
pub fn dynamodb_throttle() {
    counter!(name::DYNAMODB_THROTTLES).increment(1);
}

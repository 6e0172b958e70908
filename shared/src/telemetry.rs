//! Logging. Lines are JSON in Lambda (CloudWatch indexes the fields) and readable text
//! locally. What may be logged: ids, routes, statuses, timings, error kinds. What may not:
//! message, journal or note text, tokens, emails. Library crates that could print request
//! bodies at debug level are held at `warn`.

use tracing_subscriber::EnvFilter;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (Lambda).
    Json,
    /// Human-readable (local runs).
    Text,
}

const QUIET_LIBRARIES: &str = "aws_smithy_runtime=warn,aws_smithy_http_client=warn,aws_config=warn,hyper=warn,h2=warn,rustls=warn,reqwest=warn";

/// Installs the global subscriber; `RUST_LOG` adjusts the level (default `info`).
pub fn init(format: LogFormat) {
    let base = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    let filter = EnvFilter::try_new(format!("{base},{QUIET_LIBRARIES}"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            // The request span's fields (route, request id, entity id) on every line.
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
        LogFormat::Text => builder.compact().try_init(),
    };
}

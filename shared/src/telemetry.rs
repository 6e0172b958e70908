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
    install(format, "info", std::io::stdout);
}

/// Installs the global subscriber writing to `file` instead of stdout: the test harness's
/// log canary reads back everything the functions logged during the whole suite. Without
/// `RUST_LOG` it logs at `default_level`.
pub fn init_to_file(format: LogFormat, default_level: &str, file: std::fs::File) {
    install(format, default_level, std::sync::Mutex::new(file));
}

fn install<W>(format: LogFormat, default_level: &str, writer: W)
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let base = std::env::var("RUST_LOG").unwrap_or_else(|_| default_level.to_owned());
    let filter = EnvFilter::try_new(format!("{base},{QUIET_LIBRARIES}"))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
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

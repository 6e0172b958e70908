//! Logging. Lines are JSON in Lambda (CloudWatch indexes the fields) and readable text
//! locally. What may be logged: ids, routes, statuses, timings, error kinds. What may not:
//! message, journal or note text, tokens, emails. Library crates that could print request
//! bodies at debug level are held at `warn`.

use tracing_subscriber::Layer;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How log lines look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line (Lambda).
    Json,
    /// Human-readable (local runs).
    Text,
}

const QUIET_LIBRARIES: &str = "aws_smithy_runtime=warn,aws_smithy_http_client=warn,aws_config=warn,hyper=warn,h2=warn,rustls=warn,reqwest=warn";

/// Installs the global subscriber; `RUST_LOG` adjusts the level (default `info`): a level, or
/// `target=level` pairs separated by commas (no span or field filters: the filter that reads
/// those needs a regex engine, half a megabyte of every function's package).
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
    let filter = filter(&base);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_target(false);
    let registry = tracing_subscriber::registry();
    let _ = match format {
        LogFormat::Json => registry
            .with(
                layer
                    .json()
                    .flatten_event(true)
                    // The request span's fields (route, request id, entity id) on every line.
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_filter(filter),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(layer.compact().with_filter(filter))
            .try_init(),
    };
}

/// `rust_log`'s levels, with the libraries that could print bodies held at `warn` whatever
/// it says; `info` if it cannot be read.
fn filter(rust_log: &str) -> Targets {
    let wanted = format!("{rust_log},{QUIET_LIBRARIES}");
    wanted
        .parse::<Targets>()
        .unwrap_or_else(|_| Targets::new().with_default(LevelFilter::INFO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::Level;

    #[test]
    fn rust_log_sets_the_level_and_the_noisy_libraries_stay_at_warn() {
        let filter = filter("debug");
        assert!(filter.would_enable("therabot_shared::store", &Level::DEBUG));
        assert!(!filter.would_enable("aws_smithy_runtime::client", &Level::DEBUG));
        assert!(!filter.would_enable("hyper::proto", &Level::INFO));
        assert!(filter.would_enable("hyper::proto", &Level::WARN));
    }

    #[test]
    fn an_unreadable_rust_log_falls_back_to_info() {
        let filter = filter("loud=!!");
        assert!(filter.would_enable("moods", &Level::INFO));
        assert!(!filter.would_enable("moods", &Level::DEBUG));
    }

    #[test]
    fn a_library_cannot_be_raised_above_warn_through_rust_log() {
        let filter = filter("info,hyper=trace");
        assert!(!filter.would_enable("hyper", &Level::DEBUG));
    }
}

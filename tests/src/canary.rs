//! The log canary's recorder. When `THERABOT_CANARY_DIR` is set (`make test` sets it), every
//! local API in the process logs as Lambda does (JSON lines, `RUST_LOG` or `debug`) into
//! `<dir>/<pid>.log`, and every request's bearer token and the prose it carried (JSON string
//! values with a space or an `@`, at least 12 characters) are noted in `<dir>/<pid>.sent`.
//! After the suite, `tests/local/log_canary.py` checks that no log line holds any of them, nor
//! anything shaped like a token or an e-mail address.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use axum::body::Body;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use therabot_shared::telemetry::{self, LogFormat};

/// The `.sent` file of this process, once the canary is on.
static SENT: OnceLock<Option<Mutex<std::fs::File>>> = OnceLock::new();

/// The canary's directory, if `make test` asked for one.
fn directory() -> Option<PathBuf> {
    std::env::var_os("THERABOT_CANARY_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
}

/// Turns the canary on for this process (once), if asked for. Returns whether it is on.
pub fn install() -> bool {
    SENT.get_or_init(|| {
        let dir = directory()?;
        std::fs::create_dir_all(&dir).ok()?;
        let pid = std::process::id();
        let open = |ext: &str| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join(format!("{pid}.{ext}")))
                .ok()
        };
        let log = open("log")?;
        let sent = open("sent")?;
        // The functions log at `info` in Lambda; the canary reads `debug` too, so a leak at
        // any level is caught.
        telemetry::init_to_file(LogFormat::Json, "debug", log);
        Some(Mutex::new(sent))
    })
    .is_some()
}

/// Middleware: notes what the request carries that must never be logged, then serves it.
pub async fn record(request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut noted = Vec::new();
    if let Some(token) = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        noted.push(token.to_owned());
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        prose(&value, &mut noted);
    }
    note(&noted);
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The string values of `value` that read like something a person wrote.
fn prose(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s)
            if s.chars().count() >= 12 && (s.contains(' ') || s.contains('@')) =>
        {
            out.push(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| prose(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| prose(v, out)),
        _ => {}
    }
}

fn note(noted: &[String]) {
    let Some(Some(file)) = SENT.get() else {
        return;
    };
    if noted.is_empty() {
        return;
    }
    let mut lines = String::new();
    for text in noted {
        // One JSON string per line: newlines and tabs in the text stay on its line.
        lines.push_str(&serde_json::Value::String(text.clone()).to_string());
        lines.push('\n');
    }
    if let Ok(mut file) = file.lock() {
        let _ = file.write_all(lines.as_bytes());
    }
}

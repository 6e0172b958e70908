//! `make dev`: the whole API on 127.0.0.1:$PORT (default 3000), against the local moto server.
//! `therabot-dev openapi` prints the OpenAPI document instead.

use std::net::SocketAddr;

use therabot_local::provider::StandInProvider;
use therabot_local::{LocalApi, LocalOptions, docs, repository_root};
use therabot_shared::telemetry::{self, LogFormat};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    if std::env::args().nth(1).as_deref() == Some("openapi") {
        print!("{}", docs::openapi_json());
        return Ok(());
    }
    telemetry::init(LogFormat::Text);
    let port: u16 = match std::env::var("PORT") {
        Ok(raw) => raw
            .parse()
            .map_err(|_| format!("PORT must be a port number (got {raw:?})"))?,
        Err(_) => 3000,
    };
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .map_err(|_| "AWS_ENDPOINT_URL must point at the local moto server (make dev sets it)")?;
    let root = repository_root();
    let mut options = LocalOptions::new(&root, endpoint);
    options.listen = SocketAddr::from(([127, 0, 0, 1], port));
    options.key_file = Some(root.join(".local/issuer-key.der"));
    // The chat reads its settings from the environment, as the Lambda function does.
    for name in [
        "LLM_BASE_URL",
        "LLM_MODEL",
        "LLM_TIMEOUT_MS",
        "LLM_MAX_TOKENS",
        "CHAT_QUOTA_PER_HOUR",
        "CHECK_IN_WINDOW_HOURS",
        "DISCLOSURE_REMINDER_HOURS",
    ] {
        if let Ok(value) = std::env::var(name) {
            options.chat_settings.insert(name.to_owned(), value);
        }
    }
    options.llm_api_key = std::env::var("LLM_API_KEY").ok().filter(|k| !k.is_empty());
    // Exercises come from a provider: a real one if EXERCISE_API_URL (and EXERCISE_API_KEY,
    // written into the local secret) are set, else the local stand-in, started here.
    let _stand_in = match std::env::var("EXERCISE_API_URL")
        .ok()
        .filter(|u| !u.is_empty())
    {
        Some(url) => {
            options.exercise_api_url = Some(url);
            options.exercise_api_key = std::env::var("EXERCISE_API_KEY").ok();
            None
        }
        None => {
            let catalogue =
                std::fs::read_to_string(root.join("tests/local/provider_catalogue.json"))?;
            let stand_in = StandInProvider::start(catalogue).await?;
            options.exercise_api_url = Some(stand_in.base_url.clone());
            options.exercise_api_key = Some(stand_in.key.clone());
            Some(stand_in)
        }
    };
    let provider = options.exercise_api_url.clone().unwrap_or_default();
    let responder = match options.chat_settings.get("LLM_BASE_URL") {
        Some(url) => format!("the model at {url}"),
        None => "the built-in responder (set LLM_BASE_URL, LLM_MODEL, LLM_API_KEY for a model)"
            .to_owned(),
    };
    let api = LocalApi::start(options).await?;
    let url = &api.base_url;
    println!(
        r#"
Therabot API is up at {url}   (docs: {url}/docs, OpenAPI: {url}/openapi.json)
The chat answers with {responder}.
Exercises come from the provider at {provider} (its key is in the local secret).

  TOKEN=$(curl -s -X POST {url}/_local/token -H 'content-type: application/json' \
            -d '{{"sub":"alice"}}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  curl -s -X POST {url}/v1/moods -H "authorization: Bearer $TOKEN" \
       -H 'content-type: application/json' -d '{{"score":7,"tags":["work"],"note":"better day"}}'
  curl -s "{url}/v1/moods?limit=5" -H "authorization: Bearer $TOKEN"
  CONV=$(curl -s -X POST {url}/v1/conversations -H "authorization: Bearer $TOKEN" \
            | sed 's/^{{"id":"\([^"]*\)".*/\1/')
  curl -s -X POST {url}/v1/conversations/$CONV/messages -H "authorization: Bearer $TOKEN" \
       -H 'content-type: application/json' -d '{{"text":"I feel anxious about tomorrow"}}'

Ctrl-C stops the API (the local DynamoDB keeps running; `make stop` stops it).
"#
    );
    tokio::select! {
        () = api.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}

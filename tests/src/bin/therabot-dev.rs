//! `make dev`: the whole API on 127.0.0.1:$PORT (default 3000), against the local moto server.
//! `therabot-dev openapi` prints the OpenAPI document instead.

use std::net::SocketAddr;

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
    let api = LocalApi::start(options).await?;
    let url = &api.base_url;
    println!(
        r#"
Therabot API is up at {url}   (docs: {url}/docs, OpenAPI: {url}/openapi.json)

  TOKEN=$(curl -s -X POST {url}/_local/token -H 'content-type: application/json' \
            -d '{{"sub":"alice"}}' | sed 's/.*"access_token":"\([^"]*\)".*/\1/')
  curl -s -X POST {url}/v1/moods -H "authorization: Bearer $TOKEN" \
       -H 'content-type: application/json' -d '{{"score":7,"tags":["work"],"note":"better day"}}'
  curl -s "{url}/v1/moods?limit=5" -H "authorization: Bearer $TOKEN"

Ctrl-C stops the API (the local DynamoDB keeps running; `make stop` stops it).
"#
    );
    tokio::select! {
        () = api.wait() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}

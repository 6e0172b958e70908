//! The chat Lambda function: read the configuration, build the clients once, serve.

use therabot_shared::AppContext;
use therabot_shared::config::Config;
use therabot_shared::metrics;
use therabot_shared::telemetry::{self, LogFormat};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init(LogFormat::Json);
    metrics::init("chat")?;
    let config = Config::from_env()?;
    let chat_config = chat::ChatConfig::from_env()?;
    let context = AppContext::connect(config).await?;
    let state = chat::ChatState::new(context, chat_config)?;
    lambda_http::run(chat::router(state)).await
}

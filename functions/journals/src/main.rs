//! The journals Lambda function: read the configuration, build the clients once, serve.

use therabot_shared::AppContext;
use therabot_shared::config::Config;
use therabot_shared::metrics;
use therabot_shared::telemetry::{self, LogFormat};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init(LogFormat::Json);
    metrics::init("journals")?;
    let config = Config::from_env()?;
    let model_dir = journals::screen_model_dir(&|name| std::env::var(name).ok());
    let context = AppContext::connect(config).await?;
    let state = journals::JournalsState::new(context, model_dir)?;
    lambda_http::run(journals::router(state)).await
}

//! The exercises Lambda function: read the configuration, build the clients once, serve.

use therabot_shared::AppContext;
use therabot_shared::config::Config;
use therabot_shared::metrics;
use therabot_shared::telemetry::{self, LogFormat};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init(LogFormat::Json);
    metrics::init("exercises")?;
    let config = Config::from_env()?;
    let exercises_config = exercises::ExercisesConfig::from_env()?;
    let context = AppContext::connect(config).await?;
    let state = exercises::ExercisesState::new(context, exercises_config)?;
    lambda_http::run(exercises::router(state)).await
}

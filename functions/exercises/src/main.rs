//! The exercises Lambda function: read the configuration, build the clients once, serve.

use therabot_shared::AppContext;
use therabot_shared::config::Config;
use therabot_shared::metrics;
use therabot_shared::telemetry::{self, LogFormat};

// One thread: Lambda hands a function one request at a time, and the hand-offs between worker
// threads cost more CPU than they save (docs/benchmarks.md, the cold path). The screen's
// encoder runs on the blocking pool, which this runtime has too.
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init(LogFormat::Json);
    metrics::init("exercises")?;
    let config = Config::from_env()?;
    let exercises_config = exercises::ExercisesConfig::from_env()?;
    let context = AppContext::connect(config).await?;
    context.warm_up().await;
    let state = exercises::ExercisesState::new(context, exercises_config)?;
    lambda_http::run(exercises::router(state)).await
}

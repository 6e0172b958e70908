//! The account Lambda function: read the configuration, build the clients once, serve.

use therabot_shared::AppContext;
use therabot_shared::config::Config;
use therabot_shared::metrics;
use therabot_shared::telemetry::{self, LogFormat};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init(LogFormat::Json);
    metrics::init("account")?;
    let config = Config::from_env()?;
    let account_config = account::AccountConfig::from_env()?;
    let context = AppContext::connect(config).await?;
    let state = account::AccountState::new(context, account_config);
    lambda_http::run(account::router(state)).await
}

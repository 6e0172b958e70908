//! The account function's own settings, read once at start-up like the shared `Config`.

use therabot_shared::config::{ConfigError, EnvReader};

/// Where exports go and which user pool an erasure deletes from.
#[derive(Debug, Clone)]
pub struct AccountConfig {
    /// `EXPORT_BUCKET`: the S3 bucket of exports (KMS-encrypted, public access blocked,
    /// objects expire after a day).
    pub export_bucket: String,
    /// `USER_POOL_ID`: the Cognito user pool whose user an erasure deletes (ours only).
    pub user_pool_id: String,
}

impl AccountConfig {
    /// Reads the settings from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, naming every missing one.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut env = EnvReader::new(lookup);
        let export_bucket = env.required("EXPORT_BUCKET");
        let user_pool_id = env.required("USER_POOL_ID");
        env.finish()?;
        Ok(Self {
            export_bucket: export_bucket.unwrap_or_default(),
            user_pool_id: user_pool_id.unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_bucket_or_pool_is_named_at_start_up() {
        let error = AccountConfig::from_lookup(&|_| None)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("EXPORT_BUCKET") && error.contains("USER_POOL_ID"),
            "{error}"
        );
        let config = AccountConfig::from_lookup(&|name| Some(format!("{name}-value"))).unwrap();
        assert_eq!(config.export_bucket, "EXPORT_BUCKET-value");
    }
}

//! Typed configuration from environment variables.
//!
//! Every variable is read once at start-up. Anything missing or malformed is collected and
//! reported together, by name, so a misconfigured function fails at init with one clear line
//! instead of answering requests wrongly.

use std::fmt;

/// What a function needs to serve requests. Every field comes from one environment variable.
#[derive(Debug, Clone)]
pub struct Config {
    /// `TABLE_NAME`: the single DynamoDB table holding all user data.
    pub table_name: String,
    /// `SECRET_ID`: name or ARN of the Secrets Manager secret (JSON with `pagination_key`,
    /// and optionally `llm_api_key` and `exercise_api_key`).
    pub secret_id: String,
    /// How bearer tokens are verified when API Gateway did not do it.
    pub auth: AuthConfig,
    /// `AWS_ENDPOINT_URL`: set only for local runs, to point every AWS client at the local
    /// stand-in server (static dummy credentials are used then). Never set in Lambda.
    pub aws_endpoint_url: Option<String>,
    /// `AWS_CA_BUNDLE`: a PEM file of the roots the AWS clients trust instead of Amazon's
    /// (for a TLS endpoint in front of a local stand-in; see `aws_tls`). Never set in Lambda.
    pub aws_ca_bundle: Option<String>,
}

/// Settings of the access-token check.
#[derive(Debug, Clone)]
pub struct AuthConfig {
    /// `AUTH_ISSUER`: the exact `iss` an access token must carry, e.g.
    /// `https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf`.
    pub issuer: String,
    /// `AUTH_CLIENT_ID`: the exact `client_id` an access token must carry (the app client).
    pub client_id: String,
    /// `AUTH_JWKS_URL`: where the signing keys are published; defaults to
    /// `<AUTH_ISSUER>/.well-known/jwks.json`, which is where Cognito publishes them.
    pub jwks_url: String,
    /// `AUTH_SCOPE`: an OAuth scope every access token must carry, if set. API Gateway's
    /// authorizer requires the same scope, so ID tokens and foreign clients are refused.
    pub required_scope: Option<String>,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests and the local server need not touch
    /// the process environment.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let mut env = EnvReader::new(lookup);
        let table_name = env.required("TABLE_NAME");
        let secret_id = env.required("SECRET_ID");
        let issuer = env.url("AUTH_ISSUER");
        let client_id = env.required("AUTH_CLIENT_ID");
        let jwks_url = env.optional_url("AUTH_JWKS_URL");
        let required_scope = env.optional("AUTH_SCOPE");
        let aws_endpoint_url = env.optional_url("AWS_ENDPOINT_URL");
        let aws_ca_bundle = env.optional("AWS_CA_BUNDLE");
        env.finish()?;
        let issuer = issuer.unwrap_or_default();
        let jwks_url = jwks_url
            .unwrap_or_else(|| format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')));
        Ok(Self {
            table_name: table_name.unwrap_or_default(),
            secret_id: secret_id.unwrap_or_default(),
            auth: AuthConfig {
                issuer,
                client_id: client_id.unwrap_or_default(),
                jwks_url,
                required_scope,
            },
            aws_endpoint_url,
            aws_ca_bundle,
        })
    }
}

/// Reads variables and remembers every problem, so all of them are reported at once.
pub struct EnvReader<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    problems: Vec<String>,
}

impl<'a> EnvReader<'a> {
    /// Starts reading through `lookup`.
    pub fn new(lookup: &'a dyn Fn(&str) -> Option<String>) -> Self {
        Self {
            lookup,
            problems: Vec::new(),
        }
    }

    /// A variable that must be set and non-empty.
    pub fn required(&mut self, name: &str) -> Option<String> {
        let value = self.optional(name);
        if value.is_none() {
            self.problems.push(format!("{name} is missing"));
        }
        value
    }

    /// A variable that may be absent; an empty value counts as absent.
    pub fn optional(&mut self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// A required `http://` or `https://` URL.
    pub fn url(&mut self, name: &str) -> Option<String> {
        let value = self.required(name)?;
        self.check_url(name, value)
    }

    /// An optional `http://` or `https://` URL.
    pub fn optional_url(&mut self, name: &str) -> Option<String> {
        let value = self.optional(name)?;
        self.check_url(name, value)
    }

    /// An optional value parsed with `FromStr`, `default` when absent.
    pub fn parsed<T: std::str::FromStr>(&mut self, name: &str, default: T) -> T {
        match self.optional(name) {
            None => default,
            Some(raw) => raw.parse().unwrap_or_else(|_| {
                self.problems
                    .push(format!("{name} is malformed (got {raw:?})"));
                default
            }),
        }
    }

    fn check_url(&mut self, name: &str, value: String) -> Option<String> {
        match reqwest::Url::parse(&value) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => Some(value),
            _ => {
                self.problems
                    .push(format!("{name} is not an http(s) URL (got {value:?})"));
                None
            }
        }
    }

    /// Ends reading, adding `extra` problems found by the caller's own checks.
    pub fn finish_with(mut self, extra: &[&str]) -> Result<(), ConfigError> {
        self.problems.extend(extra.iter().map(|p| (*p).to_owned()));
        self.finish()
    }

    /// Ends reading: an error listing every problem, if there was any.
    pub fn finish(self) -> Result<(), ConfigError> {
        if self.problems.is_empty() {
            Ok(())
        } else {
            Err(ConfigError {
                problems: self.problems,
            })
        }
    }
}

/// The configuration could not be read; names every variable at fault.
#[derive(Debug)]
pub struct ConfigError {
    problems: Vec<String>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.problems.join("; "))
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(&|name| vars.get(name).cloned())
    }

    #[test]
    fn a_complete_environment_is_read_and_the_jwks_url_defaults_to_cognitos() {
        let config = read(&[
            ("TABLE_NAME", "therabot"),
            ("SECRET_ID", "therabot/dev"),
            (
                "AUTH_ISSUER",
                "https://cognito-idp.eu-west-1.amazonaws.com/pool",
            ),
            ("AUTH_CLIENT_ID", "client"),
        ])
        .unwrap();
        assert_eq!(
            config.auth.jwks_url,
            "https://cognito-idp.eu-west-1.amazonaws.com/pool/.well-known/jwks.json"
        );
        assert_eq!(config.aws_endpoint_url, None);
    }

    #[test]
    fn every_missing_or_malformed_variable_is_named_in_one_error() {
        let error = read(&[("AUTH_ISSUER", "not a url"), ("SECRET_ID", "  ")])
            .unwrap_err()
            .to_string();
        for name in ["TABLE_NAME", "SECRET_ID", "AUTH_ISSUER", "AUTH_CLIENT_ID"] {
            assert!(error.contains(name), "{name} not named in: {error}");
        }
    }
}

//! Therabot's shared core: everything the Lambda functions have in common.
//!
//! - [`config`]: typed configuration read from the environment, failing fast.
//! - [`domain`]: the product's types and rules; no AWS or HTTP in here.
//! - [`store`]: the DynamoDB single-table adapter (keys live in [`store::keys`]).
//! - [`auth`]: who is calling, from API Gateway's claims or a verified bearer token.
//! - [`http`]: problem+json errors, extractors, pagination, idempotency, common layers.
//! - [`llm`]: the OpenAI-compatible model client.
//! - [`metrics`]: CloudWatch metrics (Embedded Metric Format), flushed per invocation.
//! - [`outbound`]: the outbound HTTP client, built on first use.
//! - [`safety`]: the crisis screen and crisis resources.
//! - [`secrets`]: the Secrets Manager secret, fetched once and cached per container.
//! - [`aws_tls`]: the AWS clients' HTTPS client and the roots it trusts.
//! - [`app`]: the context a function's router is built from.
//! - [`telemetry`]: JSON logs that never carry user text or tokens.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod app;
pub mod auth;
pub mod aws_tls;
pub mod config;
pub mod domain;
pub mod http;
pub mod llm;
pub mod metrics;
pub mod outbound;
pub mod safety;
pub mod secrets;
pub mod store;
pub mod telemetry;

pub use app::AppContext;

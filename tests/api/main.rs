//! Black-box tests of the whole API over HTTP, against the real local DynamoDB-protocol
//! server (`make test` starts one and sets `THERABOT_TEST_AWS_ENDPOINT`). Each test makes its
//! own users, so tests never share state and can run in parallel.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod support;

mod account;
mod auth;
mod bad_input;
mod bench_account;
mod chat;
mod chat_model;
mod client_journey;
mod contract;
mod erasure;
mod events;
mod exercises;
mod idempotency;
mod isolation;
mod journals;
mod judge;
mod metrics;
mod moods;
mod openapi;
mod pagination;
mod reliability;
mod retries;
mod safety;
mod store;
mod template;

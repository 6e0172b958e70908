//! HTTP glue every function shares: the problem+json error, request extractors with clear
//! rejections, pagination tokens, idempotency, ETags, and the common layers.

pub mod deadline;
pub mod error;
pub mod etag;
pub mod idempotency;
pub mod json;
pub mod layers;
pub mod pagination;
pub mod path;
pub mod query;
pub mod responses;
pub mod routes;
pub mod safety;

pub use error::{ApiError, Problem};
pub use json::{JsonBody, OptionalJsonBody};
pub use query::ApiQuery;

/// The largest request body accepted, in bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

//! placeholder
mod codec;
mod config;
mod endpoint;
mod error;
mod key;
mod ratelimit;
mod retry;
mod route;
mod transport;

pub mod api_key;
pub mod contacts;
pub mod custom_fields;
pub mod events;
pub mod lists;
pub mod mail;
pub mod otp;
pub mod properties;
pub mod quota;
pub mod verify;
pub mod webhooks;
pub mod whatsapp;

#[cfg(test)]
mod test_support;

pub use codec::{build_request, decode_response, error_from_parts};
pub use config::{Config, ConfigBuilder, DEFAULT_BASE_URL, DEFAULT_USER_AGENT};
pub use endpoint::{json_body, Endpoint, Query, RawRequest, Target};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, InvalidInput, RawBody, TransportError,
    TransportErrorKind, MAX_KEPT_BODY,
};
pub use key::{ApiKey, AuthScheme, API_KEY_HEADER};
pub use ratelimit::{RateLimit, RetryAfter, DOCUMENTED_REQUESTS_PER_SECOND};
pub use retry::{RetryDecision, RetryPolicy, RetryState};
pub use route::{Idempotency, Operation, Route, RouteStatus, RouteTable};
pub use transport::{AsyncTransport, BlockingTransport};

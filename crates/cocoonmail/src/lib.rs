//! The Rust SDK for the [Cocoonmail](https://cocoonmail.com) API: contacts, mailing lists,
//! events that trigger workflows, transactional and direct email, WhatsApp messages, OTPs,
//! email verification and custom contact fields.
//!
//! - **Correct on the wire**: every operation is a typed request value whose impossible states
//!   do not compile (the three mail modes, contact by email or user id, the OTP channel).
//! - **Safe by default**: the documented rate limit of 10 requests per second is respected
//!   before the server has to say 429; 429s are retried after `Retry-After`; nothing that could
//!   send an email, a message or an event twice is ever retried; the API key never shows in
//!   `Debug`, errors or logs, and never leaves over plain HTTP except to loopback.
//! - **Async and blocking**, on reqwest and ureq, or on any HTTP stack you plug in.
//!
//! # Features
//!
//! | feature | default | gives |
//! | --- | --- | --- |
//! | `reqwest` | yes | [`Client`], the async client on reqwest (needs a Tokio runtime) |
//! | `ureq` | no | [`blocking::Client`], the blocking client on ureq (no Tokio at all) |
//! | `rustls` | yes | TLS through rustls for the enabled transports |
//! | `native-tls` | no | TLS through the platform's library for the enabled transports |
//! | `redis` | no | [`redis`]: one rate-limit budget shared by many processes through Redis or Valkey |
//!
//! The features are additive: with both `reqwest` and `ureq`, one program has both clients.
//! With neither, [`Client`] and [`blocking::Client`] still exist over a transport you provide
//! ([`ClientBuilder::build_with_transport`]).
//!
//! # Choosing a transport
//!
//! - An async program (Tokio): the default features; use [`Client`].
//! - A script, a CLI, a synchronous server: `default-features = false, features = ["ureq",
//!   "rustls"]`; use [`blocking::Client`]. The build then pulls in no Tokio.
//! - Your own HTTP stack (hyper, a company client, a test double): implement
//!   [`AsyncTransport`] or [`BlockingTransport`] (a closure will do) and pass it to
//!   `build_with_transport`. The requests and answers are plain `http` types.
//!
//! # Async example
//!
//! ```
//! # #[cfg(feature = "reqwest")]
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), cocoonmail::Error> {
//! # let server = cocoon_mock::MockServer::start();
//! # std::env::set_var("COCOONMAIL_API_KEY", cocoon_mock::DEFAULT_API_KEY);
//! # std::env::set_var("COCOONMAIL_BASE_URL", server.base_url());
//! use cocoonmail::contacts::{ContactRef, CreateContact};
//! use cocoonmail::events::SendEvent;
//!
//! // COCOONMAIL_API_KEY, and COCOONMAIL_BASE_URL when not production.
//! let client = cocoonmail::Client::builder().from_env().build()?;
//! client.keys().validate().await?;
//! client.contacts().create(CreateContact::new("ada@example.com").first_name("Ada")).await?;
//! client.events().send(SendEvent::simple("signup", "ada@example.com")).await?;
//! let found = client.contacts().find(ContactRef::email("ada@example.com")).await?;
//! assert_eq!(found[0].first_name.as_deref(), Some("Ada"));
//! # Ok(()) }
//! # #[cfg(not(feature = "reqwest"))] fn main() {}
//! ```
//!
//! # Blocking example
//!
//! ```
//! # #[cfg(feature = "ureq")]
//! # fn main() -> Result<(), cocoonmail::Error> {
//! # let server = cocoon_mock::MockServer::start();
//! use cocoonmail::mail::{MailContent, Recipient, SendMail};
//!
//! let client = cocoonmail::blocking::Client::builder()
//!     .api_key(cocoon_mock::DEFAULT_API_KEY)
//!     .base_url(server.base_url())
//!     .build()?;
//! let mail = SendMail::new(MailContent::transactional("welcome-1"))
//!     .to(Recipient::new("ada@example.com").first_name("Ada"));
//! let sent = client.mail().send(mail)?;
//! let message_id = sent.report[0].message_id.clone().unwrap_or_default();
//! let status = client.mail().status(message_id)?;
//! assert_eq!(status.data.delivered, Some(true));
//! # Ok(()) }
//! # #[cfg(not(feature = "ureq"))] fn main() {}
//! ```
//!
//! # Errors, rate limits and retries
//!
//! Every call ends in [`Error`]; ask it [`Error::status`], [`Error::is_retryable`],
//! [`Error::retry_after`] and [`Error::rate_limit`] instead of matching variants. The client
//! waits on its [`RateLimiter`] before every attempt (a [`LocalLimiter`] at 10 requests per
//! second unless configured otherwise) and retries by the [`RetryPolicy`]: 429 and connections
//! never established always; server errors and timeouts only for reads and upserts.
//!
//! # Routes
//!
//! Six operations have provisional routes: the vendor names them but publishes no path (see
//! [`Operation`] and [`RouteStatus`]). Remap any route with [`ClientBuilder::route`], and send
//! what the SDK does not model yet with [`Client::raw`] and a [`RawRequest`].
pub mod builder;
mod bulk;
mod client;
pub mod limiter;
mod resources;
mod shared;
mod telemetry;

pub mod blocking;

pub use builder::{ClientBuilder, ENV_API_KEY, ENV_BASE_URL};
pub use bulk::stream::{BulkRun, BulkStream};
pub use bulk::{BulkResult, StopHandle};
pub use client::Client;
pub use limiter::{AsyncRateLimiter, LocalLimiter, RateLimiter};
pub use resources::{ApiKeys, Contacts, CustomFields, Events, Lists, Mail, Otp, Verify, WhatsApp};

pub use cocoon_core as core;

/// One rate-limit budget shared by many processes through Redis or Valkey (feature `redis`):
/// [`redis::RedisLimiter`] for the async client, [`redis::blocking::RedisLimiter`] for the
/// blocking one.
#[cfg(feature = "redis")]
pub use cocoon_limiter_redis as redis;
/// The async transport on reqwest (feature `reqwest`): for `Client<ReqwestTransport>` with
/// static dispatch, or to wrap it in a transport of your own.
#[cfg(feature = "reqwest")]
pub use cocoon_transport_reqwest as reqwest_transport;
/// The blocking transport on ureq (feature `ureq`): for `blocking::Client<UreqTransport>` with
/// static dispatch, or to wrap it in a transport of your own.
#[cfg(feature = "ureq")]
pub use cocoon_transport_ureq as ureq_transport;

/// The attribute that makes `async fn` in [`AsyncRateLimiter`] and [`AsyncTransport`]
/// implementations object-safe; re-exported so implementors need no dependency of their own.
pub use async_trait::async_trait;
pub use cocoon_core::{
    api_key, contacts, custom_fields, events, lists, mail, otp, properties, quota, verify,
    webhooks, whatsapp,
};
pub use cocoon_core::{
    ApiError, ApiKey, AsyncTransport, AttemptFailure, AttemptHistory, AuthScheme,
    BlockingTransport, ConfigError, Endpoint, Error, FailedAttempt, Idempotency, InvalidInput,
    LimiterError, LimiterErrorKind, Operation, RateLimit, RawRequest, RetryAfter, RetryPolicy,
    Route, RouteStatus, RouteTable, TransportError, TransportErrorKind,
};

/// The README's examples, compiled and run as doc tests.
#[cfg(all(doctest, feature = "reqwest", feature = "ureq"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

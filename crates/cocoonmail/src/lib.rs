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
//! | `rustls` | yes | TLS through rustls (aws-lc-rs provider, the platform's trust store) for the enabled transports |
//! | `native-tls` | no | TLS through the platform's library and its trust store for the enabled transports (wins over `rustls`) |
//! | `tracing` | yes | a `tracing` span per call and per attempt (see [Logging](#logging)) |
//! | `redis` | no | `cocoonmail::redis`: one rate-limit budget shared by many processes through Redis or Valkey |
//! | `axum` | no | `cocoonmail::axum`: a verified-webhook extractor for axum receivers |
//!
//! The features only add. [`Client`] always means `Client<Box<dyn AsyncTransport>>` and
//! [`blocking::Client`] `blocking::Client<Box<dyn BlockingTransport>>`, whatever is turned on
//! anywhere in the build; a transport feature adds the `build()` that makes one on that
//! transport. With no transport feature both clients still exist over a transport you provide
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
//! use cocoonmail::contacts::{ContactRef, UpdateContact};
//! use cocoonmail::events::SendEvent;
//!
//! // COCOONMAIL_API_KEY, and COCOONMAIL_BASE_URL when not production.
//! let client = cocoonmail::Client::builder().from_env().build()?;
//! client.keys().validate().await?;
//! // An upsert: a returning user is updated, not refused with a 409.
//! let ada = UpdateContact::new(ContactRef::email("ada@example.com")).first_name("Ada");
//! client.contacts().update(ada).await?;
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
//! [`Error::retry_after`] and [`Error::rate_limit`] instead of matching variants. A retried
//! call keeps its story: [`Error::attempts`], [`Error::earlier_attempts`], and a `Display`
//! ending in `(after 3 attempts: 429 +1s, 503 +420ms)`.
//!
//! The client waits on its limiter before every attempt (a [`LocalLimiter`] at 10 requests per
//! second unless configured otherwise; see [`limiter`] for the steps): slots are handed out
//! first come first served, a 429 or a full window heard from the server pauses every caller,
//! and [`ClientBuilder::max_limiter_wait`] bounds the queueing. It retries by the
//! [`RetryPolicy`]: 429 and connections never established always; server errors and timeouts
//! only for reads and upserts; nothing that may have been delivered is ever sent again.
//!
//! # Running many processes
//!
//! The documented 10 requests per second are per team: every process and key of the account
//! share them, while a [`LocalLimiter`] paces only its own process (clients given clones of one
//! `LocalLimiter`, through [`ClientBuilder::local_limiter`], share it within the process).
//! With the `redis` feature, `cocoonmail::redis::RedisLimiter` shares one budget between
//! processes and hosts through Redis or Valkey: one round trip per permit, a 429 heard by any
//! process pauses all of them, and when Redis does not answer each process goes on with a local
//! share of the budget (or fails closed, if told to) and returns to Redis by itself. Hand it to
//! [`ClientBuilder::rate_limiter`]; the `cocoon-limiter-redis` crate docs have the details.
//!
//! # Bulk runs
//!
//! [`Client::bulk`] and [`blocking::Client::bulk`] run any iterator of request values at the
//! limiter's pace with bounded concurrency, taking each input only when a slot frees up and
//! handing back each outcome with its input's index as it finishes ([`BulkResult`]); a
//! [`StopHandle`] stops the run early while the requests in flight finish. `bulk_tagged` takes
//! `(tag, request)` pairs and hands each outcome back with its tag, and
//! [`BulkRun::stop_after_consecutive_failures`] ends a run whose server is gone while still
//! reporting every request it did not try ([`Error::NotTried`]).
//!
//! # Deadlines and cancellation
//!
//! [`ClientBuilder::timeout`] (default 30 s) is one deadline for the whole call: the waits for
//! the limiter, every attempt and the delays between them fit in it, and the call ends no later
//! than it. A request in flight when it passes is abandoned with a timeout error that says the
//! server may have acted on it; a send is then never resent. [`ClientBuilder::attempt_timeout`]
//! bounds each attempt on its own, within that deadline.
//!
//! Dropping the future of an async call (a `tokio::select!` branch that lost, an aborted task,
//! a `tokio::time::timeout`) cancels it at once:
//!
//! - **What it releases**: a call still waiting for the rate limiter hands its slot back, and a
//!   call whose request was in flight tells the limiter the attempt is over, so the callers
//!   behind it do not wait for a request that will never be answered.
//! - **What it risks**: a request already written to the connection may have reached the
//!   server, which may act on it; dropping the call does not unsend it. For a send (mail, an
//!   event, a WhatsApp message, an OTP, a contact creation) treat a cancelled call like a
//!   timeout: the message may have been delivered, and sending it again may deliver it twice.
//!
//! A blocking call cannot be dropped midway; it ends by its deadline.
//!
//! # Logging
//!
//! With the `tracing` feature every call is a span `cocoonmail.call` (INFO) and every attempt
//! a child `cocoonmail.attempt` (INFO), laid out for OpenTelemetry's HTTP client conventions
//! as `tracing-opentelemetry` exports them. The attempt is the HTTP request, so it is the
//! client span (`otel.kind = "client"`, named `"{method} {url.template}"`) with
//! `http.request.method`, `server.address`, `server.port`, `url.full`, `url.template`,
//! `http.request.resend_count`, `http.response.status_code` and `error.type`; the call is an
//! internal span named after the operation. The SDK's own fields are under `cocoonmail.*`
//! (operation, idempotency, attempts, limiter wait, rate-limit numbers, retry decision and
//! delay). A 429 and a retry are INFO events; errors returned to you are not logged as errors.
//! No span, field or event ever holds the API key, an email address, a phone number, a name, a
//! body, template parameters or a query value: query values and path segments that may be
//! values show as `REDACTED` in `url.full` and `{value}` in `url.template`. Without a
//! subscriber the cost is negligible.
//!
//! # Routes
//!
//! Six operations have provisional routes: the vendor names them but publishes no path (see
//! [`Operation`] and [`RouteStatus`]). Remap any route with [`ClientBuilder::route`], and send
//! what the SDK does not model yet with [`Client::raw`] and a [`RawRequest`].
#![cfg_attr(docsrs, feature(doc_cfg))]

mod assertions;
#[cfg(feature = "axum")]
pub mod axum;
pub mod builder;
mod bulk;
mod client;
pub mod limiter;
mod resources;
mod shared;
mod telemetry;

pub mod blocking;

pub use builder::{ClientBuilder, ENV_API_KEY, ENV_BASE_URL};
pub use bulk::stream::BulkStream;
pub use bulk::{BulkResult, BulkRun, StopHandle, Untagged};
pub use client::Client;
pub use limiter::{AsyncRateLimiter, LocalLimiter, RateLimiter};
pub use resources::{ApiKeys, Contacts, CustomFields, Events, Lists, Mail, Otp, Verify, WhatsApp};

pub use cocoon_core as core;

/// The `http` crate the SDK's requests, answers and transports are made of, re-exported so
/// that code naming `http::Request`, `http::Method` or `http::StatusCode` needs no dependency
/// of its own (and always has the matching version).
pub use http;

/// One rate-limit budget shared by many processes through Redis or Valkey (feature `redis`):
/// `redis::RedisLimiter` for the async client (with `reqwest`), [`redis::blocking::RedisLimiter`]
/// for the blocking one (with `ureq`, and no Tokio without `reqwest`).
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
pub use cocoon_core::transport::{Certificate, CertificateError};
pub use cocoon_core::{
    api_key, contacts, custom_fields, events, lists, mail, otp, properties, quota, verify,
    webhooks, whatsapp,
};
pub use cocoon_core::{
    ApiError, ApiKey, AsyncTransport, AttemptFailure, AttemptHistory, AuthScheme,
    BlockingTransport, ConfigError, Endpoint, Error, FailedAttempt, Idempotency, InvalidInput,
    LimiterError, LimiterErrorKind, NotTried, NotTriedReason, Operation, RateLimit, RawRequest,
    RetryAfter, RetryPolicy, Route, RouteStatus, RouteTable, TransportError, TransportErrorKind,
};

/// The README's examples, compiled and run as doc tests (they use both clients and Redis).
#[cfg(all(doctest, feature = "reqwest", feature = "ureq", feature = "redis"))]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

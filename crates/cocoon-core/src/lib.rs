//! The sans-IO core of the Cocoonmail SDK.
//!
//! This crate knows the whole [Cocoonmail](https://cocoonmail.com) HTTP API without ever
//! opening a socket: every operation is a typed request value; [`build_request`] turns one
//! into an [`http::Request`]; [`decode_response`] turns the [`http::Response`] into the typed
//! answer or an [`Error`]; the [`RetryPolicy`] and the [`RateLimit`] header parsing are pure
//! functions. None of its [dependencies](#dependencies) opens a socket or starts a runtime, so
//! it embeds in any HTTP stack (hyper, a company-wide client, a test harness). Most users
//! want the `cocoonmail` crate, which adds transports, rate limiting and retries.
//!
//! # Example: build a request, decode an answer
//!
//! ```
//! use cocoon_core::{build_request, decode_response, ApiKey, Config, Error};
//! use cocoon_core::contacts::{ContactRef, FindContact};
//!
//! let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
//! let config = Config::new(key);
//! let find = FindContact::new(ContactRef::email("ada+notes@example.com"));
//!
//! let request = build_request(&config, &find)?;
//! assert_eq!(request.method(), http::Method::GET);
//! assert_eq!(
//!     request.uri(),
//!     "https://webhook.cocoonmail.com/webhook/contact/find?email=ada%2Bnotes%40example.com"
//! );
//! assert_eq!(request.headers()["accept"], "application/json");
//!
//! // Send `request` with any HTTP client, then decode what came back:
//! let answer = http::Response::builder()
//!     .status(200)
//!     .body(br#"[{"id": "c1", "email": "ada+notes@example.com", "firstName": "Ada"}]"#.to_vec())?;
//! let contacts = decode_response(&find, answer)?;
//! assert_eq!(contacts[0].first_name.as_deref(), Some("Ada"));
//!
//! // Unsuccessful answers become typed errors that keep the server's message.
//! let refused = http::Response::builder()
//!     .status(401)
//!     .body(br#"{"success": false, "message": "Invalid API key"}"#.to_vec())?;
//! let error = decode_response(&find, refused).unwrap_err();
//! assert!(matches!(error, Error::Unauthorized(_)));
//! assert_eq!(error.status(), Some(http::StatusCode::UNAUTHORIZED));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Requests as JSON
//!
//! Every request type is `Serialize` and `Deserialize`, and its JSON is the body it sends (a
//! request without a body writes its parameters: `{"email": ...}` for
//! [`contacts::FindContact`], `{"message_id": ...}` for the statuses, `{}` for the requests
//! that take none). Reading runs the checks of sending, so a value read is one the SDK would
//! send; refusals name the field and repeat no address.
//!
//! ```
//! use cocoon_core::contacts::UpdateContact;
//! // `null` clears a field, as on the wire; a reserved property name is refused.
//! let update: UpdateContact = serde_json::from_str(r#"{"userId": "u-42", "lastName": null}"#)?;
//! assert_eq!(serde_json::to_string(&update)?, r#"{"userId":"u-42","lastName":null}"#);
//! let refused = serde_json::from_str::<UpdateContact>(r#"{"userId": "u-42", "teamId": "t"}"#);
//! assert!(refused.unwrap_err().to_string().starts_with("teamId: is reserved"));
//! # Ok::<(), serde_json::Error>(())
//! ```
//!
//! # Routes
//!
//! Every route comes from one [`RouteTable`]; any of them can be remapped at run time
//! ([`ConfigBuilder::route`]), and [`RawRequest`] reaches routes the SDK does not model yet.
//! *Provisional* routes are those the vendor names but publishes no path for: the SDK follows the
//! documented `/webhook/<resource>/<action>` convention.
//!
//! | operation | request type | method | path | status |
//! | --- | --- | --- | --- | --- |
//! | validate API key | [`api_key::ValidateApiKey`] | GET | `/webhook/api_key/validate/` | documented |
//! | send transactional email | [`mail::SendMail`] | POST | `/webhook/mail/send` | documented |
//! | send direct email | [`mail::SendDirectMail`] | POST | `/webhook/mail/send-direct` | documented |
//! | email usage | [`mail::MailUsage`] | POST | `/webhook/mail/usage` | documented |
//! | email status | [`mail::MailStatus`] | GET | `/webhook/mail/status?message_id=` | documented |
//! | send event | [`events::SendEvent`] | POST | `/webhook/event/send` | documented |
//! | checkout event | [`events::CheckoutEvent`] | POST | `/webhook/event/checkout` | documented |
//! | verify email | [`verify::VerifyEmail`] | POST | `/webhook/email/verify` | documented |
//! | send WhatsApp message | [`whatsapp::SendWhatsApp`] | POST | `/webhook/whatsapp_message/send` | documented |
//! | WhatsApp status | [`whatsapp::WhatsAppStatus`] | GET | `/webhook/whatsapp_message/status?message_id=` | documented |
//! | send OTP | [`otp::SendOtp`] | POST | `/webhook/otp/send` | documented |
//! | create contact | [`contacts::CreateContact`] | POST | `/webhook/contact/create` | **provisional** |
//! | update contact | [`contacts::UpdateContact`] | PUT | `/webhook/contact/update` | **provisional** |
//! | find contact | [`contacts::FindContact`] | GET | `/webhook/contact/find?email=` / `?userId=` | **provisional** |
//! | delete contact | [`contacts::DeleteContact`] | POST | `/webhook/contact/delete` | **provisional** |
//! | list mailing lists | [`lists::ListMailingLists`] | GET | `/webhook/mailing_list/list` | **provisional** |
//! | list custom fields | [`custom_fields::ListCustomFields`] | GET | `/webhook/custom_field/list` | **provisional** |
//!
//! # Retries
//!
//! [`RetryPolicy::decide`] says whether and when to resend: 429 and connections never
//! established always; 5xx, timeouts and broken connections only for idempotent operations
//! ([`Operation::idempotency`]), so nothing that sends an email, a message or an event is ever
//! sent twice by a retry; 400/401/403/404/406/409 never.
//!
//! # Transports
//!
//! [`AsyncTransport`] and [`BlockingTransport`] send an `http::Request<Vec<u8>>` and return the
//! `http::Response<Vec<u8>>`; a closure is a transport. The [`transport`] module also holds what
//! the built-in transports share: default limits, error descriptions, root certificates.
//!
//! # Dependencies
//!
//! The list is kept short, and each is a small, widely used crate that does one thing:
//!
//! | crate | why the core needs it |
//! | --- | --- |
//! | `http` | the request and response types every Rust HTTP stack shares, so any client can send what [`build_request`] makes |
//! | `serde`, `serde_json` | request bodies and answers are JSON |
//! | `thiserror` | `Display` and `source` of the error types |
//! | `async-trait` | [`AsyncTransport`] as a trait object (`dyn`), which plain `async fn` in traits does not allow |
//! | `base64` | the content of mail attachments ([`mail::Attachment`]) |
//! | `percent-encoding` | query values (an email's `+` travels as `%2B`) |
//! | `httpdate` | `Retry-After` given as an HTTP date ([`RetryAfter`]) |
//! | `subtle` | comparing a webhook's `Authorization` in constant time ([`webhooks::WebhookVerifier`]) |
//!
//! Dates of custom contact properties are checked by a small validator of the core
//! ([`properties::PropertyDate`]) rather than a date crate.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod attempts;
mod checked;
mod codec;
mod config;
mod endpoint;
mod error;
mod key;
mod pause;
mod ratelimit;
mod retry;
mod route;
mod setters;
mod wire;

pub mod answers;
pub mod api_key;
pub mod contacts;
pub mod custom_fields;
pub mod events;
pub mod limiter;
pub mod lists;
pub mod mail;
pub mod otp;
pub mod properties;
pub mod quota;
pub mod transport;
pub mod verify;
pub mod webhooks;
pub mod whatsapp;

#[cfg(test)]
mod test_support;

pub use attempts::{AttemptFailure, AttemptHistory, FailedAttempt, MAX_KEPT_ATTEMPTS};
pub use codec::{build_request, decode_response, error_from_parts};
pub use config::{Config, ConfigBuilder, DEFAULT_BASE_URL, DEFAULT_USER_AGENT};
pub use endpoint::{json_body, Endpoint, Query, RawRequest, Target};
pub use error::{
    ApiError, ConfigError, DecodeError, Error, InvalidInput, LimiterError, LimiterErrorKind,
    NotTried, NotTriedReason, RawBody, TransportError, TransportErrorKind, MAX_KEPT_BODY,
};
pub use key::{ApiKey, AuthScheme, API_KEY_HEADER};
pub use pause::{requested_pause, DEFAULT_MAX_SERVER_PAUSE, DEFAULT_PAUSE_AFTER_429};
pub use ratelimit::{RateLimit, RetryAfter, DOCUMENTED_REQUESTS_PER_SECOND};
pub use retry::{RetryDecision, RetryPolicy, RetryState};
pub use route::{Idempotency, Operation, Route, RouteStatus, RouteTable};
pub use transport::{AsyncTransport, BlockingTransport};

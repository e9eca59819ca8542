//! Receiving the webhooks Cocoonmail sends (API.md §6): a safe `Authorization` check and
//! typed events.
//!
//! In the Cocoonmail dashboard you set the URL Cocoonmail posts events to, the event types to
//! send, and optionally an `Authorization` header value (e.g. `Bearer <secret>`) that comes
//! with every delivery. No signature scheme exists, so that header is the only proof a
//! delivery comes from Cocoonmail: configure one, and check it with a [`WebhookVerifier`].
//!
//! This module does no I/O and works with any web framework: give
//! [`WebhookVerifier::verify`] the received [`http::Request`] (headers and the whole body,
//! read with a size limit) and get a [`WebhookEvent`] or a [`WebhookError`] that says which
//! status to answer with ([`WebhookError::status`]). Answer 2xx quickly: do slow work after
//! answering.
//!
//! | what | where it comes from |
//! | --- | --- |
//! | [`EventType`] (16 documented + [`EventType::Other`]) | `x-cocoon-event-type` (required) |
//! | [`WebhookEvent::event_datetime`] (raw text) | `x-cocoon-event-datetime` |
//! | [`ContactEvent`]: uuid, email, WhatsApp number + JSON body | `x-cocoon-contact-*` |
//! | [`EmailEvent`]: message id, sender, contact uuid and email + JSON body | `x-cocoon-email-*`, `x-cocoon-contact-*` |
//! | [`WhatsAppEvent`]: message id, sender phone number, contact uuid and number + [`WhatsAppPayload`] | `x-cocoon-message-id`, `x-cocoon-sender-phonenumber`, `x-cocoon-contact-*` |
//! | [`OtherEvent`]: every `x-cocoon-*` header + JSON body | |
//!
//! # Without a framework
//!
//! ```
//! use cocoon_core::webhooks::{EventData, EventType, WebhookError, WebhookVerifier};
//!
//! let verifier = WebhookVerifier::new("Bearer s3cret");
//!
//! let delivery = http::Request::post("/webhooks/cocoonmail")
//!     .header("authorization", "Bearer s3cret")
//!     .header("content-type", "application/json")
//!     .header("x-cocoon-event-type", "whatsapp.read")
//!     .header("x-cocoon-event-datetime", "2025-03-01T09:30:00.000Z")
//!     .header("x-cocoon-message-id", "wamid.HBgLMTU1NTAxMDAwMDA")
//!     .body(
//!         r#"{"event_type": "whatsapp.read", "timestamp": "2025-03-01T09:30:00.000Z",
//!             "status": "read", "sender": "+15550100000", "receiver": "+15550100001"}"#,
//!     )
//!     .unwrap();
//!
//! let event = verifier.verify(&delivery).unwrap();
//! assert_eq!(event.event_type, EventType::WhatsAppRead);
//! match &event.data {
//!     EventData::WhatsApp(whatsapp) => {
//!         assert_eq!(whatsapp.payload.status, "read");
//!         assert_eq!(whatsapp.message_id.as_deref(), Some("wamid.HBgLMTU1NTAxMDAwMDA"));
//!     }
//!     other => panic!("expected a WhatsApp event, got {other:?}"),
//! }
//!
//! // A forged delivery is turned away with 401, and the error shows no secret.
//! let forged = http::Request::post("/webhooks/cocoonmail")
//!     .header("authorization", "Bearer guess")
//!     .header("x-cocoon-event-type", "contact.created")
//!     .body(Vec::new())
//!     .unwrap();
//! let error = verifier.verify(&forged).unwrap_err();
//! assert_eq!(error, WebhookError::WrongAuthorization);
//! assert_eq!(error.status(), http::StatusCode::UNAUTHORIZED);
//! assert!(!format!("{error} {error:?}").contains("s3cret"));
//! ```
//!
//! # With axum 0.8
//!
//! The receiver checks `Authorization` before reading the body, reads the body with the
//! verifier's limit, and answers at once. (`examples/webhook_receiver.rs` in the repository is
//! a complete program.)
//!
//! ```ignore
//! use std::sync::Arc;
//!
//! use axum::{
//!     body::{to_bytes, Body},
//!     extract::{Request, State},
//!     http::StatusCode,
//!     routing::post,
//!     Router,
//! };
//! use cocoon_core::webhooks::{EventData, WebhookError, WebhookVerifier};
//!
//! async fn receive(State(verifier): State<Arc<WebhookVerifier>>, request: Request) -> StatusCode {
//!     if let Err(error) = verifier.check_authorization(request.headers()) {
//!         return error.status();
//!     }
//!     let (parts, body) = request.into_parts();
//!     let Ok(bytes) = to_bytes(body, verifier.max_body_bytes()).await else {
//!         return StatusCode::PAYLOAD_TOO_LARGE;
//!     };
//!     match verifier.verify(&Request::from_parts(parts, bytes)) {
//!         Ok(event) => {
//!             match &event.data {
//!                 EventData::Email(email) => println!("{} for {:?}", event.event_type, email.email()),
//!                 EventData::WhatsApp(wa) => println!("{}: {}", event.event_type, wa.payload.status),
//!                 _ => println!("{}", event.event_type),
//!             }
//!             StatusCode::NO_CONTENT
//!         }
//!         Err(error) => error.status(),
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> std::io::Result<()> {
//!     let expected = std::env::var("COCOON_WEBHOOK_AUTHORIZATION").unwrap_or_default();
//!     let verifier = Arc::new(WebhookVerifier::new(expected));
//!     let app = Router::new()
//!         .route("/webhooks/cocoonmail", post(receive))
//!         .with_state(verifier);
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     axum::serve(listener, app).await
//! }
//! ```
//!
//! # Leniency
//!
//! The vendor documents the headers and WhatsApp fields but little else, so parsing accepts
//! what it can: every per-family header is optional, unknown event types and unknown body
//! fields are kept or ignored rather than rejected, a missing `Content-Type` is read as JSON
//! and an empty body as `null`. What is rejected, and in which order, is listed on
//! [`WebhookVerifier`]. No input makes it panic.

mod error;
mod event;
mod event_type;
mod verifier;

#[cfg(test)]
mod tests;

pub use error::WebhookError;
pub use event::{
    ContactEvent, EmailEvent, EventData, OtherEvent, WebhookEvent, WhatsAppEvent, WhatsAppPayload,
};
pub use event_type::{EventFamily, EventType};
pub use verifier::{ExpectedAuthorization, WebhookVerifier, DEFAULT_MAX_BODY_BYTES};

/// The names of the headers Cocoonmail sends with a delivery (API.md §6), lowercase.
pub mod headers {
    /// The event type, on every delivery: [`EventType`](super::EventType).
    pub const EVENT_TYPE: &str = "x-cocoon-event-type";
    /// When the event happened, on every delivery.
    pub const EVENT_DATETIME: &str = "x-cocoon-event-datetime";
    /// The contact's UUID: contact, email and WhatsApp events.
    pub const CONTACT_UUID: &str = "x-cocoon-contact-uuid";
    /// The contact's email: contact and email events.
    pub const CONTACT_EMAIL: &str = "x-cocoon-contact-email";
    /// The contact's WhatsApp number: contact and WhatsApp events.
    pub const CONTACT_WHATSAPP: &str = "x-cocoon-contact-whatsapp";
    /// The email's message id: email events.
    pub const EMAIL_MESSAGE_ID: &str = "x-cocoon-email-message-id";
    /// The email's sender: email events.
    pub const EMAIL_SENDER: &str = "x-cocoon-email-sender";
    /// The WhatsApp message id: WhatsApp events.
    pub const MESSAGE_ID: &str = "x-cocoon-message-id";
    /// The sending phone number: WhatsApp events.
    pub const SENDER_PHONE_NUMBER: &str = "x-cocoon-sender-phonenumber";
}

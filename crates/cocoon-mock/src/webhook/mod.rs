//! # What a delivery is
//!
//! Cocoonmail POSTs each event to the URL set in its dashboard, with the event type and
//! details in `x-cocoon-*` headers, an optional `Authorization` value and optional custom
//! headers, and a JSON body. A [`WebhookDelivery`](crate::webhook::WebhookDelivery) builds such a delivery with plausible
//! values for a contact, email or WhatsApp event; [`WebhookDelivery::deliver`](crate::webhook::WebhookDelivery::deliver) sends it over
//! plain HTTP/1.1 and returns the receiver's answer. In async tests use
//! [`WebhookDelivery::deliver_async`](crate::webhook::WebhookDelivery::deliver_async), which
//! does not block the runtime that serves the receiver, or hand
//! [`WebhookDelivery::http_request`](crate::webhook::WebhookDelivery::http_request) to the
//! receiver's service directly (axum's `oneshot`), without a socket.
//!
//! This module knows nothing of the SDK's own webhook types on purpose: it writes what the
//! API documentation says Cocoonmail sends, so a test can check the SDK against it.
//!
//! ```no_run
//! use cocoon_mock::webhook::WebhookDelivery;
//!
//! let response = WebhookDelivery::whatsapp("whatsapp.read")
//!     .authorization("Bearer test-secret")
//!     .header("x-team", "growth")
//!     .deliver("http://127.0.0.1:8080/webhooks/cocoonmail")?;
//! assert!(response.is_success());
//! # Ok::<(), std::io::Error>(())
//! ```

mod deliver;

use std::fmt;
use std::time::Duration;

use serde_json::{json, Value};

pub use deliver::DeliveryResponse;

/// The contact event types (API.md §6).
pub const CONTACT_EVENT_TYPES: [&str; 3] =
    ["contact.created", "contact.updated", "contact.deleted"];

/// The email event types (API.md §6).
pub const EMAIL_EVENT_TYPES: [&str; 6] = [
    "email.sent",
    "email.opened",
    "email.clicked",
    "email.bounced",
    "email.subscribed",
    "email.unsubscribed",
];

/// The WhatsApp event types (API.md §6).
pub const WHATSAPP_EVENT_TYPES: [&str; 7] = [
    "whatsapp.sent",
    "whatsapp.failed",
    "whatsapp.read",
    "whatsapp.engaged",
    "whatsapp.subscribed",
    "whatsapp.unsubscribed",
    "whatsapp.message_received",
];

/// The contact every built delivery is about.
const CONTACT_UUID: &str = "5f0c7a52-8d3e-4b1f-9a6c-2e7d4b8f1c03";
const CONTACT_EMAIL: &str = "ada.lovelace@example.com";
const CONTACT_WHATSAPP: &str = "+15550100001";
/// The team's own email sender and WhatsApp number.
const EMAIL_SENDER: &str = "news@mail.example.com";
const BUSINESS_WHATSAPP: &str = "+15550100000";
const EMAIL_MESSAGE_ID: &str = "<20250301093000.7f3a9c21@mail.example.com>";
const WHATSAPP_MESSAGE_ID: &str = "wamid.HBgLMTU1NTAxMDAwMDEVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA";

/// The time limit [`WebhookDelivery::deliver`] uses for connecting, writing and reading,
/// unless changed with [`WebhookDelivery::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// One webhook delivery: the request Cocoonmail would send for one event.
///
/// Build one with [`contact`](Self::contact), [`email`](Self::email),
/// [`whatsapp`](Self::whatsapp) (documented headers and a body filled with plausible values)
/// or [`new`](Self::new) (only the headers every delivery has), adjust it, then
/// [`deliver`](Self::deliver) it. Its `Debug` output hides the `Authorization` value.
///
/// ```
/// use cocoon_mock::webhook::WebhookDelivery;
///
/// let delivery = WebhookDelivery::email("email.bounced")
///     .authorization("Bearer test-secret")
///     .header("x-cocoon-email-sender", "billing@example.com");
/// assert_eq!(delivery.event_type(), "email.bounced");
/// assert_eq!(delivery.header_value("x-cocoon-email-sender"), Some("billing@example.com"));
/// assert_eq!(delivery.body_json().unwrap()["sender"], "news@mail.example.com");
/// assert!(!format!("{delivery:?}").contains("test-secret"));
/// ```
#[derive(Clone)]
pub struct WebhookDelivery {
    event_type: String,
    authorization: Option<String>,
    content_type: Option<String>,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    timeout: Duration,
}

impl WebhookDelivery {
    /// A delivery of `event_type` with only the headers every delivery carries
    /// (`x-cocoon-event-type` and `x-cocoon-event-datetime`, now) and the body `{}`.
    pub fn new(event_type: impl Into<String>) -> Self {
        let event_type = event_type.into();
        let now = crate::util::now_iso_millis();
        Self {
            headers: vec![
                ("x-cocoon-event-type".to_owned(), event_type.clone()),
                ("x-cocoon-event-datetime".to_owned(), now),
            ],
            event_type,
            authorization: None,
            content_type: Some("application/json".to_owned()),
            body: b"{}".to_vec(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// A contact event (normally one of [`CONTACT_EVENT_TYPES`]): the contact headers and a
    /// body describing the contact.
    pub fn contact(event_type: impl Into<String>) -> Self {
        let delivery = Self::new(event_type)
            .header("x-cocoon-contact-uuid", CONTACT_UUID)
            .header("x-cocoon-contact-email", CONTACT_EMAIL)
            .header("x-cocoon-contact-whatsapp", CONTACT_WHATSAPP);
        let body = json!({
            "uuid": CONTACT_UUID,
            "email": CONTACT_EMAIL,
            "first_name": "Ada",
            "last_name": "Lovelace",
            "whatsapp_number": CONTACT_WHATSAPP,
            "subscribed": delivery.event_type != "contact.deleted",
            "event_type": delivery.event_type,
            "created_at": delivery.datetime(),
        });
        delivery.json_body(&body)
    }

    /// An email event (normally one of [`EMAIL_EVENT_TYPES`]): the email and contact headers
    /// and a body describing the message.
    pub fn email(event_type: impl Into<String>) -> Self {
        let delivery = Self::new(event_type)
            .header("x-cocoon-email-message-id", EMAIL_MESSAGE_ID)
            .header("x-cocoon-email-sender", EMAIL_SENDER)
            .header("x-cocoon-contact-uuid", CONTACT_UUID)
            .header("x-cocoon-contact-email", CONTACT_EMAIL);
        let mut body = json!({
            "message_id": EMAIL_MESSAGE_ID,
            "email": CONTACT_EMAIL,
            "sender": EMAIL_SENDER,
            "subject": "Your March newsletter",
            "event_type": delivery.event_type,
            "timestamp": delivery.datetime(),
        });
        match delivery.event_type.as_str() {
            "email.clicked" => body["url"] = json!("https://example.com/march"),
            "email.bounced" => {
                body["bounce_type"] = json!("hard");
                body["bounced_error"] = json!("550 5.1.1 mailbox unavailable");
            }
            _ => {}
        }
        delivery.json_body(&body)
    }

    /// A WhatsApp event (normally one of [`WHATSAPP_EVENT_TYPES`]): the WhatsApp and contact
    /// headers and a body with every documented field (`event_type`, `timestamp`, `status`,
    /// `sender`, `receiver`, plus `failure_reason` for `whatsapp.failed` and `content` for
    /// `whatsapp.message_received`, which is sent by the contact to the team's number).
    pub fn whatsapp(event_type: impl Into<String>) -> Self {
        let delivery = Self::new(event_type);
        let kind = delivery.event_type.as_str();
        let inbound = kind == "whatsapp.message_received";
        let (sender, receiver) = if inbound {
            (CONTACT_WHATSAPP, BUSINESS_WHATSAPP)
        } else {
            (BUSINESS_WHATSAPP, CONTACT_WHATSAPP)
        };
        let status = match kind.strip_prefix("whatsapp.") {
            Some("message_received") => "received",
            Some(status) if !status.is_empty() => status,
            _ => "sent",
        };
        let mut body = json!({
            "event_type": kind,
            "timestamp": delivery.datetime(),
            "status": status,
            "sender": sender,
            "receiver": receiver,
        });
        if kind == "whatsapp.failed" {
            body["failure_reason"] = json!("Message undeliverable: recipient not on WhatsApp");
        }
        if inbound {
            body["content"] =
                json!({"type": "text", "text": {"body": "Hi! Is my order on its way?"}});
        }
        delivery
            .header("x-cocoon-message-id", WHATSAPP_MESSAGE_ID)
            .header("x-cocoon-sender-phonenumber", sender)
            .header("x-cocoon-contact-uuid", CONTACT_UUID)
            .header("x-cocoon-contact-whatsapp", CONTACT_WHATSAPP)
            .json_body(&body)
    }

    /// Sends `Authorization: <value>` (the value set in the dashboard), e.g.
    /// `Bearer <secret>`.
    #[must_use]
    pub fn authorization(mut self, value: impl Into<String>) -> Self {
        self.authorization = Some(value.into());
        self
    }

    /// Sets a header, replacing any header of that name (ignoring case): a custom header
    /// configured in the dashboard, or a different value for a documented `x-cocoon-*` one.
    /// `Authorization` and `Content-Type` set the same values as
    /// [`authorization`](Self::authorization) and [`raw_body`](Self::raw_body). `Host`,
    /// `Content-Length`, `Connection` and `Transfer-Encoding` are written by
    /// [`deliver`](Self::deliver), which refuses them here.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        let value = value.into();
        if name.eq_ignore_ascii_case("authorization") {
            self.authorization = Some(value);
            return self;
        }
        if name.eq_ignore_ascii_case("content-type") {
            self.content_type = Some(value);
            return self;
        }
        match self
            .headers
            .iter_mut()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(&name))
        {
            Some(slot) => slot.1 = value,
            None => self.headers.push((name, value)),
        }
        self
    }

    /// Removes a header (ignoring case), e.g. to test a receiver against a delivery that
    /// lacks `x-cocoon-event-type`. `Authorization` and `Content-Type` can be removed too.
    #[must_use]
    pub fn without_header(mut self, name: &str) -> Self {
        if name.eq_ignore_ascii_case("authorization") {
            self.authorization = None;
        }
        if name.eq_ignore_ascii_case("content-type") {
            self.content_type = None;
        }
        self.headers
            .retain(|(existing, _)| !existing.eq_ignore_ascii_case(name));
        self
    }

    /// Replaces the body with `body` as JSON, sent as `Content-Type: application/json`.
    #[must_use]
    pub fn json_body(mut self, body: &Value) -> Self {
        self.body = body.to_string().into_bytes();
        self.content_type = Some("application/json".to_owned());
        self
    }

    /// Replaces the body with any bytes and the `Content-Type` with `content_type` (`None`
    /// sends no `Content-Type`), e.g. to test a receiver against malformed bodies.
    #[must_use]
    pub fn raw_body(mut self, body: impl Into<Vec<u8>>, content_type: Option<&str>) -> Self {
        self.body = body.into();
        self.content_type = content_type.map(str::to_owned);
        self
    }

    /// Sets the time limit for connecting, and for each write and read
    /// ([`DEFAULT_TIMEOUT`] unless set).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The event type this delivery was built for.
    pub fn event_type(&self) -> &str {
        &self.event_type
    }

    /// The headers set so far (without `Authorization` and `Content-Type`), in order.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of a header set so far, by name (ignoring case).
    pub fn header_value(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(existing, _)| existing.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The body bytes.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body parsed as JSON, or `None` when it is not JSON.
    pub fn body_json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The `x-cocoon-event-datetime` value, for bodies built with the same time.
    fn datetime(&self) -> String {
        self.header_value("x-cocoon-event-datetime")
            .unwrap_or_default()
            .to_owned()
    }
}

impl fmt::Debug for WebhookDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookDelivery")
            .field("event_type", &self.event_type)
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .field("content_type", &self.content_type)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests;

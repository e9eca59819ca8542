//! A verified webhook event: its type, its documented headers and its body, by family.

use serde_json::{Map, Value};

use super::error::WebhookError;
use super::event_type::{EventFamily, EventType};

/// A webhook delivery that passed [`WebhookVerifier::verify`](super::WebhookVerifier::verify).
///
/// The data that depends on the event's family (which headers come with it, what the body
/// holds) is in [`data`](Self::data), an enum to `match` on.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WebhookEvent {
    /// The `x-cocoon-event-type` header.
    pub event_type: EventType,
    /// The `x-cocoon-event-datetime` header, as received. Documented on every delivery but
    /// not its format (probably ISO-8601), so it is kept as text: `None` when absent.
    pub event_datetime: Option<String>,
    /// The family-specific headers and body.
    pub data: EventData,
}

impl WebhookEvent {
    /// The family of [`event_type`](Self::event_type).
    #[must_use]
    pub fn family(&self) -> EventFamily {
        self.event_type.family()
    }

    /// The `x-cocoon-contact-uuid` header of a contact, email or WhatsApp event.
    #[must_use]
    pub fn contact_uuid(&self) -> Option<&str> {
        match &self.data {
            EventData::Contact(event) => event.contact_uuid.as_deref(),
            EventData::Email(event) => event.contact_uuid.as_deref(),
            EventData::WhatsApp(event) => event.contact_uuid.as_deref(),
            EventData::Other(event) => event.header("x-cocoon-contact-uuid"),
        }
    }
}

/// The part of a [`WebhookEvent`] that depends on its [`EventFamily`].
///
/// Every per-family header is an `Option`: API.md §6 says which headers each family carries,
/// but a delivery that lacks one is still accepted (the vendor's docs are not precise enough
/// to reject on it). Only `x-cocoon-event-type` is required.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum EventData {
    /// A `contact.*` event.
    Contact(ContactEvent),
    /// An `email.*` event.
    Email(EmailEvent),
    /// A `whatsapp.*` event.
    WhatsApp(WhatsAppEvent),
    /// An event type API.md does not document.
    Other(OtherEvent),
}

/// A `contact.*` event. The body's shape is undocumented, so it is kept as JSON; the
/// accessors look in the body first and fall back to the documented headers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ContactEvent {
    /// The `x-cocoon-contact-uuid` header.
    pub contact_uuid: Option<String>,
    /// The `x-cocoon-contact-email` header.
    pub contact_email: Option<String>,
    /// The `x-cocoon-contact-whatsapp` header.
    pub contact_whatsapp: Option<String>,
    /// The body as JSON (`Null` when the body was empty).
    pub body: Value,
}

impl ContactEvent {
    /// The contact's email: the body's top-level `email` string, else the
    /// `x-cocoon-contact-email` header.
    #[must_use]
    pub fn email(&self) -> Option<&str> {
        body_text(&self.body, "email").or(self.contact_email.as_deref())
    }

    /// The contact's UUID: the body's top-level `uuid` string, else the
    /// `x-cocoon-contact-uuid` header.
    #[must_use]
    pub fn uuid(&self) -> Option<&str> {
        body_text(&self.body, "uuid").or(self.contact_uuid.as_deref())
    }

    /// The contact's WhatsApp number: the body's top-level `whatsapp_number` string, else the
    /// `x-cocoon-contact-whatsapp` header.
    #[must_use]
    pub fn whatsapp_number(&self) -> Option<&str> {
        body_text(&self.body, "whatsapp_number").or(self.contact_whatsapp.as_deref())
    }

    /// A top-level field of the body, if the body is an object that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.body.get(key)
    }
}

/// An `email.*` event. The body's shape is undocumented, so it is kept as JSON; the accessors
/// look in the body first and fall back to the documented headers.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct EmailEvent {
    /// The `x-cocoon-email-message-id` header: the id the email status endpoint takes.
    pub message_id: Option<String>,
    /// The `x-cocoon-email-sender` header.
    pub sender: Option<String>,
    /// The `x-cocoon-contact-uuid` header.
    pub contact_uuid: Option<String>,
    /// The `x-cocoon-contact-email` header: the recipient.
    pub contact_email: Option<String>,
    /// The body as JSON (`Null` when the body was empty).
    pub body: Value,
}

impl EmailEvent {
    /// The recipient's email: the body's top-level `email` string, else the
    /// `x-cocoon-contact-email` header.
    #[must_use]
    pub fn email(&self) -> Option<&str> {
        body_text(&self.body, "email").or(self.contact_email.as_deref())
    }

    /// The message id: the body's top-level `message_id` string, else the
    /// `x-cocoon-email-message-id` header.
    #[must_use]
    pub fn message_id(&self) -> Option<&str> {
        body_text(&self.body, "message_id").or(self.message_id.as_deref())
    }

    /// The sender address: the body's top-level `sender` string, else the
    /// `x-cocoon-email-sender` header.
    #[must_use]
    pub fn sender(&self) -> Option<&str> {
        body_text(&self.body, "sender").or(self.sender.as_deref())
    }

    /// A top-level field of the body, if the body is an object that has it.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.body.get(key)
    }
}

/// A `whatsapp.*` event: documented headers and a typed body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WhatsAppEvent {
    /// The `x-cocoon-message-id` header: the WhatsApp message id (`wamid…`).
    pub message_id: Option<String>,
    /// The `x-cocoon-sender-phonenumber` header.
    pub sender_phone_number: Option<String>,
    /// The `x-cocoon-contact-uuid` header.
    pub contact_uuid: Option<String>,
    /// The `x-cocoon-contact-whatsapp` header.
    pub contact_whatsapp: Option<String>,
    /// The body.
    pub payload: WhatsAppPayload,
}

/// The body of a `whatsapp.*` event (API.md §6).
///
/// Parsing is lenient: unknown fields are ignored; the text fields accept a JSON string or a
/// number (kept as its decimal text), since the vendor does not document their JSON types.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct WhatsAppPayload {
    /// The body's `event_type`, as sent (not necessarily the header's spelling).
    pub event_type: String,
    /// The body's `timestamp`, as sent: its format is undocumented.
    pub timestamp: String,
    /// The message status, e.g. `"sent"`, `"read"` or `"failed"` (an open set).
    pub status: String,
    /// The sending phone number.
    pub sender: String,
    /// The receiving phone number.
    pub receiver: String,
    /// The message content as raw JSON, when present and not `null`.
    pub content: Option<Value>,
    /// Why the message failed, when present and not `null`; a non-string reason is kept as
    /// its compact JSON text.
    pub failure_reason: Option<String>,
}

impl WhatsAppPayload {
    /// The fields API.md documents as always present, in its order.
    pub const REQUIRED_FIELDS: [&'static str; 5] =
        ["event_type", "timestamp", "status", "sender", "receiver"];

    /// Reads the payload from a parsed body, reporting every missing required field at once.
    pub(crate) fn from_json(body: Value) -> Result<Self, WebhookError> {
        let mut object = match body {
            Value::Object(object) => object,
            _ => Map::new(),
        };
        let mut missing = Vec::new();
        let mut required = |key: &'static str| {
            let text = take_text(&mut object, key);
            if text.is_none() {
                missing.push(key);
            }
            text.unwrap_or_default()
        };
        let event_type = required("event_type");
        let timestamp = required("timestamp");
        let status = required("status");
        let sender = required("sender");
        let receiver = required("receiver");
        if !missing.is_empty() {
            return Err(WebhookError::MissingWhatsAppFields { missing });
        }
        let content = object.remove("content").filter(|value| !value.is_null());
        let failure_reason = match object.remove("failure_reason") {
            None | Some(Value::Null) => None,
            Some(Value::String(reason)) => Some(reason),
            Some(other) => Some(other.to_string()),
        };
        Ok(Self {
            event_type,
            timestamp,
            status,
            sender,
            receiver,
            content,
            failure_reason,
        })
    }
}

/// An event whose type API.md does not document.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OtherEvent {
    /// Every `x-cocoon-*` header of the delivery (names lowercase, values trimmed), in the
    /// order received, including `x-cocoon-event-type`.
    pub cocoon_headers: Vec<(String, String)>,
    /// The body as JSON (`Null` when the body was empty).
    pub body: Value,
}

impl OtherEvent {
    /// The first value of an `x-cocoon-*` header, by lowercase name.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.cocoon_headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// A top-level string field of a JSON object.
fn body_text<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

/// Removes a field and returns it as text when it is a string or a number.
fn take_text(object: &mut Map<String, Value>, key: &str) -> Option<String> {
    match object.remove(key)? {
        Value::String(text) => Some(text),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

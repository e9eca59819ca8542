//! `POST /webhook/event/send`: an event for a contact, in the simple or the structured shape.

use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::endpoint::{json_body, Endpoint, Target};
use crate::error::{Error, InvalidInput};
use crate::route::Operation;
use crate::setters::text_setters;
use crate::wire::{check_email, check_not_blank};

/// The keys of the simple event body that extra properties may not reuse.
pub const SIMPLE_EVENT_FIELDS: &[&str] = &["event_name", "email", "event_attribute"];

/// `POST /webhook/event/send`: records an event for a contact (creating the contact when it
/// does not exist), in one of the two documented body shapes.
///
/// Answered by [`SendEventResponse`]. Sending is not idempotent: a failed send is retried only
/// when the server certainly did not receive it.
///
/// ```
/// use cocoon_core::events::{Event, EventContact, SendEvent, SimpleEvent};
/// use cocoon_core::{build_request, ApiKey, Config};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
///
/// // The simple shape.
/// let signup = SendEvent::simple("signup", "ada@example.com");
/// let request = build_request(&config, &signup)?;
/// assert_eq!(request.uri().path(), "/webhook/event/send");
/// assert_eq!(request.body().as_slice(), br#"{"event_name":"signup","email":"ada@example.com"}"#);
///
/// // The simple shape with an attribute and an extra top-level property.
/// let upgrade = SendEvent::from(
///     SimpleEvent::new("upgrade", "ada@example.com").event_attribute("annual").property("plan", "pro"),
/// );
/// let request = build_request(&config, &upgrade)?;
/// assert_eq!(
///     request.body().as_slice(),
///     br#"{"event_name":"upgrade","email":"ada@example.com","event_attribute":"annual","plan":"pro"}"#
/// );
///
/// // The structured shape.
/// let cart = SendEvent::structured(
///     EventContact::new("ada@example.com").name("Ada"),
///     Event::new("ABANDONED_CART").data_entry("total", 42),
/// );
/// let request = build_request(&config, &cart)?;
/// assert_eq!(
///     request.body().as_slice(),
///     br#"{"contact":{"name":"Ada","email":"ada@example.com"},"event":{"code":"ABANDONED_CART","data":{"total":42}}}"#
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[must_use]
#[non_exhaustive]
pub enum SendEvent {
    /// `{"event_name", "email", "event_attribute"?, ...extra properties}`.
    Simple(SimpleEvent),
    /// `{"contact": {...}, "event": {...}}`.
    Structured(StructuredEvent),
}

impl SendEvent {
    /// A simple event named `event_name` for the contact `email`, with nothing else. Build a
    /// [`SimpleEvent`] for an attribute or extra properties.
    pub fn simple(event_name: impl Into<String>, email: impl Into<String>) -> Self {
        SendEvent::Simple(SimpleEvent::new(event_name, email))
    }

    /// A structured event for `contact`.
    pub fn structured(contact: EventContact, event: Event) -> Self {
        SendEvent::Structured(StructuredEvent::new(contact, event))
    }
}

impl<'de> Deserialize<'de> for SendEvent {
    /// The structured shape when the object has `contact` or `event`, the simple one
    /// otherwise; then the checks of sending.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let object = serde_json::Map::<String, Value>::deserialize(deserializer)?;
        let event = if object.contains_key("contact") || object.contains_key("event") {
            StructuredEvent::deserialize(Value::Object(object)).map(SendEvent::Structured)
        } else {
            SimpleEvent::deserialize(Value::Object(object)).map(SendEvent::Simple)
        }
        .map_err(D::Error::custom)?;
        // Each shape ran its checks as it was read.
        Ok(event)
    }
}

impl From<SimpleEvent> for SendEvent {
    fn from(event: SimpleEvent) -> Self {
        SendEvent::Simple(event)
    }
}

impl From<StructuredEvent> for SendEvent {
    fn from(event: StructuredEvent) -> Self {
        SendEvent::Structured(event)
    }
}

impl Endpoint for SendEvent {
    type Output = SendEventResponse;

    fn target(&self) -> Target<'_> {
        Target::Operation(Operation::SendEvent)
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        match self {
            SendEvent::Simple(event) => event.validate(),
            SendEvent::Structured(event) => event.validate(),
        }
    }

    fn body(&self) -> Result<Option<Vec<u8>>, Error> {
        json_body(self)
    }
}

crate::checked::checked_request! {
/// The simple event shape: `{"event_name", "email", "event_attribute"?}` plus extra contact or
/// event properties as further top-level keys.
///
/// An extra property may not be named like one of [`SIMPLE_EVENT_FIELDS`], nor be empty:
/// such a request is refused before sending, with the property's name as the field. Extra
/// properties are sent in name order. Note that `serde_json` turns a NaN or infinite `f64`
/// into `null` when converting it to a [`Value`].
///
/// ```
/// use cocoon_core::events::{SendEvent, SimpleEvent};
/// use cocoon_core::{build_request, ApiKey, Config, Error};
/// let config = Config::new(ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?);
/// let clash = SendEvent::from(SimpleEvent::new("signup", "ada@example.com").property("email", "x@y.z"));
/// match build_request(&config, &clash) {
///     Err(Error::InvalidInput(e)) => assert_eq!(e.field, "email"),
///     other => panic!("not refused: {other:?}"),
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SimpleEventJson")]
#[must_use]
pub struct SimpleEvent via SimpleEventJson
twin {}
{
    event_name: String,
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    event_attribute: Option<String>,
    #[serde(flatten)]
    properties: BTreeMap<String, Value>,
}
}

impl SimpleEvent {
    /// The event `event_name` for the contact `email`.
    pub fn new(event_name: impl Into<String>, email: impl Into<String>) -> Self {
        SimpleEvent {
            event_name: event_name.into(),
            email: email.into(),
            event_attribute: None,
            properties: BTreeMap::new(),
        }
    }

    text_setters! {
        /// Sets `event_attribute`.
        event_attribute,
    }

    /// Adds the top-level property `name` (a contact or event property).
    pub fn property(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.properties.insert(name.into(), value.into());
        self
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_not_blank("event_name", &self.event_name)?;
        check_email("email", &self.email)?;
        for name in self.properties.keys() {
            if name.trim().is_empty() {
                return Err(InvalidInput::new(
                    "event property",
                    "an extra event property name must not be empty",
                ));
            }
            if SIMPLE_EVENT_FIELDS.contains(&name.as_str()) {
                return Err(InvalidInput::new(
                    name.clone(),
                    "an extra property would collide with the event's own field of that name",
                ));
            }
        }
        Ok(())
    }
}

crate::checked::checked_request! {
/// The structured event shape: `{"contact": {...}, "event": {...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StructuredEventJson")]
#[must_use]
pub struct StructuredEvent via StructuredEventJson
twin {
    #[serde(deny_unknown_fields)]
}
{
    contact: EventContact,
    event: Event,
}
}

impl StructuredEvent {
    /// `event` for `contact`.
    pub fn new(contact: EventContact, event: Event) -> Self {
        StructuredEvent { contact, event }
    }

    fn validate(&self) -> Result<(), InvalidInput> {
        check_email("contact.email", &self.contact.email)?;
        if let Some(number) = &self.contact.whatsapp_number {
            check_not_blank("contact.whatsapp_number", number)?;
        }
        check_not_blank("event.code", &self.event.code)
    }
}

/// The `contact` of a [`StructuredEvent`]: `{"name"?, "email", "whatsapp_number"?}`.
///
/// ```
/// use cocoon_core::events::EventContact;
/// let contact = EventContact::new("ada@example.com").whatsapp_number("+15550100");
/// assert_eq!(
///     serde_json::to_string(&contact)?,
///     r#"{"email":"ada@example.com","whatsapp_number":"+15550100"}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[must_use]
pub struct EventContact {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    whatsapp_number: Option<String>,
}

impl EventContact {
    /// The contact with this email.
    pub fn new(email: impl Into<String>) -> Self {
        EventContact {
            name: None,
            email: email.into(),
            whatsapp_number: None,
        }
    }

    text_setters! {
        /// Sets `name`.
        name,
        /// Sets `whatsapp_number` (international format, e.g. `+15550100`).
        whatsapp_number,
    }
}

/// The `event` of a [`StructuredEvent`]: `{"code", "name"?, "data"?}`.
///
/// `data` entries are sent in key order; `data` is left out when empty.
///
/// ```
/// use cocoon_core::events::Event;
/// let event = Event::new("ORDER_SHIPPED").name("Order shipped").data_entry("order", "A-17");
/// assert_eq!(
///     serde_json::to_string(&event)?,
///     r#"{"code":"ORDER_SHIPPED","name":"Order shipped","data":{"order":"A-17"}}"#
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[must_use]
pub struct Event {
    code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    data: BTreeMap<String, Value>,
}

impl Event {
    /// The event with this code (e.g. `ABANDONED_CART`).
    pub fn new(code: impl Into<String>) -> Self {
        Event {
            code: code.into(),
            name: None,
            data: BTreeMap::new(),
        }
    }

    text_setters! {
        /// Sets `name`.
        name,
    }

    /// Replaces `data` with `data`.
    pub fn data(mut self, data: serde_json::Map<String, Value>) -> Self {
        self.data = data.into_iter().collect();
        self
    }

    /// Adds the entry `key` to `data`.
    pub fn data_entry(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.data.insert(key.into(), value.into());
        self
    }
}

/// The answer to [`SendEvent`] (201): `success` and the event's `id`.
pub type SendEventResponse = crate::answers::IdAcknowledgement;

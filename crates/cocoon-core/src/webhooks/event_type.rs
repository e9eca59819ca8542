//! The event types Cocoonmail delivers and the families they belong to.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

/// The type of a webhook event, read from the `x-cocoon-event-type` header.
///
/// The sixteen types API.md §6 documents have their own variants; any other string becomes
/// [`EventType::Other`] (so a type Cocoonmail adds later is delivered, not rejected). Parsing
/// ignores ASCII case; [`as_str`](Self::as_str) gives the documented lowercase spelling.
///
/// ```
/// use cocoon_core::webhooks::{EventFamily, EventType};
///
/// let kind: EventType = "whatsapp.message_received".parse().unwrap();
/// assert_eq!(kind, EventType::WhatsAppMessageReceived);
/// assert_eq!(kind.family(), EventFamily::WhatsApp);
/// assert_eq!(kind.as_str(), "whatsapp.message_received");
///
/// let future = EventType::from("sms.sent");
/// assert_eq!(future, EventType::Other("sms.sent".to_owned()));
/// assert_eq!(future.family(), EventFamily::Other);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventType {
    /// `contact.created`
    ContactCreated,
    /// `contact.updated`
    ContactUpdated,
    /// `contact.deleted`
    ContactDeleted,
    /// `email.sent`
    EmailSent,
    /// `email.opened`
    EmailOpened,
    /// `email.clicked`
    EmailClicked,
    /// `email.bounced`
    EmailBounced,
    /// `email.subscribed`
    EmailSubscribed,
    /// `email.unsubscribed`
    EmailUnsubscribed,
    /// `whatsapp.sent`
    WhatsAppSent,
    /// `whatsapp.failed`
    WhatsAppFailed,
    /// `whatsapp.read`
    WhatsAppRead,
    /// `whatsapp.engaged`
    WhatsAppEngaged,
    /// `whatsapp.subscribed`
    WhatsAppSubscribed,
    /// `whatsapp.unsubscribed`
    WhatsAppUnsubscribed,
    /// `whatsapp.message_received`: a contact wrote to the team's WhatsApp number.
    WhatsAppMessageReceived,
    /// A type API.md does not document, exactly as received. Its family is
    /// [`EventFamily::Other`], whatever its prefix.
    Other(String),
}

/// The documented event types, in API.md §6 order, with their wire spelling.
const KNOWN: [(EventType, &str); 16] = [
    (EventType::ContactCreated, "contact.created"),
    (EventType::ContactUpdated, "contact.updated"),
    (EventType::ContactDeleted, "contact.deleted"),
    (EventType::EmailSent, "email.sent"),
    (EventType::EmailOpened, "email.opened"),
    (EventType::EmailClicked, "email.clicked"),
    (EventType::EmailBounced, "email.bounced"),
    (EventType::EmailSubscribed, "email.subscribed"),
    (EventType::EmailUnsubscribed, "email.unsubscribed"),
    (EventType::WhatsAppSent, "whatsapp.sent"),
    (EventType::WhatsAppFailed, "whatsapp.failed"),
    (EventType::WhatsAppRead, "whatsapp.read"),
    (EventType::WhatsAppEngaged, "whatsapp.engaged"),
    (EventType::WhatsAppSubscribed, "whatsapp.subscribed"),
    (EventType::WhatsAppUnsubscribed, "whatsapp.unsubscribed"),
    (
        EventType::WhatsAppMessageReceived,
        "whatsapp.message_received",
    ),
];

impl EventType {
    /// Every documented event type (not [`Other`](Self::Other)), in API.md §6 order.
    ///
    /// ```
    /// use cocoon_core::webhooks::EventType;
    ///
    /// assert_eq!(EventType::documented().count(), 16);
    /// ```
    pub fn documented() -> impl Iterator<Item = EventType> {
        KNOWN.into_iter().map(|(kind, _)| kind)
    }

    /// The wire spelling, e.g. `"email.bounced"`; for [`Other`](Self::Other), the string as
    /// received.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::ContactCreated => "contact.created",
            Self::ContactUpdated => "contact.updated",
            Self::ContactDeleted => "contact.deleted",
            Self::EmailSent => "email.sent",
            Self::EmailOpened => "email.opened",
            Self::EmailClicked => "email.clicked",
            Self::EmailBounced => "email.bounced",
            Self::EmailSubscribed => "email.subscribed",
            Self::EmailUnsubscribed => "email.unsubscribed",
            Self::WhatsAppSent => "whatsapp.sent",
            Self::WhatsAppFailed => "whatsapp.failed",
            Self::WhatsAppRead => "whatsapp.read",
            Self::WhatsAppEngaged => "whatsapp.engaged",
            Self::WhatsAppSubscribed => "whatsapp.subscribed",
            Self::WhatsAppUnsubscribed => "whatsapp.unsubscribed",
            Self::WhatsAppMessageReceived => "whatsapp.message_received",
            Self::Other(other) => other,
        }
    }

    /// The family the type belongs to, which decides the shape of the event's data.
    #[must_use]
    pub fn family(&self) -> EventFamily {
        match self {
            Self::ContactCreated | Self::ContactUpdated | Self::ContactDeleted => {
                EventFamily::Contact
            }
            Self::EmailSent
            | Self::EmailOpened
            | Self::EmailClicked
            | Self::EmailBounced
            | Self::EmailSubscribed
            | Self::EmailUnsubscribed => EventFamily::Email,
            Self::WhatsAppSent
            | Self::WhatsAppFailed
            | Self::WhatsAppRead
            | Self::WhatsAppEngaged
            | Self::WhatsAppSubscribed
            | Self::WhatsAppUnsubscribed
            | Self::WhatsAppMessageReceived => EventFamily::WhatsApp,
            Self::Other(_) => EventFamily::Other,
        }
    }
}

impl From<&str> for EventType {
    fn from(value: &str) -> Self {
        KNOWN
            .iter()
            .find(|(_, spelling)| spelling.eq_ignore_ascii_case(value))
            .map_or_else(|| Self::Other(value.to_owned()), |(kind, _)| kind.clone())
    }
}

impl From<String> for EventType {
    fn from(value: String) -> Self {
        match Self::from(value.as_str()) {
            Self::Other(_) => Self::Other(value),
            known => known,
        }
    }
}

impl FromStr for EventType {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::from(s))
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The family of an [`EventType`]: which headers come with it and what its body holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventFamily {
    /// `contact.*` events.
    Contact,
    /// `email.*` events.
    Email,
    /// `whatsapp.*` events.
    WhatsApp,
    /// Event types API.md does not document.
    Other,
}

impl EventFamily {
    /// A lowercase name: `"contact"`, `"email"`, `"whatsapp"` or `"other"`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Email => "email",
            Self::WhatsApp => "whatsapp",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for EventFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

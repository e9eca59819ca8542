//! `GET /webhook/whatsapp_message/status`: a sent WhatsApp message's status.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::wire::message_id_request;

message_id_request!(
    /// `GET /webhook/whatsapp_message/status?message_id=<wamid>`: reads a sent message's status.
    /// An unknown id ends in [`Error::NotFound`](crate::Error::NotFound).
    ///
    /// ```
    /// use cocoon_core::{build_request, ApiKey, Config};
    /// use cocoon_core::whatsapp::WhatsAppStatus;
    /// let key = ApiKey::new("pbkdf2_sha256$600000$FAKEfakeFAKEfakeFAKEfa$++//ZmFrZS1rZXkvZm9yK3Rlc3RzPW9ubHkubm90LXI=")?;
    /// let request = build_request(&Config::new(key), &WhatsAppStatus::new("wamid.HBgL=="))?;
    /// assert_eq!(
    ///     request.uri(),
    ///     "https://webhook.cocoonmail.com/webhook/whatsapp_message/status?message_id=wamid.HBgL%3D%3D"
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    WhatsAppStatus => WhatsAppStatus, WhatsAppStatusResponse, "WhatsApp message", "[`WhatsAppReport::message_id`](super::WhatsAppReport::message_id)");

/// The answer to [`WhatsAppStatus`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WhatsAppStatusResponse {
    /// The server's message.
    pub message: Option<String>,
    /// The message's status (all fields unknown when the answer had no `data`).
    #[serde(deserialize_with = "crate::wire::null_as_default")]
    pub data: WhatsAppStatusData,
}

/// A sent WhatsApp message's status (API.md §4.10). Flags are `None` when the server did not
/// send them; timestamps are ISO-8601 strings as sent, `None` when null.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WhatsAppStatusData {
    /// Cocoonmail's id of the message.
    pub uuid: Option<String>,
    /// WhatsApp's id of the message (a `wamid`).
    pub message_id: Option<String>,
    /// WhatsApp's conversation id.
    pub conversation_id: Option<String>,
    /// Which way the message went, as sent (for example `"outbound"`); the values are
    /// undocumented, so this is plain text.
    pub direction: Option<String>,
    /// The message's `type` (`type` on the wire).
    #[serde(rename = "type")]
    pub kind: Option<WhatsAppMessageKind>,
    /// The message's status, as sent; the values are undocumented, so this is plain text (the
    /// flags below say the same in typed form).
    pub status: Option<String>,
    /// Whether it was delivered.
    pub delivered: Option<bool>,
    /// Whether it was read.
    pub read: Option<bool>,
    /// Whether it failed.
    pub failed: Option<bool>,
    /// Whether it was rejected.
    pub rejected: Option<bool>,
    /// When it was delivered.
    pub delivered_at: Option<String>,
    /// When it was read.
    pub read_at: Option<String>,
    /// When it failed.
    pub failed_at: Option<String>,
    /// When it was rejected.
    pub rejected_at: Option<String>,
    /// When it was created.
    pub created: Option<String>,
    /// When it was last updated.
    pub updated: Option<String>,
    /// When it was sent.
    pub sent_at: Option<String>,
    /// The recipient's number (a JSON number is read as its digits).
    #[serde(deserialize_with = "crate::wire::opt_string")]
    pub to: Option<String>,
    /// The message's content, as raw JSON (its shape depends on the type).
    pub content: Option<Value>,
    /// Further data about the message, as raw JSON.
    pub metadata: Option<Value>,
    /// The contact the message went to.
    pub contact: Option<WhatsAppContact>,
}

/// The contact of a [`WhatsAppStatusData`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct WhatsAppContact {
    /// The contact's id (an integer; a numeric string is read too).
    #[serde(deserialize_with = "crate::wire::opt_u64")]
    pub id: Option<u64>,
    /// The contact's email address.
    pub email: Option<String>,
    /// The contact's full name.
    pub name: Option<String>,
    /// The contact's first name.
    pub first_name: Option<String>,
    /// The contact's WhatsApp number (a JSON number is read as its digits).
    #[serde(deserialize_with = "crate::wire::opt_string")]
    pub whatsapp_number: Option<String>,
    /// Whether the contact unsubscribed from WhatsApp messages.
    pub is_whatsapp_unsubscribed: Option<bool>,
}

/// The `type` of a WhatsApp message in a status answer: an open set, so the media kinds and
/// anything new are kept in [`WhatsAppMessageKind::Other`]. Known values are matched without
/// regard to case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
#[non_exhaustive]
pub enum WhatsAppMessageKind {
    /// `"template"`.
    Template,
    /// `"text"`.
    Text,
    /// Any other value (e.g. `"image"`), as sent.
    Other(String),
}

impl WhatsAppMessageKind {
    /// The value as on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            WhatsAppMessageKind::Template => "template",
            WhatsAppMessageKind::Text => "text",
            WhatsAppMessageKind::Other(other) => other,
        }
    }
}

impl From<String> for WhatsAppMessageKind {
    fn from(value: String) -> Self {
        if value.eq_ignore_ascii_case("template") {
            WhatsAppMessageKind::Template
        } else if value.eq_ignore_ascii_case("text") {
            WhatsAppMessageKind::Text
        } else {
            WhatsAppMessageKind::Other(value)
        }
    }
}

impl From<WhatsAppMessageKind> for String {
    fn from(kind: WhatsAppMessageKind) -> Self {
        match kind {
            WhatsAppMessageKind::Other(other) => other,
            known => known.as_str().to_owned(),
        }
    }
}
